#!/usr/bin/env bash
# Builds the Linux packages through Tauri's bundler, with the Tauri CLI pinned in
# ui/package-lock.json: target/release/bundle/deb/PAT Vault_VERSION_amd64.deb and
# target/release/bundle/rpm/PAT Vault-VERSION-1.x86_64.rpm. The two release binaries
# are built first (the app, and the command line, a crate of its own), then the man
# pages and the shell completions are made from the command line (the same clap
# definitions as the parser), then the bundler packs it all.
#
# No AppImage: Tauri's AppImage bundler downloads linuxdeploy and its plugins from
# GitHub while it builds, and this project builds only from what the crates, npm, PyPI
# and Debian registries serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --package
tauri=ui/node_modules/.bin/tauri
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')

"$tauri" build --no-bundle
cargo build --release --locked -p patvault-cli
patvault="$target_dir/release/patvault"

# tauri.conf.json's bundle.linux files point here.
extra=target/package
rm -rf "$extra"
mkdir -p "$extra/bin" "$extra/man" "$extra/completions"
cp "$patvault" "$extra/bin/patvault"
"$patvault" man "$extra/man"
gzip -9n "$extra"/man/*.1
"$patvault" completions bash >"$extra/completions/patvault.bash"
# zsh autoloads _patvault from its fpath as the completion function itself: the body
# defines the completer and registers it, then completes this first Tab too.
{ "$patvault" completions zsh; echo '_clap_dynamic_completer_patvault "$@"'; } >"$extra/completions/_patvault"
"$patvault" completions fish >"$extra/completions/patvault.fish"

rm -rf "$target_dir/release/bundle"
"$tauri" bundle --bundles deb,rpm
ls "$target_dir"/release/bundle/deb/*.deb "$target_dir"/release/bundle/rpm/*.rpm
