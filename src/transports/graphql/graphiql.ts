// The GraphiQL page from the installed @graphql-yoga/render-graphiql: its scripts, styles and editor
// workers are inlined in the page, so the playground loads with no request leaving the gateway
// (Yoga's default page pulls them from a CDN). The page is ~9 MB: the module is imported on the
// first request for the page (not at start, ~40 MB of memory a worker never needs) and the page
// rendered once per set of options.
import type { GraphiQLOptions } from 'graphql-yoga';

const rendered = new Map<string, string>();

export async function offlineGraphiQL(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  let page = rendered.get(key);
  if (page === undefined) {
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    page = renderGraphiQL(options);
    rendered.set(key, page);
  }
  return page;
}
