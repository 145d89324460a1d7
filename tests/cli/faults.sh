# Out-of-memory and I/O errors, one at a time: each allocation of the
# project's, each of SQLite's and each SQLite write (xWrite, xTruncate,
# xSync, xShmMap) is failed in turn with tests/tools/fault_tool, during an
# enqueue into a new database, an enqueue into a growing one, and a delivery
# drain against the reference back end (tests/backend/). After every failure
# the database is opened again normally and checked: an enqueue is all or
# nothing (the outbox has the record whole, or not at all, and a retry of it
# either adds it or says it is already there; every record added is later
# delivered byte for byte), and after a faulted drain a clean one finishes
# the job, leaving every record delivered, none "sending", and each stored
# by the back end exactly once (a resend it recognises by UUID is fine; a
# second row is not). A second try of a failed enqueue on the same
# connection, as the kiosk makes it, succeeds. No crash, sanitizer report or
# leak in any faulted run.
#
# Loops with more fault points than the budget (FAULTS_BUDGET runs per loop;
# less under sanitizers or an emulator) fail every Kth point rather than
# every one, starting from a point that FAULTS_SEED (default 0) picks:
# another seed samples other points. Each loop says which as a TAP comment. FAULTS_JSON=1 also fails
# jansson's allocations during a drain: jansson 2.14 may abort on those
# (akheron/jansson#362), so that loop is not part of the suite.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

FT="$(dirname "$TOOL")/fault_tool"
if [ -n "${FAULTS_BUDGET:-}" ]; then
	BUDGET=$FAULTS_BUDGET
elif [ -n "$RUNNER" ]; then
	BUDGET=8
elif grep -qa __asan_init "$c"; then
	BUDGET=25
else
	BUDGET=60
fi
SEED=${FAULTS_SEED:-0}
echo "# fault budget $BUDGET runs per loop, FAULTS_SEED=$SEED"
T0=$(date +%s)
# The schema version a new database gets, as the store declares it.
SCHEMA=$(sed -n 's/^#define STORE_SCHEMA_VERSION \([0-9]*\)$/\1/p' "$TOP/src/store/store.h")
[ -n "$SCHEMA" ] || bail "STORE_SCHEMA_VERSION not found in src/store/store.h"

# --token-polls 0: a batch's id is known at the first poll, so that one
# clean drain after the one that posted it finishes it.
main_backend --token-polls 0
CONF="$TMP/hatch.conf"
{
	open311 waste-services "$P"
	webhook case-hook "$P"
} >"$CONF"

SAN='Segmentation|AddressSanitizer|LeakSanitizer|runtime error|Aborted|core dumped'
# ft ARGS...: one fault_tool run; its report in $fout, its status in $fst,
# and a line in $problems when it crashed, a sanitizer spoke, or it ended in
# a way no run may end.
ft() {
	$RUNNER "$FT" "$@" >"$TMP/ft.out" 2>"$TMP/ft.err"
	fst=$?
	fout=$(cat "$TMP/ft.out")
	if [ $fst -ge 128 ] || [ $fst -eq 2 ] || grep -Eq "$SAN" "$TMP/ft.err"; then
		problems="$problems
$* -> status $fst: $(head -c 400 "$TMP/ft.err")"
	fi
}
# points: the fault points the last run passed.
points() { printf '%s\n' "$fout" | sed -n 's/^points \([0-9]*\) .*/\1/p'; }
# stride P: fail every Kth of P points so that a loop stays within budget.
stride() { echo $((($1 + BUDGET - 1) / BUDGET)); }
# first K: the first point to fail, 1..K, from the seed.
first() { echo $((1 + SEED % $1)); }
# report DESC: one TAP line for a loop, from $problems.
report() {
	if [ -z "$problems" ]; then ok "$1"; else
		mapfile -t plines < <(printf '%s\n' "$problems" | sed '/^$/d' | head -n 12)
		not_ok "$1" "${plines[@]}"
	fi
}

# recs N: N more canonical webhook records, $TMP/recs/<i>.json, each with a
# new uuid and a valid reference; their uuids also in $TMP/recs/<i>.uuid.
mkdir -p "$TMP/recs"
NREC=0
recs() {
	"$PY" - "$TMP/recs" "$NREC" "$1" <<'PYEOF'
import json, random, sys, uuid
d, start, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
alpha = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"
for i in range(start + 1, start + n + 1):
    c = [random.choice(alpha[:32]) for _ in range(8)]
    v = 0
    for x in c:
        v = v * 32 + alpha.index(x)
    ref = "".join(c[:4]) + "-" + "".join(c[4:]) + "-" + alpha[v % 37]
    u = str(uuid.uuid4())
    rec = {"answers": [{"id": "bins", "question": "Which bins were not collected?",
                        "value": ["refuse"], "label": ["General rubbish"]},
                       {"id": "notes", "question": "Anything else?", "value": "Record %d" % i}],
           "channel": "self-service", "created": "2026-11-21T10:04:05Z",
           "destination": "case-hook", "journey": {"id": "missed-bin", "version": 1},
           "language": "en", "reference": ref, "uuid": u}
    with open("%s/%d.json" % (d, i), "w", encoding="utf-8") as f:
        f.write(json.dumps(rec, sort_keys=True, separators=(",", ":")))
    with open("%s/%d.uuid" % (d, i), "w") as f:
        f.write(u)
PYEOF
	NREC=$((NREC + $1))
}
# next_rec: the next unused record into $REC and $U.
USED=0
next_rec() {
	[ $USED -lt $NREC ] || recs 200
	USED=$((USED + 1))
	REC="$TMP/recs/$USED.json"
	U=$(cat "$TMP/recs/$USED.uuid")
}

# ---------------------------------------------------------------------------
# Enqueue into a database that grows: after each failed call the outbox
# holds the old records and the new one whole, or the old ones only.
EDB="$TMP/enqueue.db"
next_rec
ft enqueue --fail-write 0 "$EDB" "$REC"
[ $fst -eq 0 ] || bail "a first enqueue without faults: $(cat "$TMP/ft.err")"
COUNT=1
# outbox DB: "INTEGRITY RECORDS THIS" for the database DB and the record
# $U; a database without its tables yet has no records.
outbox() {
	local t
	t=$(sqlite3 "$1" "pragma integrity_check; select count(*) from sqlite_master where name = 'outbox'" 2>&1 |
		tr '\n' ' ')
	case "$t" in
	"ok 0 ") echo "ok 0 0" ;;
	"ok 1 ") echo "ok $(sqlite3 "$1" "select count(*), coalesce(sum(uuid = '$U'), 0) from outbox" | tr '|' ' ')" ;;
	*) echo "$t" ;;
	esac
}
# enqueue_check DB DESC: checks DB after a faulted enqueue of $U (status
# $fst) into a database of $COUNT records, then retries it without faults;
# $COUNT is then the new count.
enqueue_check() {
	local st=$fst r want present=0
	r=$(outbox "$1")
	case "$st" in
	0 | 11) want="ok $((COUNT + 1)) 1" ;;
	10) want="ok $((COUNT + 1)) 1|ok $COUNT 0" ;;
	*) want="" ;;
	esac
	if [ -z "$want" ]; then
		problems="$problems
$2: status $st: $(head -c 300 "$TMP/ft.err")"
	elif ! printf '%s\n' "$r" | grep -Eq "^($want)\$"; then
		problems="$problems
$2: status $st, then integrity, records, this record: $r (had $COUNT)"
	fi
	case "$r" in *" 1") present=1 ;; esac
	ft enqueue --fail-write 0 "$1" "$REC"
	if [ $present -eq 1 ] && { [ $fst -ne 1 ] || ! grep -q 'already in the outbox' "$TMP/ft.err"; }; then
		problems="$problems
$2: the retry of a record already there: status $fst: $(head -c 300 "$TMP/ft.err")"
	elif [ $present -eq 0 ] && [ $fst -ne 0 ]; then
		problems="$problems
$2: the retry: status $fst: $(head -c 300 "$TMP/ft.err")"
	fi
	r=$(outbox "$1")
	[ "$r" = "ok $((COUNT + 1)) 1" ] || problems="$problems
$2: after the retry, integrity, records, this record: $r (had $COUNT)"
	COUNT=$((COUNT + 1))
}

TOTAL_POINTS=0
TOTAL_RUNS=0
# enqueue_loop FAULT [--sticky]: fails each (or each Kth) fault point of an
# enqueue in turn.
enqueue_loop() {
	local fault=$1 sticky=${2:-} p k N=1 runs=0 t0
	t0=$(date +%s)
	problems=""
	next_rec
	ft enqueue $sticky "$fault" 0 "$EDB" "$REC"
	[ $fst -eq 0 ] || problems="an enqueue without faults: status $fst: $(cat "$TMP/ft.err")"
	COUNT=$((COUNT + 1))
	p=$(points)
	k=$(stride "${p:-1}")
	N=$(first "$k")
	while :; do
		next_rec
		ft enqueue $sticky "$fault" "$N" "$EDB" "$REC"
		runs=$((runs + 1))
		local inj=$fout
		case "$inj" in *"again error"*) problems="$problems
enqueue $sticky $fault $N: tried again on the same connection: $(head -c 300 "$TMP/ft.err")" ;; esac
		enqueue_check "$EDB" "enqueue $sticky $fault $N"
		case "$inj" in "" | *"injected 0"*) break ;; esac
		N=$((N + k))
		[ $runs -le $((BUDGET * 3)) ] || break
	done
	echo "# enqueue $sticky $fault: $p fault points, $runs failed in turn (points $(first "$k"), +$k, ...), $(($(date +%s) - t0)) s"
	TOTAL_POINTS=$((TOTAL_POINTS + p))
	TOTAL_RUNS=$((TOTAL_RUNS + runs))
	report "enqueue, $sticky $fault: each failure leaves the outbox whole, and a retry completes it"
}
enqueue_loop --fail-write
enqueue_loop --fail-full --sticky
enqueue_loop --fail-alloc
enqueue_loop --fail-alloc --sticky
enqueue_loop --fail-sqlite-alloc
enqueue_loop --fail-sqlite-alloc --sticky
# The kiosk keeps its connection open: a second try right after a failure
# goes through the connection that failed.
enqueue_loop --fail-full --again
enqueue_loop --fail-alloc --again
enqueue_loop --fail-sqlite-alloc --again
ECOUNT=$COUNT

# ---------------------------------------------------------------------------
# Enqueue into a database that does not exist yet: its creation (directory,
# key file, migrations) is faulted too; an enqueue afterwards completes it.
create_loop() {
	local fault=$1 sticky=${2:-} p k N=1 runs=0 db r t0
	t0=$(date +%s)
	problems=""
	next_rec
	ft enqueue $sticky "$fault" 0 "$TMP/create$fault$sticky-0/hatch.db" "$REC"
	[ $fst -eq 0 ] || problems="a new database without faults: status $fst: $(cat "$TMP/ft.err")"
	p=$(points)
	k=$(stride "${p:-1}")
	N=$(first "$k")
	while :; do
		next_rec
		db="$TMP/create$fault$sticky-$N/hatch.db"
		ft enqueue $sticky "$fault" "$N" "$db" "$REC"
		runs=$((runs + 1))
		local inj=$fout
		COUNT=0
		if [ -f "$db" ]; then
			enqueue_check "$db" "new database $sticky $fault $N"
		else
			ft enqueue --fail-write 0 "$db" "$REC"
			[ $fst -eq 0 ] || problems="$problems
new database $sticky $fault $N: then an enqueue: status $fst: $(head -c 300 "$TMP/ft.err")"
		fi
		r=$(sqlite3 "$db" "select count(*) from outbox where uuid = '$U'; pragma user_version" 2>&1 |
			tr '\n' ' ')
		[ "$r" = "1 $SCHEMA " ] || problems="$problems
new database $sticky $fault $N: then this record, version: $r"
		ls "$(dirname "$db")" | grep -q corrupt && problems="$problems
new database $sticky $fault $N: a file was moved aside as damaged: $(ls "$(dirname "$db")")"
		case "$inj" in "" | *"injected 0"*) break ;; esac
		N=$((N + k))
		[ $runs -le $((BUDGET * 3)) ] || break
	done
	echo "# new database $sticky $fault: $p fault points, $runs failed in turn (points $(first "$k"), +$k, ...), $(($(date +%s) - t0)) s"
	TOTAL_POINTS=$((TOTAL_POINTS + p))
	TOTAL_RUNS=$((TOTAL_RUNS + runs))
	report "a new database, $sticky $fault: each failure leaves nothing half made"
}
create_loop --fail-write
create_loop --fail-full --sticky
create_loop --fail-alloc
create_loop --fail-sqlite-alloc
COUNT=$ECOUNT

# Every record the enqueue loops added is whole: a drain delivers each to
# the webhook, which stores its body byte for byte.
control /_control/reset -X POST
ft drain --fail-write 0 "$CONF" "$EDB" $(($(date +%s) + 100000))
eq "a drain delivers every record the faulted enqueues left" \
	"$(printf '%s\n' "$fout" | sed 's/.* delivered \([0-9]*\) retried \([0-9]*\) dead \([0-9]*\)$/\1 \2 \3/')" \
	"$COUNT 0 0"
control /_control/requests
eq "... each exactly once and byte for byte" "$("$PY" - "$TMP/control" "$TMP/recs" "$EDB" <<'PYEOF'
import hashlib, json, os, sqlite3, sys
rows = json.load(open(sys.argv[1], encoding="utf-8"))
db = sqlite3.connect(sys.argv[3])
want = [u for (u,) in db.execute("select uuid from outbox")]
sha = {}
d = sys.argv[2]
for f in os.listdir(d):
    if f.endswith(".json"):
        b = open(os.path.join(d, f), "rb").read()
        sha[json.loads(b)["uuid"]] = hashlib.sha256(b).hexdigest()
got = {}
bad = []
for r in rows:
    got[r["uuid"]] = got.get(r["uuid"], 0) + 1
    if r["body_sha256"] != sha.get(r["uuid"]):
        bad.append("body of %s differs" % r["uuid"])
for u in want:
    if got.get(u) != 1:
        bad.append("%s stored %s times" % (u, got.get(u, 0)))
if set(got) - set(want):
    bad.append("unexpected: %s" % sorted(set(got) - set(want))[:3])
print("; ".join(bad[:5]) if bad else "%d records" % len(want))
PYEOF
)" "$COUNT records"

# ---------------------------------------------------------------------------
# A delivery drain: four records, one for each way of delivering (webhook;
# Open311 realtime, blackbox and batch with its token), failed at each
# point in turn; then clean drains finish the job.
DB="$TMP/drain.db"
enqueue "$(newuuid)" case-hook missed-bin
enqueue "$(newuuid)" waste-services missed-bin
enqueue "$(newuuid)" waste-services streetlight
enqueue "$(newuuid)" waste-services fly-tipping
DUUIDS=$(sqlite3 "$DB" "select uuid from outbox order by id" | tr '\n' ' ')
mkdir -p "$TMP/template"
cp "$DB"* "$TMP/template/"
cat >"$TMP/check.py" <<'PYEOF'
import json, sqlite3, sys
db, control = sys.argv[1], sys.argv[2]
uuids = sys.argv[3].split()
bad = []
c = sqlite3.connect(db)
ic = c.execute("pragma integrity_check").fetchall()
if ic != [("ok",)]:
    bad.append("integrity: %s" % ic[:3])
rows = {u: (s, r, d, e) for (u, s, r, d, e) in c.execute(
    "select uuid, state, coalesce(remote_id, ''), delivered_at, coalesce(last_error, '')"
    " from outbox")}
if sorted(rows) != sorted(uuids):
    bad.append("outbox holds %d records, not %d" % (len(rows), len(uuids)))
back = {}
for r in json.load(open(control, encoding="utf-8")):
    back.setdefault(r["uuid"], []).append(r)
for u in uuids:
    s, rid, d, why = rows.get(u, ("missing", "", None, ""))
    b = back.get(u, [])
    if s != "delivered" or d is None:
        bad.append("%s is %s (%s)" % (u, s, why))
    if len(b) != 1:
        bad.append("%s stored %d times by the back end" % (u, len(b)))
    elif b[0]["mismatches"]:
        bad.append("%s resent with another body" % u)
    elif ("" if b[0]["service_code"] == "streetlight" else b[0]["id"]) != rid:
        bad.append("%s: the outbox says %r, the back end %r" % (u, rid, b[0]["id"]))
if set(back) - set(uuids):
    bad.append("the back end holds records never enqueued")
print("; ".join(bad[:4]) if bad else "ok")
PYEOF
# drain_loop FAULT [--sticky|""] [--again]: with --again the same worker
# drains once more right after the fault, and must leave no record
# "sending" (a claim the failing store could not end goes back to the queue
# without a restart).
drain_loop() {
	local fault=$1 sticky=${2:-} again=${3:-} p k N=0 runs=0 i r t0
	t0=$(date +%s)
	problems=""
	while :; do
		rm -f "$DB"*
		cp "$TMP/template/"* "$TMP/"
		control /_control/reset -X POST
		ft drain $sticky $again "$fault" "$N" "$CONF" "$DB" "$NOW"
		local inj=$fout fs=$fst
		if [ -n "$again" ] && [ $N -gt 0 ] &&
			[ "$(sqlite3 "$DB" "select count(*) from outbox where state = 'sending'")" != 0 ]; then
			problems="$problems
drain $fault $N: a record still sending after the same worker drained again ($inj)"
		fi
		if [ $N -eq 0 ]; then
			[ $fst -eq 0 ] || problems="a drain without faults: status $fst: $(cat "$TMP/ft.err")"
			p=$(points)
			k=$(stride "${p:-1}")
			N=$(first "$k")
			continue
		fi
		runs=$((runs + 1))
		case "$fs" in 0 | 10 | 11) ;; *) problems="$problems
drain $sticky $fault $N: status $fs: $(head -c 300 "$TMP/ft.err")" ;; esac
		r=$(sqlite3 "$DB" "pragma integrity_check;
			select count(*) from outbox group by destination having sum(state = 'sending') > 1" 2>&1 |
			tr '\n' ' ')
		[ "$r" = "ok " ] || problems="$problems
drain $sticky $fault $N: after it, integrity / destinations with two sending: $r"
		for i in 1 2 3 4; do
			ft drain --fail-write 0 "$CONF" "$DB" $((NOW + i * 100000))
			[ $fst -eq 0 ] || problems="$problems
drain $sticky $fault $N: then clean drain $i: status $fst: $(head -c 300 "$TMP/ft.err")"
			[ "$(sqlite3 "$DB" "select count(*) from outbox where state != 'delivered'")" = 0 ] &&
				break
		done
		control /_control/requests
		r=$("$PY" "$TMP/check.py" "$DB" "$TMP/control" "$DUUIDS" 2>&1)
		[ "$r" = ok ] || problems="$problems
drain $sticky $fault $N ($inj): then $i clean drains: $r"
		case "$inj" in "" | *"injected 0"*) break ;; esac
		N=$((N + k))
		[ $runs -le $((BUDGET * 3)) ] || break
	done
	echo "# drain $sticky $again $fault: $p fault points, $runs failed in turn (points $(first "$k"), +$k, ...), $(($(date +%s) - t0)) s"
	TOTAL_POINTS=$((TOTAL_POINTS + p))
	TOTAL_RUNS=$((TOTAL_RUNS + runs))
	report "delivery, $sticky $again $fault: after each failure clean drains deliver every record once"
}
drain_loop --fail-write
drain_loop --fail-write "" --again
drain_loop --fail-full --sticky
drain_loop --fail-alloc
drain_loop --fail-alloc --sticky
drain_loop --fail-sqlite-alloc
if [ "${FAULTS_JSON:-}" = 1 ]; then
	drain_loop --fail-json-alloc
fi

echo "# $TOTAL_POINTS fault points in all, $TOTAL_RUNS faulted runs, $(($(date +%s) - T0)) s"
finish
