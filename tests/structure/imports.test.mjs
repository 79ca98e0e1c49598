// No import cycle between the files of the shells (the app's `src-tauri/src`, the
// command line's `src-tauri/cli/src`), the UI (`ui/src`) or the core: a file that
// another file builds on never builds on it in turn, so each can be read, and moved,
// alone.
// The core's top-level modules are layers, in the order docs/development.md lists them.
// Run: node --test tests/structure/imports.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { filesUnder, useTree, withoutCommentsAndStrings, withoutTestModules } from "./rust.mjs";

const root = path.resolve(import.meta.dirname, "../..");

// Visibility (`pub(super)`) is not a path, and a file's own tests (where `super` is the
// file itself) are left out.
function code(text) {
  return withoutTestModules(withoutCommentsAndStrings(text).replace(/\bpub\([^)]*\)/g, "pub"));
}

// A Rust file's module path inside its crate: src/a/b.rs and src/a/b/mod.rs are [a, b].
function modulePath(srcDir, file) {
  const parts = path.relative(srcDir, file).replace(/\.rs$/, "").split(path.sep);
  if (["mod", "main", "lib"].includes(parts.at(-1))) parts.pop();
  return parts;
}

// `use super::{a, b::c}` and `crate::x::y` as absolute module paths from `here`.
function rustReferences(text, here) {
  const refs = [];
  const add = (start, rest) => {
    let base = start === "crate" ? [] : here.slice(0, -1);
    for (const part of rest) base = part === "super" ? base.slice(0, -1) : [...base, part];
    refs.push(base);
  };
  const pattern = /\b(crate|super)((?:::(?:super|\w+))*)(::\{)?/g;
  for (let m; (m = pattern.exec(text)); ) {
    const rest = m[2].split("::").filter(Boolean);
    if (!m[3]) {
      add(m[1], rest);
      continue;
    }
    let depth = 1, i = pattern.lastIndex;
    while (i < text.length && depth > 0) {
      if (text[i] === "{") depth++;
      else if (text[i] === "}") depth--;
      i++;
    }
    for (const item of useTree(text.slice(pattern.lastIndex, i - 1))) add(m[1], [...rest, ...item]);
    pattern.lastIndex = i;
  }
  return refs;
}

function rustGraph(srcDir) {
  // A bin beside a lib (the app's main.rs) is a crate of its own that uses the lib by
  // its name: only the lib's files are one graph.
  const files = filesUnder(srcDir, [".rs"]).filter(
    (f) => !(path.basename(f) === "main.rs" && path.dirname(f) === srcDir && fs.existsSync(path.join(srcDir, "lib.rs"))),
  );
  const byModule = new Map(files.map((f) => [modulePath(srcDir, f).join("::"), f]));
  const graph = new Map(files.map((f) => [f, new Set()]));
  for (const file of files) {
    const here = modulePath(srcDir, file);
    const text = code(fs.readFileSync(file, "utf8"));
    const refs = rustReferences(text, here);
    // A parent reaches its children by name: `tokens::add(…)`.
    const declared = [...text.matchAll(/^\s*(?:pub\s+)?mod\s+(\w+)\s*;/gm)].map((m) => m[1]);
    const body = text.replace(/^\s*(?:pub\s+)?mod\s+\w+\s*;/gm, "");
    for (const child of declared) {
      if (new RegExp(`\\b${child}::`).test(body)) refs.push([...here, child]);
    }
    for (const ref of refs) {
      for (let n = ref.length; n >= 0; n--) {
        const target = byModule.get(ref.slice(0, n).join("::"));
        if (target) {
          if (target !== file) graph.get(file).add(target);
          break;
        }
      }
    }
  }
  return graph;
}

function tsGraph(srcDir) {
  const files = filesUnder(srcDir, [".ts", ".svelte"]).filter((f) => !/\.test(-support)?\.ts$/.test(f));
  const graph = new Map(files.map((f) => [f, new Set()]));
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    const specs = text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g);
    for (const [, spec] of specs) {
      const base = path.resolve(path.dirname(file), spec);
      const target = [base, `${base}.ts`, `${base}/index.ts`].find((c) => graph.has(c));
      if (target && target !== file) graph.get(file).add(target);
    }
  }
  return graph;
}

// The groups of two or more files that reach each other (Tarjan's algorithm).
function cycles(graph) {
  let index = 0;
  const stack = [], on = new Set(), idx = new Map(), low = new Map(), groups = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v)) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const group = [];
      let w;
      do { w = stack.pop(); on.delete(w); group.push(path.relative(root, w)); } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return groups;
}

// The graph with each file put in its group (`group(file)`): the edges between groups.
function folded(graph, group) {
  const out = new Map();
  for (const [from, tos] of graph) {
    const a = group(from);
    if (!out.has(a)) out.set(a, new Set());
    for (const to of tos) if (group(to) !== a) out.get(a).add(group(to));
  }
  for (const tos of out.values()) for (const t of tos) if (!out.has(t)) out.set(t, new Set());
  return out;
}

// The core's top-level modules, each one node.
function topLevel(srcDir, graph) {
  return folded(graph, (f) => path.join(srcDir, modulePath(srcDir, f)[0] ?? "lib"));
}

test("the app's files import in one direction", () => {
  assert.deepEqual(cycles(rustGraph(path.join(root, "src-tauri/src"))), []);
});

test("the command line's files import in one direction", () => {
  assert.deepEqual(cycles(rustGraph(path.join(root, "src-tauri/cli/src"))), []);
});

test("the UI's files import in one direction", () => {
  assert.deepEqual(cycles(tsGraph(path.join(root, "ui/src"))), []);
});

// The vault is one `impl Vault` split across its files (adding and editing in mod.rs,
// the journal and rotation beside it), which call each other as one type's methods do:
// it counts as one node.
test("the core's files import in one direction, the vault's as one", () => {
  const src = path.join(root, "src-tauri/core/src");
  const vault = path.join(src, "vault");
  assert.deepEqual(cycles(folded(rustGraph(src), (f) => (f.startsWith(vault + path.sep) ? vault : f))), []);
});

// The core's layers as the layout in docs/development.md lists them, top first: a row
// of the tree starts a layer and its wrapped lines stay in it; rows that are only file
// names are one layer. `lib` and the tests' `test_tokens` are in none.
function documentedLayers(doc) {
  const lines = doc.split("\n");
  const from = lines.findIndex((l) => l.includes("Layers, each using only those above it")) + 1;
  const layers = [];
  let filesOnly = false;
  for (const line of lines.slice(from)) {
    if (/^\s{4}\S/.test(line) || !line.trim()) break;
    const names = [...line.matchAll(/\b([a-z_]+)(?:\.rs\b|\/)/g)].map((m) => m[1]);
    const row = /^\s{6}\S/.test(line);
    const onlyFiles = row && line.trim().split(/\s+/).every((w) => /^[a-z_]+\.rs$/.test(w));
    if (row && !(onlyFiles && filesOnly)) layers.push([]);
    layers.at(-1)?.push(...names);
    if (row) filesOnly = onlyFiles;
  }
  return layers;
}

// Each use of a module in a lower layer: `a uses b`, where b is listed below a.
function upwardUses(graph, layers) {
  const layerOf = new Map(layers.flatMap((names, i) => names.map((n) => [n, i])));
  const name = (f) => path.basename(f);
  const found = [];
  for (const [from, tos] of graph) {
    for (const to of tos) {
      if (layerOf.get(name(to)) > layerOf.get(name(from))) found.push(`${name(from)} uses ${name(to)}`);
    }
  }
  return found.sort();
}

test("the core's top-level modules are layers, as the development guide lists them", () => {
  const src = path.join(root, "src-tauri/core/src");
  const graph = topLevel(src, rustGraph(src));
  assert.deepEqual(cycles(graph), []);
  const layers = documentedLayers(fs.readFileSync(path.join(root, "docs/development.md"), "utf8"));
  const modules = [...graph.keys()].map((f) => path.basename(f)).filter((n) => !["lib", "test_tokens"].includes(n));
  assert.deepEqual(layers.flat().sort(), modules.sort(), "the guide lists each of the core's modules once");
  assert.deepEqual(upwardUses(graph, layers), []);
});

test("a use of a lower layer is found, and the guide's rows are read as layers", () => {
  const doc = [
    "  core/   Layers, each using only those above it here:",
    "      a.rs b.rs",
    "      c.rs",
    "      d/          what d is; e/: what e is, and",
    "                  more of it; f/: and f",
    "      g/          the last",
    "    tests/check/  not a layer",
  ].join("\n");
  assert.deepEqual(documentedLayers(doc), [["a", "b", "c"], ["d", "e", "f"], ["g"]]);
  const graph = new Map([
    ["/x/a", new Set(["/x/c"])],
    ["/x/d", new Set(["/x/a", "/x/g"])],
    ["/x/g", new Set(["/x/e"])],
  ]);
  assert.deepEqual(upwardUses(graph, documentedLayers(doc)), ["d uses g"]);
});

test("a cycle is found where there is one", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cycle-"));
  try {
    fs.writeFileSync(path.join(dir, "main.rs"), "mod a;\nmod b;\nfn main() { a::run(); }\n");
    fs.writeFileSync(path.join(dir, "a.rs"), "use crate::b::helper;\npub fn run() { helper() }\n");
    fs.writeFileSync(path.join(dir, "b.rs"), "use super::a::run;\npub fn helper() {}\n");
    fs.writeFileSync(path.join(dir, "x.ts"), 'import { y } from "./y";\n');
    fs.writeFileSync(path.join(dir, "y.ts"), "import type { x } from './x';\n");
    assert.deepEqual(cycles(rustGraph(dir)).map((g) => g.map((f) => path.basename(f))), [["a.rs", "b.rs"]]);
    assert.deepEqual(cycles(tsGraph(dir)).map((g) => g.map((f) => path.basename(f))), [["x.ts", "y.ts"]]);

    // Behind a string continued over lines, a `//` in a string, nested braces, and
    // `super` in a folder's mod.rs.
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(path.join(dir, "c"), { recursive: true });
    fs.writeFileSync(path.join(dir, "main.rs"), "mod c;\nmod d;\nmod e;\nfn main() {}\n");
    fs.writeFileSync(path.join(dir, "c", "mod.rs"),
      'const A: &str = "one \\\n two https://x";\nuse super::{e::{f, g}, d::run};\npub fn helper() {}\n');
    fs.writeFileSync(path.join(dir, "d.rs"), "pub fn run() { crate::c::helper() }\n");
    fs.writeFileSync(path.join(dir, "e.rs"), "pub fn f() {}\npub fn g() {}\n");
    assert.deepEqual(cycles(rustGraph(dir)).map((g) => g.map((f) => path.relative(dir, f))), [["c/mod.rs", "d.rs"]]);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
