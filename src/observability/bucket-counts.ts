// A histogram counted with plain arithmetic (no label hashing per observation) and exposed to
// prom-client as a registered metric: for durations observed on the hot path, where a prom-client
// Histogram's `observe` would cost more than everything else recorded per call together.
import type { Metric, Registry } from 'prom-client';

/** Observations of one label set: count per bucket (not cumulative), sum and count. */
export class BucketCounts {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

type Labels = Record<string, string>;

/**
 * Register a histogram named `name` whose series are read, when scraped, from `series()`: each
 * label set with its BucketCounts. The exposition is prom-client's own (`_bucket` with `le`,
 * `_sum`, `_count`).
 */
export function registerBucketHistogram(
  registry: Registry,
  name: string,
  help: string,
  series: () => Iterable<[Labels, BucketCounts]>,
): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      for (const [labels, buckets] of series()) {
        let cumulative = 0;
        buckets.bounds.forEach((le, i) => {
          cumulative += buckets.counts[i]!;
          values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { ...labels, le: '+Inf' }, value: buckets.count, metricName: `${name}_bucket` });
        values.push({ labels, value: buckets.sum, metricName: `${name}_sum` });
        values.push({ labels, value: buckets.count, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {},
  };
  registry.registerMetric(metric as unknown as Metric);
}
