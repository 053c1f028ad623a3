// The body of POST /v1/batches, read as a stream. Inline `requests` (GoModel style) can make it as
// large as an input file, so it is never held whole: each request is handed to storage as soon as
// it is parsed (with backpressure), and only the small fields around it are collected. A body past
// `maxBytes` is refused as soon as it gets there.
import { PassThrough } from 'node:stream';
import { JSONParser } from '@streamparser/json';
import { AppError } from '../../domain/errors.js';

/** The top-level fields collected besides `requests` (OpenAI's snake_case names). */
const CREATE_BATCH_FIELDS = [
  'input_file_id',
  'endpoint',
  'completion_window',
  'metadata',
  'job_name',
  'mode',
  'output_expires_after',
] as const;

export interface CreateBatchBody {
  fields: Partial<Record<(typeof CREATE_BATCH_FIELDS)[number] | 'requests', unknown>>;
  /** The stored file holding the inline requests, when the body had at least one. */
  requestsFileId?: string;
}

const unparsable = () => new AppError('invalid_request', 'We could not parse the JSON body of your request.');

export async function readCreateBatchBody(
  body: AsyncIterable<Buffer>,
  maxBytes: number,
  jsonLimitBytes: number,
  storeRequests: (requests: AsyncIterable<unknown>) => Promise<{ id: string }>,
): Promise<CreateBatchBody> {
  const fields: CreateBatchBody['fields'] = {};
  const requests = new PassThrough({ objectMode: true, highWaterMark: 64 });
  // A failure is reported by the consumer (storage) or by this function, never as a stray event.
  requests.on('error', () => {});
  const drained = () => new Promise<void>((resolve) => requests.once('drain', resolve));
  let stored: Promise<{ id: string }> | undefined;
  let storeFailure: unknown;
  const parser = new JSONParser({
    paths: ['$.requests.*', '$.requests', ...CREATE_BATCH_FIELDS.map((name) => `$.${name}`)],
    keepStack: false,
  });
  parser.onValue = ({ value, key, parent, stack }) => {
    if (stack.length === 2 && stack[1]?.key === 'requests') {
      // Handed on, then dropped from the array the parser is building, so memory stays flat.
      if (Array.isArray(parent)) parent.length = 0;
      if (!stored) {
        stored = storeRequests(requests);
        // Storage failing (over the size limit or quota) stops the reading at the next chunk.
        stored.catch((error: unknown) => {
          storeFailure = error;
        });
      }
      requests.write(value);
    } else if (stack.length === 1 && (key !== 'requests' || !stored)) {
      fields[key as keyof CreateBatchBody['fields']] = value;
    }
  };
  try {
    let bytes = 0;
    // Only a body carrying inline requests may pass the JSON limit: until a `"requests":` key has
    // gone by, the body is held to it like any JSON body.
    let sawRequests = false;
    let tail = '';
    for await (const chunk of body) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        throw new AppError('payload_too_large', `The request body is larger than the limit of ${maxBytes} bytes.`);
      }
      if (!sawRequests) {
        const text = tail + chunk.toString('latin1');
        sawRequests = /"requests"\s*:/.test(text);
        tail = text.slice(-32);
        if (!sawRequests && bytes > jsonLimitBytes) {
          throw new AppError(
            'payload_too_large',
            `A JSON body is at most ${jsonLimitBytes} bytes unless it carries inline requests.`,
          );
        }
      }
      try {
        parser.write(chunk);
      } catch {
        throw unparsable();
      }
      if (requests.writableNeedDrain) await Promise.race([drained(), stored]);
      if (storeFailure) throw storeFailure;
    }
    if (!parser.isEnded) {
      try {
        parser.end();
      } catch {
        throw unparsable();
      }
    }
    requests.end();
    return { fields, requestsFileId: stored ? (await stored).id : undefined };
  } catch (error) {
    requests.destroy(error as Error);
    await stored?.catch(() => {});
    throw error;
  }
}
