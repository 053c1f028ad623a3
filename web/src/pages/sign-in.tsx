// Sign in with an API key: the key is checked with one call before it is kept for this tab.
import { type FormEvent, useState } from 'react';
import { ErrorBanner } from '../components/error-banner.js';
import { setApiKey } from '../session.js';
import { createClient } from '../trpc.js';

export function SignInPage() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const candidate = key.trim();
    if (!candidate) return;
    setChecking(true);
    setError(null);
    try {
      await createClient(candidate).batches.list.query({ limit: 1 });
      setApiKey(candidate);
    } catch (failure) {
      setError(failure);
      setChecking(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>batchgate</h1>
      <p className="muted">Sign in with an API key to see your project's batches, files and models.</p>
      {error ? <ErrorBanner error={error} /> : null}
      <form onSubmit={submit} className="card stack">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={key}
          onChange={(event) => setKey(event.target.value)}
        />
        <button type="submit" disabled={checking}>
          {checking ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
