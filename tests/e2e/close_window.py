#!/usr/bin/env python3
"""Asks an X11 window to close, as a window manager does when its close button is
clicked: a WM_DELETE_WINDOW message to each top-level window with the given title.
(Xvfb runs no window manager, and WebDriver's own "close window" ends the whole app.)
Usage: close_window.py [--find|--wait] TITLE   (exit status 1 when no window has that
title; --find only looks; --wait looks every 5 ms until one is shown, then prints the
time it was seen, in seconds since the epoch: scripts/footprint.sh times the start so)
"""
import sys
import time

from Xlib import X, display, protocol


def titled(window, title):
    try:
        return window.get_wm_name() == title and window.get_attributes().map_state == X.IsViewable
    except Exception:  # a window may vanish while it is looked at
        return False


def main(title, close=True):
    d = display.Display()
    protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    windows = [w for w in d.screen().root.query_tree().children if titled(w, title)]
    for w in windows if close else []:
        w.send_event(protocol.event.ClientMessage(window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])))
    d.flush()
    return 0 if windows else 1


def wait(title):
    d = display.Display()
    print("waiting", flush=True)
    while not any(titled(w, title) for w in d.screen().root.query_tree().children):
        time.sleep(0.005)
    print(f"{time.time():.3f}", flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--wait":
        sys.exit(wait(sys.argv[2]))
    if sys.argv[1] == "--find":
        sys.exit(main(sys.argv[2], close=False))
    sys.exit(main(sys.argv[1]))
