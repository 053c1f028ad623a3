// Configuration for Anthropic providers and native batches: defaults, env:NAME keys, native-batch
// options on the provider types that have a batch API, native-batch prices (half the synchronous
// ones unless given), and each model's maxOutputTokens handed to its provider.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createNativeBatchAdapters } from '../src/providers/native/index.js';
import { writeConfigFile } from './support/gateway.js';

const load = (providers: Record<string, unknown>, models: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
  loadConfig({ BATCHGATE_CONFIG: writeConfigFile({ providers, models }).path, ...env }, []);

const problemsOf = (providers: Record<string, unknown>, models: Record<string, unknown>) => {
  try {
    load(providers, models);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('native batch configuration', () => {
  it('gives an anthropic provider its defaults and reads its key from the environment', () => {
    const config = load(
      { claude: { type: 'anthropic', apiKey: 'env:ANTHROPIC_KEY' } },
      { sonnet: { provider: 'claude', upstreamModel: 'claude-sonnet' } },
      { ANTHROPIC_KEY: 'sk-ant-1' },
    );
    expect(config.providers.claude).toMatchObject({
      type: 'anthropic',
      baseUrl: 'https://api.anthropic.com/v1',
      apiKey: 'sk-ant-1',
      nativeBatch: false,
      nativePollMs: 30_000,
      maxConcurrency: 64,
      timeoutMs: 600_000,
      maxRetries: 5,
    });
  });

  it('takes nativeBatch and nativePollMs on openai and anthropic providers', () => {
    const config = load(
      {
        oa: {
          type: 'openai',
          baseUrl: 'https://api.openai.com/v1',
          apiKey: 'sk',
          nativeBatch: true,
          nativePollMs: 60_000,
        },
        claude: { type: 'anthropic', apiKey: 'sk-ant', nativeBatch: true },
        direct: { type: 'openai', baseUrl: 'http://vllm:8000/v1' },
      },
      { a: { provider: 'oa' }, b: { provider: 'claude' }, c: { provider: 'direct' } },
    );
    expect(config.providers.oa).toMatchObject({ nativeBatch: true, nativePollMs: 60_000 });
    expect([...createNativeBatchAdapters(config.providers).entries()].map(([name, a]) => [name, a.kind])).toEqual([
      ['oa', 'openai'],
      ['claude', 'anthropic'],
    ]);
  });

  it('prices native-batch lines at half the synchronous prices unless told otherwise', () => {
    const config = load(
      { oa: { type: 'openai', baseUrl: 'https://api.openai.com/v1' } },
      {
        halved: { provider: 'oa', inputPricePerMillion: 0.15, outputPricePerMillion: 0.6 },
        explicit: {
          provider: 'oa',
          inputPricePerMillion: 3,
          outputPricePerMillion: 15,
          batchInputPricePerMillion: 1,
          batchOutputPricePerMillion: 5,
        },
      },
    );
    expect(config.models.get('halved')).toMatchObject({
      batchInputPricePerMillion: 0.075,
      batchOutputPricePerMillion: 0.3,
      batchPrices: { input: '0.075', output: '0.3' },
    });
    expect(config.models.get('explicit')).toMatchObject({ batchPrices: { input: '1', output: '5' } });
  });

  it("hands each model's maxOutputTokens to its provider, keyed by upstream model", () => {
    const config = load(
      { claude: { type: 'anthropic', apiKey: 'k' } },
      {
        haiku: { provider: 'claude', upstreamModel: 'claude-haiku', maxOutputTokens: 8192 },
        'haiku-alias': { provider: 'claude', upstreamModel: 'claude-haiku', maxOutputTokens: 8192 },
        opus: { provider: 'claude', upstreamModel: 'claude-opus' },
      },
    );
    expect(config.providers.claude!.maxOutputTokens).toEqual({ 'claude-haiku': 8192 });
  });

  it('reports every problem: a base URL without /v1, native options where they mean nothing, a too-eager poll', () => {
    const problems = problemsOf(
      {
        claude: { type: 'anthropic', baseUrl: 'https://api.anthropic.com' },
        mock: { type: 'mock', nativeBatch: true },
        oa: { type: 'openai', baseUrl: 'https://api.openai.com/v1', nativePollMs: 5 },
      },
      {
        a: { provider: 'claude' },
        b: { provider: 'mock' },
        c: { provider: 'oa' },
      },
    );
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'config.providers.claude.baseUrl',
        'config.providers.mock',
        'config.providers.oa.nativePollMs',
      ]),
    );
    expect(problems.find((p) => p.path === 'config.providers.claude.baseUrl')?.message).toContain('/v1');
    expect(problems.find((p) => p.path === 'config.providers.mock')?.message).toContain('nativeBatch');
  });

  it('reports a maxOutputTokens clash between entries sending the same upstream model', () => {
    const problems = problemsOf(
      { claude: { type: 'anthropic', apiKey: 'k' } },
      {
        c: { provider: 'claude', upstreamModel: 'm', maxOutputTokens: 100 },
        d: { provider: 'claude', upstreamModel: 'm', maxOutputTokens: 200 },
      },
    );
    expect(problems).toEqual([
      {
        path: 'config.models.d.maxOutputTokens',
        message: 'another model entry sends "m" to "claude" with maxOutputTokens 100',
      },
    ]);
  });
});
