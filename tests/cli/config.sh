# hatch config check: a good file (FILE: ok, exit 0); every kind of bad
# line, each as FILE:LINE: reason, with the count and exit 1; the insecure
# settings (an http link, a secret others may read or change or that is not
# the kiosk user's, a certificate others may change, a configuration file
# others may change, an identity key others may read) and the whole file's
# problems as FILE: reason; a file that cannot be read; usage (exit 2).
. "$TOP/tests/cli/lib.sh"
set +e

eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $(printf '%s' "$2" | head -c 600)" "want: $3"; fi
}

umask 022
printf 'an-api-key\n' >"$TMP/waste.key"
printf 'a-webhook-secret\n' >"$TMP/parish.hmac"
chmod 600 "$TMP/waste.key" "$TMP/parish.hmac"
printf -- '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' >"$TMP/ca.pem"

CONF="$TMP/hatch.conf"
write_good() {
	cat >"$CONF" <<EOF
; the kiosk in Central Library
[device]
id = central-library-1
[council]
name = Borough of Example Council
colour = #00703c
[kiosk]
languages = cy, en
tracking_url = https://www.example.gov.uk/track?ref={reference}
[staff]
entry = corner
pause_timeout = no
session_timeout = 900
[destination waste-services]
adapter = open311
url = https://311.example.gov.uk/open311/v2/
api_key_file = $TMP/waste.key
ca_bundle = $TMP/ca.pem
service.missed-bin = 4
[destination parish-council]
adapter = webhook
url = https://cases.parish.example.org/hatch
secret_file = $TMP/parish.hmac
EOF
	chmod 644 "$CONF"
}
write_good

run config check "$CONF"
expect_status "a good file: exits 0" 0
eq "... and says FILE: ok" "$out" "$CONF: ok"
expect_lines "... with nothing on stderr" "$err" 0

# Every kind of bad line, each on its line.
BAD="$TMP/bad.conf"
cat >"$BAD" <<EOF
[council]
name = Borough of Example Council
colur = #00703c
[kiosk]
idle_timeout = soon
idle_timeout = 200
[kiosks]
dpi = 100
just some words
[device]
id = central library
[staff]
entry = door
lockout_attempts = 3
[destination waste-services]
adapter = open311
url = http://311.example.gov.uk/open311/v2/
api_key_file = $TMP/waste.key
[kiosk]
tracking_url = http://www.example.gov.uk/track?ref={reference}
EOF
run config check "$BAD"
expect_status "a bad file: exits 1" 1
expect_lines "... nothing on stdout" "$out" 0
expect_match "an unknown key, as FILE:LINE: reason" "$err" \
	"^$BAD:3: \[council\] colur: is not a known setting; \[council\] has name and colour$"
expect_match "a bad value" "$err" "^$BAD:5: \[kiosk\] idle_timeout: \"soon\" is not a whole number; use seconds from 30 to 3600$"
expect_match "a setting given twice" "$err" "^$BAD:6: \[kiosk\] idle_timeout: is set again \(first on line 5\)"
expect_match "an unknown section" "$err" "^$BAD:7: \[kiosks\] is not a known section, and its settings are not read"
expect_no_match "... whose settings are not reported again" "$err" "^$BAD:8:"
expect_match "a line that is not a setting" "$err" "^$BAD:9: \"just some words\" is not a setting; write key = value"
expect_match "a bad device id" "$err" "^$BAD:11: \[device\] id: \"central library\" is not a device id"
expect_match "a bad staff entry" "$err" "^$BAD:13: \[staff\] entry: \"door\" is not a way in; use corner"
expect_match "the lockout is not a setting" "$err" "^$BAD:14: \[staff\] lockout_attempts: is not a known setting"
expect_match "an http destination" "$err" \
	"^$BAD:17: \[destination waste-services\] url: \"http://311.example.gov.uk/open31...\": an http link would send personal data unencrypted; use https$"
expect_match "an http tracking link" "$err" "^$BAD:20: \[kiosk\] tracking_url: \"http://www.example.gov.uk/track\?...\" does not start with https://; the link must use https"
expect_match "a summary line with the count" "$err" "^$BAD: 10 problems$"
expect_lines "one line a problem and the summary" "$err" 11
# Every line is FILE:LINE: reason or the summary.
others=$(printf '%s\n' "$err" | grep -Ev "^$BAD:[0-9]+: |^$BAD: 10 problems$" || true)
eq "... and nothing else" "$others" ""

# Secret files: readable by others, writable by others, someone else's.
write_good
chmod 644 "$TMP/waste.key"
run config check "$CONF"
expect_status "a world-readable secret: exits 1" 1
expect_match "... on its line, with what to do" "$err" \
	"^$CONF:17: \[destination waste-services\] api_key_file: $TMP/waste.key is readable by other users; make it readable only by the kiosk's user: chmod 600 "
expect_match "... one problem" "$err" "^$CONF: 1 problem$"
chmod 620 "$TMP/waste.key"
run config check "$CONF"
expect_status "a secret the group may change: exits 1" 1
expect_match "... on its line" "$err" "^$CONF:17: \[destination waste-services\] api_key_file: .* can be changed by other users; make it the kiosk's user's alone: chmod 600 "
chmod 600 "$TMP/waste.key"
if [ "$(id -u)" = 0 ]; then
	cp "$TMP/parish.hmac" "$TMP/nobodys.hmac"
	chown nobody "$TMP/nobodys.hmac"
	other="$TMP/nobodys.hmac" owner=nobody me=root
else
	other=/etc/passwd owner=root me=$(id -un)
fi
sed -i "s|^secret_file = .*|secret_file = $other|" "$CONF"
run config check "$CONF"
expect_status "a secret that is another user's: exits 1" 1
expect_match "... on its line" "$err" "^$CONF:23: \[destination parish-council\] secret_file: $other belongs to $owner, not to $me, the kiosk's user"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	HATCH_SERVICE_USER=nobody run config check "$CONF"
	expect_match "root checks for the service's user: nobody's file is good" "$err" "^$CONF: 1 problem$"
	expect_match "... and root's are not" "$err" "^$CONF:17: .*waste.key belongs to root, not to nobody, the kiosk's user"
else
	ok "root checks for the service's user (only root can make a file another user's)"
	ok "... and root's are not (the unit test covers the rule's other side)"
fi

# A CA bundle others may change; the configuration file itself.
write_good
chmod 666 "$TMP/ca.pem"
run config check "$CONF"
expect_match "a CA bundle others may change" "$err" \
	"^$CONF:18: \[destination waste-services\] ca_bundle: $TMP/ca.pem can be changed by other users, who could then have the kiosk trust a server of theirs"
chmod 644 "$TMP/ca.pem"
chmod 666 "$CONF"
run config check "$CONF"
expect_status "a configuration file others may change: exits 1" 1
eq "... said as FILE: reason (line 0), then the count" "$err" \
	"$CONF: the file can be changed by other users, who could send submissions elsewhere: chmod go-w on it
$CONF: 1 problem"
chmod 644 "$CONF"

# An identity key beside the file, as hatch provision leaves it.
printf 'not a key\n' >"$TMP/identity.key"
chmod 600 "$TMP/identity.key"
run config check "$CONF"
expect_status "a broken identity key: exits 1" 1
expect_match "... said" "$err" "^$CONF: $TMP/identity.key is not an identity key"
chmod 644 "$TMP/identity.key"
run config check "$CONF"
expect_match "an identity key others may read" "$err" "^$CONF: the identity key: $TMP/identity.key is readable by other users"
rm -f "$TMP/identity.key"
run config check "$CONF"
expect_status "no identity key (not provisioned): good" 0

# Files that cannot be read.
run config check "$TMP/none.conf"
expect_status "a missing file: exits 1" 1
expect_match "... FILE: reason" "$err" "^$TMP/none.conf: .*No such file"
run config check "$TMP"
expect_status "a directory: exits 1" 1
head -c 70000 /dev/zero | tr '\0' '\n' >"$TMP/big.conf"
run config check "$TMP/big.conf"
expect_status "a file too large: exits 1" 1
expect_match "... said for the whole file" "$err" "^$TMP/big.conf: the file is larger than 65536 bytes"

# The default file.
run config check
expect_match "with no FILE, /etc/hatch/hatch.conf is checked" "$out$err" "^/etc/hatch/hatch.conf: "

# Usage.
run config check --help
expect_status "config check --help: exits 0" 0
expect_match "... and shows the usage" "$out" "^Usage: hatch config check \[FILE\]"
run --help
expect_match "hatch --help lists config" "$out" "^  config "
run config
expect_status "config without a command: exits 2" 2
expect_match "... saying so" "$err" "^hatch: config: name a command"
run config frobnicate
expect_status "an unknown command: exits 2" 2
run config check "$CONF" "$BAD"
expect_status "two files: exits 2" 2
expect_match "... saying so" "$err" "^hatch: config check: name one file$"
run config check --strict "$CONF"
expect_status "an unknown option: exits 2" 2
expect_match "... saying so" "$err" "^hatch: config check: unknown option '--strict'$"
finish
