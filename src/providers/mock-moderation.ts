// The MOCK provider's `/v1/moderations` answer, in OpenAI's moderation shape: one result per text
// input (a string or a list of strings), or one for a multimodal list of parts. Deterministic: a
// category is flagged (score 0.99) when its name appears in the input, e.g. "violence" or
// "self-harm/intent"; every other score is small and derived from a hash of the input.
import { createHash } from 'node:crypto';

const CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

/** Categories OpenAI also scores on images; the rest apply to text only. */
const IMAGE_CATEGORIES = new Set([
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'violence',
  'violence/graphic',
]);

interface ModerationInput {
  text: string;
  hasImage: boolean;
}

/** The inputs a moderation request holds, each becoming one result. */
function inputsOf(input: unknown): ModerationInput[] {
  if (typeof input === 'string') return [{ text: input, hasImage: false }];
  if (!Array.isArray(input)) return [{ text: JSON.stringify(input ?? ''), hasImage: false }];
  if (input.every((item) => typeof item === 'string')) return input.map((text) => ({ text, hasImage: false }));
  const parts = input as { type?: unknown; text?: unknown }[];
  const text = parts.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('\n');
  return [{ text, hasImage: parts.some((part) => part?.type === 'image_url') }];
}

function result({ text, hasImage }: ModerationInput) {
  const digest = createHash('sha256').update(text).digest();
  const lower = text.toLowerCase();
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  const applied: Record<string, string[]> = {};
  CATEGORIES.forEach((category, i) => {
    const named = new RegExp(`(^|[^a-z/-])${category}($|[^a-z/-])`).test(lower);
    categories[category] = named;
    scores[category] = named ? 0.99 : Number(((digest[i]! / 255) * 0.01).toFixed(6));
    applied[category] = hasImage && IMAGE_CATEGORIES.has(category) ? ['text', 'image'] : ['text'];
  });
  return {
    flagged: Object.values(categories).some(Boolean),
    categories,
    category_scores: scores,
    category_applied_input_types: applied,
  };
}

export function moderationAnswer(body: Record<string, unknown>, id: string) {
  return {
    id: `modr-mock-${id}`,
    model: String(body.model ?? 'mock'),
    results: inputsOf(body.input).map(result),
  };
}
