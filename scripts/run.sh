#!/usr/bin/env bash
# Builds PAT Vault (installing what is missing first) and runs it: with no arguments the
# app opens; `--demo` opens it on sample tokens against the fake Airtable (scripts/demo.sh);
# any other arguments go to the `patvault` command line.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--demo" ]; then exec scripts/demo.sh; fi
scripts/setup.sh
npm --prefix ui run build --silent
exec cargo run --release --features custom-protocol --locked --quiet -- "$@"
