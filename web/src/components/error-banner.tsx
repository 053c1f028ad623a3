// The one way the dashboard reports a failure: an alert banner. A refused key says so and offers
// to sign in with another one.

import { RestError } from '../rest.js';
import { setApiKey, useApiKey } from '../session.js';
import { isUnauthorized } from '../trpc.js';

export function describeError(error: unknown): string {
  if (isUnauthorized(error) || (error instanceof RestError && error.status === 401)) {
    return 'The gateway refused this API key.';
  }
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}

export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const refused = isUnauthorized(error) || (error instanceof RestError && error.status === 401);
  const signedIn = useApiKey() !== null;
  return (
    <div className="banner banner-error" role="alert">
      <span>{describeError(error)}</span>
      {onRetry && !refused ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
      {refused && signedIn ? (
        <button type="button" onClick={() => setApiKey(null)}>
          Use another key
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}
