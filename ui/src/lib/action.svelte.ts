// One piece of work a page runs at a time on a click: its buttons are disabled while it
// runs, and its failure becomes the page's message unless the page handles it itself.
import { messageOf } from "./api";

export class Action {
  busy = $state(false);
  error = $state("");

  /** Runs `work`; `handled` may take a failure over (return true) instead of showing it. */
  async run(work: () => Promise<void>, handled: (e: unknown) => boolean = () => false) {
    this.busy = true;
    this.error = "";
    try {
      await work();
    } catch (e) {
      if (!handled(e)) this.error = messageOf(e);
    } finally {
      this.busy = false;
    }
  }
}
