// The bytes of a multipart upload as the domain's content stream. graphql-upload-minimal stops a
// file at `maxFileSize` silently (the stream just ends, `truncated` set): that, and its HTTP errors
// (missing file, client gone), become AppErrors here, so a cut-short file is never stored.
import type { Readable } from 'node:stream';
import type { FileUpload } from 'graphql-upload-minimal';
import { AppError } from '../../domain/errors.js';

/** graphql-upload-minimal's errors carry an HTTP `status`. */
function asAppError(error: unknown): unknown {
  if (error instanceof AppError || !(error instanceof Error)) return error;
  const status = (error as { status?: number }).status;
  if (status === 413) return new AppError('payload_too_large', error.message, { param: 'file' });
  if (status !== undefined && status < 500) return new AppError('invalid_request', error.message, { param: 'file' });
  return error;
}

async function* untruncated(stream: Readable & { truncated?: boolean }, maxBytes: number): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    throw asAppError(error);
  }
  if (stream.truncated) {
    throw new AppError('payload_too_large', `File is larger than the limit of ${maxBytes} bytes.`, { param: 'file' });
  }
}

export async function receiveUpload(
  upload: Promise<FileUpload>,
  maxBytes: number,
): Promise<{ filename: string; content: AsyncIterable<Uint8Array> }> {
  try {
    const file = await upload;
    return { filename: file.filename || 'upload', content: untruncated(file.createReadStream(), maxBytes) };
  } catch (error) {
    throw asAppError(error);
  }
}
