// A domain page ({data, hasMore}) as a Relay connection. The cursor is what the domain's `after`
// takes as is: the object id (ids are unique and sort by creation), or a result's line index, so
// paging forward never skips or repeats an item.
import type { Page } from '../../domain/page.js';

export function toConnection<T extends { id: string }>(page: Page<T>) {
  return connectionOf(page, (node) => node.id);
}

/** Per-line results: the cursor is the line index. */
export function toIndexConnection<T extends { index: number }>(page: Page<T>) {
  return connectionOf(page, (node) => String(node.index));
}

function connectionOf<T>(page: Page<T>, cursorOf: (node: T) => string) {
  const cursors = page.data.map(cursorOf);
  return {
    edges: page.data.map((node, i) => ({ node, cursor: cursors[i]! })),
    pageInfo: {
      hasNextPage: page.hasMore,
      hasPreviousPage: false,
      startCursor: cursors[0] ?? null,
      endCursor: cursors.at(-1) ?? null,
    },
  };
}

/** Relay's `first`/`after` as the domain's `limit`/`after` (null means "not given"). */
export const pageArgs = (args: { first?: number | null; after?: string | null }) => ({
  limit: args.first ?? undefined,
  after: args.after ?? undefined,
});
