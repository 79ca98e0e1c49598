// Pure helpers for where tokens are used: a found place in words, and the copies a scan
// found that the vault does not have, once per token ID. Tested in places.test.ts.
import type { PlaceShown, ScanReport } from "./bindings";

export type PlaceState = { tone: "vault" | "stale" | "plaintext" | "id"; words: string };

export function placeState(p: PlaceShown): PlaceState {
  if (p.through_vault) return { tone: "vault", words: "through the vault" };
  if (p.stale) return { tone: "stale", words: "stale: holds the old token" };
  if (p.plaintext) return { tone: "plaintext", words: "plaintext secret" };
  return { tone: "id", words: "token ID only" };
}

export type Unknown = { token_id: string; places: string[]; plaintext: boolean };

/** Tokens found on disk that are in no vault token, migrate backups left out. */
export function unknownCopies(report: ScanReport): Unknown[] {
  const byId = new Map<string, Unknown>();
  for (const c of report.found) {
    if (c.token !== null || c.backup) continue;
    const seen = byId.get(c.token_id) ?? { token_id: c.token_id, places: [], plaintext: false };
    seen.places.push(`${c.path}:${c.line}`);
    seen.plaintext ||= c.plaintext;
    byId.set(c.token_id, seen);
  }
  return [...byId.values()];
}
