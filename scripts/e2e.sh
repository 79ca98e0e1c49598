#!/usr/bin/env bash
# End-to-end tests: builds the app, then runs tests/e2e in a session of their own
# (scripts/session.sh: Xvfb, a private D-Bus bus, an unlocked gnome-keyring), in
# throwaway XDG folders. Screenshots
# land in target/e2e-screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."

npm --prefix ui run build --silent
cargo build --workspace --locked
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')

work=$(mktemp -d)
keyring_home=$(mktemp -d)
# On failure, show how far the tests got and what the driver said; then clean up.
report() {
  status=$?
  if [ "$status" -ne 0 ]; then
    echo "-- e2e progress:"; cat "$work/progress.log" 2>/dev/null || true
    for log in "$work"/*/tauri-driver.log; do [ -f "$log" ] && { echo "-- $log"; tail -n 40 "$log"; }; done
  fi
  rm -rf "$work" "$keyring_home"
  exit "$status"
}
trap report EXIT
mkdir -p "$work/xdg/data" "$work/xdg/cache" "$work/xdg/config"

export E2E_APP="$target_dir/debug/patvault-app" E2E_CLI="$target_dir/debug/patvault"
# The build folder may be a temporary one (a clean clone in /tmp), which the app never
# writes into a config or the login entry by itself: the tests name the command line, as
# a user would.
export PATVAULT_PROGRAM="$E2E_CLI"
export E2E_FAKE="$target_dir/debug/fake-airtable"
export E2E_WORK="$work"
export E2E_SCREENSHOTS="$target_dir/e2e-screenshots"
export XDG_DATA_HOME="$work/xdg/data" XDG_CACHE_HOME="$work/xdg/cache" XDG_CONFIG_HOME="$work/xdg/config"
export KEYRING_HOME="$keyring_home"
rm -rf "$E2E_SCREENSHOTS"

scripts/session.sh node --test --test-timeout=120000 ${E2E_TESTS:-tests/e2e/*.test.mjs}
