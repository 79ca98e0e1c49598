import { describe, expect, it } from "vitest";
import type { ConsumerKind, ConsumerVerdict } from "./bindings";
import { emptyRow, needsGiven, placeOf, placesOf, rowOf, stateChip } from "./consumers";

const kinds = [
  { id: "n8n", needs_known: true, features: [{ id: "read_records" }, { id: "write_records" }] },
  { id: "custom", needs_known: false, features: [] },
] as ConsumerKind[];

describe("used-by places in the form", () => {
  it("round-trips a place through a row, lists split on commas and spaces", () => {
    const place = {
      kind: "n8n",
      label: "Leads",
      path: null,
      bases: ["appAAAAAAAAAAAAAA", "appBBBBBBBBBBBBBB"],
      needs: [],
      uses: ["read_records"],
      inferred: true,
    };
    const row = rowOf(place);
    expect(row.bases).toBe("appAAAAAAAAAAAAAA, appBBBBBBBBBBBBBB");
    expect(placesOf([row], kinds)).toEqual([place]);
    expect(placesOf([{ ...emptyRow(), label: " script ", needs: "data.records:read,  schema.bases:read" }], kinds)).toEqual([
      { kind: "custom", label: "script", path: null, bases: [], needs: ["data.records:read", "schema.bases:read"], uses: [], inferred: false },
    ]);
    expect(placesOf([emptyRow()], kinds)).toEqual([]);
    // Needs typed, then the kind changed to one whose sources state them: not sent.
    expect(placesOf([{ ...emptyRow(), kind: "n8n", label: "x", needs: "data.records:read" }], kinds)[0].needs).toEqual([]);
    // Features ticked for n8n, then the kind changed to custom: not sent.
    expect(placesOf([{ ...emptyRow(), label: "x", uses: ["read_records"] }], kinds)[0].uses).toEqual([]);
    // Saved before the catalog came: nothing is dropped unseen.
    expect(placesOf([row], [])).toEqual([place]);
  });

  it("asks for needs only where the catalog states none", () => {
    expect(needsGiven(kinds, "n8n")).toBe(false);
    expect(needsGiven(kinds, "custom")).toBe(true);
    expect(needsGiven([], "custom")).toBe(false);
  });

  it("keeps the place of a verdict, and says the verdict in a chip", () => {
    const verdict = {
      kind: "n8n",
      label: "Leads",
      kind_name: "n8n Airtable node",
      state: "will_fail",
      failures: [],
      unknown: [],
    } as unknown as ConsumerVerdict;
    expect(placeOf(verdict)).toEqual({ kind: "n8n", label: "Leads", path: null, bases: [], needs: [], uses: [], inferred: false });
    expect(stateChip(verdict)).toEqual({ label: "will fail", tone: "bad" });
  });
});
