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
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = scan ]; then
  shift
  exec cargo run --locked --quiet --release -p patvault-core --example bench_scan -- "$@"
fi
exec cargo run --locked --quiet -p patvault --example bench_check -- "$@"
