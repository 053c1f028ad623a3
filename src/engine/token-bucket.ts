// A token bucket with a budget per minute: it refills continuously at budget/60 tokens a second
// and holds at most one second's worth (at least one token), so requests go out smoothly rather
// than a minute's burst at once. Takers wait in order; a wait ends early when its signal aborts.
// The budget may change while takers wait (a worker's share changed): they keep their place and
// go out at the new pace. A budget of 0 lets nothing through until it is raised.

interface Taker {
  cost: number;
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  onAbort(): void;
}

export class TokenBucket {
  private perMs = 0;
  private capacity = 0;
  private tokens = 0;
  private updatedAt = performance.now();
  private readonly takers: Taker[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** Starts full. */
  constructor(perMinute: number) {
    this.setBudget(perMinute);
    this.tokens = this.capacity;
  }

  setBudget(perMinute: number): void {
    this.refill();
    this.perMs = perMinute / 60_000;
    this.capacity = perMinute > 0 ? Math.max(1, perMinute / 60) : 0;
    this.tokens = Math.min(this.tokens, this.capacity);
    this.serve();
  }

  /** Wait until `cost` tokens can be taken (a cost above the capacity takes the whole capacity). */
  take(cost: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const taker: Taker = {
        cost,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.takers.splice(this.takers.indexOf(taker), 1);
          reject(signal.reason);
          this.serve();
        },
      };
      signal.addEventListener('abort', taker.onAbort, { once: true });
      this.takers.push(taker);
      this.serve();
    });
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }

  /** Let out every taker at the head that the bucket can pay for; time the next one. */
  private serve(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.refill();
    while (this.takers.length > 0 && this.capacity > 0) {
      const head = this.takers[0]!;
      const cost = Math.min(head.cost, this.capacity);
      // A hair of tolerance: the refill is floating point.
      if (this.tokens + 1e-9 < cost) {
        this.timer = setTimeout(() => this.serve(), Math.ceil((cost - this.tokens) / this.perMs));
        this.timer.unref();
        return;
      }
      this.tokens -= cost;
      this.takers.shift();
      head.signal.removeEventListener('abort', head.onAbort);
      head.resolve();
    }
  }
}
