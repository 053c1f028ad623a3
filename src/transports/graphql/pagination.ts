// A domain page ({data, hasMore}, ordered by id) as a Relay connection. The cursor is the object id,
// which the domain's `after` takes as is: ids are unique and sort by creation, so paging forward
// never skips or repeats an object.
import type { Page } from '../../domain/files/list-files.js';

export function toConnection<T extends { id: string }>(page: Page<T>) {
  return {
    edges: page.data.map((node) => ({ node, cursor: node.id })),
    pageInfo: {
      hasNextPage: page.hasMore,
      hasPreviousPage: false,
      startCursor: page.data[0]?.id ?? null,
      endCursor: page.data.at(-1)?.id ?? null,
    },
  };
}

/** Relay's `first`/`after` as the domain's `limit`/`after` (null means "not given"). */
export const pageArgs = (args: { first?: number | null; after?: string | null }) => ({
  limit: args.first ?? undefined,
  after: args.after ?? undefined,
});
