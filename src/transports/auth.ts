// The gate every transport calls first: a credential → Caller, then the caller's per-key request
// budget (`apiRequestsPerMinutePerKey`, shared by every api process on PostgreSQL, in memory on
// PGlite; see domain/keys/request-budget.ts; the admin key is exempt).
// Failed authentications are budgeted per client address (`failedAuthPerMinutePerAddress`): an
// address over it is refused before any key lookup, so guessing keys cannot load the database.
// While the database is known to be away, every API call is refused at once (503).
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { adminCaller, type Caller, rateLimitKey } from '../domain/caller.js';
import type { Deps } from '../domain/deps.js';
import { AppError } from '../domain/errors.js';
import { hashKey } from '../domain/keys/api-key.js';
import { authenticateTenant, credentialOf, isAdminKey } from '../domain/keys/authenticate.js';
import { type RequestBudget, requestBudgetFor } from '../domain/keys/request-budget.js';
import type { DatabaseAvailability } from '../observability/database-availability.js';

/** Who is asking: the `Authorization` value (or a bare key from connectionParams) and the client address. */
export interface Credentials {
  authorization: string | undefined | null;
  address: string | undefined;
}

/** The credentials of an HTTP request. */
export const credentialsOf = (req: { headers: { authorization?: string }; ip: string }): Credentials => ({
  authorization: req.headers.authorization,
  address: req.ip,
});

const rateLimited = (what: string, retryAfterMs: number) =>
  new AppError('rate_limited', `Rate limit reached for ${what}. Try again later.`, { retryAfterMs });

/** How many lately authenticated keys the gate remembers. */
const RECENTLY_GOOD_MAX = 10_000;

export class Gate {
  private readonly adminKeyHash: string;
  private readonly requests: RequestBudget;
  private readonly failures: RateLimiterMemory;
  /** Hashes of keys that authenticated lately, most recent last. */
  private readonly recentlyGood = new Set<string>();

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'database' | 'config' | 'clock'>,
    adminKey: string,
    private readonly availability?: Pick<DatabaseAvailability, 'assertAvailable'>,
  ) {
    this.adminKeyHash = hashKey(adminKey);
    const { apiRequestsPerMinutePerKey, failedAuthPerMinutePerAddress } = deps.config.limits;
    this.requests = requestBudgetFor(deps.database, deps.clock, apiRequestsPerMinutePerKey);
    this.failures = new RateLimiterMemory({ points: failedAuthPerMinutePerAddress, duration: 60 });
  }

  /** Who the credentials belong to, without spending any request budget. */
  async authenticate({ authorization, address }: Credentials): Promise<Caller> {
    const token = credentialOf(authorization);
    if (token && isAdminKey(this.adminKeyHash, token)) return adminCaller;
    this.availability?.assertAvailable();
    // A key that authenticated lately still goes to the lookup (it may have been revoked) but never
    // waits on its address's failure budget: behind a shared proxy address, one client guessing
    // keys must not lock every tenant out.
    const hash = token ? hashKey(token) : '';
    const failures = address && !this.recentlyGood.has(hash) ? await this.failures.get(address) : null;
    if (failures && failures.remainingPoints <= 0) {
      throw rateLimited('failed authentications from this address', failures.msBeforeNext);
    }
    try {
      const caller = await authenticateTenant(this.deps, token);
      this.rememberGood(hash);
      return caller;
    } catch (error) {
      if (error instanceof AppError && error.code === 'unauthenticated') {
        this.recentlyGood.delete(hash);
        if (address) await this.failures.penalty(address, 1);
      }
      throw error;
    }
  }

  /** Remember a key that authenticated (its hash), the oldest forgotten past RECENTLY_GOOD_MAX. */
  private rememberGood(hash: string): void {
    this.recentlyGood.delete(hash);
    this.recentlyGood.add(hash);
    if (this.recentlyGood.size > RECENTLY_GOOD_MAX) {
      const oldest = this.recentlyGood.values().next().value;
      if (oldest !== undefined) this.recentlyGood.delete(oldest);
    }
  }

  /** Spend one request of the caller's budget (the admin key is never limited). */
  async spend(caller: Caller): Promise<void> {
    const key = rateLimitKey(caller);
    if (!key) return;
    const spent = await this.requests.spend(key);
    if (!spent.ok) throw rateLimited('requests with this API key', spent.retryAfterMs);
  }

  /** Whether this is the admin key; never touches the database (operations routes work while it is away). */
  isAdmin(authorization: string | undefined | null): boolean {
    const token = credentialOf(authorization);
    return token !== undefined && isAdminKey(this.adminKeyHash, token);
  }

  /** Authenticate and spend one request: what every API request does first. */
  async admit(credentials: Credentials): Promise<Caller> {
    this.availability?.assertAvailable();
    const caller = await this.authenticate(credentials);
    await this.spend(caller);
    return caller;
  }
}
