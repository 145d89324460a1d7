# A full disk loses nothing: the outbox lives on a small tmpfs (mounted
# here: the test needs root, and fails, never skips, when it cannot mount
# one) beside a filler file, and records are added one by one
# (tests/tools/sync_tool enqueue-many, the store's real store_outbox_add)
# until saving fails. The failing save says the disk is full and names the
# database (HATCH_ERR_IO); the records saved before it are all there, the
# database passes PRAGMA integrity_check, a save tried again while the disk
# is full fails the same way and writes nothing, and hatch sync --once
# fails saying why and sends nothing. Once the filler is deleted, saving
# works again, and every saved record, and nothing else, is delivered to
# the reference back end (tests/backend/) exactly once.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

MNT="$TMP/small-disk"
diskfull_cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	cleanup
}
trap diskfull_cleanup EXIT

mkdir -p "$MNT"
if ! mount -t tmpfs -o size=2m,mode=0700 hatch-diskfull "$MNT" 2>"$TMP/mount.err"; then
	bail "a 2 MiB tmpfs is mounted at $MNT (this test needs root: mount -t tmpfs): $(cat "$TMP/mount.err")"
fi
ok "a 2 MiB tmpfs is mounted for the database"

main_backend
DB="$MNT/outbox.db"
CONF="$TMP/hatch.conf"
{
	open311 waste-services "$P"
	webhook case-hook "$P"
} >"$CONF"
# Large records (5000 characters of notes, 10 KB) fill the disk sooner.
record tpl-notes waste-services long-notes
record tpl-hook case-hook missed-bin
TEMPLATES="$TMP/rec-tpl-notes.json $TMP/rec-tpl-hook.json"

# The space given back at the end: half the disk, enough for SQLite to
# copy the write-ahead log back into the database.
dd if=/dev/zero of="$MNT/filler" bs=64k count=16 2>"$TMP/dd.err"
eq "a 1 MiB filler file is made on it" "$(stat -c %s "$MNT/filler")" 1048576

enqueue_many() { # enqueue_many N PREFIX: into $out, $err and $status
	# shellcheck disable=SC2086
	$RUNNER "$TOOL" enqueue-many "$DB" "$1" "$2" $TEMPLATES >"$TMP/enq-$2.out" 2>"$TMP/enq-$2.err"
	status=$?
	out=$(cat "$TMP/enq-$2.out")
	err=$(cat "$TMP/enq-$2.err")
}
committed() { grep '^committed ' "$TMP/enq-$1.out" | cut -d' ' -f2 | sort; }
count() { sqlite3 "$DB" "select count(*) from outbox"; }

# ---------------------------------------------------------------------------
# Filling the disk.
enqueue_many 5000 aaaaaaaa
expect_status "records are added until saving fails" 1
saved=$(committed aaaaaaaa | grep -c .)
check_gt() { if [ "$2" -gt "$3" ]; then ok "$1"; else not_ok "$1" "$2 <= $3"; fi; }
check_gt "... after some were saved" "$saved" 5
lost=$(printf '%s\n' "$out" | sed -n 's/^failed \([^ ]*\) .*/\1/p')
eq "... the last one failing with an input/output error (HATCH_ERR_IO)" \
	"$(printf '%s\n' "$out" | tail -n 1)" "failed $lost input/output error"
expect_match "... saying the disk is full and naming the database" "$err" \
	"^sync_tool: enqueue-many: $DB: cannot [a-z ]+: the disk is full\$"
eq "the disk is indeed full" "$(df --output=avail -k "$MNT" | tail -n 1 | tr -d ' ')" 0
eq "every record saved before is in the outbox, and nothing more" "$(count)" "$saved"
eq "... the very ones" "$(sqlite3 "$DB" "select uuid from outbox order by uuid")" \
	"$(committed aaaaaaaa)"
eq "... queued" "$(sqlite3 "$DB" "select group_concat(distinct state) from outbox")" queued
eq "the one that failed is not there, not even in part" \
	"$(sqlite3 "$DB" "select count(*) from outbox where uuid = '$lost'")" 0
eq "PRAGMA integrity_check: ok" "$(sqlite3 "$DB" "PRAGMA integrity_check")" ok

enqueue_many 3 bbbbbbbb
expect_status "saving again while the disk is full fails too" 1
expect_match "... with the same reason" "$err" "$DB: cannot [a-z ]+: the disk is full\$"
eq "... and writes nothing" "$(count)" "$saved"
eq "PRAGMA integrity_check: still ok" "$(sqlite3 "$DB" "PRAGMA integrity_check")" ok

# Delivery while the disk is full: a record cannot even be claimed, so
# nothing is sent that the outbox could not then mark delivered.
run sync --once --config "$CONF" --db "$DB"
expect_status "hatch sync --once on the full disk fails" 1
expect_match "... saying the disk is full and naming the database" "$err" \
	"^hatch: sync: $DB: cannot [a-z ]+: the disk is full\$"
eq "... sends nothing" "$(control /_control/requests; jget "$TMP/control" 'len(d)')" 0
eq "... and changes nothing" "$(sqlite3 "$DB" "select state, count(*) from outbox group by state")" \
	"queued|$saved"

# ---------------------------------------------------------------------------
# Space given back.
rm -f "$MNT/filler"
enqueue_many 3 cccccccc
expect_status "once the filler is deleted, saving works again" 0
eq "... all three saved" "$(committed cccccccc | grep -c .)" 3
eq "... beside the earlier ones" "$(count)" "$((saved + 3))"
eq "PRAGMA integrity_check: ok" "$(sqlite3 "$DB" "PRAGMA integrity_check")" ok

# ---------------------------------------------------------------------------
# Everything saved is delivered, once.
run sync --once --config "$CONF" --db "$DB"
eq "hatch sync --once delivers them all" "$status $out" "0 delivered $((saved + 3)), retried 0, dead 0"
eq "... every record is delivered" \
	"$(sqlite3 "$DB" "select group_concat(distinct state) from outbox")" delivered
control /_control/requests
jget "$TMP/control" '"\n".join(sorted(r["uuid"] for r in d))' >"$TMP/at-backend"
eq "the back end holds every record saved before and after the disk was full, once each" \
	"$(cat "$TMP/at-backend")" "$( (committed aaaaaaaa; committed cccccccc) | sort)"
eq "... none resent" "$(jget "$TMP/control" 'sorted(set(r["attempts"] for r in d))')" "[1]"
eq "PRAGMA integrity_check: ok" "$(sqlite3 "$DB" "PRAGMA integrity_check")" ok

finish
