# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP, TMP, TOP...: tests/e2e/lib.sh
# A signed journey bundle taken up between sessions: the kiosk runs with
# the bundled journeys, a council's bundle (one journey renamed) is signed
# and installed beside its database by another program while a citizen is
# in the middle of a journey; the citizen's journey goes on unchanged, and
# the new journeys show once the kiosk is back on Welcome. Sourced by
# scripts/e2e.

B="$TMP/bundle"
mkdir -p "$B/release/journeys" "$B/release/locales"
check "a signing key pair is made" \
	sh -c '$1 journeys keygen "$2" >"$3"' sh "$HATCH" "$B/key" "$B/public" || return
pub=$(grep -o '[A-Za-z0-9+/=]\{43,\}' "$B/public" | head -n 1)
check "... its public key printed" test -n "$pub" || return
cp "$TOP"/assets/journeys/*.json "$B/release/journeys/"
cp "$TOP"/locales/*.po "$B/release/locales/"
sed -i 's/"title": "Report a missed bin collection"/"title": "Report a bin we missed"/' \
	"$B/release/journeys/missed-bin.json"
check "the release renames the missed bin journey" \
	grep -q '"Report a bin we missed"' "$B/release/journeys/missed-bin.json" || return
check "the release is packed and signed as version 2" \
	sh -c '$1 journeys pack "$2" --key "$3" --version 2 -o "$4" >/dev/null' sh "$HATCH" \
	"$B/release" "$B/key" "$B/v2.bundle" || return

CONF=$(printf '[updates]\npublic_key = %s\n' "$pub")
check "the kiosk starts, trusting that key" start_kiosk bundle "$CONF" || return
check "Start" click_widget role=button label=Start || return
check "the services show the bundled title" \
	wait_for "screen == 'services' and has('role=tile', 'label~=Report a missed bin collection')" ||
	return
sleep "$GUARD"
check "a citizen starts the missed bin journey" \
	click_widget role=tile "label~=Report a missed bin collection" || return
check "its first question shows" wait_step bin || return
check "the bundle is installed beside the kiosk's database meanwhile" \
	sh -c '$1 journeys install "$2" --config "$3" --dir "$4" >/dev/null' sh "$HATCH" \
	"$B/v2.bundle" "$RUN/hatch.conf" "$RUN/bundles" || return
sleep 1
check "the citizen's journey goes on: Food waste, Continue" \
	eval 'click_widget role=radio "label=Food waste" && click_widget role=button label=Continue' ||
	return
check "... to the next question of the same journey" wait_step date || return
check "Escape twice: the citizen leaves the journey for the services" \
	eval 'kbd_key Escape && kbd_key Escape' || return
check "the services show" wait_screen services || return
check "Back to Welcome" click_widget role=button label=Back || return
check "Welcome shows" wait_screen welcome || return
# A touch wakes the kiosk at once (else it looks twice a minute).
click_at 400 300
check "Start" click_widget role=button label=Start || return
check "the services now show the bundle's title" \
	wait_for "screen == 'services' and has('role=tile', 'label~=Report a bin we missed')" || return
check "the kiosk logged the bundle it took up" \
	grep -q "journey bundle 2 in use" "$RUN/stderr" || return
check "the kiosk quits cleanly when asked" stop_kiosk
