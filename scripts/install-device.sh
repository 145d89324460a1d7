#!/bin/sh
# Makes a Raspberry Pi OS Lite (bookworm, arm64) or Debian 12 (arm64)
# machine a Hatch kiosk: the runtime packages (scripts/deps.sh --runtime),
# the hatch user, the program from a staged install tree, the kiosk's
# systemd unit with its watchdog, the console lockdown, the data partition
# and the read-only root. Everything it installs is in firmware/; what it
# does and why is in docs/appliance.md.
#
# Idempotent: a second run changes nothing and says so. Run as root, on the
# device (or in a chroot of its root file system), then reboot.
#
#   scripts/install-device.sh --from STAGE [--data auto|partition|root]
#                             [--no-overlay] [--rotate 0|180]
#
#   --from STAGE   a tree made by `make install DESTDIR=STAGE` (PREFIX
#                  /usr/local, the default): STAGE/usr/local/bin/hatch and
#                  STAGE/usr/local/share/hatch/
#   --data MODE    where the database lives. partition: on the partition
#                  labelled HATCH-DATA, mounted on /var/lib/hatch, with the
#                  root read-only; root: in /var/lib/hatch on the root file
#                  system, which then stays writable. auto (the default):
#                  partition when a HATCH-DATA file system exists, else root
#   --no-overlay   keep the root writable even with a data partition
#   --rotate DEG   the boot console for a touchscreen mounted upside down
#                  (180) or upright (0); left as it is when not given
set -eu

here=$(cd "$(dirname "$0")" && pwd)
firmware=$(cd "$here/../firmware" 2>/dev/null && pwd) || firmware=""
prefix=/usr/local
label=HATCH-DATA
data_dir=/var/lib/hatch
groups="video render input audio"

from=""
data=auto
overlay=1
rotate=""
usage() {
	sed -n '12,25p' "$0" | sed 's/^# \{0,1\}//'
}
while [ $# -gt 0 ]; do
	case "$1" in
	--from)
		[ $# -ge 2 ] || { echo "install-device: --from needs a directory" >&2; exit 2; }
		from=$2
		shift 2
		;;
	--data)
		[ $# -ge 2 ] || { echo "install-device: --data needs auto, partition or root" >&2; exit 2; }
		case "$2" in
		auto | partition | root) data=$2 ;;
		*) echo "install-device: --data takes auto, partition or root, not '$2'" >&2; exit 2 ;;
		esac
		shift 2
		;;
	--no-overlay) overlay=0; shift ;;
	--rotate)
		[ $# -ge 2 ] || { echo "install-device: --rotate needs 0 or 180" >&2; exit 2; }
		case "$2" in
		0 | 180) rotate=$2 ;;
		*) echo "install-device: --rotate takes 0 or 180, not '$2'" >&2; exit 2 ;;
		esac
		shift 2
		;;
	-h | --help) usage; exit 0 ;;
	*) echo "install-device: unknown option '$1' (try --help)" >&2; exit 2 ;;
	esac
done

die() {
	echo "install-device: $*" >&2
	exit 1
}
note() { echo "install-device: $*"; }
changes=0
changed() {
	changes=$((changes + 1))
	echo "install-device: changed: $*"
}

if [ -z "$from" ]; then
	echo "install-device: name the staged install tree with --from STAGE (make install DESTDIR=STAGE)" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || die "run as root (sudo $0 ...)"
{ [ -n "$firmware" ] && [ -d "$firmware/rootfs" ]; } ||
	die "no firmware/ beside scripts/ (expected $here/../firmware): run it from a Hatch source tree"
stage=$(cd "$from" 2>/dev/null && pwd) || die "--from $from: no such directory"
from=$stage
[ -x "$from$prefix/bin/hatch" ] ||
	die "--from $from: no $prefix/bin/hatch in it; make one with 'make install DESTDIR=$from' (PREFIX $prefix, the default)"
[ -d "$from$prefix/share/hatch/journeys" ] ||
	die "--from $from: no $prefix/share/hatch/journeys in it (make install DESTDIR=$from)"

# On a root that is already read-only (the overlay is active) every change
# would go to RAM and be lost at the next boot.
if grep -qw 'boot=overlay' /proc/cmdline 2>/dev/null ||
	{ [ -d /media/root-ro ] && mountpoint -q /media/root-ro 2>/dev/null; }; then
	die "the root file system is read-only (overlay): turn it off first ('raspi-config nonint disable_overlayfs', or overlayroot=disabled on the kernel command line), reboot, run this again, then reboot; see docs/appliance.md"
fi

in_chroot=0
if command -v systemd-detect-virt >/dev/null 2>&1 && systemd-detect-virt --chroot 2>/dev/null; then
	in_chroot=1
fi

# put SRC DEST MODE OWNER: DEST gets SRC's bytes, MODE (octal, as stat
# prints it) and OWNER (user:group); only what differs is changed.
put() {
	src=$1 dest=$2 mode=$3 owner=$4
	if [ ! -f "$dest" ] || [ -L "$dest" ] || ! cmp -s "$src" "$dest"; then
		mkdir -p "$(dirname "$dest")"
		cp "$src" "$dest.hatch-new"
		chown "$owner" "$dest.hatch-new"
		chmod "$mode" "$dest.hatch-new"
		mv -f "$dest.hatch-new" "$dest"
		changed "$dest"
	elif [ "$(stat -c '%a %U:%G' "$dest")" != "$mode $owner" ]; then
		chown "$owner" "$dest"
		chmod "$mode" "$dest"
		changed "$dest (mode $mode, owner $owner)"
	fi
}

# The Pi's boot partition is mounted read-only once installed
# (enable_bootro): it is made writable for a change and read-only again at
# the end.
boot_remounted=0
boot_writable() {
	if [ "$boot_remounted" = 0 ] && mountpoint -q "$boot" 2>/dev/null &&
		findmnt -n -o OPTIONS "$boot" | tr ',' '\n' | grep -qx ro; then
		mount -o remount,rw "$boot" || die "cannot make $boot writable to change it"
		boot_remounted=1
	fi
}

# put_fat SRC DEST: put for the boot partition (FAT: no modes or owners).
put_fat() {
	if [ ! -f "$2" ] || ! cmp -s "$1" "$2"; then
		boot_writable
		cp "$1" "$2.hatch-new"
		mv -f "$2.hatch-new" "$2"
		changed "$2"
	fi
}

# dir PATH MODE OWNER
dir() {
	if [ ! -d "$1" ]; then
		mkdir -p "$1"
		chown "$3" "$1"
		chmod "$2" "$1"
		changed "$1/"
	elif [ "$(stat -c '%a %U:%G' "$1")" != "$2 $3" ]; then
		chown "$3" "$1"
		chmod "$2" "$1"
		changed "$1/ (mode $2, owner $3)"
	fi
}

# unit_state UNIT: what systemctl says of it, "absent" when there is no
# such unit.
unit_state() {
	s=$(systemctl is-enabled "$1" 2>&1) || true
	case "$s" in
	*"No such file"* | *"not found"* | "") echo absent ;;
	*) printf '%s\n' "$s" | tail -n 1 ;;
	esac
}

mask() {
	s=$(unit_state "$1")
	if [ "$s" != masked ]; then
		systemctl mask --quiet "$1"
		changed "masked $1"
	fi
}

tmp=$(mktemp -d)
cleanup() {
	rm -rf "$tmp"
	if [ "$boot_remounted" = 1 ]; then mount -o remount,ro "$boot" 2>/dev/null || true; fi
}
trap cleanup EXIT

# --- Packages: the one list is scripts/deps.sh's.
if ! "$here/deps.sh" --runtime --check 2>/dev/null; then
	"$here/deps.sh" --runtime
	changed "runtime packages (scripts/deps.sh --runtime)"
fi

# --- The kiosk's user: no password, no shell, no home but its data.
for g in $groups; do
	if ! getent group "$g" >/dev/null; then
		groupadd --system "$g"
		changed "group $g"
	fi
done
if ! getent passwd hatch >/dev/null; then
	useradd --system --user-group --home-dir "$data_dir" --no-create-home \
		--shell /usr/sbin/nologin --comment "Hatch kiosk" hatch
	changed "user hatch"
fi
if [ "$(getent passwd hatch | cut -d: -f7)" != /usr/sbin/nologin ]; then
	usermod --shell /usr/sbin/nologin hatch
	changed "user hatch: shell /usr/sbin/nologin"
fi
for g in $groups; do
	if ! id -nG hatch | tr ' ' '\n' | grep -qx "$g"; then
		usermod -a -G "$g" hatch
		changed "user hatch: group $g"
	fi
done

# --- The program and its data, as staged; files the stage no longer has are
# removed from $prefix/share/hatch, which is Hatch's alone.
(cd "$from" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$tmp/stage"
while IFS= read -r f; do
	put "$from/$f" "/$f" "$(stat -c '%a' "$from/$f")" root:root
done <"$tmp/stage"
if [ -d "$prefix/share/hatch" ]; then
	find "$prefix/share/hatch" -type f | sed 's|^/||' | LC_ALL=C sort >"$tmp/installed"
	LC_ALL=C comm -13 "$tmp/stage" "$tmp/installed" >"$tmp/stale"
	while IFS= read -r f; do
		rm -f "/$f"
		changed "removed /$f"
	done <"$tmp/stale"
fi

# --- The configuration (kept once written) and the data directory.
dir /etc/hatch 750 root:hatch
if [ ! -e /etc/hatch/hatch.conf ]; then
	put "$firmware/data/hatch.conf" /etc/hatch/hatch.conf 640 root:hatch
fi
dir "$data_dir" 700 hatch:hatch

# --- systemd, logind, journald, sysctl, udev and sshd settings.
(cd "$firmware/rootfs" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$tmp/rootfs"
while IFS= read -r f; do
	put "$firmware/rootfs/$f" "/$f" 644 root:root
done <"$tmp/rootfs"

# --- Where the database lives.
if [ "$data" = auto ]; then
	if command -v blkid >/dev/null 2>&1 && blkid -L "$label" >/dev/null 2>&1; then
		data=partition
	else
		data=root
	fi
	note "data: $data (--data auto: $([ $data = partition ] && echo "found" || echo "no") file system labelled $label)"
fi
dropin=/etc/systemd/system/hatch.service.d/data-partition.conf
if [ "$data" = partition ]; then
	if ! grep -q "^[[:space:]]*LABEL=${label}[[:space:]]" /etc/fstab 2>/dev/null; then
		cat "$firmware/data/fstab" >>/etc/fstab
		changed "/etc/fstab: $label on $data_dir"
	fi
	put "$firmware/data/hatch.service.d/data-partition.conf" "$dropin" 644 root:root
else
	if [ -e "$dropin" ]; then
		rm -f "$dropin"
		rmdir "$(dirname "$dropin")" 2>/dev/null || true
		changed "removed $dropin"
	fi
	if [ "$overlay" = 1 ]; then
		note "no data partition: the root file system stays writable, as the database is on it (see docs/appliance.md)"
	fi
	overlay=0
fi

# --- Units: the kiosk on; login prompts and Ctrl-Alt-Del off.
if [ "$(unit_state hatch.service)" != enabled ]; then
	systemctl enable --quiet hatch.service
	changed "enabled hatch.service"
fi
for u in getty@.service serial-getty@.service autovt@.service ctrl-alt-del.target; do
	mask "$u"
done

# --- The Raspberry Pi's boot partition, when there is one.
boot=""
for d in /boot/firmware /boot; do
	if [ -f "$d/config.txt" ] && [ -f "$d/cmdline.txt" ]; then
		boot=$d
		break
	fi
done
if [ -n "$boot" ]; then
	put_fat "$firmware/boot/hatch.txt" "$boot/hatch.txt"
	if ! grep -qx 'include hatch.txt' "$boot/config.txt"; then
		boot_writable
		printf '\n# Hatch kiosk (scripts/install-device.sh)\n[all]\ninclude hatch.txt\n' >>"$boot/config.txt"
		changed "$boot/config.txt: include hatch.txt"
	fi
	old=$(head -n 1 "$boot/cmdline.txt")
	new=""
	# The rules: words to remove ("-PATTERN") and words to add.
	grep -v -e '^#' -e '^[[:space:]]*$' "$firmware/boot/cmdline.txt" >"$tmp/rules"
	case "$rotate" in
	0) echo '-video=DSI-1:*' >>"$tmp/rules" ;;
	180) printf '%s\n' '-video=DSI-1:*' 'video=DSI-1:800x480@60,rotate=180' >>"$tmp/rules" ;;
	esac
	# Words are split on spaces only, never expanded as file names.
	set -f
	for w in $old; do
		keep=1
		while IFS= read -r r; do
			case "$r" in
			-*)
				# shellcheck disable=SC2254
				case "$w" in ${r#-}) keep=0 ;; esac
				;;
			esac
		done <"$tmp/rules"
		[ "$keep" = 1 ] && new="${new:+$new }$w"
	done
	while IFS= read -r r; do
		case "$r" in
		-*) ;;
		*) case " $new " in *" $r "*) ;; *) new="$new $r" ;; esac ;;
		esac
	done <"$tmp/rules"
	set +f
	if [ "$new" != "$old" ] || [ "$(wc -l <"$boot/cmdline.txt")" -gt 1 ]; then
		boot_writable
		printf '%s\n' "$new" >"$boot/cmdline.txt.hatch-new"
		mv -f "$boot/cmdline.txt.hatch-new" "$boot/cmdline.txt"
		changed "$boot/cmdline.txt"
	fi
	if [ "$rotate" = 180 ]; then
		note "rotate 180: the boot console is turned; the kiosk draws its own picture through KMSDRM, which the kernel does not turn (docs/appliance.md)"
	fi
else
	note "no Raspberry Pi boot partition (/boot/firmware/config.txt): boot settings left alone"
fi

# --- The read-only root: an overlay whose changes stay in RAM.
if [ "$overlay" = 1 ]; then
	put "$firmware/overlay/overlayroot.local.conf" /etc/overlayroot.local.conf 644 root:root
	if command -v raspi-config >/dev/null 2>&1 && [ -n "$boot" ]; then
		# Raspberry Pi OS: raspi-config turns the overlay on, in the
		# initramfs and on the command line. Today's puts overlayroot=tmpfs
		# there, which recurse=0 then keeps off the data partition, as the
		# file above says for plain Debian; older ones put boot=overlay, whose
		# initramfs script overlays / alone.
		overlay_on() { grep -qw -e 'overlayroot=tmpfs:recurse=0' -e 'boot=overlay' "$boot/cmdline.txt"; }
		if ! overlay_on; then
			raspi-config nonint enable_overlayfs
			sed -i -e 's/\(^\| \)overlayroot=tmpfs\( \|$\)/\1overlayroot=tmpfs:recurse=0\2/' "$boot/cmdline.txt"
			overlay_on ||
				die "raspi-config enable_overlayfs put neither overlayroot=tmpfs nor boot=overlay on $boot/cmdline.txt; see docs/appliance.md"
			changed "read-only root (raspi-config enable_overlayfs; overlayroot recurse=0)"
		fi
		# The boot partition read-only too (its fstab line gets ",ro").
		bootline() { grep -E "^[^#]*[[:space:]]${boot}[[:space:]]" /etc/fstab || true; }
		if [ -n "$(bootline)" ] && ! bootline | grep -q ',ro[[:space:],]'; then
			raspi-config nonint enable_bootro
			if bootline | grep -q ',ro[[:space:],]'; then
				changed "read-only boot partition (raspi-config enable_bootro)"
			else
				note "warning: raspi-config enable_bootro left $boot writable in /etc/fstab"
			fi
		fi
	fi
	# What would write to the root every day, into RAM now: swap, apt's
	# and man-db's daily jobs.
	for u in dphys-swapfile.service apt-daily.timer apt-daily-upgrade.timer man-db.timer; do
		[ "$(unit_state "$u")" = absent ] || mask "$u"
	done
fi

# --- A technician's way in: SSH with a key (docs/appliance.md).
keys=0
for k in /root/.ssh/authorized_keys /home/*/.ssh/authorized_keys; do
	[ -s "$k" ] && keys=1
done
if [ "$keys" = 0 ]; then
	note "warning: no SSH key in any authorized_keys: once rebooted, nobody can log in (passwords are off); add a technician's key first"
fi

# --- Does it run? Every library it links must be installed.
version=$("$prefix/bin/hatch" --version 2>&1) ||
	die "$prefix/bin/hatch does not run here ($version): the wrong architecture, or a library missing from scripts/deps.sh --runtime"
note "$version installed"

if [ "$changes" = 0 ]; then
	note "nothing changed"
	exit 0
fi
if [ "$in_chroot" = 0 ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	udevadm control --reload 2>/dev/null || true
	sysctl -q --system >/dev/null 2>&1 || true
fi
note "$changes change$([ "$changes" = 1 ] || echo s); reboot to start the kiosk with them"
