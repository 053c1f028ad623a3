// The tRPC list shape, `{items, nextCursor}` (what useInfiniteQuery expects), from a domain page:
// the cursor is the last object's id, or for per-line results the last line's index.
import type { Page } from '../../domain/page.js';

export interface CursorPage<T, Cursor = string> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: Cursor | null;
}

export function toCursorPage<T extends { id: string }>(page: Page<T>): CursorPage<T> {
  return { items: page.data, nextCursor: page.hasMore ? (page.data.at(-1)?.id ?? null) : null };
}

export function toIndexPage<T extends { index: number }>(page: Page<T>): CursorPage<T, number> {
  return { items: page.data, nextCursor: page.hasMore ? (page.data.at(-1)?.index ?? null) : null };
}
