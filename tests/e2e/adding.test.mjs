// End to end: adding a token from its secret, with the keyboard alone. Pasting the
// secret asks Airtable (the fake) who it is and which bases it lists; the bases are
// offered by name, ticked; a full check of the ticked ones ticks the scopes that work;
// nothing is saved before Add token.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyAsUser, launchApp, step } from "./app.mjs";
import { KEY } from "./webdriver.mjs";
import { startFake } from "./fake.mjs";
import { demoScenario, demoVault } from "../scenarios/seed.mjs";

const TAB = "\uE004";
const SPACE = " ";

test("a pasted secret offers its bases and scopes, and nothing is saved before Add token", async (t) => {
  const fake = await startFake(demoScenario);
  const app = await launchApp("adding", { port: 4544, env: { PATVAULT_AIRTABLE_URL: fake.url } });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-adding").catch(() => {});
    await app.stop();
    fake.stop();
  });
  const secret = demoVault.tokens.find((t) => t.name === "Marketing site build").secret;
  const focused = () => session.execute("return document.activeElement?.dataset.test ?? null");

  step("paste the secret");
  await session.find("[data-test=empty-list]");
  await session.chord(KEY.ctrl, "n");
  await session.until(() => document.activeElement?.dataset.test === "secret", "the secret field comes first, focused");
  copyAsUser(secret);
  await session.chord(KEY.ctrl, "v");
  const summary = await (await session.find("[data-test=lookup-summary]", { timeout: 20000 })).text();
  assert.match(summary, /^A token of \S+, reaching \d+ bases?/);
  const offered = () =>
    session.execute(
      `return [...document.querySelectorAll("[data-test=offered-base]")].map((b) => [b.dataset.base, b.checked])`,
    );
  const bases = await offered();
  assert.ok(bases.length >= 2, JSON.stringify(bases));
  assert.ok(bases.every(([, on]) => on), "every listed base is ticked");
  assert.equal(app.readInventoryOrEmpty().tokens.length, 0, "nothing is saved on paste");

  step("untick a base and check the rest, by keyboard");
  await session.execute(
    `const all = document.querySelectorAll("[data-test=offered-base]"); all[all.length - 1].focus();`,
  );
  await session.press(SPACE);
  const kept = (await offered()).filter(([, on]) => on).map(([id]) => id);
  assert.equal(kept.length, bases.length - 1);
  await session.press(TAB);
  assert.equal(await focused(), "check-chosen");
  const before = (await fake.stats()).requests;
  await session.press(KEY.enter);
  const note = await (await session.find("[data-test=scopes-note]", { timeout: 20000 })).text();
  const ticked = await session.execute(
    `return [...document.querySelectorAll("[data-test=scope]")].filter((s) => s.checked).map((s) => s.dataset.scope)`,
  );
  assert.ok(ticked.length > 0);
  assert.match(note, new RegExp(`^${ticked.length} scopes? works? on the ticked bases`));
  assert.ok((await fake.stats()).requests > before, "the full check asked Airtable");
  assert.equal(app.readInventoryOrEmpty().tokens.length, 0, "nothing is saved by the check");

  step("name it and add it");
  await (await session.find("[data-test=name]")).type("From its secret");
  await (await session.find("[data-test=save]")).click();
  await session.until(() => document.querySelector("[data-test=token-name]")?.textContent === "From its secret", "the token page");
  const [record] = app.readInventory().tokens;
  assert.deepEqual(record.intent.bases.map((b) => b.id), kept, "the ticked bases, and no other");
  assert.ok(record.intent.bases.every((b) => b.label), "labelled with their names");
  assert.deepEqual([...record.intent.scopes].sort(), [...ticked].sort());
  assert.equal(app.keychainSecret(record.id), secret);
  const page = await session.execute("return document.documentElement.outerHTML");
  assert.ok(!page.includes(secret.split(".")[1]), "the secret is not in the page after saving");
});
