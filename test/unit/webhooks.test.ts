// Webhook building blocks: the signature (Standard Webhooks' published example, and what the
// openai SDK verifies), sealed secrets (random per encryption, bound to their endpoint, refusing
// another key with a clear message), and the `webhooks` config section and BATCHGATE_SECRET_KEY.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_WEBHOOK_RETRY_SCHEDULE, loadConfig } from '../../src/config.js';
import { generateWebhookSecret, SecretBox } from '../../src/domain/webhooks/secret-box.js';
import { webhookSignature } from '../../src/engine/webhooks/sign.js';
import { writeConfigFile } from '../support/gateway.js';

describe('webhook signature', () => {
  it("matches the Standard Webhooks specification's example", () => {
    const signature = webhookSignature(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies with the openai SDK for a generated secret', async () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ object: 'event', id: 'evt_1', type: 'batch.completed', created_at: 1, data: {} });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(secret, 'evt_1', timestamp, body),
    };
    const client = new OpenAI({ apiKey: 'unused' });
    await expect(client.webhooks.verifySignature(body, headers, secret)).resolves.toBeUndefined();
    await expect(client.webhooks.verifySignature(`${body} `, headers, secret)).rejects.toThrow();
  });
});

describe('sealed webhook secrets', () => {
  const box = new SecretBox('a-key-of-at-least-16-chars');

  it('round-trips, with a fresh IV each time', () => {
    const secret = generateWebhookSecret();
    const a = box.encrypt(secret, 'wh_1');
    const b = box.encrypt(secret, 'wh_1');
    expect(a).not.toBe(b);
    expect(a.startsWith(`v1.${box.fingerprint}.`)).toBe(true);
    expect(box.decrypt(a, 'wh_1')).toBe(secret);
    expect(box.decrypt(b, 'wh_1')).toBe(secret);
  });

  it('refuses another endpoint, an altered ciphertext and another key, saying which', () => {
    const sealed = box.encrypt(generateWebhookSecret(), 'wh_1');
    expect(() => box.decrypt(sealed, 'wh_2')).toThrow(/does not decrypt/);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.decrypt(parts.join('.'), 'wh_1')).toThrow(/does not decrypt/);
    expect(() => new SecretBox('another-key-of-16-chars').decrypt(sealed, 'wh_1')).toThrow(
      /encrypted with another key \(BATCHGATE_SECRET_KEY or the admin key changed\)/,
    );
    expect(() => box.decrypt('plain', 'wh_1')).toThrow(/not in a known format/);
  });
});

describe('webhooks configuration', () => {
  const problemsOf = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env, []);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults to the Standard Webhooks schedule, a 10 s deadline and no private targets', () => {
    const config = loadConfig({}, []);
    expect(config.webhooks).toEqual({
      allowPrivateUrls: false,
      retryScheduleSeconds: [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400],
      timeoutMs: 10_000,
    });
    expect(config.webhooks.retryScheduleSeconds).toEqual(DEFAULT_WEBHOOK_RETRY_SCHEDULE);
    expect(config.secretKey).toBeUndefined();
    expect(loadConfig({ BATCHGATE_SECRET_KEY: 'sixteen-chars-or-more' }, []).secretKey).toBe('sixteen-chars-or-more');
  });

  it('reports every problem of the section with its path', () => {
    const { path } = writeConfigFile({
      webhooks: { retryScheduleSeconds: [5, -1, 1e9], timeoutMs: 10, allowPrivateUrls: 'yes', retries: 3 },
    });
    const problems = problemsOf({ BATCHGATE_CONFIG: path, BATCHGATE_SECRET_KEY: 'short' });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'BATCHGATE_SECRET_KEY', message: 'must be at least 16 characters' },
        { path: 'config.webhooks.retryScheduleSeconds.1', message: 'must be more than 0' },
        { path: 'config.webhooks.retryScheduleSeconds.2', message: 'must be at most 7 days' },
        expect.objectContaining({ path: 'config.webhooks.timeoutMs' }),
        expect.objectContaining({ path: 'config.webhooks.allowPrivateUrls' }),
        expect.objectContaining({ path: 'config.webhooks', message: expect.stringMatching(/retries/) }),
      ]),
    );
  });
});
