// What the dashboard reads of a JSONL input file before uploading it: the endpoint, from the first
// line's `url` (the gateway then checks every line against it).
import type { Endpoint } from './trpc.js';

const ENDPOINTS = [
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/responses',
  '/v1/moderations',
] as const satisfies readonly Endpoint[];

const HEAD_BYTES = 4 << 20;

/** The endpoint named by the first line, or undefined (the gateway then infers it, or fails validation). */
export async function inferEndpoint(file: Blob): Promise<Endpoint | undefined> {
  const head = await file.slice(0, HEAD_BYTES).text();
  const first = head.split('\n', 1)[0]?.trim();
  if (!first) return undefined;
  try {
    const url = (JSON.parse(first) as { url?: unknown }).url;
    return ENDPOINTS.find((endpoint) => endpoint === url);
  } catch {
    return undefined;
  }
}
