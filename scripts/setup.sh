#!/usr/bin/env bash
# Installs what building, running and testing PAT Vault needs on Debian/Ubuntu and is
# missing: system packages (apt, through sudo when not root), tauri-driver, npm packages.
# `--package` adds what building and checking the packages needs, `--test` what the
# tests need (the packages' test among them), `--demo` what the demo needs. Idempotent
# and quiet when everything is already there. The Tauri CLI that builds the packages is
# an npm package, pinned in ui/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev xdg-utils
  libsoup-3.0-dev libssl-dev libdbus-1-dev pkg-config build-essential file)
test_pkgs=(xvfb webkit2gtk-driver gnome-keyring dbus-x11 libsecret-tools xclip python3-dbus python3-gi python3-xlib age)
demo_pkgs=(gnome-keyring dbus)
package_pkgs=(rpm dpkg-dev mmdebstrap debian-archive-keyring age desktop-file-utils bash-completion man-db)

want=("${build_pkgs[@]}")
case "${1:-}" in
  --test) want+=("${test_pkgs[@]}" "${package_pkgs[@]}") ;;
  --package) want+=("${package_pkgs[@]}") ;;
  --demo) want+=("${demo_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ] && ! command -v tauri-driver >/dev/null 2>&1; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
