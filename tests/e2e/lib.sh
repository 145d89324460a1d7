# Helpers for the end-to-end tests: the kiosk in a real X window, driven
# with real X input (xdotool) and read through its screen description
# ($HATCH_UI_DUMP, see dump_widgets in src/app/kiosk.c). Sourced by
# scripts/e2e, which sets HATCH (the binary), TOP, TMP and DISPLAY.
# Each check prints one TAP line.

PY=/usr/bin/python3
# ui ARGS...: tests/e2e/ui.py, which reads the screen description.
ui() { "$PY" "$TOP/tests/e2e/ui.py" "$@"; }
WIN_W=800
WIN_H=480
# Taps are ignored for 400 ms after a page changes (UI_GUARD_MS).
GUARD=0.45

n=0
passed=0
failed=0
KIOSK_PID=""
KIOSK_WIN=""
RUN=""      # the directory of the kiosk being driven
DUMP=""

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#   /'; done
}

# fail DESC [LINES...]: a failed check, with the screen as the kiosk last
# described it, its standard error and a screenshot kept for a person.
fail() {
	local desc=$1
	shift
	local shot=""
	if [ -n "$RUN" ]; then
		shot="$RUN/failure-$((n + 1)).png"
		screenshot "$shot" 2>/dev/null || shot=""
	fi
	# wait_for has described the screen already.
	case "$*" in
	*"last screen:"*) ;;
	*) set -- "$@" "screen: $(ui show "$DUMP" 2>&1 | head -n 40)" ;;
	esac
	if [ -n "$KIOSK_PID" ] && ! kill -0 "$KIOSK_PID" 2>/dev/null; then
		set -- "$@" "the kiosk is no longer running"
	fi
	not_ok "$desc" "$@" \
		"kiosk stderr: $(tail -n 5 "$RUN/stderr" 2>/dev/null)" \
		${shot:+"screenshot: $shot"}
}

# check DESC CMD...: ok when CMD succeeds, else a failure with its output.
# Returns CMD's status so that a scenario can stop at the first failure.
# CMD runs in this shell, so that what it sets (the kiosk's process) stays.
check() {
	local desc=$1 status
	shift
	"$@" >"$TMP/check.out" 2>&1
	status=$?
	if [ "$status" -eq 0 ]; then ok "$desc"; else fail "$desc" "$(cat "$TMP/check.out")"; fi
	return "$status"
}

# ---- the kiosk ----

# start_kiosk NAME [CONFIG-TEXT]: a new kiosk in $TMP/NAME with its own
# database and configuration file, in an 800x480 window; waits for Welcome.
start_kiosk() {
	RUN="$TMP/$1"
	mkdir -p "$RUN"
	DUMP="$RUN/dump.json"
	printf '%s\n' "${2:-}" >"$RUN/hatch.conf"
	HATCH_UI_DUMP="$DUMP" SDL_VIDEODRIVER=x11 \
		"$HATCH" run --window "${WIN_W}x$WIN_H" --db "$RUN/hatch.db" \
		--config "$RUN/hatch.conf" >"$RUN/stdout" 2>"$RUN/stderr" &
	KIOSK_PID=$!
	wait_for "screen == 'welcome'" 15 || return 1
	KIOSK_WIN=$(timeout 10 xdotool search --sync --onlyvisible --pid "$KIOSK_PID" 2>/dev/null |
		head -n 1)
	if [ -z "$KIOSK_WIN" ]; then
		echo "no window of process $KIOSK_PID on $DISPLAY"
		return 1
	fi
	# Keys go to the kiosk: the pointer rests in its window, which has the
	# input focus (there is no window manager).
	xdotool mousemove --window "$KIOSK_WIN" 2 2
	timeout 5 xdotool windowfocus --sync "$KIOSK_WIN" 2>/dev/null || true
	sleep "$GUARD"
}

# stop_kiosk: asks the kiosk to quit (SIGTERM is SDL's quit event) and
# returns its exit status.
stop_kiosk() {
	local status=0
	[ -n "$KIOSK_PID" ] || return 0
	kill -TERM "$KIOSK_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$KIOSK_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$KIOSK_PID" 2>/dev/null; then
		kill -KILL "$KIOSK_PID" 2>/dev/null
		status=137
	fi
	wait "$KIOSK_PID" 2>/dev/null || status=$?
	KIOSK_PID=""
	return "$status"
}

# sql QUERY: one query on the kiosk's database, with the sqlite3 tool.
sql() { sqlite3 -batch -noheader "$RUN/hatch.db" "$1"; }

# screenshot FILE: the whole X screen (the window fills it) as PNG.
screenshot() { import -silent -window root "$1"; }

# ---- reading the screen ----

frame() { ui frame "$DUMP"; }

# wait_for EXPR [SECONDS]: polls the screen description until the Python
# expression EXPR holds (see tests/e2e/ui.py); 10 s by default.
wait_for() { ui wait "$DUMP" "${2:-10}" "$1" >/dev/null; }

# wait_frame AFTER [SECONDS]: a frame newer than AFTER has been drawn.
wait_frame() { wait_for "frame > $1" "${2:-5}"; }

# wait_step ID: the journey shows step ID, and the 400 ms in which a new
# page ignores taps are over.
wait_step() {
	wait_for "screen == 'step' and step == '$1'" "${2:-10}" || return 1
	sleep "$GUARD"
}

# wait_screen NAME: as wait_step for welcome, services and help.
wait_screen() {
	wait_for "screen == '$1'" "${2:-10}" || return 1
	sleep "$GUARD"
}

# ---- real input ----

# click_at X Y: a left click at window coordinates X, Y.
click_at() { xdotool mousemove --window "$KIOSK_WIN" "$1" "$2" click 1; }

# click_widget SELECTOR...: clicks the centre of the first widget matching
# SELECTOR (role=, label=, label~=, action=, arg=; see tests/e2e/ui.py),
# scrolling the page with its scroll buttons first if the widget is out of
# view, and waits for the kiosk to draw the result; fails saying so if the
# click changed nothing.
click_widget() {
	local pos before
	for _ in $(seq 12); do
		pos=$(ui locate "$DUMP" "$WIN_H" "$@") || return 1
		before=$(frame)
		case "$pos" in
		up | down)
			pos=$(ui locate "$DUMP" "$WIN_H" action="scroll_$pos") || return 1
			# shellcheck disable=SC2086
			click_at $pos
			wait_frame "$before" || { echo "scrolling $pos did nothing"; return 1; }
			;;
		*)
			# shellcheck disable=SC2086
			click_at $pos
			wait_frame "$before" 3 ||
				{ echo "the click at $pos on [$*] changed nothing"; return 1; }
			return 0
			;;
		esac
	done
	echo "[$*] is still out of view after 12 scrolls"
	return 1
}

# osk_type TEXT: types TEXT by clicking the on-screen keyboard's keys,
# switching layouts (Shift, ?123, ABC) as a person would.
osk_type() {
	local text=$1 i c label
	for ((i = 0; i < ${#text}; i++)); do
		c=${text:i:1}
		label=$c
		[ "$c" = " " ] && label=Space
		for _ in 1 2 3 4; do
			if ui locate "$DUMP" "$WIN_H" role=key "label=$label" >/dev/null 2>&1; then
				click_widget role=key "label=$label" || return 1
				continue 2
			fi
			# Not on this layout: change layout and look again.
			case "$c" in
			[a-z] | [A-Z])
				if ui locate "$DUMP" "$WIN_H" role=key label=Letters >/dev/null 2>&1; then
					click_widget role=key label=Letters || return 1
				else
					click_widget role=key label=Shift || return 1
				fi
				;;
			*)
				if ui locate "$DUMP" "$WIN_H" role=key "label=Numbers and symbols" >/dev/null 2>&1; then
					click_widget role=key "label=Numbers and symbols" || return 1
				else
					click_widget role=key label=Letters || return 1
				fi
				;;
			esac
		done
		echo "no key for '$c' on the on-screen keyboard"
		return 1
	done
}

# kbd_type TEXT: types TEXT on the physical keyboard, and waits until the
# kiosk has drawn a frame for each character (one text event each).
kbd_type() {
	local before
	before=$(frame)
	xdotool type --delay 25 -- "$1"
	wait_for "frame >= $before + ${#1}" 5 ||
		{ echo "the kiosk took fewer than ${#1} characters of '$1'"; return 1; }
}

# kbd_key KEY...: presses keys on the physical keyboard (xdotool names,
# e.g. Tab, Return, BackSpace) and waits for the kiosk to draw.
kbd_key() {
	local before
	before=$(frame)
	xdotool key --delay 40 "$@"
	wait_frame "$before" || { echo "the key(s) $* changed nothing"; return 1; }
}

# payload_value EXPR: EXPR, a Python expression over p (the payload of the
# one outbox record) and a (its answers by step id), as JSON. The payload is
# encrypted at rest; it is opened here with the device key file and
# libsodium's secretbox (PyNaCl), independently of the kiosk's own code.
payload_value() {
	sql "SELECT hex(payload_box) FROM outbox" | $PY -c '
import json, sys
import nacl.secret
key = open(sys.argv[2], "rb").read()
box = bytes.fromhex(sys.stdin.read().strip())
p = json.loads(nacl.secret.SecretBox(key).decrypt(box).decode("utf-8"))
a = {x["id"]: x.get("value") for x in p.get("answers", [])}
print(json.dumps(eval(sys.argv[1]), sort_keys=True))' "$1" "$RUN/hatch.db.key"
}

# expect_payload DESC EXPR JSON: the payload's EXPR (see payload_value) is JSON.
expect_payload() {
	local got want
	got=$(payload_value "$2" 2>&1)
	want=$($PY -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), sort_keys=True))' "$3")
	if [ "$got" = "$want" ]; then ok "$1"; else
		not_ok "$1" "payload $2: got $got" "wanted $want"
	fi
}

# expect_eq DESC GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got: $2" "wanted: $3"; fi
}

# ---- a journey answered quickly, shared by the scenarios ----

day=$(date -d yesterday +%-d)
month=$(date -d yesterday +%-m)
year=$(date -d yesterday +%Y)

# to_check: the whole journey, answered quickly, up to check your answers.
to_check() {
	to_address || return 1
	kbd_type "2 Double Row" && kbd_key Return && kbd_key Return && kbd_type "Hatchford" &&
		kbd_key Return && kbd_type "SW1A 2AA" && kbd_key Return || return 1
	from_address
}

# to_address: the journey answered quickly up to the address question.
to_address() {
	click_widget role=button label=Start || return 1
	wait_screen services || return 1
	services_to_address
}

# services_to_address: from the services screen, the missed bin journey up
# to the address question.
services_to_address() {
	click_widget role=tile "label=Report a missed bin collection" || return 1
	wait_step bin || return 1
	click_widget role=radio "label=Food waste" || return 1
	click_widget role=button label=Continue || return 1
	wait_step date || return 1
	# Enter moves on to the next box, and continues from the last.
	kbd_type "$day" && kbd_key Return && kbd_type "$month" && kbd_key Return &&
		kbd_type "$year" && kbd_key Return || return 1
	wait_step address
}

# from_address: the rest of the journey, after the address, up to check
# your answers.
from_address() {
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

