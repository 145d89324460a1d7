# hatch gazetteer import, search and info end to end: a simple file with a
# rejected row (exit 0 and the report with FILE:LINE: reason), standard
# input, refusals (exit 1, the old gazetteer kept), the search output's
# tab-separated columns, partial postcodes, words with FTS5 syntax in
# them, and usage errors (exit 2). Fictional addresses only.
. "$TOP/tests/cli/lib.sh"
set +e

DB="$TMP/hatch.db"
GAZ="$DB-gazetteer.db"
cat >"$TMP/s.csv" <<'CSV'
uprn,address,town,postcode,lat,long
100,"Flat 2, 14 Mill Lane",Exampletown,ab1 2dx,51.5,-1.25
101,14 Mill Lane,Exampletown,AB1 2DX,,
102,9 Mill Lane,Exampletown,AB1 2DX,,
x7,1 Nowhere,Exampletown,AB1 2DX,,
103,"The ""Old"" Mill, Mill Lane",Exampletown,AB12 3DX,,
CSV

run gazetteer --help
expect_status "--help exits 0" 0
expect_match "... and shows the usage" "$out" "^Usage: hatch gazetteer import"
run --help
expect_match "hatch --help lists gazetteer" "$out" "^  gazetteer "

run gazetteer info --db "$DB"
expect_status "info with no gazetteer: exits 0" 0
expect_match "... and says there is none" "$out" "^No gazetteer at "

run gazetteer import "$TMP/s.csv" --format simple --db "$DB"
expect_status "import with a rejected row: exits 0" 0
expect_match "... reports rows read" "$out" "^Rows read: 5$"
expect_match "... imported" "$out" "^Imported: 4$"
expect_match "... rejected" "$out" "^Rejected: 1$"
expect_match "... and the rejection as FILE:LINE: reason" "$err" "s.csv:5: bad UPRN \"x7\""
expect_no_match "no progress bar when stderr is not a terminal" "$err" "rows"
mode=$(stat -c %a "$GAZ")
[ "$mode" = 600 ] && ok "the gazetteer is mode 0600" || not_ok "the gazetteer is mode 0600" "mode $mode"

run gazetteer search --postcode "ab1 2dx" --db "$DB"
expect_status "search by postcode: exits 0" 0
expect_lines "... finds the three" "$out" 3
first=$(printf '%s\n' "$out" | head -n 1)
expect_match "... in street and number order, tab-separated" "$first" "^102	9 Mill Lane	Exampletown	AB1 2DX		$"
expect_match "... with coordinates when known" "$out" "^100	Flat 2, 14 Mill Lane	Exampletown	AB1 2DX	51\.500000	-1\.250000$"

run gazetteer search --postcode AB12 --db "$DB"
expect_lines "a partial postcode typed without its space finds AB1 2.. and AB12 ..." "$out" 4
run gazetteer search --postcode AB1 --limit 2 --db "$DB"
expect_lines "--limit" "$out" 2

run gazetteer search --text 'old "mill' --db "$DB"
expect_status "search by words with a quote: exits 0" 0
expect_match "... finds the address" "$out" "^103	The \"Old\" Mill, Mill Lane	"
run gazetteer search --text 'mill OR NEAR(' --db "$DB"
expect_status "FTS5 operators are words, not syntax" 0
expect_lines "... and find nothing here" "$out" 0
run gazetteer search --text 'mi' --db "$DB"
expect_lines "the last word is a prefix" "$out" 4
run gazetteer search --text '14 mill la' --db "$DB"
expect_lines "... of two letters after whole words" "$out" 2
run gazetteer search --text '14 MILL LAN' --db "$DB"
expect_lines "... of three, in capitals" "$out" 2
run gazetteer search --text 'mill lane' --db "$DB"
expect_lines "... of four or more" "$out" 4
run gazetteer search --text '14 mill lane ' --db "$DB"
expect_lines "a space after the last word: a whole word" "$out" 2
run gazetteer search --text '14 mill lan ' --db "$DB"
expect_lines "... which a part of one is not" "$out" 0
run gazetteer search --text 'mill lanex' --db "$DB"
expect_lines "a last word that begins no word finds nothing" "$out" 0

run gazetteer info --db "$DB"
expect_match "info: the count" "$out" "^Addresses: 4$"
expect_match "info: the file" "$out" "^File: .*hatch.db-gazetteer.db$"
expect_match "info: the size" "$out" "^Size: "

printf 'uprn,address,town,postcode,lat,long\n7,7 New Road,Exampletown,AB9 9ZZ,,\n' |
	$HATCH gazetteer import - --format simple --db "$DB" >"$TMP/out" 2>"$TMP/err"
status=$?
expect_status "import from standard input: exits 0" 0
run gazetteer info --db "$DB"
expect_match "... and replaced the gazetteer whole" "$out" "^Addresses: 1$"

: >"$TMP/empty.csv"
run gazetteer import "$TMP/empty.csv" --format simple --db "$DB"
expect_status "an empty file: exits 1" 1
expect_match "... says it is empty" "$err" "empty.csv: the file is empty"
expect_match "... and that the old gazetteer stays" "$err" "is as it was"
printf '\211PNG\r\n\032\n\0\0\0\rIHDR' >"$TMP/p.csv"
run gazetteer import "$TMP/p.csv" --format simple --db "$DB"
expect_status "a file that is not CSV: exits 1" 1
expect_match "... says so" "$err" "not a CSV file"
run gazetteer import "$TMP/s.csv" --format llpg --db "$DB"
expect_status "another format: exits 1" 1
expect_match "... and names the right one" "$err" "try --format simple"
printf 'uprn,address,town,postcode,lat,long\nx,1 Road,Town,AB1 2DX,,\n' >"$TMP/bad.csv"
run gazetteer import "$TMP/bad.csv" --format simple --db "$DB"
expect_status "every row rejected: exits 1" 1
run gazetteer info --db "$DB"
expect_match "the refused imports left the gazetteer as it was" "$out" "^Addresses: 1$"
left=$(find "$TMP" -name '*.tmp-*' | wc -l)
[ "$left" -eq 0 ] && ok "no temporary file left behind" || not_ok "no temporary file left behind"
run gazetteer import "$TMP/none.csv" --format simple --db "$DB"
expect_status "a missing file: exits 1" 1

run gazetteer import "$TMP/s.csv" --format simple --db "$TMP/new/data/hatch.db"
expect_status "import where the database's directory is missing: exits 0" 0
mode=$(stat -c %a "$TMP/new/data" 2>/dev/null)
[ "$mode" = 700 ] && ok "... and makes it, mode 0700" || not_ok "... and makes it, mode 0700" "mode $mode"
run gazetteer search --text 'mill' --db "$TMP/new/data/hatch.db"
expect_lines "... where the gazetteer is searched" "$out" 4

run gazetteer search --postcode AB1 --db "$TMP/other.db"
expect_status "search with no gazetteer: exits 1" 1
expect_match "... and says so" "$err" "no gazetteer at"

run gazetteer
expect_status "no subcommand: exits 2" 2
run gazetteer frob
expect_status "unknown subcommand: exits 2" 2
run gazetteer import "$TMP/s.csv" --db "$DB"
expect_status "import without --format: exits 2" 2
expect_lines "... with one line" "$err" 1
run gazetteer import "$TMP/s.csv" --format csv --db "$DB"
expect_status "an unknown format: exits 2" 2
run gazetteer import --format simple --db "$DB"
expect_status "import without a file: exits 2" 2
run gazetteer search --db "$DB"
expect_status "search without --postcode or --text: exits 2" 2
run gazetteer search --postcode AB1 --text mill --db "$DB"
expect_status "search with both: exits 2" 2
run gazetteer search --postcode AB1 --limit 0 --db "$DB"
expect_status "--limit 0: exits 2" 2
run gazetteer search --postcode 'not one' --db "$DB"
expect_status "a postcode that cannot begin one: exits 2" 2
run gazetteer search --postcode AB1 --frob --db "$DB"
expect_status "an unknown option: exits 2" 2
run gazetteer info --db
expect_status "--db without a path: exits 2" 2

finish
