// Open SSE responses of this transport. At shutdown they are cut, not completed: a client sees
// the connection drop (and can resubscribe to another instance) rather than a `complete` that
// would read as "the batch is done". graphql-ws sockets are closed by @fastify/websocket itself.
import type { FastifyReply } from 'fastify';

export class OpenSseResponses {
  private readonly open = new Set<FastifyReply>();

  track(reply: FastifyReply): void {
    this.open.add(reply);
    reply.raw.once('close', () => this.open.delete(reply));
  }

  cutAll(): void {
    for (const reply of this.open) reply.raw.destroy();
    this.open.clear();
  }
}
