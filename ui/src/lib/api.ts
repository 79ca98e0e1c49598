// Turns the bindings' result objects into values or a thrown VaultFailure that keeps
// the error's kind, so views can `try` and branch on `failure.report.kind`.
import type { ErrorReport } from "./bindings";

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: ErrorReport };

export class VaultFailure extends Error {
  constructor(public report: ErrorReport) {
    super(report.message);
  }
}

export async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const result = await call;
  if (result.status === "error") throw new VaultFailure(result.error);
  return result.data;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
