/* hatch sync: runs the delivery worker (sync/) outside the kiosk. Opens
 * the store, puts back records a crash left "sending", and drains: once
 * (--once) or until SIGTERM/SIGINT, waking when the next retry is due and
 * at least every 30 s. Prints counts only: never a payload, an answer or
 * anything else a citizen typed. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/sync_cmd.h"
#include "base/mem.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "store/store.h"
#include "sync/sync.h"

/* The longest sleep between drains: new records from the kiosk and staff
 * retries are picked up within this. */
#define SYNC_POLL_SECONDS 30

static const char sync_help[] =
    "Usage: hatch sync [--once] [--config FILE] [--db FILE]\n"
    "\n"
    "Delivers the submissions waiting in the outbox to the destinations of the\n"
    "device configuration, over HTTPS. Failed deliveries are tried again later;\n"
    "ones a destination refuses for good are set aside (see hatch queue).\n"
    "\n"
    "  --once          deliver what is due now, print how many were delivered,\n"
    "                  retried and refused, and exit\n"
    "  --config FILE   the device configuration (see docs/configuration.md)\n"
    "  --db FILE       the database (default: the configuration's, else $HATCH_DB\n"
    "                  or ~/.local/share/hatch/hatch.db)\n"
    "\n"
    "Without --once it keeps running until stopped with SIGTERM or Ctrl-C.\n";

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void sleep_seconds(long long s)
{
	/* One second at a time, so that a signal ends the wait promptly. */
	for (long long i = 0; i < s && !stop_requested; i++) {
		struct timespec t = {1, 0};
		while (nanosleep(&t, &t) != 0 && errno == EINTR && !stop_requested)
			;
	}
}

int cmd_sync(int argc, char **argv)
{
	const char *config_path = NULL, *db = NULL;
	bool once = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (app_is_help(a)) {
			fputs(sync_help, stdout);
			return 0;
		} else if (!strcmp(a, "--once")) {
			once = true;
		} else if (!strcmp(a, "--config") || !strcmp(a, "--db")) {
			if (i + 1 == argc)
				return app_usage_error("sync: %s needs a value", a);
			if (!strcmp(a, "--config"))
				config_path = argv[++i];
			else
				db = argv[++i];
		} else {
			return app_usage_error("sync: unknown option '%s'", a);
		}
	}
	int status = 1;
	struct hatch_error e = {""};
	struct store *s = NULL;
	struct sync *w = NULL;
	/* Large (every destination's paths): not for the stack. */
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	if (!cfg) {
		fputs("hatch: sync: out of memory\n", stderr);
		goto out;
	}
	char path[4096];
	if (!app_config_read(config_path, cfg) ||
	    !(db = app_db_path(db, cfg, "sync", path, sizeof path)))
		goto out;
	if (store_open(db, &s, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		goto out;
	}
	size_t recovered = 0;
	if (store_recover_sending(s, &recovered, &e) != HATCH_OK ||
	    sync_create(cfg, s, &w, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: sync: %s\n", e.msg);
		goto out;
	}
	if (!once) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_stop;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	for (;;) {
		struct sync_stats st;
		long long now = platform_now();
		if (sync_drain(w, now, &st, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: sync: %s\n", e.msg);
			if (once)
				goto out;
		} else if (once || st.delivered || st.retried || st.dead || st.purged) {
			printf("delivered %zu, retried %zu, dead %zu", st.delivered, st.retried,
			       st.dead);
			if (st.purged)
				printf("; %zu delivered payload%s past the retention period removed",
				       st.purged, st.purged == 1 ? "" : "s");
			putchar('\n');
			fflush(stdout);
		}
		if (once)
			break;
		long long wait = SYNC_POLL_SECONDS;
		if (st.next_attempt && st.next_attempt - platform_now() < wait)
			wait = st.next_attempt - platform_now();
		if (wait < 1)
			wait = 1;
		sleep_seconds(wait);
		if (stop_requested)
			break;
	}
	status = 0;
out:
	sync_destroy(w);
	store_close(s);
	mem_free(cfg);
	return status;
}
