#!/usr/bin/env bash
# The benchmarks (programs that print numbers, not tests).
#   scripts/bench.sh [--quick]   the check: a full check of 10 tokens against the fake
#                                Airtable with 50 ms latency and Airtable's real rate
#                                limits; --quick skips the one-request-at-a-time
#                                comparison, which takes about two minutes.
#   scripts/bench.sh scan [--files N]
#                                the scan: files per second on a generated tree of
#                                100,000 files, beside `rg -l pat` when ripgrep is there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = scan ]; then
  shift
  exec cargo run --locked --quiet --release -p patvault-core --example bench_scan -- "$@"
fi
exec cargo run --locked --quiet -p patvault --example bench_check -- "$@"
