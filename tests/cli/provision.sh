# hatch provision end to end: from options and from a provisioning file,
# the configuration it writes passes hatch config check, secrets and the
# identity key are 0600 (the kiosk user's), a second run gives the same
# files and keeps the key, the QR code printed on the terminal scans
# (zbarimg) to the identity printed as text, whose key is the identity
# key's; insecure or bad input is refused with nothing written; staff
# accounts; the questions on a terminal (a pseudo-terminal); usage errors.
. "$TOP/tests/cli/lib.sh"
set +e

eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $(printf '%s' "$2" | head -c 600)" "want: $3"; fi
}
mode() { stat -c %a "$1" 2>/dev/null; }
owner() { stat -c %U "$1" 2>/dev/null; }
# expect_mode DESC FILE MODE
expect_mode() { eq "$1" "$(mode "$2")" "$3"; }
# listing DIR: every file under DIR with its mode, size and checksum.
listing() {
	find "$1" -exec stat -c '%n %a %s' {} \; 2>/dev/null | sort
	find "$1" -type f -exec sha256sum {} \; 2>/dev/null | sort
}

umask 022
ME=$(id -un)
printf 'an-open311-api-key\n' >"$TMP/api.key"
chmod 644 "$TMP/api.key" # copied into a private file all the same
printf 'a-webhook-secret\n' >"$TMP/hook.secret"
chmod 600 "$TMP/hook.secret"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' >"$TMP/ca.pem"
PIN='sha256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='

# The QR code on the terminal, back to modules and scanned: qr.py FILE
# prints what zbarimg reads, after checking the quiet zone.
cat >"$TMP/qr.py" <<'PY'
import re, subprocess, sys
text = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], encoding="utf-8").read())
cells = {" ": (0, 0), "\u2580": (1, 0), "\u2584": (0, 1), "\u2588": (1, 1)}
lines = [l for l in text.split("\n") if len(l) > 20 and set(l) <= set(cells)]
if not lines:
    sys.exit("no QR code in the output")
if len({len(l) for l in lines}) != 1:
    sys.exit("the QR code's lines differ in length")
rows = []
for l in lines:
    rows.append([cells[c][0] for c in l])
    rows.append([cells[c][1] for c in l])
w = len(rows[0])
# An odd number of module rows leaves a light half row at the end.
if len(rows) not in (w, w + 1):
    sys.exit("not square: %d wide, %d high" % (w, len(rows)))
rows = rows[:w]
q = 4
for y in range(w):
    for x in range(w):
        if (x < q or y < q or x >= w - q or y >= w - q) and rows[y][x]:
            sys.exit("a dark module in the quiet zone at %d,%d" % (x, y))
# The finder pattern's corner, just inside the quiet zone, is dark.
if not (rows[q][q] and rows[q][w - q - 1] and rows[w - q - 1][q]):
    sys.exit("no finder patterns in the corners")
scale = 6
pbm = sys.argv[1] + ".pbm"
with open(pbm, "w") as f:
    f.write("P1\n%d %d\n" % (w * scale, w * scale))
    for r in rows:
        line = " ".join(str(b) for b in r for _ in range(scale))
        for _ in range(scale):
            f.write(line + "\n")
r = subprocess.run(["zbarimg", "--raw", "-q", pbm], capture_output=True, text=True)
sys.stdout.write(r.stdout.rstrip("\n"))
sys.exit(r.returncode)
PY
# The identity key file's public key, in base64: pub.py FILE
cat >"$TMP/pub.py" <<'PY'
import base64, sys
sk = base64.b64decode(open(sys.argv[1]).read().strip(), validate=True)
assert len(sk) == 64
print(base64.b64encode(sk[32:]).decode())
PY
identity() { printf '%s\n' "$1" | sed -n 's/^Identity: //p'; }

# ---- from options ----
ETC="$TMP/etc/hatch"
CONF="$ETC/hatch.conf"
provision_flags() {
	run provision --config "$CONF" --device-id central-library-1 \
		--council "Cyngor Sir Ynys Môn" --colour '#00703c' --languages "cy, en" \
		--tracking-url 'https://www.example.gov.uk/track?ref={reference}' \
		--set kiosk.idle_timeout=180 --set staff.entry=keys \
		--destination waste-services --adapter open311 \
		--url https://311.example.gov.uk/open311/v2/ --api-key-file "$TMP/api.key" \
		--pin-sha256 "$PIN" --pin-sha256 "$PIN" --ca-bundle "$TMP/ca.pem" \
		--service missed-bin=4 --service fly-tipping=FT-01 \
		--destination parish-council --adapter webhook \
		--url https://cases.parish.example.org/hatch --secret-file "$TMP/hook.secret" "$@"
}
provision_flags
expect_status "from options: exits 0" 0
expect_no_crash "... without a crash"
expect_match "... says what it did" "$out" "^Provisioned central-library-1 for Cyngor Sir Ynys Môn\.$"
expect_match "... with a new identity key" "$out" "^Identity key:  $ETC/identity.key \(new\)$"
expect_mode "the configuration is 0640" "$CONF" 640
expect_mode "the secrets directory is 0700" "$ETC/secrets" 700
expect_mode "the API key's copy is 0600" "$ETC/secrets/waste-services.api-key" 600
expect_mode "the webhook secret's copy is 0600" "$ETC/secrets/parish-council.secret" 600
expect_mode "the identity key is 0600" "$ETC/identity.key" 600
expect_mode "the CA bundle's copy is 0644" "$ETC/certs/waste-services.ca.pem" 644
eq "the secrets are the kiosk user's (here $ME)" \
	"$(owner "$ETC/secrets/waste-services.api-key") $(owner "$ETC/identity.key")" "$ME $ME"
eq "the API key is copied as it was" "$(cat "$ETC/secrets/waste-services.api-key")" "an-open311-api-key"
eq "the CA bundle is copied as it was" "$(cat "$ETC/certs/waste-services.ca.pem")" "$(cat "$TMP/ca.pem")"
conf=$(cat "$CONF")
expect_match "the configuration names the copy" "$conf" "^api_key_file = $ETC/secrets/waste-services.api-key$"
expect_match "... and the secret's copy" "$conf" "^secret_file = $ETC/secrets/parish-council.secret$"
PIN_RE=$(printf '%s' "$PIN" | sed 's/[+/]/\\&/g')
expect_match "... the pins joined" "$conf" "^pinned_keys = $PIN_RE;$PIN_RE$"
expect_match "... the services" "$conf" "^service.fly-tipping = FT-01$"
expect_match "... the device id" "$conf" "^id = central-library-1$"
expect_match "... a setting given with --set" "$conf" "^idle_timeout = 180$"
expect_match "... and one of [staff]" "$conf" "^entry = keys$"
expect_no_match "... and never a secret" "$conf" "an-open311-api-key|a-webhook-secret"
run config check "$CONF"
expect_status "the configuration passes hatch config check" 0
eq "... which says ok" "$out" "$CONF: ok"

run provision --config "$CONF" --device-id central-library-1 --council "Cyngor Sir Ynys Môn" \
	--colour '#00703c' --languages "cy, en" \
	--tracking-url 'https://www.example.gov.uk/track?ref={reference}' \
	--set kiosk.idle_timeout=180 --set staff.entry=keys \
	--destination waste-services --adapter open311 \
	--url https://311.example.gov.uk/open311/v2/ --api-key-file "$TMP/api.key" \
	--pin-sha256 "$PIN" --pin-sha256 "$PIN" --ca-bundle "$TMP/ca.pem" \
	--service missed-bin=4 --service fly-tipping=FT-01 \
	--destination parish-council --adapter webhook \
	--url https://cases.parish.example.org/hatch --secret-file "$TMP/hook.secret"
cp "$TMP/out" "$TMP/first.out"
first_conf=$(cat "$CONF") first_key=$(cat "$ETC/identity.key")
first=$(listing "$ETC")

# The identity, as text and as the QR code.
json=$(identity "$out")
expect_match "the identity as JSON: device, council (ASCII), key" "$json" \
	'^\{"device":"central-library-1","council":"Cyngor Sir Ynys M\\u00F4n","key":"[A-Za-z0-9+/]{43}="\}$'
pub=$(python3 "$TMP/pub.py" "$ETC/identity.key")
expect_match "... whose key is the identity key's public key" "$json" "\"key\":\"$(printf '%s' "$pub" | sed 's/[+/]/\\&/g')\""
expect_match "... also shown on its own" "$out" "^Key:      $(printf '%s' "$pub" | sed 's/[+/]/\\&/g')$"
scanned=$(python3 "$TMP/qr.py" "$TMP/first.out" 2>&1)
eq "the QR code on the terminal scans to the identity" "$scanned" "$json"
expect_no_match "no colour codes when the output is not a terminal" "$out" $'\x1b'

# A second run: the same files, the same key.
provision_flags
expect_status "a second run: exits 0" 0
expect_match "... keeps the identity key" "$out" "^Identity key:  $ETC/identity.key \(kept\)$"
eq "... the same configuration" "$(cat "$CONF")" "$first_conf"
eq "... the same identity key" "$(cat "$ETC/identity.key")" "$first_key"
eq "... the same files, modes and contents" "$(listing "$ETC")" "$first"
eq "... and the same identity" "$(identity "$out")" "$json"
leftovers=$(find "$ETC" -name '.*' -type f)
eq "no temporary files are left" "$leftovers" ""

# Over the file the installer writes: what the options do not change stays.
ETC5="$TMP/etc5"
mkdir -p "$ETC5"
printf '[storage]\ndatabase = /var/lib/hatch/hatch.db\n[kiosk]\nidle_timeout = 240\n' >"$ETC5/hatch.conf"
run provision --config "$ETC5/hatch.conf" --device-id k5 --council Example --set kiosk.idle_timeout=90
expect_status "over an installed file: exits 0" 0
conf=$(cat "$ETC5/hatch.conf")
expect_match "... keeps its database" "$conf" "^database = /var/lib/hatch/hatch.db$"
expect_match "... and takes what is given" "$conf" "^idle_timeout = 90$"
run provision --config "$ETC5/hatch.conf" --destination w --adapter webhook \
	--url https://hooks.example/ --secret-file "$TMP/hook.secret"
expect_status "a destination added later: exits 0" 0
conf=$(cat "$ETC5/hatch.conf")
expect_match "... the id and council kept" "$conf" "^id = k5$"
expect_match "... with the destination" "$conf" "^\[destination w\]$"
run provision --config "$ETC5/hatch.conf" --set staff.entry=corner
expect_status "a setting changed later: exits 0" 0
expect_match "... keeps the destinations" "$(cat "$ETC5/hatch.conf")" "^secret_file = $ETC5/secrets/w.secret$"

# ---- refused, with nothing written ----
refused() { # refused DESC REGEX ARGS...: exit 1, REGEX on stderr, nothing changed
	desc=$1 re=$2
	shift 2
	before=$(listing "$ETC")
	run provision --config "$CONF" "$@"
	expect_status "$desc: exits 1" 1
	expect_match "$desc: says why" "$err" "$re"
	expect_match "$desc: says nothing was written" "$err" "^hatch: provision: nothing was written$"
	eq "$desc: nothing changed" "$(listing "$ETC")" "$before"
}
base="--device-id central-library-1 --council Example"
# shellcheck disable=SC2086
refused "an http destination" \
	'^hatch: provision: --url: \[destination w\] url: "http://311.example/v2/": an http link would send personal data unencrypted; use https$' \
	$base --destination w --adapter open311 --url http://311.example/v2/ --api-key-file "$TMP/api.key"
# shellcheck disable=SC2086
refused "an http tracking link" '^hatch: provision: --tracking-url: \[kiosk\] tracking_url: .*must use https' \
	$base --tracking-url 'http://example.gov.uk/{reference}'
# shellcheck disable=SC2086
refused "a credential in the link" 'user name or password' \
	$base --destination w --adapter webhook --url https://kiosk:pw@hooks.example/ --secret-file "$TMP/hook.secret"
expect_no_match "... which is never repeated" "$err" "kiosk:pw"
# shellcheck disable=SC2086
refused "an unknown setting" '^hatch: provision: --set: \[kiosk\] idle: is not a known setting' \
	$base --set kiosk.idle=3
# shellcheck disable=SC2086
refused "a secret file that is not there" \
	"^hatch: provision: --secret-file: \[destination w\] secret_file: $TMP/none cannot be read" \
	$base --destination w --adapter webhook --url https://hooks.example/ --secret-file "$TMP/none"
: >"$TMP/empty.key"
# shellcheck disable=SC2086
refused "an empty secret file" "secret_file: $TMP/empty.key is empty or not text" \
	$base --destination w --adapter webhook --url https://hooks.example/ --secret-file "$TMP/empty.key"
# shellcheck disable=SC2086
refused "a certificate that is not PEM" "ca_bundle: $TMP/api.key is not a PEM file" \
	$base --destination w --adapter webhook --url https://hooks.example/ \
	--secret-file "$TMP/hook.secret" --ca-bundle "$TMP/api.key"
refused "a bad device id" '^hatch: provision: --device-id: \[device\] id: "kiosk 1" is not a device id' \
	--device-id "kiosk 1" --council Example
# A first provisioning needs the id and the council (a later one keeps them).
run provision --config "$TMP/first/hatch.conf" --council Example
expect_status "no device id the first time: exits 1" 1
expect_match "... says why" "$err" '^hatch: provision: \[device\] id: is missing; a provisioned device needs one'
run provision --config "$TMP/first/hatch.conf" --device-id k1
expect_status "no council the first time: exits 1" 1
expect_match "... says why" "$err" "^hatch: provision: \[council\] name: is missing"
[ -e "$TMP/first" ] && not_ok "... and makes nothing" || ok "... and makes nothing"
# shellcheck disable=SC2086
refused "a destination without its adapter's key" \
	'^hatch: provision: --destination: \[destination w\] api_key_file: is missing; an open311 destination needs' \
	$base --destination w --adapter open311 --url https://311.example/v2/
# shellcheck disable=SC2086
refused "a webhook key on an open311 destination" 'secret_file: is not read by the open311 adapter' \
	$base --destination w --adapter open311 --url https://311.example/v2/ --api-key-file "$TMP/api.key" \
	--secret-file "$TMP/hook.secret"
run provision --config "$CONF" --device-id k1 --council "A ; B"
expect_status "a value a file cannot hold: exits 1" 1
expect_match "... says why" "$err" "^hatch: provision: --council: the value has a ';' after a space"
cp "$ETC/identity.key" "$TMP/key.saved"
chmod 644 "$ETC/identity.key"
before=$(listing "$ETC")
provision_flags
expect_status "an identity key others may read: exits 1" 1
expect_match "... says why" "$err" "identity key: $ETC/identity.key is readable by other users"
eq "... nothing changed" "$(listing "$ETC")" "$before"
printf 'not a key\n' >"$ETC/identity.key"
chmod 600 "$ETC/identity.key"
provision_flags
expect_status "an identity key that is not a key: exits 1, not replaced" 1
expect_match "... says so" "$err" "$ETC/identity.key is not an identity key; move it aside"
cp "$TMP/key.saved" "$ETC/identity.key"
chmod 600 "$ETC/identity.key"
rm -rf "$TMP/new"
run provision --config "$TMP/new/hatch.conf" --device-id k1 --council Example \
	--destination w --adapter webhook --url http://hooks.example/ --secret-file "$TMP/hook.secret"
[ -e "$TMP/new" ] && not_ok "a refused first provisioning makes no directory" || ok "a refused first provisioning makes no directory"

# ---- from a provisioning file ----
printf '4821\n' >"$TMP/sam.pin"
chmod 600 "$TMP/sam.pin"
FROM="$TMP/library.ini"
cat >"$FROM" <<EOF
; the kiosk in Central Library
[device]
id = central-library-2
[council]
name = Borough of Example Council
[kiosk]
tracking_url = https://www.example.gov.uk/track?ref={reference}
[staff]
pause_timeout = no
[destination waste-services]
adapter = open311
url = https://311.example.gov.uk/open311/v2/
api_key = an-inline-api-key
service.missed-bin = 4
[destination parish-council]
adapter = webhook
url = https://cases.parish.example.org/hatch
secret = an-inline-secret
[staff alex]
name = Alex Example
pin = 5830
[staff sam]
pin_file = $TMP/sam.pin
EOF
chmod 600 "$FROM"
ETC2="$TMP/etc2"
DB="$TMP/db/hatch.db"
mkdir -p "$TMP/db"
run provision --config "$ETC2/hatch.conf" --from "$FROM" --db "$DB"
expect_status "from a provisioning file: exits 0" 0
expect_no_crash "... without a crash"
expect_lines "... nothing on stderr (the file is private)" "$err" 0
expect_match "... adds the staff accounts" "$out" "^Staff account alex: added \(in $DB\)\.$"
expect_match "... both" "$out" "^Staff account sam: added "
eq "an inline API key is put in its own file" "$(cat "$ETC2/secrets/waste-services.api-key")" "an-inline-api-key"
eq "... and an inline secret" "$(cat "$ETC2/secrets/parish-council.secret")" "an-inline-secret"
expect_mode "... 0600" "$ETC2/secrets/parish-council.secret" 600
conf=$(cat "$ETC2/hatch.conf")
expect_match "the configuration names the file" "$conf" "^secret_file = $ETC2/secrets/parish-council.secret$"
expect_no_match "... not the secret" "$conf" "an-inline"
expect_match "[staff] settings are kept" "$conf" "^pause_timeout = no$"
expect_no_match "staff accounts are not in the configuration" "$conf" "alex|5830"
run config check "$ETC2/hatch.conf"
expect_status "it passes hatch config check" 0
run staff list --db "$DB"
expect_match "... alex with a name" "$out" "^alex +Alex Example "
expect_match "... sam from a PIN file" "$out" "^sam "
run staff check alex --pin-stdin --db "$DB" <<<"5830"
eq "... alex's PIN signs in" "$out" "ok"
run staff check sam --pin-stdin --db "$DB" <<<"4821"
eq "... and sam's" "$out" "ok"
first_conf=$(cat "$ETC2/hatch.conf") first=$(listing "$ETC2")
sed -i 's/^pin = 5830$/pin = 6093/' "$FROM"
run provision --config "$ETC2/hatch.conf" --from "$FROM" --db "$DB"
expect_status "from the file again: exits 0" 0
expect_match "... sets an existing account's PIN" "$out" "^Staff account alex: PIN set"
eq "... and writes the same files" "$(listing "$ETC2")" "$first"
run staff check alex --pin-stdin --db "$DB" <<<"6093"
eq "... the new PIN signs in" "$out" "ok"
chmod 644 "$FROM"
run provision --config "$ETC2/hatch.conf" --from "$FROM" --db "$DB"
expect_match "a provisioning file of secrets others can read is warned of" "$err" \
	"^hatch: provision: warning: $FROM holds secrets or PINs and other users can read it"
chmod 600 "$FROM"

BADFROM="$TMP/bad.ini"
cat >"$BADFROM" <<EOF
[device]
id = central-library-2
[council]
name = Borough of Example Council
[destination waste-services]
adapter = open311
url = http://311.example.gov.uk/open311/v2/
api_key = k
[staff al ex]
pin = 5830
[staff sam]
pin = 3456
[destination parish]
adapter = webhook
url = https://hooks.example/
secret_file = $TMP/none
EOF
before=$(listing "$ETC2")
run provision --config "$ETC2/hatch.conf" --from "$BADFROM" --db "$DB"
expect_status "a bad provisioning file: exits 1" 1
expect_match "... an http link on its line" "$err" "^$BADFROM:7: \[destination waste-services\] url: .*use https$"
expect_match "... a bad staff ID on its line" "$err" "^$BADFROM:9: \[staff al ex\] has no good staff ID"
expect_match "... a PIN too easy to guess on its line" "$err" "^$BADFROM:12: \[staff sam\] pin: "
expect_no_match "... never showing the PIN" "$err" "3456"
expect_match "... a file that is not there on its line" "$err" "^$BADFROM:16: \[destination parish\] secret_file: $TMP/none cannot be read"
expect_match "... and nothing written" "$err" "^hatch: provision: nothing was written$"
eq "... nothing changed" "$(listing "$ETC2")" "$before"

# ---- as root for the service's user ----
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	ETC3="$TMP/etc3"
	mkdir -p "$TMP/db3"
	chown nobody "$TMP/db3"
	chmod 711 "$TMP" # for nobody to reach db3
	HATCH_SERVICE_USER=nobody run provision --config "$ETC3/hatch.conf" --from "$FROM" --db "$TMP/db3/hatch.db"
	expect_status "root for the service's user: exits 0" 0
	eq "... secrets, secrets/ and the identity key are the service user's" \
		"$(owner "$ETC3/secrets/waste-services.api-key") $(owner "$ETC3/secrets") $(owner "$ETC3/identity.key")" \
		"nobody nobody nobody"
	eq "... the configuration root's, readable by the service user's group" \
		"$(stat -c '%U %G %a' "$ETC3/hatch.conf")" "root $(id -gn nobody) 640"
	eq "... the staff accounts in a database of the service user's" "$(owner "$TMP/db3/hatch.db")" nobody
	HATCH_SERVICE_USER=nobody run config check "$ETC3/hatch.conf"
	expect_status "... which passes hatch config check for that user" 0
else
	for i in 1 2 3 4 5; do ok "as root for the service's user (only root can give files away)"; done
fi

# ---- on a terminal ----
cat >"$TMP/terminal.py" <<'PY'
# Answers hatch provision's questions through a pseudo-terminal; prints
# the whole conversation and the exit status.
import os, pty, select, shlex, sys, time
# The script: lines of QUESTION<tab>ANSWER in the file $SCRIPT.
cmd = shlex.split(os.environ["HATCH"]) + sys.argv[1:]
script = [l.rstrip("\n").split("\t") for l in open(os.environ["SCRIPT"], encoding="utf-8")]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
seen = b""
pos = 0
def wait_for(text):
    global seen, pos
    end = time.time() + 60
    while True:
        i = seen.find(text.encode(), pos)
        if i >= 0:
            pos = i + len(text)
            return
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.time()))
        chunk = b""
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                pass
        if not chunk:
            sys.stdout.write(seen.decode(errors="replace"))
            print("\nno question %r" % text)
            sys.exit(1)
        seen += chunk
for question, answer in script:
    wait_for(question)
    os.write(fd, (answer + "\n").encode())
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, st = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
print("\nexit %d" % os.waitstatus_to_exitcode(st))
PY
ETC4="$TMP/etc4"
T=$(printf '\t')
cat >"$TMP/answers" <<EOF
Device id${T}kiosk-9
Council's name${T}Borough of Example Council
Council's colour${T}
Languages offered${T}cy, en
Tracking link${T}http://example.gov.uk/t/{reference}
Tracking link${T}https://example.gov.uk/t/{reference}
Add a destination?${T}y
Destination name${T}waste
Adapter${T}
Open311 link${T}https://311.example/v2/
File holding the API key${T}$TMP/none.key
File holding the API key${T}$TMP/api.key
Pinned server key${T}
CA bundle file${T}
Service code${T}missed-bin=4
Service code${T}
Add another destination?${T}n
Add a staff account?${T}y
Staff ID${T}robin
Their name${T}Robin
PIN (not shown)${T}2345
PIN (not shown)${T}7391
The same PIN again${T}7391
Add a staff account?${T}n
Write the configuration${T}y
EOF
talk=$(HATCH="$HATCH" SCRIPT="$TMP/answers" timeout 120 python3 "$TMP/terminal.py" provision \
	--config "$ETC4/hatch.conf" --db "$TMP/db/tty.db" 2>&1 || true)
expect_match "on a terminal: every question answered, exits 0" "$talk" "exit 0$"
expect_match "... an http link is refused as it is typed" "$talk" \
	'tracking_url: "http://example.gov.uk/t/\{referen\.\.\." does not start with https://'
expect_match "... a file that cannot be read is asked for again" "$talk" "$TMP/none.key cannot be read"
expect_match "... a PIN too easy to guess is refused" "$talk" "a PIN cannot be digits in order"
expect_no_match "... and PINs are not shown" "$talk" "7391|2345"
expect_match "... the QR code is drawn black on white on a terminal" "$talk" $'\x1b\\[30;107m'
run config check "$ETC4/hatch.conf"
expect_status "... the configuration passes hatch config check" 0
conf=$(cat "$ETC4/hatch.conf")
expect_match "... with the answers" "$conf" "^id = kiosk-9$"
expect_match "... the languages" "$conf" "^languages = cy, en$"
expect_match "... and the destination's copied key" "$conf" "^api_key_file = $ETC4/secrets/waste.api-key$"
run staff check robin --pin-stdin --db "$TMP/db/tty.db" <<<"7391"
eq "... and the staff account signs in" "$out" "ok"
# Again, Enter keeping every answer the file gives.
cat >"$TMP/answers" <<EOF
Device id [kiosk-9]${T}
Council's name [Borough of Example Council]${T}
Council's colour [#1d70b8]${T}
Languages offered, the first one first [cy, en]${T}
Tracking link, with {reference} (none: no QR code) [https://example.gov.uk/t/{reference}]${T}
Keep the destination waste (https://311.example/v2/)?${T}y
Add another destination?${T}n
Add a staff account?${T}n
Write the configuration${T}y
EOF
talk=$(HATCH="$HATCH" SCRIPT="$TMP/answers" timeout 120 python3 "$TMP/terminal.py" provision \
	--config "$ETC4/hatch.conf" 2>&1 || true)
expect_match "provisioning again on a terminal: exits 0" "$talk" "exit 0$"
expect_match "... offering what the file says" "$talk" "Provisioning again: Enter keeps what"
expect_match "... and keeps the identity key" "$talk" "(kept)"
eq "... and the same configuration" "$(cat "$ETC4/hatch.conf")" "$conf"

# ---- usage ----
usage() { # usage DESC REGEX ARGS...
	desc=$1 re=$2
	shift 2
	run "$@" </dev/null
	expect_status "$desc: exits 2" 2
	expect_match "$desc: says why" "$err" "$re"
}
usage "no settings and no terminal" "^hatch: provision: give --from FILE or the settings" provision --config "$CONF"
usage "a destination's option before --destination" "^hatch: provision: --url belongs to a destination" \
	provision --url https://a.example/
usage "a staff option before --staff" "^hatch: provision: --staff-name belongs to a staff account" \
	provision --staff-name A
usage "--from and settings" "^hatch: provision: give --from FILE or settings, not both" \
	provision --from "$FROM" --device-id k1
usage "a relative --config" "^hatch: provision: --config needs an absolute path" \
	provision --config hatch.conf --device-id k1
usage "an unknown option" "^hatch: provision: unknown option '--frobnicate'" provision --frobnicate 1
usage "an option without its value" "^hatch: provision: --council needs a value" provision --council
usage "a bad --set" "^hatch: provision: --set takes SECTION.KEY=VALUE" provision --set kiosk
run provision --help
expect_status "--help: exits 0" 0
expect_match "... shows the usage" "$out" "^Usage: hatch provision "
run --help
expect_match "hatch --help lists provision" "$out" "^  provision "
finish
