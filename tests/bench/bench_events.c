/* Benchmarks for anonymous usage events (store/events.h): how long the
 * screen's thread takes to record one (it must never wait on SQLite), and
 * what a year of a busy kiosk's events costs: 10,000,000 raw events made
 * through the real API (events_record, events_flush), rolled up at the end
 * of each day with the default retention, then a year of figures exported
 * as CSV, which must read the daily figures rather than the raw events.
 * Prints "name value unit" rows; scripts/run-benches holds the targets.
 *
 *   events.record_us_p50, _p99, _max   one events_record on a "screen"
 *        thread, 200,000 of them in bursts of 64 a millisecond apart (far
 *        more than a kiosk makes), while a "delivery" thread, woken by the
 *        recorder at half its buffer, flushes to the database as it would
 *   events.record_dropped              events dropped meanwhile (buffer full)
 *   events.generate_10m_s              recording and flushing the 10,000,000
 *   events.rollup_10m_s                the 365 nightly roll-ups and purges
 *   stats.export_10m_s                 the year's figures as CSV
 *   stats.export_json_10m_s            ... and as JSON
 *   stats.export_rows                  lines of that CSV
 *   events.db_mib                      the database at the end (raw events
 *                                      of the last 30 days, a year of figures)
 *
 *   bench_events [N]   N raw events instead of 10,000,000 (a quick run)
 *
 * The events are a plausible mix, from a fixed seed: six journeys of 4 to
 * 9 steps, sessions started in five languages (15% assisted), each step
 * shown and timed, some validation errors, 70% completed, abandoned by
 * timeout or cancel, stop pages, preferences and satisfaction answers. The
 * database is a new one in a temporary directory, removed afterwards.
 * Depends on the store's public interface only. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/events.h"
#include "store/store.h"
#include "support.h"

#define RECORD_RUNS 200000
#define BURST       64
#define DAYS        365

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_events: %s: %s\n", what, why);
	exit(1);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}
static int pick(int n)
{
	return (int)(next_rand() % (uint32_t)n);
}

/* ---- recording on the screen's thread ---- */

struct delivery {
	struct events *ev;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int due, stop;
	int failed;
};

static void wake(void *arg)
{
	struct delivery *d = arg;
	pthread_mutex_lock(&d->mu);
	d->due = 1;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

/* The kiosk's delivery thread: flushes when woken, and every 100 ms. */
static void *deliver(void *arg)
{
	struct delivery *d = arg;
	for (;;) {
		pthread_mutex_lock(&d->mu);
		if (!d->due && !d->stop) {
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_nsec += 100000000L;
			if (t.tv_nsec >= 1000000000L) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&d->cv, &d->mu, &t);
		}
		int stop = d->stop;
		d->due = 0;
		pthread_mutex_unlock(&d->mu);
		struct hatch_error e;
		size_t n;
		if (events_flush(d->ev, &n, &e) != HATCH_OK) {
			fprintf(stderr, "bench_events: flush: %s\n", e.msg);
			d->failed = 1;
			return NULL;
		}
		if (stop)
			return NULL;
	}
}

static void record_latency(struct store *s)
{
	struct delivery d = {0};
	pthread_mutex_init(&d.mu, NULL);
	pthread_cond_init(&d.cv, NULL);
	struct hatch_error e;
	if (events_create(s, 0, wake, &d, &d.ev, &e) != HATCH_OK)
		die("create", e.msg);
	pthread_t t;
	if (pthread_create(&t, NULL, deliver, &d) != 0)
		die("thread", "cannot start the delivery thread");
	static double us[RECORD_RUNS];
	static const char *const steps[] = {"bins", "date", "address", "details",
	                                    "check"};
	uint64_t dropped = 0;
	for (int i = 0; i < RECORD_RUNS; i++) {
		struct event x = {.kind = EVENTS_STEP_TIME,
		                  .journey = "missed-bin",
		                  .step = steps[i % 5],
		                  .duration_ms = 1000 + i % 50000};
		double t0 = support_now_us();
		enum hatch_err rc = events_record(d.ev, &x, NULL);
		us[i] = support_now_us() - t0;
		if (rc == HATCH_ERR_LIMIT)
			dropped++;
		else if (rc != HATCH_OK)
			die("record", "refused");
		if (i % BURST == BURST - 1) {
			struct timespec ms = {0, 1000000L};
			nanosleep(&ms, NULL);
		}
	}
	pthread_mutex_lock(&d.mu);
	d.stop = 1;
	pthread_cond_signal(&d.cv);
	pthread_mutex_unlock(&d.mu);
	pthread_join(t, NULL);
	if (d.failed)
		exit(1);
	struct events_counters c;
	events_counters_get(d.ev, &c);
	events_destroy(d.ev);
	pthread_cond_destroy(&d.cv);
	pthread_mutex_destroy(&d.mu);
	printf("events.record_us_p50 %.2f us\n", support_percentile(us, RECORD_RUNS, 50));
	printf("events.record_us_p99 %.2f us\n", support_percentile(us, RECORD_RUNS, 99));
	printf("events.record_us_max %.1f us\n",
	       support_percentile(us, RECORD_RUNS, 100));
	printf("events.record_dropped %llu events\n", (unsigned long long)dropped);
	fprintf(stderr, "bench_events: %llu recorded, %llu flushed, %llu dropped\n",
	        (unsigned long long)c.recorded, (unsigned long long)c.flushed,
	        (unsigned long long)c.dropped);
}

/* ---- a year of events ---- */

struct journey_def {
	const char *id;
	int nsteps;
	const char *steps[9];
	const char *stop; /* a stop page, or NULL */
};

static const struct journey_def journeys[] = {
    {"missed-bin", 5, {"bins", "date", "address", "contact", "check"}, NULL},
    {"blue-badge",
     9,
     {"eligibility", "benefits", "name", "dob", "address", "photo", "proof", "contact",
      "check"},
     "not-eligible"},
    {"foi", 4, {"request", "format", "contact", "check"}, NULL},
    {"complaint", 6, {"service", "what", "when", "outcome", "contact", "check"}, NULL},
    {"speeding",
     7,
     {"where", "when", "vehicles", "speed", "how-often", "contact", "check"},
     "not-here"},
    {"parking-permit",
     8,
     {"zone", "address", "vehicle", "reg", "proof", "permit", "payment", "check"},
     "no-zone"},
};
static const char *const languages[] = {"en", "en", "en", "en", "en", "en",
                                        "en", "en", "cy", "pl", "ur", "ar"};
static const char *const fields[] = {"", "day", "month", "year", "postcode", "email"};
static const char *const rules[] = {"required", "max_length", "pattern", "date",
                                    "postcode"};

struct gen {
	struct events *ev;
	long long events;
	double flush_us;
};

static void put(struct gen *g, struct event x)
{
	struct hatch_error e;
	enum hatch_err rc = events_record(g->ev, &x, &e);
	if (rc == HATCH_ERR_LIMIT || events_flush_due(g->ev)) {
		size_t n;
		if (events_flush(g->ev, &n, &e) != HATCH_OK)
			die("flush", e.msg);
		if (rc == HATCH_ERR_LIMIT)
			rc = events_record(g->ev, &x, &e);
	}
	if (rc != HATCH_OK)
		die("record", e.msg);
	g->events++;
}

/* One citizen's session, from T (unix seconds); returns its length. */
static long long session(struct gen *g, long long t)
{
	const struct journey_def *j = &journeys[pick(6)];
	bool assisted = pick(100) < 15;
	put(g, (struct event){.kind = EVENTS_STARTED,
	                      .journey = j->id,
	                      .language = languages[pick(12)],
	                      .assisted = assisted,
	                      .time = t});
	if (pick(100) < 10)
		put(g, (struct event){.kind = EVENTS_PREFERENCE,
		                      .journey = j->id,
		                      .pref = pick(2) ? "text_size" : "contrast",
		                      .value = pick(2) ? "200" : "high",
		                      .time = t});
	int outcome = pick(100); /* < 70 completed, < 90 abandoned, else stop */
	int last = outcome < 70 ? j->nsteps : 1 + pick(j->nsteps);
	long long elapsed = 0;
	for (int s = 0; s < last; s++) {
		put(g, (struct event){.kind = EVENTS_STEP_SHOWN,
		                      .journey = j->id,
		                      .step = j->steps[s],
		                      .time = t + elapsed});
		if (pick(100) < 12)
			put(g, (struct event){.kind = EVENTS_VALIDATION_ERROR,
			                      .journey = j->id,
			                      .step = j->steps[s],
			                      .field = fields[pick(6)],
			                      .rule = rules[pick(5)],
			                      .time = t + elapsed});
		long ms = 4000 + pick(60000) + (pick(10) ? 0 : pick(240000));
		elapsed += ms / 1000;
		put(g, (struct event){.kind = EVENTS_STEP_TIME,
		                      .journey = j->id,
		                      .step = j->steps[s],
		                      .duration_ms = ms,
		                      .time = t + elapsed});
	}
	if (outcome < 70) {
		put(g, (struct event){.kind = EVENTS_COMPLETED,
		                      .journey = j->id,
		                      .duration_ms = elapsed * 1000,
		                      .assisted = assisted,
		                      .time = t + elapsed});
		if (pick(2))
			put(g, (struct event){.kind = EVENTS_SATISFACTION,
			                      .journey = j->id,
			                      .satisfaction = 1 + pick(5),
			                      .time = t + elapsed});
	} else if (outcome < 90 || !j->stop) {
		put(g, (struct event){.kind = EVENTS_ABANDONED,
		                      .journey = j->id,
		                      .step = j->steps[last - 1],
		                      .end = pick(10) < 6 ? EVENTS_END_TIMEOUT
		                                          : EVENTS_END_CANCEL,
		                      .assisted = assisted,
		                      .time = t + elapsed});
	} else {
		put(g, (struct event){.kind = EVENTS_STOP_PAGE,
		                      .journey = j->id,
		                      .step = j->stop,
		                      .time = t + elapsed});
	}
	return elapsed;
}

/* Local time H:M on the day D days after 2024-01-01. */
static long long local_at(int d, int h, int m)
{
	struct tm tm = {0};
	tm.tm_year = 124;
	tm.tm_mon = 0;
	tm.tm_mday = 1 + d;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

static double export_seconds(struct store *s, const char *path, enum events_format fmt,
                             long *lines)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die(path, "cannot write it");
	struct hatch_error e;
	double t = support_now_us();
	if (events_export(s, 20240101, events_day_add(20240101, DAYS - 1), 0, fmt, f,
	                  &e) != HATCH_OK)
		die("export", e.msg);
	t = (support_now_us() - t) / 1e6;
	fclose(f);
	if (lines) {
		f = fopen(path, "r");
		*lines = 0;
		int c;
		while (f && (c = getc(f)) != EOF)
			*lines += c == '\n';
		if (f)
			fclose(f);
	}
	return t;
}

static void year(struct store *s, const char *dir, long long total)
{
	struct gen g = {0};
	struct hatch_error e;
	if (events_create(s, 8192, NULL, NULL, &g.ev, &e) != HATCH_OK)
		die("create", e.msg);
	double gen_s = 0, roll_s = 0;
	long long per_day = total / DAYS;
	for (int d = 0; d < DAYS; d++) {
		long long want = total * (d + 1) / DAYS;
		double t0 = support_now_us();
		/* Sessions spread over opening hours, 9:00 to 17:00. */
		long long open = local_at(d, 9, 0), span = 8 * 3600;
		long long k = 0;
		while (g.events < want) {
			long long at = open + span * k / (per_day / 14 + 1);
			session(&g, at);
			k++;
		}
		size_t n;
		if (events_flush(g.ev, &n, &e) != HATCH_OK)
			die("flush", e.msg);
		double t1 = support_now_us();
		struct events_rollup_stats st;
		if (events_rollup(g.ev, local_at(d + 1, 0, 30), 0, &st, &e) != HATCH_OK)
			die("rollup", e.msg);
		double t2 = support_now_us();
		gen_s += (t1 - t0) / 1e6;
		roll_s += (t2 - t1) / 1e6;
		if (d % 73 == 72)
			fprintf(stderr,
			        "bench_events: day %d, %lld events, %.1f s + %.1f s\n",
			        d + 1, g.events, gen_s, roll_s);
	}
	events_destroy(g.ev);
	char path[512];
	snprintf(path, sizeof path, "%s/year.csv", dir);
	long lines = 0;
	double csv_s = export_seconds(s, path, EVENTS_CSV, &lines);
	snprintf(path, sizeof path, "%s/year.json", dir);
	double json_s = export_seconds(s, path, EVENTS_JSON, NULL);
	printf("events.generate_10m_s %.1f s\n", gen_s);
	printf("events.rollup_10m_s %.1f s\n", roll_s);
	printf("stats.export_10m_s %.2f s\n", csv_s);
	printf("stats.export_json_10m_s %.2f s\n", json_s);
	printf("stats.export_rows %ld rows\n", lines);
	fprintf(stderr, "bench_events: %lld raw events over %d days\n", g.events, DAYS);
}

int main(int argc, char **argv)
{
	long long total = argc > 1 ? strtoll(argv[1], NULL, 10) : 10000000LL;
	if (total < DAYS)
		die("usage", "bench_events [N], N at least 365");
	char dir[64], path[128];
	if (support_tmpdir_create(dir, sizeof dir) != 0)
		die("temporary directory", "cannot make one");
	snprintf(path, sizeof path, "%s/hatch.db", dir);
	struct store *s;
	struct hatch_error e;
	if (store_open(path, &s, &e) != HATCH_OK)
		die("open", e.msg);
	record_latency(s);
	year(s, dir, total);
	store_close(s);
	struct stat st;
	if (stat(path, &st) == 0)
		printf("events.db_mib %.1f MiB\n",
		       (double)st.st_size / (1024.0 * 1024.0));
	support_tmpdir_remove(dir);
	return 0;
}
