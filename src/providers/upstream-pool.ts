// One keep-alive connection pool to a provider's origin over undici's `request` (measured at about
// a third of the CPU per call of fetch): a connection per request the provider may have in flight,
// and the provider's timeout for headers and for the body, reported as a ProviderTimeoutError.
import { errors, Pool } from 'undici';
import { type ProviderRequest, type ProviderResponse, ProviderTimeoutError } from './provider.js';

export interface UpstreamPool {
  /** The base URL's path without a trailing slash (`/v1` for `https://api.openai.com/v1`). */
  basePath: string;
  post(
    path: string,
    headers: Record<string, string>,
    body: string,
    signal: ProviderRequest['signal'],
  ): Promise<ProviderResponse>;
  close(): Promise<void>;
}

export function upstreamPool(config: { baseUrl: string; maxConcurrency: number; timeoutMs: number }): UpstreamPool {
  const base = new URL(config.baseUrl);
  const pool = new Pool(base.origin, {
    connections: config.maxConcurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
  });
  return {
    basePath: base.pathname.replace(/\/+$/, ''),
    async post(path, headers, body, signal) {
      try {
        const res = await pool.request({ method: 'POST', path, headers, body, signal });
        return { statusCode: res.statusCode, headers: res.headers, body: await res.body.text() };
      } catch (error) {
        if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
          throw new ProviderTimeoutError(config.timeoutMs);
        }
        throw error;
      }
    },
    close: () => pool.close(),
  };
}
