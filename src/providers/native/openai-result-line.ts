// One line of an OpenAI-type batch output or error file → a line outcome. A line with a
// `response` is an answer (2xx in the output file, upstream errors in the error file) whose body is
// kept as is; a line with only an `error` is a no-answer (`batch_expired`, a cancelled line, …).
import { z } from 'zod';
import type { ParsedResultLine } from './match-results.js';

const ResultLine = z.looseObject({
  id: z.string().nullish(),
  custom_id: z.string().min(1),
  response: z
    .looseObject({ status_code: z.number().int(), request_id: z.string().nullish(), body: z.unknown() })
    .nullish(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

const CANCELLED_CODES = new Set(['batch_cancelled', 'batch_canceled', 'cancelled', 'canceled']);

export function parseOpenAIResultLine(json: unknown): ParsedResultLine {
  const parsed = ResultLine.safeParse(json);
  if (!parsed.success) return { unreadable: 'not a batch result line' };
  const { custom_id: providerCustomId, response, error } = parsed.data;
  if (response) {
    const body = response.body === undefined || response.body === null ? {} : response.body;
    return {
      providerCustomId,
      outcome: {
        kind: 'answer',
        statusCode: response.status_code,
        requestId: response.request_id ?? parsed.data.id ?? null,
        body: JSON.stringify(body),
      },
    };
  }
  if (error) {
    const code = error.code && CANCELLED_CODES.has(error.code) ? 'batch_cancelled' : (error.code ?? 'provider_error');
    return { providerCustomId, outcome: { kind: 'no_answer', code, message: error.message ?? code } };
  }
  return { unreadable: 'a result line with neither response nor error' };
}
