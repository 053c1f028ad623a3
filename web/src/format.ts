// How the dashboard writes numbers, times and per-line answers for people.
import type { BatchResult } from './trpc.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** Unix seconds as local "YYYY-MM-DD HH:MM:SS". */
export function formatTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const isoTime = (seconds: number) => new Date(seconds * 1000).toISOString();

/** US dollars: cents for larger sums, six decimals for the fractions of a cent batches often cost. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(6)}`;
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const MAX_EXCERPT = 160;

const clip = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_EXCERPT ? `${flat.slice(0, MAX_EXCERPT - 1)}…` : flat;
};

type Answer = {
  choices?: { message?: { content?: unknown; tool_calls?: unknown[] }; text?: unknown }[];
  data?: { embedding?: unknown[] }[];
  output?: { content?: { text?: unknown }[] }[];
};

/** The readable part of an answer: chat or completion text, a response's text, an embedding's size. */
function answerText(response: unknown): string {
  const answer = (response ?? {}) as Answer;
  const choice = answer.choices?.[0];
  if (typeof choice?.message?.content === 'string') return choice.message.content;
  if (choice?.message?.tool_calls?.length) return `${choice.message.tool_calls.length} tool call(s)`;
  if (typeof choice?.text === 'string') return choice.text;
  const embedding = answer.data?.[0]?.embedding;
  if (Array.isArray(embedding)) return `embedding of ${embedding.length} dimensions`;
  const texts = (answer.output ?? []).flatMap((item) => item.content ?? []).map((part) => part.text);
  if (texts.some((text) => typeof text === 'string')) return texts.filter((t) => typeof t === 'string').join(' ');
  return JSON.stringify(response);
}

/** One line of a results table: the answer's text, or the error's type and message. */
export function resultExcerpt(result: BatchResult): string {
  if (result.error) return clip(`${result.error.type}: ${result.error.message}`);
  return clip(answerText(result.response));
}
