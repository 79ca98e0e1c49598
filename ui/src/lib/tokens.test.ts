import { describe, expect, it } from "vitest";
import type { TokenSummary } from "./bindings";
import { summary } from "./fixture.test-support";
import { chips } from "./chips";
import {
  cleanBases,
  describeDue,
  groupScopes,
  intentOf,
  matchesFilter,
  todayIso,
} from "./tokens";

const token: TokenSummary = summary({
  scopes: ["data.records:read", "webhook:manage"],
  bases: [{ id: "appAAAAAAAAAAAAAA", label: "Sales CRM", table: "tblBBBBBBBBBBBBBB" }],
  used_by: ["Zapier: CRM sync"],
  notes: "owned by ops",
});

describe("filter", () => {
  it("matches every word anywhere, ignoring case", () => {
    expect(matchesFilter(token, "")).toBe(true);
    expect(matchesFilter(token, "crm ZAPIER")).toBe(true);
    expect(matchesFilter(token, "sales webhook")).toBe(true);
    expect(matchesFilter(token, "patabcd")).toBe(true);
    expect(matchesFilter(token, "crm backup")).toBe(false);
  });
});

describe("chips and dates", () => {
  it("marks rotation state", () => {
    expect(chips(token)[0]).toEqual({ label: "due soon", tone: "warn" });
    expect(chips({ ...token, rotation_state: "overdue" })[0].tone).toBe("bad");
  });

  it("describes the due date in words", () => {
    expect(describeDue(token)).toBe("in 7 days");
    expect(describeDue({ ...token, days_left: 0 })).toBe("today");
    expect(describeDue({ ...token, days_left: -3 })).toBe("3 days ago");
  });

  it("formats today as a local calendar date", () => {
    expect(todayIso(new Date(2028, 1, 29, 23, 59))).toBe("2028-02-29");
  });
});

describe("form conversions", () => {
  it("drops blank base rows and empties optional fields", () => {
    expect(
      cleanBases([
        { id: " appAAAAAAAAAAAAAA ", label: " ", table: null },
        { id: "", label: "", table: "" },
      ]),
    ).toEqual([{ id: "appAAAAAAAAAAAAAA", label: null, table: null }]);
  });

  it("copies intent without sharing arrays with the summary", () => {
    const intent = intentOf(token);
    intent.scopes.push("x");
    intent.bases[0].label = "changed";
    expect(token.scopes).toHaveLength(2);
    expect(token.bases[0].label).toBe("Sales CRM");
  });

  it("groups scopes in Airtable's order", () => {
    const groups = groupScopes([
      { name: "a", group: "enterprise_admin", meaning: "", short: null },
      { name: "b", group: "basic", meaning: "", short: null },
    ]);
    expect(groups.map(([g, s]) => [g, s.map((x) => x.name)])).toEqual([
      ["basic", ["b"]],
      ["enterprise_member", []],
      ["enterprise_admin", ["a"]],
    ]);
  });
});
