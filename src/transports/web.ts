// The web dashboard at /ui/: the single-page app Vite built into dist/web, served as static files
// without a key (the app asks for one and sends it with every API call). Any other path under /ui/
// answers the app's index.html, so a deep link such as /ui/batches/<id> loads the app. Hashed
// assets are cached for good; index.html is revalidated so a new build takes effect at once.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../db/client.js';

const UI_PREFIX = '/ui/';

/** Where `npm run build` puts the dashboard. */
export const defaultWebRoot = () => join(packageRoot(), 'dist', 'web');

/** Everything the app loads comes from this origin; it calls no one else. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export async function webPlugin(app: FastifyInstance, root: string): Promise<void> {
  app.get('/ui', (_req, reply) => reply.redirect(UI_PREFIX));
  if (!existsSync(join(root, 'index.html'))) {
    app.get(`${UI_PREFIX}*`, (_req, reply) =>
      reply.status(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build`.\n'),
    );
    return;
  }
  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
  });
  await app.register(fastifyStatic, {
    root,
    prefix: UI_PREFIX,
    // One route per built file (and /ui/ for index.html); the app's own paths fall through to the route below.
    wildcard: false,
    cacheControl: false,
    setHeaders: (reply, path) => {
      const hashed = path.startsWith(join(root, 'assets'));
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.get(`${UI_PREFIX}*`, (req, reply) => {
    // A missing asset is a 404, not the app: a stale page asking for an old chunk should fail loudly.
    if (req.url.startsWith(`${UI_PREFIX}assets/`)) {
      return reply.status(404).type('text/plain; charset=utf-8').send('Not found.\n');
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
