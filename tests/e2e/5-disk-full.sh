# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP...: tests/e2e/lib.sh
# A full disk at the moment of sending: the kiosk's database lives on a
# small tmpfs (mounted here, as root; the scenario fails, never skips, when
# it cannot be), which is filled up while a citizen answers a journey. Send
# report then shows the save-failure dialog (get staff help; the answers
# are kept) and writes no record; once space is freed, Send report again
# saves exactly one record, with the answers typed before. The tmpfs is
# unmounted at the end, or on exit if the scenario is cut short. Sourced by
# scripts/e2e.

FULL_MNT="$TMP/small-disk"
mkdir -p "$FULL_MNT"
# scripts/e2e's own clean-up runs after the unmount, whatever happens.
full_prev_trap=$(trap -p EXIT)
trap 'umount -l "$FULL_MNT" 2>/dev/null; cleanup' EXIT
full_unmount() {
	stop_kiosk >/dev/null 2>&1
	if mountpoint -q "$FULL_MNT"; then
		umount "$FULL_MNT" 2>/dev/null || umount -l "$FULL_MNT"
	fi
	eval "$full_prev_trap"
}

disk_full() {
	if ! mount -t tmpfs -o size=2m,mode=0700 hatch-e2e-full "$FULL_MNT" 2>"$TMP/mount.err"; then
		not_ok "a 2 MiB tmpfs is mounted for the kiosk's database (this needs root)" \
			"$(cat "$TMP/mount.err")"
		return 1
	fi
	ok "a 2 MiB tmpfs is mounted for the kiosk's database"
	# start_kiosk opens $RUN/hatch.db: a link to the file on the tmpfs,
	# made beforehand with the mode the kiosk gives its database.
	mkdir -p "$TMP/disk-full"
	install -m 600 /dev/null "$FULL_MNT/hatch.db"
	ln -s "$FULL_MNT/hatch.db" "$TMP/disk-full/hatch.db"

	check "the kiosk starts with its database on the tmpfs" start_kiosk disk-full || return
	check "the journey answered up to check your answers" to_check || return
	dd if=/dev/zero of="$FULL_MNT/filler" bs=64k >/dev/null 2>&1
	expect_eq "the tmpfs is then filled up" \
		"$(df --output=avail -k "$FULL_MNT" | tail -n 1 | tr -d ' ')" 0

	check "Send report" click_widget role=button "label=Send report" || return
	check "the kiosk says the answers could not be saved" \
		wait_for "has('role=dialog', 'label=Your answers could not be saved')" || return
	check "... and offers OK, focused" wait_for "focused('role=button', 'label=OK')" || return
	check "... on check your answers, not the confirmation" \
		wait_for "screen == 'step' and step == 'check'" 1 || return
	expect_eq "no record is written" "$(sql 'SELECT count(*) FROM outbox')" 0
	check "the kiosk logs why: the disk is full, naming the database" \
		grep -q "a submission could not be saved: .*hatch.db: cannot [a-z ]*: the disk is full" \
		"$RUN/stderr"
	sleep "$GUARD"
	check "OK closes the dialog" click_widget role=button label=OK || return
	check "... back to check your answers, with the answers kept" \
		wait_for "screen == 'step' and step == 'check' and not has('role=dialog')
		and len([w for w in widgets if w['role'] == 'link' and w['label'].startswith('Change')]) > 5" ||
		return

	rm -f "$FULL_MNT/filler"
	check "with space freed, Send report again" click_widget role=button "label=Send report" || return
	check "the confirmation shows" wait_step 'done' || return
	shown=$($PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
print([w["label"] for w in d["widgets"] if "Your reference number " in w["label"]][0].rsplit(" ", 1)[1])' "$DUMP")
	expect_eq "exactly one record is saved" "$(sql 'SELECT count(*) FROM outbox')" 1
	expect_eq "it is queued, for missed-bin, with the reference shown" \
		"$(sql 'SELECT state, journey_id, reference FROM outbox')" "queued|missed-bin|$shown"
	expect_payload "it holds the answers typed before the disk was full" \
		'[a["bin"], a["name"], a["phone"], a["address"]["line1"], a["details"]]' \
		'["food", "Sam Twice", "01632960001", "2 Double Row", "Lid open.\nBin by the gate."]'
	expect_eq "PRAGMA integrity_check: ok" "$(sql 'PRAGMA integrity_check')" ok
	check "Finish goes back to Welcome" click_widget role=button label=Finish || return
	check "Welcome shows" wait_screen welcome || return
	check "the kiosk quits cleanly when asked" stop_kiosk
}

disk_full
full_unmount
