// Standard Webhooks signing: `v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">`, keyed with
// the base64-decoded part of the `whsec_…` secret after its prefix.
import { createHmac } from 'node:crypto';

export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
