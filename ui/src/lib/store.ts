// Where the vault keeps its secrets, in the user's words: the app says it when a secret
// is saved, replaced or removed.
import type { StoreReport } from "./bindings";

export function storeName(store: StoreReport | null | undefined): string {
  if (!store) return "the vault's store";
  return store.described;
}
