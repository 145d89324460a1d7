"""Reads the kiosk's screen description ($HATCH_UI_DUMP) for scripts/e2e.

The kiosk rewrites the file atomically after every frame: the screen, the
step, the focused widget and every widget with its role, action, arg,
rectangle, visibility and label. Run with Debian's /usr/bin/python3.

  ui.py frame DUMP                      the frame number, or 0 if none yet
  ui.py wait DUMP SECONDS EXPR          polls until EXPR holds; prints the frame
  ui.py locate DUMP HEIGHT SELECTOR...  where to click a widget (HEIGHT: the
                                        window's), or which way to scroll
  ui.py show DUMP                       the screen, one widget per line
  ui.py layout DUMP                     the widgets without frame and focus
  ui.py under-footer DUMP HEIGHT        bare footer over a tappable widget

EXPR is a Python expression over d (the dump), frame, screen, step, focus,
widgets, and the functions has(SELECTOR...), find(SELECTOR...) and
focused(SELECTOR...) (the focused widget matches). A SELECTOR is role=R,
label=TEXT (exact), label~=TEXT (contained), action=N or a name from ACT
(action=scroll_down), arg=N, or visible=true|false; all must hold.
"""
import json
import sys
import time

# enum ui_action in src/ui/ui.h
ACT = {
    "none": 0, "start": 1, "language": 2, "service": 3, "continue": 4,
    "back": 5, "help": 6, "help_return": 7, "field": 8, "option": 9,
    "change": 10, "send": 11, "finish": 12, "error_link": 13, "key": 14,
    "scroll_up": 15, "scroll_down": 16, "more_time": 17, "start_again": 18,
    "dismiss": 19, "settings": 20, "lang_switch": 21, "text_size": 22,
    "contrast": 23, "speech": 24, "extra_time": 25, "addr_pick": 26,
    "addr_manual": 27, "addr_by_text": 28, "addr_change": 29,
}
# Widgets outside the scrolling body: header, footer, keyboard, dialogs.
FIXED = {ACT[a] for a in ("help", "back", "continue", "send", "finish",
                          "scroll_up", "scroll_down", "more_time",
                          "start_again", "dismiss", "key")}
FOOTER = {ACT[a] for a in ("back", "continue", "send", "finish", "scroll_up",
                           "scroll_down")}


def load(path):
    """The dump, or None while there is none (or it is being replaced)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def parse_selector(args):
    sel = []
    for a in args:
        if "~=" in a:
            k, v = a.split("~=", 1)
            sel.append((k, "~", v))
        elif "=" in a:
            k, v = a.split("=", 1)
            sel.append((k, "=", v))
        else:
            raise SystemExit("ui.py: a selector is KEY=VALUE, not %r" % a)
    return sel


def matches(w, sel):
    for k, op, v in sel:
        if k not in w:
            return False
        have = w[k]
        if k == "action" and not v.lstrip("-").isdigit():
            v = str(ACT[v])
        if isinstance(have, bool):
            have = "true" if have else "false"
        if op == "~":
            if v not in str(have):
                return False
        elif str(have) != v:
            return False
    return True


def find_all(d, sel):
    return [w for w in d.get("widgets", []) if matches(w, sel)]


def describe(d):
    if d is None:
        return "no dump yet"
    lines = ["frame %s screen %s step %r focus %s" % (
        d.get("frame"), d.get("screen"), d.get("step"), d.get("focus"))]
    for i, w in enumerate(d.get("widgets", [])):
        lines.append("  [%d] %s action=%d arg=%d at %d,%d %dx%d%s %r" % (
            i, w["role"], w["action"], w["arg"], w["x"], w["y"], w["w"],
            w["h"], "" if w["visible"] else " (hidden)", w["label"]))
    return "\n".join(lines)


def env_for(d):
    def has(*args):
        return bool(find_all(d, parse_selector(args)))

    def find(*args):
        found = find_all(d, parse_selector(args))
        return found[0] if found else None

    def focused(*args):
        ws, f = d.get("widgets", []), d.get("focus", -1)
        return 0 <= f < len(ws) and matches(ws[f], parse_selector(args))

    return {"d": d, "frame": d.get("frame", 0), "screen": d.get("screen"),
            "step": d.get("step"), "focus": d.get("focus"),
            "widgets": d.get("widgets", []), "has": has, "find": find,
            "focused": focused,
            "ACT": ACT}


def cmd_wait(path, seconds, expr):
    code = compile("(%s\n)" % expr, "<condition>", "eval")
    end = time.monotonic() + float(seconds)
    d = None
    while True:
        d = load(path)
        if d is not None and eval(code, {"__builtins__": {"len": len, "any": any, "all": all}},
                                  env_for(d)):
            print(d["frame"])
            return 0
        if time.monotonic() >= end:
            break
        time.sleep(0.03)
    sys.stderr.write("timed out after %s s waiting for: %s\nlast screen: %s\n"
                     % (seconds, expr, describe(d)))
    return 1


def viewport(d, height):
    """The part of the window the scrolling body shows: below the header
    (whose help button is centred in it) and above the footer (whose
    buttons are centred in it, 8 px from its top at 96 dpi)."""
    top, bottom = 0, height
    for w in d["widgets"]:
        if w["action"] == ACT["help"] and w["y"] < height // 4:
            top = max(top, 2 * w["y"] + w["h"])
        if w["action"] in FOOTER and w["role"] == "button":
            pad = 8
            bottom = min(bottom, w["y"] - pad)
    return top, bottom


def cmd_locate(path, height, args):
    """Prints "X Y" (window coordinates) to click the widget, "up" or "down"
    when the page has to scroll first; exit status 1 when there is no such
    widget (the screen is described on stderr)."""
    d = load(path)
    if d is None:
        sys.stderr.write("no dump at %s\n" % path)
        return 1
    found = find_all(d, parse_selector(args))
    if not found:
        sys.stderr.write("no widget with %s\nlast screen: %s\n" % (" ".join(args), describe(d)))
        return 1
    w = found[0]
    if w["action"] in FIXED or w["role"] == "dialog":
        print(w["x"] + w["w"] // 2, w["y"] + w["h"] // 2)
        return 0
    top, bottom = viewport(d, int(height))
    y0, y1 = max(w["y"], top + 2), min(w["y"] + w["h"], bottom - 2)
    if w["visible"] and y1 - y0 >= min(w["h"], 24):
        print(w["x"] + w["w"] // 2, (y0 + y1) // 2)
        return 0
    print("down" if w["y"] + w["h"] > bottom else "up")
    return 0


def cmd_layout(path):
    """The widgets, one a line, without the frame or the focus: two
    screens laid out alike print the same."""
    d = load(path)
    if d is None:
        sys.stderr.write("no dump at %s\n" % path)
        return 1
    print("screen %s step %r" % (d["screen"], d["step"]))
    for w in d["widgets"]:
        print("%s action=%d arg=%d at %d,%d %dx%d visible=%s %r" % (
            w["role"], w["action"], w["arg"], w["x"], w["y"], w["w"], w["h"],
            w["visible"], w["label"]))
    return 0


def cmd_under_footer(path, height):
    """Prints "X Y": a point on the footer's bare background (no button
    there) with a widget of the body that acts on a tap behind it, partly
    scrolled under the footer; exit status 1 when there is none."""
    d = load(path)
    if d is None:
        return 1
    top, bottom = viewport(d, int(height))
    fixed = [w for w in d["widgets"] if w["action"] in FIXED]
    y = (bottom + int(height)) // 2
    for w in d["widgets"]:
        if (w["action"] in FIXED or w["action"] == 0 or not w["visible"]
                or not w["y"] < bottom < w["y"] + w["h"] or w["y"] + w["h"] <= y):
            continue
        for x in range(w["x"] + 4, w["x"] + w["w"] - 4, 8):
            if not any(f["x"] - 4 <= x < f["x"] + f["w"] + 4 and f["y"] - 4 <= y < f["y"] + f["h"] + 4
                       for f in fixed):
                print(x, y)
                return 0
    return 1


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cmd, path = argv[1], argv[2]
    if cmd == "frame":
        d = load(path)
        print(d["frame"] if d else 0)
        return 0
    if cmd == "wait" and len(argv) == 5:
        return cmd_wait(path, argv[3], argv[4])
    if cmd == "locate" and len(argv) >= 5:
        return cmd_locate(path, argv[3], argv[4:])
    if cmd == "show":
        print(describe(load(path)))
        return 0
    if cmd == "layout":
        return cmd_layout(path)
    if cmd == "under-footer" and len(argv) == 4:
        return cmd_under_footer(path, argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except BrokenPipeError:  # shown through head
        sys.exit(0)
