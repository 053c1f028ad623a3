// Reading a Server-Sent Events response in tests with plain fetch (parsed by the CLI's own
// parser): events and comment lines are collected as they arrive; `done` settles when the server
// ends the stream.
import { parseEventStream } from '../../src/cli/event-stream.js';

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
  const isStream = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  const done = isStream
    ? (async () => {
        for await (const item of parseEventStream(res.body!)) {
          if (item.type === 'comment') comments.push(item.text);
          else events.push({ event: item.event, id: item.id, data: item.data });
        }
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
