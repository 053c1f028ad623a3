// Reading a Server-Sent Events response in tests with plain fetch: events and comment lines are
// collected as they arrive; `done` settles when the server ends the stream.
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Comment lines (`: …`), without the colon. */
  comments: string[];
  /** Resolves when the server ends the stream; rejects if the connection breaks. */
  done: Promise<void>;
  /** The body when the answer is not an event stream. */
  text(): Promise<string>;
  /** Disconnect. */
  abort(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parse = (block: string) => {
    const fields: Record<string, string[]> = {};
    for (const line of block.split('\n')) {
      if (line === '') continue;
      if (line.startsWith(':')) {
        comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      fields[name] = [...(fields[name] ?? []), value];
    }
    if (fields.data)
      events.push({ event: fields.event?.[0] ?? 'message', id: fields.id?.[0], data: fields.data.join('\n') });
  };
  const isStream = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  const done = isStream
    ? (async () => {
        const decoder = new TextDecoder();
        let buffered = '';
        const reader = res.body!.getReader();
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          buffered += decoder.decode(chunk.value, { stream: true });
          const blocks = buffered.split('\n\n');
          buffered = blocks.pop()!;
          blocks.forEach(parse);
        }
        parse(buffered);
      })()
    : Promise.resolve();
  done.catch(() => {});
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    done,
    text: () => res.text(),
    abort: () => controller.abort(),
  };
}
