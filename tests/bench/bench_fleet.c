/* Benchmark for fleet monitoring (sync/fleet.h): what one report costs the
 * kiosk, whose delivery thread gathers the figures every minute under the
 * store's lock (the lock the screen saves submissions through), and which
 * must not grow with the delivered history (DESIGN.md, "Performance is a
 * feature"). Prints "name value unit" rows; scripts/run-benches holds the
 * targets.
 *
 *   fleet.gather_ms_p50          fleet_figures_gather, median of 51, in an
 *                                outbox of 2,000 delivered records, all
 *                                within the retention period (payload kept)
 *   fleet.gather_ms_p50_at_200k  the same with 200,000 delivered, the same
 *                                2,000 of them within the retention period
 *   ratio.fleet_gather_200k_over_2k  the two medians over each other
 *   fleet.destination_stats_ms_p50_at_200k  store_destination_stats (what
 *                                hatch queue and each drain read), for
 *                                comparison: it counts the whole history
 *   fleet.metrics_write_ms_p50   fleet_metrics_write, synced to disk,
 *                                median of 21
 *
 * Both outboxes hold the same waiting records (3 destinations, 120 queued,
 * 1 sending, 15 dead). The history is written straight through SQLite in
 * one transaction (purged records have no payload, so nothing needs
 * encrypting); the store's own calls read it. The databases live in a new
 * directory under BUILD/ (BUILD from where this program is), removed
 * afterwards. Depends on the store's and fleet's public interfaces, and on
 * SQLite directly only for that bulk step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/mem.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "store/store.h"
#include "sync/fleet.h"
#include "support.h"

#define RUNS   51
#define WRITES 21
#define SMALL  2000
#define BIG    200000
#define RECENT 2000 /* of the history, delivered within the retention period */

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_fleet: %s: %s\n", what, why);
	exit(1);
}

static const char *const dests[] = {"waste-services", "parish-council", "highways"};

/* A database at PATH with HISTORY delivered records and the waiting ones. */
static void make_outbox(const char *path, long history, long long now)
{
	struct store *s;
	struct hatch_error e;
	if (store_open(path, &s, &e) != HATCH_OK)
		die("store_open", e.msg);
	store_close(s);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die(path, sqlite3_errmsg(db));
	sqlite3_stmt *st;
	int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    db,
		    "INSERT INTO outbox (uuid, reference, journey_id, journey_version, "
		    "destination,"
		    " language, channel, payload_box, sealed, state, attempts, "
		    "next_attempt,"
		    " last_error, remote_id, created, updated, delivered_at)"
		    " VALUES (?1, ?2, 'missed-bin', 1, ?3, 'en', 'self-service', ?4, 0, "
		    "?5, 1, ?6,"
		    " ?7, NULL, ?6, ?6, ?8)",
		    -1, &st, NULL);
	if (rc != SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	static const unsigned char box[600]; /* a payload's size; never opened here */
	long waiting = 120 + 1 + 15;
	for (long i = 0; i < history + waiting; i++) {
		char uuid[40], ref[16];
		snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012ld", i);
		snprintf(ref, sizeof ref, "B%07ld-X", i);
		bool delivered = i < history;
		long long created = now - (history + waiting - i) * 30;
		const char *state = delivered           ? "delivered"
		                    : i < history + 120 ? "queued"
		                    : i < history + 121 ? "sending"
		                                        : "dead";
		sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, ref, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, dests[i % 3], -1, SQLITE_STATIC);
		if (!delivered || i >= history - RECENT)
			sqlite3_bind_blob(st, 4, box, sizeof box, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_text(st, 5, state, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, created);
		if (!strcmp(state, "dead"))
			sqlite3_bind_text(st, 7, "HTTP 400", -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
		if (delivered)
			sqlite3_bind_int64(st, 8, created + 5);
		else
			sqlite3_bind_null(st, 8);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("insert", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die("commit", sqlite3_errmsg(db));
	sqlite3_close(db);
}

static struct config cfg;

/* The median time of RUNS gathers of PATH's figures, in ms; checks them. */
static double time_gather(const char *path, long long now, long history)
{
	struct store *s;
	struct hatch_error e;
	if (store_open(path, &s, &e) != HATCH_OK)
		die("store_open", e.msg);
	static struct fleet_figures fig;
	double t[RUNS];
	for (int i = 0; i < RUNS; i++) {
		double a = support_now_us();
		if (fleet_figures_gather(NULL, s, &cfg, "bench", now, &fig, &e) !=
		    HATCH_OK)
			die("gather", e.msg);
		t[i] = (support_now_us() - a) / 1000;
	}
	if (fig.queued != 120 || fig.sending != 1 || fig.dead != 15 || fig.ndest != 3 ||
	    !fig.last_delivery)
		die("gather", "the figures are not the outbox's");
	(void)history;
	store_close(s);
	return support_percentile(t, RUNS, 50);
}

static double time_destination_stats(const char *path)
{
	struct store *s;
	struct hatch_error e;
	if (store_open(path, &s, &e) != HATCH_OK)
		die("store_open", e.msg);
	double t[RUNS];
	for (int i = 0; i < RUNS; i++) {
		struct store_destination_stats *v;
		size_t n;
		double a = support_now_us();
		if (store_destination_stats(s, &v, &n, &e) != HATCH_OK)
			die("store_destination_stats", e.msg);
		t[i] = (support_now_us() - a) / 1000;
		mem_free(v);
	}
	store_close(s);
	return support_percentile(t, RUNS, 50);
}

int main(int argc, char **argv)
{
	(void)argc;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", argv[0]);
	/* BUILD/tests/bench/bench_fleet -> BUILD */
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			die(argv[0], "run it from its build directory");
		*slash = '\0';
	}
	size_t at = strlen(dir);
	snprintf(dir + at, sizeof dir - at, "/bench-fleet-XXXXXX");
	if (!mkdtemp(dir))
		die(dir, "cannot make the directory");
	char small[4200], big[4200], prom[4200];
	snprintf(small, sizeof small, "%s/small.db", dir);
	snprintf(big, sizeof big, "%s/big.db", dir);
	snprintf(prom, sizeof prom, "%s/hatch.prom", dir);
	long long now = platform_now();
	config_defaults(&cfg);
	snprintf(cfg.device_id, sizeof cfg.device_id, "bench-kiosk");
	make_outbox(small, SMALL, now);
	make_outbox(big, BIG, now);

	/* Alternately, so that both meet the same load. */
	double gs = time_gather(small, now, SMALL);
	double gb = time_gather(big, now, BIG);
	gs = (gs + time_gather(small, now, SMALL)) / 2;
	gb = (gb + time_gather(big, now, BIG)) / 2;
	double ds = time_destination_stats(big);

	struct store *s;
	struct hatch_error e;
	if (store_open(big, &s, &e) != HATCH_OK)
		die("store_open", e.msg);
	static struct fleet_figures fig;
	if (fleet_figures_gather(NULL, s, &cfg, "bench", now, &fig, &e) != HATCH_OK)
		die("gather", e.msg);
	store_close(s);
	double w[WRITES];
	for (int i = 0; i < WRITES; i++) {
		double a = support_now_us();
		if (fleet_metrics_write(prom, &fig, &e) != HATCH_OK)
			die("metrics", e.msg);
		w[i] = (support_now_us() - a) / 1000;
	}
	printf("fleet.gather_ms_p50 %.3f ms\n", gs);
	printf("fleet.gather_ms_p50_at_200k %.3f ms\n", gb);
	printf("ratio.fleet_gather_200k_over_2k %.3f x\n", gb / gs);
	printf("fleet.destination_stats_ms_p50_at_200k %.3f ms\n", ds);
	printf("fleet.metrics_write_ms_p50 %.3f ms\n", support_percentile(w, WRITES, 50));
	if (support_tmpdir_remove(dir) != 0)
		die(dir, "cannot remove it");
	return 0;
}
