// Per-provider request and token rate limits (`rpm`, `tpm`) of one worker: token buckets of this
// worker's share of each (shares.ts), refilled smoothly (token-bucket.ts). The shares change when
// workers join or leave; requests waiting here keep their place. Concurrency (`maxConcurrency`)
// is the executor's per-provider queue.
import type { ProviderConfig } from '../config.js';
import { TokenBucket } from './token-bucket.js';

export class ProviderRateLimit {
  private readonly requests?: TokenBucket;
  private readonly tokens?: TokenBucket;

  /** Starts with the whole of `limits`, until `setShare` says otherwise. */
  constructor(limits: Pick<ProviderConfig, 'rpm' | 'tpm'>) {
    if (limits.rpm) this.requests = new TokenBucket(limits.rpm);
    if (limits.tpm) this.tokens = new TokenBucket(limits.tpm);
  }

  get limited(): boolean {
    return this.requests !== undefined || this.tokens !== undefined;
  }

  /** This worker's part of the provider's rpm and tpm (0: send nothing). */
  setShare(share: { rpm: number | undefined; tpm: number | undefined }): void {
    this.requests?.setBudget(share.rpm ?? 0);
    this.tokens?.setBudget(share.tpm ?? 0);
  }

  /** Wait until one more request of about `estimatedTokens` tokens may be sent, or `signal` aborts. */
  async acquire(estimatedTokens: number, signal: AbortSignal): Promise<void> {
    await this.requests?.take(1, signal);
    // A request larger than a second's budget takes the whole second.
    await this.tokens?.take(Math.max(1, estimatedTokens), signal);
  }
}
