// One lock policy: the project's locks are parking_lot's, which cannot be poisoned, so no
// call site has to say what to do with a poisoned one. No Rust file names std's Mutex,
// RwLock or Condvar, tests and benchmarks included. A test rather than clippy's
// `disallowed-types`: clippy reads that from a clippy.toml beside or above each crate's
// manifest, which for the app's crate is the top level, kept to the files it has.
// Run: node --test tests/structure/locks.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { filesUnder, useTree, withoutCommentsAndStrings } from "./rust.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const BANNED = ["Mutex", "RwLock", "Condvar"];

// Where a file names one of std's locks: by its path, through a `use` (braces, a glob
// or a renaming included), or through `std::sync` brought in under a name of its own.
function stdLocksIn(text) {
  const code = withoutCommentsAndStrings(text);
  const lineOf = (index) => code.slice(0, index).split("\n").length;
  const found = [];
  const isStdSync = (item) => item[0] === "std" && item[1] === "sync";
  for (const m of code.matchAll(/\buse\s+(?:::)?([^;]+);/g)) {
    for (const item of useTree(m[1])) {
      if (isStdSync(item) && (BANNED.includes(item[2]) || item[2] === "*")) {
        found.push(`${lineOf(m.index)}: use ${item.join("::")}`);
      }
    }
  }
  // The names std's `sync` module goes by here: `use std::sync;`, `std::{sync}`, or
  // renamed (`std::sync as s`, `std::sync::{self as s}`).
  const names = new Set();
  for (const m of code.matchAll(/\buse\s+(?:::)?([^;]+);/g)) {
    for (const item of useTree(m[1])) if (item.length === 2 && isStdSync(item)) names.add(item.alias ?? "sync");
  }
  // Outside the `use` items read above, blanked so their lines keep their numbers.
  const rest = code.replace(/\buse\s+[^;]+;/g, (m) => m.replace(/[^\n]/g, " "));
  for (const m of rest.matchAll(/\bstd\s*::\s*sync\s*::\s*(\w+)/g)) {
    if (BANNED.includes(m[1])) found.push(`${lineOf(m.index)}: std::sync::${m[1]}`);
  }
  // `sync::Mutex` after `use std::sync;` (or its renaming), not after `tokio::`.
  for (const name of names) {
    const pattern = new RegExp(`(?<![\\w:]|::\\s*)\\b${name}\\s*::\\s*(${BANNED.join("|")})\\b`, "g");
    for (const m of rest.matchAll(pattern)) found.push(`${lineOf(m.index)}: ${name}::${m[1]}`);
  }
  return [...new Set(found)];
}

function rustFiles() {
  return ["src-tauri", "tests", "examples"]
    .flatMap((dir) => filesUnder(path.join(root, dir), [".rs"]))
    .filter((f) => !/[/\\](target|node_modules|gen)[/\\]/.test(path.relative(root, f)));
}

test("no Rust file names std's locks", () => {
  const files = rustFiles();
  assert.ok(files.some((f) => f.endsWith(path.join("core", "src", "lib.rs"))), "the core is read");
  const found = files.flatMap((f) => stdLocksIn(fs.readFileSync(f, "utf8")).map((at) => `${path.relative(root, f)}:${at}`));
  assert.deepEqual(found, [], "use parking_lot's Mutex, RwLock or Condvar instead");
});

test("each way of naming std's locks is found, and nothing else", () => {
  const named = [
    "use std::sync::Mutex;",
    "use std::sync::{Arc, RwLock};",
    "use std::{collections::HashMap, sync::{atomic::AtomicU8, Condvar}};",
    "use std::sync::*;",
    "use ::std::sync::Mutex as Lock;",
    "static M: std::sync::Mutex<u8> = std::sync :: Mutex::new(0);",
    "use std::sync;\nfn f() -> sync::RwLock<u8> { todo!() }",
    "use std::sync as s;\nfn f() -> s::Condvar { todo!() }",
    "use std::sync::{self as s};\nfn f() -> s::Mutex<u8> { todo!() }",
    "use std::{sync, io::{self as io2}};\nfn f() -> sync::Mutex<u8> { todo!() }",
  ];
  for (const text of named) assert.notDeepEqual(stdLocksIn(text), [], text);
  assert.deepEqual(stdLocksIn("\n\nuse std::sync::{\n  Arc,\n  Mutex,\n};"), ["3: use std::sync::Mutex"]);

  const fine = [
    "use parking_lot::{Mutex, RwLock};",
    "use std::sync::{Arc, LazyLock, atomic::AtomicBool};",
    "use tokio::sync::Mutex;\nfn f(m: tokio::sync::Mutex<u8>) {}",
    "use tokio::sync;\nfn f(m: sync::Mutex<u8>) {}",
    "use std::{io::{self as x}, sync};\nfn f(m: x::Mutex<u8>) {}",
    "// std::sync::Mutex is banned\nconst WHY: &str = \"not std::sync::Mutex\";",
    "/* use std::sync::RwLock; */ fn f() {}",
  ];
  for (const text of fine) assert.deepEqual(stdLocksIn(text), [], text);

});
