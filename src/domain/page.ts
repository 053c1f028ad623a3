// A page of a list: its items (in the list's order) and whether more follow. Every list use case
// answers one; each face turns it into its own shape (OpenAI list, Relay connection, tRPC cursor).
export interface Page<T> {
  data: T[];
  hasMore: boolean;
}
