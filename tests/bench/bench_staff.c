/* Benchmark for staff sign-in (store/staff.h): how long one PIN check
 * takes with the real Argon2id limits, as the kiosk's sign-in screen waits
 * for it (one verification and one committed write), and how long an
 * unknown ID takes beside it, which must be the same. Prints "name value
 * unit" rows; scripts/run-benches holds the targets.
 *
 *   staff.pin_check_ms          median of 9 checks of a real ID's right PIN
 *   staff.pin_check_ms_max      the slowest of them (with 9, the p99)
 *   staff.unknown_check_ms      median of 9 checks of 9 unknown IDs
 *   ratio.unknown_over_known_check   the two medians over each other
 *
 * The database is a new one in a temporary directory, removed afterwards.
 * Depends on the store's public interface only. */
#include <stdio.h>
#include <stdlib.h>

#include "platform/platform.h"
#include "store/staff.h"
#include "store/store.h"
#include "support.h"

#define RUNS 9

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_staff: %s: %s\n", what, why);
	exit(1);
}

/* The time of one check of ID with PIN in ms, which must give WANT. */
static double timed_check(struct store *s, const char *id, const char *pin, long long now,
			  enum staff_verdict want)
{
	enum staff_verdict v;
	long long retry;
	char name[STAFF_NAME_MAX + 1];
	struct hatch_error e;
	double t = support_now_us();
	if (staff_check(s, id, pin, now, &v, &retry, name, sizeof name, &e) != HATCH_OK)
		die("check", e.msg);
	t = (support_now_us() - t) / 1000.0;
	if (v != want)
		die("check", "an unexpected verdict");
	return t;
}

int main(void)
{
	char dir[64], path[128];
	if (support_tmpdir_create(dir, sizeof dir) != 0)
		die("temporary directory", "cannot make one");
	snprintf(path, sizeof path, "%s/hatch.db", dir);
	struct store *s;
	struct hatch_error e;
	if (store_open(path, &s, &e) != HATCH_OK)
		die("open", e.msg);
	long long now = platform_now();
	if (staff_add(s, "bench", "Bench Example", "2580", now, &e) != HATCH_OK)
		die("add", e.msg);
	/* One untimed check of each kind: the first touches cold pages. */
	timed_check(s, "bench", "2580", now, STAFF_OK);
	timed_check(s, "warm-up", "2580", now, STAFF_WRONG);
	double known[RUNS], unknown[RUNS];
	for (int i = 0; i < RUNS; i++) {
		char id[32];
		snprintf(id, sizeof id, "nobody-%d", i);
		known[i] = timed_check(s, "bench", "2580", now, STAFF_OK);
		unknown[i] = timed_check(s, id, "2580", now, STAFF_WRONG);
	}
	store_close(s);
	support_tmpdir_remove(dir);
	double k = support_percentile(known, RUNS, 50);
	double kmax = support_percentile(known, RUNS, 100);
	double u = support_percentile(unknown, RUNS, 50);
	struct staff_limits lim;
	staff_limits_default(&lim);
	fprintf(stderr, "bench_staff: Argon2id %llu passes over %zu MiB\n", lim.opslimit,
		lim.memlimit >> 20);
	printf("staff.pin_check_ms %.1f ms\n", k);
	printf("staff.pin_check_ms_max %.1f ms\n", kmax);
	printf("staff.unknown_check_ms %.1f ms\n", u);
	printf("ratio.unknown_over_known_check %.3f x\n", u / k);
	return 0;
}
