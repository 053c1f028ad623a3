// Server-Sent Events parsing: a response body → its events and comment lines, as they arrive.
import { chunksOf } from '../streams/readable-chunks.js';

export type SseItem =
  | { type: 'event'; event: string; id: string | undefined; data: string }
  | { type: 'comment'; text: string };

function parseBlock(block: string): SseItem[] {
  const items: SseItem[] = [];
  const data: string[] = [];
  let event = 'message';
  let id: string | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (line === '') continue;
    if (line.startsWith(':')) {
      items.push({ type: 'comment', text: line.slice(1).trim() });
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  }
  if (data.length > 0) items.push({ type: 'event', event, id, data: data.join('\n') });
  return items;
}

export async function* parseEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<SseItem> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of chunksOf(body)) {
    buffered += decoder.decode(chunk, { stream: true });
    const blocks = buffered.split(/\r?\n\r?\n/);
    buffered = blocks.pop()!;
    for (const block of blocks) yield* parseBlock(block);
  }
  yield* parseBlock(buffered + decoder.decode());
}
