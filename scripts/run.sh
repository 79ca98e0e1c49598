#!/usr/bin/env bash
# Builds PAT Vault (installing what is missing first) and runs it: with no arguments the
# app opens; any arguments go to the `patvault` command line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm --prefix ui run build --silent
exec cargo run --release --features custom-protocol --locked --quiet -- "$@"
