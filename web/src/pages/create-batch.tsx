// Create a batch from a JSONL file, chosen or dropped: upload it (REST, purpose "batch"), then
// `batches.create` with the chosen mode (where its lines run: automatically, all through providers'
// batch APIs, or all sent by batchgate itself); the gateway reads the endpoint from the first line.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, type FormEvent, useRef, useState } from 'react';
import { ErrorBanner } from '../components/error-banner.js';
import { uploadBatchInput } from '../rest.js';
import { Link, paths } from '../router.js';
import { type Batch, useTRPC } from '../trpc.js';

type Mode = NonNullable<Batch['mode']>;

export function CreateBatch({ apiKey }: { apiKey: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [jobName, setJobName] = useState('');
  const [mode, setMode] = useState<Mode>('auto');
  const [dragging, setDragging] = useState(false);
  const [stage, setStage] = useState<'idle' | 'uploading' | 'creating'>('idle');
  const [created, setCreated] = useState<Batch | null>(null);
  const createBatch = useMutation(trpc.batches.create.mutationOptions());
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setError(null);
    setCreated(null);
    try {
      setStage('uploading');
      const uploaded = await uploadBatchInput(apiKey, file);
      setStage('creating');
      const batch = await createBatch.mutateAsync({
        inputFileId: uploaded.id,
        jobName: jobName.trim() || undefined,
        mode,
      });
      setCreated(batch);
      setFile(null);
      setJobName('');
      if (input.current) input.current.value = '';
      await queryClient.invalidateQueries({ queryKey: trpc.batches.list.pathKey() });
      await queryClient.invalidateQueries({ queryKey: trpc.files.list.pathKey() });
    } catch (failure) {
      setError(failure);
    } finally {
      setStage('idle');
    }
  }

  function drop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped) setFile(dropped);
  }

  const busy = stage !== 'idle';
  return (
    <section aria-labelledby="create-heading" className="card">
      <h2 id="create-heading">New batch</h2>
      <form onSubmit={submit} className="stack">
        {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a pointer shortcut; the file input inside is the keyboard path. */}
        <div
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={drop}
        >
          <label htmlFor="input-file">Input file</label>
          <input
            ref={input}
            id="input-file"
            type="file"
            accept=".jsonl,.ndjson,application/jsonl,application/x-ndjson,text/plain"
            onChange={(event) => setFile(event.target.files?.[0] ?? null)}
          />
          <p className="muted">
            {file ? `Selected: ${file.name}` : 'Choose a JSONL file of requests, or drop one here.'}
          </p>
        </div>
        <label htmlFor="job-name">Job name (optional)</label>
        <input id="job-name" type="text" value={jobName} onChange={(event) => setJobName(event.target.value)} />
        <label htmlFor="mode">Mode</label>
        <select id="mode" value={mode} onChange={(event) => setMode(event.target.value as Mode)}>
          <option value="auto">Auto: providers' batch APIs where configured, the rest directly</option>
          <option value="native">Native: every line through its provider's batch API</option>
          <option value="direct">Direct: batchgate sends every line itself</option>
        </select>
        <div>
          <button type="submit" disabled={!file || busy}>
            {stage === 'uploading' ? 'Uploading…' : stage === 'creating' ? 'Creating…' : 'Create batch'}
          </button>
        </div>
      </form>
      {error ? <ErrorBanner error={error} /> : null}
      {created ? (
        <p className="banner banner-ok" role="status">
          <span>
            Created <Link to={paths.batch(created.id)}>{created.id}</Link>.
          </span>
        </p>
      ) : null}
    </section>
  );
}
