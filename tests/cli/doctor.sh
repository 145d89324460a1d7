# hatch doctor against the reference back end (tests/backend/): a healthy
# set-up (an Open311 endpoint, a webhook and one that asks for the device's
# certificate, each trusted through its CA bundle) gives no failure and exit
# 0, and the back ends get a service-list GET and an OPTIONS, never a
# submission. Then each broken set-up gives the right verdict and exit 1: a
# closed port and a name that does not resolve; an expired, a wrong-host
# and a self-signed certificate (each named, and not a request byte sent);
# a pinned key that does not match (nothing sent) beside one that does; a
# full disk (a tmpfs, mounted here: this needs root, and fails, never
# skips, without it); a database with bytes overwritten in its middle
# (damaged, and left exactly as it was, not moved or salvaged). --json is
# JSON with the table's verdicts; --bundle writes versions, the report,
# the outbox's counts, the configuration without secrets and recent logs,
# and holds neither a secret file's content nor a queued submission's
# personal data (canary markers). The log line: journald's priority prefix
# when stderr is the journal, else plain and kept in a file beside the
# database. The display rule: no display is a failure unless --no-display.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

MNT="$TMP/small-disk"
doctor_cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	cleanup
}
trap doctor_cleanup EXIT

main_backend
start expired expired
start wrong wrong-host
start self self-signed
start mtls server --client-ca "$CERTS/client-ca.pem"
PE=$(port expired) || bail "the expired server starts"
PW=$(port wrong) || bail "the wrong-host server starts"
PS=$(port self) || bail "the self-signed server starts"
PM=$(port mtls) || bail "the server asking for device certificates starts"

# Secrets and personal data that must never reach a bundle: made fresh.
rand() { od -An -N6 -tx1 /dev/urandom | tr -d ' \n'; }
KEY_CANARY="SecretKeyCanary$(rand)"
HOOK_CANARY="SecretHookCanary$(rand)"
M1="CANARYNAME$(rand)"
M2="canary.street.$(rand)"
printf '%s\n' "$KEY_CANARY" >"$TMP/canary-key"
printf '%s' "$HOOK_CANARY" >"$TMP/canary-secret"
chmod 600 "$TMP/canary-key" "$TMP/canary-secret"

mkdir -p "$TMP/data"
DB="$TMP/data/hatch.db"
CONF="$TMP/hatch.conf"
{
	cat <<EOF
[destination waste-services]
adapter = open311
url = https://127.0.0.1:$P/open311/v2/
api_key_file = $TMP/canary-key
ca_bundle = $CERTS/ca.pem

[destination case-hook]
adapter = webhook
url = https://localhost:$P/webhook
secret_file = $TMP/canary-secret
ca_bundle = $CERTS/ca.pem

EOF
	open311 device "$PM" json "client_cert = $CERTS/client.pem" "client_key = $CERTS/client.key"
} >"$CONF"

# One queued submission whose answers hold the markers.
U1=$(newuuid)
"$PY" - "$U1" "$M1" "$M2" >"$TMP/rec.json" <<'PYEOF'
import json, sys
uuid, m1, m2 = sys.argv[1:4]
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
]
rec = {"answers": answers, "channel": "self-service", "created": "2026-11-21T10:04:05Z",
       "destination": "waste-services", "journey": {"id": "missed-bin", "version": 1},
       "language": "en", "reference": ref, "uuid": uuid}
sys.stdout.write(json.dumps(rec, sort_keys=True, separators=(",", ":")))
PYEOF
$RUNNER "$TOOL" enqueue "$DB" "$TMP/rec.json" 2>"$TMP/enqueue.err" || bail "enqueue: $(cat "$TMP/enqueue.err")"
eq "one submission with markers is queued" "$(sqlite3 "$DB" "select state from outbox")" queued

# row CHECK SUBJECT: the table's line for CHECK and SUBJECT ("-" for none).
row() {
	printf '%s\n' "$out" | awk -v c="$1" -v s="$2" '$2 == c && $3 == s'
}
# verdicts: "verdict check subject" of each line of the table, in order.
verdicts() {
	printf '%s\n' "$out" | sed -n '/^VERDICT /,/^$/p' | sed '1d;/^$/d' |
		awk '{print tolower($1), $2, $3}'
}
# lib.sh's run, leaving errexit off: this script checks every status.
run() {
	set +e
	$HATCH "$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}
# nrun [VAR=VALUE...] ARGS...: as run, with DISPLAY, WAYLAND_DISPLAY and
# JOURNAL_STREAM unset, then each VAR=VALUE set.
nrun() {
	local envs=()
	while [ $# -gt 0 ] && [[ $1 == [A-Z_]*=* ]]; do
		envs+=("$1")
		shift
	done
	set +e
	env -u DISPLAY -u WAYLAND_DISPLAY -u JOURNAL_STREAM "${envs[@]}" $HATCH "$@" \
		>"$TMP/out" 2>"$TMP/err"
	status=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

# ---------------------------------------------------------------------------
# Healthy.
before=$(counter main requests)
run doctor --config "$CONF" --db "$DB" --no-display
expect_status "healthy: exits 0" 0
expect_no_crash "... cleanly"
expect_no_match "... with no check failed" "$out" '^FAIL '
expect_match "... and says so" "$out" '^[0-9]+ ok, [0-9]+ warnings?, 0 failed$'
for d in waste-services case-hook device; do
	expect_match "$d: its name resolves (or is an address)" "$(row dns "$d")" '^ok +dns +'
	expect_match "$d: its certificate verifies, expiry given" "$(row tls "$d")" \
		'^ok +tls +[a-z-]+ +verified, 1 certificate presented, the first to expire on 20[0-9-]+ \(in [0-9]+ d'
	expect_match "$d: it answers" "$(row reach "$d")" '^ok +reach +[a-z-]+ +(GET|OPTIONS) /'
done
expect_match "localhost is resolved" "$(row dns case-hook)" 'localhost: .*(127\.0\.0\.1|::1)'
expect_match "Open311: a GET of services.json, its services counted" "$(row reach waste-services)" \
	'GET /open311/v2/services\.json: HTTP 200 in [0-9]+ ms, 3 services$'
expect_match "the webhook: OPTIONS, refused as a method but there" "$(row reach case-hook)" \
	'OPTIONS /webhook: HTTP 501 in [0-9]+ ms \(the webhook answers'
expect_match "the device certificate is sent where it is asked for" "$(row reach device)" 'HTTP 200'
expect_match "the database is intact" "$(row database -)" '^ok +database +- +intact \(quick_check\), schema [0-9]+'
expect_match "the outbox: one waiting, a moment old" "$(row outbox -)" \
	'^ok +outbox +- +1 waiting \(the oldest for [0-9]+ s\), 0 delivered, 0 dead$'
expect_match "free space is given for the database's directory" "$(row free-space -)" \
	"^(ok|WARN) +free-space +- +[0-9.]+ [KMGT]i?B free of .* at $TMP/data\$"
for l in en cy pl ro pa ur ar; do
	expect_match "fonts: $l is set in its face" "$(row fonts "$l")" '^(ok|WARN) +fonts +[a-z]+ +Noto '
done
expect_match "Panjabi in Noto Sans Gurmukhi" "$(row fonts pa)" 'Noto Sans Gurmukhi'
expect_match "Urdu in Noto Nastaliq Urdu" "$(row fonts ur)" 'Noto Nastaliq Urdu'
expect_match "the clock is looked at" "$(row clock -)" '^(ok|WARN) +clock +- +20[0-9-]+, '
eq "no submission reached a back end" "$(control /_control/requests; jget "$TMP/control" 'len(d)')" 0
eq "... the main back end got two requests (the GET and the OPTIONS)" \
	"$(($(counter main requests) - before))" 2
eq "... of which the one it logs is the service list" \
	"$(control /_control/log; jget "$TMP/control" '" ".join(sorted(set(r["method"] + " " + r["path"] for r in d)))')" \
	"GET /open311/v2/services.json"
eq "... and no body" "$(counter main body_bytes)" 0
eq "the database was not changed" "$(sqlite3 "$DB" "select state, attempts from outbox")" "queued|0"

# ---------------------------------------------------------------------------
# --json: the same verdicts.
table=$(verdicts)
run doctor --config "$CONF" --db "$DB" --no-display --json
expect_status "--json: exits 0" 0
if printf '%s' "$out" | "$PY" -m json.tool >/dev/null 2>"$TMP/json.err"; then
	ok "--json is valid JSON"
else
	not_ok "--json is valid JSON" "$(cat "$TMP/json.err")"
fi
printf '%s' "$out" >"$TMP/report.json"
eq "... with the table's checks and verdicts, in order" \
	"$(jget "$TMP/report.json" '"\n".join("%s %s %s" % (c["verdict"], c["check"], c["subject"] or "-") for c in d["checks"])')" \
	"$table"
eq "... its verdict and counts" \
	"$(jget "$TMP/report.json" '[d["verdict"], d["counts"]["fail"], d["outbox"]["counts"]["queued"]]')" \
	'["warn", 0, 1]'

# ---------------------------------------------------------------------------
# Nothing reachable: a closed port, a name that does not resolve.
CLOSED=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cat >"$TMP/unreachable.conf" <<EOF
[destination closed]
adapter = webhook
url = https://127.0.0.1:$CLOSED/webhook
secret_file = $TMP/canary-secret
ca_bundle = $CERTS/ca.pem

[destination nowhere]
adapter = open311
url = https://hatch-doctor-test.invalid/open311/v2/
api_key_file = $TMP/canary-key
EOF
run doctor --config "$TMP/unreachable.conf" --db "$DB" --no-display
expect_status "no destination reachable: exits 1" 1
expect_match "a closed port: no connection" "$(row reach closed)" \
	"^FAIL +reach +closed +no connection: .*127\\.0\\.0\\.1.*$CLOSED"
expect_match "... the certificate not tried" "$(row tls closed)" '^FAIL +tls +closed +not tried: no connection$'
expect_match "a name that does not resolve" "$(row dns nowhere)" \
	'^FAIL +dns +nowhere +hatch-doctor-test\.invalid does not resolve: '
expect_match "... nothing else tried" "$(row reach nowhere)" '^FAIL +reach +nowhere +not tried: the name does not resolve$'
expect_match "the summary counts the failures" "$out" '^[0-9]+ ok, [0-9]+ warnings?, 5 failed$'

# ---------------------------------------------------------------------------
# Bad certificates, and pins.
PIN=$(openssl x509 -in "$CERTS/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
OTHER_PIN=$(openssl x509 -in "$CERTS/self-signed.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
{
	open311 expired "$PE"
	open311 wrong-host "$PW"
	open311 self-signed "$PS"
	open311 wrong-pin "$P" json "pinned_keys = sha256//$OTHER_PIN"
	open311 pinned "$P" json "pinned_keys = sha256//$OTHER_PIN;sha256//$PIN"
} >"$TMP/tls.conf"
main_bytes=$(counter main request_bytes)
main_requests=$(counter main requests)
run doctor --config "$TMP/tls.conf" --db "$DB" --no-display
expect_status "bad certificates: exits 1" 1
expect_match "an expired certificate is refused, saying so" "$(row tls expired)" \
	'^FAIL +tls +expired +refused at 127\.0\.0\.1: .*certificate has expired'
expect_match "a certificate for another host is refused, saying so" "$(row tls wrong-host)" \
	"^FAIL +tls +wrong-host +refused at 127\\.0\\.0\\.1: .*(subject name|does not match).*127\\.0\\.0\\.1"
expect_match "a self-signed certificate is refused, saying so" "$(row tls self-signed)" \
	'^FAIL +tls +self-signed +refused at 127\.0\.0\.1: .*self.signed certificate'
for s in expired wrong-host self-signed; do
	expect_match "$s: nothing sent" "$(row reach "$s")" "^FAIL +reach +$s +not reached: nothing was sent \\(TLS failed\\)\$"
done
for s in expired wrong self; do
	eq "... the $s server received no request byte" "$(counter "$s" request_bytes) $(counter "$s" requests)" "0 0"
done
expect_match "a pinned key that does not match fails" "$(row tls wrong-pin)" \
	'^FAIL +tls +wrong-pin +the certificate verifies but its key matches none of pinned_keys: .*pinned public key'
expect_match "... nothing sent" "$(row reach wrong-pin)" '^FAIL +reach +wrong-pin +not reached: nothing was sent \(pin mismatch\)$'
expect_match "a pinned key that matches is said to" "$(row tls pinned)" '^ok +tls +pinned +verified, .*; pinned key matched$'
eq "the main back end got one request (the matching pin's), no more" \
	"$(($(counter main requests) - main_requests))" 1
expect_match "... a GET without a body" "$(($(counter main request_bytes) - main_bytes)) $(counter main body_bytes)" '^[0-9]+ 0$'

# ---------------------------------------------------------------------------
# The display rule: no display is a failure where the kiosk must show.
if compgen -G "/dev/dri/card*" >/dev/null; then
	nrun doctor --config "$CONF" --db "$DB"
	expect_match "a DRM card: the display check names it" "$(row display -)" '/dev/dri/card'
else
	nrun doctor --config "$CONF" --db "$DB"
	expect_status "no /dev/dri and no desktop display without --no-display: exits 1" 1
	expect_match "... the display fails, saying what is missing" "$(row display -)" \
		'^FAIL +display +- +no display: no /dev/dri/card\* and no DISPLAY or WAYLAND_DISPLAY$'
	nrun DISPLAY=:987 doctor --config "$CONF" --db "$DB"
	expect_match "a DISPLAY with no X server behind it fails too" "$(row display -)" \
		'^FAIL +display .*DISPLAY=:987 \(no X server answers there\)'
	nrun doctor --config "$CONF" --db "$DB" --no-display
	expect_match "with --no-display it is a warning, saying why" "$(row display -)" \
		'^WARN +display +- +no display: .*; not needed on this machine \(--no-display\)$'
fi

# ---------------------------------------------------------------------------
# Logs: journald's prefix under the journal, else plain and into the file.
LOGF="$TMP/data/hatch.log"
[ -f "$LOGF" ] && ok "the log file is kept beside the database" || not_ok "the log file is kept beside the database" "$(ls -la "$TMP/data")"
eq "... readable by its owner only" "$(stat -c %a "$LOGF")" 600
expect_match "... a line per run, with its time and the verdict" "$(tail -n 1 "$LOGF")" \
	'^20[0-9-]+T[0-9:]+Z hatch: doctor: checks done verdict=(warn|fail) checks=[0-9]+ ok=[0-9]+ warn=[0-9]+ fail=[0-9]+'
lines=$(grep -c '' "$LOGF")
nrun doctor --config "$TMP/unreachable.conf" --db "$DB" --no-display
expect_match "on a terminal: one plain line on stderr, the failed checks named" "$err" \
	'^hatch: doctor: checks done verdict=fail checks=[0-9]+ ok=[0-9]+ warn=[0-9]+ fail=5 failed=tls:closed,reach:closed,dns:nowhere,tls:nowhere,reach:nowhere$'
cp "$TMP/err" "$TMP/plain.err"
eq "... and into the file" "$(grep -c '' "$LOGF")" $((lines + 1))
# stderr goes to $TMP/err, truncated in place: its device and inode stay.
: >"$TMP/err"
nrun JOURNAL_STREAM="$(stat -c '%d:%i' "$TMP/err")" doctor --config "$TMP/unreachable.conf" \
	--db "$DB" --no-display
expect_match "stderr as the journal's stream: the priority prefix (warning: a check failed)" \
	"$err" '^<4>hatch doctor: checks done verdict=fail '
cp "$TMP/err" "$TMP/journal.err"
eq "... and the file is left to the journal" "$(grep -c '' "$LOGF")" $((lines + 1))
nrun JOURNAL_STREAM=1:2 doctor --config "$TMP/unreachable.conf" --db "$DB" --no-display
expect_match "a JOURNAL_STREAM naming something else: plain" "$err" '^hatch: doctor: '

# ---------------------------------------------------------------------------
# The support bundle.
run doctor --config "$CONF" --db "$DB" --no-display --bundle "$TMP/bundle.txt"
expect_status "--bundle: exits 0 on a healthy set-up" 0
expect_match "... and says where it went" "$out" "^Support bundle written to $TMP/bundle.txt\$"
B=$(cat "$TMP/bundle.txt" 2>/dev/null)
eq "the bundle is readable by its owner only" "$(stat -c %a "$TMP/bundle.txt")" 600
expect_match "it has the versions" "$B" '^hatch [0-9]+\.[0-9]+\.[0-9]+$'
expect_match "... of SQLite" "$B" '^SQLite 3\.[0-9.]+$'
expect_match "... of libcurl and its TLS library" "$B" '^libcurl/[0-9.]+ OpenSSL/'
expect_match "... of SDL, SDL2_ttf and fontconfig" "$B" '^SDL [0-9.]+, SDL2_ttf [0-9.]+, fontconfig [0-9.]+$'
expect_match "the doctor's report" "$B" '^ok +tls +waste-services +verified'
expect_match "the outbox's counts" "$B" '^In all: 1 queued, 0 sending, 0 delivered, 0 dead$'
expect_match "... per destination" "$B" '^waste-services +1 +0 +0 +0 +[0-9]+ s$'
expect_match "the configuration" "$B" "^url = https://127\\.0\\.0\\.1:$P/open311/v2/\$"
expect_match "... naming the secret files, not their content" "$B" \
	"^api_key_file = $TMP/canary-key +; its content is not in this bundle\$"
expect_match "recent logs" "$B" 'hatch: doctor: checks done verdict='
for c in "$KEY_CANARY" "$HOOK_CANARY"; do
	if grep -qF "$c" "$TMP/bundle.txt"; then not_ok "no secret file's content in the bundle ($c)"; else ok "no secret file's content in the bundle"; fi
done
key_line=$(sed -n 2p "$CERTS/client.key")
if grep -qF "$key_line" "$TMP/bundle.txt"; then not_ok "no device key in the bundle"; else ok "no device key in the bundle"; fi
if grep -aEq "$M1|$M2" "$TMP/bundle.txt"; then not_ok "no personal data of the queued submission in the bundle"; else ok "no personal data of the queued submission in the bundle"; fi
if grep -aEq "$M1|$M2|$KEY_CANARY|$HOOK_CANARY" "$LOGF" "$TMP"/journal.err "$TMP"/plain.err; then
	not_ok "nor in any log line"
else
	ok "nor in any log line"
fi
run doctor --config "$CONF" --db "$DB" --no-display --bundle "$TMP/no-such-dir/bundle.txt"
expect_status "a bundle that cannot be written: exits 1" 1
expect_match "... saying why" "$err" "^hatch: doctor: cannot write $TMP/no-such-dir/bundle.txt.tmp: No such file or directory\$"

# ---------------------------------------------------------------------------
# A damaged database: bytes overwritten in the middle of the file.
mkdir -p "$TMP/damaged"
BAD="$TMP/damaged/hatch.db"
cp "$DB" "$BAD" && cp "$DB.key" "$BAD.key"
pages=$(($(stat -c %s "$BAD") / 4096))
from=$((pages / 3)) count=$((pages / 3))
[ "$from" -ge 1 ] || from=1
[ "$count" -ge 1 ] || count=1
dd if=/dev/urandom of="$BAD" bs=4096 seek="$from" count="$count" conv=notrunc 2>/dev/null
expect_no_match "the file is really damaged: SQLite's own quick_check says so" \
	"$(sqlite3 "$BAD" "PRAGMA quick_check" 2>&1)" '^ok$'
sum=$(sha256sum <"$BAD")
run doctor --config "$CONF" --db "$BAD" --no-display
expect_status "a damaged database: exits 1" 1
expect_no_crash "... cleanly"
expect_match "the database check says it is damaged" "$(row database -)" \
	'^FAIL +database +- +damaged \((at least )?[0-9]+ problems?; first: .+\): the kiosk moves it aside'
expect_match "... and the outbox is not read" "$(row outbox -)" '^FAIL +outbox +- +not read: the database cannot be read as it is'
eq "... the file is left exactly as it was" "$(sha256sum <"$BAD")" "$sum"
eq "... not moved aside or salvaged" "$(ls "$TMP/damaged" | grep -c corrupt)" 0

# ---------------------------------------------------------------------------
# A full disk.
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=2m,mode=0700 hatch-doctor "$MNT" 2>"$TMP/mount.err"; then
	bail "a 2 MiB tmpfs is mounted at $MNT (this test needs root: mount -t tmpfs): $(cat "$TMP/mount.err")"
fi
cp "$DB" "$MNT/hatch.db" && cp "$DB.key" "$MNT/hatch.db.key"
run doctor --config "$CONF" --db "$MNT/hatch.db" --no-display
expect_match "a 2 MiB disk is below the 100 MiB floor even with room" "$(row free-space -)" \
	"^FAIL +free-space +- +.* free of 2\\.0 MiB \\([0-9]+%\\) at $MNT: saving a submission may fail\$"
dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null || true
eq "the disk is then full" "$(df --output=avail -k "$MNT" | tail -n 1 | tr -d ' ')" 0
run doctor --config "$CONF" --db "$MNT/hatch.db" --no-display
expect_status "a full disk: exits 1" 1
expect_no_crash "... cleanly"
expect_match "free space fails with none left" "$(row free-space -)" \
	"^FAIL +free-space +- +0 B free of 2\\.0 MiB \\(0%\\) at $MNT: saving a submission may fail\$"
# A closed database has no -wal and -shm files, and a reader must make
# them: on a full disk it cannot (nor could the kiosk open it to save).
expect_match "the database cannot be read, and the full disk is named as why" "$(row database -)" \
	'^FAIL +database +- +cannot be read: .*\(the disk is full: SQLite cannot make its -wal and -shm files\)$'
expect_match "... so neither is the outbox" "$(row outbox -)" '^FAIL +outbox +- +not read: '
eq "the database is unchanged" "$(sha256sum <"$MNT/hatch.db")" "$(sha256sum <"$DB")"
expect_match "the log line still reaches stderr" "$err" \
	'^hatch: doctor: checks done verdict=fail .*failed=database,free-space,outbox$'

# ---------------------------------------------------------------------------
run doctor --bogus
expect_status "an unknown option: exits 2" 2
expect_match "... naming it" "$err" "^hatch: doctor: unknown option '--bogus'\$"
run doctor --db
expect_status "--db without a value: exits 2" 2
run doctor --help
expect_status "--help: exits 0" 0
expect_match "... and says what it checks" "$out" '^Usage: hatch doctor '

finish
