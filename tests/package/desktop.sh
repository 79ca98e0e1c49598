#!/usr/bin/env bash
# The desktop package, in a throwaway Debian 12 root made by mmdebstrap with the
# desktop's libraries (nothing of it is installed on this machine):
#  1. an upgrade from the last one-package release: the 0.1.0 package (which carried
#     /usr/bin/patvault itself) is installed, then this version's two packages over it
#     with apt, the way the README says to install them. It must go through with no
#     force option; then each file belongs to the package that now carries it, both
#     binaries run, the app's libraries all resolve, and the vault 0.1.0 wrote (on its
#     file store: the root has no keychain of its own) is read as it was;
#  2. the installed packages used, in a desktop session of this machine's (Xvfb, a
#     private D-Bus session, gnome-keyring) that the root is let into: a token added on
#     the keychain, completed by the installed bash completion, the man page and the
#     desktop entry checked, and the app started by `patvault` alone until its window
#     shows (with "start at login" on, its login entry must then start
#     /usr/bin/patvault);
#  3. both purged: nothing they installed is left, and the vaults are; then both
#     installed afresh, as on a machine that never had PAT Vault.
# Making and entering the root takes root (through sudo when not run as root).
#   tests/package/desktop.sh BASELINE_DEB CLI_DEB APP_DEB
set -euo pipefail
baseline=$(realpath "$1")
cli_deb=$(realpath "$2")
app_deb=$(realpath "$3")
cd "$(dirname "$0")/../.."
fail() { echo "package test (desktop): $*" >&2; exit 1; }
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
version=$(node -p 'require("./tauri.conf.json").version')

work=$(mktemp -d)
# Every mount is made in a namespace of its own and goes with it; should one be left
# under the root all the same, nothing is removed through it.
cleanup() {
  if findmnt -rn -o TARGET | grep -q "^$work/"; then
    echo "package test (desktop): mounts remain under $work; it is left in place" >&2
  else
    $sudo rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT
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
# Any argument but --minimized is a command for the command line beside the app; without
# /proc here the running binary cannot be told, and the PATH's is taken.
[ "$(in_root patvault-app --version 2>&1)" = "patvault $version" ] \
  || fail "patvault-app --version did not hand on to patvault: $(in_root patvault-app --version 2>&1)"
in_root patvault list --json >"$work/after.json" 2>"$work/after.err" || fail "list after the upgrade: $(cat "$work/after.err")"
cmp -s "$work/before.json" "$work/after.json" || fail "the vault lists otherwise after the upgrade"
[ "$(handed)" = "$(printf %s "$secret" | sha256sum)" ] || fail "after the upgrade, exec handed another secret"

echo "-- the installed packages used in a desktop session"
# A vault of its own on the keychain, beside the file-store vault the upgrade kept.
$sudo install -d -m 700 "$root/root/desktop-vault"
echo '{"start_at_login": true}' | $sudo tee "$root/root/desktop-vault/settings.json" >/dev/null
[ "$(in_root patvault --version)" = "patvault $version" ] || fail "--version says $(in_root patvault --version)"
desktop-file-validate "$root/usr/share/applications/PAT Vault.desktop" || fail "the desktop entry does not validate"
MANPAGER=cat man -l "$root/usr/share/man/man1/patvault.1.gz" 2>/dev/null | grep -q "patvault-completions" \
  || fail "man patvault lists no commands"
# The session runs as root too (through sudo when not run as root): its bus lets only
# its owner in, and the root's commands run as root.
$sudo env KEYRING_HOME="$work/keyring" ROOT="$root" scripts/session.sh bash -euo pipefail -c '
  fail() { echo "package test (desktop): $*" >&2; exit 1; }
  # A command of the root in this session: in a mount namespace of its own (what it
  # mounts goes when it ends), with the devices, /proc and /sys, and this machine'"'"'s
  # /tmp, where the session'"'"'s X socket, X authority and bus socket are.
  in_session=(unshare --mount --propagation private sh -c "
      mount --rbind /dev \"\$1/dev\" && mount -t proc proc \"\$1/proc\" &&
      mount --rbind /sys \"\$1/sys\" && mount --bind /tmp \"\$1/tmp\" &&
      shift && exec \"\$@\"" mounts "$ROOT" chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin
    DISPLAY="$DISPLAY" XAUTHORITY="$XAUTHORITY" DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS"
    PATVAULT_DATA_DIR=/root/desktop-vault PATVAULT_KEYCHAIN_SERVICE=dev.patvault.package-test)
  printf "patAbCdEfGh123456.%064d\n" 7 | "${in_session[@]}" patvault add "CRM sync" >"$KEYRING_HOME/out" 2>&1 \
    || fail "add on the keychain: $(cat "$KEYRING_HOME/out")"
  "${in_session[@]}" patvault list | grep -q "CRM sync" || fail "list does not show the token added"

  echo "-- the installed bash completion"
  completed=$("${in_session[@]}" bash -c "source /usr/share/bash-completion/completions/patvault
    COMP_WORDS=(patvault show CR); COMP_CWORD=2; COMP_LINE=\"patvault show CR\"; COMP_POINT=\${#COMP_LINE}
    _clap_complete_patvault patvault CR show; printf \"%s\n\" \"\${COMPREPLY[@]}\"")
  grep -qxF "CRM\\ sync" <<<"$completed" || fail "patvault show CR<Tab> gave: $completed"

  echo "-- the installed app, started until its window shows"
  # Each of unshare, sh, chroot, env and patvault becomes the next: $! is the app.
  "${in_session[@]}" /usr/bin/patvault >"$KEYRING_HOME/app.log" 2>&1 &
  app=$!
  trap "kill $app 2>/dev/null || true" EXIT
  timeout 30 /usr/bin/python3 tests/e2e/close_window.py --wait "PAT Vault" >/dev/null \
    || fail "no window within 30 s: $(cat "$KEYRING_HOME/app.log")"
  entry="$ROOT/root/.config/autostart/PAT Vault.desktop"
  for _ in $(seq 100); do [ -f "$entry" ] && break; sleep 0.05; done
  grep -qx "Exec=\"/usr/bin/patvault\" --minimized" "$entry" || fail "the login entry: $(cat "$entry" 2>&1)"
  kill "$app"; wait "$app" || true
  ! kill -0 "$app" 2>/dev/null || fail "the app outlived the test"
'

echo "-- purged: nothing of them is left"
installed=$(in_root dpkg-query -L pat-vault patvault)
in_root dpkg --purge pat-vault patvault >"$work/out" 2>&1 || fail "the purge: $(cat "$work/out")"
while IFS= read -r f; do
  [ -z "$f" ] || [ -d "$root$f" ] || [ ! -e "$root$f" ] || fail "$f is still there after the purge"
done <<<"$installed"
for vault in /root/desktop-vault /root/.local/share/dev.patvault; do
  $sudo test -f "$root$vault/inventory.json" || fail "the purge took the vault in $vault"
done

echo "-- installed afresh, as on a machine that never had it"
in_root DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/patvault.deb /tmp/pat-vault.deb \
  >"$work/apt.log" 2>&1 || fail "a fresh install: $(cat "$work/apt.log")"
[ "$(in_root patvault --version)" = "patvault $version" ] || fail "--version after a fresh install"
[ -z "$(in_root dpkg --audit)" ] || fail "dpkg --audit after a fresh install: $(in_root dpkg --audit)"
echo "desktop: ok"
