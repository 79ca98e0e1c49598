// A token's status chips, as the list and its page show them: its rotation, and its
// last check.
import type { TokenSummary } from "./bindings";

export type Chip = { label: string; tone: "ok" | "warn" | "bad" | "muted" };

export function rotationChip(t: TokenSummary): Chip {
  switch (t.rotation_state) {
    case "overdue":
      return { label: "overdue", tone: "bad" };
    case "due":
      return { label: "due", tone: "bad" };
    case "due_soon":
      return { label: "due soon", tone: "warn" };
    case "ok":
      return { label: "rotation ok", tone: "ok" };
  }
}

export function checkChip(t: TokenSummary): Chip {
  const r = t.last_report;
  if (!r) return { label: "unchecked", tone: "muted" };
  switch (r.status) {
    case "ok":
      return { label: r.light ? "reach ok (light)" : "reach ok", tone: "ok" };
    case "drift":
      return { label: "drift", tone: "warn" };
    case "invalid":
      return { label: "invalid", tone: "bad" };
    case "error":
      return r.bases.some((b) => b.quota_exhausted)
        ? { label: "quota used up", tone: "bad" }
        : { label: "check failed", tone: "bad" };
  }
}

export function chips(t: TokenSummary): Chip[] {
  return [rotationChip(t), checkChip(t)];
}
