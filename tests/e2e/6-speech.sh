# shellcheck shell=bash disable=SC2154 # n, RUN, DUMP...: tests/e2e/lib.sh
# Speech, heard through SDL's disk audio driver (it writes what the device
# plays to $SDL_DISKAUDIOFILE, 16-bit mono): the kiosk started with
# --speech opens the audio device at start and closes it when it has been
# idle a few seconds; the first tap on Start only says what it is (touch
# and hear: the device is opened again, the file started anew, and sound
# reaches it) and the screen stays on Welcome; a second tap acts and the
# services page shows. Sourced by scripts/e2e.

AUDIO="$TMP/speech/audio.raw"
# A wrapper in place of $HATCH for start_kiosk: the same binary, with the
# disk audio driver and --speech (exec: the window is still the process's).
cat >"$TMP/hatch-speech" <<EOF
#!/bin/sh
cmd=\$1
shift
SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE="$AUDIO" exec "$HATCH" "\$cmd" --speech "\$@"
EOF
chmod +x "$TMP/hatch-speech"

# loud: how many samples in the audio file are sound, not near silence.
loud() {
	$PY -c 'import array, sys
a = array.array("h")
try:
    with open(sys.argv[1], "rb") as f:
        data = f.read()
except OSError:
    data = b""
a.frombytes(data[:len(data) // 2 * 2])
print(sum(1 for x in a if abs(x) > 500))' "$AUDIO"
}
audio_sum() { md5sum "$AUDIO" 2>/dev/null | cut -d' ' -f1; }
audio_size() { stat -c %s "$AUDIO" 2>/dev/null || echo 0; }

# wait_quiet: the device has been closed (the file stops growing) after
# the speech and the few seconds' linger.
wait_quiet() {
	local last=-1 same=0 size
	for _ in $(seq 300); do
		size=$(audio_size)
		if [ "$size" = "$last" ]; then
			same=$((same + 1))
			[ "$same" -ge 15 ] && return 0
		else
			same=0
		fi
		last=$size
		sleep 0.1
	done
	echo "the audio device was still writing after 30 s ($size bytes)"
	return 1
}
# wait_new_sound BEFORE: the file is not the one summed as BEFORE (the
# device was opened again) and it holds sound.
wait_new_sound() {
	for _ in $(seq 150); do
		if [ "$(audio_sum)" != "$1" ] && [ "$(loud)" -gt 1000 ]; then return 0; fi
		sleep 0.1
	done
	echo "no new sound in $AUDIO after 15 s ($(audio_size) bytes)"
	return 1
}

HATCH="$TMP/hatch-speech" check "the kiosk starts with --speech and the disk audio driver" \
	start_kiosk speech || return
check "the audio device is closed again when idle" wait_quiet
before=$(audio_sum)
check "a first tap on Start" click_widget role=button label=Start
check "the first tap only says Start: the screen stays on Welcome" \
	wait_for "screen == 'welcome' and focused('role=button', 'label=Start')" 3
check "what was touched is said: new sound reaches the audio device" wait_new_sound "$before"
check "a second tap on Start acts" click_widget role=button label=Start
check "the services page shows" wait_screen services
check "no speech problems in the log" bash -c "! grep -E 'hatch: speech|silent' '$RUN/stderr'"
check "the kiosk quits cleanly when asked" stop_kiosk
