#!/usr/bin/env bash
# The benchmarks (programs that print numbers, not tests).
#   scripts/bench.sh [--quick] [--trace] [--only TEXT]
#                                the check, default and deep, on a matrix of account
#                                shapes against the fake Airtable with 50 ms latency and
#                                Airtable's real rate limits: requests, wall time, lower
#                                bound, ratio, 429s, the check's peak memory, the share
#                                of a Free workspace's month; --quick skips the deep
#                                checks of the large accounts (a minute or more each),
#                                --trace adds the requests per second per user and base,
#                                --only keeps the rows whose label contains TEXT.
#   scripts/bench.sh scan [--files N]
#                                the scan: files per second on a generated tree of
#                                100,000 files, beside `rg -l pat` when ripgrep is there.
#   scripts/bench.sh cli [--runs N]
#                                `patvault due`, `list` and `exec NAME -- true`: wall time
#                                and peak memory per call, through the command line and
#                                through the app binary, in a keyring of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = cli ]; then
  shift
  scripts/setup.sh --test >/dev/null
  cargo build --locked --quiet --release -p patvault -p patvault-cli --example bench_cli
  target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
  KEYRING_HOME=$(mktemp -d)
  export KEYRING_HOME
  trap 'rm -rf "$KEYRING_HOME"' EXIT
  scripts/session.sh "$target_dir/release/examples/bench_cli" \
    "$target_dir/release/patvault" "$target_dir/release/patvault-app" "$@"
  exit
fi
if [ "${1:-}" = scan ]; then
  shift
  exec cargo run --locked --quiet --release -p patvault-core --example bench_scan -- "$@"
fi
exec cargo run --locked --quiet -p patvault --example bench_check -- "$@"
