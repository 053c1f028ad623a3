// The benchmark's upstream in a process of its own: the test suite's fake OpenAI-compatible server.
// By default it behaves like one (parses each request, answers a chat completion built from it,
// with usage); MODE=fast answers one fixed body without reading the request (a lower bound on
// upstream cost). Prints its URL on stdout, then serves until killed.
import { startFakeUpstream } from '../test/support/fake-upstream.js';

const latencyMs = Number(process.env.LATENCY_MS ?? 0);
const upstream = await startFakeUpstream({ fast: process.env.MODE === 'fast', record: false, latencyMs });
process.stdout.write(`${JSON.stringify({ url: upstream.url })}\n`);
