// /admin/keys — create, list and revoke tenant keys. The scope admits any valid key; the key use
// cases themselves refuse every caller but the admin (403), whatever URL led here.
import type { FastifyInstance } from 'fastify';
import { createKey } from '../../domain/keys/create-key.js';
import { listKeys } from '../../domain/keys/list-keys.js';
import { revokeKey } from '../../domain/keys/revoke-key.js';
import type { AppContext } from '../context.js';
import { toKeyInfo } from './serialize.js';

export function adminRoutes(app: FastifyInstance, { deps }: AppContext): void {
  app.post('/keys', async (req, reply) => {
    const created = await createKey(deps, req.caller, (req.body ?? {}) as never);
    const { id, name, project, created_at } = toKeyInfo(created);
    return reply.status(201).send({ id, object: 'api_key', key: created.key, name, project, created_at });
  });

  app.get('/keys', async (req) => {
    const keys = await listKeys(deps, req.caller);
    return { object: 'list', data: keys.map(toKeyInfo) };
  });

  app.delete<{ Params: { id: string } }>('/keys/:id', async (req) => revokeKey(deps, req.caller, req.params));
}
