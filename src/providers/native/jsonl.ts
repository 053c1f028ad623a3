// JSONL for an upload body without holding the file: encoded lines gathered into chunks of a
// reasonable size, each line's JSON on a single line.

/** Encode strings as UTF-8 chunks of about `chunkBytes`, for a streamed request body. */
export async function* chunked(parts: AsyncIterable<string>, chunkBytes = 64 * 1024): AsyncGenerator<Uint8Array> {
  let buffer: string[] = [];
  let size = 0;
  for await (const part of parts) {
    buffer.push(part);
    size += part.length;
    if (size >= chunkBytes) {
      yield Buffer.from(buffer.join(''), 'utf8');
      buffer = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.from(buffer.join(''), 'utf8');
}

/** A JSON body as one line: most already are, pretty-printed ones are re-serialized. */
export const singleLineJson = (json: string): string => (/[\r\n]/.test(json) ? JSON.stringify(JSON.parse(json)) : json);
