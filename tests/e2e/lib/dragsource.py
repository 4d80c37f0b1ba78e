#!/usr/bin/python3
"""A file manager's icon, as far as X11 drag and drop goes: a small GTK 3 window that
offers one file as `text/uri-list` when dragged (XDND), placed where the test says.

    dragsource.py FILE X Y [W H]
    dragsource.py --screenshot OUT.png     (the whole X screen, then exits)

Prints one JSON line per event on stdout, flushed: `ready` (with the window's XID and
its position) once the window is mapped, then `drag-begin`, `data-get` (the
target asked for the file: the drop happened), `drag-end`, `drag-failed` (with GTK's
reason: no target, user cancelled, timeout...). The test reads them to tell a lost X
event from a drop the app refused. Runs until killed.

Without a window manager (plain Xvfb) a toplevel lands exactly where it asks and stays
above the windows mapped before it, which is all this needs.
"""
import json
import os
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
gi.require_version("GdkX11", "3.0")
from gi.repository import Gdk, GdkX11, GLib, Gtk  # noqa: E402,F401  (GdkX11: get_xid)

# The target id GTK hands back in drag-data-get for text/uri-list.
URI_LIST = 0


def say(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def screenshot(out):
    root = Gdk.get_default_root_window()
    shot = Gdk.pixbuf_get_from_window(root, 0, 0, root.get_width(), root.get_height())
    shot.savev(out, "png", [], [])


def main():
    if sys.argv[1] == "--screenshot":
        screenshot(sys.argv[2])
        return
    path = os.path.abspath(sys.argv[1])
    x, y = int(sys.argv[2]), int(sys.argv[3])
    w, h = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (220, 120)
    uri = GLib.filename_to_uri(path, None)

    win = Gtk.Window(title="e2e drag source")
    win.set_default_size(w, h)
    win.set_resizable(False)
    win.set_decorated(False)
    win.move(x, y)
    box = Gtk.EventBox()
    label = Gtk.Label(label="Drag me:\n" + os.path.basename(path))
    label.set_justify(Gtk.Justification.CENTER)
    box.add(label)
    win.add(box)

    # What Nautilus offers for a file: its URI as text/uri-list, copy.
    targets = Gtk.TargetList.new([])
    targets.add(Gdk.Atom.intern("text/uri-list", False), 0, URI_LIST)
    box.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
    box.drag_source_set_target_list(targets)

    box.connect("drag-begin", lambda _w, _ctx: say("drag-begin"))

    def on_data_get(_w, _ctx, data, info, _time):
        data.set_uris([uri])
        say("data-get", target=str(data.get_target()), info=info, uri=uri)

    box.connect("drag-data-get", on_data_get)
    box.connect("drag-end", lambda _w, _ctx: say("drag-end"))

    def on_failed(_w, _ctx, result):
        say("drag-failed", result=result.value_nick)
        return False

    box.connect("drag-failed", on_failed)

    def report_ready():
        gdk_win = win.get_window()
        _, ox, oy = gdk_win.get_origin()
        say("ready", xid=gdk_win.get_xid(), x=ox, y=oy,
            width=win.get_allocated_width(), height=win.get_allocated_height(), uri=uri)
        return False

    # Mapped is not yet drawn: give the first frame a moment (the "draw" signal would
    # need python3-gi-cairo for its argument).
    win.connect("map-event", lambda _w, _e: GLib.timeout_add(200, report_ready) and False)
    win.connect("destroy", Gtk.main_quit)
    win.show_all()
    Gtk.main()


if __name__ == "__main__":
    main()
