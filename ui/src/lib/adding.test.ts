import { describe, expect, it } from "vitest";
import type { BaseReach, CheckReport } from "./bindings";
import { basesToSave, lookupSummary, offeredBases } from "./adding";

const base = (id: string, name: string, reachable = true): BaseReach => ({
  id,
  name,
  permission_level: reachable ? "create" : "none",
  reachable,
  intended: false,
  scopes: {},
  reasons: {},
});

const report = (over: Partial<CheckReport>): CheckReport => ({
  checked_at: "2026-12-02T00:00:00Z",
  light: true,
  status: "ok",
  user: { id: "usrAlice", email: "alice@example.com" },
  can_list_bases: true,
  scopes: {},
  bases: [base("appCRM", "CRM"), base("appOps", "Ops"), base("appGone", "Gone", false)],
  drift: { missing_scopes: [], excess_scopes: [], missing_bases: [], excess_bases: [], unknown: [], findings: [] },
  error: null,
  requests: 2,
  ...over,
});

describe("adding from the secret", () => {
  it("offers the reachable bases ticked and saves the ticked ones with typed ones", () => {
    const offered = offeredBases(report({}));
    expect(offered.map((b) => [b.name, b.chosen])).toEqual([["CRM", true], ["Ops", true]]);
    offered[1].chosen = false;
    expect(basesToSave(offered, [{ id: " appTyped ", label: "", table: "tblX" }, { id: "", label: null, table: null }])).toEqual([
      { id: "appCRM", label: "CRM", table: null },
      { id: "appTyped", label: null, table: "tblX" },
    ]);
    expect(basesToSave(offered, [{ id: "appCRM", label: "Sales", table: null }])).toEqual([
      { id: "appCRM", label: "Sales", table: null },
    ]);
  });

  it("says who the token is, or why it cannot tell", () => {
    expect(lookupSummary(report({}))).toMatch(/^A token of alice@example.com, reaching 2 bases/);
    expect(lookupSummary(report({ can_list_bases: false }))).toMatch(/may not list its bases/);
    expect(lookupSummary(report({ status: "invalid", user: null, error: "revoked" }))).toBe("Airtable refuses this token: revoked.");
    expect(lookupSummary(report({ status: "error", user: null, error: "timed out" }))).toMatch(/could not be asked \(timed out\)/);
  });
});
