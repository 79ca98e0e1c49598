// End to end: a reminder reaches the desktop as a real freedesktop notification over the
// private D-Bus session (received by tests/e2e/notifications.py), once a day per token
// across restarts, and the token page offers to snooze it. With the daily check on, a
// token Airtable no longer accepts is found in the background and reported the same way,
// as is a token whose reach was edited in Airtable since its last check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { launchApp, step, waitFor, work } from "./app.mjs";
import { startFake } from "./fake.mjs";
import { demoScenario, demoVault } from "../scenarios/seed.mjs";

function daysAgo(days) {
  const d = new Date();
  d.setDate(d.getDate() - days);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const secret = (n) => `patReminder00000${n}.${String(n).repeat(64)}`;

async function startNotificationServer(log) {
  // Debian's own Python, where python3-dbus and python3-gi are installed.
  const server = spawn("/usr/bin/python3", [path.join(import.meta.dirname, "notifications.py"), log], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: server.stdout }).once("line", resolve);
    server.once("exit", (code) => reject(new Error(`the notification server exited with ${code}`)));
  });
  return server;
}

const received = (log) =>
  fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map(JSON.parse) : [];

test("an overdue token becomes one desktop notification a day, across restarts", async (t) => {
  const log = path.join(work, "notifications.jsonl");
  const server = await startNotificationServer(log);
  t.after(() => server.kill());
  const seed = ({ cli }) => {
    cli(["add", "Backup job", "--rotate-every", "90", "--rotated-on", daysAgo(100), "--used-by", "cron"], `${secret(1)}\n`);
    cli(["add", "Fresh token", "--rotate-every", "90"], `${secret(2)}\n`);
  };

  step("first start: the reminder arrives");
  let app = await launchApp("reminders", { port: 4494, beforeStart: seed });
  const remindersFile = path.join(app.dataDir, "reminders.json");
  try {
    await waitFor(() => received(log).length > 0, "a notification");
    const [note, ...more] = received(log);
    assert.equal(note.summary, "Airtable token overdue for rotation");
    assert.match(note.body, /^“Backup job”: rotation overdue by 10 days\. Rotate it in Airtable/);
    assert.deepEqual(more, []);
    assert.ok(!note.body.includes(secret(1).split(".")[1]), "no secret in a notification");
  } finally {
    await app.stop();
  }

  step("second start the same day: no repeat");
  const before = fs.statSync(remindersFile).ino;
  app = await launchApp("reminders", { port: 4494 });
  try {
    // The app rewrites the log at each look, so a new file means it has looked.
    await waitFor(() => fs.statSync(remindersFile).ino !== before, "the second look at reminders");
    assert.equal(received(log).length, 1, "still one notification");

    step("the token page says why and snoozes");
    await (await app.session.find("[data-test=token-row][data-name='Backup job'] td")).click();
    assert.match(await (await app.session.find("[data-test=attention]")).text(), /rotation overdue by 10 days/);
    await (await app.session.find("[data-test=snooze]")).click();
    assert.match(await (await app.session.find("[data-test=snoozed]")).text(), /^No reminders about this token until \d{4}-\d\d-\d\d\.$/);
    await app.shot("20-token-attention");
  } finally {
    await app.stop();
  }
  const log2 = JSON.parse(fs.readFileSync(remindersFile, "utf8"));
  const [entry] = Object.values(log2.tokens).filter((e) => e.snoozed_until);
  assert.equal(entry.kind, "overdue");
});

test("the daily check finds a revoked token in the background and says so", async (t) => {
  const log = path.join(work, "daily-notifications.jsonl");
  const server = await startNotificationServer(log);
  const fake = await startFake(demoScenario);
  const demo = (name) => demoVault.tokens.find((d) => d.name === name);
  const revoked = demo("Old Airtable sync");
  const fine = demo("Zapier: CRM sync");
  const app = await launchApp("daily", {
    port: 4524,
    env: { PATVAULT_AIRTABLE_URL: fake.url },
    settings: { daily_check: true },
    beforeStart: ({ cli }) => {
      // Both rotated today: any reminder can only come from the check.
      cli(["add", revoked.name, "--scope", "data.records:read"], `${revoked.secret}\n`);
      const intent = [...fine.scopes.flatMap((sc) => ["--scope", sc]), ...fine.bases.flatMap((b) => ["--base", b])];
      cli(["add", fine.name, ...intent], `${fine.secret}\n`);
    },
  });
  t.after(async () => {
    await app.stop();
    fake.stop();
    server.kill();
  });

  step("against another API root, the daily check waits for the user");
  // The look at start has run once reminders.json is written; it checked nothing.
  await waitFor(() => fs.existsSync(path.join(app.dataDir, "reminders.json")), "the look at start", 30000);
  assert.equal((await fake.stats()).requests, 0, "no token went to PATVAULT_AIRTABLE_URL unasked");
  const banner = await (await app.session.find("[data-test=banner]")).text();
  assert.ok(banner.includes(`Checks send your tokens to ${fake.url}`), banner);

  step("saving the daily check on runs it, unseen");
  await (await app.session.find("[data-test=open-settings]")).click();
  await (await app.session.find("[data-test=save-settings]")).click();
  await waitFor(() => received(log).length > 0, "a notification", 30000);
  const [note, ...more] = received(log);
  assert.equal(note.summary, "Airtable token no longer works");
  assert.match(note.body, /^“Old Airtable sync”: .*Airtable no longer accepts it/);
  assert.deepEqual(more, []);
  const checks = Object.fromEntries(app.readInventory().tokens.map((r) => [r.intent.name, r.checks.map((c) => c.status)]));
  assert.deepEqual(checks, { [revoked.name]: ["invalid"], [fine.name]: ["ok"] });
  // By default the daily check is light, to spare the workspace's monthly API calls:
  // whoami for the revoked token, whoami and the base list for the other.
  const light = app.readInventory().tokens.map((r) => r.checks[0].light);
  assert.deepEqual(light, [true, true]);
  assert.equal((await fake.stats()).requests, 3);
});

test("a token edited in Airtable since its last check is told once, by the daily check and on its page, with the place it breaks", async (t) => {
  const log = path.join(work, "reach-notifications.jsonl");
  const server = await startNotificationServer(log);
  const fake = await startFake(demoScenario);
  const zapier = demoVault.tokens.find((d) => d.name === "Zapier: CRM sync");
  const app = await launchApp("edited", {
    port: 4526,
    env: { PATVAULT_AIRTABLE_URL: fake.url },
    settings: { daily_check: true },
    beforeStart: ({ cli }) => {
      const intent = [...zapier.scopes.flatMap((sc) => ["--scope", sc]), ...zapier.bases.flatMap((b) => ["--base", b])];
      cli(["add", zapier.name, ...intent, "--consumer", "custom=deal sync;needs=data.records:read"], `${zapier.secret}\n`);
      cli(["check", "--light"], "", { PATVAULT_AIRTABLE_URL: fake.url });
      // That check was two days ago: the daily check takes the token again.
      const file = path.join(path.dirname(log), "edited", "data", "inventory.json");
      const inventory = JSON.parse(fs.readFileSync(file, "utf8"));
      const earlier = (iso) => new Date(Date.parse(iso) - 2 * 86400000).toISOString();
      for (const token of inventory.tokens) {
        token.checks = token.checks.map((c) => ({ ...c, checked_at: earlier(c.checked_at) }));
        token.last_report.checked_at = earlier(token.last_report.checked_at);
      }
      fs.writeFileSync(file, JSON.stringify(inventory));
    },
  });
  t.after(async () => {
    await app.stop();
    fake.stop();
    server.kill();
  });

  step("its owner removes its base at airtable.com/create/tokens; the daily check notices");
  await fake.editToken(zapier.secret.split(".")[0], { bases: [] });
  await (await app.session.find("[data-test=open-settings]")).click();
  await (await app.session.find("[data-test=save-settings]")).click();
  await waitFor(() => received(log).length > 1, "two notifications", 30000);
  // Each notification is shown on a thread of its own, so they may arrive in either order.
  const notes = received(log);
  const titled = (summary) => notes.filter((n) => n.summary === summary);
  assert.equal(notes.length, 2, JSON.stringify(notes.map((n) => n.summary)));
  const [note] = titled("Airtable token reaches less than before");
  const [broken] = titled("A place that uses an Airtable token will fail");
  assert.ok(note && broken, JSON.stringify(notes.map((n) => n.summary)));
  assert.match(note.body, /^“Zapier: CRM sync” changed since its last check .*bases lost: appSalesCRM000000/);
  // The place that works on that base: it will fail now.
  assert.match(broken.body, /^“deal sync” will fail with “Zapier: CRM sync”: the token does not reach .*appSalesCRM000000/);
  assert.ok(!broken.body.includes(zapier.secret.split(".")[1]), "no secret in a notification");

  step("the token page says what changed");
  await (await app.session.find("button.brand")).click();
  await (await app.session.find("[data-test=token-row] td")).click();
  const changed = await (await app.session.find("[data-test=changed-since-last]")).text();
  assert.match(changed, /Reaches less than its earlier checks showed/);
  assert.match(changed, /bases lost: appSalesCRM000000/);
});
