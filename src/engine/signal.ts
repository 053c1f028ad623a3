// A wake-up point for a loop: `wait(ms, stop)` resolves on the next `poke()`, after `ms`, or when
// `stop` aborts, whichever comes first. No timer outlives its wait.
export class Signal {
  private waiters: (() => void)[] = [];

  poke(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  wait(ms: number, stop: AbortSignal): Promise<void> {
    if (stop.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stop.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }
}
