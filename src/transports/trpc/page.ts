// The tRPC list shape, `{items, nextCursor}` (what useInfiniteQuery expects), from a domain page.
import type { Page } from '../../domain/files/list-files.js';

export interface CursorPage<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function toCursorPage<T extends { id: string }>(page: Page<T>): CursorPage<T> {
  return { items: page.data, nextCursor: page.hasMore ? (page.data.at(-1)?.id ?? null) : null };
}
