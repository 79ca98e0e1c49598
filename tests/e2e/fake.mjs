// The fake Airtable binary for an end-to-end test: started on a free port with a
// scenario file, steered and read over its /_fake routes, stopped after the test.
import { spawn } from "node:child_process";
import readline from "node:readline";

export async function startFake(scenarioFile) {
  const binary = process.env.E2E_FAKE;
  if (!binary) throw new Error("run through scripts/e2e.sh (E2E_FAKE)");
  const child = spawn(binary, ["--scenario", scenarioFile, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const firstLine = new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake-airtable exited with ${code}`)));
  });
  const url = await firstLine;
  return {
    url,
    stats: async () => (await fetch(`${url}/_fake/stats`)).json(),
    setFaults: async (faults) => {
      const answer = await fetch(`${url}/_fake/faults`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(faults),
      });
      if (answer.status !== 204) throw new Error(`setting faults answered ${answer.status}`);
    },
    /** Spends (or gives back) a base's monthly API quota. */
    setQuota: async (base, exhausted) => {
      const answer = await fetch(`${url}/_fake/quota`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ base, exhausted }),
      });
      if (answer.status !== 204) throw new Error(`setting the quota answered ${answer.status}`);
    },
    /** Edits a token in place, as its owner can at airtable.com/create/tokens: same
     * secret, new scopes or bases. `id` is the part of the token before the dot. */
    editToken: async (id, { scopes, bases }) => {
      const answer = await fetch(`${url}/_fake/token`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id, scopes, bases }),
      });
      if (answer.status !== 204) throw new Error(`editing the token answered ${answer.status}`);
    },
    stop: () => child.kill(),
  };
}
