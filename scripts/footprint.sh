#!/usr/bin/env bash
# The footprint benchmark (a program that prints numbers, not a test): PAT Vault's
# memory in each state and its start-up time, beside KeePassXC's in the same run.
#
# Method. Release build, under Xvfb (1280x800, no GPU, no window manager), in a private
# D-Bus session with an unlocked gnome-keyring and a stand-in tray (tests/e2e/tray.py),
# on a vault of ten tokens added through the CLI. Memory is PSS (proportional set size:
# shared pages split among the processes sharing them) from /proc/PID/smaps_rollup,
# summed over the app and every process it started (WebKit's web and network
# processes), read 2 s after each state is reached:
#   window open      the token list of ten painted (the page says when, not the mapping);
#   in the tray      after the window was closed (the app starts afresh tray-only);
#   fresh tray-only  a new `patvault-app --minimized`;
#   KeePassXC        its window open on its welcome screen, the same way.
# Start-up, of 5 warm starts (median, min, max): from spawning the app to its window
# being mapped (seen by polling X every 5 ms), and to the token list being painted.
#   scripts/footprint.sh [--detail]   installs KeePassXC when it is missing; --detail
#                                     adds each process's largest mappings
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test >/dev/null
if ! command -v keepassxc >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends keepassxc >/dev/null
fi
npm --prefix ui run build --silent
cargo build --release --locked --quiet -p patvault -p patvault-cli
target_dir=$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/xdg/data" "$work/xdg/cache" "$work/xdg/config" "$work/home"
export FOOTPRINT_APP="$target_dir/release/patvault-app" FOOTPRINT_CLI="$target_dir/release/patvault" FOOTPRINT_WORK="$work"
export XDG_DATA_HOME="$work/xdg/data" XDG_CACHE_HOME="$work/xdg/cache" XDG_CONFIG_HOME="$work/xdg/config"
export KEYRING_HOME="$work/keyring"

scripts/session.sh node scripts/footprint.mjs "$@"
