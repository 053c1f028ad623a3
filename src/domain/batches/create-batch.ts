// Create a batch from an uploaded input file or from inline `requests` (stored as a generated
// file). The batch starts `validating`; a worker validates it line by line and ingests its rows.
// `outputExpiresAfter` sets when the output and error files it writes will expire.
import { z } from 'zod';
import { BATCH_MODES } from '../../db/tables/batches.js';
import { type Caller, projectOf } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, notFound, parseInput } from '../errors.js';
import { ExpiresAfter } from '../files/expires-after.js';
import { deleteStoredFile, readFileContent, storeFile } from '../files/file-store.js';
import { findCallerFile } from '../files/get-file.js';
import { callerFile } from '../files/upload-file.js';
import { ObjectId } from '../ids.js';
import { BATCH_ENDPOINTS, type Batch } from './batch.js';
import { insertBatch } from './insert-batch.js';

export const Metadata = z
  .record(
    z.string().max(64, 'metadata keys are at most 64 characters'),
    z.string().max(512, 'metadata values are at most 512 characters'),
  )
  .refine((m) => Object.keys(m).length <= 16, 'metadata has at most 16 keys');

const CreateBatchFields = z.object({
  inputFileId: ObjectId.optional(),
  endpoint: z.enum(BATCH_ENDPOINTS, { error: `must be one of ${BATCH_ENDPOINTS.join(', ')}` }).optional(),
  completionWindow: z.literal('24h', { error: "only '24h' is supported" }).default('24h'),
  metadata: Metadata.nullish(),
  jobName: z.string().max(256, 'is at most 256 characters').nullish(),
  mode: z.enum(BATCH_MODES, { error: `must be one of ${BATCH_MODES.join(', ')}` }).default('auto'),
  outputExpiresAfter: ExpiresAfter.nullish(),
});
type CreateBatchFields = z.infer<typeof CreateBatchFields>;

const EXACTLY_ONE = 'give exactly one of an input file id or inline requests';

export const CreateBatchInput = CreateBatchFields.extend({
  /** Inline requests (GoModel style): each one becomes a line of a generated input file. */
  requests: z.array(z.unknown()).min(1, 'must hold at least one request').optional(),
}).superRefine((input, ctx) => {
  if ((input.inputFileId === undefined) === (input.requests === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['inputFileId'], message: EXACTLY_ONE });
  }
});
export type CreateBatchInput = z.input<typeof CreateBatchInput>;

/** The other fields of a create whose inline requests were already stored (REST streams them). */
const StoredRequestsFields = CreateBatchFields.refine((input) => input.inputFileId === undefined, {
  path: ['inputFileId'],
  message: EXACTLY_ONE,
});

export async function createBatch(deps: Deps, caller: Caller, input: CreateBatchInput): Promise<Batch> {
  const parsed = parseInput(CreateBatchInput, input);
  if (parsed.requests) {
    const file = await storeInlineRequests(deps, caller, parsed.requests);
    return batchOver(deps, caller, parsed, file.id, true);
  }
  return batchOver(deps, caller, parsed, (await findInputFile(deps, caller, parsed.inputFileId!)).id);
}

/**
 * Create a batch from inline requests already stored by `storeInlineRequests` (REST writes them
 * to storage while it reads the body, so a large body is never held whole). The file is removed
 * if the other fields are invalid.
 */
export async function createBatchFromStoredRequests(
  deps: Deps,
  caller: Caller,
  fields: Omit<CreateBatchInput, 'requests'>,
  requestsFileId: string,
): Promise<Batch> {
  try {
    return await batchOver(deps, caller, parseInput(StoredRequestsFields, fields), requestsFileId, true);
  } catch (error) {
    await deleteStoredFile(deps.db, requestsFileId).catch(() => {});
    throw error;
  }
}

/** Store inline requests as a generated JSONL input file, one request a line, as they come. */
export async function storeInlineRequests(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  caller: Caller,
  requests: AsyncIterable<unknown> | Iterable<unknown>,
) {
  async function* lines() {
    let index = 0;
    for await (const request of requests) {
      index++;
      try {
        yield `${JSON.stringify(request)}\n`;
      } catch {
        throw new AppError('invalid_request', `Request ${index} cannot be stored: it is nested too deeply.`, {
          param: 'requests',
        });
      }
    }
  }
  const file = callerFile(deps, caller, { filename: 'inline_requests.jsonl', purpose: 'batch' });
  return storeFile(deps.db, file, lines());
}

/** The batch over a stored input file; an omitted endpoint is read from its first line. */
async function batchOver(
  deps: Deps,
  caller: Caller,
  parsed: CreateBatchFields,
  fileId: string,
  inlineRequests = false,
): Promise<Batch> {
  return insertBatch(deps, {
    mode: parsed.mode,
    inlineRequests,
    projectId: projectOf(caller),
    inputFileId: fileId,
    endpoint: parsed.endpoint ?? (await peekEndpoint(deps, fileId)),
    completionWindow: parsed.completionWindow,
    metadata: parsed.metadata ?? null,
    jobName: parsed.jobName ?? null,
    outputExpiresAfterSeconds: parsed.outputExpiresAfter?.seconds ?? null,
  });
}

async function findInputFile(deps: Deps, caller: Caller, id: string) {
  try {
    return await findCallerFile(deps, caller, id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') {
      throw new AppError('not_found', notFound('file', id).message, { param: 'inputFileId' });
    }
    throw error;
  }
}

/**
 * When `endpoint` is omitted (Mithril), it is the `url` of the first line. Validation later fails
 * the batch if the line is unreadable or other lines disagree, so an unreadable first line is null here.
 */
async function peekEndpoint(deps: Deps, fileId: string): Promise<string | null> {
  const PEEK_LIMIT = 4 << 20;
  let head = Buffer.alloc(0);
  for await (const chunk of readFileContent(deps.db, fileId)) {
    head = Buffer.concat([head, chunk]);
    if (head.includes(10) || head.length > PEEK_LIMIT) break;
  }
  const newline = head.indexOf(10);
  try {
    const first = JSON.parse(head.subarray(0, newline < 0 ? head.length : newline).toString('utf8')) as {
      url?: unknown;
    };
    return (BATCH_ENDPOINTS as readonly unknown[]).includes(first.url) ? (first.url as string) : null;
  } catch {
    return null;
  }
}
