// Multipart form fields → the values a use case takes. OpenAI's SDKs send an object field as
// bracketed parts (`expires_after[anchor]=created_at`, `expires_after[seconds]=3600`); a whole
// number arrives as text and is handed on as a number, anything else as sent (the domain checks it).
const asValue = (text: string): unknown => (/^-?\d{1,15}$/.test(text.trim()) ? Number(text) : text);

/** The object sent as `name[key]` parts, or undefined when there is none. */
export function bracketedObject(fields: Record<string, string>, name: string): Record<string, unknown> | undefined {
  const prefix = `${name}[`;
  const entries = Object.entries(fields)
    .filter(([field]) => field.startsWith(prefix) && field.endsWith(']'))
    .map(([field, value]) => [field.slice(prefix.length, -1), asValue(value)] as const);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
