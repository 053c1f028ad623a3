// Each worker's share of a provider's limits (`maxConcurrency`, `rpm`, `tpm`): the limit divided
// between the live workers that have the provider, the remainder one each to the earliest joined,
// so the shares add up to the limit exactly. Every worker computes every share from the same list
// of members, so they agree without asking each other. Because the remainders of all three limits
// go to the same first members, the first member of a provider never gets a zero share: a limit
// smaller than the worker count still lets some workers send. Joining at the end of the order, a
// newcomer never takes the last unit of a limit from a worker that had one.
import type { ProviderConfig } from '../config.js';

/** A live worker, as its heartbeat row says. */
export interface Member {
  id: string;
  providers: string[];
}

/** What one worker may use of one provider; `undefined` rpm/tpm means the provider sets none. */
export interface LaneShare {
  maxConcurrency: number;
  rpm: number | undefined;
  tpm: number | undefined;
}

/** No share: claim nothing for the provider, send nothing. */
export const NO_SHARE: LaneShare = { maxConcurrency: 0, rpm: 0, tpm: 0 };

/** The part of `limit` that member `index` of `count` gets. */
export function shareOf(limit: number, index: number, count: number): number {
  return Math.floor(limit / count) + (index < limit % count ? 1 : 0);
}

/** A worker with a zero share of any of a provider's limits sends nothing to it. */
export const isBlocked = (share: LaneShare) => share.maxConcurrency === 0 || share.rpm === 0 || share.tpm === 0;

type Limits = Pick<ProviderConfig, 'maxConcurrency' | 'rpm' | 'tpm'>;

/**
 * Worker `me`'s share of each provider in `limits`, given the live members in joining order (`me`
 * among them). A provider `me` has not registered gets no share.
 */
export function laneShares(members: Member[], me: string, limits: Record<string, Limits>): Map<string, LaneShare> {
  const shares = new Map<string, LaneShare>();
  for (const [name, limit] of Object.entries(limits)) {
    const holders = members.filter((m) => m.providers.includes(name));
    const index = holders.findIndex((m) => m.id === me);
    if (index < 0) {
      shares.set(name, NO_SHARE);
      continue;
    }
    const part = (value: number) => shareOf(value, index, holders.length);
    shares.set(name, {
      maxConcurrency: part(limit.maxConcurrency),
      rpm: limit.rpm === undefined ? undefined : part(limit.rpm),
      tpm: limit.tpm === undefined ? undefined : part(limit.tpm),
    });
  }
  return shares;
}
