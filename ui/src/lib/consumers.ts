// The places that use a token, as the form edits them and the token page shows them:
// each a kind from the consumer catalog, a label, the bases it works on, and (for a kind
// whose sources state none) the scopes its user says it needs.
import type { Consumer, ConsumerKind, ConsumerState, ConsumerVerdict } from "./bindings";

/** A place as the form's row edits it: lists as comma-separated text. */
export type PlaceRow = {
  kind: string;
  label: string;
  path: string | null;
  bases: string;
  needs: string;
  /** The kind's features it uses, by id: none means all of them. */
  uses: string[];
  inferred: boolean;
};

const CUSTOM = "custom";

export function emptyRow(): PlaceRow {
  return { kind: CUSTOM, label: "", path: null, bases: "", needs: "", uses: [], inferred: false };
}

/** The place of a verdict, as the intent keeps it. */
export function placeOf(v: ConsumerVerdict): Consumer {
  return {
    kind: v.kind,
    label: v.label,
    path: v.path ?? null,
    bases: v.bases ?? [],
    needs: v.needs ?? [],
    uses: v.uses ?? [],
    inferred: v.inferred ?? false,
  };
}

export function rowOf(c: Consumer): PlaceRow {
  return {
    kind: c.kind,
    label: c.label,
    path: c.path ?? null,
    bases: (c.bases ?? []).join(", "),
    needs: (c.needs ?? []).join(", "),
    uses: [...(c.uses ?? [])],
    inferred: c.inferred ?? false,
  };
}

const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The rows as places; a row without a label is dropped (the core checks the rest).
 * Needs typed for a kind that was then changed to one whose needs are known are not
 * shown, so they are not sent either. */
export function placesOf(rows: PlaceRow[], kinds: ConsumerKind[]): Consumer[] {
  return rows
    .filter((r) => r.label.trim())
    .map((r) => ({
      kind: r.kind,
      label: r.label.trim(),
      path: r.path?.trim() || null,
      bases: list(r.bases),
      // Before the catalog has come, what was there goes back as it was: the core checks it.
      needs: kinds.length === 0 || needsGiven(kinds, r.kind) ? list(r.needs) : [],
      uses:
        kinds.length === 0
          ? r.uses
          : r.uses.filter((u) => featuresOf(kinds, r.kind).some((f) => f.id === u)),
      inferred: r.inferred,
    }));
}

/** The features a place of this kind may say it uses. */
export function featuresOf(kinds: ConsumerKind[], kind: string): ConsumerKind["features"] {
  return kinds.find((k) => k.id === kind)?.features ?? [];
}

/** Whether a place of this kind takes its needs from its user; not before the catalog
 * has come. */
export function needsGiven(kinds: ConsumerKind[], kind: string): boolean {
  const known = kinds.find((k) => k.id === kind);
  return known !== undefined && !known.needs_known;
}

export const STATE_WORDS: Record<ConsumerState, string> = {
  works: "works",
  will_fail: "will fail",
  unknown: "not known",
};

export function stateChip(v: ConsumerVerdict): { label: string; tone: "ok" | "bad" | "muted" } {
  const tone = v.state === "works" ? "ok" : v.state === "will_fail" ? "bad" : "muted";
  return { label: STATE_WORDS[v.state], tone };
}
