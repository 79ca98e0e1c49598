#!/usr/bin/env bash
# Builds PAT Vault (installing what is missing first) and runs it: with no arguments the
# app opens; `--demo` opens it on sample tokens against the fake Airtable (scripts/demo.sh);
# any other arguments go to the `patvault` command line.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--demo" ]; then exec scripts/demo.sh; fi
scripts/setup.sh
npm --prefix ui run build --silent
cargo build --release --locked --quiet -p patvault-cli
cargo build --release --features custom-protocol --locked --quiet -p patvault
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
# With no command the command line becomes the app beside it, as an installed one does.
exec "$target_dir/release/patvault" "$@"
