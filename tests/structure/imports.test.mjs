// No import cycle between the files of the shells (the app's `src-tauri/src`, the
// command line's `src-tauri/cli/src`) or of the UI (`ui/src`): a file that another
// file builds on never builds on it in turn, so each can be read, and moved, alone.
// The core keeps its layers by the same rule between its top-level modules.
// Run: node --test tests/structure/
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

function filesUnder(dir, ext) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ext.some((x) => e.name.endsWith(x)))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

// Comments, strings, visibility (`pub(super)`) and a file's own tests (`#[cfg(test)]
// mod tests`, last in a file, where `super` is the file itself) say nothing about its
// imports.
function code(text) {
  return text
    .replace(/#\[cfg\(test\)\]\s*mod \w+ \{[\s\S]*$/, "")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\bpub\([^)]*\)/g, "pub");
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
    let base = start === "crate" ? [] : here.slice(0, Math.max(0, here.length - 1));
    for (const part of rest) {
      if (part === "super") base = base.slice(0, -1);
      else base = [...base, part];
    }
    refs.push(base);
  };
  for (const m of text.matchAll(/\b(crate|super)((?:::(?:super|\w+))*)(::\{([^}]*)\})?/g)) {
    const rest = m[2].split("::").filter(Boolean);
    if (m[4] !== undefined) {
      for (const item of m[4].split(",")) {
        const first = item.trim().split("::").filter(Boolean);
        if (first.length && first[0] !== "self") add(m[1], [...rest, ...first]);
        else add(m[1], rest);
      }
    } else add(m[1], rest);
  }
  return refs;
}

function rustGraph(srcDir) {
  const files = filesUnder(srcDir, [".rs"]);
  const byModule = new Map(files.map((f) => [modulePath(srcDir, f).join("::"), f]));
  const graph = new Map(files.map((f) => [f, new Set()]));
  for (const file of files) {
    const here = modulePath(srcDir, file);
    const isParent = /(mod|main|lib)\.rs$/.test(file);
    const self = isParent ? here : here;
    const text = code(fs.readFileSync(file, "utf8"));
    const refs = rustReferences(text, isParent ? [...here, "_"] : here);
    // A parent reaches its children by name: `tokens::add(…)`.
    for (const [, child] of text.matchAll(/^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;/gm)) {
      if (new RegExp(`\\b${child}::`).test(text.replace(/^\s*(?:pub.*)?mod\s+\w+\s*;/gm, ""))) {
        refs.push([...self, child]);
      }
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
    for (const [, spec] of text.matchAll(/\bfrom\s+"(\.{1,2}\/[^"]+)"/g)) {
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

// The core's top-level modules: an `impl Vault` split across vault's own files is one
// module's business, so files are folded into their top-level module first.
function topLevel(srcDir, graph) {
  const top = (f) => path.join(srcDir, modulePath(srcDir, f)[0] ?? "lib");
  const folded = new Map();
  for (const [from, tos] of graph) {
    const a = top(from);
    if (!folded.has(a)) folded.set(a, new Set());
    for (const to of tos) if (top(to) !== a) folded.get(a).add(top(to));
  }
  for (const tos of folded.values()) for (const t of tos) if (!folded.has(t)) folded.set(t, new Set());
  return folded;
}

export { rustGraph, tsGraph };

test("the app's files import in one direction", () => {
  assert.deepEqual(cycles(rustGraph(path.join(root, "src-tauri/src"))), []);
});

test("the command line's files import in one direction", () => {
  assert.deepEqual(cycles(rustGraph(path.join(root, "src-tauri/cli/src"))), []);
});

test("the UI's files import in one direction", () => {
  assert.deepEqual(cycles(tsGraph(path.join(root, "ui/src"))), []);
});

test("the core's top-level modules are layers", () => {
  const src = path.join(root, "src-tauri/core/src");
  assert.deepEqual(cycles(topLevel(src, rustGraph(src))), []);
});

test("a cycle is found where there is one", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cycle-"));
  try {
    fs.writeFileSync(path.join(dir, "main.rs"), "mod a;\nmod b;\nfn main() { a::run(); }\n");
    fs.writeFileSync(path.join(dir, "a.rs"), "use crate::b::helper;\npub fn run() { helper() }\n");
    fs.writeFileSync(path.join(dir, "b.rs"), "use super::a::run;\npub fn helper() {}\n");
    fs.writeFileSync(path.join(dir, "x.ts"), 'import { y } from "./y";\n');
    fs.writeFileSync(path.join(dir, "y.ts"), 'import type { x } from "./x";\n');
    assert.deepEqual(cycles(rustGraph(dir)).map((g) => g.map((f) => path.basename(f))), [["a.rs", "b.rs"]]);
    assert.deepEqual(cycles(tsGraph(dir)).map((g) => g.map((f) => path.basename(f))), [["x.ts", "y.ts"]]);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
