// What the window knows of the vault: the tokens as listed, the vault's health, and why
// the list could not be read. Pages change the vault through commands and then ask this
// store to reload; the live check hands it each token's new summary.
import { commands, type HealthShown, type TokenSummary } from "./bindings";
import { messageOf, unwrap } from "./api";

export class VaultStore {
  tokens = $state<TokenSummary[]>([]);
  health = $state<HealthShown | null>(null);
  listError = $state("");

  /** Rereads the list; the CLI may have changed the vault meanwhile. */
  async refresh() {
    try {
      this.tokens = await unwrap(commands.listTokens());
      this.listError = "";
    } catch (e) {
      this.listError = messageOf(e);
    }
  }

  /** Rereads the list and the health: after anything that may change either. */
  async reload() {
    await Promise.all([this.refresh(), this.checkHealth()]);
  }

  async checkHealth() {
    try {
      this.health = await unwrap(commands.vaultHealth());
    } catch (e) {
      this.health = null;
      this.listError = messageOf(e);
    }
  }

  /** Puts one token's new summary in place of its old one. */
  put(token: TokenSummary) {
    const at = this.tokens.findIndex((t) => t.id === token.id);
    if (at >= 0) this.tokens[at] = token;
  }

  find(id: string): TokenSummary | undefined {
    return this.tokens.find((t) => t.id === id);
  }
}
