// GraphQL multipart requests (file uploads): graphql-upload-minimal parses the `operations` and
// `map` fields and leaves each file as a stream the resolver consumes, so no upload is buffered
// whole. Yoga then receives the operations as an already-parsed body.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { processRequest } from 'graphql-upload-minimal';

export function multipartUploads(maxFileBytes: number) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!req.headers['content-type']?.toLowerCase().startsWith('multipart/form-data')) return;
    // busboy marks a file `truncated` as soon as it reaches maxFileSize, even when nothing more
    // follows: one byte of slack lets a file of exactly the limit through; the storage writer and
    // the truncation check in upload-content.ts reject anything larger.
    req.body = await processRequest(req.raw, reply.raw, { maxFileSize: maxFileBytes + 1, maxFiles: 1 });
    // Read and bounded here: Yoga's 1 MB JSON body limit must not judge the upload by its length.
    delete req.headers['content-length'];
  };
}
