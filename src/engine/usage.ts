// Tokens an answer consumed, read from its `usage` (chat/completions/embeddings use
// prompt_tokens/completion_tokens with prompt_tokens_details.cached_tokens and
// completion_tokens_details.reasoning_tokens; responses uses input_tokens/output_tokens with
// input_tokens_details/output_tokens_details). Cached tokens are part of the input, reasoning
// tokens part of the output, so neither can exceed the total it belongs to.

export interface Tokens {
  input: number;
  output: number;
  /** Of `input`, those read from the provider's prompt cache. */
  cached: number;
  /** Of `output`, those spent reasoning. */
  reasoning: number;
}

export const NO_TOKENS: Tokens = { input: 0, output: 0, cached: 0, reasoning: 0 };

const count = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;

const detail = (details: unknown, key: string) =>
  details !== null && typeof details === 'object' ? count((details as Record<string, unknown>)[key]) : 0;

export function tokensOf(body: unknown): Tokens {
  const usage = (body as { usage?: Record<string, unknown> } | null)?.usage;
  if (!usage || typeof usage !== 'object') return NO_TOKENS;
  const input = count(usage.prompt_tokens ?? usage.input_tokens);
  const output = count(usage.completion_tokens ?? usage.output_tokens);
  const cached = detail(usage.prompt_tokens_details ?? usage.input_tokens_details, 'cached_tokens');
  const reasoning = detail(usage.completion_tokens_details ?? usage.output_tokens_details, 'reasoning_tokens');
  return { input, output, cached: Math.min(cached, input), reasoning: Math.min(reasoning, output) };
}

/**
 * A rough upper bound of a request's tokens, for `tpm` limits before the answer tells the truth:
 * prompt characters / 4 plus its `max_tokens`, never more than the model's context length (so one
 * line asking for a huge `max_tokens` cannot take a provider's whole budget).
 */
export function estimateTokens(body: string, contextLength = Number.POSITIVE_INFINITY): number {
  const maxTokens = /"max(?:_completion|_output)?_tokens"\s*:\s*(\d+)/.exec(body);
  return Math.min(Math.ceil(body.length / 4) + (maxTokens ? Number(maxTokens[1]) : 0), contextLength);
}
