# hatch journeys keygen, pack, install and update end to end: a key pair
# (the secret 0600, never made over an old one); a bundle packed from a
# directory of journeys and a catalog, and refused at packing when a
# journey does not validate; installed into a versioned directory with
# `current` switched and `previous` kept; refused, with one line naming the
# reason and the directory left exactly as it was, when a file or the
# manifest was changed after signing, when it is signed by another key, has
# expired, is for another council, is older or the same version, holds a
# journey that fails validation or a catalog that does not read, or is cut
# short; and fetched from the reference back end's static files
# (tests/backend/): installed, not fetched again while its ETag stands (a
# 304, across runs), a bad one refused once and not fetched again, a new one
# installed, and a body over the cap, a 404, a redirect and an untrusted
# certificate each a failure that changes nothing.
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/backend-lib.sh"
set +e

B="$TMP/bundles"
SRC="$TMP/src"
mkdir -p "$SRC/journeys" "$SRC/locales" "$TMP/static"
cp "$TOP/assets/journeys/missed-bin.json" "$TOP/assets/journeys/complaint.json" "$SRC/journeys/"
cat >"$SRC/locales/cy.po" <<'EOF'
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Report a missed bin collection"
msgstr "Rhoi gwybod am fin heb ei gasglu"
EOF

# state: everything under the bundles' directory, with each file's hash,
# but the updater's note of the last ETag it judged (.etag).
state() {
	(cd "$B" 2>/dev/null && find . ! -name .etag -printf '%p %y %l\n' | sort &&
		find . -type f ! -name .etag -exec sha256sum {} + | sort)
}
link() { readlink "$B/$1" 2>/dev/null || echo none; }
last_line() { printf '%s\n' "$1" | tail -n 1; }

# ---- keygen ----
run journeys keygen "$TMP/signing.key"
expect_status "keygen: exits 0" 0
PUB=$(cat "$TMP/signing.key.pub")
expect_match "keygen: prints the public key for [updates]" "$out" "^public_key = $(printf '%s' "$PUB" | sed 's/[+/]/\\&/g')$"
expect_match "keygen: the public key is 44 characters of base64" "$PUB" '^[A-Za-z0-9+/]{43}=$'
eq "keygen: the secret key is 0600" "$(stat -c %a "$TMP/signing.key")" "600"
run journeys keygen "$TMP/signing.key"
expect_status "keygen over an existing key: exits 1" 1
expect_match "... saying it exists" "$err" "signing.key exists; a new key would stop every kiosk"
eq "... and the key is the one it was" "$(cat "$TMP/signing.key.pub")" "$PUB"
run journeys keygen "$TMP/other.key"
expect_status "a second key pair" 0

CONF="$TMP/hatch.conf"
cat >"$CONF" <<EOF
[council]
name = Test Council

[updates]
public_key = $PUB
directory = $B
EOF

# ---- pack ----
run journeys pack "$SRC" --key "$TMP/signing.key" --version 1 -o "$TMP/v1.bundle"
expect_status "pack: exits 0" 0
expect_match "pack: one line with the version, the council from the defaults and the counts" "$out" \
	'^.*/v1\.bundle: version 1 for "Demonstration District Council": 2 journeys, 1 catalog, [0-9]+ bytes; kiosks install it until 20[0-9-]+T[0-9:]+Z$'
pk() { # pk VERSION [ARGS...]: packs $SRC for Test Council into $TMP/vVERSION.bundle
	local v=$1
	shift
	$HATCH journeys pack "$SRC" --key "$TMP/signing.key" --council "Test Council" --version "$v" \
		-o "$TMP/v$v.bundle" "$@" >"$TMP/pack.out" 2>&1 || not_ok "packing version $v" "$(cat "$TMP/pack.out")"
}
pk 1
pk 2
pk 3
pk 5
run journeys pack "$SRC" --key "$TMP/signing.key" --config "$CONF" --version 9 -o "$TMP/v9.bundle"
expect_match "pack --config: the council is the configuration's" "$out" 'version 9 for "Test Council"'
run journeys pack "$SRC" --version 1
expect_status "pack without --key: a usage error" 2
expect_match "... naming the option" "$err" "name the secret key with --key KEY"
chmod 644 "$TMP/other.key"
run journeys pack "$SRC" --key "$TMP/other.key" --version 1 -o "$TMP/x.bundle"
expect_status "pack with a key others may read: exits 1" 1
expect_match "... saying so" "$err" "other.key can be read or changed by other users"
chmod 600 "$TMP/other.key"
mkdir -p "$TMP/badsrc/journeys"
cp "$SRC/journeys/complaint.json" "$TMP/badsrc/journeys/"
sed 's/"hatch_journey": 1/"hatch_journey": 1, "surprise": true/' "$SRC/journeys/missed-bin.json" \
	>"$TMP/badsrc/journeys/missed-bin.json"
run journeys pack "$TMP/badsrc" --key "$TMP/signing.key" --version 4 -o "$TMP/bad.bundle"
expect_status "pack with a journey that fails validation: exits 1" 1
expect_match "... its problem named with the file, as hatch journeys validate does" "$err" \
	"badsrc/journeys/missed-bin.json: .*surprise"
expect_match "... and not packed" "$(last_line "$err")" "badsrc: not packed: fix the problems above$"
[ -e "$TMP/bad.bundle" ] && not_ok "... and nothing written" || ok "... and nothing written"

# ---- install ----
run journeys install "$TMP/v2.bundle" --config "$CONF"
expect_status "install: exits 0" 0
expect_match "install: one line saying what and where" "$out" \
	"v2\.bundle: installed version 2 for \"Test Council\" \(2 journeys, 1 catalog\) in $B/2; the kiosk takes it up between sessions$"
eq "install: current is a link to 2" "$(link current)" "2"
eq "... with its journeys and catalog" "$(ls "$B/current/journeys" "$B/current/locales" | tr '\n' ' ')" \
	"$B/current/journeys: complaint.json missed-bin.json  $B/current/locales: cy.po "
cmp -s "$B/2/journeys/missed-bin.json" "$SRC/journeys/missed-bin.json" && ok "... byte for byte" ||
	not_ok "... byte for byte"
run journeys install "$TMP/v3.bundle" --config "$CONF"
expect_status "a newer one: exits 0" 0
eq "current is 3" "$(link current)" "3"
eq "previous is 2" "$(link previous)" "2"
[ -d "$B/2/journeys" ] && ok "... and 2 is kept" || not_ok "... and 2 is kept"

# signer ARGS: a bundle made and signed here, for the refusals that pack
# will not make (nacl, as python3-nacl gives it).
signer() {
	"$PY" - "$@" <<'PYEOF'
import base64, hashlib, json, sys
from nacl.signing import SigningKey
key, out, version, council, created, expires = sys.argv[1:7]
files = {}
for spec in sys.argv[7:]:
    path, src = spec.split("=", 1)
    files[path] = open(src, "rb").read()
raw = base64.b64decode(open(key).read().strip())
sk = SigningKey(raw[:32])
manifest = {"format": 1, "version": int(version), "council": council, "created": created,
            "expires": expires,
            "files": [{"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                      for p, d in files.items()]}
m = json.dumps(manifest, indent=2).encode()
b = {"hatch_bundle": 1, "key": base64.b64encode(bytes(sk.verify_key)).decode(),
     "signature": base64.b64encode(sk.sign(m).signature).decode(),
     "manifest": base64.b64encode(m).decode(),
     "files": {p: base64.b64encode(d).decode() for p, d in files.items()}}
open(out, "w").write(json.dumps(b))
PYEOF
}
FILES="journeys/missed-bin.json=$SRC/journeys/missed-bin.json journeys/complaint.json=$SRC/journeys/complaint.json locales/cy.po=$SRC/locales/cy.po"
# shellcheck disable=SC2086
signer "$TMP/signing.key" "$TMP/signed.bundle" 4 "Test Council" 2026-01-01T00:00:00Z 2099-01-01T00:00:00Z $FILES ||
	bail "the test's own signer"
run journeys install "$TMP/signed.bundle" --config "$CONF" --dir "$TMP/elsewhere"
expect_status "the test's own signer makes a bundle that installs" 0

# tamper FILE OUT PYTHON: OUT is FILE's bundle with the edit PYTHON made to b.
tamper() {
	"$PY" - "$@" <<'PYEOF'
import base64, json, sys
src, out, code = sys.argv[1:4]
b = json.load(open(src))
exec(code)
open(out, "w").write(json.dumps(b))
PYEOF
}
tamper "$TMP/v5.bundle" "$TMP/tampered-file.bundle" \
	'b["files"]["journeys/complaint.json"] = base64.b64encode(base64.b64decode(b["files"]["journeys/complaint.json"]).replace(b"complaint", b"compliment")).decode()'
tamper "$TMP/v5.bundle" "$TMP/tampered-manifest.bundle" \
	'm = base64.b64decode(b["manifest"]).replace(b"\"version\": 5", b"\"version\": 50"); b["manifest"] = base64.b64encode(m).decode()'
$HATCH journeys pack "$SRC" --key "$TMP/other.key" --council "Test Council" --version 5 \
	-o "$TMP/other-key.bundle" >/dev/null 2>&1 || not_ok "packing with the other key"
# shellcheck disable=SC2086
signer "$TMP/signing.key" "$TMP/expired.bundle" 5 "Test Council" 2025-01-01T00:00:00Z 2025-06-01T00:00:00Z $FILES
pk 6 --council "Another Council"
mv "$TMP/v6.bundle" "$TMP/other-council.bundle"
printf '{"hatch_journey": 1, "id": "broken", "version": 1}\n' >"$TMP/broken.json"
signer "$TMP/signing.key" "$TMP/bad-journey.bundle" 5 "Test Council" 2026-01-01T00:00:00Z 2099-01-01T00:00:00Z \
	"journeys/missed-bin.json=$SRC/journeys/missed-bin.json" "journeys/broken.json=$TMP/broken.json"
printf 'msgid "Report a missed bin collection"\nmsgstr "no end\n' >"$TMP/broken.po"
signer "$TMP/signing.key" "$TMP/bad-po.bundle" 5 "Test Council" 2026-01-01T00:00:00Z 2099-01-01T00:00:00Z \
	"journeys/missed-bin.json=$SRC/journeys/missed-bin.json" "locales/cy.po=$TMP/broken.po"
head -c 5000 "$TMP/v5.bundle" >"$TMP/cut.bundle"

before=$(state)
refused() { # refused DESC FILE REGEX
	run journeys install "$TMP/$2" --config "$CONF"
	expect_status "$1: exits 1" 1
	expect_match "$1: the last line names the reason and what stays" "$(last_line "$err")" \
		"^hatch: journeys install: .*$2: (refused|not installed): $3; version 3 stays installed$"
	eq "$1: nothing under $B changed" "$(state)" "$before"
	[ -z "$out" ] && ok "$1: nothing on standard output" || not_ok "$1: nothing on standard output" "$out"
}
refused "a file changed after signing" tampered-file.bundle \
	"journeys/complaint.json does not match the SHA-256 in its manifest: the file was changed after the bundle was signed"
expect_lines "... one line" "$err" 1
refused "the manifest changed after signing" tampered-manifest.bundle \
	"its manifest does not match its signature: the manifest was changed after it was signed"
refused "signed by another key" other-key.bundle \
	"it is signed by another key \(.{44}\), not the one in \[updates\] public_key \(.{44}\)"
refused "expired" expired.bundle "it expired at 2025-06-01T00:00:00Z \(the kiosk's clock says 20[0-9-]+T[0-9:]+Z\)"
refused "for another council" other-council.bundle \
	"it is for \"Another Council\", and this kiosk is for \"Test Council\""
refused "older" v1.bundle "its version 1 is older than the installed version 3"
refused "the same version" v3.bundle "its version 3 is the one installed"
refused "a journey that fails validation" bad-journey.bundle "journeys/broken.json: .+"
expect_match "... its problems listed above, as validate lists them" "$err" "^journeys/broken.json: "
refused "a catalog that does not read" bad-po.bundle "locales/cy.po:[0-9]+: .+"
refused "cut short" cut.bundle "the bundle ends before its JSON does \(at byte 5000\): it was cut short; fetch or copy it again"
run journeys install "$TMP/none.bundle" --config "$CONF"
expect_status "a bundle that is not there: exits 1" 1
expect_match "... saying so" "$err" "none.bundle: refused: cannot open: No such file or directory; version 3 stays installed$"
printf '[council]\nname = Test Council\n' >"$TMP/nokey.conf"
run journeys install "$TMP/v5.bundle" --config "$TMP/nokey.conf"
expect_status "no public key configured: exits 1" 1
expect_match "... saying what to add" "$err" "no \[updates\] public_key.*add the key hatch journeys keygen printed"
eq "... and nothing changed" "$(state)" "$before"
run journeys install --config "$CONF"
expect_status "install without a bundle: a usage error" 2
run journeys install "$TMP/v5.bundle" --config "$CONF"
expect_status "and then the good one" 0
eq "current is 5" "$(link current)" "5"
eq "previous is 3" "$(link previous)" "3"
[ -e "$B/2" ] && not_ok "2 is removed" || ok "2 is removed"

# ---- update: from the reference back end ----
main_backend --static-dir "$TMP/static"
UCONF="$TMP/update.conf"
ucfg() { # ucfg URL [EXTRA LINE]
	cat >"$UCONF" <<EOF
[council]
name = Test Council

[updates]
public_key = $PUB
url = $1
directory = $B
${2:-ca_bundle = $CERTS/ca.pem}
EOF
}
URL="$MAIN/static/kiosk.bundle"
ucfg "$URL"
# statuses: the back end's answers to GET /static/..., in order.
statuses() {
	control /_control/log
	jget "$TMP/control" "' '.join(str(e['status']) for e in d if e['path'].startswith('/static/'))"
}
pk 7
cp "$TMP/v7.bundle" "$TMP/static/kiosk.bundle"
run journeys update --config "$UCONF"
expect_status "update: exits 0" 0
expect_match "update: the log line says what was installed" "$err" \
	"^hatch: bundle: installed version 7 \(2 journeys, 1 catalog\) in place of version 5; the kiosk takes it up between sessions$"
eq "current is 7" "$(link current)" "7"
eq "previous is 5" "$(link previous)" "5"
run journeys update --config "$UCONF"
expect_status "update again: exits 0" 0
expect_match "... the server said it has not changed" "$err" "unchanged on the server; version 7 stays"
eq "... a 200 and then a 304" "$(statuses)" "200 304"

pk 20
tamper "$TMP/v20.bundle" "$TMP/static/kiosk.bundle" \
	'b["files"]["locales/cy.po"] = base64.b64encode(b"msgid \"x\"\nmsgstr \"y\"\n").decode()'
before=$(state)
run journeys update --config "$UCONF"
expect_status "a bad bundle on the server: exits 1" 1
expect_match "... refused in one line, naming the reason" "$err" \
	"^hatch: bundle: refused: locales/cy.po does not match the SHA-256 in its manifest: the file was changed after the bundle was signed; version 7 stays installed$"
expect_lines "... one line" "$err" 1
eq "... nothing changed" "$(state)" "$before"
run journeys update --config "$UCONF"
expect_status "... and it is not fetched again" 0
eq "... (a 304)" "$(statuses)" "200 304 200 304"

pk 8
cp "$TMP/v8.bundle" "$TMP/static/kiosk.bundle"
run journeys update --config "$UCONF"
expect_status "a new bundle on the server: exits 0" 0
eq "current is 8" "$(link current)" "8"
eq "previous is 7" "$(link previous)" "7"

before=$(state)
pk 9
cp "$TMP/v9.bundle" "$TMP/static/kiosk.bundle"
fault '{"fault": "huge", "size": 17000000, "path": "/static/"}'
run journeys update --config "$UCONF"
expect_status "a body over 16 MiB: exits 1" 1
expect_match "... the fetch failed, saying why" "$err" \
	"^hatch: bundle: fetch failed: the answer was larger than 16777216 bytes; version 8 stays installed$"
fault '{"fault": "redirect", "path": "/static/", "location": "https://127.0.0.1:9/"}'
run journeys update --config "$UCONF"
expect_status "a redirect: exits 1" 1
expect_match "... not followed" "$err" "fetch failed: the server answered HTTP 302; version 8 stays installed$"
ucfg "$MAIN/static/missing.bundle"
run journeys update --config "$UCONF"
expect_status "no bundle at the link: exits 1" 1
expect_match "... a 404" "$err" "fetch failed: the server answered HTTP 404; version 8 stays installed$"
ucfg "$URL" "; no ca_bundle: the test CA is not trusted"
run journeys update --config "$UCONF"
expect_status "a server the kiosk does not trust: exits 1" 1
expect_match "... the certificate refused" "$err" "fetch failed: curl 60: .*; version 8 stays installed$"
eq "... and nothing changed by any of them" "$(state)" "$before"
ucfg "$URL"
run journeys update --config "$UCONF"
expect_status "and then it comes" 0
eq "current is 9" "$(link current)" "9"

printf '[council]\nname = Test Council\n[updates]\npublic_key = %s\n' "$PUB" >"$TMP/nourl.conf"
run journeys update --config "$TMP/nourl.conf" --dir "$B"
expect_status "update with no url: exits 1" 1
expect_match "... saying so" "$err" "no \[updates\] url"
printf '[updates]\nurl = http://127.0.0.1:%s/static/kiosk.bundle\npublic_key = %s\n' "$P" "$PUB" >"$TMP/http.conf"
run journeys update --config "$TMP/http.conf"
expect_status "an http link in the configuration: exits 1" 1
expect_match "... the configuration's problem, on its line" "$err" "http.conf:2: \[updates\] url: .*https only"

run journeys --help
expect_match "journeys --help lists the bundle commands" "$out" "pack DIR --key KEY"
for c in keygen pack install update; do
	run journeys "$c" --help
	expect_status "journeys $c --help: exits 0" 0
done
finish
