#!/usr/bin/env python3
"""A minimal freedesktop notification server for the end-to-end tests.

It owns org.freedesktop.Notifications on the session bus, as a desktop's notification
daemon does, and appends each notification it receives to a file, one JSON object per
line, so a test can see what the app really sent over D-Bus.
Usage: notifications.py LOG_FILE   (prints "ready" once it owns the name)
"""
import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

INTERFACE = "org.freedesktop.Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.log = log
        self.last_id = 0

    @dbus.service.method(INTERFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        self.last_id += 1
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"app": str(app_name), "summary": str(summary), "body": str(body)}) + "\n")
        return self.last_id

    @dbus.service.method(INTERFACE, out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method(INTERFACE, out_signature="ssss")
    def GetServerInformation(self):
        return ("patvault-test-notifications", "PAT Vault", "1", "1.2")

    @dbus.service.method(INTERFACE, in_signature="u")
    def CloseNotification(self, notification_id):
        pass


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
owned = dbus.service.BusName(INTERFACE, bus, do_not_queue=True)
server = Server(bus, sys.argv[1])
print("ready", flush=True)
GLib.MainLoop().run()
