# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP, TMP...: tests/e2e/lib.sh
# Staff: the hidden way in (five taps on the corner above the council's
# name), sign-in on the physical keyboard, five wrong PINs locking that
# account, another member's right PIN, an assisted session recorded with
# the staff ID, and Hand back wiping everything. Sourced by scripts/e2e.

mkdir -p "$TMP/staff"
for who in "kim 5093" "sam 4827"; do
	read -r id pin <<<"$who"
	check "staff member $id added" \
		sh -c 'printf "%s\n" "$3" | $1 staff add "$2" --pin-stdin --db "$4" >/dev/null' sh \
		"$HATCH" "$id" "$pin" "$TMP/staff/hatch.db" || return
done
check "the kiosk starts" start_kiosk staff || return

# corner_taps N: N quick taps on the corner above the council's name.
corner_taps() {
	xdotool mousemove --window "$KIOSK_WIN" 10 10 click --repeat "$1" --delay 150 1
}
check "four taps on the corner do nothing" corner_taps 4
sleep 6
check "... and after five seconds they are forgotten" \
	wait_for "screen == 'welcome'" 2 || return
check "five taps open staff sign-in" corner_taps 5 || return
check "staff sign-in shows, the ID box focused" \
	wait_for "screen == 'staff-sign-in' and focused('role=textbox', 'label=Staff ID')" || return
sleep "$GUARD"
check "'kim' typed, Enter moves to the PIN on the number pad" \
	eval 'kbd_type kim && kbd_key Return' || return
check "... the number pad is up" \
	wait_for "focused('role=textbox', 'label=PIN') and has('role=key', 'label=5')
	and not has('role=key', 'label=q')" || return
for i in 1 2 3 4; do
	check "wrong PIN $i" eval 'kbd_type 1111 && kbd_key Return' || return
	check "... is refused, without saying whether kim exists" \
		wait_for "has('role=alert', 'label=The staff ID or PIN is not right')" || return
done
check "the fifth wrong PIN" eval 'kbd_type 1111 && kbd_key Return' || return
check "... locks kim for five minutes" \
	wait_for "has('role=alert', 'label=Too many wrong PINs. Try again in 5 minutes.')" || return
check "kim's right PIN is refused while locked" eval 'kbd_type 5093 && kbd_key Return' || return
check "... still locked" \
	wait_for "screen == 'staff-sign-in' and has('role=alert', 'label~=Too many wrong PINs')" ||
	return
check "no PIN is ever drawn: the dump holds no 1111 or 5093" \
	sh -c '! grep -q -e 1111 -e 5093 "$1"' sh "$DUMP"
check "the ID box again" click_widget role=textbox "label=Staff ID" || return
check "'sam' replaces kim" eval 'kbd_key ctrl+a && kbd_type sam && kbd_key Return' || return
check "sam's PIN signs in" eval 'kbd_type 4827 && kbd_key Return' || return
check "the staff dashboard shows" wait_screen staff || return
check "... signed in as sam, the outbox empty" \
	wait_for "has('role=heading', 'label=Signed in: sam')" || return
check "Start an assisted session" click_widget role=button "label=Start an assisted session" ||
	return
check "services show with the assisted banner" \
	wait_for "screen == 'services' and has('role=text', 'label=Assisted session with staff member sam')" ||
	return
sleep "$GUARD"
check "the missed bin journey, up to its address" services_to_address || return
check "the address typed" eval 'kbd_type "2 Double Row" && kbd_key Return && kbd_key Return &&
	kbd_type Hatchford && kbd_key Return && kbd_type "SW1A 2AA" && kbd_key Return' || return
check "the rest, up to check your answers" from_address || return
check "Send report sends" click_widget role=button "label=Send report" || return
check "the confirmation shows" wait_step 'done' || return
expect_eq "one record is saved" "$(sql 'SELECT count(*) FROM outbox')" 1
expect_eq "... marked assisted in the outbox" "$(sql 'SELECT channel FROM outbox')" assisted
expect_payload "... and in the record, with sam's ID" '[p["channel"], p["staff_id"]]' \
	'["assisted", "sam"]'
check "Hand back, on the banner" click_widget role=button "label=Hand back" || return
check "Welcome shows, with no banner" \
	wait_for "screen == 'welcome' and not has('role=text', 'label~=Assisted session')" || return
check "the corner asks for a PIN again: nobody is signed in" corner_taps 5 || return
check "... staff sign-in, with empty boxes" \
	wait_for "screen == 'staff-sign-in' and focused('role=textbox', 'label=Staff ID')" || return
check "the kiosk quits cleanly when asked" stop_kiosk
