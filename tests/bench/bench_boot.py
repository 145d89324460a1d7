#!/usr/bin/python3
"""Start-up of a configured kiosk with a long outbox, beside the same kiosk
with an empty one.

  tests/bench/bench_boot.py [--build DIR] [--runs N]

A configured device: a [device] id, an Open311 destination (whose address
refuses connections, so delivery fails fast and keeps retrying, as with a
dead network), two staff accounts, and the demonstration council's sample
gazetteer beside the database. Two databases, the same in all else: one
with an empty outbox, one with 10,000 queued submissions for the
destination (made through the store by bench_outbox fill). Each run starts
build/hatch run on Xvfb (SDL's software renderer) with each, interleaved,
and times process start to the first frame (Welcome), as bench_kiosk does;
the delivery thread starts on the outbox meanwhile, as it does on a device.

Prints ui.boot_to_welcome_ms (10,000 records), ui.boot_to_welcome_empty_ms
and ratio.boot_10k_over_empty, medians over N runs (default 9).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_kiosk as bk  # noqa: E402  (the shared Xvfb and kiosk runner)

RECORDS = 10000
DEST = "waste-services"


def device(tmp, hatch, outbox_tool, records):
    """A configured device's files in TMP, its outbox holding RECORDS."""
    key = os.path.join(tmp, "api-key")
    with open(key, "w") as f:
        f.write("bench-key\n")
    os.chmod(key, 0o600)
    with open(os.path.join(tmp, "hatch.conf"), "w") as f:
        f.write("[council]\nname = Demonstration District Council\n"
                "[device]\nid = bench-kiosk-1\n"
                "[kiosk]\nidle_timeout = 120\ntimeout_warning = 30\n"
                "[destination %s]\nadapter = open311\n"
                "url = https://127.0.0.1:9/open311/v2/\napi_key_file = %s\n"
                "service.missed-bin = missed-bin\n" % (DEST, key))
    db = os.path.join(tmp, "hatch.db")
    if records:
        r = subprocess.run([outbox_tool, "fill", db, str(records), DEST],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode:
            raise bk.Failed("bench_outbox fill: %s" % r.stderr.strip())
    for who, pin in (("sam", "4827"), ("kim", "5093")):
        r = subprocess.run([hatch, "staff", "add", who, "--pin-stdin", "--db", db],
                           input=pin + "\n", stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode:
            raise bk.Failed("hatch staff add: %s" % r.stderr.strip())
    sample = subprocess.run([os.path.join(bk.TOP, "scripts", "make-sample-gazetteer")],
                            stdout=subprocess.PIPE, check=True).stdout
    r = subprocess.run([hatch, "gazetteer", "import", "-", "--format", "simple", "--db", db],
                       input=sample, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode:
        raise bk.Failed("hatch gazetteer import: %s" % r.stderr.decode().strip())


def main(argv):
    build, runs = "build", 9
    i = 1
    while i < len(argv):
        if argv[i] == "--build" and i + 1 < len(argv):
            build, i = argv[i + 1], i + 2
        elif argv[i] == "--runs" and i + 1 < len(argv):
            runs, i = int(argv[i + 1]), i + 2
        else:
            sys.stderr.write(__doc__)
            return 2
    hatch = os.path.abspath(os.path.join(build, "hatch"))
    tool = os.path.abspath(os.path.join(build, "tests", "bench", "bench_outbox"))
    for need in (hatch, tool):
        if not os.path.exists(need):
            bk.log("missing %s" % need)
            return 1
    dirs = {"empty": tempfile.mkdtemp(prefix="hatch-boot."),
            "10k": tempfile.mkdtemp(prefix="hatch-boot.")}
    shm = tempfile.mkdtemp(prefix="hatch-boot.",
                           dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    x = None
    times = {"empty": [], "10k": []}
    try:
        device(dirs["empty"], hatch, tool, 0)
        device(dirs["10k"], hatch, tool, RECORDS)
        x = bk.Xvfb()
        for name in ("empty", "10k"):  # untimed: the page cache warm for both
            bk.hatch_run(hatch, x.display, dirs[name], shm, full=False)
        for r in range(runs):
            # Each goes first in every other run, so that neither gains
            # from coming after the other.
            for name in (("empty", "10k") if r % 2 == 0 else ("10k", "empty")):
                fig = bk.hatch_run(hatch, x.display, dirs[name], shm, full=False)
                times[name].append(fig["ui.first_frame_ms"])
            bk.log("run %d of %d: %.0f ms empty, %.0f ms with %d records" % (
                r + 1, runs, times["empty"][-1], times["10k"][-1], RECORDS))
    except (bk.Failed, OSError, subprocess.SubprocessError) as e:
        bk.log(str(e))
        return 1
    finally:
        if x:
            x.close()
        for d in list(dirs.values()) + [shm]:
            shutil.rmtree(d, ignore_errors=True)
    full, empty = statistics.median(times["10k"]), statistics.median(times["empty"])
    print("ui.boot_to_welcome_ms %.3f ms" % full)
    print("ui.boot_to_welcome_empty_ms %.3f ms" % empty)
    print("ratio.boot_10k_over_empty %.3f x" % (full / empty))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
