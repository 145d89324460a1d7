/* Unit tests for platform/watchdog: the messages systemd would get arrive
 * on a unix datagram socket the test binds and names in NOTIFY_SOCKET, as
 * the service manager's does; pings are spaced by half the interval
 * (WATCHDOG_USEC) and only for the process WATCHDOG_PID names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#include "platform/watchdog.h"

/* The socket standing in for systemd's, bound for each test. */
static int sock = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static int setup(void **state)
{
	if (support_dir_setup(state))
		return -1;
	if (snprintf(sock_path, sizeof sock_path, "%.64s/notify", support_dir) >=
	    (int)sizeof sock_path || strlen(support_dir) > 64)
		return -1;
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -1;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	memcpy(a.sun_path, sock_path, strlen(sock_path) + 1);
	if (bind(sock, (struct sockaddr *)&a, sizeof a) != 0)
		return -1;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	watchdog_reset();
	return 0;
}

static int teardown(void **state)
{
	if (sock >= 0)
		close(sock);
	sock = -1;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	watchdog_reset();
	return support_dir_teardown(state);
}

/* Under systemd with a watchdog of USEC microseconds for this process. */
static void under_systemd(const char *usec)
{
	char pid[32];
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("NOTIFY_SOCKET", sock_path, 1);
	if (usec) {
		setenv("WATCHDOG_USEC", usec, 1);
		setenv("WATCHDOG_PID", pid, 1);
	}
	watchdog_reset();
}

/* The next message on the socket, or "" when none is waiting. */
static const char *next_message(void)
{
	static char buf[1024];
	ssize_t n = recv(sock, buf, sizeof buf - 1, MSG_DONTWAIT);
	if (n < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		n = 0;
	}
	buf[n] = '\0';
	return buf;
}

static void outside_systemd_nothing_is_sent(void **state)
{
	(void)state;
	struct hatch_error e = {""};
	assert_int_equal(watchdog_interval_ms(), 0);
	assert_int_equal(watchdog_ready(&e), HATCH_OK);
	assert_int_equal(watchdog_ping(&e), HATCH_OK);
	assert_int_equal(watchdog_ping_at(1000000, &e), HATCH_OK);
	assert_int_equal(watchdog_status("Welcome", &e), HATCH_OK);
	assert_int_equal(watchdog_stopping(&e), HATCH_OK);
	assert_string_equal(next_message(), "");
	/* Without a watchdog the loop sleeps as long as it likes. */
	assert_int_equal(watchdog_cap_sleep_ms(-1), -1);
	assert_int_equal(watchdog_cap_sleep_ms(600000), 600000);
}

static void ready_status_and_stopping_arrive(void **state)
{
	(void)state;
	struct hatch_error e = {""};
	under_systemd("15000000");
	assert_int_equal(watchdog_interval_ms(), 15000);
	assert_int_equal(watchdog_ready(&e), HATCH_OK);
	assert_string_equal(next_message(), "READY=1\nWATCHDOG=1");
	assert_int_equal(watchdog_status("Showing welcome", &e), HATCH_OK);
	assert_string_equal(next_message(), "STATUS=Showing welcome");
	assert_int_equal(watchdog_stopping(&e), HATCH_OK);
	assert_string_equal(next_message(), "STOPPING=1");
	assert_string_equal(next_message(), "");
}

static void ready_without_a_watchdog(void **state)
{
	(void)state;
	struct hatch_error e = {""};
	under_systemd(NULL);
	assert_int_equal(watchdog_interval_ms(), 0);
	assert_int_equal(watchdog_ready(&e), HATCH_OK);
	assert_string_equal(next_message(), "READY=1");
	assert_int_equal(watchdog_ping_at(123456, &e), HATCH_OK);
	assert_string_equal(next_message(), "");
}

static void pings_are_spaced_by_half_the_interval(void **state)
{
	(void)state;
	struct hatch_error e = {""};
	under_systemd("2000000");
	assert_int_equal(watchdog_interval_ms(), 2000);
	/* The first ping goes at once. */
	assert_int_equal(watchdog_ping_at(10000, &e), HATCH_OK);
	assert_string_equal(next_message(), "WATCHDOG=1");
	/* Every frame until a second has passed sends nothing. */
	for (long long t = 10000; t < 11000; t += 16) {
		assert_int_equal(watchdog_ping_at(t, &e), HATCH_OK);
		assert_string_equal(next_message(), "");
	}
	assert_int_equal(watchdog_ping_at(11000, &e), HATCH_OK);
	assert_string_equal(next_message(), "WATCHDOG=1");
	assert_int_equal(watchdog_ping_at(11999, &e), HATCH_OK);
	assert_string_equal(next_message(), "");
	/* A loop that slept long pings once when it wakes, not once for each
	 * half interval it missed. */
	assert_int_equal(watchdog_ping_at(30000, &e), HATCH_OK);
	assert_string_equal(next_message(), "WATCHDOG=1");
	assert_string_equal(next_message(), "");
}

static void pings_on_the_real_clock(void **state)
{
	(void)state;
	struct hatch_error e = {""};
	under_systemd("2000000");
	/* Ready counts as the first ping: one straight after it is not due. */
	assert_int_equal(watchdog_ready(&e), HATCH_OK);
	assert_string_equal(next_message(), "READY=1\nWATCHDOG=1");
	assert_int_equal(watchdog_ping(&e), HATCH_OK);
	assert_string_equal(next_message(), "");
	struct timespec nap = {1, 50 * 1000000L};
	while (nanosleep(&nap, &nap) != 0 && errno == EINTR)
		;
	assert_int_equal(watchdog_ping(&e), HATCH_OK);
	assert_string_equal(next_message(), "WATCHDOG=1");
}

static void watchdog_of_another_process_is_ignored(void **state)
{
	(void)state;
	struct hatch_error e = {""};
	under_systemd("2000000");
	/* The kiosk's parent's watchdog, inherited: not ours to ping. */
	char other[32];
	snprintf(other, sizeof other, "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", other, 1);
	watchdog_reset();
	assert_int_equal(watchdog_interval_ms(), 0);
	assert_int_equal(watchdog_ping_at(5000, &e), HATCH_OK);
	assert_string_equal(next_message(), "");
	/* A value that is not a number is no watchdog either. */
	under_systemd("soon");
	assert_int_equal(watchdog_interval_ms(), 0);
	assert_int_equal(watchdog_ping_at(5000, &e), HATCH_OK);
	assert_string_equal(next_message(), "");
}

static void sleep_is_capped_at_a_quarter_interval(void **state)
{
	(void)state;
	under_systemd("15000000");
	assert_int_equal(watchdog_cap_sleep_ms(-1), 3750);
	assert_int_equal(watchdog_cap_sleep_ms(120000), 3750);
	assert_int_equal(watchdog_cap_sleep_ms(3750), 3750);
	assert_int_equal(watchdog_cap_sleep_ms(16), 16);
	assert_int_equal(watchdog_cap_sleep_ms(0), 0);
	/* A watchdog shorter than a millisecond still leaves a sleep. */
	under_systemd("900");
	assert_int_equal(watchdog_interval_ms(), 1);
	assert_int_equal(watchdog_cap_sleep_ms(-1), 1);
}

static void status_is_one_clean_line(void **state)
{
	(void)state;
	struct hatch_error e = {""};
	under_systemd(NULL);
	assert_int_equal(watchdog_status("Sending\nREADY=1\tnow", &e), HATCH_OK);
	assert_string_equal(next_message(), "STATUS=Sending READY=1 now");
	/* 199 bytes of ASCII, then a two-byte letter across the cap: the
	 * letter goes, rather than half of it. */
	char text[WATCHDOG_STATUS_MAX + 8];
	memset(text, 'a', WATCHDOG_STATUS_MAX - 1);
	memcpy(text + WATCHDOG_STATUS_MAX - 1, "\xc5\xb5xyz", 6);
	assert_int_equal(watchdog_status(text, &e), HATCH_OK);
	const char *m = next_message();
	assert_int_equal(strlen(m), strlen("STATUS=") + WATCHDOG_STATUS_MAX - 1);
	assert_int_equal(m[strlen(m) - 1], 'a');
	/* Exactly at the cap, a whole letter stays. */
	memset(text, 'a', WATCHDOG_STATUS_MAX - 2);
	memcpy(text + WATCHDOG_STATUS_MAX - 2, "\xc5\xb5xyz", 6);
	assert_int_equal(watchdog_status(text, &e), HATCH_OK);
	m = next_message();
	assert_int_equal(strlen(m), strlen("STATUS=") + WATCHDOG_STATUS_MAX);
	assert_string_equal(m + strlen(m) - 2, "\xc5\xb5");
}

static void a_missing_socket_is_an_error_reported_sparingly(void **state)
{
	(void)state;
	struct hatch_error e = {""};
	under_systemd("2000000");
	char gone[300];
	snprintf(gone, sizeof gone, "%s/no-such-socket", support_dir);
	setenv("NOTIFY_SOCKET", gone, 1);
	watchdog_reset();
	assert_int_equal(watchdog_ready(&e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "cannot notify systemd (ready)"));
	assert_non_null(strstr(e.msg, strerror(ENOENT)));
	e.msg[0] = '\0';
	/* Ready was tried just now, so the ping is not due and is not tried. */
	assert_int_equal(watchdog_ping_at(0, &e), HATCH_OK);
	watchdog_reset();
	assert_int_equal(watchdog_ping_at(50000, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "(alive)"));
	/* The failed ping counts as one: the next half second is quiet. */
	assert_int_equal(watchdog_ping_at(50016, &e), HATCH_OK);
	assert_int_equal(watchdog_ping_at(51000, &e), HATCH_ERR_IO);
	assert_int_equal(watchdog_stopping(&e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "(stopping)"));
	assert_int_equal(watchdog_status("x", &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "(status)"));
	assert_string_equal(next_message(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(outside_systemd_nothing_is_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(ready_status_and_stopping_arrive, setup, teardown),
		cmocka_unit_test_setup_teardown(ready_without_a_watchdog, setup, teardown),
		cmocka_unit_test_setup_teardown(pings_are_spaced_by_half_the_interval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pings_on_the_real_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(watchdog_of_another_process_is_ignored, setup,
						teardown),
		cmocka_unit_test_setup_teardown(sleep_is_capped_at_a_quarter_interval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(status_is_one_clean_line, setup, teardown),
		cmocka_unit_test_setup_teardown(a_missing_socket_is_an_error_reported_sparingly,
						setup, teardown),
	};
	return cmocka_run_group_tests_name("watchdog", tests, NULL, NULL);
}
