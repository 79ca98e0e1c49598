// Puts the sample tokens of demo-vault.json into a vault through the `patvault` command
// line, secrets on standard input as a user would type them. The demo and the end-to-end
// check test both use it; `rotated_on` is in days before today, so the rotation states
// look the same whenever the demo runs.
//   node tests/scenarios/seed.mjs PATH/TO/patvault   (uses PATVAULT_DATA_DIR and
//                                                     PATVAULT_KEYCHAIN_SERVICE)
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
    if (t.note) args.push("--note", t.note);
    cli(args, `${t.secret}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const binary = process.argv[2];
  if (!binary) {
    console.error("usage: node tests/scenarios/seed.mjs PATH/TO/patvault");
    process.exit(2);
  }
  seedVault((args, input) => execFileSync(binary, args, { input, stdio: ["pipe", "ignore", "inherit"] }));
}
