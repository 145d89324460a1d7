/* Telling systemd how the kiosk is: ready, still alive (the watchdog),
 * stopping, and a line of status for `systemctl status hatch`. A thin
 * wrapper over libsystemd's sd_notify, so that a kiosk whose screen hangs is
 * killed and restarted by systemd (WatchdogSec= in
 * firmware/rootfs/etc/systemd/system/hatch.service).
 *
 * Outside systemd (a desktop, the tests, NOTIFY_SOCKET unset) every call
 * does nothing and succeeds. The state (the watchdog's interval, when the
 * last ping went) is the process's own, read from the environment on the
 * first call: call these from one thread only, the main loop's.
 *
 * Depends on base/ and libsystemd; never on ui/, sdl/, store/, sync/ or
 * app/. Never prints. */
#ifndef HATCH_PLATFORM_WATCHDOG_H
#define HATCH_PLATFORM_WATCHDOG_H

#include "base/err.h"

/* The longest status line sent, in bytes: systemctl shows one line. */
#define WATCHDOG_STATUS_MAX 200

/* Tells systemd the kiosk is up (READY=1, with a first WATCHDOG=1 when a
 * watchdog is set): call once, after the first frame is on the screen.
 * HATCH_ERR_IO with the reason in E when the message cannot be sent. */
enum hatch_err watchdog_ready(struct hatch_error *e) HATCH_MUST_CHECK;

/* Tells the watchdog the kiosk is alive (WATCHDOG=1), but only when half
 * the watchdog's interval has passed since the last one went (or was
 * tried): cheap enough to call on every turn of the main loop. Does nothing
 * without a watchdog. HATCH_ERR_IO with the reason in E when sending fails;
 * a failure is not tried again for another half interval, so it is
 * reported at most twice an interval. */
enum hatch_err watchdog_ping(struct hatch_error *e) HATCH_MUST_CHECK;

/* watchdog_ping() as if the monotonic clock read NOW_MS milliseconds: for
 * the tests, which cannot wait on the real clock. */
enum hatch_err watchdog_ping_at(long long now_ms, struct hatch_error *e) HATCH_MUST_CHECK;

/* The watchdog's interval in milliseconds (WatchdogSec=), or 0 when the
 * kiosk is not under a watchdog (no WATCHDOG_USEC, or it is meant for
 * another process, or it cannot be read). */
long watchdog_interval_ms(void);

/* The longest the main loop may sleep, given that it wants to sleep
 * TIMEOUT_MS (-1: until there is input): TIMEOUT_MS when there is no
 * watchdog, else no more than a quarter of the interval. A loop that wakes
 * this often and calls watchdog_ping() each time pings every half to three
 * quarters of an interval, never late. */
long watchdog_cap_sleep_ms(long timeout_ms);

/* Tells systemd the kiosk is shutting down of its own accord (STOPPING=1),
 * so the watchdog stops waiting for it. HATCH_ERR_IO as above. */
enum hatch_err watchdog_stopping(struct hatch_error *e) HATCH_MUST_CHECK;

/* Sends TEXT as the status systemctl shows (STATUS=TEXT): control
 * characters become spaces and it is cut, on a character boundary, at
 * WATCHDOG_STATUS_MAX bytes. Never personal data: a screen's name, not its
 * answers. HATCH_ERR_IO as above. */
enum hatch_err watchdog_status(const char *text, struct hatch_error *e) HATCH_MUST_CHECK;

/* Forgets what was read from the environment and when the last ping went,
 * so the next call reads NOTIFY_SOCKET and WATCHDOG_USEC again: for the
 * tests, and for a child after fork. */
void watchdog_reset(void);

#endif
