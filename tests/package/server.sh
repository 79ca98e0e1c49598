#!/usr/bin/env bash
# The command line's package on a server: installed with `dpkg -i` into a bare Debian 12
# root made by mmdebstrap from Debian's packages (the essential set and the package's
# own Depends, nothing else: no X, no D-Bus, no systemd), then used there the way a
# server's cron job uses it, against the fake Airtable on the host's loopback:
# `--version`; `add` refused until a store is chosen, keeping the secret nowhere; the
# file store chosen with its key from a systemd credential; a token added from standard
# input; checked; handed by `exec` to a command from a cron-like environment, the key
# then from an identity file; `due` and its exit status; removed. Last, every file of the
# root is searched for the secret.
# Making and entering the root takes root (through sudo when not run as root).
#   tests/package/server.sh CLI_DEB FAKE_AIRTABLE
set -euo pipefail
deb=$(realpath "$1")
fake=$(realpath "$2")
cd "$(dirname "$0")/../.."
fail() { echo "package test (server): $*" >&2; exit 1; }
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

work=$(mktemp -d)
fake_pid=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
  $sudo rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root="$work/root"

echo "-- the command line in a bare Debian root"
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | paste -sd, -)
$sudo mmdebstrap --quiet --mode=root --variant=essential --include="$depends" bookworm "$root" \
  >"$work/mmdebstrap.log" 2>&1 || fail "mmdebstrap: $(tail -5 "$work/mmdebstrap.log")"
for absent in dbus systemd xserver-common libx11-6 libgtk-3-0 libdbus-1-3; do
  ! $sudo chroot "$root" dpkg-query -W "$absent" >/dev/null 2>&1 || fail "the bare root has $absent"
done
$sudo cp "$deb" "$root/tmp/patvault.deb"
$sudo chroot "$root" dpkg -i /tmp/patvault.deb >"$work/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$work/dpkg.log")"
$sudo rm "$root/tmp/patvault.deb"

# What cron gives a job (HOME, LOGNAME, SHELL, PATH=/usr/bin:/bin) and a crontab's own
# variables; nothing of the test's environment reaches the root.
in_root() { $sudo chroot "$root" /usr/bin/env -i HOME=/root LOGNAME=root SHELL=/bin/sh PATH=/usr/bin:/bin "$@"; }

version=$(node -p 'require("./tauri.conf.json").version')
[ "$(in_root patvault --version)" = "patvault $version" ] || fail "--version says $(in_root patvault --version)"

# A token the fake Airtable knows, its secret made for this run and kept off every
# command line.
secret="pat$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 14).$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
printf '%s' "$secret" | node -e '
  const s = require("./tests/scenarios/demo.json");
  s.tokens = [{ token: require("fs").readFileSync(0, "utf8"), owner: "usrMaya0000000001",
    scopes: ["data.records:read", "schema.bases:read"], bases: ["appSalesCRM000000"] }];
  require("fs").writeFileSync(process.argv[1], JSON.stringify(s), { mode: 0o600 });' "$work/scenario.json"
"$fake" --scenario "$work/scenario.json" --port 0 >"$work/fake.out" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$work/fake.out" ] && break; sleep 0.1; done
airtable=$(head -n 1 "$work/fake.out")
[ -n "$airtable" ] || fail "the fake Airtable did not start"

echo "-- no store chosen, no keychain: nothing kept"
status=0
printf '%s\n' "$secret" | in_root patvault add "Nightly export" >"$work/out" 2>&1 || status=$?
[ "$status" = 2 ] || fail "add with no store exited $status: $(cat "$work/out")"
grep -q "patvault store use file" "$work/out" || fail "add with no store says: $(cat "$work/out")"
in_root patvault doctor --json >"$work/out" 2>&1 || true
grep -q '"kind": *"keychain_unavailable"' "$work/out" || fail "doctor names another kind: $(cat "$work/out")"
holding() { # prints the files of the root that hold the secret
  local status=0
  printf '%s\n' "$secret" | $sudo grep -rlaF -f - "$root" || status=$?
  [ "$status" -le 1 ] || fail "the root could not be searched"
}
leaked=$(holding)
[ -z "$leaked" ] || fail "refused, the secret is still in: $leaked"

echo "-- the file store, its key from a systemd credential"
age-keygen -o "$work/key" 2>"$work/out" || fail "age-keygen: $(cat "$work/out")"
$sudo install -d -m 700 "$root/run/credentials/nightly.service"
$sudo install -m 400 "$work/key" "$root/run/credentials/nightly.service/patvault.identity"
credential=(CREDENTIALS_DIRECTORY=/run/credentials/nightly.service)
in_root "${credential[@]}" patvault store use file >"$work/out" 2>&1 || fail "store use file: $(cat "$work/out")"
in_root "${credential[@]}" patvault store show >"$work/out" 2>&1 || fail "store show: $(cat "$work/out")"
grep -q "systemd credential" "$work/out" || fail "store show names no systemd credential: $(cat "$work/out")"
printf '%s\n' "$secret" | in_root "${credential[@]}" patvault add "Nightly export" \
  --scope data.records:read --scope schema.bases:read --base appSalesCRM000000 \
  --rotated-on "$(date -d '200 days ago' +%F)" --rotate-every 90 >"$work/out" 2>&1 || fail "add: $(cat "$work/out")"
in_root "${credential[@]}" PATVAULT_AIRTABLE_URL="$airtable" patvault check --json "Nightly export" >"$work/out" 2>&1 \
  || fail "check: $(cat "$work/out")"
grep -q '"appSalesCRM000000"' "$work/out" || fail "check reached no base: $(cat "$work/out")"

echo "-- from a cron job, the key from an identity file"
$sudo install -d -m 700 "$root/etc/patvault"
$sudo install -m 400 "$work/key" "$root/etc/patvault/identity"
cron=(PATVAULT_IDENTITY_FILE=/etc/patvault/identity)
handed=$(in_root "${cron[@]}" patvault exec "Nightly export" -- sh -c 'printf %s "$AIRTABLE_API_KEY" | sha256sum')
[ "$handed" = "$(printf %s "$secret" | sha256sum)" ] || fail "exec handed the command another secret"
status=0
in_root "${cron[@]}" patvault due >"$work/out" 2>&1 || status=$?
[ "$status" = 1 ] || fail "due exited $status for an overdue rotation: $(cat "$work/out")"
grep -q "Nightly export" "$work/out" || fail "due does not name the token: $(cat "$work/out")"
in_root "${cron[@]}" patvault remove --yes "Nightly export" >"$work/out" 2>&1 || fail "remove: $(cat "$work/out")"
in_root "${cron[@]}" patvault list --json >"$work/out" 2>&1 || fail "list: $(cat "$work/out")"
! grep -q "Nightly export" "$work/out" || fail "the token is still listed"

echo "-- the root holds the secret nowhere"
leaked=$(holding)
[ -z "$leaked" ] || fail "the secret is in: $leaked"
echo "server: ok (the bare root's packages: $($sudo chroot "$root" dpkg-query -W | wc -l))"
