#!/usr/bin/env bash
# Builds the Linux packages, two of each kind, in target/release/bundle/{deb,rpm}:
#   patvault    the command line alone, for servers, cron and containers: the binary, its
#               man pages and shell completions, depending on nothing but what its own
#               libraries need (scripts/package-cli.sh);
#   pat-vault   the desktop app (Tauri's bundler, with the Tauri CLI pinned in
#               ui/package-lock.json), which depends on the same version of patvault.
# The two release binaries are built first, then the man pages and completions are made
# from the command line (the same clap definitions as the parser).
#
# No AppImage: Tauri's AppImage bundler downloads linuxdeploy and its plugins from
# GitHub while it builds, and this project builds only from what the crates, npm, PyPI
# and Debian registries serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --package
tauri=ui/node_modules/.bin/tauri
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
version=$(node -p 'require("./tauri.conf.json").version')

"$tauri" build --no-bundle
cargo build --release --locked -p patvault-cli
patvault="$target_dir/release/patvault"

# What the command line's packages carry, made once for both kinds.
staged=target/package
rm -rf "$staged"
mkdir -p "$staged/bin" "$staged/man" "$staged/completions"
cp "$patvault" "$staged/bin/patvault"
"$patvault" man "$staged/man"
gzip -9n "$staged"/man/*.1
"$patvault" completions bash >"$staged/completions/patvault.bash"
# zsh autoloads _patvault from its fpath as the completion function itself: the body
# defines the completer and registers it, then completes this first Tab too.
{ "$patvault" completions zsh; echo '_clap_dynamic_completer_patvault "$@"'; } >"$staged/completions/_patvault"
"$patvault" completions fish >"$staged/completions/patvault.fish"

rm -rf "$target_dir/release/bundle"
# The app's package requires the command line of its own version: `patvault-app` hands
# every command to the `patvault` beside it, and the login entry starts `patvault`. The
# requirement is added here, from the version in tauri.conf.json, so the two cannot part.
needs=$(node -e '
  const linux = require("./tauri.conf.json").bundle.linux;
  const v = process.argv[1];
  console.log(JSON.stringify({ bundle: { linux: {
    deb: { depends: [...linux.deb.depends, `patvault (= ${v})`] },
    rpm: { depends: [...linux.rpm.depends, `patvault = ${v}-1`] },
  } } }));' "$version")
"$tauri" bundle --bundles deb,rpm --config "$needs"
scripts/package-cli.sh "$staged" "$version" "$target_dir/release/bundle"
ls "$target_dir"/release/bundle/deb/*.deb "$target_dir"/release/bundle/rpm/*.rpm
