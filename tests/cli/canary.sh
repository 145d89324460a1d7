# The canary: submissions whose answers hold marker strings go through the
# whole life of a record (saved, refused by a back end whose error echoes
# the marker, retried by staff, delivered, kept for the retention period,
# purged), and at every stage the database file, its write-ahead log and
# shared memory, and everything hatch printed are searched for the markers:
# none is ever found in the clear. After the purge, not even the device key
# opens anything that holds them.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

main_backend
DB="$TMP/canary.db"
CONF="$TMP/hatch.conf"
LOG="$TMP/hatch.log"
: >"$LOG"
{
	printf '[storage]\nretention_days = 2\n\n'
	open311 waste-services "$P"
	webhook case-hook "$P"
} >"$CONF"

# Markers that no code or fixture holds: made fresh for this run.
M1="CANARYNAME$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
M2="canary.street.$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
M3="CanaryMail$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
MARKERS="$M1|$M2|$M3"

# canary_record UUID DESTINATION: a missed-bin record holding the markers.
canary_record() {
	"$PY" - "$1" "$2" "$M1" "$M2" "$M3" >"$TMP/rec-$1.json" <<'PYEOF'
import json, sys
uuid, dest, m1, m2, m3 = sys.argv[1:6]
alpha = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"
d = [alpha[int(c, 16) % 32] for c in uuid.replace("-", "")[:8]]
v = 0
for c in d:
    v = v * 32 + alpha.index(c)
ref = "".join(d[:4]) + "-" + "".join(d[4:]) + "-" + alpha[v % 37]
answers = [
    {"id": "bins", "question": "Which bins?", "value": ["refuse"], "label": ["General rubbish"]},
    {"id": "collection_date", "question": "When?", "value": "2026-11-20"},
    {"id": "address", "question": "Where?",
     "value": {"line1": "1 " + m2, "line2": "", "town": "Exampleton", "postcode": "AB1 0AA"}},
    {"id": "name", "question": "Your name", "value": m1},
    {"id": "email", "question": "Your email", "value": m3 + "@example.org"},
]
rec = {"answers": answers, "channel": "self-service", "created": "2026-11-21T10:04:05Z",
       "destination": dest, "journey": {"id": "missed-bin", "version": 1},
       "language": "en", "reference": ref, "uuid": uuid}
sys.stdout.write(json.dumps(rec, sort_keys=True, separators=(",", ":")))
PYEOF
}
# clean DESC: no marker in the database's files or hatch's output so far.
clean() {
	local f found=""
	for f in "$DB" "$DB-wal" "$DB-shm" "$DB.key" "$LOG"; do
		[ -e "$f" ] || continue
		if grep -aEq "$MARKERS" "$f"; then found="$found $(basename "$f")"; fi
	done
	if [ -z "$found" ]; then ok "$1"; else not_ok "$1" "a marker in:$found"; fi
}
logged() { # logged CMD...: runs CMD, its output appended to the log
	"$@" >>"$LOG" 2>&1
}

U1=$(newuuid) U2=$(newuuid) U3=$(newuuid)
for u in "$U1" "$U2"; do
	canary_record "$u" waste-services
	logged $RUNNER "$TOOL" enqueue "$DB" "$TMP/rec-$u.json" || bail "enqueue"
done
canary_record "$U3" case-hook
logged $RUNNER "$TOOL" enqueue "$DB" "$TMP/rec-$U3.json" || bail "enqueue"
eq "three records with markers are saved" "$(sqlite3 "$DB" "select count(*) from outbox")" 3
clean "saved: no marker in the database, its log or the output"

# The back end refuses the first with an error that repeats what was typed.
fault "{\"fault\": \"400\", \"errors\": [\"name: $M1 is not allowed\", \"address_string: $M2 unknown\"], \"method\": \"POST\"}"
NOW=$(($(date +%s) + 1))
logged $RUNNER "$TOOL" drain "$CONF" "$DB" "$NOW"
eq "the refused record is dead" "$(sqlite3 "$DB" "select count(*) from outbox where state = 'dead'")" 1
clean "refused with the marker in the back end's answer: no marker kept or printed"
logged $HATCH queue --db "$DB" --all
clean "hatch queue --all prints no marker"
logged $HATCH queue retry --dead --db "$DB"
logged $HATCH sync --once --config "$CONF" --db "$DB"
eq "staff retry: all three delivered" "$(sqlite3 "$DB" "select group_concat(state) from (select distinct state from outbox)")" delivered
clean "delivered: no marker"
eq "the back end got the markers (the test would otherwise prove nothing)" \
	"$(control /_control/requests; grep -aEc "$M1" "$TMP/control")" 1

# Within the retention period the payloads are kept (encrypted) ...
logged $RUNNER "$TOOL" drain "$CONF" "$DB" $((NOW + 86400))
eq "a day later (retention 2 days) the payloads are still there" \
	"$(sqlite3 "$DB" "select count(*) from outbox where payload_box is not null")" 3
# ... and the device key opens them: the markers are really in there.
opened() {
	sqlite3 "$DB" "select hex(payload_box) from outbox where payload_box is not null and sealed = 0" |
		"$PY" -c '
import sys, nacl.secret
box = nacl.secret.SecretBox(open(sys.argv[1], "rb").read())
n = 0
for line in sys.stdin:
    if line.strip() and sys.argv[2].encode() in box.decrypt(bytes.fromhex(line.strip())):
        n += 1
print(n)' "$DB.key" "$M1"
}
eq "... and the device key opens them, markers inside" "$(opened)" 3
# dense: how many 256-byte windows of the database file look encrypted (over
# 140 distinct byte values; random bytes show some 160, SQLite's own pages
# and the zeroes secure_delete leaves far fewer).
dense() {
	sqlite3 "$DB" "pragma wal_checkpoint(truncate)" >/dev/null
	"$PY" -c '
import sys
data = open(sys.argv[1], "rb").read()
print(sum(1 for i in range(0, len(data) - 256, 256) if len(set(data[i:i + 256])) > 140))' "$DB"
}
check_ge() { if [ "$2" -ge "$3" ]; then ok "$1"; else not_ok "$1" "$2 < $3"; fi; }
check_ge "... and their ciphertext is seen in the file (so its absence later means something)" "$(dense)" 3
logged $RUNNER "$TOOL" drain "$CONF" "$DB" $((NOW + 3 * 86400))
eq "past the retention period the next drain purges every payload" \
	"$(sqlite3 "$DB" "select count(*) from outbox where payload_box is not null")" 0
eq "... keeping the records: reference, state and times" \
	"$(sqlite3 "$DB" "select count(*) from outbox where state = 'delivered' and reference <> '' and delivered_at is not null")" 3
eq "nothing left that the device key could open" "$(opened)" 0
clean "purged: no marker in the database, its log or the output"
# Freed pages were overwritten (secure_delete), not just unlinked: no
# ciphertext of a payload survives in the file either.
eq "no run of encrypted bytes is left in the file" "$(dense)" 0
finish
