// The tRPC list shape, `{items, nextCursor}` (what useInfiniteQuery expects), from a domain page:
// the cursor is the last object's id, or for per-line results the last line's index.
import type { Page } from '../../domain/page.js';

export interface CursorPage<T, Cursor> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: Cursor | null;
}

/** The page as `{items, nextCursor}`: the next cursor is `cursorOf` its last item while there are more. */
export function toCursorPage<T, Cursor>(page: Page<T>, cursorOf: (item: T) => Cursor): CursorPage<T, Cursor> {
  const last = page.data.at(-1);
  return { items: page.data, nextCursor: page.hasMore && last !== undefined ? cursorOf(last) : null };
}
