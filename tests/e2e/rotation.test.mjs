// End to end: a guided rotation in the real app against the fake Airtable binary. A
// secret of another user is refused and cancelling changes nothing; a good one is
// checked, its reach compared with the old one's, swapped in on confirmation; the old
// secret is reported alive until it is revoked, then deleted from the keychain; the
// places that use the token are ticked off one by one.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { filesContaining, launchApp, step, waitFor, work } from "./app.mjs";
import { startFake } from "./fake.mjs";
import { demoScenario, demoVault, seedVault } from "../scenarios/seed.mjs";

const NAME = "Zapier: CRM sync";
const OLD = demoVault.tokens.find((t) => t.name === NAME).secret;
const NEW = "patDemoZapier0008.1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809";
const JONAS = "patDemoJonas00009.90817263544536271809a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c";

/** The demo account, plus a new token for the same user and one of another user. */
function scenarioWithNewTokens() {
  const scenario = JSON.parse(fs.readFileSync(demoScenario, "utf8"));
  const old = scenario.tokens.find((t) => t.token === OLD);
  scenario.tokens.push({ ...old, token: NEW });
  scenario.tokens.push({ ...old, token: JONAS, owner: "usrJonas000000002" });
  const file = path.join(work, "rotation-scenario.json");
  fs.writeFileSync(file, JSON.stringify(scenario));
  return file;
}

/** An `xdg-open` first on the app's PATH that notes what it was asked to open, where
 * a desktop would start the browser. */
function recordingOpener() {
  const bin = path.join(work, "opener-bin");
  const opened = path.join(work, "opened.txt");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`, { mode: 0o755 });
  return { path: `${bin}:${process.env.PATH}`, opened };
}

test("a guided rotation: refused, cancelled, then swapped, the old secret followed up", async (t) => {
  const fake = await startFake(scenarioWithNewTokens());
  const opener = recordingOpener();
  const app = await launchApp("rotation", {
    port: 4504,
    env: { PATVAULT_AIRTABLE_URL: fake.url, PATH: opener.path },
    beforeStart: ({ cli }) => seedVault(cli),
  });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-rotation").catch(() => {});
    await app.stop();
    fake.stop();
  });
  const token = () => app.readInventory().tokens.find((r) => r.intent.name === NAME);
  const id = token().id;
  const before = token();

  step("open the token and check it, so its reach is known");
  await (await session.find(`[data-test=token-row][data-name='${NAME}'] td`)).click();
  await (await session.find("[data-test=check]")).click();
  await session.find("[data-test=identity]", { timeout: 30000 });
  const checked = token();

  step("start a rotation: Airtable's token page opens in the browser");
  await (await session.find("[data-test=rotate]")).click();
  await (await session.find("[data-test=open-airtable]")).click();
  await session.find("[data-test=opened]");
  assert.equal(fs.readFileSync(opener.opened, "utf8"), "https://airtable.com/create/tokens\n");

  step("another user's secret is refused, and Cancel changes nothing");
  await (await session.find("[data-test=rotate-secret]")).type(JONAS);
  await (await session.find("[data-test=rotate-check]")).click();
  const refusal = await (await session.find("[data-test=rotate-refusals]", { timeout: 30000 })).text();
  assert.match(refusal, /belongs to another user \(usrJonas000000002 instead of usrMaya0000000001\)/);
  assert.equal(await session.execute(`return document.querySelector("[data-test=rotate-confirm]").disabled`), true);
  assert.equal(
    await session.execute(`return document.querySelector("[data-test=rotate-secret]").value`),
    "",
    "the field is emptied once the secret is sent",
  );
  await shot("30-rotation-refused");
  await (await session.find("[data-test=rotate-cancel]")).click();
  await session.until(() => !document.querySelector("[data-test=rotation]"), "the rotation to close");
  assert.equal(app.keychainSecret(id), OLD);
  assert.equal(app.keychainSecret(`${id}.previous`), "");
  assert.deepEqual(token(), checked, "the record is as it was");

  step("a new secret of the same user is checked, compared, and swapped in");
  await (await session.find("[data-test=rotate]")).click();
  await (await session.find("[data-test=rotate-secret]")).type(NEW);
  await (await session.find("[data-test=rotate-check]")).click();
  await session.find("[data-test=rotate-diff]", { timeout: 30000 });
  assert.match(await (await session.find("[data-test=rotate-user]")).text(), /usrMaya0000000001.* now.*\(the same\)/);
  assert.equal(await (await session.find("[data-test=rotate-same]")).text(), "Reaches the same bases as the old secret.");
  assert.equal(app.keychainSecret(id), OLD, "nothing changes before the confirmation");
  await shot("31-rotation-checked");
  await (await session.find("[data-test=rotate-confirm]")).click();

  step("the swap is recorded and the old secret, still alive, is reported");
  const old = await session.find("[data-test=old-secret][data-state=still_works]", { timeout: 30000 });
  assert.match(await old.text(), /The old token still works\. Delete it in Airtable/);
  assert.match(await (await session.find("[data-test=notice]")).text(), /^Rotated “Zapier: CRM sync”/);
  assert.equal(app.keychainSecret(id), NEW);
  assert.equal(app.keychainSecret(`${id}.previous`), OLD, "kept until it is revoked");
  const rotated = token();
  assert.equal(rotated.token_id, "patDemoZapier0008");
  assert.deepEqual(
    rotated.rotations.map((r) => [r.from, r.to]),
    [["patDemoZapier0001", "patDemoZapier0008"]],
  );
  assert.equal(rotated.intent.last_rotated, new Date().toLocaleDateString("sv"));
  assert.notEqual(rotated.intent.last_rotated, before.intent.last_rotated);
  assert.equal(rotated.old_secret_kept, true);
  assert.deepEqual(rotated.updates_pending, before.intent.used_by.map((c) => c.label));
  await shot("32-rotation-old-alive");

  step("deleted in Airtable: check again finds it revoked and forgets it");
  const revoked = await fetch(`${fake.url}/_fake/revoke`, { method: "POST", body: "patDemoZapier0001" });
  assert.equal(revoked.status, 204);
  await (await session.find("[data-test=old-check-again]")).click();
  await session.find("[data-test=old-secret][data-state=revoked]", { timeout: 30000 });
  await waitFor(() => app.keychainSecret(`${id}.previous`) === "", "the old secret to leave the keychain");
  assert.equal(token().old_secret_kept, undefined, "no longer kept (false is left out of the file)");
  assert.equal(await session.execute(`return document.querySelector("[data-test=old-forget]")`), null);

  step("the places that use it are ticked off");
  const items = await session.findAll("[data-test=update-item]");
  assert.equal(items.length, before.intent.used_by.length);
  await items[0].click();
  await session.until(() => !document.querySelector("[data-test=updates-pending]"), "the checklist to empty");
  assert.deepEqual(token().updates_pending, undefined, "nothing left to update");
  await shot("33-rotation-done");

  assert.deepEqual(filesContaining(app.dataDir, NEW.split(".")[1]), [], "no secret on disk");
  assert.deepEqual(filesContaining(app.dataDir, OLD.split(".")[1]), [], "no secret on disk");
});
