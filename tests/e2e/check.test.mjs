// End to end: the live check in the real app against the fake Airtable binary. The demo's
// sample tokens go in through the CLI; Check all fills in the list and the Reach matrix,
// the token page explains the drift, a light check and a cancelled check keep history,
// and a big account is warned about before a long full check.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { filesContaining, launchApp, step, waitFor, work } from "./app.mjs";
import { startFake } from "./fake.mjs";
import { demoScenario, demoVault, seedVault } from "../scenarios/seed.mjs";

const FINANCE = "appFinance0000000";
const tokenCount = demoVault.tokens.length;

/** Each row of the Reach matrix: token name → base name → "tone level scopes". */
const READ_MATRIX = `
  const bases = [...document.querySelectorAll("[data-test=reach-matrix] thead th[data-base]")]
    .map((th) => [th.dataset.base, th.textContent.trim()]);
  const rows = {};
  for (const tr of document.querySelectorAll("[data-test=reach-row]")) {
    const cells = {};
    for (const [id, name] of bases) {
      const cell = tr.querySelector('td[data-base="' + id + '"] [data-test=reach-cell]');
      if (cell) cells[name] = cell.dataset.tone + " " + cell.innerText.replace(/\\s+/g, " ").trim();
    }
    rows[tr.dataset.name] = cells;
  }
  return rows;`;

const statusChips = () =>
  `return Object.fromEntries([...document.querySelectorAll("[data-test=token-row]")]
     .map((r) => [r.dataset.name, r.querySelector("td:last-child .chip:last-child").textContent]))`;

async function select(session, css, value) {
  await session.execute(
    `const el = document.querySelector(arguments[0]); el.value = arguments[1]; el.dispatchEvent(new Event("change"));`,
    css,
    value,
  );
}

test("Check all against the fake Airtable fills the list, the Reach matrix and the token page", async (t) => {
  const fake = await startFake(demoScenario);
  const app = await launchApp("check", {
    port: 4474,
    env: { PATVAULT_AIRTABLE_URL: fake.url },
    beforeStart: ({ cli }) => seedVault(cli),
  });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-check").catch(() => {});
    await app.stop();
    fake.stop();
  });

  step("check all");
  await session.find("[data-test=token-row]");
  assert.deepEqual(new Set(Object.values(await session.execute(statusChips()))), new Set(["unchecked"]));
  await (await session.find("[data-test=check]")).click();
  await session.until(
    () => /^Checked \d+ tokens in/.test(document.querySelector("[data-test=check-outcome]")?.textContent ?? ""),
    "Check all to finish",
    { timeout: 60000 },
  );
  assert.match(await (await session.find("[data-test=check-outcome]")).text(), new RegExp(`^Checked ${tokenCount} tokens`));
  await shot("10-list-checked");
  assert.deepEqual(await session.execute(statusChips()), {
    "Hiring form": "drift",
    "MCP server (Claude)": "drift",
    "Marketing site build": "drift",
    "Nightly backup": "drift",
    "Old Airtable sync": "invalid",
    "Weekly report": "reach ok",
    "Zapier: CRM sync": "reach ok",
  });

  step("grouped by owner");
  await (await session.find("[data-test=group-by-owner]")).click();
  await session.find("[data-test=owner-group]");
  const groups = await session.execute(
    `return [...document.querySelectorAll("[data-test=owner-group]")].map((g) => [g.dataset.owner, g.querySelectorAll("[data-test=token-row]").length])`,
  );
  assert.equal(groups.reduce((n, [, count]) => n + count, 0), tokenCount, JSON.stringify(groups));
  assert.ok(groups.length >= 2 && groups[0][1] >= groups[1][1], JSON.stringify(groups));
  await (await session.find("[data-test=owner-group] [data-test=if-they-leave]")).click();
  const leaving = await (await session.find("[data-test=leaving]")).text();
  assert.match(leaving, new RegExp(`^If ${groups[0][0]} leaves or loses access, ${groups[0][1]} tokens and the \\d+ places that use them stop working`));
  await shot("10-owners");
  await (await session.find("[data-test=group-by-owner]")).click();

  step("reach matrix");
  await (await session.find("[data-test=open-reach]")).click();
  await session.find("[data-test=reach-matrix]");
  const matrix = await session.execute(READ_MATRIX);
  await shot("11-reach-matrix");
  assert.deepEqual(matrix["Nightly backup"], {
    "Content calendar": "ok create records · schema",
    Finance: "excess read records · schema",
    Hiring: "ok edit records · schema",
    "Ops inventory": "excess create records · schema",
    "Sales CRM": "ok create records · schema",
  });
  assert.deepEqual(matrix["Marketing site build"], {
    // Not meant for it, so not probed there: what the token holds is implied.
    "Archive 2024": "excess create records · schema · webhooks",
    Finance: "missing —",
    "Marketing site": "ok create records · schema · webhooks",
  });
  assert.deepEqual(matrix["Old Airtable sync"], { "Sales CRM": "failed —" });
  // Meant to change the schema, which an editor may not: blocked there by the role.
  assert.equal(matrix["Hiring form"].Hiring, "blocked edit records · records✎ · schema");
  // Its excess scopes work there, so the base is over-privileged too.
  assert.equal(matrix["MCP server (Claude)"]["Content calendar"], "excess create records · records✎ · comments · schema · schema✎");
  // It cannot list bases, so it was probed on its intended base and table only.
  assert.deepEqual(matrix["Weekly report"], { "Sales CRM": "ok — records" });

  step("which tokens reach Finance");
  await select(session, "[data-test=reach-base-filter]", FINANCE);
  await session.until(() => document.querySelector("[data-test=reach-answer]"), "the filter's answer");
  assert.equal(await (await session.find("[data-test=reach-answer]")).text(), "1 token reaches Finance: Nightly backup.");
  assert.deepEqual(Object.keys(await session.execute(READ_MATRIX)), ["Nightly backup"]);
  await shot("12-reach-filtered");

  step("token page");
  await (await session.find("[data-test=reach-row] button")).click();
  await session.find("[data-test=reach-panel]");
  assert.equal(await (await session.find("[data-test=token-name]")).text(), "Nightly backup");
  assert.equal(await (await session.find("[data-test=identity]")).text(), "usrMaya0000000001 (email not readable: no user.email:read)");
  const findings = await session.execute(
    `return [...document.querySelectorAll("[data-test=finding]")].map((f) => f.dataset.kind + ": " + f.innerText.replace(/\\s+/g, " "))`,
  );
  assert.equal(findings.length, 2);
  assert.match(findings[0], /^excess_base: Over-privileged \(base grant\) The token reaches “Finance” \(appFinance0000000\) \(read\).*remove “Finance”/);
  assert.match(findings[1], /^excess_base: .*Ops inventory/);
  const baseMarks = await session.execute(
    `return Object.fromEntries([...document.querySelectorAll("[data-test=base-compare] tbody tr")].map((r) => [r.dataset.base, r.dataset.mark]))`,
  );
  assert.equal(baseMarks[FINANCE], "excess");
  assert.equal(baseMarks.appSalesCRM000000, "ok");
  await shot("13-token-page-reach");

  step("light check of one token");
  await (await session.find("[data-test=light]")).click();
  await (await session.find("[data-test=check]")).click();
  await session.until(
    () => /^Checked 1 token in .* \(light\)/.test(document.querySelector("[data-test=check-outcome]")?.textContent ?? ""),
    "the light check",
    { timeout: 30000 },
  );
  const history = await session.execute(
    `return [...document.querySelectorAll("[data-test=check-history] tbody tr")].map((r) => r.children[1].textContent)`,
  );
  assert.deepEqual(history, ["drift (light)", "drift"]);

  step("cancel a slow check");
  await fake.setFaults([{ route: "whoami", fault: "latency", ms: 20000 }]);
  await (await session.find("header .brand")).click();
  await (await session.find("[data-test=check]")).click();
  await session.until(() => /Checking [01] of 7/.test(document.querySelector("[data-test=check-progress]")?.textContent ?? ""), "progress");
  await shot("14-check-running");
  await (await session.find("[data-test=cancel-check]")).click();
  await session.until(
    // The revoked token's 401 comes before the delay, so it may be done already.
    () => /^Cancelled after [01] of 7/.test(document.querySelector("[data-test=check-outcome]")?.textContent ?? ""),
    "the cancelled check",
  );
  const doneBeforeCancel = Number(/after (\d)/.exec(await (await session.find("[data-test=check-outcome]")).text())[1]);
  await fake.setFaults([]);

  step("what was kept and sent");
  const kept = Object.fromEntries(app.readInventory().tokens.map((r) => [r.intent.name, r.checks.map((c) => c.status)]));
  assert.deepEqual(kept["Nightly backup"], ["drift", "drift"]);
  assert.deepEqual(kept["Old Airtable sync"], Array(1 + doneBeforeCancel).fill("invalid"), "what came in before Cancel is kept");
  const stats = await fake.stats();
  assert.equal(stats.rate_limited, 0, "a normal check gets no 429");
  assert.equal(stats.bodies, 0, "no write request carried a body");
  for (const t of demoVault.tokens) {
    const secretPart = t.secret.split(".")[1];
    assert.deepEqual(filesContaining(app.dataDir, secretPart), [], `${t.name}'s secret is in no file of the vault`);
    assert.deepEqual(filesContaining(path.join(work, "check"), secretPart), []);
  }

  step("reach made intent, one finding and then all");
  const sentBefore = (await fake.stats()).requests;
  await (await session.find("[data-test=token-row][data-name='Nightly backup'] td")).click();
  await session.find("[data-test=reach-panel]");
  const intentOf = () => app.readInventory().tokens.find((r) => r.intent.name === "Nightly backup").intent;
  assert.ok(!intentOf().bases.some((b) => b.id === FINANCE));
  await (await session.find("[data-test=finding][data-kind=excess_base] [data-test=adopt-finding]")).click();
  await session.until(() => document.querySelectorAll("[data-test=finding]").length === 1, "one finding settled");
  assert.deepEqual(
    intentOf().bases.filter((b) => b.id === FINANCE),
    [{ id: FINANCE, label: "Finance", table: null }],
    "the excess base joins the intent, named as Airtable names it",
  );
  assert.equal((await fake.stats()).requests, sentBefore, "adopting asks nothing of Airtable");
  // The last check was light: adopting all it reaches takes a full one.
  assert.equal(await session.execute(`return document.querySelector("[data-test=adopt-reach]")`), null);
  await (await session.find("[data-test=check]")).click();
  await session.until(
    () => /^Checked 1 token in /.test(document.querySelector("[data-test=check-outcome]")?.textContent ?? ""),
    "the full check",
    { timeout: 30000 },
  );
  await (await session.find("[data-test=adopt-reach]")).click();
  await session.until(() => !document.querySelector("[data-test=finding]"), "no finding left");
  const record = app.readInventory().tokens.find((r) => r.intent.name === "Nightly backup");
  const reached = record.last_report.bases.filter((b) => b.reachable).map((b) => b.id).sort();
  assert.ok(reached.includes(FINANCE) && reached.length > 2, `${reached}`);
  assert.deepEqual(record.intent.bases.map((b) => b.id).sort(), reached, "the intent is every base it reaches");
  assert.equal(record.last_report.status, "ok", "its last check, judged against the new intent, has no drift");

  step("will each place keep working");
  await (await session.find("header .brand")).click();
  await (await session.find("[data-test=token-row][data-name='Hiring form'] td")).click();
  await session.find("[data-test=consumers]");
  const consumers = await session.execute(
    `return [...document.querySelectorAll("[data-test=consumer]")].map((c) => [c.dataset.label, c.dataset.state, [...c.querySelectorAll("[data-test=consumer-failure]")].map((f) => f.dataset.cause + ": " + f.innerText.replace(/\\s+/g, " "))])`,
  );
  await shot("13-consumers");
  // Meant to change the schema, which an editor may not: the careers form will fail there.
  assert.equal(consumers.length, 1, JSON.stringify(consumers));
  const [label, state, failures] = consumers[0];
  assert.deepEqual([label, state], ["Website: careers form", "will_fail"]);
  assert.match(failures[0], /^role: .*schema\.bases:write.*creator/);

  step("this token leaked");
  const sentBeforeLeak = (await fake.stats()).requests;
  await (await session.find("[data-test=leaked]")).click();
  await session.find("[data-test=leak]");
  const leakText = await (await session.find("[data-test=leak]")).text();
  await shot("13-leak");
  assert.match(leakText, /acts as jonas@example\.com|acts as usr/);
  const hiringBase = await session.execute(`return document.querySelector("[data-test=leak-bases] li")?.innerText ?? ""`);
  assert.match(hiringBase, /^Hiring \(edit\): create, change and delete records; read every record; read the schema$/);
  const steps = await session.execute(`return [...document.querySelectorAll("[data-test=leak-steps] li")].map((l) => l.innerText)`);
  assert.match(steps[0], /^Create a new token at https:\/\/airtable\.com\/create\/tokens/);
  assert.equal(steps[2], "Give the new token to “Website: careers form”.");
  assert.match(steps.at(-1), /^Delete the leaked token/);
  assert.equal((await fake.stats()).requests, sentBeforeLeak, "a leak is answered without Airtable");
  await (await session.find("[data-test=leak-rotate]")).click();
  await session.find("[data-test=rotation]");
  assert.equal(await session.execute(`return document.querySelector("[data-test=leak]")`), null);

  step("a base picked to probe in full");
  const ARCHIVE = "appArchive2024000";
  const costWith = async (picked) => {
    await session.until(`() => document.querySelector("[data-test=check-cost][data-picked='${picked}']")`, `the cost with ${picked} picked`);
    return Number(/about (\d+) requests/.exec(await (await session.find("[data-test=check-cost]")).text())[1]);
  };
  const pickArchive = async () => {
    await (await session.find("[data-test=probe-bases] summary")).click();
    await (await session.find(`[data-test=probe-base][data-base=${ARCHIVE}] input`)).click();
    await session.until(() => /Probe in full: 1 picked/.test(document.querySelector("[data-test=probe-bases] summary")?.textContent ?? ""), "the pick");
  };
  const marketing = () => app.readInventory().tokens.find((r) => r.intent.name === "Marketing site build");
  const checkPicked = async () => {
    const before = (await fake.stats()).requests;
    const checks = marketing().checks.length;
    await (await session.find("[data-test=check]")).click();
    // The outcome of the check before may still show: the inventory says when this one is done.
    await waitFor(() => marketing().checks.length > checks, "the check to be kept", 30000);
    await session.until(
      () => /^Checked 1 token in .*, 1 picked base probed in full\./.test(document.querySelector("[data-test=check-outcome]")?.textContent ?? ""),
      "the check with the picked base",
      { timeout: 30000 },
    );
    return (await fake.stats()).requests - before;
  };
  await (await session.find("header .brand")).click();
  await (await session.find("[data-test=token-row][data-name='Marketing site build'] td")).click();
  await session.until(() => document.querySelector("[data-test=token-name]")?.textContent === "Marketing site build", "its page");
  const costAlone = await costWith(0);
  await (await session.find("[data-test=probe-bases] summary")).click();
  const offered = await session.execute(
    `return [...document.querySelectorAll("[data-test=probe-base]")].map((l) => l.dataset.base + " " + l.innerText.replace(/\\s+/g, " ").trim())`,
  );
  assert.ok(offered.some((o) => o.startsWith(ARCHIVE) && /implied/.test(o)), offered.join("; "));
  await (await session.find("[data-test=probe-bases] summary")).click();
  await pickArchive();
  const costPicked = await costWith(1);
  assert.ok(costPicked > costAlone, `${costPicked} > ${costAlone}`);
  await shot("13-probe-in-full");
  // Never probed, Archive was counted as if it had a table; it has none, which spares
  // its data probes.
  const sentFirst = await checkPicked();
  assert.ok(sentFirst <= costPicked, `${sentFirst} <= ${costPicked}`);
  assert.match(await (await session.find("[data-test=probe-bases] summary")).text(), /Probe in full…/, "a pick is for one check");
  const archive = marketing().last_report.bases.find((b) => b.id === ARCHIVE);
  assert.ok(!archive.intended, "picking a base does not make it intended");
  assert.deepEqual(
    Object.entries(archive.scopes).filter(([, v]) => v === "implied"),
    [],
    "every verdict on the picked base is probed",
  );
  assert.ok(Object.values(archive.scopes).includes("granted"));
  // Now that it was probed, the estimate knows it: exactly what the check sends.
  await pickArchive();
  const costAgain = await costWith(1);
  assert.equal(await checkPicked(), costAgain, "the check sends what the estimate said");
});

test("a deep check is announced first with what it costs", async (t) => {
  // One token of one user that reaches 460 bases: a deep check sends over 3000 requests,
  // which 50 a second per user makes a minute at least.
  const bases = Array.from({ length: 460 }, (_, i) => ({
    id: `appBig${String(i).padStart(11, "0")}`,
    name: `Base ${i}`,
    roles: { usrBig00000000001: "create" },
  }));
  const secret = "patBigAccount0001.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  const scenario = path.join(work, "big-account.json");
  fs.writeFileSync(
    scenario,
    JSON.stringify({
      users: [{ id: "usrBig00000000001", email: "big@example.com" }],
      bases,
      tokens: [{ token: secret, owner: "usrBig00000000001", scopes: ["schema.bases:read"], all_bases: true }],
    }),
  );
  const fake = await startFake(scenario);
  const app = await launchApp("big-account", {
    port: 4484,
    env: { PATVAULT_AIRTABLE_URL: fake.url },
    beforeStart: ({ cli }) => cli(["add", "Everything"], `${secret}\n`),
  });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-big-account").catch(() => {});
    await app.stop();
    fake.stop();
  });

  step("a light check learns the bases");
  await (await session.find("[data-test=light]")).click();
  await (await session.find("[data-test=check]")).click();
  await session.until(() => /^Checked 1 token/.test(document.querySelector("[data-test=check-outcome]")?.textContent ?? ""), "the light check");

  step("a full check proves the token's scopes once; a deep one is announced first");
  await (await session.find("[data-test=deep]")).click();
  await session.until(
    () => /about 3682 requests/.test(document.querySelector("[data-test=check-cost]")?.textContent ?? ""),
    "the deep check's cost",
  );
  await (await session.find("[data-test=check]")).click();
  const ask = await (await session.find("[data-test=check-estimate]")).text();
  assert.match(ask, /A deep check sends about 3682 requests\. .* it takes about 78 s\./);
  await shot("15-check-estimate");
  await (await session.find("[data-test=run-light]")).click();
  const history = () => JSON.parse(app.cli(["show", "Everything", "--json"])).checks;
  await waitFor(() => history().length === 2, "the second check to be kept", 20000);
  assert.deepEqual(history().map((c) => c.light), [true, true], "the light check ran instead of the deep one");
  assert.equal((await fake.stats()).requests, 4, "whoami and one page, twice; no probe of any base");
});

test("a table restriction and a spent monthly quota are shown for what they are", async (t) => {
  // Eddie edits both bases; only creators may create records in Deals, and the quota of
  // Orders' workspace runs out between two checks.
  const DEALS = "appDealsDesk00001";
  const ORDERS = "appOrders00000001";
  const table = (id, name, extra = {}) => ({
    id,
    name,
    fields: [{ id: `fld${id.slice(3)}`, name: "Name", type: "singleLineText" }],
    records: [{ id: `rec${id.slice(3)}`, fields: { Name: "first" } }],
    ...extra,
  });
  const secret = "patEddieWrites001.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  const scenario = path.join(work, "edges.json");
  fs.writeFileSync(
    scenario,
    JSON.stringify({
      users: [{ id: "usrEddie000000001", email: "eddie@example.com" }],
      bases: [
        { id: DEALS, name: "Deals desk", tables: [table("tblDeals000000001", "Deals", { create_records: "create" })], roles: { usrEddie000000001: "edit" } },
        { id: ORDERS, name: "Orders", tables: [table("tblOrders00000001", "Orders")], roles: { usrEddie000000001: "edit" } },
      ],
      tokens: [
        {
          token: secret,
          owner: "usrEddie000000001",
          scopes: ["data.records:read", "data.records:write", "schema.bases:read"],
          bases: [DEALS, ORDERS],
        },
      ],
    }),
  );
  const fake = await startFake(scenario);
  const intent = ["--scope", "data.records:read", "--scope", "data.records:write", "--scope", "schema.bases:read"];
  const app = await launchApp("edges", {
    port: 4494,
    env: { PATVAULT_AIRTABLE_URL: fake.url },
    beforeStart: ({ cli }) => cli(["add", "Order sync", ...intent, "--base", `${DEALS}/Deals`, "--base", ORDERS], `${secret}\n`),
  });
  const { session, shot } = app;
  t.after(async () => {
    if (!t.passed) await shot("failure-edges").catch(() => {});
    await app.stop();
    fake.stop();
  });

  step("the cost is in view before a check");
  await session.find("[data-test=token-row]");
  await session.until(() => /about 13 requests, light: 2/.test(document.querySelector("[data-test=check-cost]")?.textContent ?? ""), "the cost of a check");

  step("a restricted table");
  await (await session.find("[data-test=check]")).click();
  await session.until(() => /^Checked 1 token/.test(document.querySelector("[data-test=check-outcome]")?.textContent ?? ""), "the check");
  await (await session.find("[data-test=open-reach]")).click();
  await session.find("[data-test=reach-matrix]");
  let matrix = await session.execute(READ_MATRIX);
  assert.deepEqual(matrix["Order sync"], {
    "Deals desk": "restricted edit records · schema restricted: records✎",
    Orders: "ok edit records · records✎ · schema",
  });
  const hover = await session.execute(`return document.querySelector('td[data-base="${DEALS}"] [data-test=reach-cell]').title`);
  assert.match(hover, /^table restriction\n/);
  assert.match(hover, /data\.records:write: refused by a table or field restriction \(You are not permitted to create records in table Deals \(tblDeals000000001\)\)/);
  const legend = await session.execute(`return [...document.querySelectorAll("[data-test=reach-legend] .cell")].map((c) => c.textContent)`);
  assert.ok(legend.includes("table restriction") && legend.includes("monthly quota used up"), legend.join(", "));
  await shot("16-reach-restricted");

  step("the monthly quota runs out");
  await fake.setQuota(ORDERS, true);
  await (await session.find("[data-test=check]")).click();
  await session.until(
    () => document.querySelector('[data-test=reach-cell][data-tone="quota"]') && !document.querySelector("[data-test=check-progress]"),
    "the second check",
  );
  matrix = await session.execute(READ_MATRIX);
  assert.equal(matrix["Order sync"].Orders, "quota edit schema quota used up");
  const quotaHover = await session.execute(`return document.querySelector('td[data-base="${ORDERS}"] [data-test=reach-cell]').title`);
  assert.match(quotaHover, /^monthly quota used up\nThe workspace's monthly Airtable API quota is used up/);
  await shot("17-reach-quota");
  const stats = await fake.stats();
  assert.equal(stats.billing_limited, 1, "one data request met the spent quota; none was repeated");
  assert.equal(stats.rate_limited, 0);

  step("the token page");
  await (await session.find("[data-test=reach-row] button")).click();
  await session.find("[data-test=reach-panel]");
  const problem = await (await session.find("[data-test=check-problem]")).text();
  assert.match(problem, /^the monthly Airtable API quota is used up for the workspace of “Orders” \(appOrders00000001\).*Wait for the next month, or move the base to a plan with more API calls/);
  const finding = await session.execute(
    `const f = document.querySelector("[data-test=finding][data-cause=table_permissions]"); return f && f.innerText.replace(/\\s+/g, " ")`,
  );
  assert.match(finding, /^Will break here \(table or field permissions\) data\.records:write is refused on “Deals desk”/);
  const baseMarks = await session.execute(
    `return Object.fromEntries([...document.querySelectorAll("[data-test=base-compare] tbody tr")].map((r) => [r.dataset.base, r.dataset.mark]))`,
  );
  assert.deepEqual(baseMarks, { [DEALS]: "restricted", [ORDERS]: "quota" });
  await shot("18-token-page-quota");

  step("the daily check's cost in the settings");
  await (await session.find("[data-test=open-settings]")).click();
  await session.until(() => document.querySelector("[data-test=daily-light-cost]"), "the daily cost");
  assert.equal(await (await session.find("[data-test=daily-light-cost]")).text(), "2 requests a day (60 a month)");
  assert.match(await (await session.find("[data-test=daily-full-cost]")).text(), /^\d+ requests a day \(\d+ a month\)$/);
  await shot("19-settings-daily-cost");
});
