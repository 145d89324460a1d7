# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP...: tests/e2e/lib.sh
# Delivery from inside the kiosk: with a destination configured, a
# submission sent on the screen reaches the council's back end (the
# reference back end, over HTTPS with a test CA) from the kiosk's own
# delivery thread, while the screen stays live, and the outbox says so.
# Then with the destination's public key configured: the record is sealed
# to it in the outbox (the device's own key cannot open it), delivered as a
# sealed envelope, and the back end opens it with its secret key to find
# the citizen's answers. Sourced by scripts/e2e.

BK="$TOP/tests/backend"
CERTS="$TMP/certs"
mkdir -p "$CERTS" "$TMP/backend"
check "test certificates are made" bash "$BK/make-certs.sh" "$CERTS" || return
# The council's key pair for sealed submissions: the kiosk gets the public
# half, the back end the secret half.
SEAL_PK=$($PY -c 'import sys, nacl.public
k = nacl.public.PrivateKey.generate()
open(sys.argv[1], "w").write(bytes(k).hex())
print(bytes(k.public_key).hex())' "$TMP/backend/seal.sk")
chmod 600 "$TMP/backend/seal.sk"
/usr/bin/python3 "$BK/backend.py" --port 0 --cert "$CERTS/server.pem" \
	--key "$CERTS/server.key" --db "$TMP/backend/db.sqlite" \
	--state-dir "$TMP/backend/state" --webhook-secret "e2e-webhook-secret" \
	--seal-secret-key "$TMP/backend/seal.sk" \
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

# backend_record UUID EXPR: EXPR over r, the record the back end kept.
backend_record() {
	curl -sS --cacert "$CERTS/ca.pem" "https://127.0.0.1:$PORT/_control/requests?uuid=$1" |
		$PY -c 'import json, sys
r = json.load(sys.stdin)[0]["fields"]
a = {x["id"]: x.get("value") for x in r["answers"]}
print(json.dumps(eval(sys.argv[1]), sort_keys=True))' "$2" 2>&1
}
check "the kiosk starts with a sealed webhook destination" start_kiosk sealed "[destination waste-services]
adapter = webhook
url = https://127.0.0.1:$PORT/webhook
secret_file = $TMP/backend/secret
ca_bundle = $CERTS/ca.pem
seal_key = $SEAL_PK" || { kill "$BACKEND_PID"; return; }
check "the journey answered up to check your answers" to_check || { kill "$BACKEND_PID"; return; }
check "Send report" click_widget role=button "label=Send report" || { kill "$BACKEND_PID"; return; }
check "the confirmation shows" wait_step 'done' || { kill "$BACKEND_PID"; return; }
uuid=$(sql "SELECT uuid FROM outbox")
ref=$(sql "SELECT reference FROM outbox")
expect_eq "the record is sealed in the outbox" "$(sql "SELECT sealed FROM outbox")" 1
if payload_value 'p["uuid"]' >/dev/null 2>&1; then
	not_ok "the device's own key cannot open a sealed payload"
else
	ok "the device's own key cannot open a sealed payload"
fi
delivered=""
for _ in $(seq 100); do
	[ "$(sql "SELECT state FROM outbox")" = delivered ] && delivered=yes && break
	sleep 0.1
done
expect_eq "the sealed record is delivered" "$delivered" yes
expect_eq "the back end holds it exactly once" "$(received "$uuid")" 1
expect_eq "the back end opened it: the reference" "$(backend_record "$uuid" 'r["reference"]')" "\"$ref\""
expect_eq "the back end opened it: the citizen's name" "$(backend_record "$uuid" 'a["name"]')" '"Sam Twice"'
check "the kiosk quits cleanly" stop_kiosk
kill "$BACKEND_PID" 2>/dev/null
wait "$BACKEND_PID" 2>/dev/null
