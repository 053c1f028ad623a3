// JSONL in both directions without holding a file: split a byte stream into lines (a line longer
// than the cap is dropped and reported, so a file that is not JSONL cannot fill memory), and
// gather encoded lines into chunks of a reasonable size for an upload body.

export const MAX_LINE_CHARS = 32 * 1024 * 1024;

export interface JsonlLine {
  /** 1-based. */
  lineNumber: number;
  /** Null when the line was longer than the cap and dropped. */
  text: string | null;
}

/** The non-blank lines of a UTF-8 byte stream, with their line numbers. */
export async function* readJsonlLines(
  bytes: AsyncIterable<Uint8Array>,
  maxLineChars = MAX_LINE_CHARS,
): AsyncGenerator<JsonlLine> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let lineNumber = 0;
  let overlong = false;
  const finish = (text: string): JsonlLine | null => {
    lineNumber++;
    if (overlong) {
      overlong = false;
      return { lineNumber, text: null };
    }
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    return line.trim() === '' ? null : { lineNumber, text: line };
  };
  for await (const chunk of bytes) {
    pending += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n', start)) {
      const line = finish(pending.slice(start, newline));
      start = newline + 1;
      if (line) yield line;
    }
    pending = pending.slice(start);
    if (pending.length > maxLineChars) {
      overlong = true;
      pending = '';
    }
  }
  pending += decoder.decode();
  if (pending !== '' || overlong) {
    const line = finish(pending);
    if (line) yield line;
  }
}

/** A web byte stream as an async iterable; leaving early cancels the stream (and frees its connection). */
export async function* bytesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    while (true) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

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
