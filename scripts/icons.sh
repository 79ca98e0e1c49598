#!/usr/bin/env bash
# Makes every icon in icons/ from the one source image, icons/source.svg, through the
# pinned Tauri CLI: the PNG sizes the Linux packages install, and icon.ico and
# icon.icns for the Windows and macOS bundles. The mobile sets it also makes are
# dropped: there is no mobile app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --package >/dev/null
ui/node_modules/.bin/tauri icon icons/source.svg --output icons
rm -rf icons/android icons/ios
