#!/usr/bin/env bash
# End-to-end tests: builds the app, then runs tests/e2e under Xvfb inside a private D-Bus
# session with a freshly unlocked gnome-keyring, in throwaway XDG folders. Screenshots
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
mkdir -p "$work/xdg/data" "$work/xdg/cache" "$work/xdg/config" "$keyring_home/run"
chmod 700 "$keyring_home/run"

export E2E_APP="$target_dir/debug/patvault"
export E2E_FAKE="$target_dir/debug/fake-airtable"
export E2E_WORK="$work"
export E2E_SCREENSHOTS="$target_dir/e2e-screenshots"
export XDG_DATA_HOME="$work/xdg/data" XDG_CACHE_HOME="$work/xdg/cache" XDG_CONFIG_HOME="$work/xdg/config"
export KEYRING_HOME="$keyring_home"
rm -rf "$E2E_SCREENSHOTS"

# A session bus that starts no service by itself (see tests/dbus/session.conf).
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session --config-file="$PWD/tests/dbus/session.conf" -- bash -c '
    set -e
    printf test-password | XDG_DATA_HOME="$KEYRING_HOME" XDG_RUNTIME_DIR="$KEYRING_HOME/run" \
      gnome-keyring-daemon --unlock --components=secrets >/dev/null
    owned() {
      dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q "boolean true"
    }
    for _ in $(seq 500); do owned && break; sleep 0.02; done
    owned || { echo "e2e: the keyring never took its name on the bus" >&2; exit 1; }
    node --test --test-timeout=120000 ${E2E_TESTS:-tests/e2e/*.test.mjs}
  '
