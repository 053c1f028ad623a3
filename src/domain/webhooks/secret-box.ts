// Webhook signing secrets: generated as `whsec_` + base64 of 32 random bytes, and kept in the
// database only encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from
// BATCHGATE_SECRET_KEY, or from the admin key when that is unset. Each ciphertext names the key it
// was made with (a short fingerprint) and is bound to its endpoint id, so a row copied onto
// another endpoint does not decrypt. A changed key makes existing secrets unreadable: those
// endpoints' deliveries fail (recorded) until the key is restored or the endpoints are re-created.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;

export const generateWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

export class SecretBox {
  private readonly key: Buffer;
  /** Names the key in each ciphertext, so a mismatch is reported as such rather than as corruption. */
  readonly fingerprint: string;

  constructor(keyMaterial: string) {
    this.key = Buffer.from(hkdfSync('sha256', keyMaterial, 'batchgate', 'webhook-secrets/v1', 32));
    this.fingerprint = createHash('sha256').update(this.key).digest('hex').slice(0, 8);
  }

  /** `v1.<key fingerprint>.<iv>.<tag>.<ciphertext>`, base64url parts; `boundTo` is authenticated, not stored. */
  encrypt(plaintext: string, boundTo: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(boundTo));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
    return [FORMAT, this.fingerprint, ...parts].join('.');
  }

  decrypt(stored: string, boundTo: string): string {
    const [format, fingerprint, iv, tag, data] = stored.split('.');
    if (format !== FORMAT || !iv || !tag || data === undefined) {
      throw new SecretDecryptionError('the stored secret is not in a known format');
    }
    if (fingerprint !== this.fingerprint) {
      throw new SecretDecryptionError(
        'the secret was encrypted with another key (BATCHGATE_SECRET_KEY or the admin key changed); re-create the endpoint',
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
        .setAAD(Buffer.from(boundTo))
        .setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('the stored secret does not decrypt (altered, or made for another endpoint)');
    }
  }
}
