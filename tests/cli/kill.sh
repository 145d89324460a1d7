# Nothing is lost when the power goes: hatch sync (the real binary, running
# continuously against the reference back end, tests/backend/) and an
# enqueuer (tests/tools/sync_tool enqueue-many, one store_outbox_add per
# record, as the kiosk saves) are killed with SIGKILL at random moments,
# KILL_CYCLES times (200; `make soak` runs 2000), while the back end
# injects faults at random (accept-then-fail, resets, drops, 500, 503 and
# 429) so that records are resent. Afterwards hatch sync --once, and
# drains at later times past every backoff, leave nothing due; and then:
# every record the enqueuer reported committed is in the outbox once and at
# the back end once (its uniqueness on the UUID turns a resend into a
# counted attempt, not a second row); a record whose enqueue was killed
# before its commit was reported is either wholly there (its reference, and
# for the webhook its body byte for byte) or absent from both; nothing else
# arrived; nothing is dead; PRAGMA integrity_check says ok and no damaged
# database was set aside. KILL_SEED fixes the random choices. Fewer than
# about 50 cycles may not land a kill between a record's begin and its
# commit, which the test also asks for, to show it tried.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

CYCLES=${KILL_CYCLES:-200}
SEED=${KILL_SEED:-$$}
RANDOM=$SEED
echo "# $CYCLES cycles, KILL_SEED=$SEED"

main_backend
DB="$TMP/outbox.db"
CONF="$TMP/hatch.conf"
{
	open311 waste-services "$P"
	open311 lighting "$P" xml
	webhook case-hook "$P"
} >"$CONF"

# Three templates, one per destination (realtime Open311 over JSON,
# blackbox Open311 over XML, the webhook); the enqueuer gives each record
# its own uuid and reference.
record tpl-bin waste-services missed-bin
record tpl-light lighting streetlight
record tpl-hook case-hook missed-bin
TEMPLATES="$TMP/rec-tpl-bin.json $TMP/rec-tpl-light.json $TMP/rec-tpl-hook.json"
mkdir -p "$TMP/enq"

# The database and its key are made before the kills start: what is under
# test is the outbox, not a first start-up.
# shellcheck disable=SC2086
$RUNNER "$TOOL" enqueue-many "$DB" 6 00000000 $TEMPLATES >"$TMP/enq/0.out" 2>"$TMP/enq/0.err"
eq "the first records are enqueued" "$? $(grep -c '^committed ' "$TMP/enq/0.out")" "0 6"

FAULTS=(
	'{"fault": "accept-then-fail", "method": "POST"}'
	'{"fault": "reset", "method": "POST"}'
	'{"fault": "reset", "close": "fin", "method": "POST"}'
	'{"fault": "drop", "method": "POST"}'
	'{"fault": "500"}'
	'{"fault": "503", "retry_after": 1, "method": "POST"}'
	'{"fault": "429", "retry_after": 1}'
)
SYNC_PID=""
sync_kills=0
enq_kills=0
enq_failures=""
faults=0
started=$(date +%s)
for c in $(seq 1 "$CYCLES"); do
	if [ -z "$SYNC_PID" ]; then
		$HATCH sync --config "$CONF" --db "$DB" >>"$TMP/sync.out" 2>>"$TMP/sync.err" &
		SYNC_PID=$!
	fi
	if [ $((RANDOM % 2)) -eq 0 ]; then
		fault "${FAULTS[RANDOM % ${#FAULTS[@]}]}"
		faults=$((faults + 1))
	fi
	# shellcheck disable=SC2086
	$RUNNER "$TOOL" enqueue-many "$DB" $((1 + RANDOM % 40)) "$(printf '%08x' "$c")" $TEMPLATES \
		>"$TMP/enq/$c.out" 2>"$TMP/enq/$c.err" &
	ENQ_PID=$!
	# The random moment: a quarter of the time anywhere from before the
	# enqueuer has opened the database to after it has added all its
	# records; else once it has begun its first record, so that most kills
	# land among the records however slowly the programs start (under a
	# sanitizer or an emulator).
	mode=$((RANDOM % 4))
	ms=$((RANDOM % 120))
	if [ $mode -ne 0 ]; then
		for _ in $(seq 1000); do
			grep -q '^begin ' "$TMP/enq/$c.out" 2>/dev/null && break
			kill -0 "$ENQ_PID" 2>/dev/null || break
			sleep 0.005
		done
		ms=$((ms / 2))
	fi
	sleep "$(printf '0.%03d' "$ms")"
	victim=$((RANDOM % 3))
	if [ $victim -ne 1 ]; then
		kill -KILL "$ENQ_PID" 2>/dev/null
		enq_kills=$((enq_kills + 1))
		wait "$ENQ_PID" 2>/dev/null
	else
		wait "$ENQ_PID"
		st=$?
		[ $st -eq 0 ] || enq_failures="$enq_failures cycle $c: status $st: $(cat "$TMP/enq/$c.err")"
	fi
	if [ $victim -ne 0 ]; then
		kill -KILL "$SYNC_PID" 2>/dev/null
		wait "$SYNC_PID" 2>/dev/null
		sync_kills=$((sync_kills + 1))
		SYNC_PID=""
	fi
done
if [ -n "$SYNC_PID" ]; then
	kill -KILL "$SYNC_PID" 2>/dev/null
	wait "$SYNC_PID" 2>/dev/null
fi
echo "# $CYCLES cycles in $(($(date +%s) - started)) s: the enqueuer killed $enq_kills times," \
	"hatch sync $sync_kills times, $faults faults queued"
eq "every enqueue that was not killed finished with every record committed" "$enq_failures" ""
eq "hatch sync, killed or not, never reported an error" "$(cat "$TMP/sync.err")" ""

# Faults still queued were never met; the rest were.
control /_control
faults_met=$((faults - $(jget "$TMP/control" 'len(d["faults"])')))
control /_control/clear -X POST
run sync --once --config "$CONF" --db "$DB"
expect_status "after the last kill, hatch sync --once runs" 0
expect_match "... and prints its counts" "$out" '^delivered [0-9]+, retried [0-9]+, dead 0$'
# What a fault sent back to the queue waits for its backoff (up to an hour
# by now): drains at later times deliver it without waiting.
at=$(date +%s)
for _ in $(seq 10); do
	[ "$(sqlite3 "$DB" "select count(*) from outbox where state <> 'delivered'")" = 0 ] && break
	at=$((at + 7200))
	drain "$at"
done
run sync --once --config "$CONF" --db "$DB"
eq "then hatch sync --once finds no work left" "$status $out" "0 delivered 0, retried 0, dead 0"
eq "... every record in the outbox is delivered" \
	"$(sqlite3 "$DB" "select state, count(*) from outbox group by state")" \
	"delivered|$(sqlite3 "$DB" "select count(*) from outbox")"
eq "PRAGMA integrity_check: ok" "$(sqlite3 "$DB" "PRAGMA integrity_check")" ok
eq "no damaged database was set aside" "$(find "$TMP" -maxdepth 1 -name 'outbox.db.corrupt-*' | grep -c .)" 0

# What the enqueuer said, what the outbox holds, what the back end holds.
cat "$TMP"/enq/*.out >"$TMP/enq.all"
sqlite3 -separator ' ' "$DB" "select uuid, reference, destination, state from outbox" >"$TMP/outbox.rows"
control /_control/requests
cp "$TMP/control" "$TMP/backend.json"
"$PY" - "$TMP/enq.all" "$TMP/outbox.rows" "$TMP/backend.json" >"$TMP/verdict.json" <<'PYEOF'
import collections, json, sys
begun, committed, failed = {}, set(), set()
for line in open(sys.argv[1], encoding="utf-8"):
    w = line.split()
    if not w:
        continue
    if w[0] == "begin":
        begun[w[1]] = {"reference": w[2], "destination": w[3], "sha": w[4]}
    elif w[0] == "committed":
        committed.add(w[1])
    elif w[0] == "failed":
        failed.add(w[1])
uncertain = set(begun) - committed
rows = collections.Counter()
outbox = {}
for line in open(sys.argv[2], encoding="utf-8"):
    uuid, ref, dest, state = line.split()
    rows[uuid] += 1
    outbox[uuid] = (ref, dest, state)
backend = json.load(open(sys.argv[3], encoding="utf-8"))
at = collections.Counter(r["uuid"] for r in backend)
bk = {r["uuid"]: r for r in backend}
kind = {"case-hook": "webhook", "waste-services": "open311", "lighting": "open311"}
code = {"waste-services": "missed-bin", "lighting": "streetlight"}

def whole(u):
    """The record is the one the enqueuer began, at the back end as sent."""
    b, r = begun[u], bk.get(u)
    if outbox.get(u, (None, None))[:2] != (b["reference"], b["destination"]) or r is None:
        return False
    if r["kind"] != kind[b["destination"]] or r["mismatches"] != 0:
        return False
    if r["kind"] == "webhook":
        return r["body_sha256"] == b["sha"]
    return (r["service_code"] == code[b["destination"]]
            and r["fields"]["attributes"].get("submission_uuid") == u)

print(json.dumps({
    "committed": len(committed),
    "uncertain": len(uncertain),
    "uncertain_there": len(uncertain & set(outbox)),
    "failed": sorted(failed),
    "committed_missing_from_outbox": sorted(committed - set(outbox)),
    "outbox_twice": sorted(u for u, k in rows.items() if k > 1),
    "outbox_never_begun": sorted(set(outbox) - set(begun)),
    "backend_twice": sorted(u for u, k in at.items() if k > 1),
    "backend_not_in_outbox": sorted(set(at) - set(outbox)),
    "outbox_not_at_backend": sorted(set(outbox) - set(at)),
    "committed_not_whole": sorted(u for u in committed if not whole(u)),
    "uncertain_not_whole": sorted(u for u in uncertain & set(outbox) if not whole(u)),
    "uncertain_absent_but_at_backend": sorted(u for u in uncertain - set(outbox) if u in at),
    "resends": sum(r["attempts"] - 1 for r in backend),
}))
PYEOF
v() { jget "$TMP/verdict.json" "d['$1']"; }
echo "# $(v committed) records reported committed, $(v uncertain) killed between begin and" \
	"commit ($(v uncertain_there) of them there), $(v resends) resends recognised," \
	"$faults_met faults met"
eq "no enqueue failed" "$(v failed)" "[]"
eq "every committed record is in the outbox" "$(v committed_missing_from_outbox)" "[]"
eq "... once" "$(v outbox_twice)" "[]"
eq "the outbox holds nothing the enqueuer did not begin" "$(v outbox_never_begun)" "[]"
eq "the back end holds every record of the outbox" "$(v outbox_not_at_backend)" "[]"
eq "... exactly once" "$(v backend_twice)" "[]"
eq "... and nothing else" "$(v backend_not_in_outbox)" "[]"
eq "every committed record arrived whole (reference, service, uuid; webhook bodies byte for byte)" \
	"$(v committed_not_whole)" "[]"
eq "a record killed before its commit was reported and yet there is whole" \
	"$(v uncertain_not_whole)" "[]"
eq "... and one that is absent never reached the back end" \
	"$(v uncertain_absent_but_at_backend)" "[]"
eq "the back end holds as many submissions as the outbox" \
	"$(jget "$TMP/backend.json" 'len(d)')" "$(sqlite3 "$DB" "select count(*) from outbox")"
check_gt() { if [ "$2" -gt "$3" ]; then ok "$1"; else not_ok "$1" "$2 <= $3"; fi; }
check_gt "the kills landed between a record's begin and its reported commit" "$(v uncertain)" 0
check_gt "the back end recognised resends, as resends, not new submissions" "$(v resends)" 0
check_gt "the faults were met" "$faults_met" 0

finish
