/* Unit tests for store/events: the checks that keep free text out of
 * events (names, ranges, rounding), the recorder's buffer (full, dropped,
 * woken, a failed flush kept, many threads at once), the daily roll-up
 * (exact figures for a scripted set of journeys, incremental, late events,
 * today left alone, retention), the export (CSV and JSON, suppression of
 * small counts and of what they would give away, bad days, a full disk),
 * a day's figures through the outbox, the canary (marker strings in every
 * field: none reaches the database or an export), migrations to schema 5
 * from every earlier version, and allocation failures. A second SQLite
 * connection looks at the file from outside. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"
#include <sqlite3.h>

#include "base/mem.h"
#include "store/events.h"
#include "store/staff.h"
#include "store/store.h"

static const char *in_dir(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *p = bufs[next++ % 8];
	snprintf(p, sizeof bufs[0], "%s/%s", support_dir, name);
	return p;
}

static sqlite3 *peek_open(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
	                 SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static long long peek_int(const char *path, const char *sql)
{
	sqlite3 *db = peek_open(path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void peek_exec(const char *path, const char *sql)
{
	sqlite3 *db = peek_open(path);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
	sqlite3_close(db);
}

static struct store *open_db(const char *path)
{
	struct store *s = NULL;
	struct hatch_error e = {""};
	if (store_open(path, &s, &e) != HATCH_OK)
		fail_msg("%s", e.msg);
	return s;
}

static struct events *make_events(struct store *s, size_t cap)
{
	struct events *ev = NULL;
	struct hatch_error e = {""};
	assert_int_equal(events_create(s, cap, NULL, NULL, &ev, &e), HATCH_OK);
	return ev;
}

/* Local time HOUR:00 on DAY (YYYYMMDD). */
static long long at(int day, int hour)
{
	struct tm tm = {0};
	tm.tm_year = day / 10000 - 1900;
	tm.tm_mon = day / 100 % 100 - 1;
	tm.tm_mday = day % 100;
	tm.tm_hour = hour;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

static void rec(struct events *ev, struct event x)
{
	struct hatch_error e = {""};
	if (!x.time)
		x.time = x.day ? at(x.day, 10) : 0;
	if (events_record(ev, &x, &e) != HATCH_OK)
		fail_msg("record: %s", e.msg);
}

/* The export of FROM..TO as FORMAT with THRESHOLD, in a new string. */
static char *export_text(struct store *s, int from, int to, unsigned threshold,
                         enum events_format format)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	struct hatch_error e = {""};
	enum hatch_err rc = events_export(s, from, to, threshold, format, f, &e);
	fclose(f);
	if (rc != HATCH_OK)
		fail_msg("export: %s", e.msg);
	return text;
}

static void flush_ok(struct events *ev, size_t want)
{
	struct hatch_error e = {""};
	size_t n = 99;
	if (events_flush(ev, &n, &e) != HATCH_OK)
		fail_msg("flush: %s", e.msg);
	assert_int_equal(n, want);
}

static void rollup_ok(struct events *ev, long long now, unsigned retention,
                      struct events_rollup_stats *st)
{
	struct hatch_error e = {""};
	if (events_rollup(ev, now, retention, st, &e) != HATCH_OK)
		fail_msg("rollup: %s", e.msg);
}

/* ---- dates ---- */

static void dates(void **state)
{
	(void)state;
	int d;
	assert_true(events_day_parse("2024-02-29", &d));
	assert_int_equal(d, 20240229);
	assert_false(events_day_parse("2023-02-29", &d));
	assert_int_equal(d, 0);
	assert_false(events_day_parse("2024-13-01", &d));
	assert_false(events_day_parse("2024-1-01", &d));
	assert_false(events_day_parse("2024-01-01x", &d));
	assert_false(events_day_parse("1969-12-31", &d));
	assert_false(events_day_parse("2024/01/01", &d));
	assert_false(events_day_parse("", &d));
	assert_false(events_day_parse(NULL, &d));
	assert_true(events_day_valid(19700101));
	assert_false(events_day_valid(20240431));
	assert_false(events_day_valid(0));
	assert_int_equal(events_day_add(20240228, 1), 20240229);
	assert_int_equal(events_day_add(20240229, 1), 20240301);
	assert_int_equal(events_day_add(20240101, -1), 20231231);
	assert_int_equal(events_day_add(20240301, -366), 20230301);
	assert_int_equal(events_day_add(20241231, 0), 20241231);
	assert_int_equal(events_day_of(at(20240501, 0)), 20240501);
	assert_int_equal(events_day_of(at(20240501, 23) + 3599), 20240501);
	assert_int_equal(events_day_of(at(20240502, 0)), 20240502);
}

/* ---- the checks ---- */

/* E's message must say something and hold nothing of BAD. */
static void refused(struct events *ev, struct event x, const char *bad)
{
	struct hatch_error e = {""};
	assert_int_equal(events_record(ev, &x, &e), HATCH_ERR_INPUT);
	assert_true(e.msg[0] != '\0');
	/* Short values ("e", "en-") are in any sentence; longer ones never. */
	if (bad && strlen(bad) >= 5 && strstr(e.msg, bad))
		fail_msg("the reason holds the value: %s", e.msg);
}

static void refuses_what_is_not_a_name(void **state)
{
	(void)state;
	struct store *s = open_db(in_dir("hatch.db"));
	struct events *ev = make_events(s, 16);
	char long_id[EVENTS_ID_MAX + 2];
	memset(long_id, 'a', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	static const char *const bad[] = {"Missed-bin",  "missed bin", "missed.bin",
	                                  "bin@x",       "bin/1",      "bin\n",
	                                  "caf\xc3\xa9", "x'y",        NULL};
	size_t n = 0;
	for (int i = 0; bad[i]; i++) {
		refused(ev,
		        (struct event){
		            .kind = EVENTS_STEP_SHOWN, .journey = bad[i], .step = "a"},
		        bad[i]);
		refused(ev,
		        (struct event){
		            .kind = EVENTS_STEP_SHOWN, .journey = "j", .step = bad[i]},
		        bad[i]);
		refused(ev,
		        (struct event){.kind = EVENTS_VALIDATION_ERROR,
		                       .journey = "j",
		                       .step = "a",
		                       .field = bad[i],
		                       .rule = "required"},
		        bad[i]);
		refused(ev,
		        (struct event){.kind = EVENTS_VALIDATION_ERROR,
		                       .journey = "j",
		                       .step = "a",
		                       .rule = bad[i]},
		        bad[i]);
		refused(ev,
		        (struct event){
		            .kind = EVENTS_PREFERENCE, .pref = bad[i], .value = "on"},
		        bad[i]);
		refused(ev,
		        (struct event){
		            .kind = EVENTS_PREFERENCE, .pref = "speech", .value = bad[i]},
		        bad[i]);
		n += 6;
	}
	/* Language tags: letters of either case, digits and '-', nothing else. */
	static const char *const bad_lang[] = {
	    "en_GB",          "en GB", "en.GB",  "",     "e",
	    "Smith",          "en-",   "en--gb", "en-g", "en-abcdefghi",
	    "en-gb-x1-x2-x3", "-en",   NULL};
	for (int i = 0; bad_lang[i]; i++) {
		refused(ev,
		        (struct event){.kind = EVENTS_LANGUAGE, .language = bad_lang[i]},
		        bad_lang[i]);
		n++;
	}
	refused(ev, (struct event){.kind = EVENTS_LANGUAGE, .language = NULL}, NULL);
	refused(ev,
	        (struct event){.kind = EVENTS_LANGUAGE,
	                       .language = "abcdefghijabcdefghijabcdefghijabcdef"},
	        NULL);
	/* One character too long, and missing where the kind needs it. */
	refused(
	    ev,
	    (struct event){.kind = EVENTS_STEP_SHOWN, .journey = long_id, .step = "a"},
	    NULL);
	refused(ev, (struct event){.kind = EVENTS_STEP_SHOWN, .journey = "j"}, NULL);
	refused(ev, (struct event){.kind = EVENTS_STEP_SHOWN, .journey = "", .step = "a"},
	        NULL);
	refused(ev, (struct event){.kind = EVENTS_STARTED, .journey = "j"}, NULL);
	refused(
	    ev,
	    (struct event){.kind = EVENTS_VALIDATION_ERROR, .journey = "j", .step = "a"},
	    NULL);
	refused(ev, (struct event){.kind = EVENTS_PREFERENCE, .pref = "speech"}, NULL);
	n += 8;
	struct events_counters c;
	events_counters_get(ev, &c);
	assert_int_equal(c.refused, n);
	assert_int_equal(c.recorded, 0);
	assert_int_equal(c.pending, 0);

	/* The longest names are taken; a tag is kept in lower case; fields
	 * a kind does not read are neither checked nor kept. */
	long_id[EVENTS_ID_MAX] = '\0';
	struct hatch_error e;
	assert_int_equal(events_record(ev,
	                               &(struct event){.kind = EVENTS_STEP_SHOWN,
	                                               .journey = long_id,
	                                               .step = "z9_-",
	                                               .field = "Not Read",
	                                               .language = "Not read either",
	                                               .day = 20240501},
	                               &e),
	                 HATCH_OK);
	assert_int_equal(events_record(ev,
	                               &(struct event){.kind = EVENTS_LANGUAGE,
	                                               .language = "pt-BR",
	                                               .day = 20240501},
	                               &e),
	                 HATCH_OK);
	assert_int_equal(events_record(ev,
	                               &(struct event){.kind = EVENTS_LANGUAGE,
	                                               .language = "zh-Hant-TW",
	                                               .day = 20240501},
	                               &e),
	                 HATCH_OK);
	flush_ok(ev, 3);
	const char *path = in_dir("hatch.db");
	assert_int_equal(peek_int(path,
	                          "SELECT count(*) FROM events WHERE length(journey) = 64"
	                          " AND step = 'z9_-' AND field = '' AND language = ''"),
	                 1);
	assert_int_equal(peek_int(path,
	                          "SELECT count(*) FROM events WHERE language = 'pt-br'"
	                          " AND journey = ''"),
	                 1);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM events"
	                                " WHERE language = 'zh-hant-tw'"),
	                 1);
	events_destroy(ev);
	store_close(s);
}

static void refuses_what_is_out_of_range(void **state)
{
	(void)state;
	struct store *s = open_db(in_dir("hatch.db"));
	struct events *ev = make_events(s, 16);
	refused(ev, (struct event){.kind = 0, .journey = "j"}, NULL);
	refused(ev, (struct event){.kind = (enum events_kind)99, .journey = "j"}, NULL);
	refused(
	    ev,
	    (struct event){.kind = EVENTS_COMPLETED, .journey = "j", .duration_ms = -1},
	    NULL);
	refused(ev,
	        (struct event){.kind = EVENTS_STEP_TIME,
	                       .journey = "j",
	                       .step = "a",
	                       .duration_ms = EVENTS_DURATION_MAX_MS + 1},
	        NULL);
	refused(ev,
	        (struct event){
	            .kind = EVENTS_SATISFACTION, .journey = "j", .satisfaction = 0},
	        NULL);
	refused(ev,
	        (struct event){
	            .kind = EVENTS_SATISFACTION, .journey = "j", .satisfaction = 6},
	        NULL);
	refused(ev, (struct event){.kind = EVENTS_ABANDONED, .journey = "j"}, NULL);
	refused(ev, (struct event){.kind = EVENTS_ABANDONED, .journey = "j", .end = 3},
	        NULL);
	refused(
	    ev,
	    (struct event){
	        .kind = EVENTS_STEP_SHOWN, .journey = "j", .step = "a", .day = 20240230},
	    NULL);
	refused(ev,
	        (struct event){
	            .kind = EVENTS_STEP_SHOWN, .journey = "j", .step = "a", .time = -5},
	        NULL);
	struct events_counters c;
	events_counters_get(ev, &c);
	assert_int_equal(c.refused, 10);
	assert_int_equal(c.pending, 0);
	/* The edges are taken; durations are whole seconds, half up. */
	static const long ms[] = {0, 499, 500, 1499, 1500, EVENTS_DURATION_MAX_MS};
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
		rec(ev, (struct event){.kind = EVENTS_STEP_TIME,
		                       .journey = "j",
		                       .step = "a",
		                       .duration_ms = ms[i],
		                       .day = 20240501});
	rec(ev, (struct event){.kind = EVENTS_SATISFACTION,
	                       .journey = "j",
	                       .satisfaction = 1,
	                       .day = 20240501});
	rec(ev, (struct event){.kind = EVENTS_SATISFACTION,
	                       .journey = "j",
	                       .satisfaction = 5,
	                       .day = 20240501});
	/* Without a time or a day: now, and today. */
	long long before = (long long)time(NULL);
	rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN, .journey = "now", .step = "a"});
	flush_ok(ev, 9);
	const char *path = in_dir("hatch.db");
	assert_int_equal(peek_int(path,
	                          "SELECT group_concat(seconds, ',') = '0,0,1,1,2,86400'"
	                          " FROM (SELECT seconds FROM events WHERE kind = 9"
	                          " ORDER BY id)"),
	                 1);
	char sql[160];
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM events WHERE journey = 'now' AND day = %d"
	         " AND time BETWEEN %lld AND %lld",
	         events_day_of(before), before, before + 5);
	if (events_day_of(before) == events_day_of(before + 5))
		assert_int_equal(peek_int(path, sql), 1);
	events_destroy(ev);
	store_close(s);
}

/* ---- the recorder ---- */

static int woken;
static void wake(void *arg)
{
	(void)arg;
	woken++;
}

static void full_buffer_drops(void **state)
{
	(void)state;
	struct store *s = open_db(in_dir("hatch.db"));
	struct events *ev;
	struct hatch_error e;
	woken = 0;
	assert_int_equal(events_create(s, 4, wake, NULL, &ev, &e), HATCH_OK);
	struct event x = {
	    .kind = EVENTS_STEP_SHOWN, .journey = "j", .step = "a", .day = 20240501};
	assert_false(events_flush_due(ev));
	for (int i = 0; i < 4; i++)
		assert_int_equal(events_record(ev, &x, &e), HATCH_OK);
	assert_int_equal(woken, 1);
	assert_true(events_flush_due(ev));
	assert_int_equal(events_record(ev, &x, &e), HATCH_ERR_LIMIT);
	assert_non_null(strstr(e.msg, "full"));
	assert_int_equal(events_record(ev, &x, NULL), HATCH_ERR_LIMIT);
	struct events_counters c;
	events_counters_get(ev, &c);
	assert_int_equal(c.recorded, 4);
	assert_int_equal(c.dropped, 2);
	assert_int_equal(c.pending, 4);
	flush_ok(ev, 4);
	events_counters_get(ev, &c);
	assert_int_equal(c.flushed, 4);
	assert_int_equal(c.pending, 0);
	assert_false(events_flush_due(ev));
	assert_int_equal(peek_int(in_dir("hatch.db"), "SELECT count(*) FROM events"), 4);
	/* An empty flush writes nothing and succeeds. */
	flush_ok(ev, 0);
	/* Room again after the flush; the wake comes again at half. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(events_record(ev, &x, &e), HATCH_OK);
	assert_int_equal(woken, 2);
	flush_ok(ev, 2);
	events_destroy(ev);
	events_destroy(NULL);
	store_close(s);
}

/* A flush that fails writes nothing and keeps its batch, which the next
 * flush writes first; what was recorded meanwhile is not lost. */
static void failed_flush_keeps_batch(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 8);
	for (int i = 0; i < 3; i++)
		rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN,
		                       .journey = "j",
		                       .step = "a",
		                       .day = 20240501});
	peek_exec(path, "ALTER TABLE events RENAME TO events_away");
	struct hatch_error e = {""};
	size_t n = 99;
	assert_int_equal(events_flush(ev, &n, &e), HATCH_ERR_IO);
	assert_int_equal(n, 0);
	assert_non_null(strstr(e.msg, path));
	struct events_counters c;
	events_counters_get(ev, &c);
	assert_int_equal(c.pending, 3);
	assert_int_equal(c.flushed, 0);
	assert_true(events_flush_due(ev));
	for (int i = 0; i < 8; i++)
		rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN,
		                       .journey = "k",
		                       .step = "b",
		                       .day = 20240501});
	assert_int_equal(
	    events_record(
	        ev,
	        &(struct event){.kind = EVENTS_STEP_SHOWN, .journey = "k", .step = "b"},
	        &e),
	    HATCH_ERR_LIMIT);
	peek_exec(path, "ALTER TABLE events_away RENAME TO events");
	flush_ok(ev, 11);
	assert_int_equal(
	    peek_int(path, "SELECT count(*) FROM events WHERE journey = 'j'"), 3);
	assert_int_equal(
	    peek_int(path, "SELECT count(*) FROM events WHERE journey = 'k'"), 8);
	/* The batch went first. */
	assert_int_equal(peek_int(path, "SELECT max(id) FROM events WHERE journey = 'j'"),
	                 3);
	assert_int_equal(
	    peek_int(path, "SELECT last_id FROM event_days WHERE day = 20240501"), 11);
	events_destroy(ev);
	store_close(s);
}

struct recorder_arg {
	struct events *ev;
	int id;
	int n;
	int ok, dropped;
};

static void *recorder(void *p)
{
	struct recorder_arg *a = p;
	char journey[16];
	snprintf(journey, sizeof journey, "t%d", a->id);
	for (int i = 0; i < a->n; i++) {
		struct event x = {.kind = EVENTS_STEP_SHOWN,
		                  .journey = journey,
		                  .step = "a",
		                  .day = 20240501,
		                  .time = 1};
		enum hatch_err rc = events_record(a->ev, &x, NULL);
		if (rc == HATCH_OK)
			a->ok++;
		else if (rc == HATCH_ERR_LIMIT)
			a->dropped++;
	}
	return NULL;
}

static volatile int recorders_done;

static void *flusher(void *p)
{
	struct events *ev = p;
	while (!recorders_done) {
		size_t n;
		struct hatch_error e;
		if (events_flush(ev, &n, &e) != HATCH_OK)
			return (void *)1;
	}
	return NULL;
}

/* Several threads record while another flushes: every event is either
 * written once or counted as dropped. */
static void threads_record_and_flush(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 256);
	enum { THREADS = 4, EACH = 5000 };
	struct recorder_arg args[THREADS];
	pthread_t t[THREADS], f;
	recorders_done = 0;
	assert_int_equal(pthread_create(&f, NULL, flusher, ev), 0);
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct recorder_arg){.ev = ev, .id = i, .n = EACH};
		assert_int_equal(pthread_create(&t[i], NULL, recorder, &args[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	recorders_done = 1;
	void *fr;
	assert_int_equal(pthread_join(f, &fr), 0);
	assert_null(fr);
	size_t n;
	struct hatch_error e;
	assert_int_equal(events_flush(ev, &n, &e), HATCH_OK);
	struct events_counters c;
	events_counters_get(ev, &c);
	long long ok = 0, dropped = 0;
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(args[i].ok + args[i].dropped, EACH);
		ok += args[i].ok;
		dropped += args[i].dropped;
		char sql[96];
		snprintf(sql, sizeof sql,
		         "SELECT count(*) FROM events WHERE journey = 't%d'", i);
		assert_int_equal(peek_int(path, sql), args[i].ok);
	}
	assert_int_equal(c.recorded, (uint64_t)ok);
	assert_int_equal(c.dropped, (uint64_t)dropped);
	assert_int_equal(c.flushed, (uint64_t)ok);
	assert_int_equal(c.pending, 0);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM events"), ok);
	events_destroy(ev);
	store_close(s);
}

/* ---- the roll-up and the export ---- */

/* The scripted set: three citizens and a staff-assisted one on two
 * journeys on 1 May 2024, choices made outside any journey, and one
 * abandoned before its first step on 2 May. */
static void script(struct events *ev)
{
	const int d1 = 20240501, d2 = 20240502;
	/* A: self-service in English, an error on the date's day, completed. */
	rec(ev, (struct event){.kind = EVENTS_STARTED,
	                       .journey = "missed-bin",
	                       .language = "en",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN,
	                       .journey = "missed-bin",
	                       .step = "bins",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_TIME,
	                       .journey = "missed-bin",
	                       .step = "bins",
	                       .duration_ms = 12400,
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN,
	                       .journey = "missed-bin",
	                       .step = "date",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_VALIDATION_ERROR,
	                       .journey = "missed-bin",
	                       .step = "date",
	                       .field = "day",
	                       .rule = "required",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_TIME,
	                       .journey = "missed-bin",
	                       .step = "date",
	                       .duration_ms = 30500,
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN,
	                       .journey = "missed-bin",
	                       .step = "check",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_COMPLETED,
	                       .journey = "missed-bin",
	                       .duration_ms = 125000,
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_SATISFACTION,
	                       .journey = "missed-bin",
	                       .satisfaction = 5,
	                       .day = d1});
	/* B: assisted, in Welsh, timed out on the first step. */
	rec(ev, (struct event){.kind = EVENTS_STARTED,
	                       .journey = "missed-bin",
	                       .language = "cy",
	                       .assisted = true,
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN,
	                       .journey = "missed-bin",
	                       .step = "bins",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_TIME,
	                       .journey = "missed-bin",
	                       .step = "bins",
	                       .duration_ms = 20000,
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_ABANDONED,
	                       .journey = "missed-bin",
	                       .step = "bins",
	                       .end = EVENTS_END_TIMEOUT,
	                       .assisted = true,
	                       .day = d1});
	/* C: "EN" (kept as "en"), an error on a step of one field, completed. */
	rec(ev, (struct event){.kind = EVENTS_STARTED,
	                       .journey = "missed-bin",
	                       .language = "EN",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN,
	                       .journey = "missed-bin",
	                       .step = "bins",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_VALIDATION_ERROR,
	                       .journey = "missed-bin",
	                       .step = "bins",
	                       .rule = "required",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN,
	                       .journey = "missed-bin",
	                       .step = "date",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_PREFERENCE,
	                       .journey = "missed-bin",
	                       .pref = "contrast",
	                       .value = "high",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_COMPLETED,
	                       .journey = "missed-bin",
	                       .duration_ms = 200400,
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_SATISFACTION,
	                       .journey = "missed-bin",
	                       .satisfaction = 4,
	                       .day = d1});
	/* D: not eligible for a Blue Badge. */
	rec(ev, (struct event){.kind = EVENTS_STARTED,
	                       .journey = "blue-badge",
	                       .language = "en",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STEP_SHOWN,
	                       .journey = "blue-badge",
	                       .step = "eligibility",
	                       .day = d1});
	rec(ev, (struct event){.kind = EVENTS_STOP_PAGE,
	                       .journey = "blue-badge",
	                       .step = "not-eligible",
	                       .day = d1});
	/* Chosen on the welcome screen. */
	rec(ev, (struct event){.kind = EVENTS_LANGUAGE, .language = "cy", .day = d1});
	rec(ev, (struct event){.kind = EVENTS_PREFERENCE,
	                       .pref = "text_size",
	                       .value = "200",
	                       .day = d1});
	/* E: cancelled before any step. */
	rec(ev, (struct event){.kind = EVENTS_STARTED,
	                       .journey = "missed-bin",
	                       .language = "en",
	                       .day = d2});
	rec(ev, (struct event){.kind = EVENTS_ABANDONED,
	                       .journey = "missed-bin",
	                       .end = EVENTS_END_CANCEL,
	                       .day = d2});
}

#define SAT0(d, j)                                                                       \
	d "," j ",satisfaction,1,0\r\n" d "," j ",satisfaction,2,0\r\n" d "," j          \
	  ",satisfaction,3,0\r\n" d "," j ",satisfaction,4,0\r\n" d "," j                \
	  ",satisfaction,5,0\r\n"

static const char scripted_csv[] =
    "date,journey,measure,category,value\r\n"
    "2024-05-01,*,languages_chosen,cy,1\r\n"
    "2024-05-01,*,preferences,text_size=200,1\r\n"
    "2024-05-01,blue-badge,started,,1\r\n"
    "2024-05-01,blue-badge,completed,,0\r\n"
    "2024-05-01,blue-badge,abandoned,,0\r\n"
    "2024-05-01,blue-badge,completion_rate,,0.000\r\n"
    "2024-05-01,blue-badge,median_seconds,,\r\n"
    "2024-05-01,blue-badge,assisted_share,,0.000\r\n"
    "2024-05-01,blue-badge,abandoned_by_reason,timeout,0\r\n"
    "2024-05-01,blue-badge,abandoned_by_reason,cancel,0\r\n"
    "2024-05-01,blue-badge,stop_pages,not-eligible,1\r\n"
    "2024-05-01,blue-badge,shown_by_step,eligibility,1\r\n"
    "2024-05-01,blue-badge,languages,en,1\r\n" SAT0(
        "2024-05-01",
        "blue-badge") "2024-05-01,missed-bin,started,,3\r\n"
                      "2024-05-01,missed-bin,completed,,2\r\n"
                      "2024-05-01,missed-bin,abandoned,,1\r\n"
                      "2024-05-01,missed-bin,completion_rate,,0.667\r\n"
                      "2024-05-01,missed-bin,median_seconds,,163\r\n"
                      "2024-05-01,missed-bin,assisted_share,,0.333\r\n"
                      "2024-05-01,missed-bin,abandoned_by_reason,timeout,1\r\n"
                      "2024-05-01,missed-bin,abandoned_by_reason,cancel,0\r\n"
                      "2024-05-01,missed-bin,abandoned_by_step,bins,1\r\n"
                      "2024-05-01,missed-bin,shown_by_step,bins,3\r\n"
                      "2024-05-01,missed-bin,shown_by_step,check,1\r\n"
                      "2024-05-01,missed-bin,shown_by_step,date,2\r\n"
                      "2024-05-01,missed-bin,errors_by_field,bins,1\r\n"
                      "2024-05-01,missed-bin,errors_by_field,date.day,1\r\n"
                      "2024-05-01,missed-bin,errors_by_rule,bins:required,1\r\n"
                      "2024-05-01,missed-bin,errors_by_rule,date.day:required,1\r\n"
                      "2024-05-01,missed-bin,languages,cy,1\r\n"
                      "2024-05-01,missed-bin,languages,en,2\r\n"
                      "2024-05-01,missed-bin,preferences,contrast=high,1\r\n"
                      "2024-05-01,missed-bin,satisfaction,1,0\r\n"
                      "2024-05-01,missed-bin,satisfaction,2,0\r\n"
                      "2024-05-01,missed-bin,satisfaction,3,0\r\n"
                      "2024-05-01,missed-bin,satisfaction,4,1\r\n"
                      "2024-05-01,missed-bin,satisfaction,5,1\r\n"
                      "2024-05-01,missed-bin,median_seconds_by_step,bins,16\r\n"
                      "2024-05-01,missed-bin,median_seconds_by_step,date,31\r\n"
                      "2024-05-02,missed-bin,started,,1\r\n"
                      "2024-05-02,missed-bin,completed,,0\r\n"
                      "2024-05-02,missed-bin,abandoned,,1\r\n"
                      "2024-05-02,missed-bin,completion_rate,,0.000\r\n"
                      "2024-05-02,missed-bin,median_seconds,,\r\n"
                      "2024-05-02,missed-bin,assisted_share,,0.000\r\n"
                      "2024-05-02,missed-bin,abandoned_by_reason,timeout,0\r\n"
                      "2024-05-02,missed-bin,abandoned_by_reason,cancel,1\r\n"
                      "2024-05-02,missed-bin,abandoned_by_step,-,1\r\n"
                      "2024-05-02,missed-bin,languages,en,1\r\n" SAT0("2024-05-02",
                                                                      "missed-bin");

static const char scripted_json_day2[] =
    "{\"licence\":\"Open Government Licence v3.0\",\"licence_url\":"
    "\"https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/\","
    "\"from\":\"2024-05-02\",\"to\":\"2024-05-02\",\"threshold\":1,\"figures\":[\n"
    "{\"date\":\"2024-05-02\",\"journey\":\"missed-bin\",\"started\":1,\"completed\":0,"
    "\"abandoned\":1,\"completion_rate\":0.000,\"median_seconds\":null,"
    "\"assisted_share\":0.000,\"abandoned_by_reason\":{\"timeout\":0,\"cancel\":1},"
    "\"abandoned_by_step\":{\"-\":1},\"stop_pages\":{},\"shown_by_step\":{},"
    "\"errors_by_field\":{},\"errors_by_rule\":{},\"languages\":{\"en\":1},"
    "\"languages_chosen\":{},\"preferences\":{},"
    "\"satisfaction\":{\"1\":0,\"2\":0,\"3\":0,\"4\":0,\"5\":0},"
    "\"median_seconds_by_step\":{}}\n]}\n";

static void scripted_figures(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 64);
	script(ev);
	struct events_rollup_stats st;
	/* Rolled up on 3 May: both days, every event, nothing purged. */
	rollup_ok(ev, at(20240503, 12), 0, &st);
	assert_int_equal(st.days, 2);
	assert_int_equal(st.events, 27);
	assert_int_equal(st.purged, 0);
	char *csv = export_text(s, 20240401, 20240531, 1, EVENTS_CSV);
	assert_string_equal(csv, scripted_csv);
	free(csv);
	char *json = export_text(s, 20240502, 20240502, 1, EVENTS_JSON);
	assert_string_equal(json, scripted_json_day2);
	free(json);
	/* The JSON of both days has the same figures as the CSV: a kiosk-wide
	 * record, then each journey. */
	json = export_text(s, 20240501, 20240502, 1, EVENTS_JSON);
	assert_non_null(strstr(json, "\n{\"date\":\"2024-05-01\",\"journey\":\"*\","
	                             "\"languages_chosen\":{\"cy\":1},"
	                             "\"preferences\":{\"text_size=200\":1}},\n"));
	assert_non_null(strstr(json,
	                       "\"journey\":\"missed-bin\",\"started\":3,\"completed\":2,"
	                       "\"abandoned\":1,\"completion_rate\":0.667,"
	                       "\"median_seconds\":163,\"assisted_share\":0.333,"));
	assert_non_null(
	    strstr(json, "\"median_seconds_by_step\":{\"bins\":16,\"date\":31}"));
	free(json);
	/* A range with nothing in it. */
	csv = export_text(s, 20230101, 20230131, 0, EVENTS_CSV);
	assert_string_equal(csv, "date,journey,measure,category,value\r\n");
	free(csv);
	json = export_text(s, 20230101, 20230131, 0, EVENTS_JSON);
	assert_non_null(strstr(json, "\"threshold\":5,\"figures\":[]}\n"));
	free(json);
	events_destroy(ev);
	store_close(s);
}

/* Rolled up twice, nothing is counted twice; today waits; a late event for
 * a day already rolled up is added to it, and the day's medians are taken
 * again over all its events. */
static void rollup_is_incremental(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 64);
	script(ev);
	struct events_rollup_stats st;
	/* On 2 May: only 1 May is a whole past day. */
	rollup_ok(ev, at(20240502, 9), 0, &st);
	assert_int_equal(st.days, 1);
	assert_int_equal(st.events, 25);
	rollup_ok(ev, at(20240502, 18), 0, &st);
	assert_int_equal(st.days, 0);
	assert_int_equal(st.events, 0);
	char *csv = export_text(s, 20240501, 20240502, 1, EVENTS_CSV);
	assert_null(strstr(csv, "2024-05-02"));
	free(csv);
	rollup_ok(ev, at(20240503, 9), 0, &st);
	assert_int_equal(st.days, 1);
	assert_int_equal(st.events, 2);
	rollup_ok(ev, at(20240504, 9), 0, &st);
	assert_int_equal(st.days, 0);
	csv = export_text(s, 20240401, 20240531, 1, EVENTS_CSV);
	assert_string_equal(csv, scripted_csv);
	free(csv);
	/* Late for 1 May: a third completion (500 s), its start, and a
	 * step time. */
	rec(ev, (struct event){.kind = EVENTS_STARTED,
	                       .journey = "missed-bin",
	                       .language = "en",
	                       .day = 20240501});
	rec(ev, (struct event){.kind = EVENTS_COMPLETED,
	                       .journey = "missed-bin",
	                       .duration_ms = 500000,
	                       .day = 20240501});
	rec(ev, (struct event){.kind = EVENTS_STEP_TIME,
	                       .journey = "missed-bin",
	                       .step = "bins",
	                       .duration_ms = 3000,
	                       .day = 20240501});
	rollup_ok(ev, at(20240504, 10), 0, &st);
	assert_int_equal(st.days, 1);
	assert_int_equal(st.events, 3);
	csv = export_text(s, 20240501, 20240501, 1, EVENTS_CSV);
	assert_non_null(strstr(csv, "2024-05-01,missed-bin,started,,4\r\n"));
	assert_non_null(strstr(csv, "2024-05-01,missed-bin,completed,,3\r\n"));
	assert_non_null(strstr(csv, "2024-05-01,missed-bin,completion_rate,,0.750\r\n"));
	assert_non_null(strstr(csv, "2024-05-01,missed-bin,median_seconds,,200\r\n"));
	assert_non_null(
	    strstr(csv, "2024-05-01,missed-bin,median_seconds_by_step,bins,12\r\n"));
	assert_non_null(strstr(csv, "2024-05-01,missed-bin,languages,en,3\r\n"));
	free(csv);
	assert_int_equal(
	    peek_int(path, "SELECT sum(n) FROM event_counts WHERE figure = 'started'"),
	    6);
	events_destroy(ev);
	store_close(s);
}

/* Raw events go RETENTION days after their day, once counted; the figures
 * stay. */
static void retention(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 64);
	script(ev);
	struct events_rollup_stats st;
	/* 31 May is 30 days after 1 May: kept with the default. */
	rollup_ok(ev, at(20240531, 12), 0, &st);
	assert_int_equal(st.purged, 0);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM events"), 27);
	rollup_ok(ev, at(20240601, 12), 0, &st);
	assert_int_equal(st.days, 0);
	assert_int_equal(st.purged, 25);
	assert_int_equal(
	    peek_int(path, "SELECT count(*) FROM events WHERE day = 20240501"), 0);
	assert_int_equal(
	    peek_int(path, "SELECT count(*) FROM events WHERE day = 20240502"), 2);
	/* A shorter retention takes 2 May too. */
	rollup_ok(ev, at(20240601, 12), 7, &st);
	assert_int_equal(st.purged, 2);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM events"), 0);
	char *csv = export_text(s, 20240401, 20240531, 1, EVENTS_CSV);
	assert_string_equal(csv, scripted_csv);
	free(csv);
	/* Events of today and of days not rolled up are never purged, however
	 * old: a day is rolled up before it is purged. */
	rec(ev, (struct event){.kind = EVENTS_STARTED,
	                       .journey = "j",
	                       .language = "en",
	                       .day = 20240601});
	rollup_ok(ev, at(20240601, 13), 1, &st);
	assert_int_equal(st.purged, 0);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM events"), 1);
	/* A late event for a purged day: counted, its medians left as they
	 * were. */
	rec(ev, (struct event){.kind = EVENTS_COMPLETED,
	                       .journey = "missed-bin",
	                       .duration_ms = 900000,
	                       .day = 20240501});
	rollup_ok(ev, at(20240601, 14), 0, &st);
	assert_int_equal(st.days, 1);
	csv = export_text(s, 20240501, 20240501, 1, EVENTS_CSV);
	assert_non_null(strstr(csv, "2024-05-01,missed-bin,completed,,3\r\n"));
	assert_non_null(strstr(csv, "2024-05-01,missed-bin,median_seconds,,163\r\n"));
	free(csv);
	events_destroy(ev);
	store_close(s);
}

/* N events of KIND for JOURNEY on DAY, built by the caller's X. */
static void rec_n(struct events *ev, int n, struct event x)
{
	for (int i = 0; i < n; i++)
		rec(ev, x);
}

static void suppression(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 256);
	const int d = 20240601;
	/* j: 7 started (2 assisted; 6 in English, 1 in Polish), 5 completed,
	 * 2 timed out on step a; 6 required and 1 pattern error on a. */
	rec_n(ev, 4,
	      (struct event){
	          .kind = EVENTS_STARTED, .journey = "j", .language = "en", .day = d});
	rec_n(ev, 2,
	      (struct event){.kind = EVENTS_STARTED,
	                     .journey = "j",
	                     .language = "en",
	                     .assisted = true,
	                     .day = d});
	rec_n(ev, 1,
	      (struct event){
	          .kind = EVENTS_STARTED, .journey = "j", .language = "pl", .day = d});
	for (int i = 1; i <= 5; i++)
		rec(ev, (struct event){.kind = EVENTS_COMPLETED,
		                       .journey = "j",
		                       .duration_ms = i * 100000L,
		                       .day = d});
	rec_n(ev, 2,
	      (struct event){.kind = EVENTS_ABANDONED,
	                     .journey = "j",
	                     .step = "a",
	                     .end = EVENTS_END_TIMEOUT,
	                     .day = d});
	rec_n(ev, 6,
	      (struct event){.kind = EVENTS_VALIDATION_ERROR,
	                     .journey = "j",
	                     .step = "a",
	                     .rule = "required",
	                     .day = d});
	rec_n(ev, 1,
	      (struct event){.kind = EVENTS_VALIDATION_ERROR,
	                     .journey = "j",
	                     .step = "a",
	                     .rule = "pattern",
	                     .day = d});
	/* Step b's errors are another group: 7 and 9 stay. */
	rec_n(ev, 7,
	      (struct event){.kind = EVENTS_VALIDATION_ERROR,
	                     .journey = "j",
	                     .step = "b",
	                     .rule = "required",
	                     .day = d});
	rec_n(ev, 9,
	      (struct event){.kind = EVENTS_VALIDATION_ERROR,
	                     .journey = "j",
	                     .step = "b",
	                     .rule = "pattern",
	                     .day = d});
	rec_n(ev, 5,
	      (struct event){.kind = EVENTS_SATISFACTION,
	                     .journey = "j",
	                     .satisfaction = 5,
	                     .day = d});
	rec_n(ev, 3,
	      (struct event){.kind = EVENTS_STEP_TIME,
	                     .journey = "j",
	                     .step = "a",
	                     .duration_ms = 10000,
	                     .day = d});
	rec_n(ev, 5,
	      (struct event){.kind = EVENTS_STEP_TIME,
	                     .journey = "j",
	                     .step = "b",
	                     .duration_ms = 20000,
	                     .day = d});
	/* Three steps shown: 9, 2 and 6 times; the 2 takes the 6 with it, not
	 * the 9. Two of a preference shown, three of another: both hidden. */
	rec_n(ev, 9,
	      (struct event){
	          .kind = EVENTS_STEP_SHOWN, .journey = "j", .step = "a", .day = d});
	rec_n(ev, 2,
	      (struct event){
	          .kind = EVENTS_STEP_SHOWN, .journey = "j", .step = "b", .day = d});
	rec_n(ev, 6,
	      (struct event){
	          .kind = EVENTS_STEP_SHOWN, .journey = "j", .step = "c", .day = d});
	rec_n(ev, 2,
	      (struct event){.kind = EVENTS_PREFERENCE,
	                     .journey = "j",
	                     .pref = "speech",
	                     .value = "on",
	                     .day = d});
	rec_n(ev, 3,
	      (struct event){.kind = EVENTS_PREFERENCE,
	                     .journey = "j",
	                     .pref = "contrast",
	                     .value = "high",
	                     .day = d});
	/* k: 10 started, 8 of them assisted: the 2 self-service would show in
	 * the share. 4 started on l: everything about it is hidden. */
	rec_n(ev, 8,
	      (struct event){.kind = EVENTS_STARTED,
	                     .journey = "k",
	                     .language = "en",
	                     .assisted = true,
	                     .day = d});
	rec_n(ev, 2,
	      (struct event){
	          .kind = EVENTS_STARTED, .journey = "k", .language = "en", .day = d});
	rec_n(ev, 10,
	      (struct event){.kind = EVENTS_COMPLETED,
	                     .journey = "k",
	                     .duration_ms = 60000,
	                     .day = d});
	rec_n(ev, 4,
	      (struct event){
	          .kind = EVENTS_STARTED, .journey = "l", .language = "en", .day = d});
	rec_n(ev, 4,
	      (struct event){.kind = EVENTS_COMPLETED,
	                     .journey = "l",
	                     .duration_ms = 60000,
	                     .day = d});
	rollup_ok(ev, at(20240602, 1), 0, NULL);
	char *csv = export_text(s, d, d, 0, EVENTS_CSV);
	static const char want[] =
	    "date,journey,measure,category,value\r\n"
	    "2024-06-01,j,started,,7\r\n"
	    "2024-06-01,j,completed,,5\r\n"
	    "2024-06-01,j,abandoned,,\r\n"
	    "2024-06-01,j,completion_rate,,0.714\r\n"
	    "2024-06-01,j,median_seconds,,300\r\n"
	    "2024-06-01,j,assisted_share,,\r\n"
	    "2024-06-01,j,abandoned_by_reason,timeout,\r\n"
	    "2024-06-01,j,abandoned_by_reason,cancel,0\r\n"
	    "2024-06-01,j,abandoned_by_step,a,\r\n"
	    "2024-06-01,j,shown_by_step,a,9\r\n"
	    "2024-06-01,j,shown_by_step,b,\r\n"
	    "2024-06-01,j,shown_by_step,c,\r\n"
	    "2024-06-01,j,errors_by_field,a,7\r\n"
	    "2024-06-01,j,errors_by_field,b,16\r\n"
	    "2024-06-01,j,errors_by_rule,a:pattern,\r\n"
	    "2024-06-01,j,errors_by_rule,a:required,\r\n"
	    "2024-06-01,j,errors_by_rule,b:pattern,9\r\n"
	    "2024-06-01,j,errors_by_rule,b:required,7\r\n"
	    "2024-06-01,j,languages,en,\r\n"
	    "2024-06-01,j,languages,pl,\r\n"
	    "2024-06-01,j,preferences,contrast=high,\r\n"
	    "2024-06-01,j,preferences,speech=on,\r\n"
	    "2024-06-01,j,satisfaction,1,0\r\n"
	    "2024-06-01,j,satisfaction,2,0\r\n"
	    "2024-06-01,j,satisfaction,3,0\r\n"
	    "2024-06-01,j,satisfaction,4,0\r\n"
	    "2024-06-01,j,satisfaction,5,5\r\n"
	    "2024-06-01,j,median_seconds_by_step,a,\r\n"
	    "2024-06-01,j,median_seconds_by_step,b,20\r\n"
	    "2024-06-01,k,started,,10\r\n"
	    "2024-06-01,k,completed,,10\r\n"
	    "2024-06-01,k,abandoned,,0\r\n"
	    "2024-06-01,k,completion_rate,,1.000\r\n"
	    "2024-06-01,k,median_seconds,,60\r\n"
	    "2024-06-01,k,assisted_share,,\r\n"
	    "2024-06-01,k,abandoned_by_reason,timeout,0\r\n"
	    "2024-06-01,k,abandoned_by_reason,cancel,0\r\n"
	    "2024-06-01,k,languages,en,10\r\n" SAT0(
	        "2024-06-01", "k") "2024-06-01,l,started,,\r\n"
	                           "2024-06-01,l,completed,,\r\n"
	                           "2024-06-01,l,abandoned,,0\r\n"
	                           "2024-06-01,l,completion_rate,,\r\n"
	                           "2024-06-01,l,median_seconds,,\r\n"
	                           "2024-06-01,l,assisted_share,,\r\n"
	                           "2024-06-01,l,abandoned_by_reason,timeout,0\r\n"
	                           "2024-06-01,l,abandoned_by_reason,cancel,0\r\n"
	                           "2024-06-01,l,languages,en,\r\n" SAT0("2024-06-01",
	                                                                 "l");
	assert_string_equal(csv, want);
	free(csv);
	/* In JSON, hidden is null. */
	char *json = export_text(s, d, d, 5, EVENTS_JSON);
	assert_non_null(strstr(json,
	                       "\"journey\":\"l\",\"started\":null,\"completed\":null,"
	                       "\"abandoned\":0,\"completion_rate\":null,"
	                       "\"median_seconds\":null,\"assisted_share\":null,"));
	assert_non_null(strstr(json, "\"errors_by_rule\":{\"a:pattern\":null,"
	                             "\"a:required\":null,\"b:pattern\":9,"
	                             "\"b:required\":7}"));
	free(json);
	/* A threshold of 1 hides nothing; a higher one hides more. */
	csv = export_text(s, d, d, 1, EVENTS_CSV);
	assert_non_null(strstr(csv, "2024-06-01,l,started,,4\r\n"));
	assert_non_null(strstr(csv, "2024-06-01,j,assisted_share,,0.286\r\n"));
	assert_null(strstr(csv, ",\r\n"));
	free(csv);
	csv = export_text(s, d, d, 11, EVENTS_CSV);
	assert_non_null(strstr(csv, "2024-06-01,k,started,,\r\n"));
	assert_non_null(strstr(csv, "2024-06-01,k,completion_rate,,\r\n"));
	free(csv);
	events_destroy(ev);
	store_close(s);
}

static void export_errors(void **state)
{
	(void)state;
	struct store *s = open_db(in_dir("hatch.db"));
	struct events *ev = make_events(s, 64);
	script(ev);
	rollup_ok(ev, at(20240503, 12), 0, NULL);
	struct hatch_error e = {""};
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(events_export(s, 20240230, 20240301, 0, EVENTS_CSV, f, &e),
	                 HATCH_ERR_INPUT);
	assert_int_equal(events_export(s, 20240502, 20240501, 0, EVENTS_CSV, f, &e),
	                 HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "after"));
	assert_int_equal(
	    events_export(s, 20240501, 20240501, 0, (enum events_format)7, f, &e),
	    HATCH_ERR_INPUT);
	fclose(f);
	/* A full disk. */
	f = fopen("/dev/full", "w");
	if (f) {
		assert_int_equal(
		    events_export(s, 20240501, 20240502, 1, EVENTS_JSON, f, &e),
		    HATCH_ERR_IO);
		assert_non_null(strstr(e.msg, strerror(ENOSPC)));
		fclose(f);
	}
	/* A database whose figures cannot be read. */
	peek_exec(in_dir("hatch.db"), "ALTER TABLE event_counts RENAME TO away");
	f = fopen("/dev/null", "w");
	assert_int_equal(events_export(s, 20240501, 20240502, 1, EVENTS_CSV, f, &e),
	                 HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, in_dir("hatch.db")));
	fclose(f);
	events_destroy(ev);
	store_close(s);
}

/* ---- the outbox ---- */

static void outbox(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 64);
	script(ev);
	rollup_ok(ev, at(20240503, 12), 0, NULL);
	struct hatch_error e = {""};
	assert_int_equal(
	    events_outbox_add(s, 20240502, "Stats Hook", 1, at(20240503, 12), &e),
	    HATCH_ERR_INPUT);
	assert_int_equal(events_outbox_add(s, 20240502, "", 1, at(20240503, 12), &e),
	                 HATCH_ERR_INPUT);
	assert_int_equal(
	    events_outbox_add(s, 20240502, "stats-hook", 1, at(20240503, 12), &e),
	    HATCH_OK);
	struct store_outbox_row *rows;
	size_t n;
	assert_int_equal(store_outbox_list(s, &rows, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].journey_id, EVENTS_OUTBOX_JOURNEY);
	assert_string_equal(rows[0].destination, "stats-hook");
	assert_string_equal(rows[0].state, "queued");
	assert_int_equal(strlen(rows[0].reference), 15);
	assert_int_equal(strncmp(rows[0].reference, "S20240502-", 10), 0);
	mem_free(rows);
	/* Delivered as any record is: the payload is the day's JSON. */
	struct store_due d;
	bool found;
	assert_int_equal(store_claim_due(s, at(20240503, 12), &d, &found, &e), HATCH_OK);
	assert_true(found);
	assert_false(d.sealed);
	char head[160];
	snprintf(head, sizeof head,
	         "{\"kind\":\"hatch-stats\",\"uuid\":\"%s\",\"reference\":\"%s\",",
	         d.uuid, d.reference);
	assert_int_equal(strncmp((const char *)d.payload, head, strlen(head)), 0);
	assert_string_equal((const char *)d.payload + strlen(head),
	                    scripted_json_day2 + 1);
	store_due_cleanup(&d);
	/* Catching up sends 1 May only (2 May was sent; 3 May is today). */
	rec(ev, (struct event){.kind = EVENTS_STARTED,
	                       .journey = "j",
	                       .language = "en",
	                       .day = 20240503});
	assert_int_equal(
	    events_outbox_catch_up(s, "stats-hook", 1, at(20240503, 13), &n, &e),
	    HATCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(
	    events_outbox_catch_up(s, "stats-hook", 1, at(20240503, 14), &n, &e),
	    HATCH_OK);
	assert_int_equal(n, 0);
	/* Another destination gets both. */
	assert_int_equal(events_outbox_catch_up(s, "other", 1, at(20240503, 14), &n, &e),
	                 HATCH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(
	    events_outbox_catch_up(s, "bad name", 1, at(20240503, 14), &n, &e),
	    HATCH_ERR_INPUT);
	/* Sent again on purpose: a second record, its own reference. */
	assert_int_equal(
	    events_outbox_add(s, 20240502, "stats-hook", 1, at(20240504, 1), &e),
	    HATCH_OK);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM outbox WHERE journey_id ="
	                                " 'hatch-stats'"),
	                 5);
	assert_int_equal(peek_int(path, "SELECT count(DISTINCT reference) FROM outbox"),
	                 5);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM event_sent"), 5);
	events_destroy(ev);
	store_close(s);
}

/* ---- the canary ---- */

/* Whether any of the N markers is in the file at PATH (a missing file
 * holds none). */
static bool file_has(const char *path, const char *const *markers, size_t n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t cap = 1 << 16, len = 0;
	char *data = malloc(cap);
	assert_non_null(data);
	size_t r;
	while ((r = fread(data + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			cap *= 2;
			data = realloc(data, cap);
			assert_non_null(data);
		}
	}
	fclose(f);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		size_t ml = strlen(markers[i]);
		for (size_t at_ = 0; !found && at_ + ml <= len; at_++)
			found = !memcmp(data + at_, markers[i], ml);
	}
	free(data);
	return found;
}

/* Marker strings in answers, passed in every field of every kind as a
 * careless caller might: each is refused (or, in a field the kind does not
 * read, left out), and none is ever found in the database, its log, an
 * export, an outbox record or an error message. */
static void canary(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 1024);
	char m[4][64];
	unsigned char r[6];
	FILE *u = fopen("/dev/urandom", "rb");
	assert_non_null(u);
	assert_int_equal(fread(r, 1, sizeof r, u), sizeof r);
	fclose(u);
	snprintf(m[0], sizeof m[0], "CanaryName%02x%02x%02x", r[0], r[1], r[2]);
	snprintf(m[1], sizeof m[1], "1 canary street %02x%02x", r[3], r[4]);
	snprintf(m[2], sizeof m[2], "canary%02x@example.org", r[5]);
	snprintf(m[3], sizeof m[3], "CANARY-%02x%02x-Value", r[0], r[5]);
	const char *markers[4] = {m[0], m[1], m[2], m[3]};
	char lower[4][64];
	for (int i = 0; i < 4; i++)
		for (size_t j = 0; j <= strlen(m[i]); j++)
			lower[i][j] =
			    (char)(m[i][j] >= 'A' && m[i][j] <= 'Z' ? m[i][j] + 32
			                                            : m[i][j]);
	const char *all[8] = {m[0],     m[1],     m[2],     m[3],
	                      lower[0], lower[1], lower[2], lower[3]};
	FILE *log = fopen(in_dir("messages"), "w");
	assert_non_null(log);
	size_t taken = 0;
	for (int k = EVENTS_STARTED; k <= EVENTS_SATISFACTION; k++) {
		for (int f = 0; f < 7; f++) {
			for (int i = 0; i < 4; i++) {
				struct event x = {.kind = (enum events_kind)k,
				                  .journey = "missed-bin",
				                  .step = "bins",
				                  .field = "day",
				                  .rule = "required",
				                  .language = "en",
				                  .pref = "speech",
				                  .value = "on",
				                  .end = EVENTS_END_CANCEL,
				                  .duration_ms = 1000,
				                  .satisfaction = 3,
				                  .day = 20240501};
				const char **slot[] = {&x.journey, &x.step,     &x.field,
				                       &x.rule,    &x.language, &x.pref,
				                       &x.value};
				*slot[f] = markers[i];
				struct hatch_error e = {""};
				enum hatch_err rc = events_record(ev, &x, &e);
				fprintf(log, "%d %s\n", rc, e.msg);
				taken += rc == HATCH_OK;
			}
		}
	}
	fclose(log);
	/* Taken only where the kind does not read the field. */
	assert_true(taken > 0);
	struct events_counters c;
	events_counters_get(ev, &c);
	assert_int_equal(c.recorded, taken);
	assert_int_equal(c.refused, 10 * 7 * 4 - taken);
	rollup_ok(ev, at(20240502, 12), 0, NULL);
	struct hatch_error e;
	assert_int_equal(
	    events_outbox_add(s, 20240501, "stats-hook", 1, at(20240502, 12), &e),
	    HATCH_OK);
	FILE *out = fopen(in_dir("export.csv"), "w");
	assert_int_equal(events_export(s, 20240501, 20240501, 1, EVENTS_CSV, out, &e),
	                 HATCH_OK);
	fclose(out);
	out = fopen(in_dir("export.json"), "w");
	assert_int_equal(events_export(s, 20240501, 20240501, 1, EVENTS_JSON, out, &e),
	                 HATCH_OK);
	fclose(out);
	assert_true(peek_int(path, "SELECT count(*) FROM events") == (long long)taken);
	char wal[600], shm[600];
	snprintf(wal, sizeof wal, "%s-wal", path);
	snprintf(shm, sizeof shm, "%s-shm", path);
	const char *files[] = {path,
	                       wal,
	                       shm,
	                       in_dir("export.csv"),
	                       in_dir("export.json"),
	                       in_dir("messages")};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (file_has(files[i], all, 8))
			fail_msg("a marker is in %s", files[i]);
	/* The outbox record's payload, decrypted. */
	struct store_due d;
	bool found;
	assert_int_equal(store_claim_due(s, at(20240502, 12), &d, &found, &e), HATCH_OK);
	assert_true(found);
	for (int i = 0; i < 8; i++)
		assert_null(strstr((const char *)d.payload, all[i]));
	store_due_cleanup(&d);
	/* Even written straight into the table, free text is refused. */
	sqlite3 *db = peek_open(path);
	char sql[256];
	snprintf(
	    sql, sizeof sql,
	    "INSERT INTO events (day, time, kind, journey) VALUES (20240501, 0, 2, '%s')",
	    m[1]);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
	snprintf(sql, sizeof sql,
	         "INSERT INTO event_counts (day, journey, figure, key, n)"
	         " VALUES (20240501, 'j', 'shown', '%s', 1)",
	         m[2]);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
	sqlite3_close(db);
	events_destroy(ev);
	store_close(s);
}

/* ---- migrations ---- */

static const char drop_events[] =
    "DROP TABLE events; DROP TABLE event_days; DROP TABLE event_counts;"
    " DROP TABLE event_sent;";

/* After a migration: schema 5, the event tables empty and working. */
static void works_after_migration(const char *path, struct store *s)
{
	assert_int_equal(peek_int(path, "PRAGMA user_version"), 5);
	assert_int_equal(
	    peek_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
	                   " ('events', 'event_days', 'event_counts', 'event_sent',"
	                   " 'events_day', 'event_counts_key', 'event_sent_day')"),
	    7);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM events"), 0);
	struct events *ev = make_events(s, 64);
	script(ev);
	rollup_ok(ev, at(20240503, 12), 0, NULL);
	char *csv = export_text(s, 20240401, 20240531, 1, EVENTS_CSV);
	assert_string_equal(csv, scripted_csv);
	free(csv);
	events_destroy(ev);
}

static void add_record(struct store *s, int i)
{
	char uuid[37], ref[16];
	snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", i);
	snprintf(ref, sizeof ref, "TEST-%04d-X", i);
	struct store_submission sub = {.uuid = uuid,
	                               .reference = ref,
	                               .journey_id = "missed-bin",
	                               .journey_version = 1,
	                               .destination = "waste",
	                               .language = "en",
	                               .channel = "self-service",
	                               .payload = "{\"answers\":{}}",
	                               .created = 1700000000};
	struct hatch_error e;
	assert_int_equal(store_outbox_add(s, &sub, &e), HATCH_OK);
}

static void migrates_version_4(void **state)
{
	(void)state;
	const char *path = in_dir("v4.db");
	struct store *s = open_db(path);
	add_record(s, 1);
	struct staff_limits cheap = {1, 8192};
	struct hatch_error e;
	assert_int_equal(staff_set_limits(s, &cheap, &e), HATCH_OK);
	assert_int_equal(staff_add(s, "ana", "Ana", "2580", 1700000000, &e), HATCH_OK);
	store_close(s);
	peek_exec(path, drop_events);
	peek_exec(path, "PRAGMA user_version = 4");
	s = open_db(path);
	works_after_migration(path, s);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM staff WHERE id = 'ana'"),
	                 1);
	store_close(s);
}

static void migrates_version_3(void **state)
{
	(void)state;
	const char *path = in_dir("v3.db");
	struct store *s = open_db(path);
	add_record(s, 1);
	add_record(s, 2);
	store_close(s);
	peek_exec(path, drop_events);
	peek_exec(path,
	          "DROP TABLE staff; DROP TABLE staff_unknown; PRAGMA user_version = 3");
	s = open_db(path);
	works_after_migration(path, s);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM staff"), 0);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM outbox"), 2);
	store_close(s);
}

static void migrates_version_2(void **state)
{
	(void)state;
	const char *path = in_dir("v2.db");
	struct store *s = open_db(path);
	add_record(s, 1);
	store_close(s);
	peek_exec(path, drop_events);
	peek_exec(path,
	          "DROP INDEX outbox_claim;"
	          "CREATE INDEX outbox_due ON outbox (state, destination, next_attempt);"
	          "DROP TABLE staff; DROP TABLE staff_unknown; PRAGMA user_version = 2");
	s = open_db(path);
	works_after_migration(path, s);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM outbox"), 1);
	store_close(s);
}

/* Version 1 as it shipped: payloads in clear, no key file yet. */
static void migrates_version_1(void **state)
{
	(void)state;
	const char *path = in_dir("v1.db");
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(
	    db,
	    "PRAGMA journal_mode = WAL; PRAGMA application_id = 1213481800;"
	    "CREATE TABLE device (id INTEGER PRIMARY KEY CHECK (id = 1),"
	    " reference_key INTEGER NOT NULL,"
	    " next_sequence INTEGER NOT NULL CHECK (next_sequence >= 1),"
	    " created INTEGER NOT NULL);"
	    "CREATE TABLE outbox (id INTEGER PRIMARY KEY, uuid TEXT UNIQUE NOT NULL,"
	    " reference TEXT UNIQUE NOT NULL, journey_id TEXT NOT NULL,"
	    " journey_version INTEGER NOT NULL, destination TEXT NOT NULL,"
	    " language TEXT NOT NULL, channel TEXT NOT NULL, payload TEXT NOT NULL,"
	    " state TEXT NOT NULL DEFAULT 'queued'"
	    "  CHECK (state IN ('queued','sending','delivered','dead')),"
	    " attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER, last_error TEXT,"
	    " remote_id TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	    "CREATE INDEX outbox_due ON outbox (state, destination, next_attempt);"
	    "INSERT INTO device VALUES (1, 12345, 3, 1700000000);"
	    "INSERT INTO outbox (uuid, reference, journey_id, journey_version, "
	    "destination,"
	    " language, channel, payload, created, updated) VALUES"
	    " ('00000000-0000-4000-8000-000000000001', 'TEST-0001-X', 'missed-bin', 1,"
	    " 'waste', 'en', 'self-service', '{}', 1700000000, 1700000000);"
	    "PRAGMA user_version = 1;",
	    NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s", msg);
	sqlite3_close(db);
	struct store *s = open_db(path);
	works_after_migration(path, s);
	assert_int_equal(
	    peek_int(path, "SELECT count(*) FROM outbox WHERE payload_box IS NOT NULL"),
	    1);
	store_close(s);
}

static void migrates_version_0(void **state)
{
	(void)state;
	const char *path = in_dir("v0.db");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	struct store *s = open_db(path);
	works_after_migration(path, s);
	store_close(s);
}

/* A damaged database's events and figures are carried into the fresh one
 * like its outbox. */
static void salvage_keeps_figures(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 64);
	script(ev);
	rollup_ok(ev, at(20240502, 12), 0, NULL);
	events_destroy(ev);
	store_close(s);
	/* The events index's page overwritten: quick_check fails, the tables
	 * still read whole. */
	long long page = peek_int(path, "SELECT rootpage FROM sqlite_master"
	                                " WHERE name = 'events_day'");
	long long size = peek_int(path, "PRAGMA page_size");
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)((page - 1) * size), SEEK_SET), 0);
	for (long long i = 0; i < size; i++)
		assert_int_not_equal(fputc(0xa5, f), EOF);
	assert_int_equal(fclose(f), 0);
	s = open_db(path);
	char moved[512];
	assert_true(store_was_salvaged(s, moved, sizeof moved));
	assert_int_equal(peek_int(path, "SELECT count(*) FROM events"), 27);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM event_days"), 2);
	assert_int_equal(
	    peek_int(path, "SELECT count(*) FROM event_counts WHERE day = 20240501"),
	    peek_int(moved, "SELECT count(*) FROM event_counts WHERE day = 20240501"));
	/* Ids go on from the last counted even when every raw event was
	 * purged before the damage. */
	assert_true(
	    peek_int(path, "SELECT seq FROM sqlite_sequence WHERE name = 'events'") >=
	    27);
	ev = make_events(s, 64);
	rollup_ok(ev, at(20240503, 12), 0, NULL);
	char *csv = export_text(s, 20240401, 20240531, 1, EVENTS_CSV);
	assert_string_equal(csv, scripted_csv);
	free(csv);
	events_destroy(ev);
	store_close(s);
}

/* ---- allocation failures ---- */

static void out_of_memory(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_db(path);
	struct events *ev = make_events(s, 64);
	script(ev);
	struct hatch_error e;
	/* Each allocation of a roll-up fails in turn until one succeeds: a
	 * failed one leaves its day as it was, so the figures come out the
	 * same in the end. */
	enum hatch_err rc = HATCH_ERR_NOMEM;
	for (long n = 1; rc != HATCH_OK && n < 200; n++) {
		mem_fail_after(n, 1);
		rc = events_rollup(ev, at(20240503, 12), 0, NULL, &e);
		mem_fail_after(0, 0);
		if (rc != HATCH_OK)
			assert_int_equal(rc, HATCH_ERR_NOMEM);
	}
	assert_int_equal(rc, HATCH_OK);
	char *csv = export_text(s, 20240401, 20240531, 1, EVENTS_CSV);
	assert_string_equal(csv, scripted_csv);
	free(csv);
	FILE *f = fopen("/dev/null", "w");
	rc = HATCH_ERR_NOMEM;
	for (long n = 1; rc != HATCH_OK && n < 200; n++) {
		mem_fail_after(n, 1);
		rc = events_export(s, 20240401, 20240531, 1, EVENTS_JSON, f, &e);
		mem_fail_after(0, 0);
		if (rc != HATCH_OK)
			assert_int_equal(rc, HATCH_ERR_NOMEM);
	}
	assert_int_equal(rc, HATCH_OK);
	fclose(f);
	for (long n = 1; n <= 3; n++) {
		struct events *x = (struct events *)&e;
		mem_fail_after(n, 1);
		rc = events_create(s, 8, NULL, NULL, &x, &e);
		mem_fail_after(0, 0);
		assert_int_equal(rc, HATCH_ERR_NOMEM);
		assert_null(x);
	}
	events_destroy(ev);
	store_close(s);
}

#define TEST(f)                                                                          \
	cmocka_unit_test_setup_teardown(f, support_dir_setup, support_dir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(dates),
	    TEST(refuses_what_is_not_a_name),
	    TEST(refuses_what_is_out_of_range),
	    TEST(full_buffer_drops),
	    TEST(failed_flush_keeps_batch),
	    TEST(threads_record_and_flush),
	    TEST(scripted_figures),
	    TEST(rollup_is_incremental),
	    TEST(retention),
	    TEST(suppression),
	    TEST(export_errors),
	    TEST(outbox),
	    TEST(canary),
	    TEST(migrates_version_4),
	    TEST(migrates_version_3),
	    TEST(migrates_version_2),
	    TEST(migrates_version_1),
	    TEST(migrates_version_0),
	    TEST(salvage_keeps_figures),
	    TEST(out_of_memory),
	};
	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
