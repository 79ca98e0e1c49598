// End to end: the real app binary, under Xvfb, driven through tauri-driver and
// WebKitWebDriver, with a real Secret Service on a private D-Bus session. Run by
// scripts/test.sh, which provides the display, the session bus and the built binary.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Session, KEY } from "./webdriver.mjs";

const PAT = "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const SECRET_PART = PAT.split(".")[1];
const app = process.env.E2E_APP;
const work = process.env.E2E_WORK;
const shots = process.env.E2E_SCREENSHOTS;
const service = `dev.patvault.e2e.${process.pid}`;
const dataDir = path.join(work, "data");
const driverLog = path.join(work, "tauri-driver.log");
const port = 4444;

let driver;
let session;

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    return e.stdout ?? "";
  }
}

const clipboard = () => run("xclip", ["-o", "-selection", "clipboard"]);
const keychainSecret = (account) => run("secret-tool", ["lookup", "service", service, "username", account]);
const inventory = () => JSON.parse(fs.readFileSync(path.join(dataDir, "inventory.json"), "utf8"));

function filesContaining(dir, needle) {
  const hits = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (fs.readFileSync(file).includes(needle)) hits.push(file);
  }
  return hits;
}

async function shot(name) {
  fs.writeFileSync(path.join(shots, `${name}.png`), await session.screenshot());
}

async function waitFor(check, description, timeout = 10000) {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  assert.ok(app && work && shots, "run through scripts/test.sh (E2E_APP, E2E_WORK, E2E_SCREENSHOTS)");
  fs.mkdirSync(shots, { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true });
  // A short clipboard delay, set the way a user sets it, keeps the test quick.
  fs.writeFileSync(path.join(dataDir, "settings.json"), JSON.stringify({ clipboard_clear_seconds: 5 }));
  const log = fs.openSync(driverLog, "w");
  driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1)], {
    env: { ...process.env, PATVAULT_DATA_DIR: dataDir, PATVAULT_KEYCHAIN_SERVICE: service },
    stdio: ["ignore", log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      session = await Session.start(url, app);
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
});

after(async () => {
  await session?.end();
  driver?.kill();
});

test("add, list, edit, copy and remove a token in the app", async (t) => {
  t.after(async () => {
    if (t.passed === false) await shot("failure").catch(() => {});
  });

  await session.find("[data-test=empty-list]");
  await shot("01-empty-list");

  await session.chord(KEY.ctrl, "n");
  await (await session.find("[data-test=name]")).type("CRM sync");
  await (await session.find("[data-test=secret]")).type(PAT);
  await (await session.find("[data-scope='data.records:read']")).click();
  await (await session.find("[data-scope='webhook:manage']")).click();
  await (await session.find("[data-test=base-id]")).type("appAAAAAAAAAAAAAA");
  await (await session.find("[data-test=base-table]")).type("tblBBBBBBBBBBBBBB");
  await (await session.find("[data-test=base-label]")).type("Sales CRM");
  await (await session.find("[data-test=used-by]")).type(`Zapier: CRM sync${KEY.enter}~/jobs/backup.env`);
  await shot("02-add-form");
  await (await session.find("[data-test=save]")).click();

  const title = await session.find("[data-test=token-name]");
  assert.equal(await title.text(), "CRM sync");
  assert.equal(await (await session.find("[data-test=token-id]")).text(), "patAbCdEfGh123456");
  await shot("03-token-page");

  const [record] = inventory().tokens;
  assert.equal(record.intent.name, "CRM sync");
  assert.deepEqual(record.intent.scopes, ["data.records:read", "webhook:manage"]);
  assert.deepEqual(record.intent.bases, [{ id: "appAAAAAAAAAAAAAA", label: "Sales CRM", table: "tblBBBBBBBBBBBBBB" }]);
  assert.deepEqual(record.intent.used_by, ["Zapier: CRM sync", "~/jobs/backup.env"]);
  assert.equal(keychainSecret(record.id), PAT, "the secret is in the Secret Service");

  // The list shows it; the secret is nowhere in the page.
  await (await session.find("header .brand")).click();
  const row = await session.find("[data-test=token-row]");
  const rowText = await row.text();
  assert.match(rowText, /CRM sync/);
  assert.match(rowText, /patAbCdEfGh123456/);
  assert.equal(await session.execute("return document.documentElement.outerHTML.includes(arguments[0])", SECRET_PART), false);
  await shot("04-list");

  // Edit: rename and change the scopes; the secret stays with the token.
  await (await session.find("[data-test=token-row] .name")).click();
  await (await session.find("[data-test=edit]")).click();
  const name = await session.find("[data-test=name]");
  await name.clear();
  await name.type("CRM sync (prod)");
  await (await session.find("[data-scope='webhook:manage']")).click();
  await shot("05-edit-form");
  await (await session.find("[data-test=save]")).click();
  await session.until(
    () => document.querySelector("[data-test=token-name]")?.textContent === "CRM sync (prod)",
    "the renamed token page",
  );
  assert.deepEqual(inventory().tokens[0].intent.scopes, ["data.records:read"]);
  assert.equal(keychainSecret(record.id), PAT);

  // Copy: the clipboard holds the secret, then is cleared after the configured delay.
  await (await session.find("[data-test=copy]")).click();
  await session.find("[data-test=copied]");
  await waitFor(() => clipboard() === PAT, "the secret on the clipboard", 5000);
  await shot("06-copied");
  await waitFor(() => clipboard() !== PAT, "the clipboard to be cleared", 15000);
  assert.equal(clipboard(), "");

  // Remove: a confirmation that names the token, then both sides are gone.
  await (await session.find("[data-test=remove]")).click();
  const confirm = await session.find("[data-test=confirm-remove]");
  assert.match(await confirm.text(), /Remove “CRM sync \(prod\)”/);
  await shot("07-confirm-remove");
  await (await session.find("[data-test=confirm-remove-button]")).click();
  await session.find("[data-test=empty-list]");
  assert.match(await (await session.find("[data-test=notice]")).text(), /Removed “CRM sync \(prod\)”/);
  assert.equal(keychainSecret(record.id), "");
  assert.equal(inventory().tokens.length, 0);
  await shot("08-removed");

  // The secret never touched disk outside the keychain: not the data folder, not the
  // web view's own storage and caches, not the logs.
  assert.deepEqual(filesContaining(work, SECRET_PART), []);
});
