// The documentation's links hold: every relative link in README.md and docs/*.md names a
// file or folder of the repository, and its #anchor a heading of that page (GitHub's
// anchors); every path in backticks that starts at a top-level folder of the repository
// exists, so a page cannot name a module that has moved. Run: node --test tests/docs/links.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const pages = ["README.md", ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const topFolders = ["src-tauri", "tests", "scripts", "ui", "examples", "docs", "icons", ".ci"];

// Fenced code is not prose: its paths and brackets are examples.
function prose(text) {
  return text.replace(/^```[\s\S]*?^```/gm, "");
}

// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, a
// repeated one numbered.
function anchors(text) {
  const seen = new Map();
  const found = new Set();
  for (const [, title] of prose(text).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = title
      .replace(/`/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  return found;
}

function links(text) {
  return [...prose(text).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((m) => m[1]);
}

for (const page of pages) {
  const text = fs.readFileSync(path.join(root, page), "utf8");

  test(`${page}: its links lead somewhere`, () => {
    const broken = [];
    for (const link of links(text)) {
      if (/^[a-z]+:/.test(link)) continue; // https:, mailto:
      const [file, anchor] = link.split("#");
      const target = file ? path.resolve(path.dirname(path.join(root, page)), file) : path.join(root, page);
      if (!target.startsWith(root + path.sep)) continue; // beside the repository: ../shared
      if (!fs.existsSync(target)) {
        broken.push(`${link}: no ${path.relative(root, target)}`);
      } else if (anchor && !anchors(fs.readFileSync(target, "utf8")).has(anchor)) {
        broken.push(`${link}: no heading #${anchor} in ${path.relative(root, target)}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  test(`${page}: the paths it names exist`, () => {
    const missing = [];
    for (const [, quoted] of prose(text).matchAll(/`([^`\s]+)`/g)) {
      const [candidate] = quoted.split(/[:#]/);
      if (!topFolders.some((top) => candidate.startsWith(`${top}/`))) continue;
      if (/[*{}<>…]|[A-Z]{2,}\b/.test(candidate)) continue; // a pattern, not a path
      if (!fs.existsSync(path.join(root, candidate))) missing.push(quoted);
    }
    assert.deepEqual(missing, []);
  });
}
