// A bound on receiving a request: headers and body must arrive within `timeoutMs`, or the
// connection is closed, so a client that opens requests and trickles nothing cannot hold server
// resources. Uploads (multipart bodies, and routes marked `config: { streamedBody: true }`) are
// excepted while bytes flow: they may take as long as they need, but not stall for `timeoutMs`.
// Responses are not bounded (downloads and live streams last as long as they need).
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body is an upload: the request timeout counts only stalls. */
    streamedBody?: boolean;
  }
}

const isUpload = (req: FastifyRequest) =>
  req.routeOptions.config?.streamedBody === true ||
  (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');

export function boundRequestReceipt(app: FastifyInstance, timeoutMs: number): void {
  app.addHook('onRequest', (req, reply, done) => {
    const { raw } = req;
    if (raw.complete || raw.headers.upgrade) return done();
    const socket = raw.socket;
    const upload = isUpload(req);
    let received = socket.bytesRead;
    const check = () => {
      if (raw.complete || socket.destroyed) return;
      if (upload && socket.bytesRead > received) {
        received = socket.bytesRead;
        timer = setTimeout(check, timeoutMs).unref();
        return;
      }
      req.log.warn({ path: req.url.split('?')[0] }, 'request not received in time: closing the connection');
      socket.destroy();
    };
    let timer = setTimeout(check, timeoutMs).unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}
