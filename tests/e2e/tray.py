#!/usr/bin/env python3
"""A minimal StatusNotifierItem host for the end-to-end tests.

It owns org.kde.StatusNotifierWatcher on the session bus, as a desktop's panel does, so
the app's tray icon registers with it; then it reads the icon's menu over dbusmenu and
clicks its items as a user would. One command per line on standard input, one JSON
answer per line on standard output:
  menu        -> {"menu": [{"id", "label", "enabled"}...]} (separators left out)
  click ID    -> {"clicked": ID}
  pid         -> {"pid": the process id of the app that owns the icon}
It prints {"ready": true} once it owns the name, and {"registered": NAME} when an icon
registers.
"""
import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

WATCHER = "org.kde.StatusNotifierWatcher"
ITEM = "org.kde.StatusNotifierItem"
MENU = "com.canonical.dbusmenu"


def say(answer):
    print(json.dumps(answer), flush=True)


class Watcher(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, "/StatusNotifierWatcher")
        self.bus = bus
        self.items = []

    @dbus.service.method(WATCHER, in_signature="s", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        # An item names either its object path (on the caller's connection) or a bus name.
        name, path = (sender, service) if service.startswith("/") else (service, "/StatusNotifierItem")
        self.items.append((str(name), str(path)))
        self.StatusNotifierItemRegistered(name + path)
        say({"registered": str(name)})

    @dbus.service.method(WATCHER, in_signature="s")
    def RegisterStatusNotifierHost(self, service):
        pass

    @dbus.service.signal(WATCHER, signature="s")
    def StatusNotifierItemRegistered(self, item):
        pass

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss", out_signature="v")
    def Get(self, interface, prop):
        return self.GetAll(interface)[prop]

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return {
            "RegisteredStatusNotifierItems": dbus.Array([n + p for n, p in self.items], signature="s"),
            "IsStatusNotifierHostRegistered": True,
            "ProtocolVersion": dbus.Int32(0),
        }

    def menu(self):
        name, path = self.items[-1]
        item = self.bus.get_object(name, path)
        menu_path = item.Get(ITEM, "Menu", dbus_interface=dbus.PROPERTIES_IFACE)
        return dbus.Interface(self.bus.get_object(name, menu_path), MENU)

    def entries(self):
        _, (_, _, children) = self.menu().GetLayout(0, -1, ["label", "enabled", "type"])
        out = []
        for child in children:
            cid, props, _ = child
            if props.get("type") == "separator":
                continue
            out.append({"id": int(cid), "label": str(props.get("label", "")), "enabled": bool(props.get("enabled", True))})
        return out

    def click(self, cid):
        self.menu().Event(dbus.Int32(cid), "clicked", dbus.Int32(0, variant_level=1), dbus.UInt32(0))

    def pid(self):
        name, _ = self.items[-1]
        return int(self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus").GetConnectionUnixProcessID(name))


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    watcher = Watcher(bus)
    # Kept alive for as long as the loop runs: dropping it would release the name.
    name = dbus.service.BusName(WATCHER, bus, do_not_queue=True)

    def on_command(source, condition):
        line = sys.stdin.readline()
        if not line:
            GLib.MainLoop().quit()
            sys.exit(0)
        command, _, argument = line.strip().partition(" ")
        try:
            if command == "menu":
                say({"menu": watcher.entries()})
            elif command == "click":
                watcher.click(int(argument))
                say({"clicked": int(argument)})
            elif command == "pid":
                say({"pid": watcher.pid()})
            else:
                say({"error": f"unknown command {command}"})
        except (dbus.DBusException, IndexError) as e:
            say({"error": str(e)})
        return True

    GLib.io_add_watch(sys.stdin, GLib.IO_IN | GLib.IO_HUP, on_command)
    say({"ready": name.get_name() == WATCHER})
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
