// Pure helpers for where tokens are used: a found place in words, the copies a scan
// found that the vault does not have (once per token ID), the backups an earlier
// migrate left, with what each holds, and the changes that can be undone, per file.
// Tested in places.test.ts.
import type { PlaceShown, ScanReport, UndoShown } from "./bindings";

export type PlaceState = { tone: "vault" | "stale" | "backup" | "plaintext" | "id"; words: string };

export function placeState(p: PlaceShown): PlaceState {
  if (p.through_vault) return { tone: "vault", words: "through the vault" };
  if (p.backup) return { tone: "backup", words: "plaintext backup: delete it" };
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

export type Backup = { path: string; holds: string[] };

/** The backups an earlier migrate left beside files, each once, with the tokens it holds. */
export function backupsFound(report: ScanReport): Backup[] {
  const byPath = new Map<string, Backup>();
  for (const c of report.found) {
    if (!c.backup || !c.plaintext) continue;
    const seen = byPath.get(c.path) ?? { path: c.path, holds: [] };
    const what = c.token ?? `${c.token_id} (not in the vault)`;
    if (!seen.holds.includes(what)) seen.holds.push(what);
    byPath.set(c.path, seen);
  }
  return [...byPath.values()];
}

export type UndoFile = { path: string; latest: string; changes: number; tokens: string[] };

/** The changes that can be undone, one entry per file: undo takes back the latest first. */
export function undoByFile(records: UndoShown[]): UndoFile[] {
  const byPath = new Map<string, UndoFile>();
  for (const r of records) {
    const seen = byPath.get(r.path) ?? { path: r.path, latest: r.made, changes: 0, tokens: [] };
    seen.changes += 1;
    if (r.made > seen.latest) seen.latest = r.made;
    for (const t of r.tokens) if (!seen.tokens.includes(t)) seen.tokens.push(t);
    byPath.set(r.path, seen);
  }
  return [...byPath.values()];
}
