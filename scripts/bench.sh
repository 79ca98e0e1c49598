#!/usr/bin/env bash
# The check benchmark (a program that prints numbers, not a test): a full check of 10
# tokens against the fake Airtable with 50 ms latency and Airtable's real rate limits.
# Pass --quick to skip the one-request-at-a-time comparison, which takes about two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --locked --quiet -p patvault --example bench_check -- "$@"
