# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP...: tests/e2e/lib.sh
# A citizen walks away mid-journey after typing: with the shortest idle
# timeout the configuration allows (30 s, then a 10 s warning), "Do you need
# more time?" appears; "Yes" keeps the answers; left alone a second time the
# kiosk clears everything and goes back to Welcome, saving nothing.
# Sourced by scripts/e2e.

day=$(date -d yesterday +%-d)
month=$(date -d yesterday +%-m)
year=$(date -d yesterday +%Y)

# now: seconds since the epoch, with a fraction.
now() { date +%s.%N; }
# elapsed_between DESC FROM TO MIN MAX: TO - FROM is within [MIN, MAX] s.
elapsed_between() {
	local s
	s=$($PY -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$2" "$3")
	if $PY -c 'import sys; sys.exit(not float(sys.argv[2]) <= float(sys.argv[1]) <= float(sys.argv[3]))' \
		"$s" "$4" "$5"; then
		ok "$1 (${s} s)"
	else
		not_ok "$1" "took $s s, wanted $4 to $5 s"
	fi
}
# same_picture DESC A B: two screenshots are identical, pixel for pixel.
same_picture() {
	local diff
	diff=$(compare -metric AE "$2" "$3" "$RUN/diff-$((n + 1)).png" 2>&1)
	if [ "$diff" = 0 ]; then ok "$1"; else
		not_ok "$1" "$diff pixels differ between $2 and $3" "differences: $RUN/diff-$((n + 1)).png"
	fi
}
# garden_to_address: from Welcome to the address question, garden waste and
# a date given (its own name: the scenarios share one shell, and lib.sh has
# a to_address of its own).
garden_to_address() {
	click_widget role=button label=Start || return 1
	wait_screen services || return 1
	click_widget role=tile "label=Report a missed bin collection" || return 1
	wait_step bin || return 1
	click_widget role=radio "label=Garden waste" || return 1
	click_widget role=button label=Continue || return 1
	wait_step date || return 1
	kbd_type "$day" && kbd_key Tab && kbd_type "$month" && kbd_key Tab && kbd_type "$year" ||
		return 1
	kbd_key Return || return 1
	wait_step address
}
# cpu_ticks: the kiosk's processor time so far, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$KIOSK_PID/stat"; }
dialog_shows() { wait_for "has('role=dialog', 'label=Do you need more time?')" 45; }

config='[kiosk]
idle_timeout = 30
timeout_warning = 10'
check "the kiosk starts with idle_timeout = 30 and timeout_warning = 10" \
	start_kiosk timeout "$config" || return
expect_eq "the configuration file is accepted without a word about it" \
	"$(grep -c -e "$RUN/hatch.conf" -e problem "$RUN/stderr")" 0
screenshot "$RUN/welcome-before.png"

check "a bin and a date given, the address question shows" garden_to_address || return
screenshot "$RUN/address-empty.png"
check "part of an address typed on the physical keyboard" kbd_type "Flat 3, 14 Quiet Lane" ||
	return
check "tapping Town or city moves focus there" click_widget role=textbox "label~=Town or city" ||
	return
check "'Hatch' typed on the on-screen keyboard" osk_type "Hatch" || return
typed_at=$(now)
idle_frame=$(frame)
idle_cpu=$(cpu_ticks)

check "left alone, the kiosk asks \"Do you need more time?\"" dialog_shows || return
elapsed_between "it asks after the 30 s idle timeout" "$typed_at" "$(now)" 29 34
check "while idle it drew nothing but the dialog" wait_for "frame == $idle_frame + 1" 1
cpu=$(($(cpu_ticks) - idle_cpu))
hz=$(getconf CLK_TCK)
if [ "$cpu" -le $((hz / 4)) ]; then ok "and used almost no processor time ($cpu ticks of 1/$hz s in 30 s)"
else not_ok "and used almost no processor time" "$cpu ticks of 1/$hz s in 30 s idle"; fi
asked_at=$(now)
check "the dialog offers more time and clearing the answers, focus on more time" \
	wait_for "has('role=button', 'label=Yes, I need more time')
	and has('role=button', 'label=No, clear my answers')
	and focused('role=button', 'label=Yes, I need more time')" || return
check "the on-screen keyboard is hidden under the dialog" wait_for "not has('role=key')"
check "the journey is still on the address question behind it" \
	wait_for "screen == 'step' and step == 'address'"
pos=$(ui locate "$DUMP" "$WIN_H" role=button label=Back)
# shellcheck disable=SC2086
[ -n "$pos" ] && click_at $pos
sleep 0.5
check "a tap on Back, outside the dialog, is ignored" \
	wait_for "screen == 'step' and step == 'address' and has('role=dialog')" 1
check "\"Yes, I need more time\" closes the dialog" \
	click_widget role=button "label=Yes, I need more time" || return
check "the address question is back, without the dialog" \
	wait_for "step == 'address' and not has('role=dialog')" || return
elapsed_between "the dialog was answered within its 10 s countdown" "$asked_at" "$(now)" 0 9
check "tapping Postcode moves focus there" click_widget role=textbox label~=Postcode || return
check "a postcode typed on the physical keyboard" kbd_type "SW1A 2AA" || return
screenshot "$RUN/address-typed.png"
typed_at=$(now)

check "left alone again, the kiosk asks again" dialog_shows || return
elapsed_between "again after the 30 s idle timeout" "$typed_at" "$(now)" 29 34
asked_at=$(now)
check "nobody answers: the countdown ends on Welcome" wait_for "screen == 'welcome'" 15 || return
elapsed_between "after the 10 s countdown" "$asked_at" "$(now)" 9 12
check "no step, no dialog, Start focused" wait_for "step == '' and not has('role=dialog')
	and focused('role=button', 'label=Start')"
expect_eq "nothing was saved in the outbox" "$(sql 'SELECT count(*) FROM outbox')" 0
sleep "$GUARD"
screenshot "$RUN/welcome-after.png"
same_picture "Welcome looks exactly as it did before the session" \
	"$RUN/welcome-before.png" "$RUN/welcome-after.png"
check "the same bin and date lead to the address question again" garden_to_address || return
screenshot "$RUN/address-again.png"
same_picture "the address boxes are empty again: nothing typed is on screen" \
	"$RUN/address-empty.png" "$RUN/address-again.png"
expect_eq "still nothing in the outbox" "$(sql 'SELECT count(*) FROM outbox')" 0
check "the kiosk quits cleanly when asked" stop_kiosk
