// /admin/keys — create, list and revoke tenant keys; the admin key only.
import type { FastifyInstance } from 'fastify';
import { createKey } from '../../domain/keys/create-key.js';
import { listKeys } from '../../domain/keys/list-keys.js';
import { revokeKey } from '../../domain/keys/revoke-key.js';
import type { AppContext } from '../context.js';
import { toKeyInfo } from './serialize.js';

export function adminRoutes(app: FastifyInstance, { deps }: AppContext): void {
  app.post('/admin/keys', async (req, reply) => {
    const created = await createKey(deps, (req.body ?? {}) as never);
    const { id, name, project, created_at } = toKeyInfo(created);
    return reply.status(201).send({ id, object: 'api_key', key: created.key, name, project, created_at });
  });

  app.get('/admin/keys', async () => {
    const keys = await listKeys(deps);
    return { object: 'list', data: keys.map(toKeyInfo) };
  });

  app.delete<{ Params: { id: string } }>('/admin/keys/:id', async (req) => revokeKey(deps, req.params));
}
