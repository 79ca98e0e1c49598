// The one live check the window runs at a time: starts it over a channel, counts the
// results as they arrive, cancels it. Views read its state; App hands each new token
// result to the list.
import { Channel } from "@tauri-apps/api/core";
import { commands, type CheckEstimate, type CheckProgress, type TokenSummary } from "./bindings";
import { messageOf, unwrap } from "./api";

/** Longer than this, the user is told before a full check starts. */
export const WARN_AFTER_SECONDS = 60;

export class CheckRunner {
  running = $state(false);
  light = $state(false);
  done = $state(0);
  total = $state(0);
  /** Which tokens the running check covers: empty means all. */
  ids = $state<string[]>([]);
  outcome = $state("");
  error = $state("");

  constructor(private onToken: (token: TokenSummary) => void) {}

  /** The estimate of a full check when it is long enough to ask first, else null. */
  async longFullCheck(ids: string[]): Promise<CheckEstimate | null> {
    const estimate = await unwrap(commands.estimateCheck(ids, false));
    return estimate.seconds > WARN_AFTER_SECONDS ? estimate : null;
  }

  async run(ids: string[], light: boolean) {
    if (this.running) return;
    this.running = true;
    this.light = light;
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
      const run = await unwrap(commands.checkTokens(ids, light, progress));
      const seconds = Math.round((Date.now() - started) / 1000);
      this.outcome = run.cancelled
        ? `Cancelled after ${run.checked} of ${run.total}; those results are kept.`
        : `Checked ${run.total} ${run.total === 1 ? "token" : "tokens"} in ${seconds} s${light ? " (light)" : ""}.`;
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
