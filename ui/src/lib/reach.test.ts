import { describe, expect, it } from "vitest";
import type { BaseReach, CheckReport, TokenSummary } from "./bindings";
import { summary } from "./fixture.test-support";
import { baseRows, changeLines, describeSeconds, findingsOf, identity, matrix, probeable, roleWords, scopeRows } from "./reach";
import { checkChip } from "./chips";

const CRM = "appCRMCRMCRMCRM01";
const HR = "appHRHRHRHRHRHR01";
const OPS = "appOPSOPSOPSOPS01";

function reach(id: string, name: string, over: Partial<BaseReach> = {}): BaseReach {
  return { id, name, permission_level: "create", reachable: true, intended: false, scopes: {}, reasons: {}, ...over };
}

const report: CheckReport = {
  checked_at: "2026-11-23T10:00:00Z",
  light: false,
  status: "drift",
  user: { id: "usrAlice", email: null },
  can_list_bases: true,
  scopes: {
    "data.records:read": "granted",
    "webhook:manage": "granted",
    "schema.bases:read": "granted",
    "data.records:write": "denied",
    "user.email:read": "granted",
  },
  bases: [
    reach(CRM, "CRM", {
      intended: true,
      scopes: { "schema.bases:read": "granted", "data.records:read": "granted", "webhook:manage": "granted", "data.records:write": "denied" },
    }),
    reach(HR, "HR", { intended: true, reachable: false, permission_level: null }),
    reach(OPS, "Ops", { permission_level: "read", scopes: { "data.records:read": "granted", "webhook:manage": "blocked_by_role" } }),
  ],
  drift: {
    missing_scopes: [],
    excess_scopes: ["user.email:read"],
    missing_bases: [HR],
    excess_bases: [OPS],
    unknown: [],
    findings: [
      { kind: "excess_scope", scope: "user.email:read", base: null, cause: "scope", explanation: "reads emails", fix: "remove it" },
      { kind: "missing_base", scope: null, base: HR, cause: "base_grant", explanation: "cannot reach HR", fix: "add HR" },
      { kind: "excess_base", scope: null, base: OPS, cause: "base_grant", explanation: "reaches Ops", fix: "remove Ops" },
    ],
  },
  error: null,
  requests: 12,
};

const checked: TokenSummary = summary({
  scopes: ["data.records:read", "schema.bases:read", "webhook:manage"],
  bases: [
    { id: CRM, label: "Sales CRM", table: null },
    { id: HR, label: null, table: null },
  ],
  last_report: report,
});
const unchecked: TokenSummary = { ...checked, id: "1b0e0f52-8d4a-4b8e-9d55-9a1a4c7b1f00", name: "Backup", bases: [{ id: HR, label: "People", table: null }], last_report: null };

describe("token status", () => {
  it("says unchecked, drift, invalid or failed", () => {
    expect(checkChip(unchecked)).toEqual({ label: "unchecked", tone: "muted" });
    expect(checkChip(checked)).toEqual({ label: "drift", tone: "warn" });
    expect(checkChip({ ...checked, last_report: { ...report, status: "invalid" } }).tone).toBe("bad");
    expect(checkChip({ ...checked, last_report: { ...report, status: "ok", light: true } }).label).toBe("reach ok (light)");
  });

  it("names the user by email when it may, else by id with the reason", () => {
    expect(identity(report)).toMatch(/^usrAlice \(email not readable/);
    expect(identity({ ...report, user: { id: "usrAlice", email: "alice@example.com" } })).toBe("alice@example.com (usrAlice)");
    expect(identity(null)).toBe("—");
  });
});

describe("intent beside reach", () => {
  it("marks excess scopes and leaves intended granted ones ok", () => {
    const rows = scopeRows(checked);
    expect(rows.map((r) => [r.scope, r.intended, r.verdict, r.mark])).toEqual([
      ["data.records:read", true, "granted", "ok"],
      ["schema.bases:read", true, "granted", "ok"],
      ["user.email:read", false, "granted", "excess"],
      ["webhook:manage", true, "granted", "ok"],
    ]);
  });

  it("marks a missing intended base and an excess reached one, intended first", () => {
    const rows = baseRows(checked);
    expect(rows.map((r) => [r.id, r.intended, r.mark])).toEqual([
      [HR, true, "missing"],
      [CRM, true, "ok"],
      [OPS, false, "excess"],
    ]);
    expect(rows.find((r) => r.id === CRM)?.name).toBe("Sales CRM");
    expect(baseRows(unchecked).map((r) => r.mark)).toEqual(["unknown"]);
  });

  it("lists what will break before what is over-privileged", () => {
    expect(findingsOf(checked).map((f) => f.kind)).toEqual(["missing_base", "excess_scope", "excess_base"]);
  });
});

describe("reach matrix", () => {
  it("has a column for every base reached or intended, and colours each cell", () => {
    const m = matrix([checked, unchecked]);
    expect(m.bases.map((b) => b.name)).toEqual(["CRM", "HR", "Ops"]);
    const [first, second] = m.rows;
    // The cells name the scopes in the catalog's order, Airtable's token page.
    expect(first.cells[CRM]).toMatchObject({ level: "create", granted: ["records", "schema", "webhooks"], tone: "ok" });
    expect(first.cells[HR]?.tone).toBe("missing");
    expect(first.cells[OPS]).toMatchObject({ level: "read", granted: ["records"], tone: "excess" });
    expect(first.cells[OPS]?.title).toMatch(/over-privileged\nreaches Ops\n.*webhook:manage: blocked by the user's role/s);
    expect(second.cells[HR]?.tone).toBe("unchecked");
    expect(second.cells[CRM]).toBeNull();
  });

  it("marks a base where an unintended scope works, or an intended one is refused", () => {
    const writes = { ...report, drift: { ...report.drift, excess_scopes: ["webhook:manage"] } };
    expect(matrix([{ ...checked, last_report: writes }]).rows[0].cells[CRM]?.tone).toBe("excess");
    const refused = { ...report, drift: { ...report.drift, missing_scopes: ["data.records:write"] } };
    expect(matrix([{ ...checked, last_report: refused }]).rows[0].cells[CRM]?.tone).toBe("missing");
    // Ops is not intended: a refusal there breaks nothing.
    expect(matrix([{ ...checked, last_report: refused }]).rows[0].cells[OPS]?.tone).toBe("excess");
  });

  it("filters to the tokens that reach one base", () => {
    expect(matrix([checked, unchecked], OPS).rows.map((r) => r.token.name)).toEqual(["CRM sync"]);
    expect(matrix([checked, unchecked], HR).rows).toEqual([]);
  });

  it("shows a failed check on the bases the token was meant to reach", () => {
    const failed = { ...checked, last_report: { ...report, status: "invalid" as const, bases: [], error: "revoked" } };
    expect(matrix([failed]).rows[0].cells[HR]).toMatchObject({ tone: "failed", title: "revoked" });
  });

  it("says durations in seconds or minutes", () => {
    expect(describeSeconds(45)).toBe("about 45 s");
    expect(describeSeconds(200)).toBe("about 3 min");
  });
});

describe("table restrictions, a spent quota and a table gone", () => {
  const SALES = "appSales000000000";
  const SPENT = "appSpent000000000";
  const GONE = "appGone0000000000";
  const edge: CheckReport = {
    ...report,
    status: "error",
    scopes: { "data.records:write": "restricted", "data.records:read": "granted" },
    bases: [
      reach(SALES, "Sales", {
        intended: true,
        permission_level: "edit",
        scopes: { "data.records:read": "granted", "data.records:write": "restricted" },
        reasons: { "data.records:write": "You are not permitted to create records in table Deals (tblDeals)" },
      }),
      reach(SPENT, "Spent", {
        intended: true,
        scopes: { "schema.bases:read": "granted", "data.records:read": "error" },
        reasons: { "data.records:read": "the workspace's monthly Airtable API quota is used up" },
        quota_exhausted: true,
      }),
      reach(GONE, "Gone", { intended: true, scopes: { "data.records:read": "error" }, not_found: "table" }),
    ],
    drift: {
      missing_scopes: ["data.records:write"],
      excess_scopes: [],
      missing_bases: [],
      excess_bases: [],
      unknown: [],
      findings: [
        { kind: "excess_scope", scope: "x", base: null, cause: "scope", explanation: "too much", fix: "remove" },
        { kind: "not_found", scope: null, base: GONE, cause: "intent", explanation: "table gone", fix: "Update the intent" },
        { kind: "missing_scope", scope: "data.records:write", base: SALES, cause: "table_permissions", explanation: "restricted", fix: "open the table's permissions" },
      ],
    },
    error: "the monthly Airtable API quota is used up for the workspace of “Spent”",
  };
  const token = summary({
    scopes: ["data.records:read", "data.records:write"],
    bases: [SALES, SPENT, GONE].map((id) => ({ id, label: null, table: null })),
    last_report: edge,
  });

  it("gives each its own tone, with the reason in the hover text", () => {
    const cells = matrix([token]).rows[0].cells;
    expect(cells[SALES]?.tone).toBe("restricted");
    expect(cells[SALES]?.restricted).toEqual(["records✎"]);
    expect(cells[SALES]?.granted).toEqual(["records"]);
    expect(cells[SALES]?.title).toContain("table restriction");
    expect(cells[SALES]?.title).toContain("You are not permitted to create records in table Deals");
    expect(cells[SPENT]?.tone).toBe("quota");
    expect(cells[SPENT]?.title).toContain("monthly Airtable API quota is used up");
    expect(cells[GONE]?.tone).toBe("gone");
    expect(checkChip(token)).toEqual({ label: "quota used up", tone: "bad" });
  });

  it("marks the restricted scope as such and puts what breaks first", () => {
    expect(scopeRows(token).find((s) => s.scope === "data.records:write")?.mark).toBe("restricted");
    expect(baseRows(token).map((b) => b.mark)).toEqual(["gone", "restricted", "quota"]);
    expect(findingsOf(token).map((f) => f.kind)).toEqual(["not_found", "missing_scope", "excess_scope"]);
  });
});

describe("a held scope blocked on some bases, an admin's base, and a change since the last check", () => {
  const blockedOnOps: CheckReport = {
    ...report,
    scopes: { ...report.scopes, "data.records:write": "granted" },
    bases: [
      reach(CRM, "CRM", { intended: true, scopes: { "data.records:write": "granted" } }),
      reach(OPS, "Ops", { intended: true, permission_level: "read", scopes: { "data.records:write": "blocked_by_role" } }),
      reach(HR, "HR", { permission_level: "none", scopes: { "data.records:read": "granted" } }),
    ],
    drift: {
      missing_scopes: [],
      blocked_on_bases: { "data.records:write": [OPS] },
      excess_scopes: [],
      missing_bases: [],
      excess_bases: [HR],
      unknown: [],
      findings: [
        { kind: "blocked_on_base", scope: "data.records:write", base: OPS, cause: "role", explanation: "role there is read", fix: "raise it" },
        { kind: "excess_base", scope: null, base: HR, cause: "base_grant", explanation: "reaches HR", fix: "remove HR" },
      ],
    },
    changed_since_last: {
      since: "2026-11-22T10:00:00Z",
      scopes_gained: ["data.records:write"],
      scopes_lost: [],
      bases_gained: [],
      bases_lost: [OPS],
      roles_changed: [],
      user_changed: null,
      shrank: true,
      grew: true,
      summary: ["scopes gained: data.records:write", `bases lost: ${OPS}`],
    },
  };
  const token = summary({
    scopes: ["data.records:write"],
    bases: [CRM, OPS].map((id) => ({ id, label: null, table: null })),
    last_report: blockedOnOps,
  });

  it("marks the scope blocked, not missing, and the base where it is blocked", () => {
    expect(scopeRows(token).find((s) => s.scope === "data.records:write")?.mark).toBe("blocked");
    const cells = matrix([token]).rows[0].cells;
    expect(cells[OPS]?.tone).toBe("blocked");
    expect(cells[OPS]?.title).toContain("role there is read");
    expect(cells[CRM]?.tone).toBe("ok");
  });

  it("shows what is implied apart from what was probed", () => {
    const implied: CheckReport = {
      ...blockedOnOps,
      bases: [
        ...blockedOnOps.bases.slice(0, 2),
        reach(HR, "HR", { permission_level: "create", scopes: { "data.records:read": "granted", "data.records:write": "implied" } }),
      ],
    };
    const cell = matrix([{ ...token, last_report: implied }]).rows[0].cells[HR];
    expect(cell?.granted).toEqual(["records"]);
    expect(cell?.implied).toEqual(["records✎"]);
    expect(cell?.title).toContain("data.records:write: implied: held (shown on another base)");
  });

  it("offers each reached base to probe in full, in Airtable's order, with what is only implied there", () => {
    const implied: CheckReport = {
      ...blockedOnOps,
      bases: [
        reach(HR, "HR", { permission_level: "create", scopes: { "data.records:read": "implied", "webhook:manage": "implied" } }),
        reach(OPS, "Ops", { intended: true, permission_level: "read", scopes: { "data.records:read": "granted" } }),
        reach(CRM, "CRM", { intended: true, reachable: false, permission_level: null }),
      ],
    };
    expect(probeable({ ...token, last_report: implied })).toEqual([
      { id: HR, name: "HR", intended: false, role: "create", implied: 2 },
      { id: OPS, name: "Ops", intended: true, role: "read", implied: 0 },
    ]);
    expect(probeable({ ...token, last_report: null })).toEqual([]);
    // Reached only by implication, HR is still reached, and over-privileged.
    const onHr = matrix([{ ...token, last_report: implied }], HR);
    expect(onHr.rows.length).toBe(1);
    expect(onHr.rows[0].cells[HR]?.tone).toBe("excess");
  });

  it("names an admin's role for what it is", () => {
    expect(matrix([token]).rows[0].cells[HR]?.level).toBe("none (admin access?)");
    expect(roleWords("edit")).toBe("edit");
    expect(roleWords(null)).toBeNull();
  });

  it("says how the reach changed, shrinking first", () => {
    expect(changeLines(blockedOnOps)).toEqual({
      tone: "missing",
      since: "2026-11-22T10:00:00Z",
      lines: ["scopes gained: data.records:write", `bases lost: ${OPS}`],
    });
    expect(changeLines(report)).toBeNull();
  });
});
