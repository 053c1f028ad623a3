// ExpiresAfterInput: OpenAI's expiration policy (`expires_after`) — the file disappears `seconds`
// after its creation. Validated by the domain's ExpiresAfter schema.
import { builder } from '../builder.js';

const ExpiresAfterAnchor = builder.enumType('ExpiresAfterAnchor', {
  values: { CREATED_AT: { value: 'created_at', description: "The file's creation time." } } as const,
});

export const ExpiresAfterInput = builder.inputType('ExpiresAfterInput', {
  fields: (t) => ({
    anchor: t.field({ type: ExpiresAfterAnchor, required: true, defaultValue: 'created_at' }),
    seconds: t.int({ required: true, description: '3600 (one hour) to 2592000 (30 days).' }),
  }),
});
