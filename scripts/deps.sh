#!/bin/sh
# The one list of Debian packages Hatch needs to build, run and test.
# Idempotent: installs only what is missing. Uses sudo when not root.
#   scripts/deps.sh           native build, run and test
#   scripts/deps.sh --arm64   also the arm64 cross toolchain, arm64 -dev
#                             libraries (multiarch), qemu-user-static and
#                             debootstrap (make device-test)
#   scripts/deps.sh --check   exit 0 if everything is installed, 1 if not
#   scripts/deps.sh --runtime only what the kiosk needs to run on a device
#                             (scripts/install-device.sh): its libraries,
#                             fonts, GPU drivers, CA certificates, overlayroot
#   scripts/deps.sh --print   list the chosen packages and exit
set -eu

NATIVE="build-essential pkg-config clang libclang-rt-14-dev python3
        libjansson-dev libcmocka-dev libsqlite3-dev libinih-dev
        libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libqrencode-dev
        libfontconfig-dev libsodium-dev libcurl4-openssl-dev libxml2-dev
        libgettextpo-dev gettext libfribidi-dev libespeak-ng-dev espeak-ng-data
        libsystemd-dev
        fonts-noto-core imagemagick zbar-tools
        xvfb xauth xdotool chromium sqlite3 libxtst6
        curl openssl python3-jsonschema python3-nacl wrk
        prometheus python3-yaml"
# prometheus: for promtool, which tests/cli/fleet.sh checks the metrics file
# and docs/alert-rules.yml with (Debian ships promtool in no smaller
# package; 19 MB); python3-yaml: that test reads the alert rules.
# Libraries whose arm64 -dev packages the cross build links against.
CROSS_LIBS="libjansson-dev libcmocka-dev libsqlite3-dev libinih-dev
        libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libqrencode-dev
        libfontconfig-dev libsodium-dev libcurl4-openssl-dev libxml2-dev
        libgettextpo-dev libfribidi-dev libespeak-ng-dev libsystemd-dev"
CROSS_TOOLS="crossbuild-essential-arm64 qemu-user-static debootstrap"
# On the device (scripts/install-device.sh; no compiler, no -dev packages):
# the libraries hatch links, the Noto fonts for Gurmukhi and Arabic script,
# EGL/GBM and Mesa's drivers for SDL's KMSDRM video, CA certificates for
# delivery over TLS, and overlayroot for the read-only root.
RUNTIME="libjansson4 libsqlite3-0 libqrencode4 libsdl2-2.0-0 libsdl2-ttf-2.0-0
        libsdl2-image-2.0-0 libfontconfig1 libfribidi0 libespeak-ng1 espeak-ng-data
        libinih1 libsodium23 libcurl4 libxml2 libgettextpo0 libsystemd0
        fonts-noto-core libegl1 libgles2 libgbm1 libgl1-mesa-dri ca-certificates
        overlayroot"

arm64=0
check=0
runtime=0
print=0
for a in "$@"; do
	case "$a" in
	--arm64) arm64=1 ;;
	--check) check=1 ;;
	--runtime) runtime=1 ;;
	--print) print=1 ;;
	-h | --help)
		sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "deps.sh: unknown option '$a' (try --help)" >&2
		exit 2
		;;
	esac
done

want="$NATIVE"
if [ "$arm64" = 1 ]; then
	want="$want $CROSS_TOOLS"
	for p in $CROSS_LIBS; do want="$want $p:arm64"; done
fi
if [ "$runtime" = 1 ]; then
	if [ "$arm64" = 1 ]; then
		echo "deps.sh: --runtime is for the device itself; it cannot go with --arm64" >&2
		exit 2
	fi
	want="$RUNTIME"
fi
if [ "$print" = 1 ]; then
	# shellcheck disable=SC2086
	printf '%s\n' $want
	exit 0
fi

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi
if [ "$check" = 1 ]; then
	echo "deps.sh: missing:$missing" >&2
	exit 1
fi

if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps.sh: need root or sudo to install:$missing" >&2
	exit 1
fi

if [ "$arm64" = 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$SUDO dpkg --add-architecture arm64
fi

echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
