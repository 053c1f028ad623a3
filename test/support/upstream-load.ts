// Reading the load a fake upstream saw: how many requests were in flight at once, and how many
// arrived within any window of time.
import type { UpstreamRequest } from './fake-upstream.js';

/**
 * The most requests in flight at once at any instant in [since, until) (one still open counts
 * until now); requests that started before `since` count while they last.
 */
export function peakConcurrency(requests: UpstreamRequest[], since = 0, until = Number.POSITIVE_INFINITY): number {
  const edges = requests.flatMap((r) => [
    { at: r.at, delta: 1 },
    { at: r.endedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
  ]);
  // At equal times an end comes before an arrival: a slot freed and reused is not an overlap.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let peak = 0;
  for (const edge of edges) {
    if (edge.at >= until) break;
    open += edge.delta;
    if (edge.at >= since) peak = Math.max(peak, open);
  }
  return Math.max(peak, openAt(requests, since));
}

/** In flight at instant `t`. */
const openAt = (requests: UpstreamRequest[], t: number) =>
  requests.filter((r) => r.at <= t && (r.endedAt ?? Number.POSITIVE_INFINITY) > t).length;

/** The most requests that arrived within any `windowMs` (from one arrival to `windowMs` later). */
export function mostInWindow(requests: UpstreamRequest[], windowMs: number): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
