#!/usr/bin/env python3
"""A PNG of an app's window as the X server shows it, the way a screenshot tool takes
one. WebDriver's own screenshot asks WebKit to paint a copy, and WebKit never answers
that while it draws without compositing, as the app does where there is no GPU.
Usage: screenshot.py OUT.png PID...   (the largest shown top-level window whose
_NET_WM_PID is one of PIDs; exit status 1 when there is none)
"""
import struct
import sys
import zlib

from Xlib import X, display


def shown_window(d, pids):
    wm_pid = d.intern_atom("_NET_WM_PID")
    found = []
    for w in d.screen().root.query_tree().children:
        try:
            owner = w.get_full_property(wm_pid, X.AnyPropertyType)
            if not owner or owner.value[0] not in pids or w.get_attributes().map_state != X.IsViewable:
                continue
            g = w.get_geometry()
            found.append((g.width * g.height, w, g))
        except Exception:  # a window may vanish while it is looked at
            continue
    return max(found, key=lambda f: f[0])[1:] if found else (None, None)


def png(width, height, rgb_rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\0" + row for row in rgb_rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def main(out, pids):
    d = display.Display()
    window, g = shown_window(d, pids)
    if window is None:
        return 1
    image = window.get_image(0, 0, g.width, g.height, X.ZPixmap, 0xFFFFFFFF)
    data = image.data
    if len(data) != g.width * g.height * 4:
        raise SystemExit(f"screenshot.py: expected 32 bits a pixel, got {len(data)} bytes for {g.width}x{g.height}")
    rows = []
    for y in range(g.height):
        bgrx = data[y * g.width * 4 : (y + 1) * g.width * 4]
        rgb = bytearray(g.width * 3)
        rgb[0::3] = bgrx[2::4]
        rgb[1::3] = bgrx[1::4]
        rgb[2::3] = bgrx[0::4]
        rows.append(bytes(rgb))
    with open(out, "wb") as f:
        f.write(png(g.width, g.height, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], {int(p) for p in sys.argv[2:]}))
