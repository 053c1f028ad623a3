// The File domain object and its mapping from a row (`expiresAt`: when it disappears, if ever).
import type { files } from '../../db/tables/files.js';
import { unixSeconds } from '../clock.js';

export const FILE_PURPOSES = [
  'batch',
  'batch_output',
  'user_data',
  'assistants',
  'assistants_output',
  'fine-tune',
  'fine-tune-results',
  'vision',
  'evals',
] as const;

export interface FileObject {
  id: string;
  projectId: string;
  filename: string;
  purpose: string;
  bytes: number;
  createdAt: number;
  status: 'processed';
  expiresAt: number | null;
}

export const toFileObject = (row: typeof files.$inferSelect): FileObject => ({
  id: row.id,
  projectId: row.projectId,
  filename: row.filename,
  purpose: row.purpose,
  bytes: row.bytes,
  createdAt: unixSeconds(row.createdAt)!,
  status: 'processed',
  expiresAt: unixSeconds(row.expiresAt),
});
