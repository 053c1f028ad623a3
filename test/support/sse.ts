// Reading a Server-Sent Events response in tests with plain fetch (parsed by the CLI's own
// parser): events and comment lines are collected as they arrive; `done` settles when the server
// ends the stream. A GET by default; a POST with a body (e.g. a GraphQL operation) on request.
import { parseEventStream } from '../../src/cli/event-stream.js';

export interface SseEvent<T = string> {
  event: string;
  id: string | undefined;
  data: T;
}

export interface SseOptions<T> {
  method?: string;
  body?: string;
  /** Disconnects when it aborts, as `abort()` does. */
  signal?: AbortSignal;
  /** Turns each event's data text into what `events` hold (default: the text as is). */
  data?: (text: string) => T;
}

export interface SseStream<T = string> {
  status: number;
  headers: Headers;
  events: SseEvent<T>[];
  /** Comment lines (`: …`), without the colon. */
  comments: string[];
  /** Resolves when the server ends the stream; rejects if the connection breaks. */
  done: Promise<void>;
  /** The body when the answer is not an event stream. */
  text(): Promise<string>;
  /** Disconnect. */
  abort(): void;
}

export async function openSse<T = string>(
  url: string,
  headers: Record<string, string> = {},
  { method, body, signal, data = (text) => text as T }: SseOptions<T> = {},
): Promise<SseStream<T>> {
  const controller = new AbortController();
  const res = await fetch(url, {
    method,
    body,
    headers: { accept: 'text/event-stream', ...headers },
    signal: signal ? AbortSignal.any([controller.signal, signal]) : controller.signal,
  });
  const events: SseEvent<T>[] = [];
  const comments: string[] = [];
  const isStream = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  const done = isStream
    ? (async () => {
        for await (const item of parseEventStream(res.body!)) {
          if (item.type === 'comment') comments.push(item.text);
          else events.push({ event: item.event, id: item.id, data: data(item.data) });
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
