#!/usr/bin/env bash
# Runs a command in a fresh desktop session of its own: Xvfb (1280x800, no GPU), a
# private D-Bus session bus that starts no service by itself (tests/dbus/session.conf),
# and a gnome-keyring unlocked with a throwaway password, its files in $KEYRING_HOME.
# The end-to-end tests and the footprint benchmark run in it.
#   KEYRING_HOME=DIR scripts/session.sh COMMAND [ARG...]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KEYRING_HOME:?set KEYRING_HOME to an empty folder}"
mkdir -p "$KEYRING_HOME/run"
chmod 700 "$KEYRING_HOME/run"
exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session --config-file="$PWD/tests/dbus/session.conf" -- bash -c '
    set -e
    printf test-password | XDG_DATA_HOME="$KEYRING_HOME" XDG_RUNTIME_DIR="$KEYRING_HOME/run" \
      gnome-keyring-daemon --unlock --components=secrets >/dev/null
    owned() {
      dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q "boolean true"
    }
    for _ in $(seq 500); do owned && break; sleep 0.02; done
    owned || { echo "session: the keyring never took its name on the bus" >&2; exit 1; }
    exec "$@"
  ' session "$@"
