// Turn a provider's results files into per-line outcomes: read each file as a stream of JSONL
// lines, parse each with the provider's line parser, find the input line it names, and report
// lines that cannot be read, name no input line, or repeat one already answered, as anomalies.
// Only the set of answered line indexes is kept, never the results themselves.
import { jsonlLines } from '../../streams/jsonl-lines.js';
import type { NativeLineLookup, NativeResult } from './native-batch.js';

export type LineOutcome =
  | { kind: 'answer'; statusCode: number; requestId: string | null; body: string }
  | { kind: 'no_answer'; code: string; message: string };

export type ParsedResultLine = { providerCustomId: string; outcome: LineOutcome } | { unreadable: string };

export interface ResultsSource {
  /** Named in anomalies: `output`, `error`, `results`. */
  name: string;
  /** Opened only when its turn comes. */
  open(): Promise<AsyncIterable<Uint8Array>>;
}

/** A results line longer than this is reported unreadable, its bytes skipped rather than gathered. */
const MAX_RESULT_LINE_BYTES = 32 * 1024 * 1024;

export async function* matchResults(
  sources: ResultsSource[],
  parse: (json: unknown) => ParsedResultLine,
  lookup: NativeLineLookup,
): AsyncGenerator<NativeResult> {
  const answered = new Set<number>();
  for (const source of sources) {
    for await (const next of jsonlLines(await source.open(), MAX_RESULT_LINE_BYTES)) {
      const lineNumber = next.line;
      const anomaly = (anomaly: 'unknown_custom_id' | 'duplicate_result' | 'unreadable_line', detail: string) =>
        ({ kind: 'anomaly', anomaly, source: source.name, lineNumber, detail }) as const;
      if (!('text' in next)) {
        yield anomaly('unreadable_line', 'line too long to be a result');
        continue;
      }
      // A byte-order mark opening a file is no part of its first line.
      const text = lineNumber === 1 ? next.text.replace(/^\uFEFF/, '') : next.text;
      if (text.trim() === '') continue;
      const parsed = parse(parseJson(text));
      if ('unreadable' in parsed) {
        yield anomaly('unreadable_line', `${parsed.unreadable}: ${text.slice(0, 200)}`);
        continue;
      }
      const line = await lookup(parsed.providerCustomId);
      if (!line) {
        yield anomaly('unknown_custom_id', `custom_id ${JSON.stringify(parsed.providerCustomId)} names no input line`);
        continue;
      }
      if (answered.has(line.lineIndex)) {
        yield anomaly('duplicate_result', `a second result for custom_id ${JSON.stringify(line.customId)}`);
        continue;
      }
      answered.add(line.lineIndex);
      yield { ...parsed.outcome, line };
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
