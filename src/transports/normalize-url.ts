// One spelling per path before routing: repeated slashes collapse and dot segments (`.`, `..`,
// also percent-encoded) resolve, so `//admin/keys` and `/v1/../admin/./keys` reach the route they
// name — and its gate — instead of slipping past a check or answering an odd 404.
export function normalizeUrl(url: string): string {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (!/\/\/|\/\.|\/%2e/i.test(path)) return url;
  // The WHATWG URL parser resolves dot segments, including %2e forms; the host is a placeholder.
  const resolved = new URL(`http://host${path.replace(/\/{2,}/g, '/')}`).pathname;
  return query < 0 ? resolved : resolved + url.slice(query);
}
