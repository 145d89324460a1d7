# The reference council back end (tests/backend/) that the delivery tests
# start on loopback: Open311 GeoReport v2 and the JSON webhook over HTTPS,
# its storage by submission UUID, its faults and control API, the test
# certificates (expired, wrong host, self-signed: refused with no request
# byte received; device certificates), driven with curl. Its JSON and XML
# answers are checked against the shared Open311 schemas at the end.
# Starts and stops its own servers; needs no hatch binary.
. "$TOP/tests/cli/lib.sh"
PY=/usr/bin/python3
BK="$TOP/tests/backend"
CERTS="$TMP/certs"
A="$TMP/answers" # every answer, kept for the schema checks at the end
mkdir -p "$A"
API_KEY="kiosk-test-key-7"
SECRET="webhook-test-secret-7"
PIDS=""

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# The shared specifications, where this checkout has them.
SPECS=""
for d in "${HATCH_OPEN311_SPECS:-}" "$TOP/specs/open311-georeport-v2" \
	"$TOP/docs/specs/open311-georeport-v2" "$TOP/../shared/specs/open311-georeport-v2"; do
	if [ -n "$d" ] && [ -f "$d/swagger.json" ]; then
		SPECS=$(cd "$d" && pwd)
		break
	fi
done

# ---------------------------------------------------------------------------
# Helpers.

# check DESC CONDITION-STATUS [DETAIL...]: ok when the status is 0.
check() {
	local desc=$1 st=$2
	shift 2
	if [ "$st" -eq 0 ]; then ok "$desc"; else not_ok "$desc" "$@"; fi
}

# eq DESC GOT WANT
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $(printf '%s' "$2" | head -c 600)" "want: $3"; fi
}

# jget FILE EXPR: evaluates the Python expression EXPR with d = FILE's JSON.
jget() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
v = eval(sys.argv[2])
print(json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list, tuple, bool)) or v is None else v)' "$1" "$2" 2>&1
}

# xget FILE XPATH: the text of the first element at XPATH in an XML file.
xget() {
	"$PY" -c 'import sys, xml.etree.ElementTree as ET
e = ET.parse(sys.argv[1]).getroot().find(sys.argv[2])
print("<none>" if e is None else (e.text or ""))' "$1" "$2" 2>&1
}

newuuid() { cat /proc/sys/kernel/random/uuid; }

# req NAME URL [CURL ARGS...]: fetches URL trusting the test CA. The body
# goes to $A/NAME, the headers to $A/NAME.h; sets $code, $rc, $body, $cerr.
req() {
	local name=$1 url=$2
	shift 2
	curl -sS --max-time 20 --cacert "$CERTS/ca.pem" -o "$A/$name" -D "$A/$name.h" \
		-w '%{http_code}' "$@" "$url" >"$A/$name.code" 2>"$A/$name.err"
	rc=$?
	code=$(cat "$A/$name.code")
	body=$(cat "$A/$name" 2>/dev/null)
	cerr=$(cat "$A/$name.err")
}

# header NAME FIELD: a header of the answer saved as NAME.
header() { tr -d '\r' <"$A/$1.h" | sed -n "s/^$2: //Ip" | tail -n 1; }

# post311 NAME FORMAT FIELD=VALUE...: POST requests.FORMAT, form-encoded
# (each value URL-encoded) as the specification says.
post311() {
	local name=$1 fmt=$2 f
	shift 2
	local args=()
	for f in "$@"; do args+=(--data-urlencode "$f"); done
	req "$name" "$O/requests.$fmt" \
		-H 'Content-Type: application/x-www-form-urlencoded; charset=utf-8' "${args[@]}"
}

# control PATH [JSON]: GET (or, with JSON, POST) a control endpoint of the
# main server into $A/control.
control() {
	if [ $# -gt 1 ]; then
		req control "$MAIN$1" -H 'Content-Type: application/json' --data-binary "$2"
	else
		req control "$MAIN$1"
	fi
}
fault() { control /_control "$1"; }

# stored UUID EXPR: EXPR over the control API's entry for UUID (e).
stored() {
	req stored "$MAIN/_control/requests?uuid=$1"
	jget "$A/stored" "(lambda e: $2)(d[0]) if len(d) == 1 else 'rows: %d' % len(d)"
}

# sign FILE [SECRET]: the X-Hatch-Signature value for FILE's bytes.
sign() { echo "sha256=$(openssl dgst -sha256 -hmac "${2:-$SECRET}" -r <"$1" | cut -d' ' -f1)"; }

# record UUID [REFERENCE]: a canonical submission record.
record() {
	"$PY" -c 'import json, random, sys
alpha = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"
ref = sys.argv[2] if len(sys.argv) > 2 else None
if not ref:
    d = [random.choice(alpha[:32]) for _ in range(8)]
    v = 0
    for c in d:
        v = v * 32 + alpha.index(c)
    ref = "".join(d[:4]) + "-" + "".join(d[4:]) + "-" + alpha[v % 37]
rec = {"answers": [{"id": "bin", "label": "General rubbish",
                    "question": "Which bin was not collected?", "value": "refuse"},
                   {"id": "address", "question": "Where?",
                    "value": {"line1": "12 High Street", "line2": "", "town": "Exampleton",
                              "postcode": "AB1 0AA"}}],
       "channel": "self-service", "created": "2026-11-21T10:04:05Z",
       "destination": "waste-services", "journey": {"id": "missed-bin", "version": 1},
       "language": "cy", "reference": ref, "uuid": sys.argv[1]}
sys.stdout.write(json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False))' "$@"
}

# hook NAME FILE: POSTs FILE to the webhook as application/json, signed,
# with the record's uuid as Idempotency-Key. HOOK_SIG, HOOK_KEY and
# HOOK_CTYPE replace those headers; set to "" they leave them out.
hook() {
	local name=$1 file=$2 h=()
	local key=${HOOK_KEY-$(jget "$file" 'd["uuid"]' 2>/dev/null)}
	local sig=${HOOK_SIG-$(sign "$file")} ctype=${HOOK_CTYPE-application/json}
	[ -n "$ctype" ] && h+=(-H "Content-Type: $ctype")
	[ -n "$key" ] && h+=(-H "Idempotency-Key: $key")
	[ -n "$sig" ] && h+=(-H "X-Hatch-Signature: $sig")
	req "$name" "$MAIN/webhook" "${h[@]}" --data-binary "@$file"
}

# start NAME CERT [ARGS...]: starts a back end with CERT.pem/CERT.key.
start() {
	local name=$1 cert=$2
	shift 2
	mkdir -p "$TMP/$name"
	"$PY" "$BK/backend.py" --port 0 --cert "$CERTS/$cert.pem" --key "$CERTS/$cert.key" \
		--db "$TMP/$name/db.sqlite" --state-dir "$TMP/$name/state" \
		--api-key "$API_KEY" --webhook-secret "$SECRET" ${SPECS:+--spec-dir "$SPECS"} "$@" \
		>"$TMP/$name/stdout" 2>"$TMP/$name/stderr" &
	echo $! >"$TMP/$name/pid"
	PIDS="$PIDS $!"
}

# port NAME: waits up to 10 s for "listening PORT" and prints PORT.
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

# counter NAME KEY: a counter from NAME's state directory.
counter() { jget "$TMP/$1/state/counters.json" "d['$2']"; }

# wait_failures NAME: waits up to 2 s for a failed TLS handshake.
wait_failures() {
	local i
	for i in $(seq 40); do
		[ "$(counter "$1" tls_failures)" -ge 1 ] 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

bail() {
	not_ok "$1" "stderr: $(cat "$TMP"/*/stderr 2>/dev/null | head -c 800)"
	echo "Bail out! $1"
	finish
	exit 1
}

# ---------------------------------------------------------------------------
# Certificates.

sh "$BK/make-certs.sh" "$CERTS" >"$TMP/make-certs.out" 2>&1
check "make-certs.sh runs" $? "$(head -c 800 "$TMP/make-certs.out")"
missing=""
for f in ca server expired notyet wrong-host self-signed client-ca client client-other; do
	[ -s "$CERTS/$f.pem" ] && [ -s "$CERTS/$f.key" ] || missing="$missing $f"
done
eq "make-certs.sh writes every key and certificate" "$missing" ""
eq "private keys are readable by their owner only" \
	"$(stat -c %a "$CERTS"/*.key | sort -u | tr '\n' ' ')" "600 "
san=$(openssl x509 -in "$CERTS/server.pem" -noout -ext subjectAltName 2>&1)
expect_match "the server certificate names 127.0.0.1 and localhost" "$san" \
	'IP Address:127\.0\.0\.1, DNS:localhost'
v=$(openssl verify -CAfile "$CERTS/ca.pem" "$CERTS/server.pem" 2>&1)
expect_match "the server certificate chains to the test CA" "$v" ': OK$'
v=$(openssl verify -CAfile "$CERTS/ca.pem" "$CERTS/expired.pem" 2>&1)
expect_match "the expired certificate is signed by the CA but expired" "$v" 'certificate has expired'
san=$(openssl x509 -in "$CERTS/wrong-host.pem" -noout -ext subjectAltName 2>&1)
expect_match "the wrong-host certificate names only wrong.example" "$(echo "$san" | tail -n 1)" \
	'^ *DNS:wrong\.example$'
v=$(openssl verify -CAfile "$CERTS/ca.pem" "$CERTS/self-signed.pem" 2>&1)
expect_match "the self-signed certificate does not chain to the CA" "$v" 'self-signed certificate'
v=$(openssl verify -CAfile "$CERTS/client-ca.pem" "$CERTS/client.pem" 2>&1)
expect_match "the device certificate chains to the device CA" "$v" ': OK$'
v=$(openssl x509 -in "$CERTS/client.pem" -noout -ext extendedKeyUsage 2>&1)
expect_match "the device certificate is for client authentication" "$v" 'TLS Web Client Authentication'
keys=$(cd "$BK" && { grep -rl -- '-----BEGIN [A-Z ]*PRIVATE KEY' . ; ls ./*.pem ./*.key 2>/dev/null; })
eq "no key or certificate is kept under tests/backend/" "$keys" ""

# ---------------------------------------------------------------------------
# The servers: the main one, one per bad certificate, one asking for
# device certificates.

start main server
start expired expired
start notyet notyet
start wrong wrong-host
start self self-signed
start mtls server --client-ca "$CERTS/client-ca.pem"
P=$(port main) || bail "the back end starts and prints 'listening PORT'"
ok "the back end starts and prints 'listening PORT'"
MAIN="https://127.0.0.1:$P"
O="$MAIN/open311/v2"
eq "the port is also written to the state directory" "$(cat "$TMP/main/state/port")" "$P"
for s in expired notyet wrong self mtls; do
	port "$s" >/dev/null || bail "the $s back end starts"
done
ok "a back end starts with each of the other certificates"

# ---------------------------------------------------------------------------
# Open311: discovery and services.

req discovery.json "$O/discovery.json"
eq "discovery.json answers 200" "$code" 200
eq "discovery lists this endpoint" "$(jget "$A/discovery.json" 'd["endpoints"][0]["url"]')" "$O"

req services.json "$O/services.json"
eq "services.json answers 200" "$code" 200
expect_match "services.json is JSON" "$(header services.json Content-Type)" '^application/json'
eq "services.json lists a realtime, a batch and a blackbox service" \
	"$(jget "$A/services.json" '[(s["service_code"], s["type"]) for s in d]')" \
	'[["missed-bin", "realtime"], ["fly-tipping", "batch"], ["streetlight", "blackbox"]]'
eq "every service has a group, keywords and metadata true" \
	"$(jget "$A/services.json" 'all(s["group"] and s["keywords"] and s["metadata"] is True for s in d)')" true
req services.xml "$O/services.xml"
eq "services.xml answers 200" "$code" 200
expect_match "services.xml is XML" "$(header services.xml Content-Type)" '^text/xml'
eq "services.xml has <services><service> with codes" "$(xget "$A/services.xml" 'service[3]/service_code')" streetlight
eq "services.xml writes booleans as true/false" "$(xget "$A/services.xml" 'service/metadata')" true

req def-missed-bin.json "$O/services/missed-bin.json"
eq "services/missed-bin.json answers 200" "$code" 200
eq "the definition uses every datatype" \
	"$(jget "$A/def-missed-bin.json" 'sorted({a["datatype"] for a in d["attributes"]})')" \
	'["datetime", "multivaluelist", "number", "singlevaluelist", "string", "text"]'
eq "one attribute is not variable" \
	"$(jget "$A/def-missed-bin.json" '[a["code"] for a in d["attributes"] if not a["variable"]]')" \
	'["collection_info"]'
eq "list attributes carry values, others none" \
	"$(jget "$A/def-missed-bin.json" 'all(bool(a.get("values")) == a["datatype"].endswith("valuelist") for a in d["attributes"])')" true
eq "attributes come in order with required flags and descriptions" \
	"$(jget "$A/def-missed-bin.json" '[a["order"] for a in d["attributes"]] == sorted(a["order"] for a in d["attributes"]) and all(isinstance(a["required"], bool) and a["description"] for a in d["attributes"])')" true
req def-fly-tipping.xml "$O/services/fly-tipping.xml"
eq "services/fly-tipping.xml answers 200" "$code" 200
eq "the XML definition lists values as <values><value><key>" \
	"$(xget "$A/def-fly-tipping.xml" 'attributes/attribute/values/value/key')" household
req def-streetlight.json "$O/services/streetlight.json"
eq "services/streetlight.json answers 200" "$code" 200
req err-unknown-service.json "$O/services/potholes.json"
eq "an unknown service definition answers 404" "$code" 404
eq "... with an Open311 error array" "$(jget "$A/err-unknown-service.json" 'd[0]["code"]')" 404
req err-unknown-service.xml "$O/services/potholes.xml"
eq "... or <errors><error> in XML" "$(xget "$A/err-unknown-service.xml" 'error/code')" 404
req err-nope.json "$O/nonsense.json"
eq "an unknown resource answers 404" "$code" 404
req err-method.json "$O/services.json" -X POST -d x=1
eq "POST to services.json answers 405" "$code" 405

# ---------------------------------------------------------------------------
# Open311: creating requests.

K="api_key=$API_KEY"
MB=(service_code=missed-bin lat=51.5074 long=-0.1278 'attribute[bins][]=refuse'
	'attribute[bins][]=recycling' 'attribute[collection_date]=2026-11-20T07:00:00Z'
	'attribute[number_of_bins]=2' 'attribute[reason]=blocked' 'attribute[uprn]=100023336956'
	'attribute[notes]=Left by the gate, as usual. <3' 'description=Both bins missed again — second week'
	email=resident@example.org first_name=Ann last_name=Other phone=07700900982
	device_id=hatch-kiosk-0001 media_url=https://council.example/m/1.jpg)

U1=$(newuuid)
post311 post-realtime.json json "$K" "${MB[@]}" "attribute[submission_uuid]=$U1"
eq "POST requests.json (realtime) answers 200" "$code" 200
ID1=$(jget "$A/post-realtime.json" 'd[0]["service_request_id"]')
expect_match "... with a service_request_id string" "$ID1" '^SR-[0-9]+$'
eq "... a service_notice and no token" \
	"$(jget "$A/post-realtime.json" 'bool(d[0]["service_notice"]) and "token" not in d[0]')" true
eq "the request is stored with its fields" "$(stored "$U1" '(e["kind"], e["service_code"], e["id"], e["fields"]["email"])')" \
	"[\"open311\", \"missed-bin\", \"$ID1\", \"resident@example.org\"]"
eq "a multivaluelist arrives as a list" "$(stored "$U1" 'e["fields"]["attributes"]["bins"]')" '["refuse", "recycling"]'
eq "the form arrived UTF-8 decoded" "$(stored "$U1" 'e["fields"]["description"]')" 'Both bins missed again — second week'

req get-request.json "$O/requests/$ID1.json"
eq "GET requests/ID.json answers 200" "$code" 200
eq "... with the stored request" \
	"$(jget "$A/get-request.json" '(d[0]["service_request_id"], d[0]["service_code"], d[0]["lat"], d[0]["status"])')" \
	"[\"$ID1\", \"missed-bin\", 51.5074, \"open\"]"
req get-request.xml "$O/requests/$ID1.xml"
eq "GET requests/ID.xml answers <service_requests><request>" \
	"$(xget "$A/get-request.xml" 'request/service_request_id')" "$ID1"
req requests-list.json "$O/requests.json?service_code=missed-bin"
eq "GET requests.json lists it" "$(jget "$A/requests-list.json" '[r["service_request_id"] for r in d]')" "[\"$ID1\"]"
req err-no-request.json "$O/requests/SR-999999.json"
eq "an unknown request answers 404" "$code" 404

post311 post-resend.json json "$K" "${MB[@]}" "attribute[submission_uuid]=$U1"
eq "a resend of a known submission_uuid answers 200" "$code" 200
eq "... with the same service_request_id" "$(jget "$A/post-resend.json" 'd[0]["service_request_id"]')" "$ID1"
eq "... and no second row (attempts 2, body unchanged)" \
	"$(stored "$U1" '(e["attempts"], e["mismatches"])')" '[2, 0]'

U2=$(newuuid)
post311 post-realtime.xml xml "$K" "${MB[@]}" "attribute[submission_uuid]=$U2"
eq "POST requests.xml answers 200" "$code" 200
expect_match "... as XML" "$(header post-realtime.xml Content-Type)" '^text/xml'
ID2=$(xget "$A/post-realtime.xml" 'request/service_request_id')
expect_match "... <service_requests><request><service_request_id>" "$ID2" '^SR-[0-9]+$'

# Ten copies of one new submission at once: one row, one id.
U3=$(newuuid)
cpids=()
for i in $(seq 10); do
	post311 "post-race-$i.json" json "$K" "${MB[@]}" "attribute[submission_uuid]=$U3" &
	cpids+=($!)
done
wait "${cpids[@]}"
ids=$(for i in $(seq 10); do jget "$A/post-race-$i.json" 'd[0]["service_request_id"]'; done | sort -u)
expect_lines "ten concurrent sends of one uuid get one id" "$ids" 1
eq "... and one row that counts ten attempts" "$(stored "$U3" 'e["attempts"]')" 10

# Batch: a token, exchanged for the id on the second poll.
UB=$(newuuid)
post311 post-batch.json json "$K" service_code=fly-tipping 'address_string=Back lane behind 12 High Street' \
	'attribute[waste_type][]=furniture' 'attribute[waste_type][]=tyres' 'attribute[size]=van' \
	"attribute[submission_uuid]=$UB"
eq "POST a batch service answers 200" "$code" 200
TOK=$(jget "$A/post-batch.json" 'd[0]["token"]')
eq "... with a token and no service_request_id" \
	"$(jget "$A/post-batch.json" 'bool(d[0]["token"]) and "service_request_id" not in d[0]')" true
req token-1.json "$O/tokens/$TOK.json"
eq "the first token poll answers 200" "$code" 200
eq "... with the token but no id yet" "$(jget "$A/token-1.json" 'd')" "[{\"token\": \"$TOK\"}]"
req token-2.json "$O/tokens/$TOK.json"
IDB=$(jget "$A/token-2.json" 'd[0].get("service_request_id")')
expect_match "the second poll gives the service_request_id" "$IDB" '^SR-[0-9]+$'
eq "... beside the token" "$(jget "$A/token-2.json" 'd[0]["token"]')" "$TOK"
req token-3.xml "$O/tokens/$TOK.xml"
eq "tokens/T.xml gives the id in XML" "$(xget "$A/token-3.xml" 'request/service_request_id')" "$IDB"
req get-batch.json "$O/requests/$IDB.json"
eq "the batch request is readable once its id is known" "$code" 200
post311 post-batch-resend.json json "$K" service_code=fly-tipping 'address_string=Back lane behind 12 High Street' \
	'attribute[waste_type][]=furniture' 'attribute[waste_type][]=tyres' 'attribute[size]=van' \
	"attribute[submission_uuid]=$UB"
eq "a batch resend gets the same token" "$(jget "$A/post-batch-resend.json" 'd[0]["token"]')" "$TOK"
req err-token.json "$O/tokens/tk-nothing.json"
eq "an unknown token answers 404" "$code" 404

# Blackbox: a notice only.
UX=$(newuuid)
post311 post-blackbox.json json "$K" service_code=streetlight address_id=100023336956 \
	'attribute[fault]=out' 'attribute[column_number]=L42' 'attribute[fault_since]=2026-11-19T18:30:00+00:00' \
	account_id=acct-17 "attribute[submission_uuid]=$UX"
eq "POST a blackbox service answers 200" "$code" 200
eq "... with a service_notice, no id and no token" \
	"$(jget "$A/post-blackbox.json" 'bool(d[0]["service_notice"]) and "service_request_id" not in d[0] and "token" not in d[0]')" true
eq "... and the account_id echoed" "$(jget "$A/post-blackbox.json" 'd[0]["account_id"]')" acct-17
eq "the blackbox request is stored" "$(stored "$UX" 'e["service_code"]')" streetlight

# What a back end refuses.
rows_before=$(control /_control/requests; jget "$A/control" 'len(d)')
U=$(newuuid)
OK=(service_code=missed-bin address_string='12 High Street' 'attribute[bins][]=refuse'
	'attribute[collection_date]=2026-11-20T07:00:00+00:00')
post311 err-key.json json api_key=wrong "${OK[@]}" "attribute[submission_uuid]=$U"
eq "a wrong api_key answers 403" "$code" 403
eq "... with an Open311 error array" "$(jget "$A/err-key.json" 'd[0]["code"]')" 403
post311 err-nokey.json json "${OK[@]}" "attribute[submission_uuid]=$U"
eq "a missing api_key answers 403" "$code" 403
post311 err-service.json json "$K" service_code=potholes address_string=x "attribute[submission_uuid]=$U"
eq "an unknown service_code answers 404" "$code" 404
post311 err-noservice.json json "$K" address_string=x "attribute[submission_uuid]=$U"
eq "a missing service_code answers 400" "$code" 400
expect_match "... naming service_code" "$body" 'service_code: required'
post311 err-noloc.json json "$K" service_code=missed-bin 'attribute[bins][]=refuse' \
	'attribute[collection_date]=2026-11-20T07:00:00Z' "attribute[submission_uuid]=$U"
eq "no location answers 400" "$code" 400
expect_match "... saying a location is required" "$body" 'location is required'
post311 err-latonly.json json "$K" "${OK[@]}" lat=51.5 "attribute[submission_uuid]=$U"
eq "lat without long answers 400" "$code" 400
post311 err-lat.json json "$K" "${OK[@]}" lat=north long=1 "attribute[submission_uuid]=$U"
eq "a lat that is not a number answers 400" "$code" 400
long4001=$(printf 'a%.0s' $(seq 4001))
post311 err-desc.json json "$K" "${OK[@]}" "description=$long4001" "attribute[submission_uuid]=$U"
eq "a description of 4001 characters answers 400" "$code" 400
expect_match "... saying at most 4000" "$body" 'at most 4000'
wide4000=$(printf 'é%.0s' $(seq 4000))
U4=$(newuuid)
post311 post-desc4000.json json "$K" "${OK[@]}" "description=$wide4000" "attribute[submission_uuid]=$U4"
eq "4000 two-byte characters are within the limit (characters, not bytes)" "$code" 200
post311 err-nouuid.json json "$K" "${OK[@]}"
eq "no attribute[submission_uuid] answers 400" "$code" 400
expect_match "... naming it" "$body" 'submission_uuid'
post311 err-baduuid.json json "$K" "${OK[@]}" 'attribute[submission_uuid]=12345'
eq "a submission_uuid that is not a UUID answers 400" "$code" 400
post311 err-param.json json "$K" "${OK[@]}" colour=red "attribute[submission_uuid]=$U"
eq "a parameter GeoReport v2 does not know answers 400" "$code" 400
expect_match "... naming it" "$body" 'colour: not a GeoReport v2 parameter'
post311 err-twice.json json "$K" "${OK[@]}" email=a@example.org email=b@example.org "attribute[submission_uuid]=$U"
eq "a parameter given twice answers 400" "$code" 400
req err-query.json "$O/requests.json?api_key=$API_KEY&service_code=missed-bin" \
	-H 'Content-Type: application/x-www-form-urlencoded; charset=utf-8' --data-urlencode "attribute[submission_uuid]=$U"
eq "parameters in the URL (not the form body) answer 400" "$code" 400
req err-ctype.json "$O/requests.json" -H 'Content-Type: application/json' \
	--data-binary "{\"api_key\":\"$API_KEY\",\"service_code\":\"missed-bin\"}"
eq "a JSON body answers 400" "$code" 400
expect_match "... asking for a form" "$body" 'application/x-www-form-urlencoded'
req err-charset.json "$O/requests.json" -H 'Content-Type: application/x-www-form-urlencoded; charset=iso-8859-1' \
	--data-urlencode "$K" --data-urlencode service_code=missed-bin
eq "a form in another charset answers 400" "$code" 400
post311 err-single.json json "$K" service_code=missed-bin address_string=x 'attribute[bins][]=refuse' \
	'attribute[collection_date]=2026-11-20T07:00:00Z' 'attribute[reason]=aliens' "attribute[submission_uuid]=$U"
eq "a singlevaluelist value not offered answers 400" "$code" 400
post311 err-multi.json json "$K" service_code=missed-bin address_string=x 'attribute[bins]=refuse' \
	'attribute[collection_date]=2026-11-20T07:00:00Z' "attribute[submission_uuid]=$U"
eq "a multivaluelist sent without [] answers 400" "$code" 400
post311 err-required.json json "$K" service_code=missed-bin address_string=x \
	'attribute[collection_date]=2026-11-20T07:00:00Z' "attribute[submission_uuid]=$U"
eq "a required attribute left out answers 400" "$code" 400
expect_match "... naming it" "$body" 'attribute\[bins\]: required'
post311 err-variable.json json "$K" "${OK[@]}" 'attribute[collection_info]=x' "attribute[submission_uuid]=$U"
eq "a value for an attribute that is not variable answers 400" "$code" 400
post311 err-attr.json json "$K" "${OK[@]}" 'attribute[colour]=red' "attribute[submission_uuid]=$U"
eq "an attribute the service does not define answers 400" "$code" 400
post311 err-datetime.json json "$K" service_code=missed-bin address_string=x 'attribute[bins][]=refuse' \
	'attribute[collection_date]=2026-11-20' "attribute[submission_uuid]=$U"
eq "a datetime without time and zone answers 400" "$code" 400
post311 err-number.json json "$K" "${OK[@]}" 'attribute[number_of_bins]=two' "attribute[submission_uuid]=$U"
eq "a number attribute that is not a number answers 400" "$code" 400
post311 err-several.json json "$K" service_code=missed-bin "description=$long4001" 'attribute[reason]=aliens'
eq "several problems at once answer 400" "$code" 400
eq "... with one error each" "$(jget "$A/err-several.json" 'len(d) >= 4 and all(e["code"] == 400 for e in d)')" true
post311 err-several.xml xml "$K" service_code=missed-bin "description=$long4001"
eq "... in XML too" "$(xget "$A/err-several.xml" 'error[2]/code')" 400
post311 err-jurisdiction.json json "$K" "${OK[@]}" jurisdiction_id=elsewhere.example "attribute[submission_uuid]=$U"
eq "another jurisdiction_id answers 404" "$code" 404
control /_control/requests
eq "nothing refused was stored" "$(jget "$A/control" 'len(d)')" "$((rows_before + 1))"
U5=$(newuuid)
post311 post-jurisdiction.json json "$K" "${OK[@]}" jurisdiction_id=council.example "attribute[submission_uuid]=$U5"
eq "the right jurisdiction_id is accepted" "$code" 200

# ---------------------------------------------------------------------------
# The webhook.

W1=$(newuuid)
record "$W1" >"$TMP/rec1.json"
hook hook-ok.json "$TMP/rec1.json"
eq "a signed record answers 201" "$code" 201
eq "... accepted under its idempotency key" "$(jget "$A/hook-ok.json" '(d["status"], d["idempotency_key"])')" \
	"[\"accepted\", \"$W1\"]"
eq "the record is stored byte for byte" "$(stored "$W1" 'e["body"]')" "$(cat "$TMP/rec1.json")"
hook hook-dup.json "$TMP/rec1.json"
eq "the same record again answers 409" "$code" 409
eq "... {error: duplicate, idempotency_key}" "$(jget "$A/hook-dup.json" '(d["error"], d["idempotency_key"])')" \
	"[\"duplicate\", \"$W1\"]"
eq "... and no second row" "$(stored "$W1" 'e["attempts"]')" 2
record "$W1" >"$TMP/rec1b.json" # another reference
hook hook-reuse.json "$TMP/rec1b.json"
eq "a known key with a different body answers 422" "$code" 422
HOOK_SIG=$(sign "$TMP/rec1.json" other-secret) hook hook-badsig.json "$TMP/rec1.json"
eq "a signature made with another secret answers 401" "$code" 401
W2=$(newuuid)
record "$W2" >"$TMP/rec2.json"
HOOK_SIG="" hook hook-nosig.json "$TMP/rec2.json"
eq "no signature answers 401" "$code" 401
HOOK_SIG=$(sign "$TMP/rec2.json" | cut -d= -f2) hook hook-plainsig.json "$TMP/rec2.json"
eq "a signature without sha256= answers 401" "$code" 401
HOOK_KEY="" hook hook-nokey.json "$TMP/rec2.json"
eq "no Idempotency-Key answers 400" "$code" 400
HOOK_KEY=$(newuuid) hook hook-otherkey.json "$TMP/rec2.json"
eq "an Idempotency-Key that is not the record's uuid answers 400" "$code" 400
printf '{"uuid":"%s","answers":[' "$W2" >"$TMP/broken.json"
req hook-malformed.json "$MAIN/webhook" -H 'Content-Type: application/json' -H "Idempotency-Key: $W2" \
	-H "X-Hatch-Signature: $(sign "$TMP/broken.json")" --data-binary "@$TMP/broken.json"
eq "malformed JSON answers 400" "$code" 400
eq "... malformed_json" "$(jget "$A/hook-malformed.json" 'd["error"]')" malformed_json
record "$W2" "K7QM-2D9X-0" >"$TMP/badref.json"
hook hook-invalid.json "$TMP/badref.json"
eq "a record with a bad reference check character answers 400" "$code" 400
eq "... invalid_record" "$(jget "$A/hook-invalid.json" 'd["error"]')" invalid_record
HOOK_CTYPE=text/plain hook hook-ctype.json "$TMP/rec2.json"
eq "a body that is not application/json answers 415" "$code" 415
eq "nothing refused by the webhook was stored" "$(stored "$W2" 'e')" "rows: 0"

# ---------------------------------------------------------------------------
# Faults, switched at run time.

control /_control
eq "GET /_control answers with no faults queued" "$(jget "$A/control" 'd["faults"]')" '[]'
fault '{"fault": "earthquake"}'
eq "an unknown fault answers 400" "$code" 400
fault '{"fault": "500", "count": 0}'
eq "a count below 1 answers 400" "$code" 400

fault '{"fault": "500"}'
eq "POST /_control queues a fault" "$(jget "$A/control" 'd["faults"][0]["fault"]')" 500
U=$(newuuid)
post311 fault-500.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U"
eq "fault 500 answers 500" "$code" 500
eq "... with an Open311 error array" "$(jget "$A/fault-500.json" 'd[0]["code"]')" 500
eq "... and stores nothing" "$(stored "$U" 'e')" "rows: 0"
post311 fault-500-after.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U"
eq "the next request is served normally" "$code" 200

fault '{"fault": "503", "count": 2, "retry_after": 7}'
req fault-503a.json "$O/services.json"
eq "fault 503 answers 503" "$code" 503
eq "... with Retry-After in seconds" "$(header fault-503a.json Retry-After)" 7
req fault-503b.json "$O/services.json"
eq "count 2 applies to the second request too" "$code" 503
req fault-503c.json "$O/services.json"
eq "... and not the third" "$code" 200

fault '{"fault": "503-date", "retry_after": 30}'
req fault-503d.xml "$O/services.xml"
eq "fault 503-date answers 503" "$code" 503
ra=$(header fault-503d.xml Retry-After)
expect_match "... with Retry-After as an HTTP-date" "$ra" '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$'
delta=$(($(date -d "$ra" +%s 2>/dev/null || echo 0) - $(date +%s)))
check "... about 30 s from now" "$([ "$delta" -ge 25 ] && [ "$delta" -le 31 ]; echo $?)" "delta $delta"
eq "... and an <errors> body" "$(xget "$A/fault-503d.xml" 'error/code')" 503

fault '{"fault": "429", "retry_after": 3}'
req fault-429.json "$O/services.json"
eq "fault 429 answers 429 with Retry-After" "$code $(header fault-429.json Retry-After)" "429 3"
fault '{"fault": "429-date"}'
req fault-429d.json "$O/services.json"
expect_match "fault 429-date answers 429 with an HTTP-date" "$code $(header fault-429d.json Retry-After)" '^429 [A-Z][a-z]{2}, '

fault '{"fault": "400"}'
U=$(newuuid)
post311 fault-400.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U"
eq "fault 400 answers 400" "$code" 400
eq "... with several Open311 errors" "$(jget "$A/fault-400.json" 'len(d) >= 2 and all(set(e) == {"code", "description"} for e in d)')" true
fault '{"fault": "400", "path": "/webhook", "errors": ["answers: too few", "created: in the future"]}'
req fault-path.json "$O/services.json"
eq "a fault for /webhook leaves Open311 alone" "$code" 200
W3=$(newuuid)
record "$W3" >"$TMP/rec3.json"
hook fault-400-hook.json "$TMP/rec3.json"
eq "... and hits the webhook: 400 with the problems given" \
	"$code $(jget "$A/fault-400-hook.json" 'd["problems"]')" '400 ["answers: too few", "created: in the future"]'

# Slow trickle: a byte per interval; the request is stored first.
U6=$(newuuid)
fault '{"fault": "slow", "interval": 0.01}'
t0=$(date +%s%N)
post311 fault-slow.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U6"
ms=$((($(date +%s%N) - t0) / 1000000))
eq "fault slow still delivers the whole answer" "$code" 200
len=$(wc -c <"$A/fault-slow.json")
check "... a byte every 10 ms ($len bytes in $ms ms)" "$([ "$ms" -ge $((len * 10 * 8 / 10)) ]; echo $?)"
fault '{"fault": "slow"}'
req fault-slow-1s.json "$O/services.json" --max-time 2.5
eq "fault slow (a byte a second) outlasts a 2.5 s client timeout" "$rc" 28
len=$(wc -c <"$A/fault-slow-1s.json" 2>/dev/null || echo 0)
check "... having sent at most 3 bytes of the body ($len)" "$([ "$len" -ge 1 ] && [ "$len" -le 3 ]; echo $?)"
fault '{"fault": "slow", "what": "all", "interval": 0.001}'
req fault-slow-all.json "$O/services/potholes.json"
eq "fault slow with what=all trickles the headers too, and completes" "$code $rc" "404 0"

# Reset mid-body: half the answer, then a TCP reset; the request is kept.
U7=$(newuuid)
fault '{"fault": "reset"}'
post311 fault-reset.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U7"
eq "fault reset: curl sees the connection reset (56)" "$rc" 56
expect_match "... mid-body" "$cerr" 'reset by peer'
eq "... the request was stored before the answer broke" "$(stored "$U7" 'e["attempts"]')" 1
post311 fault-reset-retry.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U7"
eq "... the retry gets the stored id" "$(jget "$A/fault-reset-retry.json" 'd[0]["service_request_id"]')" \
	"$(stored "$U7" 'e["id"]')"
fault '{"fault": "reset", "close": "fin"}'
req fault-fin.json "$O/services.json"
eq "fault reset with close=fin: curl sees a short body (18)" "$rc" 18
full=$(wc -c <"$A/services.json")
eq "... exactly half of it" "$(wc -c <"$A/fault-fin.json")" "$((full / 2))"

# A 1 GiB answer, streamed.
fault '{"fault": "huge"}'
req fault-huge.json "$O/services.json" --max-filesize 1000000
eq "fault huge: a client with a size limit refuses it up front (63)" "$rc" 63
fault '{"fault": "huge"}'
t0=$(date +%s)
size=$(curl -sS --max-time 40 --cacert "$CERTS/ca.pem" -o /dev/null -w '%{size_download}' "$O/services.json")
eq "fault huge sends 1 GiB" "$size" 1073741824
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$(cat "$TMP/main/pid")/status")
check "... streamed: the server never held it ($((hwm / 1024)) MB peak, $(($(date +%s) - t0)) s)" \
	"$([ "$hwm" -lt 200000 ]; echo $?)"
fault '{"fault": "huge", "chunked": true, "size": 3000000}'
req fault-huge-chunked.json "$O/services.json" --max-filesize 1000000
expect_match "fault huge with chunked=true streams chunks" \
	"$(header fault-huge-chunked.json Transfer-Encoding)" chunked
eq "... with no Content-Length to refuse up front" "$(header fault-huge-chunked.json Content-Length)" ""
eq "... of the size asked for" "$(wc -c <"$A/fault-huge-chunked.json")" 3000000

# Accept then fail: stored, answered 500; the retry is recognised.
U8=$(newuuid)
fault '{"fault": "accept-then-fail"}'
post311 fault-atf.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U8"
eq "fault accept-then-fail answers 500" "$code" 500
IDA=$(stored "$U8" 'e["id"]')
expect_match "... having stored the request" "$IDA" '^SR-'
post311 fault-atf-retry.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U8"
eq "... the retry is recognised: 200 with the same id" \
	"$code $(jget "$A/fault-atf-retry.json" 'd[0]["service_request_id"]')" "200 $IDA"
eq "... one row, two attempts" "$(stored "$U8" 'e["attempts"]')" 2
W4=$(newuuid)
record "$W4" >"$TMP/rec4.json"
fault '{"fault": "accept-then-fail", "path": "/webhook"}'
hook fault-atf-hook.json "$TMP/rec4.json"
eq "accept-then-fail on the webhook answers 500" "$code" 500
hook fault-atf-hook2.json "$TMP/rec4.json"
eq "... and the retry is 409 duplicate (already delivered)" "$code $(jget "$A/fault-atf-hook2.json" 'd["error"]')" "409 duplicate"

fault '{"fault": "drop"}'
req fault-drop.json "$O/services.json"
eq "fault drop closes with no answer (52)" "$rc" 52
fault '{"fault": "hang", "seconds": 3}'
req fault-hang.json "$O/services.json" --max-time 1
eq "fault hang outlasts a client timeout (28)" "$rc" 28

fault '{"faults": [{"fault": "503", "method": "POST"}, {"fault": "500", "method": "POST"}]}'
eq "a list of faults queues them in order" "$(jget "$A/control" '[f["fault"] for f in d["faults"]]')" '["503", "500"]'
req fault-get.json "$O/services.json"
eq "a fault for POST leaves GET alone" "$code" 200
U9=$(newuuid)
post311 fault-q1.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U9"
post311 fault-q2.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U9"
post311 fault-q3.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$U9"
eq "... then POSTs get 503, 500, 200" "$(cat "$A/fault-q1.json.code") $(cat "$A/fault-q2.json.code") $code" "503 500 200"
fault '{"fault": "500", "count": 5}'
control /_control/clear -X POST
control /_control
eq "POST /_control/clear drops queued faults" "$(jget "$A/control" 'd["faults"]')" '[]'
control /_control/log
eq "GET /_control/log lists requests with the fault each met" \
	"$(jget "$A/control" '[e["fault"] for e in d if e["uuid"] == "'"$U9"'"]')" '["503", "500", null]'

# ---------------------------------------------------------------------------
# Request bytes, device certificates and the bad server certificates.

control /_control/bytes-received
b1=$(jget "$A/control" 'd["body_bytes"]')
control /_control/bytes-received
eq "control requests are not counted as request bytes" "$(jget "$A/control" 'd["body_bytes"]')" "$b1"
check "... which counted every body so far ($b1 bytes)" "$([ "$b1" -gt 10000 ]; echo $?)"
eq "counters.json in the state directory says the same" "$(counter main body_bytes)" "$b1"

# tls_refused NAME WANT-EXIT DESC: curl, trusting the test CA, refuses the
# server NAME, which then has received no request byte.
tls_refused() {
	local name=$1 want=$2 desc=$3 p
	p=$(port "$name")
	req "tls-$name" "https://127.0.0.1:$p/open311/v2/requests.json" \
		-H 'Content-Type: application/x-www-form-urlencoded; charset=utf-8' \
		--data-urlencode "$K" --data-urlencode service_code=missed-bin
	eq "curl refuses the $desc certificate (exit $want)" "$rc" "$want"
	eq "... and the server received no request byte" \
		"$(counter "$name" request_bytes) $(counter "$name" requests)" "0 0"
}
tls_refused expired 60 expired
wait_failures expired
expect_match "... the server saw the client's 'certificate expired' alert" \
	"$(counter expired tls_errors)" 'CERTIFICATE_EXPIRED'
tls_refused notyet 60 not-yet-valid
tls_refused wrong 60 wrong-host
expect_match "... for the name it carries" "$cerr" 'no alternative certificate subject name'
tls_refused self 60 self-signed
wait_failures self
expect_match "... the server saw an 'unknown CA' alert" "$(counter self tls_errors)" 'UNKNOWN_CA'
p=$(port expired)
req tls-insecure.json "https://127.0.0.1:$p/open311/v2/services.json" -k
eq "the expired server itself works for a client that checks nothing" "$code" 200
req tls-insecure-bytes.json "https://127.0.0.1:$p/_control/bytes-received" -k
eq "... and counts that request's bytes" "$(jget "$A/tls-insecure-bytes.json" 'd["requests"] == 1 and d["request_bytes"] > 0')" true
req tls-localhost.json "https://localhost:$P/open311/v2/services.json" --resolve "localhost:$P:127.0.0.1"
eq "the server certificate is good for localhost too" "$code" 200

pm=$(port mtls)
M="https://127.0.0.1:$pm"
req mtls-none.json "$M/open311/v2/services.json"
check "with --client-ca, a client without a certificate is refused" "$([ "$rc" -ne 0 ] && [ "$code" = 000 ]; echo $?)" "rc $rc code $code"
wait_failures mtls
expect_match "... in the TLS handshake" "$(counter mtls tls_errors)" 'PEER_DID_NOT_RETURN_A_CERTIFICATE'
req mtls-other.json "$M/open311/v2/services.json" --cert "$CERTS/client-other.pem" --key "$CERTS/client-other.key"
check "... and so is a certificate from another CA" "$([ "$rc" -ne 0 ] && [ "$code" = 000 ]; echo $?)" "rc $rc code $code"
for i in $(seq 40); do [ "$(counter mtls tls_failures)" -ge 2 ] && break; sleep 0.05; done
expect_match "... which the server could not verify" "$(counter mtls tls_errors)" 'CERTIFICATE_VERIFY_FAILED'
eq "... neither sent a request byte" "$(counter mtls request_bytes)" 0
UM=$(newuuid)
req mtls-post.json "$M/open311/v2/requests.json" --cert "$CERTS/client.pem" --key "$CERTS/client.key" \
	-H 'Content-Type: application/x-www-form-urlencoded; charset=utf-8' --data-urlencode "$K" \
	--data-urlencode service_code=streetlight --data-urlencode address_id=1 \
	--data-urlencode 'attribute[fault]=day' --data-urlencode "attribute[submission_uuid]=$UM"
eq "the device certificate is accepted" "$code" 200
req mtls-requests.json "$M/_control/requests" --cert "$CERTS/client.pem" --key "$CERTS/client.key"
eq "... and the device's name is stored with the request" \
	"$(jget "$A/mtls-requests.json" 'd[0]["client_cn"]')" hatch-kiosk-0001

# ---------------------------------------------------------------------------
# Restart on the same database; run-time configuration; reset.

kill "$(cat "$TMP/main/pid")"
wait "$(cat "$TMP/main/pid")"
eq "the back end stops cleanly on SIGTERM" "$?" 0
: >"$TMP/main/stdout"
start main server --token-polls 0
P=$(port main) || bail "the back end restarts on its database"
MAIN="https://127.0.0.1:$P"
O="$MAIN/open311/v2"
post311 post-after-restart.json json "$K" "${MB[@]}" "attribute[submission_uuid]=$U1"
eq "after a restart a resend still gets the first id" "$(jget "$A/post-after-restart.json" 'd[0]["service_request_id"]')" "$ID1"
UB2=$(newuuid)
post311 post-batch0.json json "$K" service_code=fly-tipping address_string=x 'attribute[waste_type][]=other' \
	'attribute[size]=bag' "attribute[submission_uuid]=$UB2"
req token-0.json "$O/tokens/$(jget "$A/post-batch0.json" 'd[0]["token"]').json"
expect_match "with --token-polls 0 the first poll gives the id" "$(jget "$A/token-0.json" 'd[0].get("service_request_id")')" '^SR-'
control /_control/config '{"api_key": "rotated"}'
post311 err-rotated.json json "$K" "${OK[@]}" "attribute[submission_uuid]=$(newuuid)"
eq "POST /_control/config changes the api_key at run time" "$code" 403
control /_control/reset -X POST
control /_control/requests
eq "POST /_control/reset forgets every request" "$(jget "$A/control" 'len(d)')" 0
control /_control/bytes-received
eq "... and zeroes the counters" "$(jget "$A/control" 'd["request_bytes"]')" 0

# ---------------------------------------------------------------------------
# Every answer kept above, against the shared Open311 schemas.

if [ -z "$SPECS" ]; then
	not_ok "answers against the Open311 JSON Schemas: no open311-georeport-v2 specification folder found (docs/specs/)"
else
	checks=()
	add() {
		local schema=$1 f
		shift
		for f in "$@"; do [ -f "$A/$f" ] && checks+=("$schema=$A/$f"); done
	}
	add services.json services.json services.xml
	add 'swagger:Service[]' services.json services.xml
	add service-definition.json def-missed-bin.json def-fly-tipping.xml def-streetlight.json
	add requests.json get-request.json get-request.xml requests-list.json get-batch.json
	add 'swagger:RequestResponse[]' post-realtime.json post-realtime.xml post-resend.json \
		post-batch.json post-blackbox.json post-desc4000.json post-after-restart.json fault-atf-retry.json
	add 'swagger:TokenResponse[]' token-1.json token-2.json token-3.xml token-0.json
	add open311-errors err-unknown-service.json err-unknown-service.xml err-nope.json err-method.json \
		err-no-request.json err-token.json err-key.json err-service.json err-noloc.json err-desc.json \
		err-nouuid.json err-param.json err-ctype.json err-required.json err-several.json err-several.xml \
		err-jurisdiction.json fault-500.json fault-503a.json fault-503d.xml fault-429.json fault-400.json fault-atf.json
	"$PY" "$BK/validate.py" --spec-dir "$SPECS" "${checks[@]}" >"$TMP/validate.out" 2>&1
	vst=$?
	while IFS= read -r line; do
		case "$line" in
		PASS\ *) ok "schema: ${line#PASS "$A"/}" ;;
		FAIL\ *) not_ok "schema: ${line#FAIL "$A"/}" ;;
		esac
	done <"$TMP/validate.out"
	check "validate.py checked ${#checks[@]} answers" \
		"$([ "$(grep -c '^PASS ' "$TMP/validate.out")" -eq ${#checks[@]} ] && [ $vst -eq 0 ]; echo $?)" \
		"$(grep -v '^PASS ' "$TMP/validate.out" | head -n 5)"
	printf '[{"service_request_id": 638344, "status": "open"}]' >"$TMP/numeric-id.json"
	"$PY" "$BK/validate.py" --spec-dir "$SPECS" "requests.json=$TMP/numeric-id.json" >"$TMP/validate-neg.out" 2>&1
	check "validate.py fails an answer with a numeric id and missing fields" \
		"$([ $? -eq 1 ] && grep -q 'is not of type' "$TMP/validate-neg.out"; echo $?)" "$(cat "$TMP/validate-neg.out")"
fi

finish
