// The two things the dashboard does over REST: upload a JSONL input file (multipart, purpose
// "batch") and download a file's content. Content routes need the key, so a download is fetched
// with it and handed to the browser as a blob URL.
import type { FileObject } from './trpc.js';

export class RestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function failure(response: Response): Promise<RestError> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return new RestError(body?.error?.message ?? `The gateway answered ${response.status}.`, response.status);
}

const auth = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

export async function uploadBatchInput(apiKey: string, file: File): Promise<Pick<FileObject, 'id' | 'filename'>> {
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', file, file.name);
  const response = await fetch('/v1/files', { method: 'POST', headers: auth(apiKey), body: form });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as { id: string; filename: string };
}

export async function downloadFile(apiKey: string, fileId: string, saveAs: string): Promise<void> {
  const response = await fetch(`/v1/files/${encodeURIComponent(fileId)}/content`, { headers: auth(apiKey) });
  if (!response.ok) throw await failure(response);
  const url = URL.createObjectURL(await response.blob());
  try {
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = saveAs;
    anchor.hidden = true;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
  } finally {
    // The browser has started the download by now; give it a moment before the URL goes away.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
