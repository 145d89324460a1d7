# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP...: tests/e2e/lib.sh
# A double tap never submits twice: Send pressed twice quickly on check your
# answers saves one record, and the second tap does not press the Finish
# button that takes Send's place. Mostly the physical keyboard this time.
# Sourced by scripts/e2e.

day=$(date -d yesterday +%-d)
month=$(date -d yesterday +%-m)
year=$(date -d yesterday +%Y)

# to_check: the whole journey, answered quickly, up to check your answers.
to_check() {
	click_widget role=button label=Start || return 1
	wait_screen services || return 1
	click_widget role=tile "label=Report a missed bin collection" || return 1
	wait_step bin || return 1
	click_widget role=radio "label=Food waste" || return 1
	click_widget role=button label=Continue || return 1
	wait_step date || return 1
	# Enter moves on to the next box, and continues from the last.
	kbd_type "$day" && kbd_key Return && kbd_type "$month" && kbd_key Return &&
		kbd_type "$year" && kbd_key Return || return 1
	wait_step address || return 1
	kbd_type "2 Double Row" && kbd_key Return && kbd_key Return && kbd_type "Hatchford" &&
		kbd_key Return && kbd_type "SW1A 2AA" && kbd_key Return || return 1
	local step
	for step in on-time side-waste tag; do
		wait_step "$step" || return 1
		click_widget role=radio "label=$([ "$step" = on-time ] && echo Yes || echo No)" || return 1
		click_widget role=button label=Continue || return 1
	done
	wait_step details || return 1
	# Enter in a long answer is a line break.
	kbd_type "Lid open." && kbd_key Return && kbd_type "Bin by the gate." || return 1
	click_widget role=button label=Continue || return 1
	wait_step name || return 1
	kbd_type "Sam Twice" && kbd_key Return || return 1
	wait_step email || return 1
	kbd_key Return || return 1
	wait_step phone || return 1
	kbd_type "01632 960 001" && kbd_key Return || return 1
	wait_step check
}

check "the kiosk starts" start_kiosk double-send || return
check "the journey answered up to check your answers" to_check || return
pos=$(ui locate "$DUMP" "$WIN_H" role=button "label=Send report")
check "Send report is on screen" test -n "$pos" || return
# shellcheck disable=SC2086
xdotool mousemove --window "$KIOSK_WIN" $pos click --repeat 2 --delay 50 1
check "the double tap on Send report reaches the confirmation" wait_step 'done' || return
sleep 1
check "and stays there: the second tap did not press Finish" \
	wait_for "screen == 'step' and step == 'done'" 1
expect_eq "exactly one record is saved" "$(sql 'SELECT count(*) FROM outbox')" 1
expect_eq "it is queued, for missed-bin" "$(sql 'SELECT state, journey_id FROM outbox')" \
	"queued|missed-bin"
expect_payload "its answers are those typed (a phone number in its normal form)" \
	'[a["bin"], a["name"], a["phone"], a["address"]["line1"], a["details"]]' \
	'["food", "Sam Twice", "01632960001", "2 Double Row", "Lid open.\nBin by the gate."]'
# The control: the second tap did land on Finish, which was live there.
# shellcheck disable=SC2086
click_at $pos
check "a tap there once the 400 ms are over does press Finish" wait_screen welcome
expect_eq "still exactly one record" "$(sql 'SELECT count(*) FROM outbox')" 1
check "the kiosk quits cleanly when asked" stop_kiosk
