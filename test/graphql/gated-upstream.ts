// An OpenAI-compatible chat upstream that answers only as many requests as the test has released,
// so a test can hold a batch mid-way and observe its progress deterministically.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedUpstream {
  url: string;
  /** Requests received and still held. */
  waiting(): number;
  /** Let `n` more requests be answered (held ones first). */
  release(n: number): void;
  close(): Promise<void>;
}

const answer = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'chatcmpl-gated',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gated',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    }),
  );
};

export async function startGatedUpstream(): Promise<GatedUpstream> {
  const held: ServerResponse[] = [];
  let budget = 0;
  const drain = () => {
    while (budget > 0 && held.length > 0) {
      budget--;
      answer(held.shift()!);
    }
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      held.push(res);
      drain();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    waiting: () => held.length,
    release(n) {
      budget += n;
      drain();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held.splice(0)) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
