# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP...: tests/e2e/lib.sh
# A double tap never submits twice: Send pressed twice quickly on check your
# answers saves one record, and the second tap does not press the Finish
# button that takes Send's place. Mostly the physical keyboard this time.
# Sourced by scripts/e2e.

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
