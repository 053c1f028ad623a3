// Per-provider request and token rate limits (`rpm`, `tpm`), enforced per worker process as
// one-second windows of rpm/60 and tpm/60 (smooth rather than a minute's burst at once).
// Concurrency (`maxConcurrency`) is the worker's per-provider queue; see worker.ts.
import { RateLimiterMemory, RateLimiterQueue } from 'rate-limiter-flexible';
import type { ProviderConfig } from '../config.js';

export class ProviderRateLimit {
  private readonly requests?: RateLimiterQueue;
  private readonly tokens?: RateLimiterQueue;
  private readonly tokensPerWindow: number;

  constructor(config: Pick<ProviderConfig, 'rpm' | 'tpm'>) {
    const perSecond = (perMinute: number) => Math.max(1, Math.ceil(perMinute / 60));
    if (config.rpm) {
      this.requests = new RateLimiterQueue(new RateLimiterMemory({ points: perSecond(config.rpm), duration: 1 }));
    }
    this.tokensPerWindow = config.tpm ? perSecond(config.tpm) : 0;
    if (config.tpm) {
      this.tokens = new RateLimiterQueue(new RateLimiterMemory({ points: this.tokensPerWindow, duration: 1 }));
    }
  }

  get limited(): boolean {
    return this.requests !== undefined || this.tokens !== undefined;
  }

  /** Wait until one more request of about `estimatedTokens` tokens may be sent. */
  async acquire(estimatedTokens: number): Promise<void> {
    if (this.requests) await this.requests.removeTokens(1);
    // A request larger than a whole window takes the whole window.
    if (this.tokens) await this.tokens.removeTokens(Math.min(Math.max(1, estimatedTokens), this.tokensPerWindow));
  }
}
