# hatch journeys list: the bundled journeys, or those in a directory, with
# the broken ones and clashing ids reported.
. "$TOP/tests/cli/lib.sh"

run journeys list
expect_status "list: exits 0" 0
expect_lines "list: nothing on stderr" "$err" 0
expect_match "list: a header" "$(printf '%s' "$out" | head -n 1)" '^ID +VERSION +GROUP +TITLE$'
expect_lines "list: a header and six journeys" "$out" 7

# listed ID TITLE: the last list has a line for ID with TITLE.
listed() {
	expect_match "list: $1" "$out" "^$1 +1 +.* $2\$"
}
listed blue-badge "Apply for a Blue Badge"
listed complaint "Make a complaint"
listed foi-request "Make a freedom of information request"
listed missed-bin "Report a missed bin collection"
listed parking-permit "Apply for a resident parking permit"
listed report-speeding "Report speeding traffic"
expect_match "list: with its group" "$out" '^missed-bin +1 +Bins and recycling +Report a missed bin collection$'

# A directory of our own: one good journey, one broken, one that is not a
# journey file at all.
dir="$TMP/journeys"
mkdir "$dir"
journey() { # ID TITLE
	cat <<EOF
{
  "hatch_journey": 1,
  "id": "$1",
  "version": 2,
  "title": "$2",
  "description": "Used by the command-line tests",
  "routes": [{ "destination": "test-team" }],
  "steps": [
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
}
journey test-good "A good test journey" >"$dir/a-good.json"
journey test-bad "A broken test journey" | sed 's/"version": 2/"version": "two"/' >"$dir/b-bad.json"
echo "Not a journey" >"$dir/README.txt"

run journeys list "$dir"
expect_status "list DIR with a broken journey: exits 1" 1
expect_no_crash "list DIR with a broken journey: no crash"
expect_match "list DIR with a broken journey: lists the good one" "$out" '^test-good +2 +- +A good test journey$'
expect_no_match "list DIR with a broken journey: not the broken one" "$out" 'test-bad'
expect_lines "list DIR with a broken journey: a header and one journey" "$out" 2
expect_match "list DIR with a broken journey: reports the broken one" "$err" "^$dir/b-bad.json: version: "
expect_no_match "list DIR with a broken journey: nothing about the good one" "$err" 'a-good'
expect_no_match "list DIR with a broken journey: other files are left alone" "$err" 'README'

# Two journeys with the same id.
rm "$dir/b-bad.json"
journey test-good "The same id again" >"$dir/c-same.json"
run journeys list "$dir"
expect_status "list DIR with a repeated id: exits 1" 1
expect_match "list DIR with a repeated id: reported" "$err" "^$dir/c-same.json: .*\"test-good\""
expect_lines "list DIR with a repeated id: one line on stderr" "$err" 1
n_listed=$(printf '%s\n' "$out" | grep -c '^test-good ') || true
if [ "$n_listed" -eq 1 ]; then ok "list DIR with a repeated id: listed once"; else
	not_ok "list DIR with a repeated id: listed once" "listed $n_listed times" "stdout: $out"
fi

# Only the good ones.
rm "$dir/c-same.json"
run journeys list "$dir"
expect_status "list DIR of good journeys: exits 0" 0
expect_lines "list DIR of good journeys: nothing on stderr" "$err" 0

mkdir "$TMP/empty"
run journeys list "$TMP/empty"
expect_status "list of an empty directory: exits 0" 0
expect_lines "list of an empty directory: just the header" "$out" 1

run journeys list "$TMP/no-such-dir"
expect_status "list of a missing directory: exits 1" 1
expect_lines "list of a missing directory: one line on stderr" "$err" 1
expect_match "list of a missing directory: names it" "$err" "$TMP/no-such-dir"

run journeys list "$dir/a-good.json"
expect_status "list of a file: exits 1" 1
expect_match "list of a file: names it" "$err" "a-good.json"
expect_no_crash "list of a file: no crash"

finish
