#!/usr/bin/env bash
# Runs every test of PAT Vault, installing what is missing first: formatting, lints, the
# UI's type check and unit tests, the documentation's links, the import graph (no
# cycle), the Rust unit and integration tests (against a real Secret Service on a
# private D-Bus session; the command line's once more on the encrypted-file store), the
# end-to-end tests of the real app, and the packages: built, checked, and used, upgraded
# and purged in throwaway Debian roots, never on this machine (tests/package/check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "set-up"
scripts/setup.sh --test

step "format"
cargo fmt --all --check

step "UI build (the app embeds ui/dist)"
npm --prefix ui run build --silent

step "clippy"
# Its lints are the workspace's, in Cargo.toml: a `cargo clippy` by hand checks the same.
cargo clippy --workspace --all-targets --locked -- -D warnings

step "UI type check"
npm --prefix ui run check

step "UI unit tests"
npm --prefix ui test --silent

step "documentation (links, the paths named) and structure (no import cycle, one kind of lock)"
node --test tests/docs/*.test.mjs tests/structure/*.test.mjs

step "Rust tests"
cargo test --workspace --locked

step "the command line's tests again, on the encrypted-file store (those of the keychain itself stay on it)"
# Those that never touch a secret's store (the binary's boundary, the desktop hand-off,
# choosing and moving stores, a missing or silent keychain, which pin the keychain) ran
# once already.
PATVAULT_TEST_STORE=file cargo test --locked -p patvault-cli --test cli -- \
  --skip boundary:: --skip desktop:: --skip store:: \
  --skip failures::without_a_secret_service --skip failures::a_keychain_that_never_answers

step "end to end"
scripts/e2e.sh

step "packages (built, checked; used, upgraded and purged in throwaway Debian roots)"
tests/package/check.sh
