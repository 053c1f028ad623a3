// Configuration: the environment and the JSON config file (BATCHGATE_CONFIG), read once and
// validated together. `loadConfig` reports every problem at once, each with its path.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  BATCHGATE_DATA_DIR: z.string().min(1).default('./.batchgate'),
  BATCHGATE_CONFIG: z.string().min(1).optional(),
  BATCHGATE_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Encrypts webhook signing secrets at rest; unset: a key derived from the admin key. */
  BATCHGATE_SECRET_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  BATCHGATE_ROLE: z.enum(ROLES).default('all'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Unset: pretty on a terminal, JSON lines otherwise. */
  LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
  /** Set: traces go to this OTLP/HTTP collector. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
});

/** The environment variables batchgate reads itself (a config file may name more with `env:NAME`). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape);

/** Limits every provider type shares. */
const providerLimits = {
  maxConcurrency: z.number().int().min(1).max(4096).default(64),
  timeoutMs: z.number().int().min(1).default(600_000),
  maxRetries: z.number().int().min(0).max(100).default(5),
  rpm: z.number().int().min(1).optional(),
  tpm: z.number().int().min(1).optional(),
};

/** Hand this provider's lines to its own batch API (types openai and anthropic). */
const nativeBatchOptions = {
  nativeBatch: z.boolean().default(false),
  /** How often a running provider batch is polled. */
  nativePollMs: z.number().int().min(100).default(30_000),
};

const ProviderSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('openai'),
    baseUrl: z.url(),
    apiKey: z.string().optional(),
    ...providerLimits,
    ...nativeBatchOptions,
  }),
  z.strictObject({
    type: z.literal('anthropic'),
    baseUrl: z
      .url()
      .refine((url) => /\/v1\/?$/.test(new URL(url).pathname), 'must end in /v1, like https://api.anthropic.com/v1')
      .default('https://api.anthropic.com/v1'),
    apiKey: z.string().optional(),
    ...providerLimits,
    ...nativeBatchOptions,
  }),
  z.strictObject({
    type: z.literal('mock'),
    ...providerLimits,
    /** Simulated upstream latency per request. */
    latencyMs: z.number().int().min(0).default(0),
    /** Share of requests answered with a 500 (chosen deterministically from the request body). */
    failureRate: z.number().min(0).max(1).default(0),
  }),
]);

const ModelSchema = z.strictObject({
  provider: z.string().min(1),
  upstreamModel: z.string().min(1).optional(),
  inputPricePerMillion: z.number().min(0).default(0),
  outputPricePerMillion: z.number().min(0).default(0),
  /** Price of input tokens read from the provider's prompt cache (default: the input price). */
  cachedInputPricePerMillion: z.number().min(0).optional(),
  /** Prices for lines run in a provider's native batch (default: half of the synchronous prices). */
  batchInputPricePerMillion: z.number().min(0).optional(),
  batchOutputPricePerMillion: z.number().min(0).optional(),
  /** `max_tokens` sent to Anthropic when a request names none (default 4096). */
  maxOutputTokens: z.number().int().min(1).optional(),
  contextLength: z.number().int().min(1).optional(),
  description: z.string().optional(),
  displayOrder: z.number().int().optional(),
  numParametersBillions: z.number().min(0).optional(),
  numExperts: z.number().int().min(1).optional(),
  licenseUrl: z.url().optional(),
  status: z.string().optional(),
});

const LimitsSchema = z.strictObject({
  maxFileBytes: z.number().int().min(1).default(209_715_200),
  maxRequestsPerBatch: z.number().int().min(1).default(50_000),
  apiRequestsPerMinutePerKey: z.number().int().min(1).default(3000),
  /** One input line; longer lines fail validation (images inlined as base64 need room). */
  maxLineBytes: z
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /** Bytes of live files a project may hold; uploads past it are refused (the admin project is exempt). */
  maxStoredBytesPerProject: z
    .number()
    .int()
    .min(1)
    .default(10 * 1024 * 1024 * 1024),
  /** Failed authentications per client address per minute before it is refused without a lookup. */
  failedAuthPerMinutePerAddress: z.number().int().min(1).default(30),
  /** Open live streams (subscriptions, SSE) per tenant key. */
  liveStreamsPerKey: z.number().int().min(1).default(20),
  /** Receiving a request (headers and body) may take this long; uploads only stall this long between bytes. */
  requestTimeoutMs: z.number().int().min(1000).default(60_000),
  /** GraphQL: the estimated cost ceiling of one operation (requested list sizes × selected fields). */
  graphqlMaxCost: z.number().int().min(1).default(50_000),
});

/** Standard Webhooks' schedule after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400];

const WebhooksSchema = z.strictObject({
  /** Let endpoints target loopback, private, link-local and metadata addresses (local receivers, tests). */
  allowPrivateUrls: z.boolean().default(false),
  /** Seconds to wait before each retry of a failed delivery; after the last one it is given up. */
  retryScheduleSeconds: z
    .array(
      z
        .number()
        .positive('must be more than 0')
        .max(7 * 24 * 3600, 'must be at most 7 days'),
    )
    .max(30, 'at most 30 retries')
    .default(DEFAULT_WEBHOOK_RETRY_SCHEDULE),
  /** An attempt with no complete answer within this long has failed. */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});

const FileSchema = z.strictObject({
  providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'provider names use A-Z a-z 0-9 _ . -'), ProviderSchema),
  models: z.record(z.string().min(1), ModelSchema),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
  webhooks: WebhooksSchema.default(WebhooksSchema.parse({})),
});

type ParsedProvider = z.infer<typeof ProviderSchema>;
export type ProviderConfig = ParsedProvider & {
  name: string;
  apiKey?: string;
  /** Upstream model → its `maxOutputTokens`, from the model entries served by this provider. */
  maxOutputTokens: Record<string, number>;
};
export type ModelConfig = z.infer<typeof ModelSchema> & {
  id: string;
  upstreamModel: string;
  cachedInputPricePerMillion: number;
  batchInputPricePerMillion: number;
  batchOutputPricePerMillion: number;
  /** The prices as exact decimal strings, for SQL. */
  prices: ModelPrices;
  /** The native-batch prices as exact decimal strings, for SQL (cached input: half the cached price). */
  batchPrices: ModelPrices;
};
/** USD per million tokens as exact decimal strings: input, output, and input read from a cache. */
export interface ModelPrices {
  input: string;
  output: string;
  cachedInput: string;
}
export type Limits = z.infer<typeof LimitsSchema>;
export type WebhooksConfig = z.infer<typeof WebhooksSchema>;

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  configPath: string | undefined;
  adminKey: string | undefined;
  /** Encrypts webhook secrets at rest (unset: derived from the admin key). */
  secretKey: string | undefined;
  role: Role;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: LogFormat;
  /** The OTLP/HTTP endpoint traces are sent to; tracing is off when unset. */
  otlpEndpoint: string | undefined;
  providers: Record<string, ProviderConfig>;
  /** Looked up by a request line's `body.model`: a Map, so only configured names match (never `constructor`). */
  models: ReadonlyMap<string, ModelConfig>;
  limits: Limits;
  webhooks: WebhooksConfig;
}

export interface ConfigProblem {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const MOCK_DESCRIPTION = 'MOCK model served locally by batchgate (deterministic echo, not a real LLM)';

/** The config used when BATCHGATE_CONFIG is not set: the mock provider, plus OpenAI when a key is present. */
export function defaultConfigFile(env: NodeJS.ProcessEnv): unknown {
  const providers: Record<string, unknown> = { mock: { type: 'mock', maxConcurrency: 64, latencyMs: 20 } };
  const models: Record<string, unknown> = {
    'mock-chat': {
      provider: 'mock',
      inputPricePerMillion: 0.15,
      outputPricePerMillion: 0.6,
      contextLength: 128_000,
      description: MOCK_DESCRIPTION,
      displayOrder: 100,
      status: 'mock',
    },
    'mock-embedding': {
      provider: 'mock',
      inputPricePerMillion: 0.02,
      contextLength: 8191,
      description: MOCK_DESCRIPTION,
      displayOrder: 101,
      status: 'mock',
    },
    'mock-moderation': { provider: 'mock', description: MOCK_DESCRIPTION, displayOrder: 102, status: 'mock' },
  };
  if (env.OPENAI_API_KEY) {
    providers.openai = { type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'env:OPENAI_API_KEY' };
    // id, input, output, context length, cached input (USD per million tokens)
    const openaiModels: [string, number, number, number | undefined, number?][] = [
      ['gpt-4o-mini', 0.15, 0.6, 128_000, 0.075],
      ['gpt-4o', 2.5, 10, 128_000, 1.25],
      ['gpt-4.1', 2, 8, 1_047_576, 0.5],
      ['gpt-4.1-mini', 0.4, 1.6, 1_047_576, 0.1],
      ['gpt-4.1-nano', 0.1, 0.4, 1_047_576, 0.025],
      ['o4-mini', 1.1, 4.4, 200_000, 0.275],
      ['text-embedding-3-small', 0.02, 0, 8191],
      ['text-embedding-3-large', 0.13, 0, 8191],
      ['omni-moderation-latest', 0, 0, undefined],
    ];
    openaiModels.forEach(([id, input, output, contextLength, cachedInput], displayOrder) => {
      models[id] = {
        provider: 'openai',
        inputPricePerMillion: input,
        outputPricePerMillion: output,
        cachedInputPricePerMillion: cachedInput,
        contextLength,
        displayOrder,
        status: 'active',
      };
    });
  }
  return { providers, models };
}

const issuePath = (prefix: string, path: PropertyKey[]) =>
  [prefix, ...path.map(String)].filter(Boolean).join('.') || '(root)';

/**
 * Read and validate everything; throws ConfigError listing every problem found. `stdoutIsTTY`
 * decides the default log format.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = process.argv.slice(2),
  stdoutIsTTY = process.stdout.isTTY === true,
): AppConfig {
  const problems: ConfigProblem[] = [];
  // An empty variable (`X=` or compose's `${X:-}`) means "not set".
  env = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const roleFlag = parseRoleFlag(argv, problems);
  const envResult = EnvSchema.safeParse({ ...env, ...(roleFlag ? { BATCHGATE_ROLE: roleFlag } : {}) });
  if (!envResult.success) {
    for (const issue of envResult.error.issues)
      problems.push({ path: issuePath('', issue.path), message: issue.message });
  }
  const configPath = env.BATCHGATE_CONFIG;
  const raw = configPath ? readConfigFile(configPath, problems) : defaultConfigFile(env);
  const fileResult = raw === undefined ? undefined : FileSchema.safeParse(raw);
  if (fileResult && !fileResult.success) {
    for (const issue of fileResult.error.issues) {
      problems.push({ path: issuePath('config', issue.path), message: issue.message });
    }
  }
  const file = fileResult?.success ? fileResult.data : undefined;
  const providers: Record<string, ProviderConfig> = {};
  const models = new Map<string, ModelConfig>();
  if (file) {
    for (const [name, provider] of Object.entries(file.providers)) {
      providers[name] = {
        ...provider,
        name,
        apiKey: resolveSecret(provider, env, `config.providers.${name}`, problems),
        maxOutputTokens: {},
      };
    }
    for (const [id, model] of Object.entries(file.models)) {
      if (!providers[model.provider]) {
        problems.push({ path: `config.models.${id}.provider`, message: `unknown provider "${model.provider}"` });
      }
      const cachedInput = model.cachedInputPricePerMillion ?? model.inputPricePerMillion;
      const batchInput = model.batchInputPricePerMillion ?? model.inputPricePerMillion / 2;
      const batchOutput = model.batchOutputPricePerMillion ?? model.outputPricePerMillion / 2;
      models.set(id, {
        ...model,
        id,
        upstreamModel: model.upstreamModel ?? id,
        cachedInputPricePerMillion: cachedInput,
        batchInputPricePerMillion: batchInput,
        batchOutputPricePerMillion: batchOutput,
        prices: {
          input: String(model.inputPricePerMillion),
          output: String(model.outputPricePerMillion),
          cachedInput: String(cachedInput),
        },
        batchPrices: { input: String(batchInput), output: String(batchOutput), cachedInput: String(cachedInput / 2) },
      });
    }
    collectMaxOutputTokens(providers, models.values(), problems);
    if (models.size === 0) problems.push({ path: 'config.models', message: 'at least one model is required' });
  }
  if (problems.length > 0 || !envResult.success || !file) throw new ConfigError(problems);
  const e = envResult.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.BATCHGATE_DATA_DIR),
    configPath,
    adminKey: e.BATCHGATE_ADMIN_KEY,
    secretKey: e.BATCHGATE_SECRET_KEY,
    role: e.BATCHGATE_ROLE,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (stdoutIsTTY ? 'pretty' : 'json'),
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    providers,
    models,
    limits: file.limits,
    webhooks: file.webhooks,
  };
}

function parseRoleFlag(argv: string[], problems: ConfigProblem[]): string | undefined {
  const index = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (index < 0) return undefined;
  const arg = argv[index]!;
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  if (!value || !(ROLES as readonly string[]).includes(value)) {
    problems.push({ path: '--role', message: `must be one of ${ROLES.join('|')}` });
    return undefined;
  }
  return value;
}

function readConfigFile(path: string, problems: ConfigProblem[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push({ path: 'BATCHGATE_CONFIG', message: `cannot read ${path}: ${(error as Error).message}` });
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    problems.push({ path: 'BATCHGATE_CONFIG', message: `${path} is not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
}

/** `"env:NAME"` reads the named environment variable; anything else is the literal key. */
function resolveSecret(
  provider: ParsedProvider,
  env: NodeJS.ProcessEnv,
  path: string,
  problems: ConfigProblem[],
): string | undefined {
  if (provider.type === 'mock' || provider.apiKey === undefined) return undefined;
  if (!provider.apiKey.startsWith('env:')) return provider.apiKey;
  const name = provider.apiKey.slice(4);
  const value = env[name];
  if (!value) problems.push({ path: `${path}.apiKey`, message: `environment variable ${name} is not set` });
  return value;
}

/** Give each provider the `maxOutputTokens` of the models it serves, keyed by upstream model. */
function collectMaxOutputTokens(
  providers: Record<string, ProviderConfig>,
  models: Iterable<ModelConfig>,
  problems: ConfigProblem[],
): void {
  for (const model of models) {
    const provider = providers[model.provider];
    if (!provider || model.maxOutputTokens === undefined) continue;
    const known = provider.maxOutputTokens[model.upstreamModel];
    if (known !== undefined && known !== model.maxOutputTokens) {
      problems.push({
        path: `config.models.${model.id}.maxOutputTokens`,
        message: `another model entry sends "${model.upstreamModel}" to "${model.provider}" with maxOutputTokens ${known}`,
      });
    }
    provider.maxOutputTokens[model.upstreamModel] = model.maxOutputTokens;
  }
}
