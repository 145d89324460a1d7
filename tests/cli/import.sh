# hatch journeys import-open311: the reference back end's services
# (tests/backend/) imported over HTTPS and the journey files checked step by
# step (kinds, required, order, options, hints, attributes that are not
# variable shown as information, not asked); validate accepts them, walk
# walks one, and its record delivered to the back end carries the
# attributes. Edge cases from a small HTTPS file server of our own: a
# service without metadata, attributes out of order and with codes that
# are not step ids. Refused: an http:// URL, a CA that did not sign the
# server, a 404, a body that is not JSON, a malformed definition, an
# oversized body, existing files without --force.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

main_backend
BASE="$MAIN/open311/v2/"

# A static HTTPS server over $TMP/www for answers the back end never gives.
mkdir -p "$TMP/www/v2/services" "$TMP/files"
cat >"$TMP/files.py" <<'PYEOF'
import http.server, ssl, sys
root, cert, key = sys.argv[1:4]
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print("listening %d" % s.server_address[1], flush=True)
s.serve_forever()
PYEOF
"$PY" "$TMP/files.py" "$TMP/www" "$CERTS/server.pem" "$CERTS/server.key" \
	>"$TMP/files/stdout" 2>"$TMP/files/stderr" &
PIDS="$PIDS $!"
F=$(port files) || bail "the file server starts"
FILES="https://127.0.0.1:$F"

# imp ARGS...: the import with the test CA.
imp() { run journeys import-open311 --ca-bundle "$CERTS/ca.pem" "$@"; }
# j FILE EXPR: the Python EXPR over the journey FILE (d), steps by id in s.
j() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
s = {x["id"]: x for x in d["steps"]}
kinds = [x["kind"] for x in d["steps"]]
ids = [x["id"] for x in d["steps"]]
v = eval(sys.argv[2])
print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)' "$1" "$2" 2>&1
}

# ---------------------------------------------------------------------------
# The back end's three services.
O="$TMP/journeys"
imp --destination waste-services --out "$O" "$BASE"
expect_status "import from the back end exits 0" 0
expect_lines "one line for each file written" "$out" 3
expect_match "each line names the file and the configuration line" "$out" \
	"^$O/missed-bin.json: 6 questions, 1 shown as information; configure service.missed-bin = missed-bin"
expect_lines "nothing on stderr" "$err" 0
eq "the three journeys are written" "$(cd "$O" && ls | tr '\n' ' ')" \
	"fly-tipping.json missed-bin.json streetlight.json "

M="$O/missed-bin.json"
eq "missed-bin: id, version, title, group, destination" \
	"$(j "$M" '[d["hatch_journey"], d["id"], d["version"], d["title"], d["group"], d["routes"]]')" \
	'[1, "missed-bin", 1, "Report a missed bin collection", "Waste and recycling", [{"destination": "waste-services"}]]'
eq "missed-bin: the service's description" "$(j "$M" 'd["description"]')" \
	"A bin was out on the right day but was not emptied."
eq "missed-bin: the step kinds by datatype, in order" "$(j "$M" 'kinds')" \
	'["info", "multiple_choice", "date", "number", "single_choice", "text", "long_text", "address", "check_answers", "confirmation"]'
eq "missed-bin: step ids are the attribute codes made ids" "$(j "$M" 'ids[1:7]')" \
	'["bins", "collection-date", "number-of-bins", "reason", "uprn", "notes"]'
eq "missed-bin: required carried over" \
	"$(j "$M" '[s[i].get("required", True) for i in ids[1:7]]')" \
	'[true, true, false, false, false, false]'
eq "missed-bin: a required question has its error message" \
	"$(j "$M" 's["bins"]["errors"]["required"]')" "Select at least one option"
eq "missed-bin: the description is the question" "$(j "$M" 's["reason"]["question"]')" \
	"Do you know why it was missed?"
eq "missed-bin: the values are the options" "$(j "$M" 's["reason"]["options"]')" \
	'[{"value": "unknown", "label": "I don'"'"'t know"}, {"value": "blocked", "label": "Blocked by parked vehicles"}, {"value": "gate-locked", "label": "Gate locked"}, {"value": "too-heavy", "label": "Bin too heavy"}]'
eq "missed-bin: a multivaluelist's values too" "$(j "$M" '[o["value"] for o in s["bins"]["options"]]')" \
	'["refuse", "recycling", "garden", "food"]'
eq "missed-bin: datatype_description is the hint" "$(j "$M" 's["uprn"]["hint"]')" "Up to 12 digits"
eq "missed-bin: ... but not a date's (the kiosk asks in three boxes)" \
	"$(j "$M" '"hint" in s["collection-date"]')" false
eq "missed-bin: the attribute that is not variable is not asked" \
	"$(j "$M" '[i for i in ids if "collection" in i and i != "collection-date"]')" '[]'
eq "missed-bin: ... its description is shown before the questions" \
	"$(j "$M" '[d["steps"][0]["title"], d["steps"][0]["body"]]')" \
	'["Before you start", ["Bins must be at the kerbside by 7am on collection day."]]'
eq "fly-tipping: kinds" "$(j "$O/fly-tipping.json" 'kinds')" \
	'["info", "multiple_choice", "single_choice", "date", "long_text", "address", "check_answers", "confirmation"]'
eq "streetlight: kinds and required" \
	"$(j "$O/streetlight.json" '[(k, x.get("required", True)) for k, x in zip(kinds, d["steps"])][1:4]')" \
	'[["text", false], ["single_choice", true], ["date", false]]'

run journeys validate "$O"/*.json
expect_status "hatch journeys validate accepts every imported journey" 0
expect_lines "... one line each" "$out" 3

# Walked from standard input: the record.
printf '%s\n' "" "1,4" 20 11 2026 3 "" "" "" "12 High Street" "" "Exampleton" "AB1 0AA" "" \
	>"$TMP/in"
run journeys walk --record-only "$M" <"$TMP/in"
expect_status "hatch journeys walk walks an imported journey" 0
cp "$TMP/out" "$TMP/record.json"
eq "... its record has the answers by step id" \
	"$(jget "$TMP/record.json" '[(a["id"], a["value"]) for a in d["answers"]]')" \
	'[["bins", ["refuse", "food"]], ["collection-date", "2026-11-20"], ["number-of-bins", "3"], ["address", {"line1": "12 High Street", "line2": "", "postcode": "AB1 0AA", "town": "Exampleton"}]]'

# Delivered to the back end: the attributes arrive under their codes.
DB="$TMP/outbox.db"
CONF="$TMP/hatch.conf"
cat >"$CONF" <<CONFEOF
[destination waste-services]
adapter = open311
url = $BASE
api_key_file = $TMP/api-key
ca_bundle = $CERTS/ca.pem
service.missed-bin = missed-bin
CONFEOF
U=$(jget "$TMP/record.json" 'd["uuid"]')
$RUNNER "$TOOL" enqueue "$DB" "$TMP/record.json" 2>"$TMP/enqueue.err" || bail "enqueue: $(cat "$TMP/enqueue.err")"
drain $(($(date +%s) + 1))
eq "the walked record is delivered" "$out" "delivered 1 retried 0 dead 0"
eq "... with each answer as attribute[CODE]" \
	"$(stored "$U" 'sorted((k, v) for k, v in r[0]["fields"]["attributes"].items() if k != "submission_uuid")')" \
	'[["bins", ["refuse", "food"]], ["collection_date", "2026-11-20T00:00:00Z"], ["number_of_bins", "3"]]'

# --service picks; the others are left alone.
imp --destination street-cleaning --out "$TMP/one" --service streetlight "$BASE"
expect_status "--service imports one service" 0
eq "... only that one" "$(ls "$TMP/one")" "streetlight.json"

# ---------------------------------------------------------------------------
# Edge cases, served from files.
W="$TMP/www/v2"
cat >"$W/services.json" <<'EOF'
[
 {"service_code": "Pot_Holes", "service_name": "Report a\tpothole ", "description": null,
  "metadata": "true", "type": "realtime", "keywords": "", "group": "Roads"},
 {"service_code": 7, "service_name": "Graffiti", "description": "Paint on walls.",
  "metadata": false, "type": "realtime", "keywords": "", "group": ""}
]
EOF
cat >"$W/services/Pot_Holes.json" <<'EOF'
{"service_code": "Pot_Holes", "attributes": [
 {"variable": true, "code": "DEPTH", "datatype": "number", "required": true,
  "datatype_description": "In centimetres", "order": 3, "description": "How deep is it?"},
 {"variable": true, "code": "Where_On_Road", "datatype": "singlevaluelist", "required": false,
  "datatype_description": null, "order": 1, "description": "Where on the road is it?",
  "values": [{"key": "Lane_1", "name": "In the first lane"}, {"key": 2, "name": "Second lane"}]},
 {"variable": true, "code": "__", "datatype": "string", "required": false,
  "datatype_description": null, "order": 2, "description": "Anything else?"},
 {"variable": false, "code": "warning", "datatype": "string", "required": false,
  "datatype_description": null, "order": 0, "description": "Call 999 if it is dangerous."}
]}
EOF
imp --destination highways --out "$TMP/edge" "$FILES/v2"
expect_status "edge cases: import exits 0" 0
expect_match "edge cases: a code that makes no step id is noted" "$err" \
	'note: attribute "__": its code makes no step id of its own'
E="$TMP/edge/pot-holes.json"
eq "the journey id is the service_code made an id" "$(ls "$TMP/edge" | tr '\n' ' ')" "7.json pot-holes.json "
eq "questions are sorted by order" "$(j "$E" 'ids')" \
	'["before-you-start", "where-on-road", "question-3", "depth", "address", "check", "done"]'
eq "a name's white space is cleaned; no description gives the name" \
	"$(j "$E" '[d["title"], d["description"], d["group"]]')" '["Report a pothole", "Report a pothole", "Roads"]'
eq "keys are made option values, numbers too" "$(j "$E" '[o["value"] for o in s["where-on-road"]["options"]]')" \
	'["lane-1", "2"]'
eq "a number attribute is a number step with its hint, required" \
	"$(j "$E" '[s["depth"]["kind"], s["depth"]["hint"], s["depth"].get("required", True)]')" \
	'["number", "In centimetres", true]'
eq "a service without metadata asks for a description and the address" \
	"$(j "$TMP/edge/7.json" '[kinds, "group" in d]')" \
	'[["long_text", "address", "check_answers", "confirmation"], false]'
run journeys validate "$TMP/edge/pot-holes.json" "$TMP/edge/7.json"
expect_status "... and validate accepts them" 0

# ---------------------------------------------------------------------------
# Refusals.
imp --destination d --out "$TMP/x" "http://127.0.0.1:$P/open311/v2/"
expect_status "an http:// URL is refused" 2
expect_match "... saying why, in one line" "$err" '^hatch: journeys import-open311: the URL must be https'
expect_lines "... one line" "$err" 1

run journeys import-open311 --destination d --ca-bundle "$CERTS/client-ca.pem" --out "$TMP/x" "$BASE"
expect_status "a CA that did not sign the server is refused" 1
expect_match "... naming the URL and why" "$err" "^hatch: ${BASE}services.json: curl 60: "
expect_no_crash "... without a crash"
[ -e "$TMP/x" ] && [ -z "$(ls "$TMP/x")" ] && ok "... nothing written" || not_ok "... nothing written"

imp --destination d --out "$TMP/x" "${BASE}nowhere/"
expect_status "a 404 fails" 1
expect_match "... naming the URL and the status" "$err" "^hatch: ${BASE}nowhere/services.json: HTTP 404 \\(No such resource"

echo '<html><body>Maintenance</body></html>' >"$TMP/www/v2/html.json"
mkdir -p "$TMP/www/html"
cp "$TMP/www/v2/html.json" "$TMP/www/html/services.json"
imp --destination d --out "$TMP/x" "$FILES/html/"
expect_status "a body that is not JSON fails" 1
expect_match "... naming the URL and why" "$err" "^hatch: $FILES/html/services.json: the service list is not JSON \\(line 1: "

mkdir -p "$TMP/www/obj"
echo '{"services": []}' >"$TMP/www/obj/services.json"
imp --destination d --out "$TMP/x" "$FILES/obj/"
expect_status "a services.json that is not a list fails" 1
expect_match "... saying so" "$err" "the service list is not a JSON list"

bad() { # bad DESC DEFINITION REGEX
	mkdir -p "$TMP/www/bad/services"
	echo '[{"service_code": "b", "service_name": "B", "metadata": true}]' >"$TMP/www/bad/services.json"
	printf '%s\n' "$2" >"$TMP/www/bad/services/b.json"
	imp --destination d --out "$TMP/x" "$FILES/bad/"
	expect_status "$1: fails" 1
	expect_match "$1: names the definition's URL and why" "$err" "^hatch: $FILES/bad/services/b.json: .*$3"
	expect_match "$1: nothing written" "$err" "nothing written"
	expect_no_crash "$1: no crash"
}
bad "a definition that is not JSON" '{"attributes": [' "the service definition is not JSON"
bad "a definition without attributes" '{"service_code": "b"}' "not an object with an attributes list"
bad "an unknown datatype" '{"attributes": [{"code": "a", "datatype": "blob", "variable": true, "description": "A?"}]}' \
	'attribute "a": datatype "blob" is not an Open311 datatype'
bad "a list without values" '{"attributes": [{"code": "a", "datatype": "singlevaluelist", "variable": true, "description": "A?"}]}' \
	'attribute "a" \(singlevaluelist\) needs values'
bad "keys that make the same option value" \
	'{"attributes": [{"code": "a", "datatype": "multivaluelist", "variable": true, "description": "A?", "values": [{"key": "X_1", "name": "x"}, {"key": "x-1", "name": "y"}]}]}' \
	'the keys of values\[0\] and values\[1\] make the same option value "x-1"'
bad "a code given twice" '{"attributes": [{"code": "a", "datatype": "string"}, {"code": "a", "datatype": "text"}]}' \
	'attribute code "a" is given twice'
bad "required that is not a flag" '{"attributes": [{"code": "a", "datatype": "string", "required": 3}]}' \
	'attribute "a": required is not true or false'

mkdir -p "$TMP/www/missing"
echo '[{"service_code": "gone", "service_name": "Gone", "metadata": true}]' >"$TMP/www/missing/services.json"
imp --destination d --out "$TMP/x" "$FILES/missing/"
expect_status "a definition that is not there fails" 1
expect_match "... naming its URL and the status" "$err" "^hatch: $FILES/missing/services/gone.json: HTTP 404"

# The back end's 1 GiB answer is cut off at the cap.
fault '{"fault": "huge", "path": "/open311/v2/services.json"}'
imp --destination d --out "$TMP/x" "$BASE"
expect_status "a body over the cap fails" 1
expect_match "... saying so" "$err" "^hatch: ${BASE}services.json: the answer was larger than 4194304 bytes"

# Existing files.
imp --destination waste-services --out "$O" "$BASE"
expect_status "existing files without --force fail" 1
expect_match "... naming each" "$err" "^hatch: $O/missed-bin.json: exists \\(use --force to overwrite\\)"
expect_match "... and nothing is written" "$err" "nothing written"
imp --destination other-place --out "$O" --force "$BASE"
expect_status "--force overwrites" 0
eq "... with the new destination" "$(j "$M" 'd["routes"][0]["destination"]')" other-place
eq "... and no temporary files are left" "$(ls -A "$O" | tr '\n' ' ')" \
	"fly-tipping.json missed-bin.json streetlight.json "

# Usage errors: one line, exit 2.
usage() { # usage DESC REGEX ARGS...
	local desc=$1 re=$2
	shift 2
	run journeys import-open311 "$@"
	expect_status "$desc: exits 2" 2
	expect_lines "$desc: one line" "$err" 1
	expect_match "$desc: says what is wrong" "$err" "$re"
}
usage "no URL" "name the endpoint's URL" --destination d
usage "no destination" "--destination NAME is required" "$BASE"
usage "a destination that is not a name" "is not a name" --destination "Waste Services" "$BASE"
usage "two URLs" "name one URL" --destination d "$BASE" "$BASE"
usage "an unknown option" "unknown option '--nope'" --nope
usage "--out without a directory" "--out needs a directory" --destination d "$BASE" --out
usage "a URL with a query" "with no query" --destination d "$BASE?x=1"
run journeys import-open311 --help
expect_status "--help exits 0" 0
expect_match "--help prints the usage" "$out" "^Usage: hatch journeys import-open311"

finish
