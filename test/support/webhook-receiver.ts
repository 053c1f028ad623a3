// A local webhook receiver for tests: records every request (path, headers, exact body, arrival
// time) and every TCP connection, and answers as told: a status (optionally late), a redirect,
// a dropped connection, or no answer at all. Answers are queued (per path, or for any); with none
// queued it answers `fallback` (200 unless changed). Optionally listens on a given port (to come up late).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './fake-http.js';
import { waitFor } from './wait.js';

export type ReceiverAnswer =
  | { status: number; delayMs?: number; headers?: Record<string, string> }
  /** Destroy the connection without answering. */
  | 'drop'
  /** Never answer (the connection stays open until the receiver closes). */
  | 'hang';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** TCP connections accepted so far. */
  connections: number;
  /** Answer the next `times` requests (to `path`, or to any path) with `answer`. */
  queue(answer: ReceiverAnswer, times?: number, path?: string): void;
  /** The answer once the queue is empty. */
  fallback: ReceiverAnswer;
  /** The requests to `path` (every path when omitted). */
  to(path?: string): ReceivedWebhook[];
  /** Wait until `count` requests reached `path` (any path when omitted); returns them. */
  until(count: number, path?: string, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const queued: { answer: ReceiverAnswer; path: string | undefined }[] = [];
  const hanging = new Set<ServerResponse>();
  const receiver = {
    received: [] as ReceivedWebhook[],
    connections: 0,
    fallback: { status: 200 } as ReceiverAnswer,
  };
  const server = createServer(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    receiver.received.push({ path: req.url ?? '/', headers: req.headers, body, at: Date.now() });
    const index = queued.findIndex((q) => q.path === undefined || q.path === req.url);
    const answer = index >= 0 ? queued.splice(index, 1)[0]!.answer : receiver.fallback;
    if (answer === 'drop') return void res.destroy();
    if (answer === 'hang') return void hanging.add(res);
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (res.destroyed) return;
    res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    res.end('ok');
  });
  server.on('connection', () => receiver.connections++);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  const to = (path?: string) => receiver.received.filter((r) => path === undefined || r.path === path);
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    queue(answer: ReceiverAnswer, times = 1, path?: string) {
      for (let i = 0; i < times; i++) queued.push({ answer, path });
    },
    to,
    until: (count: number, path?: string, timeoutMs = 30_000) =>
      waitFor(() => (to(path).length >= count ? to(path) : undefined), {
        timeoutMs,
        what: `${count} webhook request(s)${path ? ` to ${path}` : ''}`,
      }),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
