// CSRF protection: a browser sends multipart/form-data, x-www-form-urlencoded and text/plain POSTs
// cross-site without a CORS preflight. Such requests must carry a header that only a preflighted
// request can have, so a page on another site cannot make a visitor's browser upload or mutate.
// A cross-site JSON POST (application/json) always needs a preflight, so it needs no such header.
import type { FastifyRequest } from 'fastify';
import { httpError } from './errors.js';

const SIMPLE_CONTENT_TYPES = ['multipart/form-data', 'application/x-www-form-urlencoded', 'text/plain'];
const PREFLIGHT_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'graphql-preflight'];

export async function requirePreflightHeader(req: FastifyRequest): Promise<void> {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!SIMPLE_CONTENT_TYPES.includes(contentType)) return;
  if (PREFLIGHT_HEADERS.some((name) => String(req.headers[name] ?? '').length > 0)) return;
  throw httpError(
    400,
    `A ${contentType} request must carry a non-empty '${PREFLIGHT_HEADERS[0]}' (or 'apollo-require-preflight') header (CSRF protection).`,
  );
}
