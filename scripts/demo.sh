#!/usr/bin/env bash
# The demo: the app on sample tokens (tests/scenarios/demo-vault.json) against the fake
# Airtable serving tests/scenarios/demo.json, so every screen can be seen filled in
# without an Airtable account. Its vault lives in a throwaway data folder, and its
# secrets in a throwaway keyring on a private D-Bus session: nothing touches your own
# vault or keychain, and everything is gone when the window closes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --demo
npm --prefix ui run build --silent
cargo build --release --features custom-protocol --locked --quiet
cargo build --release --locked --quiet -p fake-airtable -p patvault-cli
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')

work=$(mktemp -d)
fake_pid=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/data" "$work/keyring/run" "$work/home"
chmod 700 "$work/keyring/run"

# The fake prints its address first; port 0 picks a free one.
"$target_dir/release/fake-airtable" --scenario tests/scenarios/demo.json --port 0 >"$work/fake.out" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/fake.out" ] && break; sleep 0.1; done
url=$(head -n 1 "$work/fake.out")
[ -n "$url" ] || { echo "demo: the fake Airtable did not start" >&2; exit 1; }
echo "demo: fake Airtable at $url (statistics: $url/_fake/stats)"

export PATVAULT_AIRTABLE_URL="$url" PATVAULT_DATA_DIR="$work/data" PATVAULT_KEYCHAIN_SERVICE=dev.patvault.demo
export DEMO_KEYRING="$work/keyring" DEMO_APP="$target_dir/release/patvault-app" DEMO_CLI="$target_dir/release/patvault" DEMO_HOME="$work/home"
# The demo's configs live in its throwaway home: they may name this build, wherever it is.
export PATVAULT_PROGRAM="$DEMO_CLI"
dbus-run-session -- bash -c '
  set -e
  printf demo | XDG_DATA_HOME="$DEMO_KEYRING" XDG_RUNTIME_DIR="$DEMO_KEYRING/run" \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
  node tests/scenarios/seed.mjs "$DEMO_CLI" "$DEMO_HOME"
  # The demo ends with its window: no staying in a tray the private session cannot show.
  echo "{\"close_to_tray\": false}" > "$PATVAULT_DATA_DIR/settings.json"
  echo "demo: $(node -p "require(\"./tests/scenarios/demo-vault.json\").tokens.length") sample tokens in $PATVAULT_DATA_DIR; press Check all"
  echo "demo: its home $DEMO_HOME holds plaintext copies, a stale one and an old backup: open Where used and press Scan now"
  # A home of its own: a login entry, a calendar export or WebKit storage made in the
  # demo lands in the throwaway folder, never in yours.
  HOME="$DEMO_HOME" XDG_CONFIG_HOME="$DEMO_HOME/.config" XDG_CACHE_HOME="$DEMO_HOME/.cache" \
    XDG_DATA_HOME="$DEMO_HOME/.local/share" "$DEMO_APP"
'
