// One webhook attempt over HTTP (undici): POST the body with its headers, no redirects followed
// (a 3xx is an answer like any non-2xx), a deadline for the whole exchange, and the SSRF guard:
// an IP literal is checked before connecting, a host name as it is resolved (guarded-lookup.ts).
import { Agent, request } from 'undici';
import { blockedAddressKind, ipLiteralOf, REFUSAL_HINT, refusedLiteral } from '../../domain/webhooks/address-policy.js';
import { guardedLookup, RefusedAddressError, type Resolver } from './guarded-lookup.js';

export interface SendOutcome {
  /** The receiver's status code, or null when no answer came. */
  statusCode: number | null;
  /** Why there was no answer, as the endpoint's owner may read it (no addresses, no resolver answers). */
  error: string | null;
  /** The full cause, for the operator's log only. */
  detail?: string;
  /** The attempt was cut short by shutdown: nothing is known about it. */
  interrupted: boolean;
}

export interface SenderOptions {
  timeoutMs: number;
  allowPrivateUrls: boolean;
  /** Host name resolution (default: the system resolver). */
  resolver?: Resolver;
}

/** Bytes of an answer read before the connection is dropped (the body is not used). */
const MAX_ANSWER_BYTES = 64 * 1024;

export class WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly options: SenderOptions) {
    this.agent = new Agent({
      connect: options.allowPrivateUrls ? {} : { lookup: guardedLookup(options.resolver) },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connections: 4,
    });
  }

  async send(url: string, headers: Record<string, string>, body: string, stop: AbortSignal): Promise<SendOutcome> {
    const refused = this.refusedLiteral(url);
    if (refused) return { statusCode: null, error: refused, interrupted: false };
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const signal = AbortSignal.any([stop, deadline]);
    try {
      const answer = await request(url, { method: 'POST', headers, body, dispatcher: this.agent, signal });
      await answer.body.dump({ limit: MAX_ANSWER_BYTES, signal }).catch(() => {});
      return { statusCode: answer.statusCode, error: null, interrupted: false };
    } catch (error) {
      if (stop.aborted) return { statusCode: null, error: 'interrupted by shutdown', interrupted: true };
      if (deadline.aborted) {
        return { statusCode: null, error: `no answer within ${this.options.timeoutMs} ms`, interrupted: false };
      }
      return { statusCode: null, error: tenantReason(error), detail: describe(error), interrupted: false };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private refusedLiteral(url: string): string | null {
    if (this.options.allowPrivateUrls) return null;
    const ip = ipLiteralOf(new URL(url).hostname);
    const kind = ip ? blockedAddressKind(ip) : null;
    return ip && kind ? refusedLiteral(ip, kind) : null;
  }
}

/**
 * Why an attempt got no answer, in words that name no address: endpoint owners read these in the
 * delivery list, and the resolver's answers or the addresses a name led to are not theirs to map.
 */
function tenantReason(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string; name?: string } };
  if (e.cause instanceof RefusedAddressError || error instanceof RefusedAddressError) {
    return `the host name resolves to an address webhooks may not reach; ${REFUSAL_HINT}`;
  }
  const code = e.cause?.code ?? e.code ?? '';
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name could not be resolved';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'the connection was closed';
  if (code.includes('TIMEOUT') || code === 'ETIMEDOUT') return 'the connection timed out';
  if (code.startsWith('ERR_TLS') || code.includes('CERT')) return 'the TLS handshake failed';
  return 'the connection failed';
}

/** A connection error as one line: its cause's message when undici wrapped it. */
function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; cause?: { message?: string } };
  const message = e.cause?.message ?? e.message ?? String(error);
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
