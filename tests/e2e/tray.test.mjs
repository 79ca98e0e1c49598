// End to end: the app as a resident of the tray. Its icon registers with a
// StatusNotifierItem host on the private D-Bus session (tests/e2e/tray.py, standing in
// for a desktop's panel); the icon's menu lists what needs attention and opens the app on
// that token; "start at login" writes the autostart entry; the calendar is exported;
// closing the window leaves the app in the tray without its web view; starting it again
// hands over to the running one; Quit ends it. Started at login it shows only its icon;
// with no tray host left, closing the window ends it. Closed during an import, it starts
// afresh only once the token is written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { launchApp, step, waitFor, work } from "./app.mjs";
import { startFake } from "./fake.mjs";
import { demoScenario, demoVault } from "../scenarios/seed.mjs";

function daysAgo(days) {
  const d = new Date();
  d.setDate(d.getDate() - days);
  return d.toLocaleDateString("sv");
}

const secret = (n) => `patTrayToken0000${n}.${String(n).repeat(64)}`;

/** The panel stand-in: one command in, one JSON line out. */
async function startTrayHost() {
  const host = spawn("/usr/bin/python3", [path.join(import.meta.dirname, "tray.py")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = [];
  const waiting = [];
  readline.createInterface({ input: host.stdout }).on("line", (line) => {
    const answer = JSON.parse(line);
    if (answer.registered) registered.push(answer.registered);
    else if (waiting.length) waiting.shift()(answer);
    else lines.push(answer);
  });
  const registered = [];
  const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((r) => waiting.push(r)));
  const ready = await Promise.race([
    next(),
    new Promise((_, reject) => host.once("exit", (code) => reject(new Error(`tray.py exited with ${code}`)))),
  ]);
  assert.deepEqual(ready, { ready: true });
  const ask = async (command) => {
    host.stdin.write(`${command}\n`);
    const answer = await next();
    if (answer.error) throw new Error(`tray.py: ${answer.error}`);
    return answer;
  };
  return {
    registered,
    menu: async () => (await ask("menu")).menu,
    /** The menu once `check` holds for it: the app fills in what needs attention after its icon registers. */
    menuWhere: async (check, description, timeout = 10000) => {
      const deadline = Date.now() + timeout;
      for (;;) {
        const menu = (await ask("menu")).menu;
        if (check(menu)) return menu;
        if (Date.now() > deadline) throw new Error(`timed out waiting for the tray menu ${description}: ${menu.map((m) => m.label).join(" | ")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    click: (id) => ask(`click ${id}`),
    pid: async () => (await ask("pid")).pid,
    stop: () => host.kill(),
  };
}

/** Whether the process runs (an exited one its parent has not reaped yet does not). */
const alive = (pid) => {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
};

/** One field of each process `pid` started. */
const ofChildren = (pid, field) => {
  try {
    return execFileSync("ps", ["--ppid", String(pid), "-o", `${field}=`], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return []; // ps exits 1 when there are none
  }
};

/** The names of the processes the app started (its web views among them). */
const children = (pid) => ofChildren(pid, "comm");

const residentKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

/** The app's resident memory and that of the processes it started, in MiB. */
function memory(pid) {
  const own = residentKiB(pid);
  const started = ofChildren(pid, "rss").reduce((sum, kib) => sum + Number(kib), 0);
  return `${Math.round((own + started) / 1024)} MiB (app ${Math.round(own / 1024)}, helpers ${Math.round(started / 1024)})`;
}

/** Closes the app's window as a user would, through the window manager's message. */
const closeWindow = () =>
  execFileSync("/usr/bin/python3", [path.join(import.meta.dirname, "close_window.py"), "PAT Vault"], { timeout: 5000 });

/** Whether a window titled PAT Vault is on screen. */
const windowShown = () => {
  try {
    execFileSync("/usr/bin/python3", [path.join(import.meta.dirname, "close_window.py"), "--find", "PAT Vault"], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
};

test("the tray lists what needs attention, keeps the app when the window closes, and quits it", async (t) => {
  const host = await startTrayHost();
  const home = path.join(work, "tray-home");
  fs.mkdirSync(home, { recursive: true });
  const app = await launchApp("tray", {
    port: 4514,
    env: { HOME: home },
    beforeStart: ({ cli }) => {
      cli(["add", "Backup job", "--rotate-every", "90", "--rotated-on", daysAgo(100), "--used-by", "cron"], `${secret(1)}\n`);
      cli(["add", "Fresh token", "--rotate-every", "90"], `${secret(2)}\n`);
    },
  });
  const { session, shot } = app;
  let pid;
  t.after(async () => {
    if (!t.passed) await shot("failure-tray").catch(() => {});
    await app.stop().catch(() => {});
    if (pid && alive(pid)) process.kill(pid);
    host.stop();
  });

  step("the icon registers and its menu lists the overdue token");
  await waitFor(() => host.registered.length > 0, "the tray icon to register", 20000);
  pid = await host.pid();
  await session.find("[data-test=token-row]");
  const listsOverdue = (m) => m.some((item) => item.label.startsWith("Backup job: "));
  let menu = await host.menuWhere(listsOverdue, "to list the overdue token");
  const labels = menu.map((m) => m.label);
  assert.equal(labels[0], "Open PAT Vault");
  assert.equal(labels.at(-1), "Quit PAT Vault");
  const overdue = menu.find((m) => m.label.startsWith("Backup job: "));
  assert.match(overdue.label, /^Backup job: rotation overdue by 10 days/);
  assert.ok(!labels.some((l) => l.startsWith("Fresh token")), labels.join(" | "));

  step("the menu opens the app on that token");
  await host.click(overdue.id);
  await session.until(
    () => document.querySelector("[data-test=token-name]")?.textContent === "Backup job",
    "the token page of Backup job",
  );

  step("settings: start at login, and the calendar");
  await (await session.find("[data-test=open-settings]")).click();
  await (await session.find("[data-test=start-at-login]")).click();
  await (await session.find("[data-test=save-settings]")).click();
  await session.until(() => document.querySelector("[data-test=settings] [role=status]")?.textContent === "Saved.", "saved");
  const autostart = path.join(home, ".config", "autostart");
  const [entry] = fs.readdirSync(autostart);
  const desktop = fs.readFileSync(path.join(autostart, entry), "utf8");
  assert.match(desktop, /^Exec="[^"]*patvault" --minimized$/m);
  assert.equal(JSON.parse(fs.readFileSync(path.join(app.dataDir, "settings.json"), "utf8")).start_at_login, true);
  await (await session.find("[data-test=export-calendar]")).click();
  const exported = await (await session.find("[data-test=exported]")).text();
  const ics = path.join(home, "patvault-rotations.ics");
  assert.ok(exported.startsWith(`Saved ${ics}`), exported);
  const calendar = fs.readFileSync(ics, "utf8");
  assert.match(calendar, /^BEGIN:VCALENDAR\r\n/);
  assert.match(calendar, /SUMMARY:Rotate Airtable token “Backup job”/);
  assert.ok(!calendar.includes(secret(1).split(".")[1]), "no secret in the calendar");
  await shot("40-settings-tray");

  step("closing the window keeps the app, started afresh in the tray only");
  const withWindow = memory(pid);
  assert.ok(children(pid).includes("WebKitWebProces"), children(pid).join(" "));
  let icons = host.registered.length;
  closeWindow();
  // The same process becomes a fresh tray-only app, whose icon registers anew.
  await waitFor(() => host.registered.length > icons, "the fresh image's tray icon", 20000);
  assert.ok(alive(pid), "the app still runs, under the same process id");
  assert.equal(await host.pid(), pid);
  assert.deepEqual(children(pid), [], "no web view process is left");
  const trayOnly = memory(pid);
  console.log(`# resident with the window: ${withWindow}; in the tray only: ${trayOnly}`);
  menu = await host.menuWhere(listsOverdue, "of the fresh tray-only app to list the overdue token");
  assert.equal(menu[0].label, "Open PAT Vault", "the tray still answers");

  step("the tray builds the window again");
  await host.click(menu[0].id);
  await waitFor(() => children(pid).includes("WebKitWebProces"), "a new web view", 20000);
  icons = host.registered.length;
  closeWindow();
  await waitFor(() => host.registered.length > icons, "the tray icon of the app started afresh again", 20000);
  assert.ok(!children(pid).includes("WebKitWebProces"), "the web view's process ended again");

  step("a second start hands over to the running app, which shows its window");
  assert.equal(app.cli([]), "", "the second start ends quietly");
  await waitFor(() => children(pid).includes("WebKitWebProces"), "the window shown by the first app", 20000);
  assert.ok(alive(pid), "the first app still runs");

  step("Quit ends the app");
  await host.click((await host.menu()).at(-1).id);
  await waitFor(() => !alive(pid), "the app to end", 20000);

  step("started at login: only the tray, until it is opened");
  icons = host.registered.length;
  // As the login entry does: the command line, which becomes the app beside it.
  const atLogin = spawn(process.env.E2E_CLI, ["--minimized"], {
    env: { ...process.env, PATVAULT_DATA_DIR: app.dataDir, PATVAULT_KEYCHAIN_SERVICE: app.service, HOME: home },
    stdio: "ignore",
  });
  pid = atLogin.pid;
  await waitFor(() => host.registered.length > icons, "the tray icon of the app started at login", 20000);
  assert.equal((await host.menu())[0].label, "Open PAT Vault");
  assert.equal(windowShown(), false, "no window at login");
  await host.click((await host.menu())[0].id);
  await waitFor(() => children(pid).includes("WebKitWebProces"), "the window opened from the tray", 20000);

  step("without a tray to come back from, closing the window ends the app");
  host.stop();
  await waitFor(() => windowShown(), "the window to be mapped");
  closeWindow();
  await waitFor(() => !alive(pid), "the app to end", 20000);
});

test("closing the window during an import: the app starts afresh in the tray only once the token is written", async (t) => {
  const host = await startTrayHost();
  const home = path.join(work, "tray-import-home");
  fs.rmSync(home, { recursive: true, force: true });
  const pasted = demoVault.tokens.find((tk) => tk.name === "MCP server (Claude)").secret;
  const claude = path.join(home, ".config/Claude/claude_desktop_config.json");
  fs.mkdirSync(path.dirname(claude), { recursive: true });
  fs.writeFileSync(claude, JSON.stringify({ mcpServers: { airtable: { command: "npx", env: { AIRTABLE_API_KEY: pasted } } } }));
  const fake = await startFake(demoScenario);
  const app = await launchApp("tray-import", {
    port: 4540,
    env: { HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), PATVAULT_AIRTABLE_URL: fake.url },
  });
  const { session, shot } = app;
  let pid;
  t.after(async () => {
    if (!t.passed) await shot("failure-tray-import").catch(() => {});
    await app.stop().catch(() => {});
    if (pid && alive(pid)) process.kill(pid);
    host.stop();
    fake.stop();
  });
  await waitFor(() => host.registered.length > 0, "the tray icon to register", 20000);
  pid = await host.pid();

  step("an import whose check takes seconds, and the window closed meanwhile");
  await (await session.find("[data-test=open-where-used]")).click();
  await (await session.find("[data-test=scan-now]")).click();
  await session.until(() => document.querySelector("[data-test=scan-summary]"), "the scan ends");
  await (await session.find("[data-test=import-copies]")).click();
  await session.find("[data-test=import-name]");
  await fake.setFaults([{ route: "whoami", fault: "latency", ms: 3000 }]);
  await (await session.find("[data-test=confirm-import]")).click();
  const icons = host.registered.length;
  closeWindow();
  await waitFor(() => host.registered.length > icons, "the fresh image's tray icon", 30000);
  const imported = app.readInventoryOrEmpty().tokens.find((r) => r.intent.name === "airtable");
  assert.ok(imported, "the import ended, whole, before the app started afresh");
  assert.equal(app.keychainSecret(imported.id), pasted);
  const health = JSON.parse(app.cli(["doctor", "--json"]));
  assert.deepEqual(health.orphan_secrets, []);
});
