# hatch journeys walk: the bundled journeys answered end to end from
# standard input, and the records they would send checked field by field.
. "$TOP/tests/cli/lib.sh"
PY=${PYTHON:-/usr/bin/python3}
J="$TOP/assets/journeys"

# Yesterday, as the three date boxes take it and as the record writes it.
# Yesterday stays inside the missed-bin window (the last 14 days) even if
# the day changes while the tests run.
yd=$(date -d yesterday +%-d)
ym=$(date -d yesterday +%-m)
yy=$(date -d yesterday +%Y)
yesterday=$(date -d yesterday +%F)

# answers LINE...: the answers for the next walk, one a line.
answers() { printf '%s\n' "$@" >"$TMP/in"; }

# walk ARGS...: hatch journeys walk ARGS with the answers on stdin; keeps
# stdout as $TMP/record.
walk() {
	run journeys walk "$@" <"$TMP/in"
	cp "$TMP/out" "$TMP/record"
}

# The checks on a record run in Python: r is the record, a the answers by
# id, v their values, ids their ids in order.
cat >"$TMP/check.py" <<'EOF'
import datetime, json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
r = json.loads(text)
answers = r.get("answers", [])
a = {x["id"]: x for x in answers}
v = {x["id"]: x.get("value") for x in answers}
ids = [x["id"] for x in answers]
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"
def check_character_ok(ref):
    s = ref.replace("-", "")
    n = 0
    for c in s[:8]:
        n = n * 32 + CROCKFORD.index(c)
    return CROCKFORD[n % 37] == s[8]
def created_recent(s):
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) < 600
def canonical():
    return text == json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
if not eval(sys.argv[2]):
    print("false: " + sys.argv[2])
    print("ids: %s" % ids)
    sys.exit(1)
EOF

# rec DESC EXPRESSION: the Python EXPRESSION holds for the last record.
rec() {
	if why=$("$PY" "$TMP/check.py" "$TMP/record" "$2" 2>&1); then ok "$1"; else
		mapfile -t whys < <(printf '%s\n' "$why" | tail -n 3)
		not_ok "$1" "${whys[@]}" "record: $(head -c 600 "$TMP/record")"
	fi
}

address=("12 Test Street" "" "Exampletown")

# ---- missed bin, to the confirmation ----

answers 1 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no no "" \
	"Alex Example" "alex@example.com" "01632 960001" ""
walk --record-only "$J/missed-bin.json"
expect_status "missed bin: exits 0" 0
expect_lines "missed bin: the record is one line" "$out" 1
expect_lines "missed bin: nothing on stderr" "$err" 0
expect_no_crash "missed bin: no crash"
rec "missed bin: the record is JSON with sorted keys and no spaces" 'canonical()'
expect_match "missed bin: the journey" "$out" '"journey":\{"id":"missed-bin","version":1\}'
rec "missed bin: a reference" 're.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z*~$=U]", r["reference"])'
rec "missed bin: the reference's check character is right" 'check_character_ok(r["reference"])'
rec "missed bin: a UUID v4" 're.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", r["uuid"])'
rec "missed bin: created is ISO 8601 UTC" 're.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["created"])'
rec "missed bin: created is now" 'created_recent(r["created"])'
rec "missed bin: channel" 'r["channel"] == "self-service"'
rec "missed bin: language" 'r["language"] == "en"'
rec "missed bin: destination" 'r["destination"] == "waste-services"'
rec "missed bin: nothing else in the record" 'sorted(r) == ["answers", "channel", "created", "destination", "journey", "language", "reference", "uuid"]'
rec "missed bin: the answers on the path, in order" \
	'ids == ["bin", "date", "address", "on-time", "side-waste", "tag", "name", "email", "phone"]'
rec "missed bin: a choice carries its value, label and question" \
	'a["bin"] == {"id": "bin", "value": "refuse", "label": "General rubbish", "question": "Which bin was not collected?"}'
rec "missed bin: the date" "v['date'] == '$yesterday'"
rec "missed bin: the address, its postcode normalised" \
	'v["address"] == {"line1": "12 Test Street", "line2": "", "town": "Exampletown", "postcode": "AB1 0AA"}'
rec "missed bin: yes/no answers" 'v["on-time"] == "yes" and a["on-time"]["label"] == "Yes" and v["side-waste"] == "no" and v["tag"] == "no"'
rec "missed bin: the name" 'v["name"] == "Alex Example"'
rec "missed bin: the email" 'v["email"] == "alex@example.com"'
rec "missed bin: the phone number, its digits in national form" 'v["phone"] == "01632960001"'

# Two walks give two references and two UUIDs.
cp "$TMP/record" "$TMP/first"
walk --record-only "$J/missed-bin.json"
if "$PY" - "$TMP/first" "$TMP/record" <<'EOF'; then ok "missed bin: a new reference and UUID each time"; else not_ok "missed bin: a new reference and UUID each time"; fi
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(a["reference"] == b["reference"] or a["uuid"] == b["uuid"])
EOF

# The same walk on the terminal: the reference shown is the one sent.
walk "$J/missed-bin.json"
expect_status "missed bin on the terminal: exits 0" 0
expect_match "missed bin on the terminal: asks the questions" "$out" 'Which bin was not collected\?'
expect_match "missed bin on the terminal: checks the answers" "$out" '^Check your answers before sending your report$'
expect_match "missed bin on the terminal: shows the confirmation" "$out" '^Missed bin reported$'
expect_match "missed bin on the terminal: names the destination" "$out" 'sent to "waste-services"'
tail -n 1 "$TMP/out" >"$TMP/record"
shown=$(printf '%s\n' "$out" | sed -n 's/^Your reference number: //p')
rec "missed bin on the terminal: the last line is the record" 'r["journey"]["id"] == "missed-bin"'
rec "missed bin on the terminal: the reference shown is the record's" "r['reference'] == '$shown'"

# ---- missed bin, to stop pages ----

answers 1 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" no
walk --record-only "$J/missed-bin.json"
expect_status "bin not out by 7am: exits 0" 0
expect_lines "bin not out by 7am: no record" "$out" 0
walk "$J/missed-bin.json"
expect_status "bin not out by 7am, on the terminal: exits 0" 0
expect_match "bin not out by 7am, on the terminal: the stop page" "$out" '^We cannot collect bins that were not out by 7am$'
expect_match "bin not out by 7am, on the terminal: nothing sent" "$out" '^Nothing was sent\.$'
expect_no_match "bin not out by 7am, on the terminal: no record" "$out" '^\{'

answers 1 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no yes not-presented
walk "$J/missed-bin.json"
expect_status "tag says not presented: exits 0" 0
expect_match "tag says not presented: the stop page" "$out" '^We cannot come back for a bin that was not out$'
expect_no_match "tag says not presented: no record" "$out" '^\{'

# Side waste shows a page of information and goes on.
answers 1 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes yes "" no "" "Alex Example" "" "" ""
walk "$J/missed-bin.json"
expect_status "side waste: exits 0" 0
expect_match "side waste: the information page" "$out" '^We do not collect side waste$'
tail -n 1 "$TMP/out" >"$TMP/record"
rec "side waste: the record has the answer, not the page" 'v["side-waste"] == "yes" and "side-waste-info" not in a'

# ---- speeding: the route decides the destination ----

speeding() { # WHEN
	answers "" village "Church Lane" "Exampleton" 30 45 "$1" speed-watch \
		"Cars go too fast past the school" no ""
	walk --record-only "$J/report-speeding.json"
}
speeding school-run
expect_status "speed watch on a village road at school times: exits 0" 0
rec "speed watch on a village road at school times: to the parish council" 'r["destination"] == "parish-council"'
rec "speed watch on a village road: the answers" \
	'ids == ["road-type", "road-name", "town", "limit", "speed", "when", "action", "description", "contact"] and v["speed"] == "45" and v["limit"] == "30" and a["limit"]["label"] == "30 mph"'
speeding nights
expect_status "speed watch on a village road at night: exits 0" 0
rec "speed watch on a village road at night: to the district council" 'r["destination"] == "district-council"'

answers "" main A358 "Exampleton" 3 055 1 survey "Lorries at night" yes "Sam Sample" "sam@example.com" ""
walk --record-only "$J/report-speeding.json"
expect_status "survey of a main road: exits 0" 0
rec "survey of a main road: to the district council" 'r["destination"] == "district-council"'
rec "survey of a main road: choices by number" 'v["limit"] == "40" and v["when"] == "school-run"'
rec "survey of a main road: a number without its leading zero" 'v["speed"] == "55"'
rec "survey of a main road: contact details asked for" 'v["name"] == "Sam Sample" and v["email"] == "sam@example.com"'

answers "" motorway
walk "$J/report-speeding.json"
expect_status "a motorway: exits 0" 0
expect_match "a motorway: the stop page" "$out" '^We do not look after motorways or major trunk roads$'
expect_no_match "a motorway: no record" "$out" '^\{'

# ---- Blue Badge ----

answers 1 none none
walk "$J/blue-badge.json"
expect_status "Blue Badge with no reason: exits 0" 0
expect_match "Blue Badge with no reason: not eligible" "$out" '^The applicant is not eligible for a Blue Badge$'
expect_match "Blue Badge with no reason: nothing sent" "$out" '^Nothing was sent\.$'
expect_no_match "Blue Badge with no reason: no record" "$out" '^\{'
walk --record-only "$J/blue-badge.json"
expect_status "Blue Badge with no reason, record only: exits 0" 0
expect_lines "Blue Badge with no reason, record only: no record" "$out" 0

answers myself none arms no
walk "$J/blue-badge.json"
expect_status "Blue Badge for a non-driver's arms: exits 0" 0
expect_match "Blue Badge for a non-driver's arms: not eligible" "$out" '^The applicant is not eligible for a Blue Badge$'

answers 1 "1, dla" "" "  Alex Example  " 27 3 1958 "ab 12 34 56 c" \
	"1 Test Road" "Flat 2" "Exampletown" "ex11aa" "+44 (0)1632 960 123" "Alex.Example@EXAMPLE.COM" 1 ""
walk --record-only "$J/blue-badge.json"
expect_status "Blue Badge on benefits: exits 0" 0
rec "Blue Badge on benefits: to the Blue Badge team" 'r["destination"] == "blue-badge-team"'
rec "Blue Badge on benefits: the questions on the path" \
	'ids == ["who", "benefits", "full-name", "dob", "nino", "address", "phone", "email", "declaration"]'
rec "Blue Badge on benefits: a multiple choice is a list of values" 'v["benefits"] == ["pip-moving", "dla"]'
rec "Blue Badge on benefits: the date of birth" 'v["dob"] == "1958-03-27"'
rec "Blue Badge on benefits: the National Insurance number in capitals, no spaces" 'v["nino"] == "AB123456C"'
rec "Blue Badge on benefits: the postcode spaced" 'v["address"]["postcode"] == "EX1 1AA" and v["address"]["line2"] == "Flat 2"'
rec "Blue Badge on benefits: an international phone number in national form" 'v["phone"] == "01632960123"'
rec "Blue Badge on benefits: the email's domain in lower case" 'v["email"] == "Alex.Example@example.com"'
rec "Blue Badge on benefits: text trimmed" 'v["full-name"] == "Alex Example"'

# ---- an invalid answer, then a valid one ----

answers 1 "$yd" "$ym" "$yy" "${address[@]}" "not a postcode" "${address[@]}" "ab10aa" \
	yes no no "" "Alex Example" "" "" ""
walk --record-only "$J/missed-bin.json"
expect_status "a bad postcode, then a good one: exits 0" 0
expect_match "a bad postcode, then a good one: there is a problem" "$err" '^There is a problem'
expect_match "a bad postcode, then a good one: the journey's message" "$err" 'Enter a real postcode'
rec "a bad postcode, then a good one: the good one is sent" 'v["address"]["postcode"] == "AB1 0AA"'
walk "$J/missed-bin.json"
expect_match "a bad postcode, then a good one, on the terminal: there is a problem" "$out$err" 'There is a problem'
expect_match "a bad postcode, then a good one, on the terminal: the journey's message" "$out$err" 'Enter a real postcode'
expect_match "a bad postcode, then a good one, on the terminal: goes on" "$out" '^Missed bin reported$'

# A bin that is not an option, none at all, a date in the future, 31
# February, no name, and a bad email address.
future=("$(date -d '+2 days' +%-d)" "$(date -d '+2 days' +%-m)" "$(date -d '+2 days' +%Y)")
answers 9 "" 1 "${future[@]}" 31 2 "$yy" "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no no "" "" "Alex Example" \
	"not an email" "" "" ""
walk --record-only "$J/missed-bin.json"
expect_status "several bad answers: exits 0" 0
times=$(grep -c '^There is a problem' "$TMP/err") || true
if [ "$times" -eq 6 ]; then ok "several bad answers: one problem for each"; else
	not_ok "several bad answers: one problem for each" "$times problems, wanted 6" "stderr: $(head -c 600 "$TMP/err")"
fi
expect_match "no such option: says so" "$err" 'Select an answer from the list'
expect_match "a blank required answer: the journey's message" "$err" 'Select which bin was not collected'
expect_match "a date in the future: the journey's message" "$err" 'must be today or in the past'
expect_match "31 February: the journey's message" "$err" 'must be a real date'
expect_match "a blank name: the journey's message" "$err" 'Enter your name'
expect_match "a bad email address: the journey's message" "$err" 'Enter an email address in the correct format'
rec "several bad answers: the good answers are sent" "v['bin'] == 'refuse' and v['date'] == '$yesterday' and 'email' not in v"

# ---- :back ----

answers 1 :back 3 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no no "" "Alex Example" "" "" ""
walk --record-only "$J/missed-bin.json"
expect_status ":back: exits 0" 0
rec ":back: the changed answer is sent" 'v["bin"] == "garden" and a["bin"]["label"] == "Garden waste"'

answers :back 1 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no no "" "Alex Example" "" "" ""
walk --record-only "$J/missed-bin.json"
expect_status ":back at the first question: exits 0" 0
expect_match ":back at the first question: says so" "$err" 'first question'

# A command in the middle of a date or an address: the answer so far is
# dropped, wiped and freed (a sanitizer build reports any leak).
answers 1 "$yd" :back 2 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no no "" "Alex Example" "" "" ""
walk --record-only "$J/missed-bin.json"
expect_status ":back in the middle of a date: exits 0" 0
expect_no_crash ":back in the middle of a date: no crash or leak"
rec ":back in the middle of a date: the new answers are sent" "v['bin'] == 'recycling' and v['date'] == '$yesterday'"

answers 1 "$yd" "$ym" "$yy" "14 Test Street" "" :frobnicate "${address[@]}" "ab1 0aa" yes no no "" "Alex Example" "" "" ""
walk --record-only "$J/missed-bin.json"
expect_status "an unknown command in the middle of an address: exits 0" 0
expect_no_crash "an unknown command in the middle of an address: no crash or leak"
rec "an unknown command in the middle of an address: the address is asked again" 'v["address"]["line1"] == "12 Test Street"'

answers 1 "$yd" "$ym" "$yy" "12 Test Street" "" :quit
walk --record-only "$J/missed-bin.json"
expect_status ":quit in the middle of an address: exits 0" 0
expect_no_crash ":quit in the middle of an address: no crash or leak"
expect_lines ":quit in the middle of an address: no record" "$out" 0

answers 1 "$yd" "$ym"
walk --record-only "$J/missed-bin.json"
expect_status "input ending in the middle of a date: exits 1" 1
expect_no_crash "input ending in the middle of a date: no crash or leak"
expect_match "input ending in the middle of a date: says so" "$err" 'input ended'

answers 1 ":change 1" "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no no "" "Alex Example" "" "" ""
walk --record-only "$J/missed-bin.json"
expect_status ":change before check your answers: exits 0" 0
expect_match ":change before check your answers: says where it works" "$err" 'check your answers'

# ---- :change at check your answers ----

full=(1 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no no "" "Alex Example" "" "")
answers "${full[@]}" ":change 8" "Jo Example" ""
walk "$J/missed-bin.json"
expect_status ":change 8: exits 0" 0
times=$(grep -c '^Check your answers before sending your report$' "$TMP/out") || true
if [ "$times" -eq 2 ]; then ok ":change 8: back to check your answers"; else
	not_ok ":change 8: back to check your answers" "shown $times times, wanted 2"
fi
tail -n 1 "$TMP/out" >"$TMP/record"
rec ":change 8: the changed name is sent" 'v["name"] == "Jo Example"'
rec ":change 8: the other answers are kept" 'v["bin"] == "refuse" and v["address"]["postcode"] == "AB1 0AA"'

answers "${full[@]}" ":change 99" ""
walk --record-only "$J/missed-bin.json"
expect_status ":change with no such answer: exits 0" 0
expect_match ":change with no such answer: says so" "$err" 'no answer 99'

# :back from a change goes back to check your answers, changing nothing.
answers "${full[@]}" ":change 8" ":back" ""
walk --record-only "$J/missed-bin.json"
expect_status ":change, then :back: exits 0" 0
rec ":change, then :back: the answer is unchanged" 'v["name"] == "Alex Example"'

# :back from check your answers goes to the last question.
answers "${full[@]}" ":back" "01632 960002" ""
walk --record-only "$J/missed-bin.json"
expect_status ":back at check your answers: exits 0" 0
rec ":back at check your answers: the last answer is changed" 'v["phone"] == "01632960002"'

# A change that ends at a stop page sends nothing.
answers "${full[@]}" ":change 4" no ""
walk --record-only "$J/missed-bin.json"
expect_status ":change to a stop page: exits 0" 0
expect_lines ":change to a stop page: no record" "$out" 0

# A change that brings a new question asks it before checking again.
answers "${full[@]}" ":change 6" yes other ""
walk --record-only "$J/missed-bin.json"
expect_status ":change to a new branch: exits 0" 0
rec ":change to a new branch: the new question is asked and sent" 'v["tag"] == "yes" and v["reason"] == "other" and ids.index("reason") == ids.index("tag") + 1'

# ---- answers off the path are not sent ----

answers 1 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no yes other :back :back no \
	"" "Alex Example" "" "" ""
walk --record-only "$J/missed-bin.json"
expect_status "an answer left behind by :back: exits 0" 0
rec "an answer left behind by :back: not sent" 'v["tag"] == "no" and "reason" not in a'

answers 1 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no yes other "" "Alex Example" "" "" \
	":change 6" no ""
walk --record-only "$J/missed-bin.json"
expect_status "an answer left behind by :change: exits 0" 0
rec "an answer left behind by :change: not sent" 'v["tag"] == "no" and "reason" not in a'

# Blue Badge for someone else, then back to "myself": the carer's answers go.
answers 2 "Sam Sample" 1 :back :back :back 1 "1" "" "Alex Example" 27 3 1958 "ab 12 34 56 c" \
	"1 Test Road" "" "Exampletown" "ex11aa" "" "" 1 ""
walk --record-only "$J/blue-badge.json"
expect_status "Blue Badge, someone else then myself: exits 0" 0
rec "Blue Badge, someone else then myself: the carer's answers are not sent" \
	'v["who"] == "myself" and "your-name" not in a and "relationship" not in a'

# ---- the language ----

answers "${full[@]}" ""
walk --record-only --language cy "$J/missed-bin.json"
expect_status "--language cy: exits 0" 0
rec "--language cy: in the record" 'r["language"] == "cy"'

# ---- the input ends early ----

answers 1 "$yd"
walk --record-only "$J/missed-bin.json"
expect_status "input ending early: exits 1" 1
expect_match "input ending early: says so" "$err" 'input ended'
expect_lines "input ending early: no record" "$out" 0

answers "${full[@]}"
walk --record-only "$J/missed-bin.json"
expect_status "input ending at check your answers: exits 1" 1
expect_match "input ending at check your answers: says so" "$err" 'input ended'
expect_lines "input ending at check your answers: no record" "$out" 0

: >"$TMP/in"
walk --record-only "$J/missed-bin.json"
expect_status "no input at all: exits 1" 1
expect_match "no input at all: says so" "$err" 'input ended'

answers 1 :quit
walk --record-only "$J/missed-bin.json"
expect_status ":quit: exits 0" 0
expect_lines ":quit: no record" "$out" 0

# ---- journeys that cannot be walked ----

printf '{"hatch_journey": 1}\n' >"$TMP/broken.json"
answers ""
walk --record-only "$TMP/broken.json"
expect_status "a broken journey: exits 1" 1
expect_match "a broken journey: says why" "$err" "^$TMP/broken.json: "
expect_lines "a broken journey: no record" "$out" 0

walk --record-only "$TMP/no-such-journey.json"
expect_status "a missing journey: exits 1" 1
expect_match "a missing journey: names it" "$err" "^$TMP/no-such-journey.json: "

# ---- odd input ----

# A line longer than a line can be, and bytes that are not UTF-8: refused,
# and the walk goes on.
{
	printf '%s\n' 1 "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no no
	head -c 20000 /dev/zero | tr '\0' a
	printf '\nbad \377\376 bytes\n'
	printf '%s\n' "" "Alex Example" "" "" ""
} >"$TMP/in"
walk --record-only "$J/missed-bin.json"
expect_status "a very long line and invalid UTF-8: exits 0" 0
expect_no_crash "a very long line and invalid UTF-8: no crash"
expect_match "a very long line: says so" "$err" 'too long'
expect_match "invalid UTF-8: there is a problem" "$err" '^There is a problem'
rec "a very long line and invalid UTF-8: neither is sent" '"details" not in a'

answers 1 ":frobnicate" "$yd" "$ym" "$yy" "${address[@]}" "ab1 0aa" yes no no "" "Alex Example" "" "" ""
walk --record-only "$J/missed-bin.json"
expect_status "an unknown command: exits 0" 0
expect_match "an unknown command: says so" "$err" 'Unknown command'

# ---- the date window, at its edges ----

# date_answer OFFSET: walks to the missed-bin date with the date OFFSET from
# today; again if the day changed meanwhile.
date_answer() {
	for _ in 1 2; do
		day=$(date +%F)
		answers 1 "$(date -d "$1" +%-d)" "$(date -d "$1" +%-m)" "$(date -d "$1" +%Y)"
		walk --record-only "$J/missed-bin.json"
		[ "$(date +%F)" = "$day" ] && break
	done
}
date_answer today
expect_no_match "today is a date in the window" "$err" 'There is a problem'
date_answer '14 days ago'
expect_no_match "14 days ago is a date in the window" "$err" 'There is a problem'
date_answer '15 days ago'
expect_match "15 days ago is too long ago" "$err" 'only report a collection missed in the last 14 days'
date_answer tomorrow
expect_match "tomorrow is in the future" "$err" 'must be today or in the past'

finish
