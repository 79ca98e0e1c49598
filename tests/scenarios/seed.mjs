// Puts the sample tokens of demo-vault.json into a vault through the `patvault` command
// line, secrets on standard input as a user would type them. The demo and the end-to-end
// check test both use it; `rotated_on` is in days before today, so the rotation states
// look the same whenever the demo runs.
//   node tests/scenarios/seed.mjs PATH/TO/patvault [HOME]   (uses PATVAULT_DATA_DIR,
//     PATVAULT_KEYCHAIN_SERVICE, and for HOME, PATVAULT_AIRTABLE_URL: see seedHome)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const demoVault = JSON.parse(fs.readFileSync(path.join(here, "demo-vault.json"), "utf8"));
export const demoScenario = path.join(here, "demo.json");

function daysAgo(days) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `cli(args, stdin)` runs `patvault` on the vault to fill. */
export function seedVault(cli) {
  for (const t of demoVault.tokens) {
    const args = ["add", t.name, "--rotate-every", String(t.rotate_every), "--rotated-on", daysAgo(t.rotated_on)];
    for (const s of t.scopes) args.push("--scope", s);
    for (const b of t.bases) args.push("--base", b);
    for (const u of t.used_by) args.push("--used-by", u);
    for (const c of t.consumers ?? []) args.push("--consumer", c);
    if (t.note) args.push("--note", t.note);
    cli(args, `${t.secret}\n`);
  }
}

const secretOf = (name) => demoVault.tokens.find((t) => t.name === name).secret;

/** A token the fake knows and the vault lacks, pasted in a project's `.env`. */
export const unknownSecret = JSON.parse(fs.readFileSync(demoScenario, "utf8"))
  .tokens.map((t) => t.token)
  .find((secret) => !demoVault.tokens.some((t) => t.secret === secret));

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o600 });
}

/**
 * A home folder as users have one, for Where used to show: plaintext copies in Claude
 * Desktop's config and a project's `.env` (one of them a token the vault lacks), Claude
 * Code's config holding a secret a rotation has since replaced, and a backup an older
 * PAT Vault left beside Cursor's config. Run after `seedVault`, with the fake Airtable
 * up (the rotation is checked against it).
 */
export function seedHome(cli, home) {
  const mcp = secretOf("MCP server (Claude)");
  const entry = (secret) => ({ command: "npx", args: ["-y", "airtable-mcp-server"], env: { AIRTABLE_API_KEY: secret } });
  write(path.join(home, ".config/Claude/claude_desktop_config.json"), JSON.stringify({ mcpServers: { airtable: entry(mcp) } }, null, 2) + "\n");
  const blog = path.join(home, "projects/blog/.env");
  write(blog, `PORT=4321\nAIRTABLE_API_KEY=${secretOf("Weekly report")}\nAIRTABLE_COMMENTS_KEY=${unknownSecret}\n`);
  const report = demoVault.tokens.find((t) => t.name === "Weekly report");
  cli(["edit", "Weekly report", ...[...report.used_by, "~/projects/blog/.env"].flatMap((u) => ["--used-by", u])]);
  // Hiring form's secret was this one until a rotation; Claude Code's config still has it.
  const hiring = secretOf("Hiring form");
  const before = `patDemoHirOld0099.${"5e".repeat(32)}`;
  cli(["set-secret", "Hiring form"], `${before}\n`);
  cli(["rotate", "Hiring form", "--force", "--forget-old"], `${hiring}\n`);
  write(path.join(home, ".claude.json"), JSON.stringify({ numStartups: 12, mcpServers: { hiring: entry(before) } }, null, 2) + "\n");
  const cursor = path.join(home, ".cursor/mcp.json");
  write(cursor, JSON.stringify({ mcpServers: {} }, null, 2) + "\n");
  write(`${cursor}.before-patvault-20261101-120000`, JSON.stringify({ mcpServers: { airtable: entry(mcp) } }, null, 2) + "\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const binary = process.argv[2];
  if (!binary) {
    console.error("usage: node tests/scenarios/seed.mjs PATH/TO/patvault [HOME]");
    process.exit(2);
  }
  const cli = (args, input = "") => execFileSync(binary, args, { input, stdio: ["pipe", "ignore", "inherit"] });
  seedVault(cli);
  if (process.argv[3]) seedHome(cli, process.argv[3]);
}
