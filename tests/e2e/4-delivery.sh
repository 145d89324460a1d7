# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP...: tests/e2e/lib.sh
# Delivery from inside the kiosk: with a destination configured, a
# submission sent on the screen reaches the council's back end (the
# reference back end, over HTTPS with a test CA) from the kiosk's own
# delivery thread, while the screen stays live, and the outbox says so.
# Sourced by scripts/e2e.

BK="$TOP/tests/backend"
CERTS="$TMP/certs"
mkdir -p "$CERTS" "$TMP/backend"
check "test certificates are made" bash "$BK/make-certs.sh" "$CERTS" || return
/usr/bin/python3 "$BK/backend.py" --port 0 --cert "$CERTS/server.pem" \
	--key "$CERTS/server.key" --db "$TMP/backend/db.sqlite" \
	--state-dir "$TMP/backend/state" --webhook-secret "e2e-webhook-secret" \
	>"$TMP/backend/stdout" 2>"$TMP/backend/stderr" &
BACKEND_PID=$!
backend_port() {
	for _ in $(seq 100); do
		grep -q '^listening [0-9]*$' "$TMP/backend/stdout" 2>/dev/null && break
		sleep 0.05
	done
	sed -n 's/^listening //p' "$TMP/backend/stdout"
}
PORT=$(backend_port)
check "the back end listens" test -n "$PORT" || { kill "$BACKEND_PID"; return; }
printf 'e2e-webhook-secret' >"$TMP/backend/secret"
chmod 600 "$TMP/backend/secret"

received() { # received UUID: how many requests with UUID the back end kept
	curl -sS --cacert "$CERTS/ca.pem" "https://127.0.0.1:$PORT/_control/requests?uuid=$1" |
		/usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

check "the kiosk starts with a webhook destination" start_kiosk delivery "[destination waste-services]
adapter = webhook
url = https://127.0.0.1:$PORT/webhook
secret_file = $TMP/backend/secret
ca_bundle = $CERTS/ca.pem" || { kill "$BACKEND_PID"; return; }
check "the journey answered up to check your answers" to_check || { kill "$BACKEND_PID"; return; }
check "Send report" click_widget role=button "label=Send report" || { kill "$BACKEND_PID"; return; }
check "the confirmation shows" wait_step 'done' || { kill "$BACKEND_PID"; return; }
uuid=$(sql "SELECT uuid FROM outbox")
delivered=""
for _ in $(seq 100); do
	[ "$(sql "SELECT state FROM outbox")" = delivered ] && delivered=yes && break
	sleep 0.1
done
expect_eq "the record is delivered from the kiosk within seconds" "$delivered" yes
expect_eq "the back end holds it exactly once" "$(received "$uuid")" 1
check "the screen is still live: Finish goes back to Welcome" click_widget role=button label=Finish
check "Welcome shows" wait_screen welcome
check "the kiosk quits cleanly when asked" stop_kiosk
kill "$BACKEND_PID" 2>/dev/null
wait "$BACKEND_PID" 2>/dev/null
