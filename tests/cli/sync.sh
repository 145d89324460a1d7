# Delivery (sync/) against the reference back end (tests/backend/): records
# put into an outbox with tests/tools/sync_tool, drained at chosen times,
# and what arrived checked through the back end's control API: the JSON
# webhook and Open311 (realtime, batch, blackbox; JSON and XML) each
# delivered exactly once; 503 with Retry-After retried and delivered after
# it; a 400 error array dead with its reason; accept-then-fail resent and
# recognised; expired, wrong-host and self-signed certificates, a wrong
# pinned key and an http:// URL refused with no request byte received; a
# matching pin and a device certificate accepted; hatch sync --once. Then
# the remaining faults: 429 with Retry-After in seconds and as an HTTP date
# (nothing sent before it, delivered at it); a slow trickle (read within
# libcurl's low-speed limit, else abandoned after 20 s, retried and the
# resend recognised); a reset or close halfway through the answer (retried,
# delivered once); a 1 GiB answer (cut at the 64 KiB cap, retried, in
# seconds and bounded memory); and redirects (301, 302, 303, 307, 308) to
# http:// and https:// never followed (no byte reaches the target; 3xx is
# retried).
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

# ---------------------------------------------------------------------------
sh "$BK/make-certs.sh" "$CERTS" >"$TMP/make-certs.out" 2>&1 || bail "make-certs.sh"
start main server
start expired expired
start wrong wrong-host
start self self-signed
start mtls server --client-ca "$CERTS/client-ca.pem"
P=$(port main) || bail "the back end starts"
PE=$(port expired) || bail "the expired server starts"
PW=$(port wrong) || bail "the wrong-host server starts"
PS=$(port self) || bail "the self-signed server starts"
PM=$(port mtls) || bail "the server asking for device certificates starts"
MAIN="https://127.0.0.1:$P"

printf '%s\n' "$API_KEY" >"$TMP/api-key"
printf '%s' "$SECRET" >"$TMP/secret"
chmod 600 "$TMP/api-key" "$TMP/secret"
DB="$TMP/outbox.db"
CONF="$TMP/hatch.conf"
PIN=$(openssl x509 -in "$CERTS/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
OTHER_PIN=$(openssl x509 -in "$CERTS/self-signed.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
{
	open311 waste-services "$P"
	open311 waste-xml "$P" xml
	open311 expired "$PE"
	open311 wrong-host "$PW"
	open311 self-signed "$PS"
	open311 pinned "$P" json "pinned_keys = sha256//$OTHER_PIN;sha256//$PIN"
	open311 wrong-pin "$P" json "pinned_keys = sha256//$OTHER_PIN"
	open311 device "$PM" json "client_cert = $CERTS/client.pem" "client_key = $CERTS/client.key"
	open311 no-device-cert "$PM"
	webhook case-hook "$P"
} >"$CONF"


# ---------------------------------------------------------------------------
# Each adapter, each kind of service, delivered once.
UW=$(newuuid)
UR=$(newuuid)
UB=$(newuuid)
UK=$(newuuid)
UX=$(newuuid)
enqueue "$UW" case-hook missed-bin
enqueue "$UR" waste-services missed-bin
enqueue "$UB" waste-services fly-tipping
enqueue "$UK" waste-services streetlight
enqueue "$UX" waste-xml missed-bin
drain "$NOW"
eq "one drain delivers four and leaves the batch waiting for its id" "$out" "delivered 4 retried 1 dead 0"
eq "the webhook got the record once" "$(stored "$UW" 'len(r)')" 1
eq "... as sent, byte for byte" "$(stored "$UW" 'r[0]["body_sha256"]')" \
	"$(sha256sum <"$TMP/rec-$UW.json" | cut -d' ' -f1)"
expect_match "... and the outbox keeps the webhook's id" "$(row "$UW")" '^delivered 1 WH-[0-9]+ \| $'
eq "Open311 realtime arrived once" "$(stored "$UR" 'len(r)')" 1
SR=$(stored "$UR" 'r[0]["id"]')
expect_match "... and the outbox keeps its service_request_id" "$(row "$UR")" "^delivered 1 $SR \\| \$"
eq "... with the address joined into address_string" \
	"$(stored "$UR" 'r[0]["fields"]["address_string"]')" "12 High Street, Exampleton, AB1 0AA"
eq "... the name split at its last space" \
	"$(stored "$UR" 'r[0]["fields"]["first_name"] + "/" + r[0]["fields"]["last_name"]')" "Alex Q/Example"
eq "... the email" "$(stored "$UR" 'r[0]["fields"]["email"]')" "alex@example.org"
eq "... the answers as attributes of the service" \
	"$(stored "$UR" 'r[0]["fields"]["attributes"]')" \
	"{\"bins\": [\"refuse\", \"food\"], \"collection_date\": \"2026-11-20T00:00:00Z\", \"submission_uuid\": \"$UR\"}"
expect_match "... and a readable description" "$(stored "$UR" 'r[0]["fields"]["description"]')" \
	'^Which bins were not collected\?: General rubbish, Food waste'
eq "Open311 over XML arrived once" "$(stored "$UX" 'len(r)')" 1
expect_match "... and its id was read from the XML answer" "$(row "$UX")" '^delivered 1 SR-[0-9]+ \| $'
eq "Open311 blackbox arrived once" "$(stored "$UK" 'len(r)')" 1
eq "... an address from the gazetteer with its UPRN as address_id, and its place" \
	"$(stored "$UK" 'r[0]["fields"]["address_id"] + " " + r[0]["fields"]["lat"] + " " + r[0]["fields"]["long"] + " / " + r[0]["fields"]["address_string"]')" \
	"100090000138 52.792351 -1.604506 / 12 High Street, Exampleton, AB1 0AA"
eq "... delivered with no id" "$(row "$UK")" "delivered 1  | "
TOKEN=$(stored "$UB" 'r[0]["token"]')
eq "Open311 batch arrived once" "$(stored "$UB" 'len(r)')" 1
eq "... queued with its token until the id is known" "$(row "$UB")" \
	"queued 1 $TOKEN | batch accepted; waiting for its id"
drain $((NOW + 7200))
eq "a later drain asks after the token" "$out" "delivered 0 retried 1 dead 0"
drain $((NOW + 14400))
eq "... and once the back end has the id, it is delivered" "$out" "delivered 1 retried 0 dead 0"
expect_match "... with the id in place of the token" "$(row "$UB")" '^delivered 3 SR-[0-9]+ \| $'
eq "... having been sent once" "$(stored "$UB" 'len(r)')" 1
drain $((NOW + 20000))
eq "nothing is sent twice" "$out" "delivered 0 retried 0 dead 0"
eq "... the back end holds five submissions" "$(control /_control/requests; jget "$TMP/control" 'len(d)')" 5

# ---------------------------------------------------------------------------
# Faults.
U1=$(newuuid)
enqueue "$U1" waste-services streetlight
fault '{"fault": "503", "retry_after": 600, "method": "POST"}'
drain "$NOW"
eq "503 with Retry-After: retried" "$out" "delivered 0 retried 1 dead 0"
expect_match "... with the status as the reason" "$(row "$U1")" '^queued 1  \| HTTP 503: 503$'

na=$(next_attempt "$U1")
check_ge() { if [ "$2" -ge "$3" ]; then ok "$1"; else not_ok "$1" "$2 < $3"; fi; }
check_ge "... not before the Retry-After" "$na" $((NOW + 600))
drain $((NOW + 599))
eq "... nothing is sent before then" "$out" "delivered 0 retried 0 dead 0"
drain "$na"
eq "... and it is delivered when it is due" "$out" "delivered 1 retried 0 dead 0"
eq "... exactly once" "$(stored "$U1" 'len(r)')" 1

U2=$(newuuid)
enqueue "$U2" waste-services streetlight
fault '{"fault": "503-date", "retry_after": 900, "method": "POST"}'
drain "$NOW"
check_ge "Retry-After as an HTTP date is honoured too" "$(next_attempt "$U2")" $((NOW + 890))
drain $((NOW + 100000))
eq "... and then delivered" "$(row "$U2" | cut -d' ' -f1)" delivered

U3=$(newuuid)
enqueue "$U3" waste-services streetlight
fault '{"fault": "400", "errors": ["fault: not a fault we know", "address_string: not in the area"], "method": "POST"}'
drain "$NOW"
eq "400 with an Open311 error array: dead" "$out" "delivered 0 retried 0 dead 1"
eq "... with the first error's code as the reason, not its description" "$(row "$U3")" "dead 1  | HTTP 400: 400"
eq "... and nothing was stored" "$(stored "$U3" 'len(r)')" 0

U4=$(newuuid)
enqueue "$U4" no-such-destination streetlight
drain "$NOW"
eq "an unknown destination: kept queued" "$(row "$U4")" "queued 1  | no destination configured"

U5=$(newuuid)
enqueue "$U5" waste-services no-location
drain "$NOW"
eq "a record with no location cannot be Open311: dead with the reason" "$(row "$U5")" \
	"dead 1  | the record has no location (address, UPRN or lat/long) for Open311"

UL=$(newuuid)
enqueue "$UL" waste-services long-notes
drain "$NOW"
eq "a long answer: the description is cut to 4000 characters" \
	"$(stored "$UL" 'len(r[0]["fields"]["description"])')" 4000
expect_match "... at a character boundary" "$(stored "$UL" 'r[0]["fields"]["description"][-3:]')" '^ééé$'

U6=$(newuuid)
enqueue "$U6" waste-services streetlight
fault '{"fault": "accept-then-fail", "method": "POST"}'
drain "$NOW"
eq "accept-then-fail: stored but answered 500, so retried" "$(row "$U6" | cut -d' ' -f1-2)" "queued 1"
drain $((NOW + 100000))
eq "... the resend is delivered" "$(row "$U6" | cut -d' ' -f1)" delivered
eq "... and recognised by its UUID: one row, two attempts" "$(stored "$U6" '[len(r), r[0]["attempts"]]')" "[1, 2]"

U7=$(newuuid)
enqueue "$U7" case-hook missed-bin
fault '{"fault": "accept-then-fail", "path": "/webhook"}'
drain "$NOW"
drain $((NOW + 100000))
eq "webhook accept-then-fail: the 409 duplicate counts as delivered" "$(row "$U7" | cut -d' ' -f1-2)" "delivered 2"
eq "... one row at the back end" "$(stored "$U7" 'len(r)')" 1

U8=$(newuuid)
U9=$(newuuid)
enqueue "$U8" waste-services streetlight
enqueue "$U9" waste-services streetlight
fault '{"fault": "500", "count": 5}'
drain "$NOW"
eq "after a server error the destination is left alone for the drain" "$out" "delivered 0 retried 1 dead 0"
control /_control/clear -X POST
drain $((NOW + 100000))
eq "... and both go on the next" "$out" "delivered 2 retried 0 dead 0"

# ---------------------------------------------------------------------------
# TLS: refused, and not one request byte reaches the server.
for name in expired wrong-host self-signed; do
	U=$(newuuid)
	enqueue "$U" "$name" streetlight
	drain "$NOW"
	# The record, not the drain's counts: an earlier refused record may
	# fall due again in the same second (full jitter can wait 1 s).
	eq "$name certificate: refused, nothing delivered" "$(printf '%s' "$out" | cut -d' ' -f1-2)" "delivered 0"
	eq "... and the record retried" "$(row "$U" | cut -d' ' -f1-2)" "queued 1"
	expect_match "... with curl's reason" "$(row "$U")" '^queued 1  \| curl (60|51|58|35): '
done
for s in expired wrong self; do
	eq "... the $s server received no request byte" "$(counter $s request_bytes) $(counter $s requests)" "0 0"
done

U=$(newuuid)
enqueue "$U" pinned streetlight
drain "$NOW"
eq "a pinned key that matches: delivered" "$(row "$U" | cut -d' ' -f1)" delivered
U=$(newuuid)
enqueue "$U" wrong-pin streetlight
before=$(control /_control/bytes-received; jget "$TMP/control" 'd["request_bytes"]')
drain "$NOW"
expect_match "a pinned key that does not match: refused" "$(row "$U")" '^queued 1  \| curl 90: '
eq "... before any request byte" "$(control /_control/bytes-received; jget "$TMP/control" 'd["request_bytes"]')" "$before"

U=$(newuuid)
enqueue "$U" device streetlight
drain "$NOW"
eq "a device certificate is presented when configured" "$(row "$U" | cut -d' ' -f1)" delivered
UN=$(newuuid)
enqueue "$UN" no-device-cert streetlight
drain "$NOW"
eq "... and without one such a server refuses the connection" "$(row "$UN" | cut -d' ' -f1-2)" "queued 1"
curl -sS --cacert "$CERTS/ca.pem" --cert "$CERTS/client.pem" --key "$CERTS/client.key" \
	-o "$TMP/control" "https://127.0.0.1:$PM/_control/requests"
eq "... which stored only the one with the device's name" \
	"$(jget "$TMP/control" '[(e["uuid"] == "'"$U"'", e["client_cn"]) for e in d]')" \
	'[[true, "hatch-kiosk-0001"]]'
U=$(newuuid)
enqueue "$U" waste-services streetlight
before=$(control /_control/bytes-received; jget "$TMP/control" 'd["requests"]')
drain "$NOW" "waste-services=http://127.0.0.1:$P/open311/v2/"
eq "an http:// URL is refused before any connection" "$(row "$U")" \
	"queued 1  | refused: the destination's URL is not https"
eq "... no request reached the server" "$(control /_control/bytes-received; jget "$TMP/control" 'd["requests"]')" "$before"

# The records refused above stay queued, and would fall due again within a
# minute (full jitter) in the middle of the drains below, whose counts are
# checked exactly: they are put off past any time the tests below drain at.
sqlite3 "$DB" "UPDATE outbox SET next_attempt = 4000000000 WHERE state = 'queued'"

# ---------------------------------------------------------------------------
# The citizen's language reaches the council, so that it can reply in it.
U=$(newuuid)
REC_LANG=cy enqueue "$U" waste-services streetlight
drain "$NOW"
eq "a Welsh submission: delivered" "$(row "$U" | cut -d' ' -f1)" delivered
expect_match "... its description says so first, in words and code" \
	"$(stored "$U" 'r[0]["fields"]["description"]')" '^Preferred language: Welsh \(cy\)'
U=$(newuuid)
enqueue "$U" waste-services streetlight
drain "$NOW"
expect_no_match "an English one says nothing of language" \
	"$(stored "$U" 'r[0]["fields"]["description"]')" 'Preferred language'

# ---------------------------------------------------------------------------
# hatch sync.
run sync --once --config "$CONF" --db "$DB"
expect_status "hatch sync --once exits 0" 0
expect_match "... and prints the counts" "$out" '^delivered [0-9]+, retried [0-9]+, dead [0-9]+$'
expect_no_match "... and nothing a citizen typed" "$out$err" 'Alex|alex@|High Street'
run sync --frobnicate
expect_status "hatch sync with an unknown option exits 2" 2
expect_lines "... with one line on stderr" "$err" 1
run sync --help
expect_status "hatch sync --help exits 0" 0
expect_match "... and prints its usage" "$out" '^Usage: hatch sync'

# ---------------------------------------------------------------------------
# The remaining faults, each on records of an outbox of their own so that
# the counts are theirs alone. Faults are for POSTs of requests only, so
# that the GET of a service definition is not the one hit.
DB="$TMP/faults.db"
POST_REQ='"method": "POST", "path": "/open311/v2/requests"'
posts() { # posts UUID: how many POSTs carrying UUID the back end has seen
	control /_control/log
	jget "$TMP/control" "len([e for e in d if e['method'] == 'POST' and e['uuid'] == '$1'])"
}
check_lt() { if [ "$2" -lt "$3" ]; then ok "$1"; else not_ok "$1" "$2 >= $3"; fi; }
# timed CMD...: runs CMD with its standard output in $out and status in
# $status, and sets $secs (wall-clock, whole seconds) and $rss_kb (the
# largest resident set it had, from wait4).
timed() {
	local r
	r=$("$PY" -c 'import os, sys, time
t = time.monotonic()
with open(sys.argv[1], "wb") as f:
    pid = os.fork()
    if pid == 0:
        os.dup2(f.fileno(), 1)
        os.execvp(sys.argv[2], sys.argv[2:])
    _, st, ru = os.wait4(pid, 0)
print(int(time.monotonic() - t), ru.ru_maxrss, os.waitstatus_to_exitcode(st))' "$TMP/timed.out" "$@" \
		2>"$TMP/timed.err")
	read -r secs rss_kb status <<<"$r"
	out=$(cat "$TMP/timed.out")
}

# 429 with Retry-After, in seconds and as an HTTP date.
U=$(newuuid)
enqueue "$U" waste-services streetlight
fault '{"fault": "429", "retry_after": 300, '"$POST_REQ"'}'
drain "$NOW"
eq "429 with Retry-After in seconds: retried" "$out" "delivered 0 retried 1 dead 0"
expect_match "... with the status as the reason" "$(row "$U")" '^queued 1  \| HTTP 429'
na=$(next_attempt "$U")
check_ge "... not before the Retry-After" "$na" $((NOW + 300))
drain $((na - 1))
eq "... a second before it, nothing is sent" "$out $(posts "$U")" "delivered 0 retried 0 dead 0 1"
drain "$na"
eq "... when it is due, it is delivered" "$out" "delivered 1 retried 0 dead 0"
eq "... once, in two POSTs" "$(stored "$U" '[len(r), r[0]["attempts"]]') $(posts "$U")" "[1, 1] 2"

U=$(newuuid)
enqueue "$U" waste-services streetlight
fault '{"fault": "429-date", "retry_after": 900, '"$POST_REQ"'}'
drain "$NOW"
eq "429 with Retry-After as an HTTP date: retried" "$out" "delivered 0 retried 1 dead 0"
na=$(next_attempt "$U")
# The date is the back end's clock plus 900 s, in whole seconds.
check_ge "... not before the date" "$na" $((NOW + 890))
drain $((na - 1))
eq "... a second before it, nothing is sent" "$out $(posts "$U")" "delivered 0 retried 0 dead 0 1"
drain "$na"
eq "... at the date, delivered once" "$out $(stored "$U" 'len(r)')" "delivered 1 retried 0 dead 0 1"

# A slow trickle. libcurl gives up on a transfer that stays under 100
# bytes a second for 20 seconds (CURLOPT_LOW_SPEED_LIMIT, _TIME in
# src/sync/http.c): an answer that trickles in within that is read and the
# record delivered; one slower than that is abandoned, well before the
# 60-second limit on the whole transfer, and the record retried. The back
# end had stored it before the trickle, so the resend is recognised.
U=$(newuuid)
enqueue "$U" waste-services streetlight
fault '{"fault": "slow", "interval": 0.02, '"$POST_REQ"'}'
timed $RUNNER "$TOOL" drain "$CONF" "$DB" "$NOW"
eq "an answer trickled at 50 bytes a second for two seconds is read: delivered" "$out" \
	"delivered 1 retried 0 dead 0"
check_ge "... having waited for it" "$secs" 1
eq "... once" "$(stored "$U" '[len(r), r[0]["attempts"]]')" "[1, 1]"
U=$(newuuid)
enqueue "$U" waste-services streetlight
fault '{"fault": "slow", "interval": 1.0, '"$POST_REQ"'}'
timed $RUNNER "$TOOL" drain "$CONF" "$DB" "$NOW"
eq "an answer trickled at a byte a second is abandoned: retried" "$out" \
	"delivered 0 retried 1 dead 0"
expect_match "... as a timeout (curl 28)" "$(row "$U")" '^queued 1  \| curl 28: '
check_ge "... after the low-speed time of 20 s" "$secs" 19
check_lt "... not the 60 s limit on the whole transfer" "$secs" 45
drain $((NOW + 100000))
eq "... the resend is delivered" "$out" "delivered 1 retried 0 dead 0"
eq "... and recognised by its UUID: one row, two attempts" \
	"$(stored "$U" '[len(r), r[0]["attempts"], r[0]["mismatches"]]')" "[1, 2, 0]"

# A connection reset halfway through the answer's body, after the back end
# stored the request: retried, then delivered once.
U=$(newuuid)
enqueue "$U" waste-services missed-bin
fault '{"fault": "reset", '"$POST_REQ"'}'
drain "$NOW"
eq "a reset in the middle of the answer (TCP RST): retried" "$out" "delivered 0 retried 1 dead 0"
expect_match "... with curl's reason" "$(row "$U")" '^queued 1  \| curl (56|18): '
drain $((NOW + 100000))
eq "... the resend is delivered" "$out" "delivered 1 retried 0 dead 0"
expect_match "... with the id the first attempt was given" "$(row "$U")" \
	"^delivered 2 $(stored "$U" 'r[0]["id"]') \\| \$"
eq "... once: one row, two attempts" "$(stored "$U" '[len(r), r[0]["attempts"]]')" "[1, 2]"
U=$(newuuid)
enqueue "$U" case-hook missed-bin
fault '{"fault": "reset", "close": "fin", "path": "/webhook"}'
drain "$NOW"
eq "the webhook's answer cut short by a plain close: retried" "$out" "delivered 0 retried 1 dead 0"
expect_match "... with curl's reason" "$(row "$U")" '^queued 1  \| curl (18|56): '
drain $((NOW + 100000))
eq "... the resend is answered 409 and counts as delivered" "$(row "$U" | cut -d' ' -f1-2)" \
	"delivered 2"
eq "... one row at the back end" "$(stored "$U" '[len(r), r[0]["attempts"]]')" "[1, 2]"

# A 1 GiB answer. The cap on an answer (64 KiB) ends the transfer: with a
# Content-Length, as soon as the headers say so; chunked, after 64 KiB. The
# record is retried (the back end may or may not have it: a resend is safe)
# and the rest is never read: the drain ends in seconds, its memory stays
# small, and the back end sees the connection go while it is still sending.
huge_status() { # huge_status UUID: the statuses logged for the huge fault's POSTs of UUID
	control /_control/log
	jget "$TMP/control" "[e['status'] for e in d if e['fault'] == 'huge' and e['uuid'] == '$1']"
}
for chunked in false true; do
	U=$(newuuid)
	enqueue "$U" waste-services streetlight
	fault '{"fault": "huge", "chunked": '$chunked', '"$POST_REQ"'}'
	timed $RUNNER "$TOOL" drain "$CONF" "$DB" "$NOW"
	eq "a 1 GiB answer (chunked: $chunked): retried" "$out" "delivered 0 retried 1 dead 0"
	eq "... because it is larger than the cap" "$(row "$U")" \
		"queued 1  | the answer was larger than 65536 bytes"
	check_lt "... within seconds ($secs s)" "$secs" 10
	check_lt "... in bounded memory ($rss_kb KiB)" "$rss_kb" 131072
	# The back end logs the request when its handler ends: with no status
	# when the connection went while it was sending.
	for _ in $(seq 100); do
		[ "$(huge_status "$U")" != "[]" ] && break
		sleep 0.1
	done
	eq "... the back end could not send it to the end" "$(huge_status "$U")" "[null]"
	drain $((NOW + 100000))
	eq "... then delivered once" "$out $(stored "$U" 'len(r)')" "delivered 1 retried 0 dead 0 1"
done

# A redirect is never followed: not to a plain http:// URL, where a
# listener on loopback counts every byte it is sent, nor even to an https
# one on the same back end, which would store the request.
mkdir -p "$TMP/plain"
"$PY" -c 'import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
def note(conns, total):
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d %d\n" % (conns, total))
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
conns = total = 0
note(conns, total)
print("listening %d" % s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    conns += 1
    note(conns, total)
    c.settimeout(5)
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            total += len(b)
            note(conns, total)
    except OSError:
        pass
    c.close()' "$TMP/plain/counts" >"$TMP/plain/stdout" 2>"$TMP/plain/stderr" &
PIDS="$PIDS $!"
PH=$(port plain) || bail "the plain http listener starts"
for code in 301 302 303 307 308; do
	U=$(newuuid)
	enqueue "$U" waste-services streetlight
	fault '{"fault": "redirect", "status": '$code', "location": "http://127.0.0.1:'"$PH"'/open311/v2/requests.json", '"$POST_REQ"'}'
	drain "$NOW"
	eq "a $code redirect to http:// is not followed: retried (3xx is transient)" "$out" \
		"delivered 0 retried 1 dead 0"
	expect_match "... with the status as the reason" "$(row "$U")" "^queued 1  \\| HTTP $code"
	drain $((NOW + 100000))
	eq "... and delivered once when the back end answers again" \
		"$out $(stored "$U" 'len(r)')" "delivered 1 retried 0 dead 0 1"
done
eq "the http:// listener was never connected to: no byte received" "$(cat "$TMP/plain/counts")" "0 0"
curl -sS --max-time 2 -o /dev/null -d probe "http://127.0.0.1:$PH/" 2>/dev/null
for _ in $(seq 50); do
	[ "$(cut -d' ' -f1 "$TMP/plain/counts")" = 1 ] && break
	sleep 0.1
done
expect_match "... though it counts what does reach it (curl's request)" "$(cat "$TMP/plain/counts")" \
	'^1 [1-9][0-9]*$'
U=$(newuuid)
enqueue "$U" waste-services streetlight
fault '{"fault": "redirect", "status": 307, "location": "'"$MAIN"'/open311/v2/requests.json", '"$POST_REQ"'}'
drain "$NOW"
eq "a 307 to the back end's own https:// URL is not followed either" \
	"$out $(stored "$U" 'len(r)') $(posts "$U")" "delivered 0 retried 1 dead 0 0 1"

finish
