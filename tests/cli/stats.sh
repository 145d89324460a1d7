# hatch stats end to end: events recorded through the real API
# (tests/tools/events_tool, as the kiosk records them) rolled up and
# exported as CSV and JSON: the exact figures with no suppression, every
# count from 1 to 4 suppressed by default (empty, null), a higher
# threshold; the default range (the 30 days to yesterday: today's events
# wait); --output written whole or not at all; retention of raw events;
# the canary (marker strings passed in every field of every event: none in
# the database, in what hatch printed or in the figures); send: the days'
# figures put in the outbox once each and delivered through the webhook
# adapter, signed, to a receiver over HTTPS; usage errors (exit 2) and a
# missing database (exit 1).
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

ETOOL="$(dirname "$TOOL")/events_tool"
DB="$TMP/hatch.db"
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "wanted: $3" "got: $2"; fi
}

run stats --help
expect_status "--help exits 0" 0
expect_match "... and shows the usage" "$out" "^Usage: hatch stats \[--from DATE\]"
run --help
expect_match "hatch --help lists stats" "$out" "^  stats "

run stats --from 2024-02-30 --db "$DB"
expect_status "a date that is not one: exits 2" 2
expect_match "... and names it" "$err" "^hatch: stats: --from '2024-02-30' is not a date"
run stats --format xml --db "$DB"
expect_status "an unknown format: exits 2" 2
run stats --threshold 0 --db "$DB"
expect_status "a threshold of 0: exits 2" 2
run stats --from 2024-05-02 --to 2024-05-01 --db "$DB"
expect_status "--from after --to: exits 2" 2
run stats --frobnicate
expect_status "an unknown option: exits 2" 2
run stats send --db "$DB"
expect_status "send without a destination: exits 2" 2
run stats --db "$DB"
expect_status "no database: exits 1" 1
expect_match "... and says so" "$err" "^hatch: stats: no database at .*hatch.db"
[ -e "$DB" ] && not_ok "... without making one" || ok "... without making one"

$RUNNER "$ETOOL" script "$DB" 2>"$TMP/tool.err" || bail "events_tool script: $(cat "$TMP/tool.err")"

# ---- the figures ----
run stats --from 2024-05-01 --to 2024-05-02 --threshold 1 --db "$DB"
expect_status "stats with a threshold of 1: exits 0" 0
csv=$(printf '%s' "$out" | tr -d '\r')
expect_lines "... 59 figures and a header" "$csv" 60
expect_match "... the header" "$csv" "^date,journey,measure,category,value$"
for line in \
	"2024-05-01,\*,languages_chosen,cy,1" \
	"2024-05-01,blue-badge,stop_pages,not-eligible,1" \
	"2024-05-01,missed-bin,started,,3" \
	"2024-05-01,missed-bin,completed,,2" \
	"2024-05-01,missed-bin,completion_rate,,0.667" \
	"2024-05-01,missed-bin,median_seconds,,163" \
	"2024-05-01,missed-bin,assisted_share,,0.333" \
	"2024-05-01,missed-bin,abandoned_by_step,bins,1" \
	"2024-05-01,missed-bin,errors_by_field,date.day,1" \
	"2024-05-01,missed-bin,languages,en,2" \
	"2024-05-01,missed-bin,satisfaction,4,1" \
	"2024-05-01,missed-bin,median_seconds_by_step,bins,16" \
	"2024-05-02,missed-bin,abandoned_by_reason,cancel,1" \
	"2024-05-02,missed-bin,abandoned_by_step,-,1"; do
	expect_match "... $line" "$csv" "^$line$"
done
if printf '%s' "$out" | grep -qv $'\r$'; then not_ok "... CRLF line ends"; else ok "... CRLF line ends"; fi

run stats --from 2024-05-01 --to 2024-05-02 --db "$DB"
expect_status "stats with the default threshold: exits 0" 0
csv=$(printf '%s' "$out" | tr -d '\r')
expect_lines "... the same rows" "$csv" 60
small=$(printf '%s\n' "$csv" | awk -F, 'NR > 1 && $5 != "" && $5 != "0"')
eq "... every figure here is 0 or suppressed (no count was 5 or more)" "$small" ""
expect_match "... a small count is empty" "$csv" "^2024-05-01,missed-bin,started,,$"

run stats --from 2024-05-01 --to 2024-05-02 --format json --db "$DB"
expect_status "--format json: exits 0" 0
printf '%s' "$out" >"$TMP/stats.json"
eq "... JSON, four records, suppressed counts null, zeros kept" "$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = d["figures"]
print(len(f), d["threshold"], d["licence"], f[2]["journey"], f[2]["started"], f[2]["completed"],
      f[3]["abandoned_by_reason"])' "$TMP/stats.json" 2>&1)" \
	"4 5 Open Government Licence v3.0 missed-bin None None {'timeout': 0, 'cancel': None}"

# ---- the default range: the 30 days to yesterday ----
yesterday=$(date -d yesterday +%F)
today=$(date +%F)
old=$(date -d '40 days ago' +%F)
$RUNNER "$ETOOL" sessions "$DB" "$yesterday" recent 6 || bail "events_tool sessions"
$RUNNER "$ETOOL" sessions "$DB" "$today" recent 9 || bail "events_tool sessions"
$RUNNER "$ETOOL" sessions "$DB" "$old" recent 7 || bail "events_tool sessions"
run stats --db "$DB"
expect_status "stats with no dates: exits 0" 0
csv=$(printf '%s' "$out" | tr -d '\r')
expect_match "... yesterday's figures" "$csv" "^$yesterday,recent,started,,6$"
expect_match "... a rate from counts of 5 or more" "$csv" "^$yesterday,recent,completion_rate,,1.000$"
expect_match "... a median from 6 times" "$csv" "^$yesterday,recent,median_seconds,,60$"
expect_no_match "... not today's (not a whole day yet)" "$csv" "^$today,"
expect_no_match "... nor those of 40 days ago" "$csv" "^$old,"
run stats --from "$old" --to "$old" --db "$DB"
expect_match "... which --from and --to reach" "$(printf '%s' "$out" | tr -d '\r')" "^$old,recent,started,,7$"

# ---- retention: raw events go, figures stay ----
eq "raw events of 40 days ago are gone after a roll-up" \
	"$(sqlite3 "$DB" "select count(*) from events where day = $(date -d '40 days ago' +%Y%m%d)")" "0"
eq "... today's are kept" \
	"$(sqlite3 "$DB" "select count(*) from events where day = $(date +%Y%m%d)")" "18"
run stats --retention 1 --db "$DB"
expect_status "--retention 1: exits 0" 0
eq "... and yesterday's raw events are kept for a day" \
	"$(sqlite3 "$DB" "select count(*) from events where day = $(date -d yesterday +%Y%m%d)")" "12"
eq "... the scripted days' are gone" "$(sqlite3 "$DB" "select count(*) from events where day < 20250101")" "0"
run stats --from 2024-05-01 --to 2024-05-02 --threshold 1 --db "$DB"
expect_match "... their figures stay" "$(printf '%s' "$out" | tr -d '\r')" "^2024-05-01,missed-bin,started,,3$"

# ---- --output ----
run stats --from 2024-05-01 --to 2024-05-02 --output "$TMP/open-data.csv" --db "$DB"
expect_status "--output: exits 0" 0
expect_lines "... prints nothing" "$out" 0
eq "... writes the file" "$(tr -d '\r' <"$TMP/open-data.csv" | head -n 1)" "date,journey,measure,category,value"
eq "... readable by others, as open data is" "$(stat -c %a "$TMP/open-data.csv")" "644"
run stats --output "$TMP/no/such/dir/open-data.csv" --db "$DB"
expect_status "--output in a missing directory: exits 1" 1
expect_match "... naming the file" "$err" "^hatch: stats: $TMP/no/such/dir/open-data.csv: cannot write it"
left=$(find "$TMP" -maxdepth 1 -name 'open-data.csv.*' | wc -l)
eq "... and no temporary file is left" "$left" "0"

# ---- the canary ----
M1="CanaryName$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
M2="1 canary street $(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
M3="canary$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')@example.org"
MARKERS="$M1|$M2|$M3|$(printf '%s' "$M1" | tr 'A-Z' 'a-z')"
CDB="$TMP/canary.db"
set +e
cout=$($RUNNER "$ETOOL" canary "$CDB" "$M1" "$M2" "$M3" 2>"$TMP/canary.err")
cstatus=$?
eq "canary: recorded what holds no marker, refused the rest" "$cstatus $cout" "0 recorded 147 refused 63"
run stats --from 2024-05-01 --to 2024-05-01 --threshold 1 --db "$CDB"
printf '%s\n%s\n' "$out" "$err" >"$TMP/canary.out"
run stats --from 2024-05-01 --to 2024-05-01 --threshold 1 --format json --db "$CDB"
printf '%s\n%s\n' "$out" "$err" >>"$TMP/canary.out"
expect_match "... the figures were made" "$out" '"journey":"missed-bin","started":15,'
found=""
for f in "$CDB" "$CDB-wal" "$CDB-shm" "$TMP/canary.err" "$TMP/canary.out"; do
	[ -e "$f" ] || continue
	if grep -aEq "$MARKERS" "$f"; then found="$found $(basename "$f")"; fi
done
eq "... no marker in the database, the tool's messages or hatch's output" "$found" ""

# ---- send: the outbox and the webhook ----
sh "$BK/make-certs.sh" "$CERTS" >"$TMP/make-certs.out" 2>&1 || bail "make-certs.sh"
printf '%s' "$SECRET" >"$TMP/secret"
chmod 600 "$TMP/secret"
mkdir -p "$TMP/receiver"
# A council's receiver of open data: HTTPS, the webhook's signature checked,
# each body kept with its Idempotency-Key.
"$PY" - "$CERTS" "$SECRET" "$TMP/receiver" >"$TMP/receiver/stdout" 2>"$TMP/receiver/stderr" <<'PYEOF' &
import hashlib, hmac, json, os, ssl, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
certs, secret, out = sys.argv[1:4]
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest((self.headers.get("X-Hatch-Signature") or "").encode(), want.encode())
        rec = {"path": self.path, "signed": ok, "key": self.headers.get("Idempotency-Key"),
               "type": self.headers.get("Content-Type"), "body": json.loads(body)}
        with open(os.path.join(out, "received.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(201 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status":"accepted"}')
srv = HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.path.join(certs, "server.pem"), os.path.join(certs, "server.key"))
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("listening", srv.server_address[1], flush=True)
srv.serve_forever()
PYEOF
PIDS="$PIDS $!"
SP=$(port receiver) || bail "the receiver starts"
CONF="$TMP/hatch.conf"
cat >"$CONF" <<CONFEOF
[destination stats-hook]
adapter = webhook
url = https://127.0.0.1:$SP/open-data
secret_file = $TMP/secret
ca_bundle = $CERTS/ca.pem
CONFEOF

run stats send stats-hook --db "$DB"
expect_status "send: exits 0" 0
# The scripted days, 40 days ago and yesterday: not today.
eq "... four days put in the outbox" "$out" "4 days of figures put in the outbox for stats-hook."
run stats send stats-hook --db "$DB"
eq "... once: a second send puts none" "$out" "0 days of figures put in the outbox for stats-hook."
run stats send stats-hook --day 2024-05-01 --db "$DB"
eq "... --day puts that day in again" "$out" "1 day of figures put in the outbox for stats-hook."
run stats send "Stats Hook" --db "$DB"
expect_status "... a destination that is not a name: exits 1" 1
expect_match "... and says why" "$err" "the destination is not an identifier"
run queue --db "$DB"
expect_match "hatch queue shows them waiting" "$out" "stats-hook +5 +0 +0 +0"
expect_match "... as hatch-stats records" "$out" "S20240501-[0-9A-Z]{5} +hatch-stats"

NOW=$(($(date +%s) + 1))
drain "$NOW"
eq "sync delivers them through the webhook adapter" "$out" "delivered 5 retried 0 dead 0"
eq "... the receiver got five, each signed, as JSON, with its uuid as the key" "$("$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(len(rows), all(r["signed"] and r["key"] == r["body"]["uuid"] and r["path"] == "/open-data"
                     and r["type"] == "application/json" and r["body"]["kind"] == "hatch-stats"
                     for r in rows),
      sorted(r["body"]["from"] for r in rows),
      sum(1 for r in rows for f in r["body"]["figures"] if f["journey"] == "recent"))' \
	"$TMP/receiver/received.jsonl" 2>&1)" \
	"5 True ['2024-05-01', '2024-05-01', '2024-05-02', '$old', '$yesterday'] 2"
eq "... suppressed as published" "$("$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
r = [r for r in rows if r["body"]["from"] == "2024-05-01"][0]["body"]
print(r["threshold"], [f["started"] for f in r["figures"] if f["journey"] == "missed-bin"])' \
	"$TMP/receiver/received.jsonl" 2>&1)" "5 [None]"
run queue --db "$DB"
expect_match "... and they are delivered" "$out" "stats-hook +0 +0 +5 +0"

finish
