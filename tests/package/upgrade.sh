#!/usr/bin/env bash
# An upgrade from the last one-package release: in a Debian 12 root made by mmdebstrap
# with the desktop's libraries, the 0.1.0 package (which carried /usr/bin/patvault
# itself) is installed, then this version's two packages over it with apt, the way the
# README says to install them. It must go through with no force option; then
# each file belongs to the package that now carries it, both binaries run, the app's
# libraries all resolve, and the vault 0.1.0 wrote (on its file store: the root has no
# keychain) is read as it was.
# Making and entering the root takes root (through sudo when not run as root).
#   tests/package/upgrade.sh BASELINE_DEB CLI_DEB APP_DEB
set -euo pipefail
baseline=$(realpath "$1")
cli_deb=$(realpath "$2")
app_deb=$(realpath "$3")
cd "$(dirname "$0")/../.."
fail() { echo "package test (upgrade): $*" >&2; exit 1; }
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
version=$(node -p 'require("./tauri.conf.json").version')

work=$(mktemp -d)
trap '$sudo rm -rf --one-file-system "$work"' EXIT
root="$work/root"

echo "-- an upgrade from the one-package 0.1.0"
# What apt would fetch: the libraries both releases need, the two packages aside (the
# root has no package lists: apt installs the two files from what is there).
depends=$(for deb in "$baseline" "$cli_deb" "$app_deb"; do dpkg-deb -f "$deb" Depends | tr ',' '\n'; done |
  sed 's/^ *//; s/ .*//' | grep -vxE 'patvault|pat-vault' | sort -u | paste -sd, -),apt
$sudo mmdebstrap --quiet --mode=root --variant=essential --include="$depends" bookworm "$root" \
  >"$work/mmdebstrap.log" 2>&1 || fail "mmdebstrap: $(tail -5 "$work/mmdebstrap.log")"
$sudo cp "$baseline" "$root/tmp/old.deb"
$sudo cp "$cli_deb" "$root/tmp/patvault.deb"
$sudo cp "$app_deb" "$root/tmp/pat-vault.deb"
in_root() { $sudo chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

in_root dpkg -i /tmp/old.deb >"$work/dpkg.log" 2>&1 || fail "installing 0.1.0: $(cat "$work/dpkg.log")"
[ "$(in_root dpkg-query -S /usr/bin/patvault | cut -d: -f1)" = pat-vault ] || fail "0.1.0 did not carry /usr/bin/patvault"
# A vault of 0.1.0's own making, on its file store (no keychain in this root), which the
# upgrade must leave as it was: the same tokens, the same secret handed to a command.
secret="patUpgrade0000001.$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
in_root patvault store use file --unprotected-identity >"$work/out" 2>&1 || fail "0.1.0's store use: $(cat "$work/out")"
printf '%s\n' "$secret" | in_root patvault add "Nightly export" >"$work/out" 2>&1 || fail "0.1.0's add: $(cat "$work/out")"
in_root patvault list --json >"$work/before.json" 2>"$work/out" || fail "0.1.0's list: $(cat "$work/out")"
handed() { in_root patvault exec "Nightly export" -- sh -c 'printf %s "$AIRTABLE_API_KEY" | sha256sum'; }
[ "$(handed)" = "$(printf %s "$secret" | sha256sum)" ] || fail "0.1.0 handed another secret"

in_root DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/patvault.deb /tmp/pat-vault.deb \
  >"$work/apt.log" 2>&1 || fail "the upgrade: $(cat "$work/apt.log")"
[ -z "$(in_root dpkg --audit)" ] || fail "dpkg --audit after the upgrade: $(in_root dpkg --audit)"
for p in patvault pat-vault; do
  [ "$(in_root dpkg-query -W -f='${Version} ${Status}' "$p")" = "$version install ok installed" ] \
    || fail "$p: $(in_root dpkg-query -W -f='${Version} ${Status}' "$p" 2>&1)"
done
[ "$(in_root dpkg-query -S /usr/bin/patvault | cut -d: -f1)" = patvault ] || fail "/usr/bin/patvault is not the command line's package's"
[ "$(in_root dpkg-query -S /usr/bin/patvault-app | cut -d: -f1)" = pat-vault ] || fail "/usr/bin/patvault-app is not the app's package's"
while IFS= read -r f; do
  [ -z "$f" ] || [ -e "$root$f" ] || fail "$f is missing after the upgrade"
done < <(in_root dpkg-query -L patvault pat-vault)
[ "$(in_root patvault --version)" = "patvault $version" ] || fail "--version says $(in_root patvault --version)"
missing=$(in_root ldd /usr/bin/patvault-app | grep "not found" || true)
[ -z "$missing" ] || fail "the app's libraries that do not resolve: $missing"
in_root patvault list --json >"$work/after.json" 2>"$work/after.err" || fail "list after the upgrade: $(cat "$work/after.err")"
cmp -s "$work/before.json" "$work/after.json" || fail "the vault lists otherwise after the upgrade"
[ "$(handed)" = "$(printf %s "$secret" | sha256sum)" ] || fail "after the upgrade, exec handed another secret"
echo "upgrade: ok"
