#!/bin/bash
# The kiosk's worker thread, without a display (SDL's dummy video driver):
# with [fleet] metrics_file set, `hatch run` writes the metrics for
# node_exporter's textfile collector soon after it starts, in a form
# promtool accepts, replaced whole (no temporary file left beside it);
# and it logs its start, its usage events' roll-up and its stop.
. "$TOP/tests/cli/lib.sh"
set +e

printf '[device]\nid = kiosk-worker-1\n[fleet]\nmetrics_file = %s/hatch.prom\n' "$TMP" >"$TMP/hatch.conf"
chmod 600 "$TMP/hatch.conf"
SDL_VIDEODRIVER=dummy $HATCH run --config "$TMP/hatch.conf" --db "$TMP/hatch.db" \
	>"$TMP/out" 2>"$TMP/err" &
pid=$!
for _ in $(seq 100); do
	[ -s "$TMP/hatch.prom" ] && break
	sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
status=$?
expect_status "the kiosk stops cleanly when asked" 0
if [ -s "$TMP/hatch.prom" ]; then ok "the metrics file is written soon after start"; else
	not_ok "the metrics file is written soon after start" "stderr: $(cat "$TMP/err")"; fi
expect_match "... for this device" "$(cat "$TMP/hatch.prom")" \
	'hatch_info\{device="kiosk-worker-1",version="[0-9.]+"\} 1'
expect_match "... with the free space where the database is" "$(cat "$TMP/hatch.prom")" 'hatch_filesystem_free_bytes\{device="kiosk-worker-1"\} [0-9]+'
if promtool check metrics <"$TMP/hatch.prom" >"$TMP/promtool" 2>&1; then
	ok "promtool accepts it"
else
	not_ok "promtool accepts it" "$(cat "$TMP/promtool")"
fi
leftover=$(find "$TMP" -maxdepth 1 -name '*.prom?*' -o -maxdepth 1 -name '.hatch.prom*' | head -n 1)
if [ -z "$leftover" ]; then ok "no temporary file is left beside it"; else
	not_ok "no temporary file is left beside it" "found $leftover"; fi
expect_match "the start is logged" "$(cat "$TMP/err")" 'hatch: kiosk: started: [0-9]+ journeys'
expect_match "the usage events are rolled up at start" "$(cat "$TMP/err")" 'hatch: events: rolled up'
expect_match "the stop is logged" "$(cat "$TMP/err")" 'hatch: kiosk: stopped'
expect_eq_db() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got: $2" "wanted: $3"; fi; }
expect_eq_db "the database is at the latest schema, with the usage event tables" \
	"$(sqlite3 "$TMP/hatch.db" "SELECT count(*) FROM sqlite_master WHERE name IN ('events', 'event_counts')")" 2
echo "1..$n"
