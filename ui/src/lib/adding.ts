// Pure helpers for adding a token from its secret: the bases a light check listed, as
// the form offers them (pre-ticked), and the bases the form saves (ticked ones first,
// then typed ones). Tested in adding.test.ts.
import type { BaseIntent, CheckReport, PermissionLevel } from "./bindings";
import { cleanBases } from "./tokens";

export type Offered = { id: string; name: string; level: PermissionLevel | null; chosen: boolean };

/** The bases the token lists, each ticked. */
export function offeredBases(report: CheckReport): Offered[] {
  return report.bases
    .filter((b) => b.reachable)
    .map((b) => ({ id: b.id, name: b.name ?? b.id, level: b.permission_level, chosen: true }));
}

export function chosenBases(offered: Offered[]): BaseIntent[] {
  return offered.filter((b) => b.chosen).map((b) => ({ id: b.id, label: b.name, table: null }));
}

/** The ticked bases, then the typed rows; a typed row for a ticked base wins. */
export function basesToSave(offered: Offered[], typed: BaseIntent[]): BaseIntent[] {
  const rows = cleanBases(typed);
  return [...chosenBases(offered).filter((b) => !rows.some((r) => r.id === b.id)), ...rows];
}

/** What the light check said, in one sentence for the form. */
export function lookupSummary(report: CheckReport): string {
  if (report.status === "invalid") return `Airtable refuses this token: ${report.error ?? "it is revoked or mistyped"}.`;
  if (!report.user) return `Airtable could not be asked (${report.error ?? "no answer"}): type its bases and scopes below.`;
  const who = report.user.email ?? report.user.id;
  if (report.can_list_bases === false)
    return `A token of ${who}. It may not list its bases (it lacks schema.bases:read): type their ids below.`;
  const n = report.bases.filter((b) => b.reachable).length;
  return `A token of ${who}, reaching ${n} ${n === 1 ? "base" : "bases"}: untick those it is not meant for, then check them for scopes.`;
}
