// What an endpoint URL must be: absolute http(s), no credentials, and (unless private targets are
// allowed) not an IP literal in a refused range. Host names are checked when a delivery resolves them.
import { invalidField } from '../errors.js';
import { blockedAddressKind, ipLiteralOf, refusedLiteral } from './address-policy.js';

const MAX_URL_LENGTH = 2048;

const invalid = (reason: string) => invalidField('url', reason);

/** The URL as it will be stored and called (normalized by the WHATWG parser). */
export function checkWebhookUrl(raw: string, allowPrivateUrls: boolean): string {
  if (raw.length > MAX_URL_LENGTH) throw invalid(`must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('must use http or https');
  if (url.username || url.password) throw invalid('must not contain credentials');
  const ip = ipLiteralOf(url.hostname);
  const kind = ip && !allowPrivateUrls ? blockedAddressKind(ip) : null;
  if (ip && kind) throw invalid(refusedLiteral(ip, kind));
  return url.toString();
}
