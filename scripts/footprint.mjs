// The footprint benchmark's measuring half; scripts/footprint.sh sets up the session and
// says the method. Prints PSS per state and start-up times, beside KeePassXC.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";

const app = process.env.FOOTPRINT_APP;
const commandLine = process.env.FOOTPRINT_CLI;
const work = process.env.FOOTPRINT_WORK;
const here = path.dirname(new URL(import.meta.url).pathname);
const helpers = path.join(here, "..", "tests", "e2e");
const dataDir = path.join(work, "data");
const env = { ...process.env, PATVAULT_DATA_DIR: dataDir, PATVAULT_KEYCHAIN_SERVICE: "dev.patvault.footprint", HOME: path.join(work, "home") };
const SETTLE_MS = 2000;
const STARTS = 5;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, test, timeout = 30000) {
  const end = Date.now() + timeout;
  while (!test()) {
    if (Date.now() > end) throw new Error(`footprint: gave up waiting for ${what}`);
    await sleep(20);
  }
}

/** The process and every process it started, at any depth. */
function family(root) {
  const parent = new Map();
  for (const p of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const all = [root];
  for (let i = 0; i < all.length; i++) for (const [pid, ppid] of parent) if (ppid === all[i]) all.push(pid);
  return all;
}

function pssMiB(pid) {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))[1]) / 1024;
  } catch {
    return 0;
  }
}

function comm(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/** The largest mappings of `pid` by PSS, for `--detail`. */
function largest(pid, count = 6) {
  const sizes = new Map();
  let name = "";
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = head[1] || "[anonymous]";
    const pss = /^Pss:\s+(\d+) kB/.exec(line);
    if (pss) sizes.set(name, (sizes.get(name) ?? 0) + Number(pss[1]) / 1024);
  }
  return [...sizes].sort((a, b) => b[1] - a[1]).slice(0, count).map(([n, mib]) => `${path.basename(n)} ${mib.toFixed(0)}`).join(", ");
}

const detailed = process.argv.includes("--detail");

/** PSS of the whole family, with each member's share. */
function footprint(root) {
  const members = family(root);
  const parts = members.map((pid) => [comm(pid), pssMiB(pid)]);
  const total = parts.reduce((sum, [, mib]) => sum + mib, 0);
  const detail = detailed ? members.map((pid) => `\n    ${comm(pid)}: ${largest(pid)}`).join("") : "";
  return `${total.toFixed(0)} MB (${parts.map(([name, mib]) => `${name} ${mib.toFixed(0)}`).join(", ")})${detail}`;
}

function trayHost() {
  const host = spawn("/usr/bin/python3", [path.join(helpers, "tray.py")], { stdio: ["pipe", "pipe", "inherit"] });
  const state = { ready: false, registered: 0 };
  readline.createInterface({ input: host.stdout }).on("line", (line) => {
    const answer = JSON.parse(line);
    if (answer.ready) state.ready = true;
    if (answer.registered) state.registered++;
  });
  return { state, stop: () => host.kill() };
}

/** Starts the app; resolves with when its window was mapped and its list painted. */
async function start(args = []) {
  const log = path.join(dataDir, "patvault.log");
  const before = fs.existsSync(log) ? fs.readFileSync(log, "utf8").length : 0;
  const waiter = args.length ? null : spawn("/usr/bin/python3", [path.join(helpers, "close_window.py"), "--wait", "PAT Vault"], { stdio: ["ignore", "pipe", "inherit"] });
  const seen = [];
  if (waiter) {
    readline.createInterface({ input: waiter.stdout }).on("line", (l) => seen.push(l));
    await until("the window watcher", () => seen.length > 0);
  }
  const spawned = Date.now();
  const child = spawn(app, args, { env, stdio: "ignore" });
  let mapped = null;
  let painted = null;
  if (waiter) {
    await until("the window", () => seen.length > 1);
    mapped = Number(seen[1]) * 1000 - spawned;
    await until("the painted list", () => {
      const text = fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(before) : "";
      const m = /the list of (\d+) tokens was painted at (\d+) ms/.exec(text);
      if (m && Number(m[1]) === 10) painted = Number(m[2]) - spawned;
      return painted !== null;
    });
  }
  return { child, mapped, painted };
}

async function stop(child) {
  child.kill("SIGTERM");
  await until("the app to end", () => {
    try {
      return /^State:\s+Z/m.test(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
    } catch {
      return true;
    }
  });
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

async function main() {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, "settings.json"), JSON.stringify({ close_to_tray: true }));
  for (let n = 1; n <= 10; n++) {
    const secret = `patFootprint${String(n).padStart(5, "0")}.${String(n % 10).repeat(64)}`;
    execFileSync(commandLine, ["add", `Token ${n}`, "--scope", "data.records:read"], { env, input: `${secret}\n`, stdio: ["pipe", "ignore", "inherit"] });
  }
  const tray = trayHost();
  await until("the tray stand-in", () => tray.state.ready);

  console.log("footprint: release build, Xvfb without GPU, ten tokens; PSS summed over each app and the processes it started");
  // A first start warms the caches (fonts, the WebKit shaders, the page).
  await stop((await start()).child);
  const mapped = [];
  const painted = [];
  for (let i = 0; i < STARTS; i++) {
    const run = await start();
    mapped.push(run.mapped);
    painted.push(run.painted);
    await stop(run.child);
  }

  const open = await start();
  await sleep(SETTLE_MS);
  const windowOpen = footprint(open.child.pid);
  const icons = tray.state.registered;
  execFileSync("/usr/bin/python3", [path.join(helpers, "close_window.py"), "PAT Vault"]);
  await until("the app afresh in the tray", () => tray.state.registered > icons);
  await sleep(SETTLE_MS);
  const inTray = footprint(open.child.pid);
  await stop(open.child);

  const iconsBefore = tray.state.registered;
  const minimized = (await start(["--minimized"])).child;
  await until("the tray-only start's icon", () => tray.state.registered > iconsBefore);
  await sleep(SETTLE_MS);
  const fresh = footprint(minimized.pid);
  await stop(minimized);
  tray.stop();

  const keepass = spawn("keepassxc", [], { env: { ...env, HOME: path.join(work, "keepassxc-home") }, stdio: "ignore" });
  fs.mkdirSync(path.join(work, "keepassxc-home"), { recursive: true });
  execFileSync("/usr/bin/python3", [path.join(helpers, "close_window.py"), "--wait", "KeePassXC"], { timeout: 30000 });
  await sleep(SETTLE_MS);
  const keepassOpen = footprint(keepass.pid);
  keepass.kill("SIGTERM");

  console.log(`window open, list painted:   ${windowOpen}`);
  console.log(`in the tray, window closed:  ${inTray}`);
  console.log(`fresh --minimized start:     ${fresh}`);
  console.log(`KeePassXC, window open:      ${keepassOpen}`);
  console.log(`start to window mapped:      ${spread(mapped)}   (${STARTS} warm starts)`);
  console.log(`start to token list painted: ${spread(painted)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
