// Starts the real app for one test: its own tauri-driver (whose environment the app
// inherits), its own data folder and keychain service, and a WebDriver session on it.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Session } from "./webdriver.mjs";

export const work = process.env.E2E_WORK;
const app = process.env.E2E_APP;
const commandLine = process.env.E2E_CLI;
const shots = process.env.E2E_SCREENSHOTS;

export async function launchApp(name, { port, env = {}, settings, inventory, beforeStart }) {
  if (!app || !commandLine || !work || !shots) throw new Error("run through scripts/e2e.sh (E2E_APP, E2E_CLI, E2E_WORK, E2E_SCREENSHOTS)");
  const dataDir = path.join(work, name, "data");
  fs.mkdirSync(dataDir, { recursive: true });
  fs.mkdirSync(shots, { recursive: true });
  if (settings) fs.writeFileSync(path.join(dataDir, "settings.json"), JSON.stringify(settings));
  if (inventory) fs.writeFileSync(path.join(dataDir, "inventory.json"), JSON.stringify(inventory));
  const service = `dev.patvault.e2e.${name}.${process.pid}`;
  const log = fs.openSync(path.join(work, name, "tauri-driver.log"), "w");
  const vaultEnv = { ...process.env, PATVAULT_DATA_DIR: dataDir, PATVAULT_KEYCHAIN_SERVICE: service };
  /** Runs the command line on this app's vault (`extra`: more variables). */
  const cli = (args, input, extra = {}) =>
    execFileSync(commandLine, args, { input, env: { ...vaultEnv, ...extra }, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], timeout: 30000 });
  if (beforeStart) beforeStart({ service, cli });
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1)], {
    env: { ...process.env, PATVAULT_DATA_DIR: dataDir, PATVAULT_KEYCHAIN_SERVICE: service, ...env },
    stdio: ["ignore", log, log],
  });
  let session;
  const deadline = Date.now() + 20000;
  while (!session) {
    try {
      session = await Session.start(`http://127.0.0.1:${port}`, app);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    session,
    dataDir,
    service,
    cli,
    readInventory: () => JSON.parse(fs.readFileSync(path.join(dataDir, "inventory.json"), "utf8")),
    readInventoryOrEmpty: () => {
      const file = path.join(dataDir, "inventory.json");
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { tokens: [] };
    },
    keychainSecret: (account) => run("secret-tool", ["lookup", "service", service, "username", account]),
    shot: async (file) => {
      await session.painted();
      const helper = path.join(import.meta.dirname, "screenshot.py");
      execFileSync("/usr/bin/python3", [helper, path.join(shots, `${file}.png`), ...appsOf(dataDir).map(String)], { timeout: 10000 });
    },
    stop: async () => {
      // The app may have quit already, and its session with it.
      await session.end().catch(() => {});
      driver.kill();
      // With "keep in the tray" on, the closed window leaves the app running: end it, or
      // the next start on this vault would hand over to it.
      await endApps(dataDir);
    },
  };
}

/** The running apps of the vault in `dataDir`, known by their environment. */
export function appsOf(dataDir) {
  const mark = `PATVAULT_DATA_DIR=${dataDir}\0`;
  return fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/environ`, "utf8").includes(mark) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${p}/status`, "utf8"));
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

async function endApps(dataDir) {
  for (const pid of appsOf(dataDir)) process.kill(pid, "SIGTERM");
  await waitFor(() => appsOf(dataDir).length === 0, `the apps of ${dataDir} to end`);
}

/** Runs a short command and returns its output ("" when it fails or takes over 5 s). */
export function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 });
  } catch (e) {
    return e.stdout ?? "";
  }
}

/** Puts `text` on the clipboard as another program would. xclip stays behind to serve
 * it, so it must not hold any of our pipes open. */
export function copyAsUser(text) {
  execFileSync("xclip", ["-i", "-selection", "clipboard"], { input: text, stdio: ["pipe", "ignore", "ignore"], timeout: 5000 });
}

/** Notes how far a test got: on a hang, scripts/e2e.sh prints this log. */
export function step(what) {
  fs.appendFileSync(path.join(work, "progress.log"), `${new Date().toISOString()} ${what}\n`);
}

export async function waitFor(check, description, timeout = 10000) {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file below `dir` that contains `needle`. */
export function filesContaining(dir, needle) {
  const hits = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (fs.readFileSync(file).includes(needle)) hits.push(file);
  }
  return hits;
}
