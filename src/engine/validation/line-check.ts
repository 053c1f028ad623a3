// The checks of one input line, pure and per line: JSON object, nesting depth, custom_id (present,
// unique, bounded, no control characters), method, url, body, model (a configured name only),
// parameters batchgate cannot run (`stream: true`; for Anthropic models, anything the translation
// to Messages cannot carry), and where the line runs: in its provider's own batch (native) or
// through the executor, by the batch's `mode`. Returns the row to ingest or the problem.
import type { BatchErrorEntry, BatchMode } from '../../db/tables/batches.js';
import { BATCH_ENDPOINTS } from '../../domain/batches/batch.js';
import type { Deps } from '../../domain/deps.js';
import { findUntranslatable } from '../../providers/anthropic/chat-to-messages.js';
import type { IngestRow } from '../ingest.js';

/** JSON nested deeper than this is refused before anything walks it recursively. */
export const MAX_NESTING = 100;

export const lineError = (
  code: string,
  message: string,
  line: number | null,
  param: string | null = null,
): BatchErrorEntry => ({ code, message, param, line });

/** The deepest nesting of arrays and objects in a JSON text (strings skipped), without recursion. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export class LineChecker {
  readonly seenIds = new Set<string>();
  readonly models = new Set<string>();
  readonly providers = new Set<string>();
  /** Native lines per provider (one provider batch each). */
  readonly nativeLines = new Map<string, number>();
  /** The model of each OpenAI-type provider's native lines: its Batch API takes one model per file. */
  private readonly nativeModel = new Map<string, string>();

  constructor(
    private readonly deps: Pick<Deps, 'config'>,
    public endpoint: string | null,
    private readonly mode: BatchMode = 'auto',
  ) {}

  /** Never throws: a line that cannot be checked is itself the problem. */
  check(text: string, line: number, lineIndex: number): IngestRow | BatchErrorEntry {
    try {
      return this.checkLine(text, line, lineIndex);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      return lineError('invalid_line', `Line ${line} could not be checked: ${reason}`, line);
    }
  }

  private checkLine(text: string, line: number, lineIndex: number): IngestRow | BatchErrorEntry {
    if (nestingDepth(text) > MAX_NESTING) {
      return lineError('invalid_json_line', `Line ${line} is nested deeper than ${MAX_NESTING} levels.`, line);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return lineError('invalid_json_line', `Line ${line} is not valid JSON.`, line);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return lineError('invalid_json_line', `Line ${line} is not a JSON object.`, line);
    }
    const request = parsed as Record<string, unknown>;
    const customId = request.custom_id;
    if (typeof customId !== 'string' || customId.length === 0) {
      return lineError('missing_custom_id', `Line ${line} has no custom_id (a non-empty string).`, line, 'custom_id');
    }
    if (customId.length > 512) {
      return lineError(
        'invalid_custom_id',
        `Line ${line}: custom_id is longer than 512 characters.`,
        line,
        'custom_id',
      );
    }
    if (CONTROL_CHARACTERS.test(customId)) {
      const message = `Line ${line}: custom_id contains control characters.`;
      return lineError('invalid_custom_id', message, line, 'custom_id');
    }
    if (this.seenIds.has(customId)) {
      const message = `Line ${line}: custom_id '${customId}' appears more than once.`;
      return lineError('duplicate_custom_id', message, line, 'custom_id');
    }
    this.seenIds.add(customId);
    if (request.method !== 'POST') {
      return lineError('invalid_method', `Line ${line}: method must be 'POST'.`, line, 'method');
    }
    if (this.endpoint === null && (BATCH_ENDPOINTS as readonly unknown[]).includes(request.url)) {
      this.endpoint = request.url as string;
    }
    if (request.url !== this.endpoint) {
      const expected = this.endpoint ?? BATCH_ENDPOINTS.join(', ');
      return lineError('mismatched_endpoint', `Line ${line}: url must be ${expected}.`, line, 'url');
    }
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return lineError('invalid_body', `Line ${line}: body must be a JSON object.`, line, 'body');
    }
    const fields = body as Record<string, unknown>;
    const model = typeof fields.model === 'string' ? this.deps.config.models.get(fields.model) : undefined;
    if (!model) {
      const name = typeof fields.model === 'string' ? `'${fields.model}'` : '(missing)';
      return lineError('model_not_found', `Line ${line}: model ${name} is not configured.`, line, 'body.model');
    }
    if (fields.stream === true) {
      const message = `Line ${line}: streaming is not supported in a batch; remove "stream": true.`;
      return lineError('unsupported_parameter', message, line, 'body.stream');
    }
    const provider = this.deps.config.providers[model.provider];
    if (provider?.type === 'anthropic') {
      if (this.endpoint !== '/v1/chat/completions') {
        const message = `Line ${line}: model '${model.id}' (an Anthropic model) only serves /v1/chat/completions.`;
        return lineError('unsupported_endpoint', message, line, 'url');
      }
      const problem = findUntranslatable(fields);
      if (problem) return lineError('unsupported_parameter', `Line ${line}: ${problem.message}`, line, problem.param);
    }
    const native = this.runsNative(model.provider, model.upstreamModel, line);
    if (typeof native !== 'boolean') return native;
    this.models.add(model.id);
    this.providers.add(model.provider);
    if (native) this.nativeLines.set(model.provider, (this.nativeLines.get(model.provider) ?? 0) + 1);
    const upstreamBody = model.upstreamModel === model.id ? fields : { ...fields, model: model.upstreamModel };
    return {
      lineIndex,
      customId,
      model: model.id,
      provider: model.provider,
      body: JSON.stringify(upstreamBody),
      native,
    };
  }

  /**
   * Whether the line goes to its provider's own batch: `direct` never; `auto` when the provider
   * has `nativeBatch`; `native` always, else the line fails. An OpenAI-type provider batch takes
   * one model: in `auto` a line of another model runs directly, in `native` it fails.
   */
  private runsNative(providerName: string, upstreamModel: string, line: number): boolean | BatchErrorEntry {
    if (this.mode === 'direct') return false;
    const provider = this.deps.config.providers[providerName];
    const nativeBatch = provider !== undefined && provider.type !== 'mock' && provider.nativeBatch;
    if (!nativeBatch) {
      if (this.mode === 'auto') return false;
      const message = `Line ${line}: provider '${providerName}' has no native batch API configured (mode "native").`;
      return lineError('native_batch_unsupported', message, line, 'body.model');
    }
    if (provider.type === 'openai') {
      const first = this.nativeModel.get(providerName);
      if (first === undefined) this.nativeModel.set(providerName, upstreamModel);
      else if (first !== upstreamModel) {
        if (this.mode === 'auto') return false;
        const message = `Line ${line}: a native batch on provider '${providerName}' takes one model ('${first}'), not '${upstreamModel}'.`;
        return lineError('native_batch_unsupported', message, line, 'body.model');
      }
    }
    return true;
  }
}
