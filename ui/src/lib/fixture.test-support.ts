// A token as the list shows it, for unit tests: plain defaults that each test overrides
// with the fields it is about, so a new field in TokenSummary is added here only.
import type { TokenSummary } from "./bindings";

export function summary(over: Partial<TokenSummary> = {}): TokenSummary {
  return {
    id: "0b0e0f52-8d4a-4b8e-9d55-9a1a4c7b1f00",
    name: "CRM sync",
    token_id: "patAbCdEfGh123456",
    scopes: [],
    bases: [],
    rotate_every_days: 90,
    last_rotated: "2026-09-01",
    next_due: "2026-11-30",
    rotation_state: "due_soon",
    days_left: 7,
    used_by: [],
    consumers: { consumers: [], excess_scopes: null, excess_bases: null, suggestion: null },
    notes: "",
    created_at: "2026-09-01T10:00:00Z",
    last_report: null,
    checks: [],
    lead_days: null,
    attention: [],
    why: [],
    rotations: [],
    updates_pending: [],
    found_in: [],
    old_secret_kept: false,
    ...over,
  };
}
