# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP...: tests/e2e/lib.sh
# A citizen reports a missed bin from Welcome to the confirmation, typing on
# the on-screen keyboard and on a physical keyboard; the outbox then holds
# exactly one queued record with what was typed. Sourced by scripts/e2e.

day=$(date -d yesterday +%-d)
month=$(date -d yesterday +%-m)
year=$(date -d yesterday +%Y)
iso=$(date -d yesterday +%F)

check "the kiosk starts in a window and shows Welcome" start_kiosk missed-bin || return
check "Welcome has Start and the language buttons" \
	wait_for "has('role=button', 'label=Start') and has('role=radio', 'label=Cymraeg')" || return

ui layout "$DUMP" >"$RUN/welcome-start.txt"

check "Start opens the list of services" click_widget role=button label=Start || return
check "the services screen shows" wait_screen services || return
# The footer covers the bottom of the scrolling list: a tap on its bare
# background must not reach the tile behind it.
pos=$(ui under-footer "$DUMP" "$WIN_H")
if [ -n "$pos" ]; then
	before=$(frame)
	# shellcheck disable=SC2086
	click_at $pos
	sleep 0.6
	if ! check "a tap on the footer's bare background does not start the tile hidden under it" \
		wait_for "screen == 'services' and frame == $before" 1; then
		click_widget role=button label=Back && wait_screen services || return
	fi
fi

check "the missed bin tile, scrolled into view and tapped, starts the journey" \
	click_widget role=tile "label=Report a missed bin collection" || return
check "the first question asks which bin" wait_step bin || return
check "it offers the four bins" \
	wait_for "len([w for w in widgets if w['role'] == 'radio']) == 4" || return

check "choosing Recycling takes focus" click_widget role=radio label=Recycling || return
check "Recycling is focused" wait_for "focused('role=radio', 'label=Recycling')" || return
check "Continue goes to the date" click_widget role=button label=Continue || return
check "the date question shows" wait_step date || return
check "Day is focused, with a number pad" wait_for "focused('role=textbox', 'label~=Day')
	and has('role=key', 'label=5') and not has('role=key', 'label=q')" || return

check "day $day typed on the on-screen number pad" osk_type "$day" || return
check "tapping Month moves focus there" click_widget role=textbox label~=Month || return
check "Month is focused" wait_for "focused('role=textbox', 'label~=Month')" || return
check "month $month typed on the physical keyboard" kbd_type "$month" || return
check "Tab moves focus to Year" kbd_key Tab || return
check "Year is focused" wait_for "focused('role=textbox', 'label~=Year')" || return
check "year $year typed on the physical keyboard" kbd_type "$year" || return
check "Enter in the last box continues to the address" kbd_key Return || return
check "the address question shows" wait_step address || return
check "the first address line is focused, with a letter keyboard" \
	wait_for "focused('role=textbox', 'label~=Building and street') and has('role=key', 'label=q')" ||
	return

check "'12 High St' typed on the on-screen keyboard (?123, ABC, Shift, Space)" \
	osk_type "12 High St" || return
check "tapping Town or city moves focus there" click_widget role=textbox "label~=Town or city" ||
	return
check "'Hatchford' typed on the physical keyboard" kbd_type "Hatchford" || return
check "tapping Postcode moves focus there" click_widget role=textbox label~=Postcode || return
check "the postcode keyboard has capitals and digits" \
	wait_for "focused('role=textbox', 'label~=Postcode') and has('role=key', 'label=Q')
	and has('role=key', 'label=1') and not has('role=key', 'label=Shift')" || return
check "'SW1A1AA' typed on the on-screen keyboard" osk_type "SW1A1AA" || return
check "Continue goes to the 7am question" click_widget role=button label=Continue || return
check "the 7am question shows" wait_step on-time || return

check "Yes chosen" click_widget role=radio label=Yes || return
check "Continue goes to the side waste question" click_widget role=button label=Continue || return
check "the side waste question shows" wait_step side-waste || return
check "No chosen" click_widget role=radio label=No || return
check "Continue goes to the tag question" click_widget role=button label=Continue || return
check "the tag question shows" wait_step tag || return
check "No chosen" click_widget role=radio label=No || return
check "Continue goes to the details question" click_widget role=button label=Continue || return
check "the details question shows" wait_step details || return
check "its box is focused" wait_for "focused('role=textbox')" || return

check "details typed on the physical keyboard" kbd_type "Left by the green gate." || return
check "Continue goes to the name question" click_widget role=button label=Continue || return
check "the name question shows" wait_step name || return
check "its box is focused" wait_for "focused('role=textbox', 'label=What is your name?')" || return

check "'Jox' typed on the on-screen keyboard, Shift for the capital" osk_type "Jox" || return
check "the on-screen Delete key removes the x" click_widget role=key label=Delete || return
check "' Bloggz' typed on the physical keyboard" kbd_type " Bloggz" || return
check "the physical BackSpace key removes the z" kbd_key BackSpace || return
check "'s' typed on the physical keyboard" kbd_type "s" || return
check "Done hides the keyboard and focuses Continue" click_widget role=key label=Done || return
check "Continue is focused and the keyboard gone" \
	wait_for "focused('role=button', 'label=Continue') and not has('role=key')" || return
check "the physical Enter key presses the focused Continue" kbd_key Return || return
check "the email question shows" wait_step email || return

check "'jo@example' typed on the physical keyboard" kbd_type "jo@example" || return
check "the email keyboard's .com key" click_widget role=key label=.com || return
check "Continue goes to the phone question" click_widget role=button label=Continue || return
check "the phone question shows" wait_step phone || return
check "Continue with no phone number goes to check your answers" \
	click_widget role=button label=Continue || return
check "check your answers shows" wait_step check || return
check "it has a Change link for each of the 10 questions" wait_for "len([w for w in widgets
	if w['role'] == 'link' and w['label'].startswith('Change')]) == 10" || return
check "nothing is in the outbox before Send" test "$(sql 'SELECT count(*) FROM outbox')" = 0

check "Send report sends" click_widget role=button "label=Send report" || return
check "the confirmation shows" wait_step 'done' || return
check "it gives a reference number" \
	wait_for "has('role=heading', 'label~=Missed bin reported. Your reference number ')" || return
shown=$($PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
print([w["label"] for w in d["widgets"] if "Your reference number " in w["label"]][0].rsplit(" ", 1)[1])' "$DUMP")

expect_eq "the outbox holds exactly one record" "$(sql 'SELECT count(*) FROM outbox')" 1
expect_eq "it is queued, for missed-bin, to waste-services, with the reference shown" \
	"$(sql "SELECT state, journey_id, destination, reference FROM outbox")" \
	"queued|missed-bin|waste-services|$shown"
expect_payload "the payload names the journey missed-bin" 'p["journey"]["id"]' '"missed-bin"'
expect_payload "the payload carries the reference shown" 'p["reference"]' "\"$shown\""
expect_payload "the bin is recycling" 'a["bin"]' '"recycling"'
expect_payload "the date is yesterday, $iso" 'a["date"]' "\"$iso\""
expect_payload "the address is as typed on both keyboards" 'a["address"]' \
	'{"line1": "12 High St", "line2": "", "town": "Hatchford", "postcode": "SW1A 1AA"}'
expect_payload "the yes/no answers" '[a["on-time"], a["side-waste"], a["tag"]]' '["yes", "no", "no"]'
expect_payload "the details typed physically" 'a["details"]' '"Left by the green gate."'
expect_payload "the name typed on both keyboards, corrected with both Delete keys" \
	'a["name"]' '"Jo Bloggs"'
expect_payload "the email typed physically and with the .com key" 'a["email"]' '"jo@example.com"'
expect_payload "no phone answer" '"phone" in a' 'false'

check "Finish goes back to Welcome" click_widget role=button label=Finish || return
check "Welcome shows" wait_screen welcome || return
ui layout "$DUMP" >"$RUN/welcome-finish.txt"
check "Welcome is laid out as it was at the start (no footer, no scroll buttons)" \
	diff "$RUN/welcome-start.txt" "$RUN/welcome-finish.txt"
check "the kiosk quits cleanly when asked" stop_kiosk

# The anonymous usage events of that session, written when the kiosk
# stopped: which steps, never what was typed.
expect_eq "one journey started, as a usage event, in English, self-service" \
	"$(sql "SELECT journey, language, assisted FROM events WHERE kind = 1")" "missed-bin|en|0"
expect_eq "... and completed" "$(sql "SELECT count(*) FROM events WHERE kind = 4 AND journey = 'missed-bin'")" 1
expect_eq "... each of its 12 pages shown, and the time on the 11 before the confirmation" \
	"$(sql "SELECT count(DISTINCT step) FROM events WHERE kind = 2")/$(sql "SELECT count(DISTINCT step) FROM events WHERE kind = 9")" \
	"12/11"
check "nothing typed is in the events: no name, street, postcode, email or details" \
	sh -c '! sqlite3 "$1" ".dump events" | grep -i -e Bloggs -e "High St" -e SW1A -e jo@example -e "green gate" -e Hatchford' \
	sh "$RUN/hatch.db"
