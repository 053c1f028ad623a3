// OpenAI `/v1/chat/completions` request body → Anthropic Messages params. The zod schema below
// is the definition of "translatable": every field is translated, ignored because it cannot change
// the answer (store, metadata, prompt_cache_key, service_tier auto/default), or refused with the
// path of the first field that cannot be carried over faithfully. Params follow the Messages API
// as of `anthropic-version: 2023-06-01`, which still takes temperature and top_p.
import type {
  ContentBlockParam,
  ImageBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
  TextBlockParam,
  Tool,
  ToolChoice,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';

/** Where and why a body cannot be translated; `param` is `body.<path>`. */
export interface TranslationProblem {
  param: string;
  message: string;
}

/** Messages params for `anthropic-version: 2023-06-01` (the SDK's types follow a later version). */
export type AnthropicMessageParams = MessageCreateParamsNonStreaming & { temperature?: number; top_p?: number };

export type ChatTranslation = { ok: true; params: AnthropicMessageParams } | { ok: false; problem: TranslationProblem };

export interface ChatTranslationOptions {
  /** The upstream model to name in the params. */
  model: string;
  /** `max_tokens` when the body names none (the model's `maxOutputTokens`, else 4096). */
  defaultMaxTokens: number;
}

const DEFAULT_MAX_TOKENS = 4096;

const DATA_IMAGE_URL = /^data:(image\/(?:jpeg|png|gif|webp));base64,(.+)$/s;
const HTTP_URL = /^https?:\/\//i;

const TextPart = z.strictObject({ type: z.literal('text'), text: z.string() });
const TextContent = z.union([z.string(), z.array(TextPart)]);

const ImagePart = z.strictObject({
  type: z.literal('image_url'),
  image_url: z.strictObject({
    url: z
      .string()
      .refine(
        (url) => HTTP_URL.test(url) || DATA_IMAGE_URL.test(url),
        'Anthropic takes images as http(s) URLs or base64 data: URLs of image/jpeg, png, gif or webp',
      ),
    /** A resolution hint with no Anthropic equivalent; it does not change what the image shows. */
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
const UserPart = z.discriminatedUnion('type', [TextPart, ImagePart], {
  error: 'Anthropic takes only text and image parts from chat messages',
});

const ToolCall = z.strictObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string().min(1),
    arguments: z.string().refine(isJsonObjectOrEmpty, 'tool call arguments must be a JSON object'),
  }),
});

const unsupportedRole = (issue: { input?: unknown }) => {
  const role = (issue.input as { role?: unknown } | undefined)?.role;
  return `Anthropic has no equivalent of messages with role ${JSON.stringify(role)}`;
};

const ChatMessage = z.discriminatedUnion(
  'role',
  [
    z.strictObject({ role: z.enum(['system', 'developer']), content: TextContent }),
    z.strictObject({ role: z.literal('user'), content: z.union([z.string(), z.array(UserPart)]) }),
    z.strictObject({
      role: z.literal('assistant'),
      content: TextContent.nullish(),
      tool_calls: z.array(ToolCall).nullish(),
      refusal: z.null().optional(),
    }),
    z.strictObject({ role: z.literal('tool'), tool_call_id: z.string().min(1), content: TextContent }),
  ],
  { error: unsupportedRole },
);
type ChatMessage = z.infer<typeof ChatMessage>;

const FunctionTool = z.strictObject({
  type: z.literal('function', 'Anthropic takes only function tools'),
  function: z.strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z
      .looseObject({ type: z.literal('object', 'tool parameters must be a JSON schema of an object') })
      .optional(),
    strict: z.boolean().nullish(),
  }),
});

const ToolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: z.string().min(1) }) }),
]);

const refused = (what: string) => `Anthropic has no equivalent of ${what}`;

const ChatBody = z.strictObject({
  model: z.string().optional(),
  messages: z.array(ChatMessage).min(1),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(64)]).nullish(),
  temperature: z.number().min(0).max(1, 'Anthropic accepts a temperature between 0 and 1').nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(FunctionTool).nullish(),
  tool_choice: ToolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  n: z.literal(1, refused('n > 1: it returns one choice')).nullish(),
  stream: z.literal(false, refused('stream: true in a batch')).nullish(),
  stream_options: z.null(refused('stream_options')).optional(),
  logprobs: z.literal(false, refused('logprobs')).nullish(),
  top_logprobs: z.null(refused('top_logprobs')).optional(),
  logit_bias: z
    .record(z.string(), z.number())
    .refine((bias) => Object.keys(bias).length === 0, refused('logit_bias'))
    .nullish(),
  frequency_penalty: z.literal(0, refused('frequency_penalty')).nullish(),
  presence_penalty: z.literal(0, refused('presence_penalty')).nullish(),
  seed: z.null(refused('seed')).optional(),
  response_format: z
    .discriminatedUnion(
      'type',
      [
        z.strictObject({ type: z.literal('text') }),
        z.strictObject({
          type: z.literal('json_schema'),
          json_schema: z.strictObject({
            name: z.string(),
            description: z.string().optional(),
            schema: z.record(z.string(), z.unknown()),
            strict: z.boolean().nullish(),
          }),
        }),
      ],
      { error: refused('response_format json_object (only json_schema and text)') },
    )
    .nullish(),
  modalities: z.array(z.literal('text', refused('audio output'))).nullish(),
  audio: z.null(refused('audio output')).optional(),
  service_tier: z.enum(['auto', 'default'], refused('this service_tier')).nullish(),
  store: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  prompt_cache_key: z.string().nullish(),
});
type ChatBody = z.infer<typeof ChatBody>;

function isJsonObjectOrEmpty(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** zod's issue path → `body.messages[2].content[0].type`. */
function paramOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (param, key) => (typeof key === 'number' ? `${param}[${key}]` : `${param}.${String(key)}`),
    'body',
  );
}

/** For a value no branch of a union accepts, the issue of the branch that got furthest into it. */
function innermost(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const deepest = issue.errors
    .map((branch) => (branch[0] ? innermost(branch[0]) : undefined))
    .reduce((best, next) => (next && (!best || next.path.length > best.path.length) ? next : best), undefined);
  return deepest && deepest.path.length > 0 ? { ...deepest, path: [...issue.path, ...deepest.path] } : issue;
}

function problemOf(issues: readonly z.core.$ZodIssue[]): TranslationProblem {
  const issue = innermost(issues[0]!);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return { param: paramOf([...issue.path, key]), message: `${JSON.stringify(key)} ${refusedSuffix}` };
  }
  return { param: paramOf(issue.path), message: issue.message };
}
const refusedSuffix = 'cannot be translated to the Anthropic Messages API';

/** The first field of a chat body that cannot be sent to Anthropic, or null when all of it can. */
export function findUntranslatable(body: unknown): TranslationProblem | null {
  const parsed = ChatBody.safeParse(body);
  return parsed.success ? null : problemOf(parsed.error.issues);
}

export function chatToMessages(body: unknown, options: ChatTranslationOptions): ChatTranslation {
  const parsed = ChatBody.safeParse(body);
  if (!parsed.success) return { ok: false, problem: problemOf(parsed.error.issues) };
  return { ok: true, params: buildParams(parsed.data, options) };
}

/**
 * A line's stored JSON body (its `model` already the upstream one) → Messages params. `max_tokens`,
 * when the body names none, is that model's entry in `maxOutputTokens` (the provider's), else 4096.
 */
export function chatBodyToMessages(body: string, maxOutputTokens: Readonly<Record<string, number>>): ChatTranslation {
  const chat = JSON.parse(body) as Record<string, unknown>;
  const model = String(chat.model ?? '');
  return chatToMessages(chat, { model, defaultMaxTokens: maxOutputTokens[model] ?? DEFAULT_MAX_TOKENS });
}

function buildParams(chat: ChatBody, options: ChatTranslationOptions): AnthropicMessageParams {
  const system: TextBlockParam[] = [];
  const messages: MessageParam[] = [];
  for (const message of chat.messages) {
    if (message.role === 'system' || message.role === 'developer') system.push(...textBlocks(message.content));
    else appendTurn(messages, message);
  }
  const params: AnthropicMessageParams = {
    model: options.model,
    max_tokens: chat.max_completion_tokens ?? chat.max_tokens ?? options.defaultMaxTokens,
    messages,
  };
  if (system.length === 1) params.system = system[0]!.text;
  else if (system.length > 1) params.system = system;
  if (typeof chat.stop === 'string') params.stop_sequences = [chat.stop];
  else if (chat.stop && chat.stop.length > 0) params.stop_sequences = chat.stop;
  if (chat.temperature != null) params.temperature = chat.temperature;
  if (chat.top_p != null) params.top_p = chat.top_p;
  const userId = chat.safety_identifier ?? chat.user;
  if (userId) params.metadata = { user_id: userId };
  if (chat.response_format?.type === 'json_schema') {
    const { schema, description } = chat.response_format.json_schema;
    const withDescription = description && schema.description === undefined ? { ...schema, description } : schema;
    params.output_config = { format: { type: 'json_schema', schema: withDescription } };
  }
  if (chat.tools && chat.tools.length > 0) {
    params.tools = chat.tools.map(toAnthropicTool);
    const toolChoice = toAnthropicToolChoice(chat.tool_choice ?? 'auto', chat.parallel_tool_calls === false);
    if (chat.tool_choice != null || chat.parallel_tool_calls === false) params.tool_choice = toolChoice;
  }
  return params;
}

function textBlocks(content: string | { text: string }[]): TextBlockParam[] {
  return typeof content === 'string'
    ? [{ type: 'text', text: content }]
    : content.map((part) => ({ type: 'text', text: part.text }));
}

/** Add one non-system message; consecutive tool results become one user turn. */
function appendTurn(messages: MessageParam[], message: ChatMessage): void {
  switch (message.role) {
    case 'system':
    case 'developer':
      return;
    case 'user':
      messages.push({
        role: 'user',
        content:
          typeof message.content === 'string'
            ? message.content
            : message.content.map((part) =>
                part.type === 'text' ? textBlock(part.text) : imageBlock(part.image_url.url),
              ),
      });
      return;
    case 'assistant':
      messages.push({ role: 'assistant', content: assistantContent(message) });
      return;
    case 'tool': {
      const result: ToolResultBlockParam = {
        type: 'tool_result',
        tool_use_id: message.tool_call_id,
        content: typeof message.content === 'string' ? message.content : textBlocks(message.content),
      };
      const previous = messages.at(-1);
      if (previous?.role === 'user' && Array.isArray(previous.content) && isToolResultTurn(previous.content)) {
        previous.content.push(result);
      } else {
        messages.push({ role: 'user', content: [result] });
      }
      return;
    }
  }
}

const isToolResultTurn = (content: ContentBlockParam[]) => content.every((block) => block.type === 'tool_result');

const textBlock = (text: string): TextBlockParam => ({ type: 'text', text });

function imageBlock(url: string): ImageBlockParam {
  const data = DATA_IMAGE_URL.exec(url);
  if (data) {
    const mediaType = data[1] as 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data[2]! } };
  }
  return { type: 'image', source: { type: 'url', url } };
}

function assistantContent(message: Extract<ChatMessage, { role: 'assistant' }>): string | ContentBlockParam[] {
  const calls = message.tool_calls ?? [];
  if (calls.length === 0 && typeof message.content === 'string') return message.content;
  const blocks: ContentBlockParam[] = message.content
    ? textBlocks(message.content).filter((block) => block.text !== '')
    : [];
  for (const call of calls) {
    const input = call.function.arguments.trim() === '' ? {} : (JSON.parse(call.function.arguments) as object);
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input });
  }
  return blocks;
}

function toAnthropicTool(tool: z.infer<typeof FunctionTool>): Tool {
  const { name, description, parameters, strict } = tool.function;
  const schema = parameters ?? { type: 'object', properties: {} };
  return {
    name,
    ...(description ? { description } : {}),
    input_schema: schema as Tool['input_schema'],
    ...(strict != null ? { strict } : {}),
  };
}

function toAnthropicToolChoice(choice: z.infer<typeof ToolChoiceSchema>, serial: boolean): ToolChoice {
  const parallel = serial ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...parallel };
  if (choice === 'required') return { type: 'any', ...parallel };
  return { type: 'tool', name: choice.function.name, ...parallel };
}
