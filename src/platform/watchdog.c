/* systemd notification and watchdog through libsystemd's sd_notify. The
 * interval is read once from the environment (WATCHDOG_USEC, checked against
 * WATCHDOG_PID by sd_watchdog_enabled); pings are spaced by half of it. */
#include "platform/watchdog.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

static bool loaded;
static long interval_ms;
/* When the last WATCHDOG=1 was sent or tried (monotonic ms), if ever. */
static bool pinged;
static long long last_ping_ms;

static void load(void)
{
	if (loaded)
		return;
	loaded = true;
	interval_ms = 0;
	uint64_t usec = 0;
	/* 0: no watchdog, or one meant for another process (WATCHDOG_PID);
	 * below 0: WATCHDOG_USEC is not a number. Either way there is nothing
	 * to ping, and the kiosk runs as it would outside systemd. */
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return;
	uint64_t ms = usec / 1000;
	if (ms == 0)
		ms = 1;
	/* A watchdog of more than 24 days is as good as none; the cap keeps
	 * the value in a 32-bit long. */
	interval_ms = ms > INT32_MAX ? INT32_MAX : (long)ms;
}

static long long monotonic_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static enum hatch_err notify(const char *msg, const char *what, struct hatch_error *e)
{
	/* sd_notify returns 0, sending nothing, when NOTIFY_SOCKET is unset. */
	int r = sd_notify(0, msg);
	if (r < 0)
		return err_set(e, HATCH_ERR_IO, "cannot notify systemd (%s): %s", what, strerror(-r));
	return HATCH_OK;
}

void watchdog_reset(void)
{
	loaded = false;
	interval_ms = 0;
	pinged = false;
	last_ping_ms = 0;
}

long watchdog_interval_ms(void)
{
	load();
	return interval_ms;
}

long watchdog_cap_sleep_ms(long timeout_ms)
{
	load();
	if (interval_ms <= 0)
		return timeout_ms;
	long most = interval_ms / 4;
	if (most < 1)
		most = 1;
	if (timeout_ms < 0 || timeout_ms > most)
		return most;
	return timeout_ms;
}

enum hatch_err watchdog_ready(struct hatch_error *e)
{
	load();
	if (interval_ms <= 0)
		return notify("READY=1", "ready", e);
	pinged = true;
	last_ping_ms = monotonic_ms();
	return notify("READY=1\nWATCHDOG=1", "ready", e);
}

enum hatch_err watchdog_ping_at(long long now_ms, struct hatch_error *e)
{
	load();
	if (interval_ms <= 0)
		return HATCH_OK;
	if (pinged && now_ms - last_ping_ms < interval_ms / 2)
		return HATCH_OK;
	pinged = true;
	last_ping_ms = now_ms;
	return notify("WATCHDOG=1", "alive", e);
}

enum hatch_err watchdog_ping(struct hatch_error *e)
{
	load();
	if (interval_ms <= 0)
		return HATCH_OK;
	return watchdog_ping_at(monotonic_ms(), e);
}

enum hatch_err watchdog_stopping(struct hatch_error *e)
{
	return notify("STOPPING=1", "stopping", e);
}

enum hatch_err watchdog_status(const char *text, struct hatch_error *e)
{
	char msg[sizeof "STATUS=" + WATCHDOG_STATUS_MAX];
	size_t head = sizeof "STATUS=" - 1;
	memcpy(msg, "STATUS=", head);
	size_t n = strlen(text);
	if (n > WATCHDOG_STATUS_MAX) {
		n = WATCHDOG_STATUS_MAX;
		/* Drop a character the cut went through: step back over its
		 * continuation bytes to its first byte, which goes too. */
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		/* A newline would start another assignment in the message. */
		msg[head + i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	msg[head + n] = '\0';
	return notify(msg, "status", e);
}
