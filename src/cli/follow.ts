// Follow a batch live through GET /v1/batches/:id/events (no polling): yields each state the
// gateway sends and returns after the terminal one. A stream that ends early or goes silent for
// three keep-alive intervals (a restarted gateway, a proxy cutting it) is reopened with backoff; a
// gateway that cannot be reached at first, or refuses the request, fails at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal } from '../domain/batches/batch.js';
import type { BatchObject, GatewayClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import { parseEventStream } from './event-stream.js';

const IDLE_MS = 45_000;
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15_000];

export async function* followBatch(
  client: GatewayClient,
  id: string,
  signal: AbortSignal,
): AsyncGenerator<BatchObject> {
  let failures = 0;
  let connected = false;
  for (;;) {
    const idle = new AbortController();
    const timer = setTimeout(() => idle.abort(), IDLE_MS);
    let received = false;
    try {
      const res = await client.request('GET', `/v1/batches/${encodeURIComponent(id)}/events`, {
        accept: 'text/event-stream',
        signal: AbortSignal.any([signal, idle.signal]),
      });
      connected = true;
      for await (const item of parseEventStream(res.body!)) {
        timer.refresh();
        if (item.type !== 'event' || item.event !== 'batch') continue;
        const batch = JSON.parse(item.data) as BatchObject;
        received = true;
        yield batch;
        if (isTerminal(batch.status)) return;
      }
    } catch (error) {
      if (signal.aborted) throw error;
      const refused = error instanceof CliError && (error.exitCode === EXIT.usage || !connected);
      if (refused) throw error;
    } finally {
      clearTimeout(timer);
    }
    failures = received ? 0 : failures + 1;
    if (failures >= RECONNECT_DELAYS_MS.length) {
      throw new CliError(`Lost the event stream of ${id} and could not reopen it.`, EXIT.unreachable);
    }
    await sleep(RECONNECT_DELAYS_MS[failures]!, undefined, { signal });
  }
}
