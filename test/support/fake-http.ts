// What the fake provider servers share: a tiny HTTP server with a request log, one-shot faults
// per route (an error status, a dropped connection before or after the work is done), JSON and
// streamed-JSONL answers that respect backpressure, and a seeded shuffle for result order.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type InjectedFault =
  | { status: number; type?: string; code?: string; message?: string; headers?: Record<string, string> }
  /** Destroy the connection before doing anything. */
  | 'drop'
  /** Do the work, then destroy the connection instead of answering (the answer is lost). */
  | 'drop_after';

export interface RecordedRequest {
  method: string;
  path: string;
  route: string;
  headers: IncomingMessage['headers'];
}

/** Faults queued per route, each used for the next `times` requests to it. */
export class FaultPlan<Route extends string> {
  private readonly queued = new Map<Route, { fault: InjectedFault; times: number }[]>();

  inject(route: Route, fault: InjectedFault, times = 1): void {
    const list = this.queued.get(route) ?? [];
    list.push({ fault, times });
    this.queued.set(route, list);
  }

  take(route: Route): InjectedFault | undefined {
    const list = this.queued.get(route);
    const next = list?.[0];
    if (!next) return undefined;
    if (--next.times <= 0) list.shift();
    return next.fault;
  }

  clear(): void {
    this.queued.clear();
  }
}

export type RouteOf<Route extends string> = (method: string, path: string) => { route: Route; id?: string } | null;

/** Find a request's route and record it in the log. */
export function routeRequest<Route extends string>(
  req: IncomingMessage,
  log: RecordedRequest[],
  routeOf: RouteOf<Route>,
) {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  const match = routeOf(method, url.pathname);
  log.push({ method, path: url.pathname, route: match?.route ?? 'unknown', headers: req.headers });
  return { url, method, match };
}

/** Ids like `batch_fake000001`, counted per server. */
export function sequentialIds(): (prefix: string) => string {
  let last = 0;
  return (prefix) => `${prefix}${(++last).toString().padStart(6, '0')}`;
}

export const countOf = (log: RecordedRequest[]) => (route: string) => log.filter((r) => r.route === route).length;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** Write lines one by one, waiting whenever the socket asks us to. */
export async function streamLines(res: ServerResponse, lines: Iterable<string>, contentType: string) {
  res.writeHead(200, { 'content-type': contentType });
  for (const line of lines) {
    if (res.destroyed) return;
    if (!res.write(`${line}\n`)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}

/** A deterministic permutation (mulberry32 seeded from the string). */
export function shuffled<T>(items: readonly T[], seed: string): T[] {
  let state = [...seed].reduce((hash, char) => (Math.imul(hash, 31) + char.charCodeAt(0)) | 0, 7);
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

export interface FakeServer {
  origin: string;
  close(): Promise<void>;
}

export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
): Promise<FakeServer> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: 'fake_server_bug' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Split a multipart/form-data body into its named parts. */
export function parseMultipart(body: Buffer, contentType: string): Map<string, { filename?: string; data: Buffer }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const parts = new Map<string, { filename?: string; data: Buffer }>();
  if (!boundary) return parts;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const name = /name="([^"]*)"/.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/.exec(headers)?.[1];
    if (name) parts.set(name, { filename, data: part.subarray(headerEnd + 4) });
    start = next;
  }
  return parts;
}
