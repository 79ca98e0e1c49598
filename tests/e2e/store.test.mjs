// End to end: a vault whose secrets are in age-encrypted files (`patvault store use
// file`). The app names the store, reads a secret from it with a key it can read,
// removes one in the store's words, warns about a key kept unprotected, and refuses, in
// its banner and where a secret is asked for, a key behind a passphrase it has no
// terminal to ask at.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { launchApp, run, step, waitFor, work } from "./app.mjs";

const PAT = `patFileStore00001.${"c".repeat(64)}`;
// The second test's own, so what the first put on the clipboard cannot pass for it.
const LOCKED_PAT = `patFileStore00002.${"d".repeat(64)}`;
const clipboard = () => run("xclip", ["-o", "-selection", "clipboard"]);

test("with its secrets in encrypted files the app names the store, reads a secret, and warns about an unprotected key", async (t) => {
  const config = path.join(work, "files-config");
  const app = await launchApp("files", {
    port: 4560,
    env: { XDG_CONFIG_HOME: config },
    beforeStart: ({ cli }) => {
      cli(["store", "use", "file", "--unprotected-identity"], "", { XDG_CONFIG_HOME: config });
      cli(["add", "CRM"], `${PAT}\n`, { XDG_CONFIG_HOME: config });
    },
  });
  t.after(() => app.stop());
  const { session } = app;

  step("the banner says the key is unprotected");
  const banner = await (await session.find("[data-test=banner]")).text();
  assert.match(banner, /the key is kept unprotected in .*identity\.txt/);

  step("a copy reads the secret from its file");
  const [id] = app.readInventory().tokens.map((r) => r.id);
  assert.ok(fs.existsSync(path.join(app.dataDir, "secrets", `${id}.age`)));
  await (await session.find("[data-test=token-row] td")).click();
  await (await session.find("[data-test=copy]")).click();
  await waitFor(() => clipboard() === PAT, "the secret on the clipboard", 5000);

  step("removing the token deletes its file, and says so in the store's words");
  await (await session.find("[data-test=remove]")).click();
  const confirm = await (await session.find("[data-test=confirm-remove]")).text();
  assert.match(confirm, /Its secret is deleted from the encrypted-file store/);
  await (await session.find("[data-test=confirm-remove-button]")).click();
  await session.find("[data-test=empty-list]");
  assert.equal(await (await session.find("[data-test=notice]")).text(), "Removed “CRM” and its secret from the encrypted-file store.");
  assert.ok(!fs.existsSync(path.join(app.dataDir, "secrets", `${id}.age`)));

  step("Settings say where the secrets are kept");
  await (await session.find("[data-test=open-settings]")).click();
  const where = await (await session.find("[data-test=store-location]")).text();
  assert.match(where, /^In encrypted files: .*secrets; the key: an unprotected identity file, .*identity\.txt\.$/);
});

test("a key behind a passphrase is refused by the app, which says how to give it one", async (t) => {
  const config = path.join(work, "passphrase-config");
  const dataDir = path.join(work, "passphrase", "data");
  const app = await launchApp("passphrase", {
    port: 4562,
    env: { XDG_CONFIG_HOME: config },
    beforeStart: ({ service, cli }) => {
      // The command line asks the new passphrase at a terminal: `script` gives it one.
      const env = { ...process.env, PATVAULT_DATA_DIR: dataDir, PATVAULT_KEYCHAIN_SERVICE: service, XDG_CONFIG_HOME: config };
      const line = `'${process.env.E2E_CLI}' store use file --passphrase`;
      execFileSync("script", ["-qec", line, "/dev/null"], { env, input: "correct horse\ncorrect horse\n", stdio: ["pipe", "ignore", "inherit"] });
      cli(["add", "CRM"], `${LOCKED_PAT}\n`, { XDG_CONFIG_HOME: config });
    },
  });
  t.after(() => app.stop());
  const { session } = app;

  const banner = await (await session.find("[data-test=banner]")).text();
  assert.match(banner, /The app cannot ask for the passphrase of the encrypted-file store's key \(.*identity\.age\)/);
  assert.match(banner, /PATVAULT_IDENTITY_FILE/);
  await (await session.find("[data-test=token-row] td")).click();
  await (await session.find("[data-test=copy]")).click();
  const refused = await (await session.find("[data-test=page-error]")).text();
  assert.match(refused, /its passphrase can only be asked at a terminal/);
  assert.notEqual(clipboard(), LOCKED_PAT);
});
