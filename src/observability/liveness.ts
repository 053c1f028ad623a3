// Liveness of the worker loops. The claim and writer loops tick each time they come round, which
// a healthy worker does at least every `idlePollMs` (0.5 s) even with nothing to do; a loop that
// has ticked before and then stays silent for `stallAfterMs` is stalled (stuck on a statement that
// never returns, a blocked event loop) and /ready answers 503 until it ticks again.

export const DEFAULT_STALL_AFTER_MS = 30_000;

export class Liveness {
  private readonly lastTick = new Map<string, number>();

  constructor(
    private readonly stallAfterMs = DEFAULT_STALL_AFTER_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  tick(loop: string): void {
    this.lastTick.set(loop, this.now());
  }

  /** The loops silent for longer than allowed, by name (none in a process without a worker). */
  stalled(): string[] {
    const limit = this.now() - this.stallAfterMs;
    return [...this.lastTick].filter(([, at]) => at < limit).map(([loop]) => loop);
  }

  /** Forget every loop: the worker stopped on purpose. */
  clear(): void {
    this.lastTick.clear();
  }
}
