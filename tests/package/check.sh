#!/usr/bin/env bash
# The packages' test. Builds them (scripts/package.sh), checks the .deb's control fields
# and file list, then really installs it with apt (the tests run as root on a throwaway
# machine; elsewhere through sudo) and uses what was installed: `patvault --version`,
# `patvault add` and `list` on a private vault, the app started by `patvault` alone
# under Xvfb until its window shows (with "start at login" on, its login entry must then
# start /usr/bin/patvault), the desktop entry validated, the man page read, and a token name
# completed by the installed bash completion. Then the package is purged and nothing
# it installed may be left. The .rpm is checked for its file list and requirements.
#   tests/package/check.sh [--built]   (--built: use the packages already built)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "${1:-}" = "--built" ] || scripts/package.sh
scripts/setup.sh --package >/dev/null
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
deb=$(ls "$target_dir"/release/bundle/deb/*.deb)
rpm=$(ls "$target_dir"/release/bundle/rpm/*.rpm)
version=$(node -p 'require("./tauri.conf.json").version')

fail() { echo "package test: $*" >&2; exit 1; }
has() { grep -qxF -- "$2" <<<"$1" || fail "$3: no $2 in: $(tr '\n' ' ' <<<"$1")"; }

echo "-- the .deb's control fields"
package=$(dpkg-deb -f "$deb" Package)
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "version is not $version"
[ "$(dpkg-deb -f "$deb" Architecture)" = amd64 ] || fail "architecture is not amd64"
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ *$//; s/ (.*//')
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1 libdbus-1-3; do
  has "$depends" "$dep" "Depends"
done
dpkg-deb -f "$deb" Recommends | grep -q gnome-keyring || fail "Recommends names no Secret Service"

echo "-- the .deb's files"
files=$(dpkg-deb -c "$deb" | sed -E 's|^([^ ]+ +){5}(\./)?|/|')
for f in /usr/bin/patvault /usr/bin/patvault-app "/usr/share/applications/PAT Vault.desktop" \
  /usr/share/icons/hicolor/32x32/apps/patvault-app.png /usr/share/icons/hicolor/128x128/apps/patvault-app.png \
  /usr/share/icons/hicolor/512x512/apps/patvault-app.png \
  /usr/share/man/man1/patvault.1.gz /usr/share/man/man1/patvault-completions.1.gz \
  /usr/share/bash-completion/completions/patvault /usr/share/zsh/vendor-completions/_patvault \
  /usr/share/fish/vendor_completions.d/patvault.fish; do
  has "$files" "$f" "the .deb"
done

echo "-- the .rpm's files and requirements"
rpm_files=$(rpm -qpl "$rpm" 2>/dev/null)
for f in /usr/bin/patvault /usr/bin/patvault-app "/usr/share/applications/PAT Vault.desktop" /usr/share/man/man1/patvault.1.gz \
  /usr/share/bash-completion/completions/patvault /usr/share/zsh/site-functions/_patvault; do
  has "$rpm_files" "$f" "the .rpm"
done
requires=$(rpm -qpR "$rpm" 2>/dev/null | sed 's/ .*//')
for dep in "libwebkit2gtk-4.1.so.0()(64bit)" "libgtk-3.so.0()(64bit)" "libayatana-appindicator3.so.1()(64bit)" dbus-libs; do
  has "$requires" "$dep" "the .rpm's requirements"
done

echo "-- installed with apt"
work=$(mktemp -d)
cleanup() {
  $sudo apt-get purge -y -qq "$package" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
installed=$(dpkg -L "$package")
[ "$(command -v patvault)" = /usr/bin/patvault ] || fail "patvault on the PATH is $(command -v patvault)"
[ "$(patvault --version)" = "patvault $version" ] || fail "--version says $(patvault --version)"
desktop-file-validate "/usr/share/applications/PAT Vault.desktop" || fail "the desktop entry does not validate"
MANPAGER=cat man patvault 2>/dev/null | grep -q "patvault-completions" || fail "man patvault lists no commands"

mkdir -p "$work/home" "$work/data" "$work/xdg/config" "$work/xdg/data" "$work/xdg/cache"
echo '{"start_at_login": true}' >"$work/data/settings.json"
export HOME="$work/home" XDG_CONFIG_HOME="$work/xdg/config" XDG_DATA_HOME="$work/xdg/data" XDG_CACHE_HOME="$work/xdg/cache"
export PATVAULT_DATA_DIR="$work/data" PATVAULT_KEYCHAIN_SERVICE="dev.patvault.package-test.$$" KEYRING_HOME="$work/keyring"
scripts/session.sh bash -euo pipefail -c '
  fail() { echo "package test: $*" >&2; exit 1; }
  echo "-- the installed CLI on a private vault"
  printf "patAbCdEfGh123456.%064d\n" 7 | /usr/bin/patvault add "CRM sync" >/dev/null
  /usr/bin/patvault list | grep -q "CRM sync" || fail "list does not show the token added"

  echo "-- the installed bash completion"
  completed=$(bash -c "source /usr/share/bash-completion/completions/patvault
    COMP_WORDS=(patvault show CR); COMP_CWORD=2; COMP_LINE=\"patvault show CR\"; COMP_POINT=\${#COMP_LINE}
    _clap_complete_patvault patvault CR show; printf \"%s\n\" \"\${COMPREPLY[@]}\"")
  grep -qxF "CRM\\ sync" <<<"$completed" || fail "patvault show CR<Tab> gave: $completed"

  echo "-- the installed app, started until its window shows"
  /usr/bin/patvault >"$HOME/app.log" 2>&1 &
  app=$!
  timeout 30 /usr/bin/python3 tests/e2e/close_window.py --wait "PAT Vault" >/dev/null || fail "no window within 30 s: $(cat "$HOME/app.log")"
  entry="$HOME/.config/autostart/PAT Vault.desktop"
  for _ in $(seq 100); do [ -f "$entry" ] && break; sleep 0.05; done
  grep -qx "Exec=\"/usr/bin/patvault\" --minimized" "$entry" || fail "the login entry: $(cat "$entry" 2>&1)"
  kill "$app"; wait "$app" || true
'

echo "-- purged: nothing of it is left"
$sudo apt-get purge -y -qq "$package" >/dev/null
while IFS= read -r f; do
  [ -f "$f" ] && fail "$f is still there after the purge"
done <<<"$installed"
[ -f "$work/data/inventory.json" ] || fail "the purge took the user's vault"
echo "package test: ok ($(basename "$deb"), $(du -k "$deb" | cut -f1) kB; $(basename "$rpm"), $(du -k "$rpm" | cut -f1) kB)"
