// Building batch input files in tests.
export interface LineSpec {
  custom_id: string;
  body?: Record<string, unknown>;
  url?: string;
  method?: string;
}

export function chatLine(customId: string, content: string, extra: Record<string, unknown> = {}, model = 'mock-chat') {
  return {
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content }], ...extra },
  };
}

export const toJsonl = (lines: unknown[]) =>
  `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;
