// End to end: Where used in the real app, on a home folder with MCP clients configured
// the way their READMEs say (the token pasted into `env`). Scan now finds a vault
// token's copy, one the vault lacks and a backup an older version left; Import adds the
// unknown one with the scopes and bases it reaches; a migrate is shown, then written,
// leaves nothing beside the file, and the next scan finds the server running through the
// vault; Undo puts the file back byte for byte; the old backup is deleted once shown
// with the token it holds. No secret reaches the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { launchApp, step, work } from "./app.mjs";
import { startFake } from "./fake.mjs";
import { demoScenario, demoVault, seedHome, seedVault, unknownSecret } from "../scenarios/seed.mjs";

const secretOf = (name) => demoVault.tokens.find((t) => t.name === name).secret;

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

test("Where used scans, imports and migrates, showing each change first", async (t) => {
  const home = path.join(work, "where-home");
  fs.rmSync(home, { recursive: true, force: true });
  const claude = path.join(home, ".config/Claude/claude_desktop_config.json");
  const cursor = path.join(home, ".cursor/mcp.json");
  const mcp = secretOf("MCP server (Claude)");
  const backup = secretOf("Nightly backup");
  write(
    claude,
    JSON.stringify({ mcpServers: { airtable: { command: "npx", args: ["-y", "airtable-mcp-server"], env: { AIRTABLE_API_KEY: mcp } } } }, null, 2) + "\n",
  );
  write(cursor, JSON.stringify({ mcpServers: { backup: { command: "node", args: ["backup.js"], env: { AIRTABLE_TOKEN: backup } } } }, null, 4) + "\n");
  const oldBackup = `${cursor}.before-patvault-20261101-120000`;
  write(oldBackup, fs.readFileSync(cursor, "utf8"));
  const claudeText = fs.readFileSync(claude, "utf8");
  const fake = await startFake(demoScenario);
  const app = await launchApp("where", {
    port: 4534,
    env: { PATVAULT_AIRTABLE_URL: fake.url, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config") },
    beforeStart: ({ cli }) => cli(["add", "Nightly backup"], `${backup}\n`),
  });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-where").catch(() => {});
    await app.stop();
    fake.stop();
  });
  const noSecretShown = async () => {
    const text = await session.execute("return document.documentElement.outerHTML");
    for (const s of [mcp, backup]) assert.ok(!text.includes(s.split(".")[1]), "no secret in the page");
  };

  step("scan now");
  await (await session.find("[data-test=open-where-used]")).click();
  await (await session.find("[data-test=scan-now]")).click();
  await session.until(() => document.querySelector("[data-test=scan-summary]"), "the scan ends");
  const unknown = await session.execute(
    `return [...document.querySelectorAll("[data-test=unknown-copy]")].map((e) => e.dataset.tokenId)`,
  );
  assert.deepEqual(unknown, [mcp.split(".")[0]]);
  const places = () =>
    session.execute(
      `return [...document.querySelectorAll("[data-test=where-token]")].map((t) => [t.dataset.name,
         [...t.querySelectorAll("[data-test=found-place]")].map((p) => p.dataset.state + " " + p.dataset.path)])`,
    );
  // The places come with the list, reread after the scan.
  await session.until(
    () => document.querySelectorAll(`[data-test=where-token] [data-test=found-place]`).length === 2,
    "the list with the scan's places",
  );
  assert.deepEqual(await places(), [["Nightly backup", [`plaintext ${cursor}`, `backup ${oldBackup}`]]]);
  const backupsShown = await session.execute(
    `return [...document.querySelectorAll("[data-test=backup]")].map((e) => [e.dataset.path, e.textContent.includes("holds Nightly backup")])`,
  );
  assert.deepEqual(backupsShown, [[oldBackup, true]], "the backup is shown with the token it holds");
  await noSecretShown();

  step("import what the vault lacks");
  const requestsBefore = (await fake.stats()).requests;
  await (await session.find("[data-test=import-copies]")).click();
  // The names come after a scan of their own.
  await session.find("[data-test=import-name]");
  const suggested = await session.execute(
    `return [...document.querySelectorAll("[data-test=import-name]")].map((i) => [i.dataset.tokenId, i.value])`,
  );
  assert.deepEqual(suggested, [[mcp.split(".")[0], "airtable"]], "named after its MCP server, before anything is saved");
  assert.equal(app.readInventory().tokens.length, 1);
  await (await session.find("[data-test=confirm-import]")).click();
  await session.until(() => document.querySelector("[data-test=no-unknown]"), "nothing unknown is left");
  assert.ok((await fake.stats()).requests > requestsBefore, "the imported token was checked for its reach");
  const imported = app.readInventory().tokens.find((r) => r.intent.name === "airtable");
  assert.ok(imported, "named after its MCP server");
  assert.ok(imported.intent.scopes.length > 0 && imported.intent.bases.length > 0, JSON.stringify(imported.intent));
  assert.equal(app.keychainSecret(imported.id), mcp, "its secret is in the keychain");
  assert.equal(JSON.parse(fs.readFileSync(claude, "utf8")).mcpServers.airtable.env.AIRTABLE_API_KEY, mcp, "importing changes no file");

  step("migrate Claude Desktop's config, shown first");
  await (await session.find(`[data-test=where-token][data-name=airtable] [data-test=migrate-place]`)).click();
  const change = await (await session.find("[data-test=migrate-change]")).text();
  assert.match(change, /server “airtable”: runs patvault exec airtable --env AIRTABLE_API_KEY -- npx -y airtable-mcp-server/);
  assert.equal(JSON.parse(fs.readFileSync(claude, "utf8")).mcpServers.airtable.command, "npx", "nothing is written before the yes");
  await (await session.find("[data-test=confirm-migrate]")).click();
  await session.until(() => !document.querySelector("[data-test=migrate-preview]"), "the change is written");
  const entry = JSON.parse(fs.readFileSync(claude, "utf8")).mcpServers.airtable;
  assert.equal(entry.env, undefined);
  assert.deepEqual(entry.args, ["exec", "airtable", "--env", "AIRTABLE_API_KEY", "--", "npx", "-y", "airtable-mcp-server"]);
  assert.equal(path.basename(entry.command), "patvault");
  assert.deepEqual(fs.readdirSync(path.dirname(claude)), ["claude_desktop_config.json"], "nothing left beside it");
  await session.until(
    () => document.querySelector(`[data-test=where-token][data-name=airtable] [data-test=found-place]`)?.dataset.state === "vault",
    "the rescan finds the server running through the vault",
  );

  step("undo the migrate: the file is put back byte for byte");
  await (await session.find(`[data-test=undo-record][data-path="${claude}"] [data-test=undo]`)).click();
  await session.until(() => !document.querySelector("[data-test=undo-record]"), "the change is undone");
  assert.equal(fs.readFileSync(claude, "utf8"), claudeText);
  await session.until(
    () => document.querySelector(`[data-test=where-token][data-name=airtable] [data-test=found-place]`)?.dataset.state === "plaintext",
    "the rescan finds the plaintext copy again",
  );

  step("a file changed after it was shown is not written");
  await (await session.find(`[data-test=where-token][data-name="Nightly backup"] [data-test=migrate-place]`)).click();
  await session.find("[data-test=migrate-change]");
  const edited = fs.readFileSync(cursor, "utf8").replace('"node"', '"nodejs"');
  fs.writeFileSync(cursor, edited);
  await (await session.find("[data-test=confirm-migrate]")).click();
  const error = await (await session.find("[data-test=where-used-error]")).text();
  assert.match(error, /changed since PAT Vault read it: nothing was changed/);
  assert.equal(fs.readFileSync(cursor, "utf8"), edited);

  step("delete the backup an older version left");
  await (await session.find("[data-test=delete-backups]")).click();
  await session.until(() => !document.querySelector("[data-test=backups]"), "the backup is gone from the list");
  assert.equal(fs.existsSync(oldBackup), false);
  await noSecretShown();

  step("this token leaked: its plaintext copy replaced with the vault from its page");
  await (await session.find("header .brand")).click();
  await (await session.find("[data-test=token-row][data-name='Nightly backup'] td")).click();
  await (await session.find("[data-test=leaked]")).click();
  const place = `[data-test=leak-place][data-path="${cursor}"]`;
  await session.until(`() => document.querySelector('${place}')?.dataset.state === "plaintext"`, "the plaintext copy in the leak");
  await (await session.find(`${place} [data-test=leak-migrate]`)).click();
  assert.match(await (await session.find("[data-test=migrate-change]")).text(), /server “backup”: runs patvault exec/);
  await shot("13-leak-migrate");
  await (await session.find("[data-test=confirm-migrate]")).click();
  await session.until(`() => document.querySelector('${place}')?.dataset.state === "vault"`, "the place reads the vault", { timeout: 30000 });
  assert.match(await (await session.find("[data-test=leak-migrated]")).text(), /now takes the token from the vault/);
  assert.equal(JSON.parse(fs.readFileSync(cursor, "utf8")).mcpServers.backup.env, undefined, "the secret left the file");
  assert.ok(!fs.readFileSync(cursor, "utf8").includes(backup.split(".")[1]));
  await noSecretShown();
});

test("the demo's home shows every kind of place: plaintext, stale, unknown and an old backup", async (t) => {
  const home = path.join(work, "demo-home");
  fs.rmSync(home, { recursive: true, force: true });
  const fake = await startFake(demoScenario);
  const app = await launchApp("demo-home", {
    port: 4536,
    env: { PATVAULT_AIRTABLE_URL: fake.url, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config") },
    beforeStart: ({ cli }) => {
      const seeding = (args, input) => cli(args, input, { PATVAULT_AIRTABLE_URL: fake.url, HOME: home });
      seedVault(seeding);
      seedHome(seeding, home);
    },
  });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-demo-home").catch(() => {});
    await app.stop();
    fake.stop();
  });

  step("scan the demo's home");
  await (await session.find("[data-test=open-where-used]")).click();
  await (await session.find("[data-test=scan-now]")).click();
  await session.until(() => document.querySelector("[data-test=scan-summary]"), "the scan ends");
  // The places come with the list, reread after the scan.
  await session.until(
    () => document.querySelector(`[data-test=where-token][data-name="Hiring form"] [data-test=found-place]`),
    "the list with the scan's places",
  );
  const states = await session.execute(
    `return Object.fromEntries([...document.querySelectorAll("[data-test=where-token]")].map((t) => [t.dataset.name,
       [...t.querySelectorAll("[data-test=found-place]")].map((p) => p.dataset.state)]))`,
  );
  assert.deepEqual(states["MCP server (Claude)"], ["plaintext", "backup"], JSON.stringify(states));
  assert.deepEqual(states["Hiring form"], ["stale"], JSON.stringify(states));
  assert.deepEqual(states["Weekly report"], ["plaintext"], JSON.stringify(states));
  const unknown = await session.execute(
    `return [...document.querySelectorAll("[data-test=unknown-copy]")].map((e) => e.dataset.tokenId)`,
  );
  assert.deepEqual(unknown, [unknownSecret.split(".")[0]]);
  assert.equal((await session.findAll("[data-test=backup]")).length, 1);
  await shot("30-where-used-demo-home");

  step("import the unknown token under a name of one's own");
  await (await session.find("[data-test=import-copies]")).click();
  const name = await session.find("[data-test=import-name]");
  assert.equal(await session.execute(`return document.querySelector("[data-test=import-name]").value`), "AIRTABLE_COMMENTS_KEY in blog-.env");
  await name.clear();
  await name.type("Blog comments");
  await (await session.find("[data-test=confirm-import]")).click();
  await session.until(() => document.querySelector("[data-test=no-unknown]"), "nothing unknown is left");
  const added = app.readInventory().tokens.find((r) => r.intent.name === "Blog comments");
  assert.ok(added, "imported under the name given");
  assert.equal(added.token_id, unknownSecret.split(".")[0]);
});
