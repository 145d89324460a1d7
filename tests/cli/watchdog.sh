#!/bin/bash
# The kiosk under systemd's watchdog: `hatch run` (SDL's dummy video
# driver: no display needed) with NOTIFY_SOCKET, WATCHDOG_USEC and
# WATCHDOG_PID as systemd sets them for Type=notify and WatchdogSec=. A
# datagram socket stands in for systemd's and records what arrives: READY=1
# once Welcome is drawn, WATCHDOG=1 about every half interval while the
# kiosk waits for a touch, and STOPPING=1 when it is asked to stop.
. "$TOP/tests/cli/lib.sh"
set +e

PY=/usr/bin/python3
"$PY" - "$TMP" $HATCH >"$TMP/notify.log" 2>"$TMP/notify.err" <<'PYEOF'
import os, signal, socket, subprocess, sys, time
tmp, hatch = sys.argv[1], sys.argv[2:]
path = os.path.join(tmp, "notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.2)
# exec: the kiosk keeps the pid the shell gives WATCHDOG_PID, as under systemd.
cmd = ('sock=$1; dir=$2; shift 2; exec env NOTIFY_SOCKET="$sock" WATCHDOG_USEC=2000000 '
       'WATCHDOG_PID=$$ SDL_VIDEODRIVER=dummy "$@" run --db "$dir/hatch.db"')
p = subprocess.Popen(["sh", "-c", cmd, "sh", path, tmp] + hatch,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t0 = time.time()
def drain(until):
    while time.time() < until:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        print("%.2f %s" % (time.time() - t0, m.replace("\n", " ")), flush=True)
drain(t0 + 7)
p.send_signal(signal.SIGTERM)
drain(time.time() + 3)
print("exit %d" % p.wait(), flush=True)
PYEOF
log=$(cat "$TMP/notify.log")
ready=$(awk '/READY=1/ { print $1; exit }' "$TMP/notify.log")
if [ -n "$ready" ]; then ok "READY=1 once the kiosk is up (after ${ready} s)"; else
	not_ok "READY=1 once the kiosk is up" "got: $log" "$(cat "$TMP/notify.err")"; fi
pings=$(grep -c 'WATCHDOG=1' "$TMP/notify.log")
# 7 s at a 2 s interval, a ping every half interval: about 7 of them.
if [ "$pings" -ge 5 ]; then ok "WATCHDOG=1 every half interval while idle ($pings in 7 s)"; else
	not_ok "WATCHDOG=1 every half interval while idle" "got $pings: $log"; fi
gaps=$(grep 'WATCHDOG=1' "$TMP/notify.log" | awk 'NR > 1 { g = $1 - last; if (g > max) max = g } { last = $1 } END { print max + 0 }')
if [ "$pings" -ge 2 ] && awk -v g="$gaps" 'BEGIN { exit !(g < 2.0) }'; then ok "... never two apart by the whole interval (longest gap ${gaps} s)"; else
	not_ok "... never two apart by the whole interval" "longest gap $gaps s: $log"; fi
expect_match "STOPPING=1 when asked to stop" "$log" "STOPPING=1"
expect_match "... and it stops cleanly" "$log" "exit 0"$
echo "1..$n"
