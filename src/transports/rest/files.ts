// /v1/files — upload (multipart, streamed; optional `expires_after[anchor]` and
// `expires_after[seconds]`), list, retrieve, content (streamed), delete.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { deleteFile } from '../../domain/files/delete-file.js';
import { fileContent } from '../../domain/files/file-content.js';
import { getFile } from '../../domain/files/get-file.js';
import { listFiles } from '../../domain/files/list-files.js';
import { type StoredUpload, storeUpload, type UploadSettlement } from '../../domain/files/upload-file.js';
import type { AppContext } from '../context.js';
import { bracketedObject } from './form-fields.js';
import { toOpenAIFile, toOpenAIList } from './serialize.js';

type IdParams = { Params: { id: string } };

export function fileRoutes(app: FastifyInstance, { deps }: AppContext): void {
  app.post('/files', { config: { streamedBody: true } }, async (req, reply) => {
    if (!req.isMultipart()) {
      throw new AppError('invalid_request', "Send the file as multipart/form-data with fields 'file' and 'purpose'.");
    }
    const fields: Record<string, string> = {};
    let upload: StoredUpload | undefined;
    let settlement: UploadSettlement;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
        } else if (part.fieldname === 'file' && !upload) {
          upload = await storeUpload(deps, req.caller, part.filename || 'upload', part.file);
        } else {
          part.file.resume();
        }
      }
      if (!upload) throw new AppError('invalid_request', "Missing required field 'file'.", { param: 'file' });
      const expiresAfter = bracketedObject(fields, 'expires_after', ['anchor', 'seconds']) as never;
      settlement = { purpose: fields.purpose, expiresAfter };
    } catch (error) {
      await upload?.abort().catch(() => {});
      throw error;
    }
    return reply.status(200).send(toOpenAIFile(await upload.commit(settlement)));
  });

  app.get<{ Querystring: Record<string, string> }>('/files', async (req) => {
    const page = await listFiles(deps, req.caller, req.query);
    return toOpenAIList(page.data.map(toOpenAIFile), page.hasMore, (f) => f.id);
  });

  app.get<IdParams>('/files/:id', async (req) => toOpenAIFile(await getFile(deps, req.caller, req.params)));

  app.get<IdParams>('/files/:id/content', async (req, reply) => {
    const { file, content } = await fileContent(deps, req.caller, req.params);
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(file.bytes))
      .header('content-disposition', `attachment; filename="${encodeURIComponent(file.filename)}"`)
      .send(Readable.from(content));
  });

  app.delete<IdParams>('/files/:id', async (req) => {
    const deleted = await deleteFile(deps, req.caller, req.params);
    return { id: deleted.id, object: 'file', deleted: true };
  });
}
