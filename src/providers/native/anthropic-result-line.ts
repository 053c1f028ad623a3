// One line of an Anthropic Message Batch results file → a line outcome: `succeeded` is a 200
// `chat.completion`; `errored` carries the nested `error.error{type,message}`, mapped to its status
// and an OpenAI error body; `canceled` and `expired` are no-answers.
import { z } from 'zod';
import { NO_ANSWER_MESSAGES } from '../../db/queries/no-answer.js';
import { readAnthropicError, statusOfAnthropicError, toOpenAIError } from '../anthropic/errors.js';
import { AnthropicMessage, messageToChat } from '../anthropic/message-to-chat.js';
import type { ParsedResultLine } from './match-results.js';

const ResultLine = z.looseObject({
  custom_id: z.string().min(1),
  result: z.looseObject({ type: z.string(), message: z.unknown().optional(), error: z.unknown().optional() }),
});

/** `created` (unix seconds) for the chat.completions: the batch's end, as messages carry no time. */
export function parseAnthropicResultLine(json: unknown, created: number): ParsedResultLine {
  const parsed = ResultLine.safeParse(json);
  if (!parsed.success) return { unreadable: 'not a message batch result line' };
  const { custom_id: providerCustomId, result } = parsed.data;
  switch (result.type) {
    case 'succeeded': {
      const message = AnthropicMessage.safeParse(result.message);
      if (!message.success) {
        const problem = 'Anthropic reported success with a result that is not a message';
        const error = toOpenAIError({ type: 'upstream_error', message: problem }, 'invalid_upstream_response');
        return { providerCustomId, outcome: answer(502, null, error) };
      }
      const body = messageToChat(message.data, created);
      return { providerCustomId, outcome: answer(200, message.data.id, body) };
    }
    case 'errored': {
      const detail = readAnthropicError(result.error) ?? { type: 'api_error', message: 'errored', requestId: null };
      return {
        providerCustomId,
        outcome: answer(statusOfAnthropicError(detail.type), detail.requestId, toOpenAIError(detail)),
      };
    }
    case 'canceled':
      return { providerCustomId, outcome: noAnswer('batch_cancelled') };
    case 'expired':
      return { providerCustomId, outcome: noAnswer('batch_expired') };
    default:
      return { unreadable: `unknown result type ${JSON.stringify(result.type)}` };
  }
}

const answer = (statusCode: number, requestId: string | null, body: unknown) =>
  ({ kind: 'answer', statusCode, requestId, body: JSON.stringify(body) }) as const;

const noAnswer = (code: 'batch_cancelled' | 'batch_expired') =>
  ({ kind: 'no_answer', code, message: NO_ANSWER_MESSAGES[code] }) as const;
