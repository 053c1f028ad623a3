// Talking to /graphql in tests through the real surfaces: fetch (JSON and multipart requests) and
// a graphql-ws client over `ws`.
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { openSse, type SseStream } from '../support/sse.js';

/** Response data as tests read it: the shape is asserted with `expect`, not by the type system. */
// biome-ignore lint/suspicious/noExplicitAny: GraphQL responses are checked at run time by each test.
export type Json = any;

export interface GraphQLResponse<T = Record<string, Json>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[] };
}

/** POST a JSON GraphQL request with an optional key. */
export async function gql<T = Record<string, Json>>(
  url: string,
  key: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** A page of a Relay connection as the paging tests select it. */
export interface Connection {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null; startCursor?: string | null };
}

const UPLOAD_MUTATION = `mutation($file: Upload!, $purpose: String!) {
  uploadFile(file: $file, purpose: $purpose) { id filename purpose bytes createdAt }
}`;

/** Upload a file with the GraphQL multipart request spec (curl -F style). */
export async function uploadMultipart(
  url: string,
  key: string | null,
  content: string | Uint8Array,
  filename: string,
  purpose = 'batch',
  headers: Record<string, string> = { 'x-graphql-yoga-csrf': '1' },
): Promise<GraphQLResponse> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: UPLOAD_MUTATION, variables: { file: null, purpose } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), filename);
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { ...headers, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: form,
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

/** A graphql-ws client on /graphql sending `authorization` in connectionParams. */
export function wsClient(url: string, key: string | null): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

export interface Collected<T> {
  results: { data?: T | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }[];
  /** Resolves when the server completes the operation; rejects on a transport error. */
  done: Promise<void>;
  /** Unsubscribe (graphql-ws `complete` from the client); the socket stays open. */
  stop: () => void;
}

/** Subscribe over graphql-ws and collect every result until the server completes. */
export function collect<T = Record<string, Json>>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
): Collected<T> {
  const results: Collected<T>['results'] = [];
  let stop = () => {};
  const done = new Promise<void>((resolve, reject) => {
    stop = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => results.push(result as Collected<T>['results'][number]),
        error: (error) => {
          // An array is the operation's GraphQL errors (graphql-ws `error` message); anything else is the transport failing.
          if (!Array.isArray(error)) return reject(error);
          results.push({ errors: error });
          resolve();
        },
        complete: resolve,
      },
    );
  });
  return { results, done, stop };
}

/** Run an operation over SSE (`accept: text/event-stream`): events arrive in `events` as they come, each one's data parsed as JSON (null when empty); `done` resolves when the server ends the stream. */
export function sse(
  url: string,
  key: string | null,
  query: string,
  variables?: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<SseStream<Json>> {
  return openSse<Json>(
    `${url}/graphql`,
    { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    {
      method: 'POST',
      body: JSON.stringify({ query, variables }),
      signal,
      data: (text) => (text ? JSON.parse(text) : null),
    },
  );
}

export const BATCH_FIELDS = `
  id status endpoint metadata completionWindow
  requestCounts { total completed failed }
  usage { inputTokens outputTokens totalTokens inputCost outputCost totalCost }
  errors { code message param line }
  inputFile { id filename purpose bytes }
  outputFile { id filename purpose bytes }
  errorFile { id }
  createdAt inProgressAt expiresAt finalizingAt completedAt failedAt expiredAt cancellingAt cancelledAt`;

export const CREATE_BATCH = `mutation($input: CreateBatchInput!) { createBatch(input: $input) { ${BATCH_FIELDS} } }`;
export const BATCH_UPDATED = `subscription($id: ID!) { batchUpdated(id: $id) { ${BATCH_FIELDS} } }`;
