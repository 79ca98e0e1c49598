// Pure helpers behind the views: filtering, dates, form conversions. No I/O here,
// so each is tested on its own (tokens.test.ts).
import type { BaseIntent, ScopeGroup, ScopeInfo, TokenIntent, TokenSummary } from "./bindings";
import { DEFAULT_ROTATION_DAYS } from "./bindings";
import { placeOf } from "./consumers";

export function describeDue(t: TokenSummary): string {
  const d = t.days_left;
  if (d === 0) return "today";
  if (d === 1) return "tomorrow";
  if (d > 0) return `in ${d} days`;
  return d === -1 ? "1 day ago" : `${-d} days ago`;
}

/** Every word of the query must appear somewhere in the token's visible fields. */
export function matchesFilter(t: TokenSummary, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [
    t.name,
    t.token_id ?? "",
    ...t.scopes,
    ...t.bases.flatMap((b) => [b.id, b.label ?? "", b.table ?? ""]),
    ...t.used_by,
    t.notes,
  ]
    .join("\n")
    .toLowerCase();
  return words.every((w) => haystack.includes(w));
}

export function todayIso(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function emptyIntent(today: string): TokenIntent {
  return {
    name: "",
    scopes: [],
    bases: [],
    rotate_every_days: DEFAULT_ROTATION_DAYS,
    last_rotated: today,
    lead_days: null,
    used_by: [],
    notes: "",
  };
}

export function intentOf(t: TokenSummary): TokenIntent {
  return {
    name: t.name,
    scopes: [...t.scopes],
    bases: t.bases.map((b) => ({ ...b })),
    rotate_every_days: t.rotate_every_days,
    last_rotated: t.last_rotated,
    lead_days: t.lead_days,
    used_by: t.consumers.consumers.map(placeOf),
    notes: t.notes,
  };
}

/** Base rows as the form edits them; rows left entirely blank are dropped. */
export function cleanBases(rows: BaseIntent[]): BaseIntent[] {
  return rows
    .map((b) => ({
      id: b.id.trim(),
      label: b.label?.trim() || null,
      table: b.table?.trim() || null,
    }))
    .filter((b) => b.id || b.label || b.table);
}

export const GROUP_TITLES: Record<ScopeGroup, string> = {
  basic: "Basic",
  enterprise_member: "Enterprise member",
  enterprise_admin: "Enterprise admin",
};

export function groupScopes(catalog: readonly ScopeInfo[]): [ScopeGroup, ScopeInfo[]][] {
  const order: ScopeGroup[] = ["basic", "enterprise_member", "enterprise_admin"];
  return order.map((g) => [g, catalog.filter((s) => s.group === g)] as [ScopeGroup, ScopeInfo[]]);
}
