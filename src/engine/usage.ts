// Tokens an answer consumed, read from its `usage` (chat/completions/embeddings use
// prompt_tokens/completion_tokens, responses uses input_tokens/output_tokens).

export interface Tokens {
  input: number;
  output: number;
}

const count = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;

export function tokensOf(body: unknown): Tokens {
  const usage = (body as { usage?: Record<string, unknown> } | null)?.usage;
  if (!usage || typeof usage !== 'object') return { input: 0, output: 0 };
  return {
    input: count(usage.prompt_tokens ?? usage.input_tokens),
    output: count(usage.completion_tokens ?? usage.output_tokens),
  };
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
