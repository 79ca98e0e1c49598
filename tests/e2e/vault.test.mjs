// End to end: the real app binary, under Xvfb, driven through tauri-driver and
// WebKitWebDriver, with a real Secret Service on a private D-Bus session. Run by
// scripts/e2e.sh, which provides the display, the session bus and the built binary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { KEY } from "./webdriver.mjs";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { appsOf, copyAsUser, filesContaining, launchApp, run, step, waitFor, work } from "./app.mjs";

const PAT = "patAbCdEfGh123456.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const SECRET_PART = PAT.split(".")[1];
const CLEAR_AFTER = 5;
const clipboard = () => run("xclip", ["-o", "-selection", "clipboard"]);

/** A clipboard manager that keeps whatever is copied alive after its owner quits, hint
 * or no hint (as some do): it reads each new text, notes the targets it was offered in,
 * and serves the text itself. */
function keepingClipboardManager() {
  const seen = [];
  let last = "";
  const timer = setInterval(() => {
    const text = clipboard();
    if (!text || text === last) return;
    last = text;
    seen.push({ text, targets: run("xclip", ["-o", "-selection", "clipboard", "-t", "TARGETS"]).split("\n").filter(Boolean) });
    spawn("xclip", ["-i", "-selection", "clipboard"], { stdio: ["pipe", "ignore", "ignore"], detached: true }).stdin.end(text);
  }, 100);
  return {
    seen,
    /** Forgets what it saw, so the same text copied again counts as new. */
    reset: () => {
      seen.length = 0;
      last = "";
    },
    stop: () => clearInterval(timer),
  };
}

async function quitBySignal(app) {
  // The app itself, not the web view's processes that share its environment.
  const pids = appsOf(app.dataDir).filter((p) => fs.readFileSync(`/proc/${p}/comm`, "utf8").trim() === "patvault-app");
  assert.equal(pids.length, 1);
  process.kill(pids[0], "SIGTERM");
  await waitFor(() => !appsOf(app.dataDir).includes(pids[0]), "the app to quit");
}

test("a copied secret is kept out of clipboard histories and wiped when the app quits", async (t) => {
  const manager = keepingClipboardManager();
  t.after(() => manager.stop());
  for (const [round, userCopies, port] of [["wiped", false, 4454], ["left alone", true, 4464]]) {
    const app = await launchApp(`clipboard-${round.replace(" ", "-")}`, {
      port,
      settings: { clipboard_clear_seconds: 600 },
      beforeStart: ({ cli }) => cli(["add", "CRM"], `${PAT}\n`),
    });
    step(`clipboard: ${round}`);
    await (await app.session.find("[data-test=token-row] td")).click();
    await (await app.session.find("[data-test=copy]")).click();
    await waitFor(() => manager.seen.some((s) => s.text === PAT), "the manager to see the copy", 5000);
    const offered = manager.seen.find((s) => s.text === PAT).targets;
    assert.ok(offered.includes("x-kde-passwordManagerHint"), offered.join(" "));
    // The manager serves the copy now (its offer has no hint), so nothing it does later
    // can overtake what follows.
    await waitFor(
      () => !run("xclip", ["-o", "-selection", "clipboard", "-t", "TARGETS"]).includes("x-kde-passwordManagerHint"),
      "the manager to take the copy over",
      5000,
    );
    if (userCopies) {
      copyAsUser("the user's own text");
      await waitFor(() => clipboard() === "the user's own text", "the user's text");
    }
    await quitBySignal(app);
    // Long before its 600 s are up, the secret is gone; the user's own text is not.
    await waitFor(() => clipboard() !== PAT, "the secret to leave the clipboard", 5000);
    assert.equal(clipboard(), userCopies ? "the user's own text" : "");
    manager.reset();
    // The app is gone already; this ends its driver.
    await app.stop();
  }
});

test("add, list, edit, copy and remove a token in the app", async (t) => {
  const app = await launchApp("vault", { port: 4444, settings: { clipboard_clear_seconds: CLEAR_AFTER } });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-vault").catch(() => {});
    await app.stop();
  });

  step("app started");
  await session.find("[data-test=empty-list]");
  await shot("01-empty-list");

  step("add form");
  await session.chord(KEY.ctrl, "n");
  // The form focuses its secret field once it is shown: typing elsewhere must wait for that.
  await session.until(() => document.activeElement?.dataset.test === "secret", "the secret field focused");
  await (await session.find("[data-test=name]")).type("CRM sync");
  await (await session.find("[data-test=secret]")).type(PAT);
  await (await session.find("[data-scope='data.records:read']")).click();
  await (await session.find("[data-scope='webhook:manage']")).click();
  await (await session.find("[data-test=base-id]")).type("appAAAAAAAAAAAAAA");
  await (await session.find("[data-test=base-table]")).type("tblBBBBBBBBBBBBBB");
  await (await session.find("[data-test=base-label]")).type("Sales CRM");
  await (await session.find("[data-test=place-label]")).type("Zapier: CRM sync");
  await (await session.find("[data-test=add-place]")).click();
  const labels = await session.findAll("[data-test=place-label]");
  await labels[1].type("~/jobs/backup.env");
  await shot("02-add-form");
  await (await session.find("[data-test=save]")).click();

  assert.equal(await (await session.find("[data-test=token-name]")).text(), "CRM sync");
  assert.equal(await (await session.find("[data-test=token-id]")).text(), "patAbCdEfGh123456");
  await shot("03-token-page");

  const [record] = app.readInventory().tokens;
  assert.equal(record.intent.name, "CRM sync");
  assert.deepEqual(record.intent.scopes, ["data.records:read", "webhook:manage"]);
  assert.deepEqual(record.intent.bases, [{ id: "appAAAAAAAAAAAAAA", label: "Sales CRM", table: "tblBBBBBBBBBBBBBB" }]);
  assert.deepEqual(record.intent.used_by, [
    { kind: "custom", label: "Zapier: CRM sync" },
    { kind: "custom", label: "~/jobs/backup.env", path: "~/jobs/backup.env" },
  ]);
  assert.equal(app.keychainSecret(record.id), PAT, "the secret is in the Secret Service");

  step("list");
  // The list shows it; the secret is nowhere in the page.
  await (await session.find("header .brand")).click();
  const rowText = await (await session.find("[data-test=token-row]")).text();
  assert.match(rowText, /CRM sync/);
  assert.match(rowText, /patAbCdEfGh123456/);
  const pageHasSecret = "return document.documentElement.outerHTML.includes(arguments[0])";
  assert.equal(await session.execute(pageHasSecret, SECRET_PART), false);
  await shot("04-list");

  step("edit");
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
  assert.deepEqual(app.readInventory().tokens[0].intent.scopes, ["data.records:read"]);
  assert.equal(app.keychainSecret(record.id), PAT);

  step("copy");
  // Copy: the clipboard holds the secret, then is cleared after the configured delay.
  await (await session.find("[data-test=copy]")).click();
  await session.find("[data-test=copied]");
  await waitFor(() => clipboard() === PAT, "the secret on the clipboard", 5000);
  await shot("06-copied");
  await waitFor(() => clipboard() !== PAT, "the clipboard to be cleared", (CLEAR_AFTER + 10) * 1000);
  assert.equal(clipboard(), "");

  step("copy, then the user copies");
  // Copied again, then the user copies something else: that is left alone.
  await (await session.find("[data-test=copy]")).click();
  await waitFor(() => clipboard() === PAT, "the secret on the clipboard again", 5000);
  copyAsUser("the user's own text");
  assert.equal(clipboard(), "the user's own text");
  await new Promise((r) => setTimeout(r, (CLEAR_AFTER + 2) * 1000)); // outlive the wipe timer
  assert.equal(clipboard(), "the user's own text");

  step("remove");
  // Remove: a confirmation that names the token, then both sides are gone.
  await (await session.find("[data-test=remove]")).click();
  const confirm = await session.find("[data-test=confirm-remove]");
  assert.match(await confirm.text(), /Remove “CRM sync \(prod\)”/);
  await shot("07-confirm-remove");
  await (await session.find("[data-test=confirm-remove-button]")).click();
  await session.find("[data-test=empty-list]");
  assert.match(await (await session.find("[data-test=notice]")).text(), /Removed “CRM sync \(prod\)”/);
  assert.equal(app.keychainSecret(record.id), "");
  assert.equal(app.readInventory().tokens.length, 0);
  await shot("08-removed");

  // The secret never touched disk outside the keychain: not the data folder, not the
  // web view's own storage and caches (XDG folders under `work`), not the logs.
  assert.deepEqual(filesContaining(work, SECRET_PART), []);
});

test("without a keychain the list still shows, under a banner that says what to do", async (t) => {
  const id = "6f1c2a9e-0b7d-4c55-9d0e-3f4b5a6c7d8e";
  const inventory = {
    format: 1,
    tokens: [
      {
        id,
        token_id: "patAbCdEfGh123456",
        created_at: "2026-01-01T00:00:00Z",
        intent: {
          name: "Backup job",
          scopes: ["data.records:read"],
          bases: [],
          rotate_every_days: 30,
          last_rotated: "2026-01-01",
          used_by: ["~/jobs/backup.env"],
          notes: "",
        },
      },
    ],
  };
  const app = await launchApp("no-keychain", {
    port: 4454,
    inventory,
    env: { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" },
  });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-no-keychain").catch(() => {});
    await app.stop();
  });

  step("no-keychain app started");
  const banner = await session.find("[data-test=banner]");
  await session.until(
    () => document.querySelector("[data-test=banner]")?.textContent.includes("no Secret Service is running"),
    "the keychain banner",
  );
  assert.match(await banner.text(), /gnome-keyring/);
  const row = await session.find("[data-test=token-row]");
  assert.match(await row.text(), /Backup job/);
  assert.match(await row.text(), /overdue/);
  await shot("09-keychain-unavailable");

  await (await session.find("[data-test=token-row] .name")).click();
  await (await session.find("[data-test=copy]")).click();
  const error = await session.find("[data-test=page-error]");
  assert.match(await error.text(), /keychain is not available/);
  assert.equal(app.readInventory().tokens.length, 1, "nothing was lost");
});
