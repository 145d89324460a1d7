# hatch queue and hatch queue retry: per destination the counts in each
# state, the age of the oldest waiting record and the last error; the
# records not delivered, dead first with their reason; --all; retry of one
# dead record by its reference (as a person types it) and of every dead
# record, each then delivered by a drain against the reference back end;
# usage errors; and never a payload, typed answer or back end's description.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

main_backend
DB="$TMP/outbox.db"
CONF="$TMP/hatch.conf"
{
	open311 waste-services "$P"
	open311 lighting "$P"
} >"$CONF"

# re TEXT: TEXT as an extended regex that matches only itself (a reference's
# check character may be * ~ $ or =).
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|=~/]/\\&/g'; }

run queue --db "$TMP/none.db"
expect_status "no database: exits 0" 0
expect_match "... and says nothing is waiting" "$out" "^No database at .*none.db, so nothing is waiting.$"
[ -e "$TMP/none.db" ] && not_ok "... without making one" || ok "... without making one"

UA=$(newuuid) UB=$(newuuid) UC=$(newuuid) UD=$(newuuid)
enqueue "$UA" waste-services missed-bin
run queue --db "$DB"
expect_status "one queued record: exits 0" 0
expect_match "a line per destination with its counts" "$out" \
	'^waste-services +1 +0 +0 +0 +[0-9]+ s +-$'
expect_match "the totals" "$out" '^In all: 1 queued, 0 sending, 0 delivered, 0 dead$'
REF_A=$(sqlite3 "$DB" "select reference from outbox where uuid = '$UA'")
RA=$(re "$REF_A")
expect_match "the waiting record with its reference and journey" "$out" \
	"^$RA +missed-bin v1 +waste-services +queued +0 +20[0-9-]+T[0-9:]+Z +due now$"

drain "$NOW"
enqueue "$UB" waste-services streetlight
fault '{"fault": "400", "errors": ["fault: Alex Q Example typed this", "address_string: no"], "method": "POST"}'
drain "$NOW"
enqueue "$UC" lighting streetlight
drain "$NOW"
fault '{"fault": "503", "retry_after": 600, "method": "POST"}'
enqueue "$UD" lighting streetlight
drain "$NOW"
REF_B=$(sqlite3 "$DB" "select reference from outbox where uuid = '$UB'")
REF_C=$(sqlite3 "$DB" "select reference from outbox where uuid = '$UC'")
REF_D=$(sqlite3 "$DB" "select reference from outbox where uuid = '$UD'")
RB=$(re "$REF_B") RD=$(re "$REF_D")
eq "the states set up: delivered, dead, delivered, queued" \
	"$(sqlite3 "$DB" "select group_concat(state, ' ') from (select state from outbox order by id)")" \
	"delivered dead delivered queued"
run queue --db "$DB"
expect_status "a mixed outbox: exits 0" 0
expect_match "lighting: one delivered, one queued, the oldest waiting and the last error" "$out" \
	'^lighting +1 +0 +1 +0 +[0-9]+ s +HTTP 503: 503$'
expect_match "waste-services: one delivered, one dead, the dead one's reason" "$out" \
	'^waste-services +0 +0 +1 +1 +- +HTTP 400: 400$'
expect_match "the totals" "$out" '^In all: 1 queued, 0 sending, 2 delivered, 1 dead$'
dead_line=$(printf '%s\n' "$out" | grep -nF "$REF_B " | cut -d: -f1)
queued_line=$(printf '%s\n' "$out" | grep -nF "$REF_D " | cut -d: -f1)
if [ -n "$dead_line" ] && [ -n "$queued_line" ] && [ "$dead_line" -lt "$queued_line" ]; then
	ok "the dead record is listed before the queued one"
else
	not_ok "the dead record is listed before the queued one" "$out"
fi
expect_match "the dead record with its reason" "$out" "^$RB +streetlight v1 +waste-services +dead +1 .* HTTP 400: 400$"
expect_match "the queued record with its next attempt and last error" "$out" \
	"^$RD +streetlight v1 +lighting +queued +1 .* in (9|10) min; HTTP 503: 503$"
expect_no_match "delivered records are not listed by default" "$out" "^$RA "
expect_no_match "never the back end's description, which may echo what was typed" "$out" "Alex|typed"
expect_no_match "never an answer" "$out" "High Street|alex@|Exampleton"

run queue --db "$DB" --all
expect_status "--all: exits 0" 0
for r in "$REF_A" "$REF_B" "$REF_C" "$REF_D"; do
	expect_match "--all lists $r" "$out" "^$(re "$r") "
done
first=$(printf '%s\n' "$out" | grep -E '^[0-9A-Z]{4}-[0-9A-Z]{4}-[^ ] ' | head -n 1 | cut -d' ' -f1)
eq "... the newest first" "$first" "$REF_D"

# retry, by the reference as a person might type it.
typed=$(printf '%s' "$REF_B" | tr 'A-Z' 'a-z' | tr -d '-')
run queue retry "$typed" --db "$DB"
expect_status "retry of the dead record, typed in lower case without hyphens: exits 0" 0
eq "... and says it is queued again" "$out" "$REF_B is queued again, due now."
eq "... it is queued with its attempts back at 0" "$(row "$UB" | cut -d' ' -f1-2)" "queued 0"
drain $(($(date +%s) + 1))
eq "... and the next drain delivers it" "$(row "$UB" | cut -d' ' -f1)" delivered
eq "... once" "$(stored "$UB" 'len(r)')" 1

run queue retry "$REF_A" --db "$DB"
expect_status "retry of a delivered record: exits 1" 1
expect_match "... saying why" "$err" "^hatch: queue retry: .*delivered"
run queue retry "$REF_D" --db "$DB"
expect_status "retry of a queued record: exits 0" 0
eq "... and makes it due now" "$(sqlite3 "$DB" "select next_attempt <= strftime('%s','now') from outbox where uuid = '$UD'")" 1
drain $(($(date +%s) + 1))
eq "... so the next drain delivers it, not ten minutes later" "$(row "$UD" | cut -d' ' -f1)" delivered

# Two dead records, retried together.
UE=$(newuuid) UF=$(newuuid)
fault '{"fault": "400", "count": 2, "method": "POST"}'
enqueue "$UE" waste-services streetlight
enqueue "$UF" lighting streetlight
drain "$NOW"
eq "two more dead" "$(sqlite3 "$DB" "select count(*) from outbox where state = 'dead'")" 2
run queue retry --dead --db "$DB"
expect_status "retry --dead: exits 0" 0
eq "... and says how many" "$out" "2 dead submissions are queued again, due now."
drain $(($(date +%s) + 1))
eq "... and the next drain delivers them" \
	"$(sqlite3 "$DB" "select group_concat(state, ' ') from (select distinct state from outbox)")" delivered
run queue retry --dead --db "$DB"
eq "retry --dead with none dead says so" "$out" "No submission is dead; nothing to retry."
run queue --db "$DB"
expect_match "all delivered: said so" "$out" "^Everything has been delivered.$"

# Usage.
run queue retry --db "$DB"
expect_status "retry with neither a reference nor --dead: exits 2" 2
eq "... one line" "$err" "hatch: queue retry: give one REFERENCE or --dead"
run queue retry "$REF_A" --dead --db "$DB"
expect_status "retry with both: exits 2" 2
run queue retry NOT-A-REF --db "$DB"
expect_status "retry of something that is not a reference: exits 2" 2
expect_match "... saying so" "$err" "is not a reference"
run queue retry 0000-0000-0 --db "$DB"
expect_match "a well-formed reference nobody has" "$status $err" "^1 hatch: queue retry: no submission has the reference 0000-0000-0$"
run queue --dead --db "$DB"
expect_status "--dead without retry: exits 2" 2
run queue --help
expect_status "--help: exits 0" 0
expect_match "... and shows retry" "$out" "hatch queue retry \(REFERENCE \| --dead\)"
finish
