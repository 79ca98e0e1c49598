// The one live check the window runs at a time: starts it over a channel, counts the
// results as they arrive, cancels it. Views read its state; App hands each new token
// result to the list.
import { Channel } from "@tauri-apps/api/core";
import { commands, type CheckEstimate, type CheckProgress, type Depth, type TokenSummary } from "./bindings";
import { messageOf, unwrap } from "./api";

/** Longer than this, the user is told before a full check starts. */
export const WARN_AFTER_SECONDS = 60;

export class CheckRunner {
  running = $state(false);
  depth = $state<Depth>("full");
  done = $state(0);
  total = $state(0);
  /** Which tokens the running check covers: empty means all. */
  ids = $state<string[]>([]);
  outcome = $state("");
  error = $state("");

  constructor(private onToken: (token: TokenSummary) => void) {}

  /** The estimate of a check to ask about first, else null: a deep check always, a full
   * one when it would take over a minute. */
  async askFirst(ids: string[], depth: Depth, also: string[] = []): Promise<CheckEstimate | null> {
    if (depth === "light") return null;
    const estimate = await unwrap(commands.estimateCheck(ids, depth, also));
    return depth === "deep" || estimate.seconds > WARN_AFTER_SECONDS ? estimate : null;
  }

  /** Runs a check; `also` names bases to probe in full besides the intended ones. */
  async run(ids: string[], depth: Depth, also: string[] = []) {
    if (this.running) return;
    this.running = true;
    this.depth = depth;
    this.ids = ids;
    this.done = this.total = 0;
    this.outcome = this.error = "";
    const started = Date.now();
    const progress = new Channel<CheckProgress>();
    progress.onmessage = (event) => {
      if (event.kind === "started") {
        this.total = event.total;
      } else {
        this.done = event.done;
        this.onToken(event.token);
        if (event.not_kept) this.error = `The result for “${event.token.name}” was not kept: ${event.not_kept}`;
      }
    };
    try {
      const run = await unwrap(commands.checkTokens(ids, depth, also, progress));
      const seconds = Math.round((Date.now() - started) / 1000);
      const named = also.length ? `, ${also.length} picked ${also.length === 1 ? "base" : "bases"} probed in full` : "";
      this.outcome = run.cancelled
        ? `Cancelled after ${run.checked} of ${run.total}; those results are kept.`
        : `Checked ${run.total} ${run.total === 1 ? "token" : "tokens"} in ${seconds} s${depth === "full" ? "" : ` (${depth})`}${named}.`;
    } catch (e) {
      this.error = messageOf(e);
    } finally {
      this.running = false;
    }
  }

  async cancel() {
    await commands.cancelCheck();
  }
}
