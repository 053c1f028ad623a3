// DNS resolution for webhook connections that refuses forbidden targets: every address a name
// resolves to is checked (address-policy.ts) and, if any is refused, the connection fails before
// it is attempted. The socket then connects to the very addresses checked here, so a name cannot
// resolve differently between the check and the connection.
import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { blockedAddressKind, refusedName } from '../../domain/webhooks/address-policy.js';

/** Resolves a host name to all its addresses (the system resolver; tests inject their own). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export class RefusedAddressError extends Error {
  constructor(hostname: string, address: string, kind: string) {
    super(refusedName(hostname, address, kind));
    this.name = 'RefusedAddressError';
  }
}

export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolve(hostname).then(
      (resolved) => {
        for (const { address } of resolved) {
          const kind = blockedAddressKind(address);
          if (kind) return callback(new RefusedAddressError(hostname, address, kind), '', 0);
        }
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addresses = family ? resolved.filter((a) => a.family === family) : resolved;
        const first = addresses[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = 'ENOTFOUND';
          return callback(error, '', 0);
        }
        if (options.all) return callback(null, addresses);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
