#!/usr/bin/python3
"""The kiosk on a display beside the browser a council would otherwise run.

  tests/bench/bench_kiosk.py [--build DIR] [--runs N]

Starts one Xvfb (1920x1080) and, in it, N times each and interleaved:

  - build/hatch run (SDL_VIDEODRIVER=x11, SDL_RENDER_DRIVER=software,
    HATCH_TRACE=1, HATCH_UI_DUMP): process start to the first frame of
    Welcome; then Start, the Blue Badge tile, the first question, an answer,
    Continue and Back (clicks by xdotool at the widgets' places in the
    dump); the peak RSS; 10 s with no input on the question page (CPU time,
    frames drawn, wake-ups); then Tab presses 30 ms apart (XTEST) and the
    kiosk's own input_to_frame_us for each. Idle CPU time is summed from
    each thread's schedstat (nanoseconds): /proc/PID/stat counts whole
    10 ms ticks, too coarse for a 5 ms target; its figure is printed too;
  - Debian's Chromium in kiosk mode on tests/bench/page/question.html, the
    same question as a web page: spawn to the page's "first-frame" console
    line, then the summed PSS of all its processes after 2 s.

Prints "name value unit" rows, each the median over the runs, like the
other benchmark programs; scripts/run-benches holds the targets. Exits 1 if
any measurement could not be made. Progress goes to stderr.
"""
import ctypes
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

WIDTH, HEIGHT = 1920, 1080
JOURNEY_TILE = "Blue Badge"  # the service tile to open, by its label
IDLE_SECONDS = 10
KEYS = 200
KEY_GAP = 0.030
SETTLE = 2.0  # Chromium: after first-frame, before memory is read
START_TIMEOUT = 30
GUARD = 0.5  # the kiosk ignores taps for 400 ms after a page changes

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGE = os.path.join(TOP, "tests", "bench", "page", "question.html")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--kiosk", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-gpu",
    "--no-sandbox", "--enable-logging=stderr", "--v=0",
]
FRAME_RE = re.compile(r"^hatch-frame (\d+) layout_us=(-?\d+) render_us=(-?\d+) "
                      r"input_to_frame_us=(-?\d+)")
ACT_START, ACT_SERVICE, ACT_CONTINUE, ACT_BACK = 1, 3, 4, 5
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Failed(Exception):
    """A measurement could not be made."""


def log(msg):
    sys.stderr.write("bench_kiosk: %s\n" % msg)
    sys.stderr.flush()


def now():
    return time.monotonic()


# ---- processes ----

class Lines:
    """Reads a child's stream in a thread, keeping each line with the time
    it arrived."""

    def __init__(self, stream):
        self.lines = []
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for raw in iter(stream.readline, b""):
            t = now()
            with self.cond:
                self.lines.append((t, raw.decode("utf-8", "replace").rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait_for(self, pred, timeout, start=0):
        """The first (index, time, line) from index START on for which
        PRED(line) holds, waiting up to TIMEOUT seconds; None if none."""
        end = now() + timeout
        i = start
        with self.cond:
            while True:
                while i < len(self.lines):
                    t, line = self.lines[i]
                    if pred(line):
                        return i, t, line
                    i += 1
                left = end - now()
                if left <= 0 or self.closed:
                    return None
                self.cond.wait(left)

    def count(self):
        with self.cond:
            return len(self.lines)

    def tail(self, n=15):
        with self.cond:
            return "\n".join(l for _, l in self.lines[-n:])


def stop_group(p, grace=5.0):
    """Ends the process group that P leads (started by us with a session of
    its own): SIGTERM, then SIGKILL after GRACE seconds."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        pass


def proc_table():
    """pid -> (ppid, cmdline) for every process we can see."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        out[int(d)] = (ppid, cmd)
    return out


def family(root, marker, before):
    """ROOT and its descendants, any process whose command line has MARKER
    in it, and the crash handlers that appeared since BEFORE (a set of
    pids): Chromium starts those double-forked, under init."""
    table = proc_table()
    pids = {root} if root in table else set()
    for pid, (ppid, cmd) in table.items():
        if (marker and marker in cmd) or (pid not in before and "crashpad_handler" in cmd):
            pids.add(pid)
    grew = True
    while grew:
        grew = False
        for pid, (ppid, cmd) in table.items():
            if pid not in pids and ppid in pids:
                pids.add(pid)
                grew = True
    return pids


def read_kib(path, key):
    with open(path) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise Failed("no %s in %s" % (key, path))


def cpu_ns(pid):
    """CPU time of every thread of PID in nanoseconds (schedstat), and the
    process's utime+stime in ms (stat, in clock ticks)."""
    ns = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                ns += int(f.read().split()[0])
        except OSError:
            pass
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    ticks = int(fields[11]) + int(fields[12])
    return ns, ticks * 1000.0 / CLK_TCK


def wakeups(pid):
    """Context switches of every thread of PID so far."""
    n = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches:",
                                        "nonvoluntary_ctxt_switches:")):
                        n += int(line.split()[1])
        except OSError:
            pass
    return n


def percentile(v, p):
    """Nearest-rank percentile P (0..100) of V."""
    v = sorted(v)
    k = max(1, min(len(v), -(-len(v) * p // 100)))
    return v[int(k) - 1]


# ---- the display ----

class Xvfb:
    def __init__(self):
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", "%dx%dx24" % (WIDTH, HEIGHT),
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        os.close(w)
        data = b""
        end = now() + 15
        while not data.endswith(b"\n") and now() < end:
            chunk = os.read(r, 64)
            if not chunk:
                break
            data += chunk
        os.close(r)
        if not data.strip().isdigit():
            stop_group(self.proc)
            raise Failed("Xvfb did not start")
        self.display = ":" + data.strip().decode()

    def close(self):
        stop_group(self.proc)


class Keys:
    """Key presses through the XTEST extension, timed to the microsecond
    (xdotool would add its own start-up to each)."""

    def __init__(self, display):
        self.x = ctypes.CDLL("libX11.so.6")
        self.xt = ctypes.CDLL("libXtst.so.6")
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.x.XStringToKeysym.restype = ctypes.c_ulong
        self.x.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self.x.XFlush.argtypes = [ctypes.c_void_p]
        self.x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.x.XSetInputFocus.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int,
                                          ctypes.c_ulong]
        self.x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self.xt.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                              ctypes.c_ulong]
        self.dpy = self.x.XOpenDisplay(display.encode())
        if not self.dpy:
            raise Failed("cannot open the display %s for key presses" % display)

    def focus(self, window):
        self.x.XSetInputFocus(self.dpy, window, 2, 0)  # RevertToParent, CurrentTime
        self.x.XSync(self.dpy, 0)

    def press(self, name):
        code = self.x.XKeysymToKeycode(self.dpy, self.x.XStringToKeysym(name.encode()))
        self.xt.XTestFakeKeyEvent(self.dpy, code, 1, 0)
        self.xt.XTestFakeKeyEvent(self.dpy, code, 0, 0)
        self.x.XFlush(self.dpy)

    def close(self):
        self.x.XCloseDisplay(self.dpy)


# ---- the kiosk ----

def load_dump(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def wait_dump(path, pred, timeout, what):
    end = now() + timeout
    d = None
    while now() < end:
        d = load_dump(path)
        if d is not None and pred(d):
            time.sleep(GUARD)
            return d
        time.sleep(0.02)
    raise Failed("the kiosk did not reach %s; last screen %s step %s" % (
        what, d and d.get("screen"), d and d.get("step")))


def widget(d, what, pred):
    for w in d["widgets"]:
        if w["visible"] and pred(w):
            return w
    raise Failed("no visible %s on the %s screen" % (what, d.get("screen")))


def xdotool(display, *args):
    env = dict(os.environ, DISPLAY=display)
    r = subprocess.run(["xdotool"] + list(args), env=env, capture_output=True, text=True,
                       timeout=20)
    if r.returncode != 0:
        raise Failed("xdotool %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def click(display, w):
    xdotool(display, "mousemove", "--sync", str(w["x"] + w["w"] // 2),
            str(w["y"] + w["h"] // 2), "click", "1")


def frames(lines, start=0):
    """The parsed hatch-frame lines from index START on, with arrival times."""
    out = []
    with lines.cond:
        items = lines.lines[start:]
    for t, line in items:
        m = FRAME_RE.match(line)
        if m:
            out.append((t, int(m.group(1)), int(m.group(2)), int(m.group(3)),
                        int(m.group(4))))
    return out


def hatch_run(hatch, display, tmp, shm, full=True):
    """One run of the kiosk; returns its figures. The widget dump goes to
    SHM (memory): it is written after every frame, before the trace line,
    and a write to a busy disk can hold a frame up for hundreds of ms."""
    dump = os.path.join(shm, "ui.json")
    if os.path.exists(dump):
        os.unlink(dump)
    env = dict(os.environ, DISPLAY=display, SDL_VIDEODRIVER="x11",
               SDL_RENDER_DRIVER="software", HATCH_TRACE="1", HATCH_UI_DUMP=dump)
    cmd = [hatch, "run", "--window", "%dx%d" % (WIDTH, HEIGHT),
           "--db", os.path.join(tmp, "hatch.db"), "--config", os.path.join(tmp, "hatch.conf")]
    t0 = now()
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True)
    lines = Lines(p.stderr)
    fig = {}
    try:
        got = lines.wait_for(lambda l: l.startswith("hatch-frame 1 "), START_TIMEOUT)
        if not got:
            raise Failed("hatch drew no first frame:\n%s" % lines.tail())
        fig["ui.first_frame_ms"] = (got[1] - t0) * 1000
        first = FRAME_RE.match(got[2])
        fig["ui.first_frame_render_ms"] = int(first.group(3)) / 1000
        if not full:
            return fig

        # A few screens: Welcome, services, a question, the next, back.
        d = wait_dump(dump, lambda d: d["screen"] == "welcome", 10, "Welcome")
        click(display, widget(d, "Start button", lambda w: w["action"] == ACT_START))
        d = wait_dump(dump, lambda d: d["screen"] == "services", 10, "the services")
        tiles = [w for w in d["widgets"] if w["action"] == ACT_SERVICE and w["visible"]]
        tile = next((w for w in tiles if JOURNEY_TILE in w["label"]), tiles[0] if tiles else None)
        if not tile:
            raise Failed("no service tile on the services screen")
        click(display, tile)
        d = wait_dump(dump, lambda d: d["screen"] == "step", 10, "a question page")
        question = d["step"]
        radio = next((w for w in d["widgets"] if w["role"] == "radio" and w["visible"]), None)
        if radio:
            click(display, radio)
            click(display, widget(d, "Continue button", lambda w: w["action"] == ACT_CONTINUE))
            d = wait_dump(dump, lambda d: d["screen"] == "step" and d["step"] != question, 10,
                          "the page after %s" % question)
            click(display, widget(d, "Back button", lambda w: w["action"] == ACT_BACK))
            d = wait_dump(dump, lambda d: d["step"] == question, 10, "back to %s" % question)
        # Out of the way of the page; nothing moves from here on.
        xdotool(display, "mousemove", "--sync", str(WIDTH - 1), str(HEIGHT // 2))
        time.sleep(0.5)
        fig["ui.peak_rss_mib"] = read_kib("/proc/%d/status" % p.pid, "VmHWM") / 1024
        fig["ui.pss_mib"] = read_kib("/proc/%d/smaps_rollup" % p.pid, "Pss") / 1024

        # Idle on the question page.
        n0 = lines.count()
        ns0, ms0 = cpu_ns(p.pid)
        w0 = wakeups(p.pid)
        time.sleep(IDLE_SECONDS)
        ns1, ms1 = cpu_ns(p.pid)
        w1 = wakeups(p.pid)
        scale = 10.0 / IDLE_SECONDS
        fig["ui.idle_cpu_ms_per_10s"] = (ns1 - ns0) / 1e6 * scale
        fig["ui.idle_cpu_stat_ms_per_10s"] = (ms1 - ms0) * scale
        fig["ui.idle_wakeups_per_10s"] = (w1 - w0) * scale
        fig["ui.idle_frames_per_10s"] = len(frames(lines, n0)) * scale

        # Tab presses, each waited for, KEY_GAP apart.
        wid = xdotool(display, "search", "--onlyvisible", "--pid", str(p.pid)).split()
        if not wid:
            raise Failed("cannot find the kiosk's window")
        keys = Keys(display)
        try:
            keys.focus(int(wid[0]))
            time.sleep(0.2)
            internal, external, render = [], [], []
            for _ in range(KEYS):
                start = lines.count()
                t = now()
                keys.press("Tab")
                got = lines.wait_for(lambda l: FRAME_RE.match(l) is not None and
                                     not l.endswith("input_to_frame_us=-1"), 2, start)
                if not got:
                    raise Failed("a Tab press drew no frame:\n%s" % lines.tail())
                m = FRAME_RE.match(got[2])
                internal.append(int(m.group(4)) / 1000)
                external.append((got[1] - t) * 1000)
                render.append((int(m.group(2)) + int(m.group(3))) / 1000)
                left = t + KEY_GAP - now()
                if left > 0:
                    time.sleep(left)
        finally:
            keys.close()
        fig["ui.input_to_frame_ms_p99"] = percentile(internal, 99)
        fig["ui.input_to_frame_ms_p50"] = percentile(internal, 50)
        fig["ui.key_to_frame_ext_ms_p99"] = percentile(external, 99)
        fig["ui.x11_frame_ms_p50"] = percentile(render, 50)
        fig["ui.x11_frame_ms_p99"] = percentile(render, 99)
        if p.poll() is not None:
            raise Failed("hatch exited with status %s:\n%s" % (p.returncode, lines.tail()))
        return fig
    finally:
        stop_group(p)


# ---- the browser ----

def chromium_run(display, full=True):
    ud = tempfile.mkdtemp(prefix="hatch-bench-chromium.")
    env = dict(os.environ, DISPLAY=display)
    cmd = [CHROMIUM] + CHROMIUM_FLAGS + ["--user-data-dir=" + ud, "file://" + PAGE]
    fig = {}
    helpers = set()
    before = set(proc_table())
    t0 = now()
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True)
    lines = Lines(p.stderr)
    try:
        got = lines.wait_for(lambda l: '"first-frame"' in l, START_TIMEOUT)
        if not got:
            raise Failed("Chromium logged no first-frame:\n%s" % lines.tail())
        fig["chromium.first_frame_ms"] = (got[1] - t0) * 1000
        helpers = family(p.pid, ud, before) - {p.pid}
        if not full:
            return fig
        time.sleep(SETTLE)
        pss = 0
        pids = family(p.pid, ud, before)
        helpers |= pids - {p.pid}
        for pid in pids:
            try:
                pss += read_kib("/proc/%d/smaps_rollup" % pid, "Pss")
            except OSError:
                pass
        if not pss:
            raise Failed("no memory figures for Chromium's processes")
        fig["chromium.pss_mib"] = pss / 1024
        fig["chromium.processes"] = len(pids)
        return fig
    finally:
        stop_group(p)
        # Its helpers that left the process group (crashpad) go too, if
        # they are still the same processes.
        table = proc_table()
        for pid in helpers | family(-1, ud, set(table)):
            if pid in table and (ud in table[pid][1] or "crashpad_handler" in table[pid][1]):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(ud, ignore_errors=True)


UNITS = {"_ms": "ms", "_mib": "MiB", "wakeups": "wakeups", "frames": "frames",
         "processes": "processes"}


def unit(name):
    for k, u in UNITS.items():
        if k in name:
            return u
    return ""


def main(argv):
    build, runs = "build", 5
    i = 1
    while i < len(argv):
        if argv[i] == "--build" and i + 1 < len(argv):
            build = argv[i + 1]
            i += 2
        elif argv[i] == "--runs" and i + 1 < len(argv):
            runs = int(argv[i + 1])
            i += 2
        else:
            sys.stderr.write(__doc__)
            return 2
    hatch = os.path.abspath(os.path.join(build, "hatch"))
    for need in (hatch, CHROMIUM, PAGE):
        if not os.path.exists(need):
            log("missing %s" % need)
            return 1
    for tool in ("Xvfb", "xdotool"):
        if not shutil.which(tool):
            log("missing %s (scripts/deps.sh installs it)" % tool)
            return 1
    tmp = tempfile.mkdtemp(prefix="hatch-bench.")
    shm = tempfile.mkdtemp(prefix="hatch-bench.", dir="/dev/shm" if os.path.isdir("/dev/shm")
                           else None)
    with open(os.path.join(tmp, "hatch.conf"), "w") as f:
        f.write("[council]\nname = Demonstration District Council\n"
                "[kiosk]\nidle_timeout = 120\ntimeout_warning = 30\n")
    x = None
    try:
        x = Xvfb()
        log("Xvfb on %s; %d runs each" % (x.display, runs))
        # Untimed starts, so that neither pays for a cold page cache.
        hatch_run(hatch, x.display, tmp, shm, full=False)
        chromium_run(x.display, full=False)
        results = {}
        for r in range(runs):
            for fig in (hatch_run(hatch, x.display, tmp, shm), chromium_run(x.display)):
                for k, v in fig.items():
                    results.setdefault(k, []).append(v)
            log("run %d of %d: hatch %.0f ms, chromium %.0f ms to the first frame" % (
                r + 1, runs, results["ui.first_frame_ms"][-1],
                results["chromium.first_frame_ms"][-1]))
    except (Failed, OSError, subprocess.SubprocessError) as e:
        log(str(e))
        return 1
    finally:
        if x:
            x.close()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(shm, ignore_errors=True)
    for k, v in results.items():
        print("%s %.3f %s" % (k, statistics.median(v), unit(k)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
