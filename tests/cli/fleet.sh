# hatch fleet against the reference back end (tests/backend/), with an
# outbox holding records delivered, dead, queued (one for a destination the
# configuration does not name) and sending: --once sends a heartbeat that
# arrives at /heartbeat with a valid X-Hatch-Signature (checked again here)
# and every field right against the outbox (read with sqlite3), the clock,
# the file system (df) and the server's certificate (openssl); the metrics
# file has the same figures, passes promtool check metrics, is readable by
# all and leaves no other file behind; --print is the same text; the table
# names each destination. Then what must fail, each a message and exit 1,
# never a crash: an http:// heartbeat_url (refused by the configuration,
# no request sent), a secret the endpoint does not know (401), a closed
# port, a name that does not resolve, a connection dropped; a full disk
# (a tmpfs, mounted here: this needs root) leaves the old metrics file as
# it was and no temporary file. Then docs/: promtool check rules on
# docs/alert-rules.yml, and promtool test rules on its rules (annotations
# aside) with a fleet of made-up kiosks, each alert firing where it
# should and nowhere else; docs/grafana-dashboard.json is JSON with the
# panels docs/fleet.md promises, and every hatch_ metric the dashboard,
# the rules and docs/fleet.md name is one the kiosk writes.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

MNT="$TMP/small-disk"
fleet_cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	cleanup
}
trap fleet_cleanup EXIT

command -v promtool >/dev/null || bail "promtool is installed (scripts/deps.sh: prometheus)"
main_backend
mkdir -p "$TMP/data" "$TMP/textfile"
DB="$TMP/data/hatch.db"
PROM="$TMP/textfile/hatch.prom"
CONF="$TMP/hatch.conf"
fleet_section() { # fleet_section URL [METRICS]
	cat <<EOF
[device]
id = library-ground-1

[fleet]
heartbeat_url = $1
secret_file = $TMP/secret
ca_bundle = $CERTS/ca.pem
${2:+metrics_file = $2}

EOF
}
{
	fleet_section "$MAIN/heartbeat" "$PROM"
	webhook case-hook "$P"
	open311 waste-services "$P"
} >"$CONF"

# ---------------------------------------------------------------------------
# An outbox with a record in each state.
U1=$(newuuid)
U2=$(newuuid)
U3=$(newuuid)
U4=$(newuuid)
U5=$(newuuid)
enqueue "$U1" case-hook missed-bin
drain "$NOW"
eq "a webhook record is delivered" "$out" "delivered 1 retried 0 dead 0"
fault '{"fault": "400", "path": "/webhook"}'
enqueue "$U2" case-hook missed-bin
drain "$NOW"
eq "... another refused for good" "$out" "delivered 0 retried 0 dead 1"
fault '{"fault": "503", "method": "POST", "path": "/open311/v2/requests"}'
enqueue "$U3" waste-services missed-bin
drain "$NOW"
eq "an Open311 record waits for a retry" "$out" "delivered 0 retried 1 dead 0"
enqueue "$U4" no-such-destination missed-bin
enqueue "$U5" waste-services missed-bin
# As a kiosk killed in the middle of a delivery leaves it.
sqlite3 "$DB" "update outbox set state = 'sending' where uuid = '$U5'"
eq "the outbox has each state" "$(sqlite3 "$DB" "select group_concat(state, ' ') from (select state from outbox order by id)")" \
	"delivered dead queued queued sending"

# ---------------------------------------------------------------------------
# One heartbeat and the metrics file.
run fleet --once --config "$CONF" --db "$DB"
expect_status "hatch fleet --once: exits 0" 0
expect_match "... says the heartbeat was accepted" "$out" '^heartbeat sent: HTTP 200 in [0-9]+ ms'
expect_match "... and where the metrics went" "$out" "metrics written to $PROM\$"
HB="$TMP/main/state/heartbeats.jsonl"
eq "the back end kept one heartbeat" "$(wc -l <"$HB" | tr -d ' ')" 1
"$PY" - "$HB" "$SECRET" >"$TMP/hb.json" <<'PYEOF'
import hashlib, hmac, json, sys
e = json.loads(open(sys.argv[1], encoding="utf-8").readline())
want = "sha256=" + hmac.new(sys.argv[2].encode(), e["body"].encode("utf-8"), hashlib.sha256).hexdigest()
out = dict(json.loads(e["body"]))
out["_signature_ok"] = hmac.compare_digest(want, e["signature"])
out["_compact_sorted"] = e["body"] == json.dumps(json.loads(e["body"]), sort_keys=True, separators=(",", ":"))
json.dump(out, sys.stdout)
PYEOF
h() { jget "$TMP/hb.json" "$1"; }
eq "... signed with the secret: HMAC-SHA256 of the body as it came" "$(h 'd["_signature_ok"]')" true
eq "... compact JSON with sorted keys" "$(h 'd["_compact_sorted"]')" true
eq "... with the documented fields" "$(h 'sorted(k for k in d if not k.startswith("_"))')" \
	'["destinations", "destinations_not_listed", "device", "disk", "heartbeat", "outbox", "time", "uptime_seconds", "version"]'
eq "... the device id" "$(h 'd["device"]')" library-ground-1
eq "... the version" "$(h 'd["version"]')" "$($HATCH --version | sed 's/^hatch //')"
T=$(h 'd["time"]')
NOWS=$(date +%s)
expect_match "... the time it was gathered" "$((NOWS - T))" '^[0-9]$'
eq "... the outbox's counts" "$(h '[d["outbox"][k] for k in ("queued", "sending", "waiting", "dead")]')" "[2, 1, 3, 1]"
OLDEST=$(sqlite3 "$DB" "select min(created) from outbox where state in ('queued', 'sending')")
eq "... the oldest waiting record's age" "$(h 'd["outbox"]["oldest_waiting_age_seconds"]')" "$((T - OLDEST))"
LAST=$(sqlite3 "$DB" "select delivered_at from outbox where uuid = '$U1'")
eq "... the last delivery" "$(h 'd["outbox"]["last_delivery"]')" "$LAST"
eq "... each destination, the unconfigured one too" \
	"$(h '[(x["name"], x["configured"], x["queued"], x["sending"], x["dead"]) for x in d["destinations"]]')" \
	'[["case-hook", true, 0, 0, 1], ["no-such-destination", false, 1, 0, 0], ["waste-services", true, 1, 1, 0]]'
eq "... and their last deliveries" "$(h '[x["last_delivery"] for x in d["destinations"]]')" "[$LAST, null, null]"
EXPIRES=$(date -d "$(openssl x509 -enddate -noout -in "$CERTS/server.pem" | sed 's/^notAfter=//')" +%s)
eq "... the certificate expiry each destination's server presented" \
	"$(h '[x["certificate_expires"] for x in d["destinations"]]')" "[$EXPIRES, null, $EXPIRES]"
eq "... as seconds left too" "$(h 'd["destinations"][0]["certificate_expires_in_seconds"]')" "$((EXPIRES - T))"
SIZE=$(df -B1 --output=size "$TMP/data" | tail -n 1 | tr -d ' ')
eq "... the database's file system size" "$(h 'd["disk"]["size_bytes"]')" "$SIZE"
FREE=$(df -B1 --output=avail "$TMP/data" | tail -n 1 | tr -d ' ')
expect_match "... and its free space (within 1%, as df says)" \
	"$(h "abs(d['disk']['free_bytes'] - $FREE) <= $SIZE // 100")" '^true$'
SYSUP=$(cut -d. -f1 /proc/uptime)
expect_match "... the system's uptime" "$(h "abs(d['uptime_seconds']['system'] - $SYSUP) <= 5")" '^true$'
expect_match "... the process's, a moment" "$(h 'd["uptime_seconds"]["process"]')" '^[0-9]$'
eq "... nothing of the records themselves" "$(grep -c -e "$U1" -e 'Alex Q Example' -e 'High Street' "$HB")" 0

# The metrics file.
if promtool check metrics <"$PROM" >"$TMP/promtool.out" 2>&1; then
	ok "the metrics file passes promtool check metrics"
else
	not_ok "the metrics file passes promtool check metrics" "$(cat "$TMP/promtool.out")"
fi
eq "... with nothing to say about it" "$(cat "$TMP/promtool.out")" ""
metric() { # metric NAME DESTINATION: the sample's value
	grep -E "^$1\\{device=\"library-ground-1\"${2:+,destination=\"$2\"}\\} " "$PROM" | cut -d' ' -f2
}
eq "... the same figures: dead" "$(metric hatch_outbox_dead case-hook)" 1
eq "... queued" "$(metric hatch_outbox_queued waste-services) $(metric hatch_outbox_queued no-such-destination)" "1 1"
eq "... sending" "$(metric hatch_outbox_sending waste-services)" 1
eq "... the oldest's age" "$(metric hatch_outbox_oldest_waiting_age_seconds no-such-destination)" \
	"$(h '[x["oldest_waiting_age_seconds"] for x in d["destinations"]][1]')"
eq "... the last delivery" "$(metric hatch_last_delivery_timestamp_seconds case-hook)" "$LAST"
eq "... the certificates" "$(metric hatch_tls_certificate_expiry_timestamp_seconds waste-services)" "$EXPIRES"
eq "... the heartbeat's own certificate and its success, after it was sent" \
	"$(metric hatch_heartbeat_certificate_expiry_timestamp_seconds) $(metric hatch_heartbeat_last_success_timestamp_seconds)" \
	"$EXPIRES $T"
eq "... its time" "$(metric hatch_heartbeat_timestamp_seconds)" "$T"
eq "... the version" "$(grep '^hatch_info' "$PROM")" \
	"hatch_info{device=\"library-ground-1\",version=\"$(h 'd["version"]')\"} 1"
eq "... every family with HELP and TYPE" \
	"$(grep -c '^# HELP hatch_' "$PROM") $(grep -c '^# TYPE hatch_' "$PROM")" "14 14"
eq "the directory holds the metrics file and nothing else" "$(ls -A "$TMP/textfile")" hatch.prom
cp "$PROM" "$TMP/first.prom"
eq "... readable by node_exporter's user" "$(stat -c %a "$PROM")" 644

run fleet --print --config "$CONF" --db "$DB"
expect_status "hatch fleet --print: exits 0" 0
printf '%s\n' "$out" >"$TMP/print.prom"
if promtool check metrics <"$TMP/print.prom" >"$TMP/promtool.out" 2>&1 && [ ! -s "$TMP/promtool.out" ]; then
	ok "... Prometheus's text format, as promtool reads it"
else
	not_ok "... Prometheus's text format, as promtool reads it" "$(cat "$TMP/promtool.out")"
fi
eq "... the families of the file, but what a heartbeat would have shown" \
	"$(grep '^# TYPE' "$TMP/print.prom" | grep -v heartbeat_certificate | grep -v heartbeat_last)" \
	"$(grep '^# TYPE' "$PROM" | grep -v heartbeat_certificate | grep -v heartbeat_last)"
eq "... and no heartbeat sent by it" "$(wc -l <"$HB" | tr -d ' ')" 1

run fleet --config "$CONF" --db "$DB"
expect_status "hatch fleet: exits 0" 0
expect_match "... the device" "$out" '^Device: +library-ground-1$'
expect_match "... the outbox" "$out" '^Outbox: +2 queued, 1 sending, 1 dead$'
expect_match "... each destination with its certificate's expiry" "$out" \
	"^case-hook +0 +0 +1 +- +$(date -u -d "@$LAST" +%Y-%m-%dT%H:%M:%SZ) .* $(date -u -d "@$EXPIRES" +%Y-%m-%dT%H:%M:%SZ) \\(in "
expect_match "... the unconfigured one said so" "$out" '^no-such-destination +1 +0 +0 .* not configured$'

# ---------------------------------------------------------------------------
# What must fail: a message and exit 1, never a crash.
REQS=$(counter main requests)
fleet_section "http://127.0.0.1:$P/heartbeat" >"$TMP/http.conf"
run fleet --once --config "$TMP/http.conf" --db "$DB"
expect_status "an http:// heartbeat_url: exits 1" 1
expect_match "... the configuration's line and reason" "$err" \
	"^$TMP/http.conf:5: \\[fleet\\] heartbeat_url: \"http://127.0.0.1:$P/heart[^\"]*\": an http link would send the kiosk's heartbeat unencrypted, for anyone on the way to read or forge; use https\$"
eq "... and no request reached the back end" "$(counter main requests)" "$REQS"

control /_control/config '{"webhook_secret": "another-secret"}'
run fleet --once --config "$CONF" --db "$DB"
expect_status "a secret the endpoint does not know: exits 1" 1
expect_match "... with the endpoint's answer" "$err" '^hatch: fleet: the heartbeat endpoint answered HTTP 401$'
expect_match "... the metrics are written all the same" "$out" "^metrics written to $PROM\$"
eq "... nothing kept by the endpoint" "$(wc -l <"$HB" | tr -d ' ')" 1
control /_control/config "{\"webhook_secret\": \"$SECRET\"}"

fleet_section "https://127.0.0.1:1/heartbeat" >"$TMP/closed.conf"
run fleet --once --config "$TMP/closed.conf" --db "$DB"
expect_status "a closed port: exits 1" 1
expect_no_crash "... cleanly"
expect_match "... saying why" "$err" '^hatch: fleet: the heartbeat was not sent: .*(onnect|refused)'

fleet_section "https://no-such-host.invalid/heartbeat" >"$TMP/dns.conf"
run fleet --once --config "$TMP/dns.conf" --db "$DB"
expect_status "a name that does not resolve: exits 1" 1
expect_no_crash "... cleanly"
expect_match "... saying why" "$err" '^hatch: fleet: the heartbeat was not sent: .*(resolve|no-such-host)'

fault '{"fault": "drop", "path": "/heartbeat"}'
run fleet --once --config "$CONF" --db "$DB"
expect_status "a connection dropped without an answer: exits 1" 1
expect_no_crash "... cleanly"
expect_match "... saying why" "$err" '^hatch: fleet: the heartbeat was not sent: '
eq "... nothing kept" "$(wc -l <"$HB" | tr -d ' ')" 1

cat >"$TMP/none.conf" <<EOF
[device]
id = library-ground-1
EOF
run fleet --once --config "$TMP/none.conf" --db "$DB"
expect_status "--once with neither heartbeat_url nor metrics_file: exits 1" 1
expect_match "... saying so" "$err" 'neither \[fleet\] heartbeat_url nor metrics_file'

run fleet --bogus
expect_status "an unknown option: exits 2" 2
run fleet --config
expect_status "--config without a value: exits 2" 2

# A full disk under the metrics file.
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=64k,mode=0755 hatch-fleet "$MNT" 2>"$TMP/mount.err"; then
	bail "a 64 KiB tmpfs is mounted at $MNT (this test needs root: mount -t tmpfs): $(cat "$TMP/mount.err")"
fi
printf '[device]\nid = library-ground-1\n\n[fleet]\nmetrics_file = %s/hatch.prom\n' "$MNT" >"$TMP/full.conf"
run fleet --once --config "$TMP/full.conf" --db "$DB"
expect_status "the metrics file on a small disk: written" 0
cp "$MNT/hatch.prom" "$TMP/before.prom"
dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null || true
eq "the disk is then full" "$(df --output=avail -k "$MNT" | tail -n 1 | tr -d ' ')" 0
run fleet --once --config "$TMP/full.conf" --db "$DB"
expect_status "a full disk: exits 1" 1
expect_no_crash "... cleanly"
expect_match "... naming the file and the reason" "$err" \
	"^hatch: fleet: $MNT/hatch.prom: cannot write it: No space left on device\$"
eq "... the old file as it was" "$(sha256sum <"$MNT/hatch.prom")" "$(sha256sum <"$TMP/before.prom")"
eq "... and no temporary file left" "$(ls -A "$MNT" | tr '\n' ' ')" "filler hatch.prom "

# ---------------------------------------------------------------------------
# docs/: the alert rules and the dashboard.
RULES="$TOP/docs/alert-rules.yml"
if promtool check rules "$RULES" >"$TMP/rules.out" 2>&1; then
	ok "promtool check rules docs/alert-rules.yml"
else
	not_ok "promtool check rules docs/alert-rules.yml" "$(cat "$TMP/rules.out")"
fi
eq "... the alerts docs/fleet.md lists" \
	"$("$PY" -c 'import sys, yaml; print(" ".join(sorted(r["alert"] for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"])))' "$RULES")" \
	"HatchCertificateExpiring HatchDeadRecords HatchDiskLow HatchKioskDown HatchKioskSilent HatchNoKioskReports HatchOutboxGrowing HatchOutboxStuck"
# The rules as they are but their annotations (templated text that promtool
# test would have to be told word for word), and made-up kiosks: k1
# healthy; k2 off from minute 10; k3 up but its kiosk silent from minute
# 10; k4 in trouble: an outbox growing a record a minute whose oldest
# grows a minute a minute, two dead from minute 30, 100 MB free, a
# certificate ten days from expiry.
"$PY" - "$RULES" >"$TMP/rules.yml" <<'PYEOF'
import sys, yaml
r = yaml.safe_load(open(sys.argv[1]))
for g in r["groups"]:
    for rule in g["rules"]:
        rule.pop("annotations", None)
yaml.safe_dump(r, sys.stdout)
PYEOF
cat >"$TMP/rules-test.yml" <<'EOF'
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {series: 'up{job="node",instance="k1:9100"}', values: '1x180'}
      - {series: 'up{job="node",instance="k2:9100"}', values: '1x10 0x170'}
      - {series: 'up{job="node",instance="k3:9100"}', values: '1x180'}
      - {series: 'up{job="node",instance="k4:9100"}', values: '1x180'}
      - {series: 'hatch_heartbeat_timestamp_seconds{job="node",instance="k1:9100",device="k1"}', values: '0+60x180'}
      - {series: 'hatch_heartbeat_timestamp_seconds{job="node",instance="k3:9100",device="k3"}', values: '0+60x10 600x170'}
      - {series: 'hatch_heartbeat_timestamp_seconds{job="node",instance="k4:9100",device="k4"}', values: '0+60x180'}
      - {series: 'hatch_outbox_queued{job="node",instance="k1:9100",device="k1",destination="waste"}', values: '0x180'}
      - {series: 'hatch_outbox_sending{job="node",instance="k1:9100",device="k1",destination="waste"}', values: '0x180'}
      - {series: 'hatch_outbox_dead{job="node",instance="k1:9100",device="k1",destination="waste"}', values: '0x180'}
      - {series: 'hatch_outbox_oldest_waiting_age_seconds{job="node",instance="k1:9100",device="k1",destination="waste"}', values: '0x180'}
      - {series: 'hatch_outbox_queued{job="node",instance="k4:9100",device="k4",destination="waste"}', values: '0+1x180'}
      - {series: 'hatch_outbox_sending{job="node",instance="k4:9100",device="k4",destination="waste"}', values: '0x180'}
      - {series: 'hatch_outbox_dead{job="node",instance="k4:9100",device="k4",destination="waste"}', values: '0x30 2x150'}
      - {series: 'hatch_outbox_oldest_waiting_age_seconds{job="node",instance="k4:9100",device="k4",destination="waste"}', values: '0+60x180'}
      - {series: 'hatch_filesystem_free_bytes{job="node",instance="k1:9100",device="k1"}', values: '5000000000x180'}
      - {series: 'hatch_filesystem_size_bytes{job="node",instance="k1:9100",device="k1"}', values: '30000000000x180'}
      - {series: 'hatch_filesystem_free_bytes{job="node",instance="k4:9100",device="k4"}', values: '100000000x180'}
      - {series: 'hatch_filesystem_size_bytes{job="node",instance="k4:9100",device="k4"}', values: '30000000000x180'}
      - {series: 'hatch_tls_certificate_expiry_timestamp_seconds{job="node",instance="k1:9100",device="k1",destination="waste"}', values: '7776000x180'}
      - {series: 'hatch_tls_certificate_expiry_timestamp_seconds{job="node",instance="k4:9100",device="k4",destination="waste"}', values: '864000x180'}
    alert_rule_test:
      - eval_time: 170m
        alertname: HatchKioskDown
        exp_alerts: [{exp_labels: {severity: critical, job: node, instance: "k2:9100"}}]
      - eval_time: 170m
        alertname: HatchKioskSilent
        exp_alerts: [{exp_labels: {severity: critical, job: node, instance: "k3:9100", device: k3}}]
      - eval_time: 170m
        alertname: HatchNoKioskReports
        exp_alerts: []
      - eval_time: 170m
        alertname: HatchOutboxGrowing
        exp_alerts: [{exp_labels: {severity: warning, device: k4, destination: waste}}]
      - eval_time: 70m
        alertname: HatchOutboxGrowing
        exp_alerts: []
      - eval_time: 170m
        alertname: HatchOutboxStuck
        exp_alerts: []
      - eval_time: 170m
        alertname: HatchDeadRecords
        exp_alerts: [{exp_labels: {severity: warning, device: k4, destination: waste}}]
      - eval_time: 20m
        alertname: HatchDeadRecords
        exp_alerts: []
      - eval_time: 170m
        alertname: HatchDiskLow
        exp_alerts: [{exp_labels: {severity: warning, job: node, instance: "k4:9100", device: k4}}]
      - eval_time: 170m
        alertname: HatchCertificateExpiring
        exp_alerts: [{exp_labels: {severity: warning, job: node, instance: "k4:9100", device: k4, destination: waste}}]
  - interval: 1m
    input_series:
      - {series: 'up{job="node",instance="k1:9100"}', values: '1x60'}
    alert_rule_test:
      - eval_time: 30m
        alertname: HatchNoKioskReports
        exp_alerts: [{exp_labels: {severity: critical}}]
      - eval_time: 30m
        alertname: HatchKioskDown
        exp_alerts: []
EOF
if (cd "$TMP" && promtool test rules rules-test.yml) >"$TMP/rules-test.out" 2>&1; then
	ok "promtool test rules: each alert fires where it should and nowhere else"
else
	not_ok "promtool test rules: each alert fires where it should and nowhere else" "$(cat "$TMP/rules-test.out")"
fi

DASH="$TOP/docs/grafana-dashboard.json"
eq "docs/grafana-dashboard.json is JSON with its panels" \
	"$("$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(" | ".join(p["title"] for p in d["panels"]))' "$DASH")" \
	"Kiosks reporting | Submissions waiting | Refused (dead) submissions | Oldest waiting | Last heartbeat per device | Certificates | Outbox waiting | Dead submissions | Oldest waiting | Since last delivery | Free space | Free space (share)"
# Every hatch_ metric named anywhere in docs/ is one the kiosk writes.
# (The first file: the runs since have had no heartbeat accepted.)
grep '^# TYPE' "$TMP/first.prom" | cut -d' ' -f3 | sort >"$TMP/written"
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print("\n".join(t["expr"] for p in d["panels"] for t in p["targets"]))' "$DASH" |
	grep -o 'hatch_[a-z_]*' | sort -u >"$TMP/dash-names"
grep -o 'hatch_[a-z_]*' "$RULES" | sort -u >"$TMP/rule-names"
grep -o '`hatch_[a-z_]*`' "$TOP/docs/fleet.md" | tr -d '`' | sort -u >"$TMP/doc-names"
eq "... the dashboard's metrics are written" "$(comm -23 "$TMP/dash-names" "$TMP/written")" ""
eq "the rules' metrics are written" "$(comm -23 "$TMP/rule-names" "$TMP/written")" ""
eq "docs/fleet.md names every metric written, and none that is not" "$(comm -3 "$TMP/doc-names" "$TMP/written")" ""

finish
