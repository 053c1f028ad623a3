// One webhook attempt over HTTP (undici): POST the body with its headers, no redirects followed
// (a 3xx is an answer like any non-2xx), a deadline for the whole exchange, and the SSRF guard:
// an IP literal is checked before connecting, a host name as it is resolved (guarded-lookup.ts).
import { Agent, request } from 'undici';
import { blockedAddressKind, ipLiteralOf, refusedLiteral } from '../../domain/webhooks/address-policy.js';
import { guardedLookup, type Resolver } from './guarded-lookup.js';

export interface SendOutcome {
  /** The receiver's status code, or null when no answer came. */
  statusCode: number | null;
  /** Why there was no answer. */
  error: string | null;
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
      return { statusCode: null, error: describe(error), interrupted: false };
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

/** A connection error as one line: its cause's message when undici wrapped it. */
function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; cause?: { message?: string } };
  const message = e.cause?.message ?? e.message ?? String(error);
  return e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
