// Client-side routes under /ui/ on the History API: the current path as React state, `navigate`,
// and a `Link` that behaves like a plain link for modified clicks (new tab, …).
import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

export const BASE = '/ui';

export type Route =
  | { page: 'batches' }
  | { page: 'batch'; id: string }
  | { page: 'files' }
  | { page: 'models' }
  | { page: 'not-found' };

const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};
window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const usePath = (): string => useSyncExternalStore(subscribe, () => window.location.pathname);

export function navigate(to: string): void {
  if (to === window.location.pathname) return;
  window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

export const paths = {
  batches: () => `${BASE}/`,
  batch: (id: string) => `${BASE}/batches/${encodeURIComponent(id)}`,
  files: () => `${BASE}/files`,
  models: () => `${BASE}/models`,
};

export function matchRoute(path: string): Route {
  const rest = path.startsWith(BASE) ? path.slice(BASE.length).replace(/\/+$/, '') : null;
  if (rest === null) return { page: 'not-found' };
  if (rest === '' || rest === '/batches') return { page: 'batches' };
  if (rest === '/files') return { page: 'files' };
  if (rest === '/models') return { page: 'models' };
  const batch = /^\/batches\/([^/]+)$/.exec(rest);
  if (batch) return { page: 'batch', id: decodeURIComponent(batch[1]!) };
  return { page: 'not-found' };
}

export function Link({ to, ...props }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    props.onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    navigate(to);
  };
  return <a {...props} href={to} onClick={onClick} />;
}
