# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP, TMP...: tests/e2e/lib.sh
# Finding an address in the gazetteer: a kiosk whose database has the
# demonstration council's sample gazetteer beside it. The postcode is typed
# on the on-screen postcode keyboard, the addresses found are listed, one is
# tapped (scrolling down to it), and the record carries its UPRN and
# coordinates. "My address is not listed" leads to the lines, with the
# postcode already in. Sourced by scripts/e2e.

mkdir -p "$TMP/address"
check "the sample gazetteer is imported beside the kiosk's database" \
	sh -c '"$1" | $2 gazetteer import - --format simple --db "$3" >/dev/null' sh \
	"$TOP/scripts/make-sample-gazetteer" "$HATCH" "$TMP/address/hatch.db" || return
check "the kiosk starts" start_kiosk address || return
check "the journey answered up to the address question" to_address || return
check "the address question asks for a postcode, on the postcode keyboard" \
	wait_for "focused('role=textbox', 'label~=Postcode') and has('role=key', 'label=Z')
	and has('role=key', 'label=1') and has('role=button', 'label=Find address')" || return
check "Find address with nothing typed says what to do" \
	click_widget role=button "label=Find address" || return
check "... 'Enter a postcode'" wait_for "has('role=link', 'label=Enter a postcode')" || return
check "tapping the box focuses it again" click_widget role=textbox "label~=Postcode" || return
check "'ZY11AA' typed on the on-screen keyboard" osk_type "ZY11AA" || return
check "Find address lists the addresses" click_widget role=button "label=Find address" || return
check "... 12 of them, as rows to pick from, the postcode as typed shown normalised" \
	wait_for "has('role=heading', 'label=12 addresses found for ZY1 1AA')
	and len([w for w in widgets if w['role'] == 'radio']) == 12" || return
sleep "$GUARD" # a new page takes no taps for its first moment
check "the 11th row, below the fold, is tapped (after scrolling)" \
	click_widget role=radio "label=11 Venavine Grove, Exampleton, ZY1 1AA" || return
check "... and is selected" \
	wait_for "has('role=radio', 'label=11 Venavine Grove, Exampleton, ZY1 1AA', 'checked=true')" ||
	return
check "Continue takes the address and goes on" click_widget role=button label=Continue || return
check "the rest of the journey up to check your answers" from_address || return
check "check your answers shows" wait_step check || return
check "Send report sends" click_widget role=button "label=Send report" || return
check "the confirmation shows" wait_step 'done' || return
expect_eq "the outbox holds exactly one record" "$(sql 'SELECT count(*) FROM outbox')" 1
uprn=$("$HATCH" gazetteer search --postcode "ZY1 1AA" --db "$RUN/hatch.db" |
	awk -F'\t' '$2 == "11 Venavine Grove" { print $1, $5, $6 }')
read -r want_uprn want_lat want_lon <<<"$uprn"
expect_payload "the record has the address chosen, its UPRN and its place" \
	'[a["address"]["line1"], a["address"]["town"], a["address"]["postcode"], a["address"]["uprn"], "%.6f" % a["address"]["lat"], "%.6f" % a["address"]["long"]]' \
	"[\"11 Venavine Grove\", \"Exampleton\", \"ZY1 1AA\", \"$want_uprn\", \"$want_lat\", \"$want_lon\"]"
check "Finish returns to Welcome" click_widget role=button label=Finish || return
check "Welcome shows" wait_screen welcome || return

# Not listed: typed in, the postcode carried over.
check "the journey again, up to the address question" to_address || return
check "'ZY1 1AB' typed on the physical keyboard and Enter finds" \
	eval 'kbd_type "ZY1 1AB" && kbd_key Return' || return
check "... the addresses of ZY1 1AB" wait_for "has('role=heading', 'label~=found for ZY1 1AB')" ||
	return
sleep "$GUARD"
check "'My address is not listed' (after scrolling)" \
	click_widget role=link "label=My address is not listed" || return
check "... gives the lines to type" \
	wait_for "focused('role=textbox', 'label~=Building and street') and
	has('role=textbox', 'label~=Postcode')" || return
sleep "$GUARD"
check "the first line and the town typed" \
	eval 'kbd_type "The Boathouse" && kbd_key Return && kbd_key Return && kbd_type "Exampleton" && kbd_key Return && kbd_key Return' ||
	return
check "the rest of the journey up to check your answers" from_address || return
check "Send report sends" click_widget role=button "label=Send report" || return
check "the confirmation shows" wait_step 'done' || return
expect_eq "the outbox holds two records" "$(sql 'SELECT count(*) FROM outbox')" 2
sql "DELETE FROM outbox WHERE id = (SELECT min(id) FROM outbox)"
expect_payload "the second has the lines typed, the postcode looked for, and no UPRN" \
	'[a["address"]["line1"], a["address"]["town"], a["address"]["postcode"], "uprn" in a["address"]]' \
	'["The Boathouse", "Exampleton", "ZY1 1AB", false]'
check "the kiosk quits cleanly when asked" stop_kiosk
