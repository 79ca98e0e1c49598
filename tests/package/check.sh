#!/usr/bin/env bash
# The packages' test. Builds them (scripts/package.sh) and checks, in order:
#  1. the control fields and file lists of both .debs and both .rpms: the command line's
#     package needs only what its binary needs (no GTK, WebKit or D-Bus library), the
#     app's requires the command line of its own version, and no file is in both;
#  2. the command line alone on a server: its .deb installed with dpkg into a bare
#     Debian root made from Debian's packages (no X, no D-Bus, no systemd), used there as
#     a cron job would use it, against the fake Airtable on loopback; then the root is
#     searched for the secret (tests/package/server.sh);
#  3. the desktop package in a root of its own: an upgrade from the last one-package
#     release, then both packages used in a desktop session and purged
#     (tests/package/desktop.sh).
# Nothing is installed on this machine itself: a PAT Vault installed here is left as it
# is.
#   tests/package/check.sh [--built]   (--built: use the packages already built)
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/package
fail() { echo "package test: $*" >&2; exit 1; }
scripts/setup.sh --package >/dev/null
# The upgrade's starting point is built before this commit's packages, so that its
# build, which rebuilds the release binaries, cannot stand in for theirs.
baseline=$("$here/baseline.sh")
[ "${1:-}" = "--built" ] || scripts/package.sh
cargo build --locked --quiet -p fake-airtable
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
version=$(node -p 'require("./tauri.conf.json").version')
bundle="$target_dir/release/bundle"
cli_deb="$bundle/deb/patvault_${version}_amd64.deb"
app_deb="$bundle/deb/PAT Vault_${version}_amd64.deb"
cli_rpm="$bundle/rpm/patvault-${version}-1.x86_64.rpm"
app_rpm="$bundle/rpm/PAT Vault-${version}-1.x86_64.rpm"
for p in "$cli_deb" "$app_deb" "$cli_rpm" "$app_rpm"; do
  [ -f "$p" ] || fail "$p was not built"
done

has() { grep -qxF -- "$2" <<<"$1" || fail "$3: no $2 in: $(tr '\n' ' ' <<<"$1")"; }
lacks() { ! grep -qxF -- "$2" <<<"$1" || fail "$3: $2 should not be there"; }
names() { tr ',|' '\n\n' | sed 's/^ *//; s/ *$//; s/ (.*//' | sed '/^$/d'; }
desktop_libraries=(libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1 libdbus-1-3)

echo "-- the command line's .deb: its fields"
[ "$(dpkg-deb -f "$cli_deb" Package)" = patvault ] || fail "the command line's package is not named patvault"
[ "$(dpkg-deb -f "$cli_deb" Version)" = "$version" ] || fail "the command line's version is not $version"
cli_depends=$(dpkg-deb -f "$cli_deb" Depends | names)
has "$cli_depends" libc6 "the command line's Depends"
has "$cli_depends" ca-certificates "the command line's Depends"
for dep in "${desktop_libraries[@]}" libsecret-1-0 libxcb1; do
  lacks "$cli_depends" "$dep" "the command line's Depends"
done
[ "$(dpkg-deb -f "$cli_deb" Replaces)" = "pat-vault (<< 0.2.0)" ] || fail "Replaces: $(dpkg-deb -f "$cli_deb" Replaces)"
[ "$(dpkg-deb -f "$cli_deb" Breaks)" = "pat-vault (<< 0.2.0)" ] || fail "Breaks: $(dpkg-deb -f "$cli_deb" Breaks)"

echo "-- the app's .deb: its fields"
package=$(dpkg-deb -f "$app_deb" Package)
[ "$package" = pat-vault ] || fail "the app's package is $package, not pat-vault (an upgrade would not replace it)"
[ "$(dpkg-deb -f "$app_deb" Version)" = "$version" ] || fail "the app's version is not $version"
[ "$(dpkg-deb -f "$app_deb" Architecture)" = amd64 ] || fail "architecture is not amd64"
app_depends=$(dpkg-deb -f "$app_deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ *$//')
has "$app_depends" "patvault (= $version)" "the app's Depends"
for dep in "${desktop_libraries[@]}"; do
  has "$(names <<<"$app_depends")" "$dep" "the app's Depends"
done
dpkg-deb -f "$app_deb" Recommends | grep -q gnome-keyring || fail "Recommends names no Secret Service"

echo "-- the .debs' files: each where it belongs, none in both"
listed() { dpkg-deb -c "$1" | grep -v '^d' | sed -E 's|^([^ ]+ +){5}(\./)?|/|'; }
cli_files=$(listed "$cli_deb")
app_files=$(listed "$app_deb")
for f in /usr/bin/patvault /usr/share/man/man1/patvault.1.gz /usr/share/man/man1/patvault-completions.1.gz \
  /usr/share/bash-completion/completions/patvault /usr/share/zsh/vendor-completions/_patvault \
  /usr/share/fish/vendor_completions.d/patvault.fish; do
  has "$cli_files" "$f" "the command line's .deb"
  lacks "$app_files" "$f" "the app's .deb"
done
for f in /usr/bin/patvault-app "/usr/share/applications/PAT Vault.desktop" \
  /usr/share/icons/hicolor/32x32/apps/patvault-app.png /usr/share/icons/hicolor/128x128/apps/patvault-app.png \
  /usr/share/icons/hicolor/512x512/apps/patvault-app.png; do
  has "$app_files" "$f" "the app's .deb"
done
both=$(comm -12 <(sort <<<"$cli_files") <(sort <<<"$app_files"))
[ -z "$both" ] || fail "files in both packages: $both"

echo "-- the .rpms' files and requirements"
cli_rpm_files=$(rpm -qpl "$cli_rpm" 2>/dev/null)
for f in /usr/bin/patvault /usr/share/man/man1/patvault.1.gz /usr/share/bash-completion/completions/patvault \
  /usr/share/zsh/site-functions/_patvault /usr/share/fish/vendor_completions.d/patvault.fish; do
  has "$cli_rpm_files" "$f" "the command line's .rpm"
done
cli_requires=$(rpm -qpR "$cli_rpm" 2>/dev/null | sed 's/ .*//')
has "$cli_requires" "libc.so.6()(64bit)" "the command line's .rpm requirements"
has "$cli_requires" ca-certificates "the command line's .rpm requirements"
! grep -qiE 'gtk|webkit|dbus|appindicator' <<<"$cli_requires" || fail "the command line's .rpm requires a desktop library: $cli_requires"
rpm -qp --conflicts "$cli_rpm" 2>/dev/null | grep -qxF "pat-vault < 0.2.0" || fail "the command line's .rpm does not conflict with the one-package release"
app_rpm_files=$(rpm -qpl "$app_rpm" 2>/dev/null)
has "$app_rpm_files" /usr/bin/patvault-app "the app's .rpm"
has "$app_rpm_files" "/usr/share/applications/PAT Vault.desktop" "the app's .rpm"
lacks "$app_rpm_files" /usr/bin/patvault "the app's .rpm"
app_requires=$(rpm -qpR "$app_rpm" 2>/dev/null)
has "$app_requires" "patvault = $version-1" "the app's .rpm requirements"
for dep in "libwebkit2gtk-4.1.so.0()(64bit)" "libgtk-3.so.0()(64bit)" "libayatana-appindicator3.so.1()(64bit)" dbus-libs; do
  has "$(sed 's/ .*//' <<<"$app_requires")" "$dep" "the app's .rpm requirements"
done

"$here/server.sh" "$cli_deb" "$target_dir/debug/fake-airtable"
"$here/desktop.sh" "$baseline" "$cli_deb" "$app_deb"
echo "package test: ok ($(basename "$cli_deb") $(du -k "$cli_deb" | cut -f1) kB, $(basename "$app_deb") $(du -k "$app_deb" | cut -f1) kB; $(basename "$cli_rpm") $(du -k "$cli_rpm" | cut -f1) kB, $(basename "$app_rpm") $(du -k "$app_rpm" | cut -f1) kB)"
