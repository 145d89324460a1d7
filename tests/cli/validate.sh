# hatch journeys validate: the bundled journeys pass; broken ones are told
# apart with the file and the place (line and column, or JSON path), and
# nothing crashes however odd the file.
. "$TOP/tests/cli/lib.sh"
PY=${PYTHON:-/usr/bin/python3}

for f in "$TOP"/assets/journeys/*.json; do
	name=$(basename "$f")
	run journeys validate "$f"
	expect_status "bundled $name is valid" 0
	expect_match "bundled $name: reported valid" "$out" "^$f: valid: "
	expect_lines "bundled $name: nothing on stderr" "$err" 0
done

# A small valid journey that the cases below break one way each.
cat >"$TMP/good.json" <<'EOF'
{
  "hatch_journey": 1,
  "id": "test-journey",
  "version": 1,
  "title": "A test journey",
  "description": "Used by the command-line tests",
  "routes": [{ "destination": "test-team" }],
  "steps": [
    {
      "id": "colour",
      "kind": "single_choice",
      "question": "Which colour?",
      "options": [
        { "value": "red", "label": "Red" },
        { "value": "blue", "label": "Blue" }
      ],
      "errors": { "required": "Select a colour" }
    },
    {
      "id": "name",
      "kind": "text",
      "question": "What is your name?",
      "errors": { "required": "Enter your name" }
    },
    { "id": "check", "kind": "check_answers" },
    { "id": "done", "kind": "confirmation", "title": "Sent" }
  ]
}
EOF

run journeys validate "$TMP/good.json"
expect_status "the test journey is valid" 0
expect_match "the test journey: reported valid" "$out" "^$TMP/good.json: valid: \"test-journey\" version 1"

# mutate NAME PYTHON: writes $TMP/NAME.json, the test journey (j) after the
# Python statements.
mutate() {
	"$PY" - "$TMP/good.json" "$TMP/$1.json" "$2" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
exec(sys.argv[3])
with open(sys.argv[2], "w") as f:
    json.dump(j, f, indent=2)
EOF
}

# bad NAME DESC REGEX...: validating $TMP/NAME.json exits 1 without a crash,
# every line on stderr names the file, and some line matches each REGEX
# (which follows "FILE").
bad() {
	file="$TMP/$1.json" desc=$2
	shift 2
	run journeys validate "$file"
	expect_status "$desc: exits 1" 1
	expect_no_crash "$desc: no crash"
	if [ -n "$err" ] && ! printf '%s\n' "$err" | grep -vqF -- "$file"; then
		ok "$desc: every line on stderr names the file"
	else
		not_ok "$desc: every line on stderr names the file" "stderr: $(head -c 600 "$TMP/err")"
	fi
	for re in "$@"; do
		expect_match "$desc: reports${re//\\/}" "$err" "^$file$re"
	done
	expect_no_match "$desc: not reported valid" "$out" 'valid'
}

# ---- syntax, with the real line and column ----

# Line 4, column 16 is the '@'.
printf '{\n  "hatch_journey": 1,\n  "id": "x",\n    "version": @\n}\n' >"$TMP/syntax.json"
bad syntax "JSON syntax error" ':4:16: '

# A missing ':' found at the '1' on line 5, column 17 (line 4 is blank).
printf '{\n  "hatch_journey": 1,\n  "id": "x",\n\n      "version" 1\n}\n' >"$TMP/colon.json"
bad colon "missing colon" ':5:17: '

# A trailing comma: the '}' on line 5, column 1.
printf '{\n  "hatch_journey": 1,\n  "id": "x",\n  "version": 1,\n}\n' >"$TMP/comma.json"
bad comma "trailing comma" ':5:1: '

# Columns count characters, not bytes: the 'x' is the 23rd character.
printf '{\n  "title": "caf\xc3\xa9 \xc3\xa9 @" x\n}\n' >"$TMP/columns.json"
bad columns "syntax error after multibyte characters" ':2:23: '

printf '{"hatch_journey": 1, "hatch_journey": 1}\n' >"$TMP/dupkey.json"
bad dupkey "duplicate key" ':1:[0-9]+: .*duplicate'

# ---- types and keys, with the JSON path ----

mutate type-version 'j["version"] = "one"'
bad type-version "version as a string" ': version: '

mutate type-title 'j["title"] = 5'
bad type-title "title as a number" ': title: must be a string'

mutate type-required 'j["steps"][1]["required"] = "yes"'
bad type-required "required as a string" ': steps\[1\]\.required: must be true or false'

mutate type-steps 'j["steps"] = {"a": 1}'
bad type-steps "steps as an object" ': steps: '

mutate top-list 'j = [j]'
bad top-list "a list, not an object" ': \$: .*object'

mutate unknown-key 'j["colour"] = "red"'
bad unknown-key "unknown top-level key" ': colour: unknown key'

mutate unknown-step-key 'j["steps"][1]["colour"] = "red"'
bad unknown-step-key "unknown step key" ': steps\[1\]\.colour: unknown key'

mutate missing-id 'del j["id"]'
bad missing-id "missing id" ': id: missing'

mutate unknown-kind 'j["steps"][1]["kind"] = "essay"'
bad unknown-kind "unknown kind" ': steps\[1\]\.kind: unknown kind "essay"'

# ---- meaning ----

mutate dup-step 'j["steps"][1]["id"] = "colour"'
bad dup-step "duplicate step ids" ': steps\[1\]\.id: duplicate id "colour"'

mutate dup-option 'j["steps"][0]["options"][1]["value"] = "red"'
bad dup-option "duplicate option values" ': steps\[0\]\.options\[1\]\.value: duplicate'

mutate goto-unknown 'j["steps"][0]["next"] = [{"when": {"answer": "colour", "equals": "red"}, "goto": "nowhere"}]'
bad goto-unknown "goto an unknown step" ': steps\[0\]\.next\[0\]\.goto: .*"nowhere"'

mutate goto-back 'j["steps"][1]["next"] = [{"when": {"answer": "colour", "equals": "red"}, "goto": "colour"}]'
bad goto-back "goto an earlier step" ': steps\[1\]\.next\[0\]\.goto: .*loop'

mutate goto-self 'j["steps"][1]["next"] = [{"when": {"answer": "colour", "equals": "red"}, "goto": "name"}]'
bad goto-self "goto the step itself" ': steps\[1\]\.next\[0\]\.goto: .*loop'

mutate goto-confirmation 'j["steps"][1]["next"] = [{"when": {"answer": "colour", "equals": "red"}, "goto": "done"}]'
bad goto-confirmation "goto the confirmation" ': steps\[1\]\.next\[0\]\.goto: .*confirmation'

mutate look-ahead 'j["steps"][0]["show_when"] = {"answer": "name", "answered": True}'
bad look-ahead "a condition on a later step" ': steps\[0\]\.show_when: .*"name".*after'

mutate look-self 'j["steps"][1]["show_when"] = {"answer": "name", "answered": True}'
bad look-self "a show_when on its own step" ': steps\[1\]\.show_when: .*"name"'

mutate look-unknown 'j["steps"][1]["show_when"] = {"answer": "nobody", "answered": True}'
bad look-unknown "a condition on an unknown step" ': steps\[1\]\.show_when\.answer: .*"nobody"'

mutate bad-value 'j["steps"][1]["show_when"] = {"answer": "colour", "equals": "green"}'
bad bad-value "a condition on an unknown value" ': steps\[1\]\.show_when\.equals: .*"green"'

mutate unreachable 'j["steps"][0]["next"] = [{"when": {"answer": "colour", "one_of": ["red", "blue"]}, "goto": "check"}]'
bad unreachable "an unreachable step" ': steps\[1\]: .*"name"'

mutate no-route 'j["routes"] = [{"when": {"answer": "colour", "equals": "red"}, "destination": "red-team"}]'
bad no-route "a path with no route" ': routes: .*no route.*colour=blue'
expect_no_match "a path with no route: the covered answer is not named" "$err" 'colour=red'

mutate bad-regex 'j["steps"][1]["pattern"] = "[a-z"'
bad bad-regex "a bad regular expression" ': steps\[1\]\.pattern: .*regular expression'

mutate no-required 'del j["steps"][1]["errors"]'
bad no-required "a missing errors.required" ': steps\[1\]\.errors\.required: '

mutate order 'j["steps"][2], j["steps"][3] = j["steps"][3], j["steps"][2]'
bad order "confirmation before check_answers" ': steps: .*check_answers.*confirmation'

mutate no-check 'del j["steps"][2]'
bad no-check "no check_answers" ': steps: .*check_answers'

# ---- numbers and nesting ----

"$PY" - "$TMP/good.json" "$TMP" <<'EOF'
import sys
text = open(sys.argv[1]).read()
out = sys.argv[2]
def write(name, s):
    with open(out + "/" + name + ".json", "w") as f:
        f.write(s)
write("big-real", text.replace('"version": 1', '"version": 1e999'))
write("big-int", text.replace('"version": 1', '"version": 123456789012345678901234567890'))
write("large-real", text.replace('"version": 1', '"version": 1e300'))
write("big-min", text.replace('"kind": "text",', '"kind": "number", "min": 1e300,'))
write("deep-arrays", "[" * 5000 + "]" * 5000)
write("deep-inside", text.replace('"version": 1,', '"version": 1,\n  "deep": ' + "[" * 5000 + "]" * 5000 + ","))
EOF
# Line 4 is '  "version": 1e999,'; the number ends at column 18.
bad big-real "1e999" ':4:1[4-8]: '
bad big-int "a 30-digit integer" ':4:(1[4-9]|[2-3][0-9]|4[0-3]): '
bad large-real "version 1e300" ': version: '
bad big-min "a number step's min of 1e300" ': steps\[1\]\.min: .*range'
bad deep-arrays "5000 nested arrays" ':1:[0-9]+: '
bad deep-inside "5000 nested arrays inside a journey" ':5:[0-9]+: '

cond='{"answer": "colour", "equals": "red"}'
for _ in $(seq 100); do cond="{\"not\": $cond}"; done
mutate deep-not "j['steps'][1]['show_when'] = json.loads('$cond')"
bad deep-not "100 nested nots" ': steps\[1\]\.show_when(\.not)+: .*nested'

# ---- bytes that are not a journey ----

"$PY" - "$TMP/good.json" "$TMP" <<'EOF'
import sys
text = open(sys.argv[1]).read()
out = sys.argv[2]
# Invalid UTF-8 (0xff 0xfe) inside the title on line 5.
data = text.replace('"A test journey"', '"A test @@ journey"').encode().replace(b"@@", b"\xff\xfe")
open(out + "/bad-utf8.json", "wb").write(data)
# An overlong encoding of '/' (0xc0 0xaf) inside the title.
data = text.replace('"A test journey"', '"A test @@ journey"').encode().replace(b"@@", b"\xc0\xaf")
open(out + "/overlong-utf8.json", "wb").write(data)
# A 10 MB title.
open(out + "/huge.json", "w").write(text.replace('"A test journey"', '"' + "a" * (10 * 1024 * 1024) + '"'))
# Exactly the limit, padded with spaces: not refused for its size.
body = text.encode()
open(out + "/at-limit.json", "wb").write(body + b" " * (1024 * 1024 - len(body)))
open(out + "/over-limit.json", "wb").write(body + b" " * (1024 * 1024 + 1 - len(body)))
EOF
bad bad-utf8 "invalid UTF-8 in a string" ':5:[0-9]+: '
bad overlong-utf8 "overlong UTF-8 in a string" ':5:[0-9]+: '
bad huge "a 10 MB file" ': .*limit'
bad over-limit "one byte over 1 MiB" ': .*limit'
run journeys validate "$TMP/at-limit.json"
expect_status "a file of exactly 1 MiB is read" 0

: >"$TMP/empty.json"
bad empty "an empty file" ':1:1: '

printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00' >"$TMP/png.json"
bad png "a PNG image" ':[0-9]+:[0-9]+: '

# Bytes 0 to 255, eight times over.
"$PY" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 8)' >"$TMP/bytes.json"
bad bytes "every byte value" ':[0-9]+:[0-9]+: '

printf '{"title": "a\0b"}' >"$TMP/nul.json"
bad nul "a NUL byte in a string" ':1:[0-9]+: '

mkdir "$TMP/dir.json"
bad dir "a directory" ': .*directory'

bad missing "a missing file" ': .*(No such file|not found|cannot open)'

# ---- several problems, several files ----

mutate many 'j["version"] = "one"; j["colour"] = "red"; j["steps"][1]["kind"] = "essay"'
bad many "three problems" ': version: ' ': colour: unknown key' ': steps\[1\]\.kind: unknown kind'
expect_match "three problems: at least three lines" "$(lines "$err")" '^([3-9]|[1-9][0-9]+)$'

mutate many-steps 'j["steps"][0]["options"][1]["value"] = "red"; j["steps"][1]["pattern"] = "(x"; del j["steps"][1]["errors"]'
bad many-steps "three problems in steps" ': steps\[0\]\.options\[1\]\.value: ' ': steps\[1\]\.pattern: ' ': steps\[1\]\.errors\.required: '

mutate many-meaning 'j["steps"][1]["next"] = [{"when": {"answer": "colour", "equals": "red"}, "goto": "colour"}]; j["steps"][0]["show_when"] = {"answer": "name", "answered": True}'
bad many-meaning "a loop and a look-ahead" ': steps\[1\]\.next\[0\]\.goto: .*loop' ': steps\[0\]\.show_when: .*after'

run journeys validate "$TMP/good.json" "$TMP/type-version.json"
expect_status "a good file and a bad one: exits 1" 1
expect_match "a good file and a bad one: the good one is valid" "$out" "^$TMP/good.json: valid: "
expect_match "a good file and a bad one: the bad one is reported" "$err" "^$TMP/type-version.json: version: "
expect_no_match "a good file and a bad one: the bad one is not valid" "$out" "type-version"

run journeys validate "$TMP/missing.json" "$TMP/syntax.json" "$TMP/good.json"
expect_status "two bad files, then a good one: exits 1" 1
expect_match "two bad files, then a good one: the good one is still checked" "$out" "^$TMP/good.json: valid: "
expect_match "two bad files, then a good one: the first is reported" "$err" "^$TMP/missing.json: "
expect_match "two bad files, then a good one: the second is reported" "$err" "^$TMP/syntax.json:4:16: "

run journeys validate "$TMP/good.json" "$TOP/assets/journeys/missed-bin.json"
expect_status "two good files: exits 0" 0
expect_lines "two good files: both are reported valid" "$out" 2

finish
