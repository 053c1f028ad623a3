// Which errors mean "the database cannot be reached" (as opposed to a bad query): connection
// refused, reset or timed out, a server shutting down or starting up, a connection closed under a
// query. Drizzle wraps driver errors, so the whole `cause` chain is searched.

/** Driver and socket error codes of an unreachable server (postgres-js and Node's net). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** SQLSTATEs: class 08 (connection exception) and the operator-intervention shutdowns. */
const unavailableState = (code: string) =>
  code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (
      typeof code === 'string' &&
      (CONNECTION_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && unavailableState(code)))
    )
      return true;
    // Node reports a failed connection to several addresses as an AggregateError.
    if (Array.isArray(errors) && errors.some(isDatabaseUnavailable)) return true;
    e = cause;
  }
  return false;
}
