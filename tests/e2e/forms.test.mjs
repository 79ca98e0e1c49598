// End to end: the form's refusals and warnings, replacing a secret, the CLI and the app on one vault, the
// filter, the orphan banner (an entry restored, another deleted) and the settings page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { launchApp, step, waitFor } from "./app.mjs";

const REPLACEMENT = "patRePlAcEd123456.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const PAT = "patZyXwVuTs987654.fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
// The entry of a token whose record a write cut short never wrote.
const LOST = "5d5e9c1a-58b3-4f0e-9c57-3f6a2f0a9b11";
const LOST_SECRET = "patL0stRecord0001.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

const store = (service, account, secret) =>
  execFileSync("secret-tool", ["store", `--label=${account}`, "service", service, "username", account], {
    input: secret,
    stdio: ["pipe", "ignore", "ignore"],
    timeout: 5000,
  });

test("refusals, warnings, filter, orphans and settings", async (t) => {
  const app = await launchApp("forms", {
    port: 4464,
    // Keychain entries of this vault that no token points to.
    beforeStart: ({ service }) => {
      store(service, "stray-account", "patStray");
      store(service, LOST, LOST_SECRET);
    },
  });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-forms").catch(() => {});
    await app.stop();
  });

  step("orphan banner");
  await session.until(
    () => /2 keychain entries of service \S+ belong to no token/.test(document.querySelector("[data-test=banner]")?.textContent),
    "the orphan banner",
  );

  step("legacy key refused");
  await (await session.find("[data-test=add-token]")).click();
  // The form focuses its secret field once it is shown: typing elsewhere must wait for that.
  await session.until(() => document.activeElement?.dataset.test === "secret", "the secret field focused");
  await (await session.find("[data-test=name]")).type("Old script");
  const secret = await session.find("[data-test=secret]");
  await secret.type("keyAbCdEfGh123456");
  await (await session.find("[data-test=save]")).click();
  assert.match(await (await session.find("[data-test=form-error]")).text(), /2024-02-01/);
  assert.equal(app.readInventoryOrEmpty().tokens.length, 0);

  step("unusual shape needs consent");
  await secret.clear();
  await secret.type("not-a-pat-at-all");
  await (await session.find("[data-test=save]")).click();
  assert.match(await (await session.find("[data-test=shape-warning]")).text(), /does not look like/);
  await shot("10-shape-warning");
  assert.equal(app.readInventoryOrEmpty().tokens.length, 0, "nothing saved before consent");
  await (await session.find("[data-test=save-anyway]")).click();
  assert.match(await (await session.find("[data-test=notice]")).text(), /warning/);
  assert.match(await (await session.find("[data-test=token-id]")).text(), /not a standard PAT shape/);

  step("replace the secret");
  const [odd] = app.readInventory().tokens;
  assert.equal(app.keychainSecret(odd.id), "not-a-pat-at-all");
  await (await session.find("[data-test=replace]")).click();
  // A secret typed, then cancelled, is not there when the form opens again; and no
  // password field asks to be remembered.
  await (await session.find("[data-test=new-secret]")).type("patCancelled00001.abc");
  await (await session.find("[data-test=replace-cancel]")).click();
  await (await session.find("[data-test=replace]")).click();
  assert.equal(await session.execute(`return document.querySelector("[data-test=new-secret]").value`), "");
  const autocomplete = await session.execute(
    `return [...document.querySelectorAll("input[type=password]")].map((i) => i.getAttribute("autocomplete"))`,
  );
  assert.deepEqual(autocomplete, ["new-password"]);
  await (await session.find("[data-test=new-secret]")).type(REPLACEMENT);
  await (await session.find("[data-test=replace-submit]")).click();
  await session.until(
    () => document.querySelector("[data-test=token-id]")?.textContent === "patRePlAcEd123456",
    "the new token ID",
  );
  assert.match(await (await session.find("[data-test=notice]")).text(), /Secret replaced/);
  assert.equal(app.keychainSecret(odd.id), REPLACEMENT);

  step("a token added by the CLI shows up; the filter finds it");
  app.cli(["add", "Backup job", "--used-by", "~/jobs/backup.env"], `${PAT}\n`);
  await (await session.find("header .brand")).click();
  await session.until(() => document.querySelectorAll("[data-test=token-row]").length === 2, "both tokens listed");
  await session.execute("document.activeElement?.blur()");
  await session.press("/");
  await session.until(() => document.activeElement?.getAttribute("data-test") === "filter", "the filter focused");
  await (await session.find("[data-test=filter]")).type("backup.env");
  await session.until(() => document.querySelectorAll("[data-test=token-row]").length === 1, "one row left");
  assert.match(await (await session.find("[data-test=token-row]")).text(), /Backup job/);
  await shot("11-filtered");

  step("settings, from an unreadable file");
  fs.writeFileSync(path.join(app.dataDir, "settings.json"), "{");
  await (await session.find("[data-test=open-settings]")).click();
  assert.match(
    await (await session.find("[data-test=settings] [role=alert]")).text(),
    /the settings file .*settings\.json cannot be read .*defaults are used until you save settings/,
  );
  const seconds = await session.find("[data-test=clipboard-seconds]");
  await seconds.clear();
  await seconds.type("12");
  const lead = await session.find("[data-test=lead-days-setting]");
  await lead.clear();
  await lead.type("21");
  await (await session.find("[data-test=settings] button[type=submit]")).click();
  await session.find("[data-test=settings] [role=status]");
  const saved = JSON.parse(fs.readFileSync(path.join(app.dataDir, "settings.json"), "utf8"));
  assert.deepEqual(saved, {
    clipboard_clear_seconds: 12,
    reminder_lead_days: 21,
    check_stale_days: 7,
    close_to_tray: true,
    start_at_login: false,
    daily_check: false,
    daily_check_full: false,
  });

  step("the orphan made a token again, the stray entry deleted");
  await (await session.find("header .brand")).click();
  await (await session.find("[data-test=restore-orphans]")).click();
  const restored = () => app.readInventory().tokens.find((r) => r.intent.name === "Recovered patL0stRecord0001");
  await waitFor(restored, "the restored token");
  assert.equal(restored().id, LOST);
  assert.match(await (await session.find("[data-test=banner-error]")).text(), /stray-account/);
  await (await session.find("[data-test=delete-orphans]")).click();
  await (await session.find("[data-test=confirm-delete-orphans]")).click();
  await session.until(() => !document.querySelector("[data-test=banner]"), "no entry without a token is left");
  assert.equal(app.keychainSecret("stray-account"), "");
  assert.equal(app.keychainSecret(LOST), LOST_SECRET);

  step("the vault's folder holds the vault's files only");
  // The web view keeps its storage in the cache folder, never beside the inventory.
  const own = /^(inventory\.json(\.bak)?|inventory\.lock|settings\.json|reminders\.(json|lock)|patvault\.log|journal)$/;
  const strangers = fs.readdirSync(app.dataDir).filter((f) => !own.test(f));
  assert.deepEqual(strangers, []);
  assert.deepEqual(fs.readdirSync(path.join(app.dataDir, "journal")), [], "no write is left half-made");
  assert.equal(fs.statSync(app.dataDir).mode & 0o777, 0o700, "the data folder is private");
  assert.ok(fs.existsSync(path.join(process.env.XDG_CACHE_HOME, "dev.patvault.debug", "webview")), "the web view's own folder");
});
