// Configuration: defaults, env:NAME secrets, and every problem reported at once with its path,
// both from loadConfig and from the real CLI (which must exit non-zero).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { packageRoot } from '../src/db/client.js';
import { writeConfigFile } from './support/gateway.js';

const problemsOf = (env: NodeJS.ProcessEnv, argv: string[] = []) => {
  try {
    loadConfig(env, argv);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('defaults to the mock provider, port 8080 and an embedded database', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', role: 'all', databaseUrl: undefined });
    expect(config.providers.mock).toMatchObject({ type: 'mock' });
    expect([...config.models.keys()]).toEqual(['mock-chat', 'mock-embedding', 'mock-moderation']);
    expect(config.limits).toEqual({
      maxFileBytes: 209_715_200,
      maxRequestsPerBatch: 50_000,
      apiRequestsPerMinutePerKey: 3000,
      maxLineBytes: 10_485_760,
      maxStoredBytesPerProject: 10_737_418_240,
      failedAuthPerMinutePerAddress: 30,
      liveStreamsPerKey: 20,
      requestTimeoutMs: 60_000,
      graphqlMaxCost: 50_000,
    });
  });

  it('offers OpenAI models at their prices when OPENAI_API_KEY is set and no config is given', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-test' }, []);
    expect(config.providers.openai).toMatchObject({ type: 'openai', apiKey: 'sk-test' });
    expect(config.models.get('gpt-4o-mini')).toMatchObject({
      provider: 'openai',
      inputPricePerMillion: 0.15,
      outputPricePerMillion: 0.6,
      cachedInputPricePerMillion: 0.075,
    });
    expect(config.models.get('text-embedding-3-small')?.cachedInputPricePerMillion).toBe(0.02);
    expect(config.models.get('omni-moderation-latest')).toMatchObject({ provider: 'openai', inputPricePerMillion: 0 });
    expect(config.models.get('mock-chat')).toBeDefined();
  });

  it('resolves env:NAME keys and takes --role from the command line', () => {
    const { path } = writeConfigFile({
      providers: { up: { type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'env:UP_KEY' } },
      models: { m: { provider: 'up' } },
    });
    const config = loadConfig({ BATCHGATE_CONFIG: path, UP_KEY: 'secret' }, ['--role', 'worker']);
    expect(config.providers.up?.apiKey).toBe('secret');
    expect(config.models.get('m')).toMatchObject({ upstreamModel: 'm', inputPricePerMillion: 0 });
    expect(config.role).toBe('worker');
  });

  it('reports every problem at once, each with its path', () => {
    const { path } = writeConfigFile({
      providers: {
        up: { type: 'openai', baseUrl: 'not a url', apiKey: 'env:MISSING_KEY', maxConcurrency: 0 },
        odd: { type: 'carrier-pigeon' },
      },
      models: { m: { provider: 'nowhere', inputPricePerMillion: -1 } },
      limits: { maxFileBytes: 'big' },
    });
    const problems = problemsOf({
      BATCHGATE_CONFIG: path,
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      BATCHGATE_ROLE: 'boss',
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'PORT',
        'DATABASE_URL',
        'BATCHGATE_ROLE',
        'config.providers.up.baseUrl',
        'config.providers.up.maxConcurrency',
        'config.providers.odd.type',
        'config.models.m.inputPricePerMillion',
        'config.limits.maxFileBytes',
      ]),
    );
    for (const problem of problems) expect(problem.message).toEqual(expect.any(String));
  });

  it('names a missing env: secret and an unknown provider of a model', () => {
    const { path } = writeConfigFile({
      providers: { up: { type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'env:NOPE_NOT_SET' } },
      models: { m: { provider: 'elsewhere' } },
    });
    const problems = problemsOf({ BATCHGATE_CONFIG: path });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'config.providers.up.apiKey', message: 'environment variable NOPE_NOT_SET is not set' },
        { path: 'config.models.m.provider', message: 'unknown provider "elsewhere"' },
      ]),
    );
  });

  it('reports an unreadable or malformed config file', () => {
    expect(problemsOf({ BATCHGATE_CONFIG: '/nonexistent/config.json' })[0]).toMatchObject({ path: 'BATCHGATE_CONFIG' });
    const { path } = writeConfigFile({});
    writeFileSync(path, '{ "providers": ');
    expect(problemsOf({ BATCHGATE_CONFIG: path })[0]?.message).toMatch(/not valid JSON/);
    expect(problemsOf({}, ['--role', 'everything'])[0]).toMatchObject({ path: '--role' });
  });

  it('makes the CLI exit non-zero listing every problem', () => {
    const { path } = writeConfigFile({ providers: {}, models: { m: { provider: 'none' } } });
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: packageRoot(),
      env: { PATH: process.env.PATH, BATCHGATE_CONFIG: path, PORT: '-1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('config.models.m.provider');
  });

  it('picks the log format from LOG_FORMAT, else pretty on a terminal and JSON otherwise', () => {
    expect(loadConfig({}, [], true).logFormat).toBe('pretty');
    expect(loadConfig({}, [], false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, [], true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, [], false).logFormat).toBe('pretty');
    const problems = problemsOf({ LOG_FORMAT: 'xml', OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url', PORT: 'x' });
    expect(problems.map((p) => p.path).sort()).toEqual(['LOG_FORMAT', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'PORT']);
  });
});
