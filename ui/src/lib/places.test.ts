import { describe, expect, it } from "vitest";
import type { Copy, PlaceShown, ScanReport } from "./bindings";
import { backupsFound, placeState, undoByFile, unknownCopies } from "./places";

const place = (over: Partial<PlaceShown>): PlaceShown => ({
  path: "/h/.cursor/mcp.json",
  line: 3,
  server: "airtable",
  variable: "AIRTABLE_API_KEY",
  token_id: "patAAAAAAAAAAAAA1",
  plaintext: true,
  through_vault: false,
  first_seen: "2026-12-01T00:00:00Z",
  last_seen: "2026-12-02T00:00:00Z",
  stale: false,
  backup: false,
  ...over,
});

const copy = (over: Partial<Copy>): Copy => ({
  path: "/h/app/.env",
  line: 1,
  token_id: "patAAAAAAAAAAAAA1",
  token: null,
  plaintext: false,
  stale: false,
  server: null,
  variable: null,
  backup: false,
  ...over,
});

describe("places", () => {
  it("says through the vault before stale, and stale before plaintext", () => {
    expect(placeState(place({ through_vault: true, stale: true })).tone).toBe("vault");
    expect(placeState(place({ stale: true })).tone).toBe("stale");
    expect(placeState(place({ backup: true, stale: true })).tone).toBe("backup");
    expect(placeState(place({})).tone).toBe("plaintext");
    expect(placeState(place({ plaintext: false })).tone).toBe("id");
  });

  it("lists each unknown token once, with all its places, backups left out", () => {
    const report: ScanReport = {
      found: [
        copy({}),
        copy({ path: "/h/b/.env", plaintext: true }),
        copy({ token_id: "patBBBBBBBBBBBBB2", token: "CRM" }),
        copy({ token_id: "patCCCCCCCCCCCCC3", path: "/h/x.json.before-patvault-1", backup: true }),
      ],
      wired: [],
      ticked: [],
      ambiguous: [],
      unreadable: [],
      skipped: [],
      unparsable: [],
      files_read: 4,
    };
    expect(unknownCopies(report)).toEqual([
      { token_id: "patAAAAAAAAAAAAA1", places: ["/h/app/.env:1", "/h/b/.env:1"], plaintext: true },
    ]);
  });

  it("lists each plaintext backup once with every token it holds", () => {
    const backup = "/h/p/.env.before-patvault-20261101-120000";
    const report: ScanReport = {
      found: [
        copy({ path: backup, backup: true, plaintext: true, token: "Blog" }),
        copy({ path: backup, backup: true, plaintext: true, token: "Blog", line: 2 }),
        copy({ path: backup, backup: true, plaintext: true, token_id: "patCCCCCCCCCCCCC3" }),
        copy({ path: "/h/q.json.before-patvault-1", backup: true, plaintext: false }),
        copy({ plaintext: true }),
      ],
      wired: [],
      ticked: [],
      ambiguous: [],
      unreadable: [],
      skipped: [],
      unparsable: [],
      files_read: 3,
    };
    expect(backupsFound(report)).toEqual([{ path: backup, holds: ["Blog", "patCCCCCCCCCCCCC3 (not in the vault)"] }]);
  });

  it("groups the changes to undo by file, the latest change first to go", () => {
    const made = (path: string, at: string, tokens: string[]) => ({ path, made: at, tokens });
    expect(
      undoByFile([
        made("/h/.env", "2026-12-01T10:00:00Z", ["Blog"]),
        made("/h/mcp.json", "2026-12-02T10:00:00Z", []),
        made("/h/.env", "2026-12-03T10:00:00Z", ["CRM"]),
      ]),
    ).toEqual([
      { path: "/h/.env", latest: "2026-12-03T10:00:00Z", changes: 2, tokens: ["Blog", "CRM"] },
      { path: "/h/mcp.json", latest: "2026-12-02T10:00:00Z", changes: 1, tokens: [] },
    ]);
  });
});
