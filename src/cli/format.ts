// Human-readable text for batches: one progress line, a status report, a list row.
import type { BatchObject } from './client.js';

export const cost = (batch: BatchObject) => `$${(batch.usage?.total_cost ?? 0).toFixed(6)}`;

const done = (batch: BatchObject) => batch.request_counts.completed + batch.request_counts.failed;

const time = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');

/** One line per change: `batch_… in_progress 12/40 (11 completed, 1 failed) $0.000123`. */
export function progressLine(batch: BatchObject): string {
  const { total, completed, failed } = batch.request_counts;
  return `${batch.id} ${batch.status} ${done(batch)}/${total} (${completed} completed, ${failed} failed) ${cost(batch)}`;
}

export function statusReport(batch: BatchObject): string {
  const { total, completed, failed } = batch.request_counts;
  const lines = [
    `${batch.id}  ${batch.status}`,
    `  endpoint   ${batch.endpoint ?? '(from the lines)'}`,
    `  requests   ${done(batch)}/${total} done: ${completed} completed, ${failed} failed`,
    `  usage      ${batch.usage?.input_tokens ?? 0} input + ${batch.usage?.output_tokens ?? 0} output tokens, ${cost(batch)}`,
    `  created    ${time(batch.created_at)}`,
    `  input      ${batch.input_file_id}`,
  ];
  if (batch.output_file_id) lines.push(`  output     ${batch.output_file_id}`);
  if (batch.error_file_id) lines.push(`  errors     ${batch.error_file_id}`);
  for (const [key, value] of Object.entries(batch.metadata ?? {})) lines.push(`  metadata   ${key}=${value}`);
  for (const error of batch.errors?.data ?? []) {
    lines.push(`  error      ${error.line === null ? '' : `line ${error.line}: `}${error.message} (${error.code})`);
  }
  return `${lines.join('\n')}\n`;
}

export function listRow(batch: BatchObject): string {
  return `${batch.id}  ${batch.status.padEnd(11)} ${`${done(batch)}/${batch.request_counts.total}`.padStart(11)}  ${time(batch.created_at)}`;
}
