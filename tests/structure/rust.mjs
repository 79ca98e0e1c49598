// Reading Rust source as text, for the structure tests: a file's code without its
// comments and strings, and the paths a use-tree names.
import fs from "node:fs";
import path from "node:path";

export function filesUnder(dir, ext) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ext.some((x) => e.name.endsWith(x)))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

// Comments, strings and char literals name no path: one pass over the text, so a `//`
// inside a string or a string continued with `\` is read as Rust does. Each keeps its
// line breaks, so a line number in what is left is the file's.
export function withoutCommentsAndStrings(text) {
  return text.replace(
    /\/\*[\s\S]*?\*\/|\/\/[^\n]*|r(#*)"[\s\S]*?"\1|b?"(?:[^"\\]|\\[\s\S])*"|b?'(?:[^'\\\n]|\\[^\n]{1,10}?)'/g,
    (m) => (m.startsWith("/") ? "" : '""') + m.replace(/[^\n]/g, ""),
  );
}

// A file's own tests (`#[cfg(test)] mod tests { … }`, or `#[cfg(all(test, unix))]`) left
// out.
export function withoutTestModules(text) {
  const start = text.search(/#\[cfg\((?:test|all\(test\b[^\]]*)\)\]\s*mod\s+\w+\s*\{/);
  if (start < 0) return text;
  let depth = 0;
  for (let i = text.indexOf("{", start); i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(0, start) + withoutTestModules(text.slice(i + 1));
  }
  return text.slice(0, start);
}

// The items of a use-tree's braces, nested braces opened: `a::{b, c}, d` gives
// [[a, b], [a, c], [d]]; `self` is its parent, and a renaming (`b as c`) keeps `b`, with
// `c` as the item's `alias`.
export function useTree(text) {
  const items = [];
  let depth = 0, from = 0;
  const parts = [];
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if ((c === "," && depth === 0) || i === text.length) {
      parts.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  for (const part of parts.filter(Boolean)) {
    const brace = part.indexOf("{");
    const head = (brace < 0 ? part : part.slice(0, brace)).split("::").map((x) => x.trim()).filter(Boolean);
    const names = head.map((x) => x.split(/\s/)[0]);
    if (brace < 0) {
      const item = names[0] === "self" ? [] : names;
      item.alias = /\bas\s+(\w+)\s*$/.exec(part)?.[1];
      items.push(item);
    } else {
      for (const rest of useTree(part.slice(brace + 1, part.lastIndexOf("}")))) {
        const item = [...head, ...rest];
        item.alias = rest.alias;
        items.push(item);
      }
    }
  }
  return items;
}
