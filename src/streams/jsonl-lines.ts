// The lines of a JSONL byte stream (an input file, a provider's results file), with their 1-based
// numbers. A line longer than `maxBytes` UTF-8 bytes (its line ending not counted) is reported as too
// long and its bytes are skipped as they pass, never gathered, so one huge line cannot exhaust
// memory. LF and CRLF endings; a last line without a newline counts; blank lines are yielded too.
export type JsonlLine = { line: number; text: string } | { line: number; tooLong: true };

const toBuffer = (data: Uint8Array) =>
  Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

export async function* jsonlLines(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<JsonlLine> {
  let line = 0;
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  const end = (): JsonlLine => {
    line++;
    if (tooLong) {
      tooLong = false;
      return { line, tooLong: true };
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    const last = bytes.length - 1;
    return { line, text: bytes.toString('utf8', 0, bytes[last] === 13 ? last : bytes.length) };
  };
  const take = (piece: Buffer) => {
    if (tooLong) return;
    length += piece.length;
    // A trailing CR belongs to a CRLF ending, not to the line's own length.
    if (length - (piece[piece.length - 1] === 13 ? 1 : 0) > maxBytes) {
      tooLong = true;
      parts = [];
      length = 0;
      return;
    }
    parts.push(piece);
  };
  for await (const bytes of source) {
    const chunk = toBuffer(bytes);
    let start = 0;
    for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
      take(chunk.subarray(start, newline));
      yield end();
      start = newline + 1;
    }
    if (start < chunk.length) take(chunk.subarray(start));
  }
  if (length > 0 || tooLong) yield end();
}
