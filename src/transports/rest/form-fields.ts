// Multipart form fields → the values a use case takes. OpenAI's SDKs send an object field as
// bracketed parts (`expires_after[anchor]=created_at`, `expires_after[seconds]=3600`); a whole
// number arrives as text and is handed on as a number, anything else as sent (the domain checks it).
import { AppError } from '../../domain/errors.js';

const asValue = (text: string): unknown => (/^-?\d{1,15}$/.test(text.trim()) ? Number(text) : text);

/**
 * The object sent as `name[key]` parts for `keys`, or undefined when there is none. Any other field
 * of that family (`name` itself, `name[other]`) is refused rather than ignored, so that a client
 * sending it is not led to believe it took effect.
 */
export function bracketedObject(
  fields: Record<string, string>,
  name: string,
  keys: readonly string[],
): Record<string, unknown> | undefined {
  const parts = keys.map((key) => `${name}[${key}]`);
  const stray = Object.keys(fields).find(
    (field) => (field === name || field.startsWith(`${name}[`)) && !parts.includes(field),
  );
  if (stray !== undefined) {
    const how = parts.map((part) => `'${part}'`).join(' and ');
    throw new AppError('invalid_request', `Invalid field '${stray}': send ${name} as the fields ${how}.`, {
      param: stray,
    });
  }
  const entries = keys.flatMap((key) => {
    const text = fields[`${name}[${key}]`];
    return text === undefined ? [] : [[key, asValue(text)] as const];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
