# Helpers for command-line tests: each check prints one TAP line.
# The test runner sets HATCH (the binary, perhaps behind an emulator),
# HATCH_ASSETS and TOP. Sourced by tests/cli/*.sh.
set -u
n=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
}

# run CMD...: runs hatch with arguments, capturing stdout, stderr and status
# into $out, $err and $status. Standard input is passed through.
run() {
	set +e
	$HATCH "$@" >"$TMP/out" 2>"$TMP/err"
	status=$?
	set -e
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

# expect DESC STATUS: the last run exited with STATUS.
expect_status() {
	if [ "$status" -eq "$2" ]; then ok "$1"; else
		not_ok "$1" "exit status $status, wanted $2" "stdout: $(head -c 600 "$TMP/out")" "stderr: $(head -c 600 "$TMP/err")"
	fi
}

# expect_match DESC TEXT REGEX: TEXT matches the extended regex.
expect_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		not_ok "$1" "wanted a match for: $3" "got: $(printf '%s' "$2" | head -c 800)"
	fi
}

expect_no_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		not_ok "$1" "did not want: $3" "got: $(printf '%s' "$2" | head -c 800)"
	else ok "$1"; fi
}

# lines TEXT: the number of lines in TEXT.
lines() { printf '%s' "$1" | grep -c ''; }

finish() { echo "1..$n"; }

# expect_lines DESC TEXT N: TEXT has exactly N lines.
expect_lines() {
	got=$(lines "$2") || true
	if [ "$got" -eq "$3" ]; then ok "$1"; else
		mapfile -t head_lines < <(printf '%s\n' "$2" | head -n 5)
		not_ok "$1" "wanted $3 lines, got $got" "${head_lines[@]}"
	fi
}

# expect_no_crash DESC: the last run ended by itself (no signal) and printed
# nothing a crash or a sanitizer prints.
expect_no_crash() {
	if [ "$status" -lt 128 ] &&
		! cat "$TMP/out" "$TMP/err" |
		grep -Eq 'Segmentation|AddressSanitizer|LeakSanitizer|runtime error|Aborted|core dumped'; then
		ok "$1"
	else
		not_ok "$1" "exit status $status" "stderr: $(head -c 600 "$TMP/err")"
	fi
}
