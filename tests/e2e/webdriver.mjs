// A minimal W3C WebDriver client over fetch: just what the end-to-end tests use, so they
// need no npm packages. tauri-driver forwards it to WebKitWebDriver.
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class Session {
  static async start(driverUrl, application) {
    const res = await fetch(`${driverUrl}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ capabilities: { alwaysMatch: { "tauri:options": { application } } } }),
      signal: AbortSignal.timeout(30000),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`could not start a session: ${JSON.stringify(body)}`);
    return new Session(driverUrl, body.value.sessionId);
  }

  constructor(driverUrl, id) {
    this.base = `${driverUrl}/session/${id}`;
  }

  async call(method, path, body) {
    const res = await fetch(this.base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30000),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
    return json.value;
  }

  async end() {
    await fetch(this.base, { method: "DELETE" }).catch(() => {});
  }

  execute(script, ...args) {
    return this.call("POST", "/execute/sync", { script, args });
  }

  executeAsync(script, ...args) {
    return this.call("POST", "/execute/async", { script, args });
  }

  /** Waits until `css` matches a displayed element, then returns it. */
  async find(css, { timeout = 10000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = await this.call("POST", "/elements", { using: "css selector", value: css });
      for (const el of found) {
        const shown = await this.call("GET", `/element/${el[ELEMENT]}/displayed`).catch(() => false);
        if (shown) return new Element(this, el[ELEMENT]);
      }
      if (Date.now() > deadline) throw new Error(`nothing matched ${css} within ${timeout} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async findAll(css) {
    const found = await this.call("POST", "/elements", { using: "css selector", value: css });
    return found.map((el) => new Element(this, el[ELEMENT]));
  }

  /** Waits until `predicate` (run in the page) returns true. */
  async until(predicate, description, { timeout = 10000 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      if (await this.execute(`return Boolean((${predicate})())`)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Presses `key` while holding `modifier` (one of KEY). */
  chord(modifier, key) {
    return this.keyActions([
      { type: "keyDown", value: modifier },
      { type: "keyDown", value: key },
      { type: "keyUp", value: key },
      { type: "keyUp", value: modifier },
    ]);
  }

  /** Presses one key on whatever has the focus. */
  press(key) {
    return this.keyActions([
      { type: "keyDown", value: key },
      { type: "keyUp", value: key },
    ]);
  }

  async keyActions(actions) {
    await this.call("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.call("DELETE", "/actions");
  }

  /** Resolves after two animation frames: the window then shows the latest DOM. */
  async painted() {
    await this.executeAsync(
      "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
    );
  }
}

export const KEY = { ctrl: "\uE009", enter: "\uE007" };

class Element {
  constructor(session, id) {
    this.session = session;
    this.path = `/element/${id}`;
  }
  click() {
    return this.session.call("POST", `${this.path}/click`, {});
  }
  type(text) {
    return this.session.call("POST", `${this.path}/value`, { text });
  }
  clear() {
    return this.session.call("POST", `${this.path}/clear`, {});
  }
  text() {
    return this.session.call("GET", `${this.path}/text`);
  }
  property(name) {
    return this.session.call("GET", `${this.path}/property/${name}`);
  }
}
