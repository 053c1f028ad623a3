// Who is calling: the admin (sees every project, creates in the `admin` project) or a tenant key
// bound to one project. Queries scope themselves with `ownedBy`.
import { type AnyColumn, eq, type SQL } from 'drizzle-orm';
import { AppError } from './errors.js';

export type Caller = { kind: 'admin' } | { kind: 'key'; keyId: string; projectId: string };

export const ADMIN_PROJECT_ID = 'admin';
export const adminCaller: Caller = { kind: 'admin' };

/** The project that objects created by this caller belong to. */
export const projectOf = (caller: Caller): string => (caller.kind === 'admin' ? ADMIN_PROJECT_ID : caller.projectId);

/** A filter restricting `projectColumn` to what the caller may see (nothing extra for the admin). */
export const ownedBy = (caller: Caller, projectColumn: AnyColumn): SQL | undefined =>
  caller.kind === 'admin' ? undefined : eq(projectColumn, caller.projectId);

/** Key management is the admin's alone; every key use case checks it, whatever route led there. */
export function requireAdmin(caller: Caller): void {
  if (caller.kind !== 'admin') throw new AppError('forbidden', 'This needs the admin key.');
}

export const canSee = (caller: Caller, projectId: string): boolean =>
  caller.kind === 'admin' || caller.projectId === projectId;

/** A stable identity for per-caller rate limiting; the admin is never limited. */
export const rateLimitKey = (caller: Caller): string | null => (caller.kind === 'admin' ? null : caller.keyId);
