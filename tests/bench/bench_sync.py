#!/usr/bin/python3
"""Delivery beside a plain load generator, and the memory of a drain.

  tests/bench/bench_sync.py [--build DIR] [--queue N] [--big N] [--cap SECONDS]

Starts the reference council back end (tests/backend/backend.py) over HTTPS
on loopback, with its database on disk, and a webhook destination for it.
Then, against that one back end:

  - wrk (Debian's package) POSTs N prepared webhook requests (default
    10,000) over one keep-alive HTTPS connection, one at a time (-t1 -c1),
    with the same headers Hatch sends, each with its own UUID as
    Idempotency-Key and a valid signature, so that the back end does the
    same checks and the same insert for each as it does for Hatch:
    backend.capacity_per_s. One at a time, because Hatch sends one request
    at a time to a destination: this is what the back end can take from a
    client that waits for each answer;
  - `hatch sync --once` delivers an outbox of N records of the same kind
    (made by bench_outbox fill, through store_outbox_add) to it:
    sync.drain_per_s, and its peak RSS (VmHWM of the process):
    sync.peak_rss_mib_10k;
  - `hatch sync --once` on an outbox of --big records (default 100,000):
    its peak RSS, sync.peak_rss_mib, and how fast it delivered,
    sync.drain_per_s_at_100k. A drain that has not finished after --cap
    seconds (default 150) is stopped (SIGKILL), and the figures are those
    of the part it delivered: sync.drained_of_100k says how many. (A
    drain of 100,000 to this back end takes at least 100,000 / the back
    end's rate, some minutes, and longer while claiming a record costs more
    with a deeper queue; the cap keeps the run within a few minutes.)

The names of the figures follow N and --big ("10k", "100k"). wrk runs
before and after the drain and the median of its two rates is used, so
that a change in the machine's load during the run shows on both sides.

The outboxes are filled on tmpfs, where the sync at each commit costs
nothing, and copied to disk (beside the back end's database, under the
build directory) before each drain: the drains commit durably
(synchronous=FULL) as on a device.

Prints "name value unit" rows like the other benchmarks (ratios included);
scripts/run-benches holds the targets. Exits 1 if any measurement could not
be made. Progress goes to stderr.
"""
import hashlib
import hmac
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

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKEND = os.path.join(TOP, "tests", "backend", "backend.py")
MAKE_CERTS = os.path.join(TOP, "tests", "backend", "make-certs.sh")
LUA = os.path.join(TOP, "tests", "bench", "wrk_webhook.lua")
PYTHON = "/usr/bin/python3"
DEST = "bench"
SECRET = "bench-webhook-secret-7f3c"
START_TIMEOUT = 30
WRK_RUNS = 2
POLL = 0.02  # seconds between readings of a drain's VmHWM
COUNTS_RE = re.compile(r"delivered (\d+), retried (\d+), dead (\d+)")


class Failed(Exception):
    """A measurement could not be made."""


def log(msg):
    sys.stderr.write("bench_sync: %s\n" % msg)
    sys.stderr.flush()


def now():
    return time.monotonic()


def stop(p, grace=5.0):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


class Backend:
    """backend.py on loopback, its database and state under DIR."""

    def __init__(self, d, certs):
        os.makedirs(d, exist_ok=True)
        self.dir = d
        self.err = open(os.path.join(d, "stderr"), "wb")
        self.proc = subprocess.Popen(
            [PYTHON, BACKEND, "--port", "0", "--cert", os.path.join(certs, "server.pem"),
             "--key", os.path.join(certs, "server.key"), "--db", os.path.join(d, "db.sqlite"),
             "--state-dir", os.path.join(d, "state"), "--webhook-secret", SECRET],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.err)
        self.port = None
        got = []

        def read():
            got.append(self.proc.stdout.readline())

        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(START_TIMEOUT)
        m = re.match(rb"listening (\d+)$", got[0].strip()) if got else None
        if not m:
            self.close()
            raise Failed("the back end did not start: %s" % self.stderr())
        self.port = int(m.group(1))

    def stderr(self):
        try:
            with open(os.path.join(self.dir, "stderr"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()[-800:]
        except OSError:
            return ""

    def close(self):
        stop(self.proc)
        self.err.close()


def fill(tool, shm, disk, name, n):
    """An outbox of N records for DEST: made on tmpfs through the store,
    copied to DISK; returns its path there."""
    work = os.path.join(shm, name)
    r = subprocess.run([tool, "fill", work, str(n), DEST], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise Failed("bench_outbox fill: %s" % r.stderr.strip())
    path = os.path.join(disk, name)
    for suffix in ("", ".key"):
        if os.path.exists(work + "-wal") and os.path.getsize(work + "-wal"):
            raise Failed("%s was left with a write-ahead log" % work)
        shutil.copy2(work + suffix, path + suffix)
        os.unlink(work + suffix)
    os.sync()
    return path


def vm_hwm_kib(pid):
    """The peak resident set of PID so far (VmHWM), or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def drain(hatch, conf, db, cap):
    """hatch sync --once on DB; (delivered, seconds, peak RSS in MiB,
    finished). Stopped with SIGKILL after CAP seconds.

    The peak is the child's own VmHWM, read every POLL seconds while it
    runs (it only grows, and a drain's memory is at its height while it
    delivers, not as it exits). Not getrusage's ru_maxrss: that also counts
    the pages of this Python process, which the child shares from its
    fork until it runs hatch."""
    t0 = now()
    p = subprocess.Popen([hatch, "sync", "--once", "--config", conf, "--db", db],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out, err = [], []
    readers = [threading.Thread(target=lambda s=s, o=o: o.append(s.read()), daemon=True)
               for s, o in ((p.stdout, out), (p.stderr, err))]
    for t in readers:
        t.start()
    killed = False
    hwm = 0
    while True:
        v = vm_hwm_kib(p.pid)
        if v:
            hwm = max(hwm, v)
        pid, status = os.waitpid(p.pid, os.WNOHANG)
        if pid:
            break
        if now() - t0 > cap:
            p.kill()
            killed = True
            pid, status = os.waitpid(p.pid, 0)
            break
        time.sleep(POLL)
    secs = now() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join(10)
    text = out[0].decode("utf-8", "replace") if out else ""
    err = err[0].decode("utf-8", "replace") if err else ""
    if not hwm:
        raise Failed("could not read the drain's memory figures")
    rss = hwm / 1024
    if killed:
        # What it delivered is in the outbox: the store is the record.
        r = subprocess.run(["sqlite3", db, "SELECT count(*) FROM outbox WHERE state = 'delivered'"],
                           capture_output=True, text=True)
        if r.returncode != 0 or not r.stdout.strip().isdigit():
            raise Failed("cannot count what the stopped drain delivered: %s" % r.stderr.strip())
        return int(r.stdout), secs, rss, False
    m = COUNTS_RE.search(text)
    if p.returncode != 0 or not m:
        raise Failed("hatch sync --once failed (status %s): %s %s" % (
            p.returncode, text.strip(), err.strip()[-800:]))
    if int(m.group(2)) or int(m.group(3)):
        raise Failed("hatch sync --once did not deliver everything: %s" % text.strip())
    return int(m.group(1)), secs, rss, True


def wrk_requests(tool, path, n):
    """N records like the outbox's, as wrk_webhook.lua reads them."""
    r = subprocess.run([tool, "records", str(n), DEST], capture_output=True)
    if r.returncode != 0:
        raise Failed("bench_outbox records: %s" % r.stderr.decode("utf-8", "replace"))
    lines = r.stdout.splitlines()
    if len(lines) != n:
        raise Failed("bench_outbox records gave %d records, not %d" % (len(lines), n))
    with open(path, "wb") as f:
        for body in lines:
            uuid = re.search(rb'"uuid":"([0-9a-f-]{36})"', body).group(1)
            sig = b"sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest().encode()
            f.write(uuid + b"\t" + sig + b"\t" + body + b"\n")


def wrk(url, path, n):
    """Requests per second of wrk over one connection, N requests, and its
    median latency in ms."""
    p = subprocess.Popen(["wrk", "-t1", "-c1", "-d900s", "--timeout", "30s", "-s", LUA, url,
                          "--", path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    finished = None
    try:
        # wrk sleeps out -d even when its one thread has stopped: the
        # script says when the last answer is in, and SIGINT ends the sleep.
        for line in p.stdout:
            m = re.match(r"wrk-finished (\d+) (\d+) (\d+)$", line.strip())
            if m:
                finished = [int(g) for g in m.groups()]
                p.send_signal(signal.SIGINT)
                break
        rest = p.stdout.read()
        err = p.stderr.read()
        p.wait(60)
    finally:
        stop(p)
    m = re.search(r"^wrk-result (\d+) (\d+) (\d+)$", rest, re.M)
    if not finished or not m:
        raise Failed("wrk failed: %s %s" % (rest.strip()[-800:], err.strip()[-400:]))
    answered, accepted, us = finished
    errors, p50 = int(m.group(2)), int(m.group(3))
    if answered != n or accepted != n or errors:
        raise Failed("wrk: %d of %d requests answered, %d accepted, %d errors" % (
            answered, n, accepted, errors))
    return answered / (us / 1e6), p50 / 1000


def label(n):
    """10000 -> "10k", as the figures' names have it."""
    return "%dk" % (n // 1000) if n % 1000 == 0 else str(n)


def main(argv):
    build, n, big, cap = "build", 10000, 100000, 150.0
    i = 1
    while i < len(argv):
        if argv[i] in ("--build", "--queue", "--big", "--cap") and i + 1 < len(argv):
            v = argv[i + 1]
            if argv[i] == "--build":
                build = v
            elif argv[i] == "--queue":
                n = int(v)
            elif argv[i] == "--big":
                big = int(v)
            else:
                cap = float(v)
            i += 2
        else:
            sys.stderr.write(__doc__)
            return 2
    small, large = label(n), label(big)
    hatch = os.path.abspath(os.path.join(build, "hatch"))
    tool = os.path.abspath(os.path.join(build, "tests", "bench", "bench_outbox"))
    for need in (hatch, tool, BACKEND, LUA):
        if not os.path.exists(need):
            log("missing %s" % need)
            return 1
    for prog in ("wrk", "openssl", "sqlite3"):
        if not shutil.which(prog):
            log("missing %s (scripts/deps.sh installs it)" % prog)
            return 1
    # On the build directory's filesystem, like bench_outbox's outboxes.
    tmp = tempfile.mkdtemp(prefix="bench-sync.", dir=os.path.abspath(build))
    shm = tempfile.mkdtemp(prefix="hatch-bench-sync.",
                           dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    backend = None
    fig = {}
    t_start = now()
    try:
        certs = os.path.join(tmp, "certs")
        r = subprocess.run(["sh", MAKE_CERTS, certs], capture_output=True, text=True)
        if r.returncode != 0:
            raise Failed("make-certs.sh: %s" % r.stderr.strip())
        secret = os.path.join(tmp, "secret")
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (SECRET + "\n").encode())
        os.close(fd)
        backend = Backend(os.path.join(tmp, "backend"), certs)
        url = "https://127.0.0.1:%d/webhook" % backend.port
        conf = os.path.join(tmp, "hatch.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write("[destination %s]\nadapter = webhook\nurl = %s\nsecret_file = %s\n"
                    "ca_bundle = %s\n" % (DEST, url, secret, os.path.join(certs, "ca.pem")))

        reqs = [os.path.join(shm, "wrk-%d.txt" % k) for k in range(WRK_RUNS)]
        for path in reqs:
            wrk_requests(tool, path, n)
        q = fill(tool, shm, tmp, "queue.db", n)
        log("back end on port %d; %d requests from wrk, %d records to drain" % (
            backend.port, n, n))

        rates = []
        rate, p50 = wrk(url, reqs[0], n)
        rates.append(rate)
        log("wrk: %.0f requests/s (median latency %.2f ms)" % (rate, p50))
        done, secs, rss, _ = drain(hatch, conf, q, 3600)
        if done != n:
            raise Failed("the drain delivered %d of %d" % (done, n))
        fig["sync.drain_per_s"] = done / secs
        fig["sync.peak_rss_mib_" + small] = rss
        log("hatch sync --once: %d in %.1f s, %.0f/s, peak RSS %.1f MiB" % (
            done, secs, done / secs, rss))
        rate, p50 = wrk(url, reqs[1], n)
        rates.append(rate)
        log("wrk: %.0f requests/s (median latency %.2f ms)" % (rate, p50))
        fig["backend.capacity_per_s"] = statistics.median(rates)
        fig["ratio.drain_over_backend"] = fig["sync.drain_per_s"] / fig["backend.capacity_per_s"]
        os.unlink(q)
        os.unlink(q + ".key")

        q = fill(tool, shm, tmp, "queue-big.db", big)
        log("%d records to drain, for at most %.0f s" % (big, cap))
        done, secs, rss, finished = drain(hatch, conf, q, cap)
        fig["sync.peak_rss_mib"] = rss
        fig["sync.drained_of_" + large] = done
        fig["sync.drain_per_s_at_" + large] = done / secs
        log("hatch sync --once: %d of %d in %.1f s%s, %.0f/s, peak RSS %.1f MiB" % (
            done, big, secs, "" if finished else " (stopped)", done / secs, rss))
        if done == 0:
            raise Failed("the drain of %d delivered nothing in %.0f s" % (big, cap))
        fig["ratio.rss_%s_over_%s" % (large, small)] = rss / fig["sync.peak_rss_mib_" + small]
        fig["ratio.drain_%s_over_%s" % (large, small)] = done / secs / fig["sync.drain_per_s"]
        os.unlink(q)
        os.unlink(q + ".key")
    except (Failed, OSError, subprocess.SubprocessError) as e:
        log(str(e))
        return 1
    finally:
        if backend:
            backend.close()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(shm, ignore_errors=True)
    log("done in %.0f s" % (now() - t_start))
    units = {"_per_s": "/s", "_mib": "MiB", "ratio.": "x", "drained_": "records"}
    for k, v in fig.items():
        u = next((u for s, u in units.items() if s in k), "")
        print("%s %.3f %s" % (k, v, u))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
