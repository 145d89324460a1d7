#!/bin/sh
# Generates the throwaway PKI that tests/backend/backend.py and its tests use,
# fresh on every run (no key is ever committed):
#   make-certs.sh DIR
# writes into DIR (created if missing; keys are mode 600):
#   ca.key ca.pem                  test CA that clients trust (--cacert)
#   server.key server.pem          127.0.0.1 and localhost, signed by the CA
#   expired.key expired.pem        signed by the CA, valid only in January 2020
#   notyet.key notyet.pem          signed by the CA, valid only from 2099
#   wrong-host.key wrong-host.pem  signed by the CA, names only wrong.example
#   self-signed.key self-signed.pem  127.0.0.1 and localhost, signed by itself
#   client-ca.key client-ca.pem    CA the back end trusts for devices (--client-ca)
#   client.key client.pem          device certificate (CN hatch-kiosk-0001)
#   client-other.key client-other.pem  a device certificate from the wrong CA
# Elliptic-curve keys (P-256) keep it quick. Needs only openssl.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: make-certs.sh DIR" >&2
	exit 2
fi
mkdir -p "$1"
cd "$1"
umask 077

cat >openssl.cnf <<'EOF'
# Used only by make-certs.sh; the subjects come from -subj.
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = unused

[ca]
default_ca = server_ca
[server_ca]
dir = ./ca-db
database = $dir/index.txt
new_certs_dir = $dir
rand_serial = yes
default_md = sha256
default_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
[client_ca]
dir = ./client-ca-db
database = $dir/index.txt
new_certs_dir = $dir
rand_serial = yes
default_md = sha256
default_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied

[ca_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[self_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
[wrong_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

log=make-certs.log
: >"$log"
fail() {
	echo "make-certs.sh: $1 failed:" >&2
	cat "$log" >&2
	exit 1
}

newkey() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1.key" 2>>"$log" || fail "key $1"
}

# ca NAME SUBJECT: a self-signed CA certificate.
ca() {
	newkey "$1"
	openssl req -config openssl.cnf -new -x509 -key "$1.key" -subj "/CN=$2" \
		-days 30 -extensions ca_ext -out "$1.pem" 2>>"$log" || fail "CA $1"
}

# sign NAME SUBJECT CANAME SECTION EXT [openssl ca options]: a key and a
# certificate for it signed by the CA CANAME (config section SECTION).
sign() {
	name=$1 subj=$2 caname=$3 section=$4 ext=$5
	shift 5
	newkey "$name"
	openssl req -config openssl.cnf -new -key "$name.key" -subj "/CN=$subj" \
		-out "$name.csr" 2>>"$log" || fail "request $name"
	openssl ca -batch -config openssl.cnf -name "$section" -cert "$caname.pem" \
		-keyfile "$caname.key" -in "$name.csr" -out "$name.pem" \
		-extensions "$ext" -notext "$@" >>"$log" 2>&1 || fail "certificate $name"
	rm -f "$name.csr"
}

rm -rf ca-db client-ca-db
mkdir ca-db client-ca-db
: >ca-db/index.txt
: >client-ca-db/index.txt

ca ca "Hatch Test CA"
sign server 127.0.0.1 ca server_ca server_ext
sign expired 127.0.0.1 ca server_ca server_ext \
	-startdate 20200101000000Z -enddate 20200201000000Z
sign notyet 127.0.0.1 ca server_ca server_ext \
	-startdate 20990101000000Z -enddate 20991231000000Z
sign wrong-host wrong.example ca server_ca wrong_ext

newkey self-signed
openssl req -config openssl.cnf -new -x509 -key self-signed.key -subj "/CN=localhost" \
	-days 30 -extensions self_ext -out self-signed.pem 2>>"$log" || fail "self-signed"

ca client-ca "Hatch Test Device CA"
sign client hatch-kiosk-0001 client-ca client_ca client_ext
# A device certificate the back end must not accept: right purpose, wrong CA.
sign client-other hatch-kiosk-rogue ca server_ca client_ext

chmod 600 ./*.key
chmod 644 ./*.pem
