// The GraphiQL page from the installed @graphql-yoga/render-graphiql: its scripts, styles and editor
// workers are inlined in the page, so the playground loads with no request leaving the gateway
// (Yoga's default page pulls them from a CDN). The page is ~9 MB: rendered once per set of options.
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

const rendered = new Map<string, string>();

export function offlineGraphiQL(options: GraphiQLOptions): string {
  const key = JSON.stringify(options);
  let page = rendered.get(key);
  if (page === undefined) {
    page = renderGraphiQL(options);
    rendered.set(key, page);
  }
  return page;
}
