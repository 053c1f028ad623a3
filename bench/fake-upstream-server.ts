// The benchmark's upstream in a process of its own: the test suite's fake in fast mode (fixed
// answer, no parsing). Prints its URL on stdout, then serves until killed.
import { startFakeUpstream } from '../test/support/fake-upstream.js';

const latencyMs = Number(process.env.LATENCY_MS ?? 0);
const upstream = await startFakeUpstream({ fast: true, latencyMs });
process.stdout.write(`${JSON.stringify({ url: upstream.url })}\n`);
