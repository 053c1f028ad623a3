// The gate every transport calls first: bearer token → Caller, then the caller's per-key request
// budget (`apiRequestsPerMinutePerKey`, in memory per api process; the admin key is exempt).
// While the database is known to be away, every call is refused at once (503).
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { type Caller, rateLimitKey } from '../domain/caller.js';
import type { Deps } from '../domain/deps.js';
import { AppError } from '../domain/errors.js';
import { hashKey } from '../domain/keys/api-key.js';
import { authenticate, bearerToken, isAdminToken } from '../domain/keys/authenticate.js';
import type { DatabaseAvailability } from '../observability/database-availability.js';

export class Gate {
  private readonly adminKeyHash: string;
  private readonly limiter: RateLimiterMemory;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'config'>,
    adminKey: string,
    private readonly availability?: Pick<DatabaseAvailability, 'assertAvailable'>,
  ) {
    this.adminKeyHash = hashKey(adminKey);
    this.limiter = new RateLimiterMemory({ points: deps.config.limits.apiRequestsPerMinutePerKey, duration: 60 });
  }

  /** Authenticate an `Authorization` header value (or a bare `Bearer` token from connectionParams). */
  async admit(authorization: string | undefined | null): Promise<Caller> {
    this.availability?.assertAvailable();
    const caller = await authenticate(this.deps, this.adminKeyHash, bearerToken(authorization));
    const key = rateLimitKey(caller);
    if (key) {
      try {
        await this.limiter.consume(key);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        throw new AppError('rate_limited', 'Rate limit reached for requests with this API key. Try again later.', {
          retryAfterMs: error.msBeforeNext,
          detailCode: 'rate_limit_exceeded',
        });
      }
    }
    return caller;
  }

  /** Whether this is the admin key; never touches the database. */
  isAdmin(authorization: string | undefined | null): boolean {
    const token = bearerToken(authorization);
    return token !== undefined && isAdminToken(this.adminKeyHash, token);
  }

  /** Only the admin key passes. */
  async admitAdmin(authorization: string | undefined | null): Promise<Caller> {
    const caller = await this.admit(authorization);
    if (caller.kind !== 'admin') throw new AppError('forbidden', 'This route needs the admin key.');
    return caller;
  }
}
