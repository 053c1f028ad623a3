// The API key of this browser tab: kept in sessionStorage (gone when the tab closes), readable by
// any component through a tiny external store.
import { useSyncExternalStore } from 'react';

const STORAGE_KEY = 'batchgate.apiKey';
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const read = () => sessionStorage.getItem(STORAGE_KEY);

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  else sessionStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

export const useApiKey = (): string | null => useSyncExternalStore(subscribe, read);
