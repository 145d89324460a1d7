# Shared by the command-line tests that deliver to the reference back end
# (tests/backend/): starting back ends on loopback, reading their control
# API and counters, canonical records that suit the test journeys, and the
# outbox filled and drained through tests/tools/sync_tool. Sourced after
# lib.sh; the caller sets DB and CONF before enqueue and drain.
PY=/usr/bin/python3
BK="$TOP/tests/backend"
CERTS="$TMP/certs"
# The test tool lives in the build directory of the hatch under test, and
# runs behind the same emulator.
for c in $HATCH; do :; done
TOOL="$(dirname "$c")/tests/tools/sync_tool"
RUNNER=${HATCH% *}
[ "$RUNNER" = "$HATCH" ] && RUNNER=""
API_KEY="kiosk-sync-key-3"
SECRET="webhook-sync-secret-3"
PIDS=""
cleanup() {
	# A killed server's status is not the test's: the tally stands.
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $(printf '%s' "$2" | head -c 600)" "want: $3"; fi
}
bail() {
	not_ok "$1" "stderr: $(cat "$TMP"/*/stderr 2>/dev/null | head -c 800)"
	echo "Bail out! $1"
	finish
	exit 1
}
jget() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
v = eval(sys.argv[2])
print(json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list, tuple, bool)) or v is None else v)' "$1" "$2" 2>&1
}
newuuid() { cat /proc/sys/kernel/random/uuid; }

start() { # start NAME CERT [BACKEND ARGS...]
	local name=$1 cert=$2
	shift 2
	mkdir -p "$TMP/$name"
	"$PY" "$BK/backend.py" --port 0 --cert "$CERTS/$cert.pem" --key "$CERTS/$cert.key" \
		--db "$TMP/$name/db.sqlite" --state-dir "$TMP/$name/state" \
		--api-key "$API_KEY" --webhook-secret "$SECRET" "$@" \
		>"$TMP/$name/stdout" 2>"$TMP/$name/stderr" &
	PIDS="$PIDS $!"
}
port() {
	local i
	for i in $(seq 200); do
		if grep -q '^listening [0-9][0-9]*$' "$TMP/$1/stdout" 2>/dev/null; then
			sed -n 's/^listening //p' "$TMP/$1/stdout"
			return 0
		fi
		sleep 0.05
	done
	return 1
}
counter() { jget "$TMP/$1/state/counters.json" "d['$2']"; }

# control PATH [JSON]: the main back end's control API into $TMP/control.
control() {
	if [ $# -gt 1 ]; then
		curl -sS --cacert "$CERTS/ca.pem" -H 'Content-Type: application/json' \
			--data-binary "$2" -o "$TMP/control" "$MAIN$1"
	else
		curl -sS --cacert "$CERTS/ca.pem" -o "$TMP/control" "$MAIN$1"
	fi
}
fault() { control /_control "$1"; }
# stored UUID EXPR: EXPR over the back end's rows for UUID (list r).
stored() {
	control "/_control/requests?uuid=$1"
	jget "$TMP/control" "(lambda r: $2)(d)"
}
# row UUID: "state attempts remote_id | last_error" from the outbox.
row() {
	sqlite3 "$DB" "select state || ' ' || attempts || ' ' || coalesce(remote_id, '') || ' | ' ||
		coalesce(last_error, '') from outbox where uuid = '$1'"
}
next_attempt() { sqlite3 "$DB" "select next_attempt from outbox where uuid = '$1'"; }

# record UUID DESTINATION JOURNEY: a canonical record with answers that
# suit the journey's Open311 service, into $TMP/rec-UUID.json.
record() {
	"$PY" - "$@" >"$TMP/rec-$1.json" <<'PYEOF'
import json, os, random, sys
uuid, dest, journey = sys.argv[1:4]
alpha = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"
d = [random.choice(alpha[:32]) for _ in range(8)]
v = 0
for c in d:
    v = v * 32 + alpha.index(c)
ref = "".join(d[:4]) + "-" + "".join(d[4:]) + "-" + alpha[v % 37]
addr = {"id": "address", "question": "Where?",
        "value": {"line1": "12 High Street", "line2": "", "town": "Exampleton", "postcode": "AB1 0AA"}}
answers = {
    "missed-bin": [{"id": "bins", "question": "Which bins were not collected?",
                    "value": ["refuse", "food"], "label": ["General rubbish", "Food waste"]},
                   {"id": "collection_date", "question": "When?", "value": "2026-11-20"},
                   addr,
                   {"id": "name", "question": "Your name", "value": "Alex Q Example"},
                   {"id": "email", "question": "Your email", "value": "alex@example.org"}],
    "fly-tipping": [{"id": "waste_type", "question": "What?", "value": ["other"],
                     "label": ["Something else"]},
                    {"id": "size", "question": "How much?", "value": "bag", "label": "A single bag"},
                    addr],
    # An address picked from the gazetteer: its UPRN and place as well.
    "streetlight": [{"id": "fault", "question": "What is wrong?", "value": "out",
                     "label": "It is not working"},
                    {"id": "address", "question": "Where?",
                     "value": dict(addr["value"], uprn="100090000138", lat=52.792351,
                                   long=-1.604506)}],
    "long-notes": [{"id": "fault", "question": "What is wrong?", "value": "out"}, addr,
                   {"id": "notes", "question": "Notes", "value": "\u00e9" * 5000}],
    "no-location": [{"id": "fault", "question": "What is wrong?", "value": "out"}],
}[journey]
rec = {"answers": answers, "channel": "self-service", "created": "2026-11-21T10:04:05Z",
       "destination": dest, "journey": {"id": journey, "version": 1},
       "language": os.environ.get("REC_LANG", "en"), "reference": ref, "uuid": uuid}
sys.stdout.write(json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
PYEOF
}
enqueue() { # enqueue UUID DESTINATION JOURNEY
	record "$@"
	$RUNNER "$TOOL" enqueue "$DB" "$TMP/rec-$1.json" 2>"$TMP/enqueue.err" ||
		bail "enqueue $1: $(cat "$TMP/enqueue.err")"
	# A record is due from when it is added: drains run a moment later.
	NOW=$(($(date +%s) + 1))
}
# drain NOW [NAME=URL...]: one drain; its counts in $out.
drain() {
	local now=$1
	shift
	set +e
	out=$($RUNNER "$TOOL" drain "$CONF" "$DB" "$now" "$@" 2>"$TMP/drain.err")
	status=$?
	[ $status -eq 0 ] || not_ok "drain at $now" "$(cat "$TMP/drain.err")"
}

# main_backend [BACKEND ARGS...]: the test certificates, the main back end
# (its port in $P, its address in $MAIN) and the credential files a
# configuration names ($TMP/api-key, $TMP/secret), private to their owner.
main_backend() {
	sh "$BK/make-certs.sh" "$CERTS" >"$TMP/make-certs.out" 2>&1 || bail "make-certs.sh"
	start main server "$@"
	P=$(port main) || bail "the back end starts"
	MAIN="https://127.0.0.1:$P"
	printf '%s\n' "$API_KEY" >"$TMP/api-key"
	printf '%s' "$SECRET" >"$TMP/secret"
	chmod 600 "$TMP/api-key" "$TMP/secret"
}

# Configuration sections for the back end on PORT, to stdout.
open311() { # open311 NAME PORT [FORMAT [EXTRA LINE...]]
	local name=$1 p=$2 fmt=${3:-json}
	shift 2
	[ $# -gt 0 ] && shift
	cat <<CONFEOF
[destination $name]
adapter = open311
url = https://127.0.0.1:$p/open311/v2/
api_key_file = $TMP/api-key
ca_bundle = $CERTS/ca.pem
format = $fmt
$(printf '%s\n' "$@")
service.missed-bin = missed-bin
service.fly-tipping = fly-tipping
service.streetlight = streetlight
service.no-location = streetlight
service.long-notes = streetlight

CONFEOF
}
webhook() { # webhook NAME PORT
	cat <<CONFEOF
[destination $1]
adapter = webhook
url = https://127.0.0.1:$2/webhook
secret_file = $TMP/secret
ca_bundle = $CERTS/ca.pem

CONFEOF
}
