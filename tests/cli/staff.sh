# hatch staff end to end: add with a PIN on standard input and on a
# terminal (typed twice, never echoed), list, check (ok, and the same
# answer for a wrong PIN and an unknown ID), the lockout after five wrong
# PINs for a real and an unknown ID alike, unlock, a new PIN, remove; PINs
# refused by the rules, names refused, a missing database; usage errors
# (exit 2); and never a PIN or a hash in any output.
. "$TOP/tests/cli/lib.sh"
set +e

DB="$TMP/hatch.db"
ALL="$TMP/all-output"
: >"$ALL"

# srun PIN ARGS...: hatch staff ARGS with PIN as a line on standard input;
# everything printed is kept in $ALL to look for PINs afterwards.
srun() {
	pin=$1
	shift
	printf '%s\n' "$pin" >"$TMP/pin"
	run staff "$@" --db "$DB" <"$TMP/pin"
	printf '%s\n%s\n' "$out" "$err" >>"$ALL"
}

eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "wanted: $3" "got: $2"; fi
}

run staff --help
expect_status "--help exits 0" 0
expect_match "... and shows the usage" "$out" "^Usage: hatch staff add ID"
run --help
expect_match "hatch --help lists staff" "$out" "^  staff "

run staff list --db "$DB"
expect_status "list with no database: exits 0" 0
expect_match "... and says there are no staff" "$out" "^No database at .*hatch.db, so there are no staff accounts.$"
[ -e "$DB" ] && not_ok "... without making one" || ok "... without making one"
srun 2580 check ana --pin-stdin
expect_status "check with no database: exits 1" 1
expect_match "... and says so" "$err" "^hatch: staff check: no database at "

srun 2580 add ana --name "Ana Example" --pin-stdin
expect_status "add with --pin-stdin: exits 0" 0
expect_match "... and says so" "$out" "^Added ana.$"
srun 8642 add bo --pin-stdin
expect_status "add without a name: exits 0" 0

run staff list --db "$DB"
expect_status "list: exits 0" 0
expect_match "list: a header" "$out" "^ID +NAME +CREATED +STATE$"
expect_match "list: ana with her name, when she was added, and that she can sign in" "$out" \
	"^ana +Ana Example +20[0-9-]+T[0-9:]+Z +can sign in$"
expect_match "list: bo without a name" "$out" "^bo +- +20[0-9-]+T[0-9:]+Z +can sign in$"
expect_match "list: the count" "$out" "^2 staff accounts.$"
printf '%s\n' "$out" >>"$ALL"

srun 2580 check ana --pin-stdin
expect_status "check with the right PIN: exits 0" 0
eq "... and prints ok" "$out" "ok"
expect_lines "... and nothing on stderr" "$err" 0

srun 1111 check ana --pin-stdin
expect_status "a wrong PIN: exits 1" 1
wrong_out=$out wrong_err=$err
eq "... and prints the one answer" "$out" "wrong PIN or unknown staff ID"
srun 1111 check nobody --pin-stdin
expect_status "an unknown ID: exits 1" 1
eq "... and prints exactly what a wrong PIN does" "$out" "$wrong_out"
eq "... on stderr too" "$err" "$wrong_err"

# Three more wrong PINs for each, then the fifth locks both alike.
for i in 2 3 4; do
	srun 1111 check ana --pin-stdin
	a="$status $out"
	srun 1111 check nobody --pin-stdin
	eq "wrong PIN $i: the same answer for a real and an unknown ID" "$status $out" "$a"
done
eq "... still wrong, not locked" "$a" "1 wrong PIN or unknown staff ID"
srun 1111 check ana --pin-stdin
expect_status "the fifth wrong PIN: exits 1" 1
expect_match "... and locks for five minutes" "$out" "^locked, try again in (29[0-9]|300) s$"
srun 1111 check nobody --pin-stdin
expect_match "an unknown ID locks the same way" "$out" "^locked, try again in (29[0-9]|300) s$"
srun 2580 check ana --pin-stdin
expect_status "the right PIN while locked: exits 1" 1
expect_match "... and is still locked" "$out" "^locked, try again in (29[0-9]|300) s$"
srun 8642 check bo --pin-stdin
expect_status "another staff member is not locked" 0

run staff list --db "$DB"
expect_match "list shows the lock" "$out" "^ana +Ana Example +[^ ]+ +locked, (29[0-9]|300) s left$"
expect_match "... and not for others" "$out" "^bo +- +[^ ]+ +can sign in$"

run staff unlock ana --db "$DB"
expect_status "unlock: exits 0" 0
expect_match "... and says so" "$out" "^ana is unlocked.$"
srun 2580 check ana --pin-stdin
expect_status "after unlock the right PIN works" 0
srun 1111 check ana --pin-stdin
run staff list --db "$DB"
expect_match "list counts wrong PINs" "$out" "^ana +Ana Example +[^ ]+ +1 wrong PIN$"

srun 3691 pin ana --pin-stdin
expect_status "a new PIN: exits 0" 0
expect_match "... and says so" "$out" "^The PIN of ana is changed.$"
srun 2580 check ana --pin-stdin
expect_status "the old PIN no longer works" 1
srun 3691 check ana --pin-stdin
expect_status "the new one does" 0

# PINs and names the rules refuse: exit 1, a reason, nothing added.
srun 1234 add cy --pin-stdin
expect_status "PIN 1234: exits 1" 1
expect_match "... digits in order" "$err" "^hatch: staff add: a PIN cannot be digits in order"
srun 0000 add cy --pin-stdin
expect_match "PIN 0000: one digit repeated" "$err" "^hatch: staff add: a PIN cannot be one digit repeated"
srun 9876 pin ana --pin-stdin
expect_status "PIN 9876 as a new PIN: exits 1" 1
expect_match "... digits in order" "$err" "digits in order"
srun 123 add cy --pin-stdin
expect_match "PIN 123: too short" "$err" "^hatch: staff add: a PIN is 4 to 12 digits"
srun 12a45 add cy --pin-stdin
expect_match "PIN 12a45: not digits" "$err" "a PIN is 4 to 12 digits"
srun "$(printf '1%.0s' $(seq 1 100))" add cy --pin-stdin
expect_status "a 100-digit line: exits 1" 1
expect_match "... too long" "$err" "longer than any PIN"
run staff add cy --pin-stdin --db "$DB" </dev/null
expect_status "no PIN on standard input: exits 1" 1
expect_match "... and says so" "$err" "^hatch: staff add: no PIN on standard input$"
srun 2580 add cy --name "$(printf 'C\tY')" --pin-stdin
expect_status "a name with a tab: exits 1" 1
expect_match "... and says why" "$err" "control characters"
srun 2580 add cy --name "$(printf 'n%.0s' $(seq 1 65))" --pin-stdin
expect_status "a name of 65 bytes: exits 1" 1
srun 3691 add ana --pin-stdin
expect_status "an ID that is taken: exits 1" 1
expect_match "... and says so" "$err" "^hatch: staff add: there is already a staff member ana$"
run staff list --db "$DB"
expect_no_match "none of those was added" "$out" "^cy "
srun 3691 check ana --pin-stdin
expect_status "... and ana's PIN is as it was" 0

run staff remove ana --db "$DB"
expect_status "remove: exits 0" 0
expect_match "... and says so" "$out" "^Removed ana.$"
srun 3691 check ana --pin-stdin
expect_status "a removed ID: exits 1" 1
eq "... with the one answer" "$out" "wrong PIN or unknown staff ID"
run staff remove ana --db "$DB"
expect_status "remove again: exits 1" 1
expect_match "... and says there is no such staff member" "$err" "^hatch: staff remove: there is no staff member ana$"
run staff unlock ana --db "$DB"
expect_status "unlock of no one: exits 1" 1
srun 3691 pin ana --pin-stdin
expect_status "a new PIN for no one: exits 1" 1

# On a terminal: the PIN typed twice, never echoed; two that differ change
# nothing.
pty() { # pty INPUT ARGS...: runs hatch ARGS on a terminal, typing INPUT
	input=$1
	shift
	status=0
	python3 - "$input" $HATCH "$@" >"$TMP/pty" 2>&1 <<'PY' || status=$?
import os, pty, sys, time
lines = sys.argv[1].encode().decode('unicode_escape').encode().split(b'\n')[:-1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
out = b''
mark = -1
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    # Each line is typed once a prompt waits for it, echo already off.
    if lines and out.endswith(b': ') and len(out) != mark:
        time.sleep(0.05)
        os.write(fd, lines.pop(0) + b'\n')
        mark = len(out)
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(st))
PY
	out=$(cat "$TMP/pty")
	printf '%s\n' "$out" >>"$ALL"
}
if command -v python3 >/dev/null; then
	pty '4826\n4826\n' staff add dee --name Dee --db "$DB"
	eq "on a terminal, the PIN typed twice: exits 0" "$status" 0
	expect_match "... asked for" "$out" "New PIN for dee: "
	expect_match "... asked again" "$out" "The same PIN again: "
	expect_match "... added" "$out" "Added dee."
	expect_no_match "... and never echoed" "$out" "4826"
	srun 4826 check dee --pin-stdin
	expect_status "... and it is the PIN" 0
	pty '4826\n4862\n' staff pin dee --db "$DB"
	eq "two PINs that differ: exits 1" "$status" 1
	expect_match "... and says so" "$out" "the two PINs differ; nothing was changed"
	srun 4826 check dee --pin-stdin
	expect_status "... and the PIN is as it was" 0
	pty '4826\n' staff check dee --db "$DB"
	eq "check on a terminal: exits 0" "$status" 0
	expect_match "... ok" "$out" "ok"
else
	not_ok "python3 is needed to drive a terminal"
fi

run staff add eve --db "$DB" </dev/null
expect_status "add with no terminal and no --pin-stdin: exits 2" 2
expect_match "... and says what to do" "$err" "--pin-stdin"

# Usage errors: exit 2, one line on stderr, nothing on stdout.
usage_error() {
	desc=$1 re=$2
	shift 2
	run "$@" </dev/null
	expect_status "$desc: exits 2" 2
	expect_lines "$desc: one line on stderr" "$err" 1
	expect_match "$desc: says what is wrong" "$err" "$re"
	expect_lines "$desc: nothing on stdout" "$out" 0
}
usage_error "no staff command" "^hatch: staff: name a command" staff
usage_error "unknown staff command" "^hatch: staff: unknown command 'frob'" staff frob
usage_error "add without an ID" "^hatch: staff add: name the staff ID" staff add --pin-stdin
usage_error "an ID with a space" "^hatch: staff add: a staff ID may hold only" staff add "ana k"
usage_error "an ID too long" "^hatch: staff check: a staff ID is at most 32" staff check \
	abcdefghijklmnopqrstuvwxyz0123456
usage_error "unknown option" "^hatch: staff add: unknown option '--nope'" staff add x --nope
usage_error "--name on remove" "^hatch: staff remove: unknown option '--name'" staff remove x --name y
usage_error "--pin-stdin on list" "^hatch: staff list: unknown option '--pin-stdin'" staff list --pin-stdin
usage_error "two IDs" "^hatch: staff remove: unexpected argument 'y'" staff remove x y
usage_error "list with an ID" "^hatch: staff list: unexpected argument 'x'" staff list x
usage_error "--db without a path" "^hatch: staff list: --db needs a path" staff list --db
usage_error "--name without a name" "^hatch: staff add: --name needs a name" staff add x --name

# Nothing printed ever held a PIN or a hash, and the database holds no PIN.
expect_no_match "no PIN in any output" "$(cat "$ALL")" "2580|8642|3691|4826|4862"
expect_no_match "no hash in any output" "$(cat "$ALL")" "argon2"
if grep -aq "4826" "$DB" "$DB-wal" 2>/dev/null; then
	not_ok "the database holds no PIN in clear"
else
	ok "the database holds no PIN in clear"
fi
if grep -aq "nobody" "$DB" "$DB-wal" 2>/dev/null; then
	not_ok "the database holds no unknown ID typed"
else
	ok "the database holds no unknown ID typed"
fi

finish
