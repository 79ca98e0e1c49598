// What a check found, arranged for the views: a token's status chip, its intent beside
// its reach, and the matrix of tokens × bases. Pure, so each is tested on its own
// (reach.test.ts).
import { SCOPE_CATALOG, type BaseReach, type CheckReport, type Finding, type PermissionLevel, type TokenSummary, type Verdict } from "./bindings";

/** The scopes that act on a base and the word a cell shows for each, in the catalog's
 * order (Airtable's token page). */
const CELL_WORDS: [string, string][] = SCOPE_CATALOG.flatMap((s) => (s.short ? [[s.name, s.short] as [string, string]] : []));

/** The user's role in a base as people read it: `none` is an enterprise admin's access
 * without being a collaborator (Airtable's get-base-collaborators page). */
export function roleWords(level: PermissionLevel | null): string | null {
  return level === "none" ? "none (admin access?)" : level;
}

export const VERDICT_WORDS: Record<Verdict, string> = {
  granted: "granted",
  denied: "denied",
  blocked_by_role: "blocked by the user's role",
  unverifiable: "cannot be verified safely",
  not_checked: "not checked",
  error: "error",
  restricted: "refused by a table or field restriction",
  implied: "implied: held (shown on another base) and the role here allows it; not probed here",
};

export function identity(r: CheckReport | null): string {
  if (!r?.user) return "—";
  return r.user.email ? `${r.user.email} (${r.user.id})` : `${r.user.id} (email not readable: no user.email:read)`;
}

/** A base or scope against intent; `restricted` (a table's or field's permissions
 * refused something), `quota` (the workspace's monthly API calls are spent) and `gone`
 * (the intent names a table or base that is not there) outrank the rest on a base.
 * `blocked` is a scope the token holds that the role or a restriction refuses on some
 * intended bases. */
export type Mark = "ok" | "missing" | "blocked" | "excess" | "unknown" | "restricted" | "quota" | "gone";

export type ScopeRow = { scope: string; intended: boolean; verdict: Verdict | null; mark: Mark };

/** Every scope the token is meant to have or was found to have, intent beside reach. */
export function scopeRows(t: TokenSummary): ScopeRow[] {
  const r = t.last_report;
  const found = r ? Object.keys(r.scopes).filter((s) => r.scopes[s] === "granted") : [];
  const names = [...new Set([...t.scopes, ...found])].sort();
  return names.map((scope) => {
    const intended = t.scopes.includes(scope);
    const verdict = r?.scopes[scope] ?? null;
    let mark: Mark = "unknown";
    if (verdict === "restricted") mark = "restricted";
    else if (r?.drift.missing_scopes.includes(scope)) mark = "missing";
    else if (r?.drift.blocked_on_bases?.[scope]) mark = "blocked";
    else if (r?.drift.excess_scopes.includes(scope)) mark = "excess";
    else if (verdict === "granted" && intended) mark = "ok";
    return { scope, intended, verdict, mark };
  });
}

export type BaseRow = { id: string; name: string; intended: boolean; reach: BaseReach | null; mark: Mark };

/** Every base the token is meant to reach or was found to reach. */
export function baseRows(t: TokenSummary): BaseRow[] {
  const r = t.last_report;
  const rows = new Map<string, BaseRow>();
  for (const b of t.bases) {
    rows.set(b.id, { id: b.id, name: b.label ?? b.id, intended: true, reach: null, mark: "unknown" });
  }
  for (const b of r?.bases ?? []) {
    if (!b.reachable && !b.intended) continue;
    const row = rows.get(b.id) ?? { id: b.id, name: b.name ?? b.id, intended: false, reach: null, mark: "unknown" };
    row.reach = b;
    rows.set(b.id, row);
  }
  for (const row of rows.values()) row.mark = r ? baseMark(r, row.id) : "unknown";
  return [...rows.values()].sort((a, b) => Number(b.intended) - Number(a.intended) || a.name.localeCompare(b.name));
}

/** A base's drift: missing when something meant to work there does not, blocked when a
 * scope the token holds is refused there by the role or a restriction, excess when the
 * token reaches it unintended or a scope it should not have works there. */
function baseMark(r: CheckReport, base: string): Mark {
  const reach = r.bases.find((b) => b.id === base);
  if (reach?.quota_exhausted) return "quota";
  if (reach?.not_found) return "gone";
  if (reach && Object.values(reach.scopes).includes("restricted")) return "restricted";
  const here = r.drift.findings.filter((f) => f.base === base);
  const verdictHere = (scope: string) => reach?.scopes[scope];
  const refusedHere = r.drift.missing_scopes.some((s) => ["denied", "blocked_by_role"].includes(verdictHere(s) ?? ""));
  if (r.drift.missing_bases.includes(base) || here.some((f) => f.kind.startsWith("missing")) || (reach?.intended && refusedHere)) {
    return "missing";
  }
  if (Object.values(r.drift.blocked_on_bases ?? {}).some((bases) => bases.includes(base))) return "blocked";
  const excessHere = r.drift.excess_scopes.some((s) => verdictHere(s) === "granted");
  if (r.drift.excess_bases?.includes(base) || here.some((f) => f.kind.startsWith("excess")) || excessHere) return "excess";
  if (!reach?.reachable || Object.values(reach.scopes).includes("error")) return "unknown";
  return "ok";
}

/** Findings that say something will break (or the intent is out of date) come first. */
export function breaks(f: Finding): boolean {
  return f.kind !== "excess_scope" && f.kind !== "excess_base";
}

export function findingsOf(t: TokenSummary): Finding[] {
  const findings = t.last_report?.drift.findings ?? [];
  return [...findings].sort((a, b) => Number(breaks(b)) - Number(breaks(a)));
}

/** Short names of the scopes a table or field restriction refused on a base. */
export function restrictedShort(reach: BaseReach): string[] {
  return CELL_WORDS.filter(([scope]) => reach.scopes[scope] === "restricted").map(([, short]) => short);
}

export function grantedShort(reach: BaseReach): string[] {
  return CELL_WORDS.filter(([scope]) => reach.scopes[scope] === "granted").map(([, short]) => short);
}

/** Short names of the scopes held by the token and allowed by the role here, not probed
 * here: a table restriction or a spent quota is not ruled out. */
export function impliedShort(reach: BaseReach): string[] {
  return CELL_WORDS.filter(([scope]) => reach.scopes[scope] === "implied").map(([, short]) => short);
}

/** A base a full check can be asked to probe in full. */
export type Pickable = { id: string; name: string; intended: boolean; role: string | null; implied: number };

/** The bases a token's last check found it reaches, in Airtable's order: each may be
 * picked for the next full check to ask every scope, so that its verdicts are probed
 * answers; `implied` counts those that are not yet. */
export function probeable(t: TokenSummary): Pickable[] {
  return (t.last_report?.bases ?? [])
    .filter((b) => b.reachable)
    .map((b) => ({
      id: b.id,
      name: b.name ?? b.id,
      intended: b.intended,
      role: roleWords(b.permission_level),
      implied: Object.values(b.scopes).filter((v) => v === "implied").length,
    }));
}

export type Cell = {
  /** The user's role, in words. */
  level: string | null;
  granted: string[];
  implied: string[];
  restricted: string[];
  tone: Mark | "unchecked" | "failed";
  title: string;
};

/** What each tone of a cell means, for the legend and the hover text. */
export const TONE_WORDS: Record<Cell["tone"], string> = {
  ok: "as meant",
  missing: "will break",
  blocked: "blocked here: will break",
  excess: "over-privileged",
  unknown: "could not tell",
  restricted: "table restriction",
  quota: "monthly quota used up",
  gone: "not found: intent out of date",
  unchecked: "not checked",
  failed: "check failed",
};

export type Matrix = {
  bases: { id: string; name: string }[];
  rows: { token: TokenSummary; cells: Record<string, Cell | null> }[];
};

/** Tokens × every base any token reaches or is meant to reach. With `base`, only the
 * tokens that reach that base. */
export function matrix(tokens: TokenSummary[], base: string | null = null): Matrix {
  const names = new Map<string, string>();
  for (const t of tokens) {
    for (const b of t.bases) if (b.label && !names.has(b.id)) names.set(b.id, b.label);
    for (const b of t.last_report?.bases ?? []) {
      if (b.reachable || b.intended) names.set(b.id, b.name ?? names.get(b.id) ?? b.id);
    }
    for (const b of t.bases) if (!names.has(b.id)) names.set(b.id, b.id);
  }
  const bases = [...names]
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const shown = base ? tokens.filter((t) => reaches(t, base)) : tokens;
  return {
    bases,
    rows: shown.map((token) => ({ token, cells: Object.fromEntries(bases.map((b) => [b.id, cell(token, b.id)])) })),
  };
}

export function reaches(t: TokenSummary, base: string): boolean {
  return t.last_report?.bases.some((b) => b.id === base && b.reachable) ?? false;
}

function cell(t: TokenSummary, base: string): Cell | null {
  const intended = t.bases.some((b) => b.id === base);
  const r = t.last_report;
  if (!r) {
    return intended
      ? { level: null, granted: [], implied: [], restricted: [], tone: "unchecked", title: "meant to reach it; not checked yet" }
      : null;
  }
  const reach = r.bases.find((b) => b.id === base) ?? null;
  if (!reach?.reachable && !intended) return null;
  if (!reach && (r.status === "invalid" || r.status === "error")) {
    return { level: null, granted: [], implied: [], restricted: [], tone: "failed", title: r.error ?? "the check failed" };
  }
  const tone = baseMark(r, base);
  const granted = reach ? grantedShort(reach) : [];
  const why = r.drift.findings.filter((f) => f.base === base).map((f) => f.explanation);
  const verdicts = reach
    ? CELL_WORDS.filter(([s]) => reach.scopes[s]).map(([s]) => {
        const verdict = reach.scopes[s];
        const reason = ["restricted", "error"].includes(verdict) ? reach.reasons[s] : undefined;
        return `${s}: ${VERDICT_WORDS[verdict]}${reason ? ` (${reason})` : ""}`;
      })
    : [];
  const spent = reach?.quota_exhausted
    ? ["The workspace's monthly Airtable API quota is used up: wait for next month, or move the base to a plan with more API calls."]
    : [];
  return {
    level: roleWords(reach?.permission_level ?? null),
    granted,
    implied: reach ? impliedShort(reach) : [],
    restricted: reach ? restrictedShort(reach) : [],
    tone,
    title: [TONE_WORDS[tone], ...spent, ...why, ...verdicts].join("\n"),
  };
}

/** "about 3 min" / "about 45 s", for the expected length of a check. */
export function describeSeconds(seconds: number): string {
  if (seconds < 90) return `about ${seconds} s`;
  return `about ${Math.round(seconds / 60)} min`;
}

/** How the token's reach changed since its earlier checks showed it, in words; null when
 * it did not, or nothing could tell. */
export function changeLines(r: CheckReport | null): { tone: "missing" | "excess"; lines: string[]; since: string } | null {
  const c = r?.changed_since_last;
  if (!c) return null;
  return { tone: c.shrank ? "missing" : "excess", lines: c.summary, since: c.since };
}
