// Prometheus metrics of one process (prom-client, a registry of its own): process metrics with the
// `batchgate_` prefix, HTTP requests by route pattern, upstream calls, ended lines, tokens and cost
// by provider and model, and batches by status, read from the database when scraped. No label ever
// carries a batch or custom id. The per-line counts are plain additions to one totals object per
// provider and model, turned into counters at scrape time, so the hot path pays a map lookup.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/client.js';
import type { RowOutcome } from '../db/queries/batch-requests.js';
import { BATCH_STATUSES } from '../db/tables/batches.js';
import { withTimeout } from '../deadline.js';
import { BucketCounts, registerBucketHistogram } from './bucket-counts.js';

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Model calls take from milliseconds (a local embedding) to minutes (a long generation). */
const UPSTREAM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** A scrape never waits longer than this on the database (the batches gauge is left out then). */
const SCRAPE_QUERY_TIMEOUT_MS = 1500;
/** The status-code key of an upstream call that got no answer. */
const NO_ANSWER = 0;

/** Running totals of one provider and model since the process started. */
export class ModelTotals {
  completed = 0;
  failed = 0;
  inputTokens = 0;
  outputTokens = 0;
  costUsd = 0;
  /** Upstream calls by status code (NO_ANSWER when none came). */
  readonly upstream = new Map<number, number>();
  readonly upstreamSeconds = new BucketCounts(UPSTREAM_BUCKETS);

  constructor(
    readonly provider: string,
    readonly model: string,
  ) {}
}

export class Metrics {
  readonly registry = new Registry();
  private readonly byProvider = new Map<string, Map<string, ModelTotals>>();
  private readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;

  constructor(private readonly database: Database) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'batchgate_' });
    this.httpRequests = new Counter({
      name: 'batchgate_http_requests_total',
      help: 'HTTP requests answered, by method, matched route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'batchgate_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (for a stream: until it ended), by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    const totals = () => this.allTotals();
    registerBucketHistogram(
      this.registry,
      'batchgate_upstream_request_duration_seconds',
      'Duration of each call to an upstream provider, answered or not.',
      function* () {
        for (const t of totals()) yield [{ provider: t.provider, model: t.model }, t.upstreamSeconds];
      },
    );
    this.totalsCounter(
      'batchgate_upstream_requests_total',
      'Calls to upstream providers by status code ("error" when no answer came: timeout, connection failure, abort).',
      'status_code',
      (t) => [...t.upstream].map(([status, n]) => [status === NO_ANSWER ? 'error' : String(status), n]),
    );
    this.totalsCounter(
      'batchgate_batch_lines_total',
      'Batch lines ended by this process: completed (a 2xx answer) or failed (anything else).',
      'outcome',
      (t) => [
        ['completed', t.completed],
        ['failed', t.failed],
      ],
    );
    this.totalsCounter(
      'batchgate_tokens_total',
      'Tokens of the answers of ended lines, as the upstream reported them.',
      'type',
      (t) => [
        ['input', t.inputTokens],
        ['output', t.outputTokens],
      ],
    );
    this.totalsCounter(
      'batchgate_cost_usd_total',
      'Cost in USD of the answers of ended lines, at the prices recorded with them (batch prices for native lines).',
      null,
      (t) => [['', t.costUsd]],
    );
    const batchCounts = () => this.batchCounts();
    new Gauge({
      name: 'batchgate_batches',
      help: 'Batches by status, read from the database at scrape time (absent when it cannot be read).',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        const counts = await batchCounts();
        if (!counts) return;
        for (const status of BATCH_STATUSES) this.set({ status }, counts.get(status) ?? 0);
      },
    });
  }

  /**
   * A counter by provider, model and (unless null) one more label, whose values are read from the
   * totals when scraped: `values` gives each value of the extra label with its count.
   */
  private totalsCounter(
    name: string,
    help: string,
    label: string | null,
    values: (totals: ModelTotals) => [string, number][],
  ): void {
    const totals = () => this.allTotals();
    new Counter({
      name,
      help,
      labelNames: label ? ['provider', 'model', label] : ['provider', 'model'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const t of totals())
          for (const [value, n] of values(t))
            this.inc({ provider: t.provider, model: t.model, ...(label ? { [label]: value } : {}) }, n);
      },
    });
  }

  /** The totals of a provider and model; the returned object is the one to add to. */
  totalsFor(provider: string, model: string): ModelTotals {
    let models = this.byProvider.get(provider);
    if (!models) {
      models = new Map();
      this.byProvider.set(provider, models);
    }
    let totals = models.get(model);
    if (!totals) {
      totals = new ModelTotals(provider, model);
      models.set(model, totals);
    }
    return totals;
  }

  /** A line has ended (answered, or not) in this process. */
  lineEnded(provider: string, model: string, outcome: RowOutcome): void {
    const t = this.totalsFor(provider, model);
    const status = outcome.statusCode;
    if (status !== null && status >= 200 && status < 300) t.completed++;
    else t.failed++;
    t.inputTokens += outcome.inputTokens;
    t.outputTokens += outcome.outputTokens;
    const uncached = outcome.inputTokens - outcome.cachedTokens;
    const perMillion =
      uncached * Number(outcome.inputPrice) +
      outcome.cachedTokens * Number(outcome.cachedInputPrice) +
      outcome.outputTokens * Number(outcome.outputPrice);
    t.costUsd += perMillion / 1e6;
  }

  /** `count` lines ended with no answer at once (a provider batch that gave no result for them). */
  linesEndedUnanswered(provider: string, model: string, count: number): void {
    this.totalsFor(provider, model).failed += count;
  }

  /** One upstream call ended, with an answer's status code or none. */
  upstreamCall(totals: ModelTotals, statusCode: number | null, seconds: number): void {
    const key = statusCode ?? NO_ANSWER;
    totals.upstream.set(key, (totals.upstream.get(key) ?? 0) + 1);
    totals.upstreamSeconds.observe(seconds);
  }

  httpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status_code: String(statusCode) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  /** Prometheus text exposition of every metric. */
  async expose(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private *allTotals(): Iterable<ModelTotals> {
    for (const models of this.byProvider.values()) yield* models.values();
  }

  private async batchCounts(): Promise<Map<string, number> | null> {
    try {
      const query = this.database.query<{ status: string; n: number }>(
        'select status, count(*)::int as n from batches group by status',
        [],
      );
      const rows = await withTimeout(query, SCRAPE_QUERY_TIMEOUT_MS);
      return new Map(rows.map((r) => [r.status, r.n]));
    } catch {
      return null;
    }
  }
}
