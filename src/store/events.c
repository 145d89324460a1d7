/* Anonymous usage events (events.h): the checks that keep free text out,
 * the recorder's two buffers, the batch written in one transaction, the
 * daily roll-up into figures with the retention of raw events, the open
 * data export with its suppression of small counts, and a day's figures
 * put into the outbox. The tables are made by store.c's migration to
 * schema version 5; this file uses the store's one connection, its lock
 * and its error wording through store_int.h. Depends on base/, store/,
 * SQLite, libsodium (random UUIDs) and pthreads; never on core/, ui/,
 * sdl/ or app/. Never prints: the export writes to the caller's FILE. */
#include "store/events.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "store/store_int.h"

/* ---- dates ---- */

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(long y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : len[m - 1];
}

bool events_day_valid(int day)
{
	int y = day / 10000, m = day / 100 % 100, d = day % 100;
	return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= days_in_month(y, m);
}

int events_day_add(int day, int delta)
{
	long y;
	int m, d;
	civil_from_days(days_from_civil(day / 10000, day / 100 % 100, day % 100) + delta,
	                &y, &m, &d);
	return (int)(y * 10000 + m * 100 + d);
}

int events_day_of(long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return 19700101;
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

bool events_day_parse(const char *text, int *day)
{
	*day = 0;
	if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
		return false;
	int v = 0;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (text[i] < '0' || text[i] > '9')
			return false;
		v = v * 10 + (text[i] - '0');
	}
	if (!events_day_valid(v))
		return false;
	*day = v;
	return true;
}

/* DAY as YYYY-MM-DD in OUT. */
static void day_text(int day, char out[11])
{
	unsigned u = day > 0 ? (unsigned)day : 0;
	snprintf(out, 11, "%04u-%02u-%02u", u / 10000 % 10000, u / 100 % 100, u % 100);
}

/* ---- the checks ---- */

/* The longest key of a figure: a step, a field and a rule with their
 * separators ("step.field:rule"). */
#define KEY_MAX (3 * EVENTS_ID_MAX + 2)
/* The longest figure name (below). */
#define FIGURE_MAX 24

/* An event as the buffers keep it: fixed size, so that recording is one
 * copy into a slot and never an allocation. */
struct slot {
	long long time;
	int day;
	int seconds;
	unsigned char kind, end, satisfaction, assisted;
	char journey[EVENTS_ID_MAX + 1];
	char step[EVENTS_ID_MAX + 1];
	char field[EVENTS_ID_MAX + 1];
	char rule[EVENTS_ID_MAX + 1];
	char pref[EVENTS_ID_MAX + 1];
	char value[EVENTS_ID_MAX + 1];
	char language[EVENTS_LANG_MAX + 1];
};

/* What a kind reads: each name is required (NEED), may be empty (MAY) or
 * is not read (0). */
enum { NO = 0, MAY, NEED };
struct kind_rule {
	unsigned char journey, step, field, rule, language, pref, duration;
};
static const struct kind_rule kind_rules[] = {
    [EVENTS_STARTED] = {.journey = NEED, .language = NEED},
    [EVENTS_STEP_SHOWN] = {.journey = NEED, .step = NEED},
    [EVENTS_VALIDATION_ERROR] = {.journey = NEED,
                                 .step = NEED,
                                 .field = MAY,
                                 .rule = NEED},
    [EVENTS_COMPLETED] = {.journey = NEED, .duration = NEED},
    [EVENTS_STOP_PAGE] = {.journey = NEED, .step = NEED},
    [EVENTS_ABANDONED] = {.journey = NEED, .step = MAY},
    [EVENTS_LANGUAGE] = {.journey = MAY, .language = NEED},
    [EVENTS_PREFERENCE] = {.journey = MAY, .pref = NEED},
    [EVENTS_STEP_TIME] = {.journey = NEED, .step = NEED, .duration = NEED},
    [EVENTS_SATISFACTION] = {.journey = NEED},
};
#define KINDS ((int)(sizeof kind_rules / sizeof kind_rules[0]))

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool lang_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/* Copies the name IN into OUT (MAX + 1 bytes) when it is 1 to MAX
 * characters that OK accepts (lower-cased when LOWER), or empty when
 * WHICH is MAY. The reason names the field, never what it held. */
static enum hatch_err take_name(const char *in, int which, const char *what, size_t max,
                                bool (*ok)(char), bool lower, char *out,
                                struct hatch_error *e)
{
	out[0] = '\0';
	if (which == NO)
		return HATCH_OK;
	if (!in || !*in) {
		if (which == MAY)
			return HATCH_OK;
		return err_set(e, HATCH_ERR_INPUT, "event refused: the %s is missing",
		               what);
	}
	size_t i = 0;
	for (; in[i]; i++) {
		if (i == max || !ok(in[i]))
			return err_set(
			    e, HATCH_ERR_INPUT,
			    "event refused: the %s is not %s of at most %zu characters",
			    what,
			    ok == id_char ? "an identifier (a-z, 0-9, '_' and '-')"
			                  : "a language tag (A-Z, a-z, 0-9 and '-')",
			    max);
		char c = in[i];
		out[i] = lower && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[i] = '\0';
	return HATCH_OK;
}

/* The shape of a language tag, after BCP 47 but narrower: a language of
 * 2 or 3 letters, then at most three subtags (script, region, variant) of
 * 2 to 8 letters or digits. Narrow on purpose: a longer word could be a
 * name. */
static bool lang_shape(const char *t)
{
	size_t i = 0;
	while ((t[i] >= 'a' && t[i] <= 'z'))
		i++;
	if (i < 2 || i > 3)
		return false;
	for (int subtags = 0; t[i] == '-'; subtags++) {
		if (subtags == 3)
			return false;
		size_t j = ++i;
		while ((t[j] >= 'a' && t[j] <= 'z') || (t[j] >= '0' && t[j] <= '9'))
			j++;
		if (j - i < 2 || j - i > 8)
			return false;
		i = j;
	}
	return t[i] == '\0';
}

/* Checks IN and fills SL from it. */
static enum hatch_err fill(struct slot *sl, const struct event *in, struct hatch_error *e)
{
	if (!in || (int)in->kind < 1 || (int)in->kind >= KINDS)
		return err_set(e, HATCH_ERR_INPUT,
		               "event refused: an unknown kind of event");
	const struct kind_rule *r = &kind_rules[in->kind];
	sl->kind = (unsigned char)in->kind;
	sl->end = 0;
	sl->satisfaction = 0;
	sl->assisted = 0;
	sl->seconds = 0;
	enum hatch_err rc = HATCH_OK;
	if (rc == HATCH_OK)
		rc = take_name(in->journey, r->journey, "journey id", EVENTS_ID_MAX,
		               id_char, false, sl->journey, e);
	if (rc == HATCH_OK)
		rc = take_name(in->step, r->step, "step id", EVENTS_ID_MAX, id_char,
		               false, sl->step, e);
	if (rc == HATCH_OK)
		rc = take_name(in->field, r->field, "field id", EVENTS_ID_MAX, id_char,
		               false, sl->field, e);
	if (rc == HATCH_OK)
		rc = take_name(in->rule, r->rule, "rule name", EVENTS_ID_MAX, id_char,
		               false, sl->rule, e);
	if (rc == HATCH_OK)
		rc = take_name(in->language, r->language, "language tag", EVENTS_LANG_MAX,
		               lang_char, true, sl->language, e);
	if (rc == HATCH_OK && sl->language[0] && !lang_shape(sl->language))
		rc = err_set(
		    e, HATCH_ERR_INPUT,
		    "event refused: the language tag is not 2 or 3 letters and at most "
		    "three subtags of 2 to 8 letters or digits");
	if (rc == HATCH_OK)
		rc = take_name(in->pref, r->pref, "preference name", EVENTS_ID_MAX,
		               id_char, false, sl->pref, e);
	if (rc == HATCH_OK)
		rc = take_name(in->value, r->pref, "preference value", EVENTS_ID_MAX,
		               id_char, false, sl->value, e);
	if (rc != HATCH_OK)
		return rc;
	if (r->duration) {
		if (in->duration_ms < 0 || in->duration_ms > EVENTS_DURATION_MAX_MS)
			return err_set(
			    e, HATCH_ERR_INPUT,
			    "event refused: the duration is not from 0 to %ld ms",
			    EVENTS_DURATION_MAX_MS);
		/* Whole seconds, half a second up: finer than that says more
		 * about a person than about a service. */
		sl->seconds = (int)((in->duration_ms + 500) / 1000);
	}
	if (in->kind == EVENTS_ABANDONED) {
		if (in->end != EVENTS_END_TIMEOUT && in->end != EVENTS_END_CANCEL)
			return err_set(
			    e, HATCH_ERR_INPUT,
			    "event refused: an abandoned journey ends by timeout or "
			    "cancel");
		sl->end = (unsigned char)in->end;
	}
	if (in->kind == EVENTS_SATISFACTION) {
		if (in->satisfaction < 1 || in->satisfaction > 5)
			return err_set(
			    e, HATCH_ERR_INPUT,
			    "event refused: a satisfaction answer is from 1 to 5");
		sl->satisfaction = (unsigned char)in->satisfaction;
	}
	if (in->kind == EVENTS_STARTED || in->kind == EVENTS_COMPLETED ||
	    in->kind == EVENTS_ABANDONED)
		sl->assisted = in->assisted ? 1 : 0;
	if (in->day && !events_day_valid(in->day))
		return err_set(e, HATCH_ERR_INPUT,
		               "event refused: the day is not a date");
	if (in->time < 0)
		return err_set(e, HATCH_ERR_INPUT,
		               "event refused: the time is before 1970");
	sl->day = in->day;
	sl->time = in->time ? in->time : (long long)time(NULL);
	return HATCH_OK;
}

/* ---- the recorder ---- */

struct events {
	struct store *s;
	/* Guards ACTIVE, N_ACTIVE, N_BATCH (written only by the flusher)
	 * and the counters. Held only for a copy or a swap. */
	pthread_mutex_t mu;
	/* One flusher at a time; guards BATCH's contents. */
	pthread_mutex_t flush_mu;
	struct slot *active, *batch;
	size_t cap, n_active, n_batch;
	void (*wake)(void *);
	void *arg;
	uint64_t recorded, refused, dropped, flushed;
};

enum hatch_err events_create(struct store *s, size_t capacity, void (*wake)(void *arg),
                             void *arg, struct events **out, struct hatch_error *e)
{
	*out = NULL;
	if (!capacity)
		capacity = EVENTS_CAPACITY;
	struct events *ev = mem_calloc(1, sizeof *ev);
	if (!ev)
		return err_set(e, HATCH_ERR_NOMEM, "cannot record events: out of memory");
	ev->s = s;
	ev->cap = capacity;
	ev->wake = wake;
	ev->arg = arg;
	ev->active = mem_calloc(capacity, sizeof *ev->active);
	ev->batch = ev->active ? mem_calloc(capacity, sizeof *ev->batch) : NULL;
	if (!ev->batch) {
		mem_free(ev->active);
		mem_free(ev);
		return err_set(e, HATCH_ERR_NOMEM, "cannot record events: out of memory");
	}
	if (pthread_mutex_init(&ev->mu, NULL) != 0) {
		mem_free(ev->active);
		mem_free(ev->batch);
		mem_free(ev);
		return err_set(e, HATCH_ERR_NOMEM, "cannot record events: no lock");
	}
	if (pthread_mutex_init(&ev->flush_mu, NULL) != 0) {
		pthread_mutex_destroy(&ev->mu);
		mem_free(ev->active);
		mem_free(ev->batch);
		mem_free(ev);
		return err_set(e, HATCH_ERR_NOMEM, "cannot record events: no lock");
	}
	*out = ev;
	return HATCH_OK;
}

void events_destroy(struct events *ev)
{
	if (!ev)
		return;
	pthread_mutex_destroy(&ev->mu);
	pthread_mutex_destroy(&ev->flush_mu);
	mem_free(ev->active);
	mem_free(ev->batch);
	mem_free(ev);
}

enum hatch_err events_record(struct events *ev, const struct event *in,
                             struct hatch_error *e)
{
	struct slot sl;
	enum hatch_err rc = fill(&sl, in, e);
	bool wake = false;
	pthread_mutex_lock(&ev->mu);
	if (rc != HATCH_OK) {
		ev->refused++;
	} else if (ev->n_active == ev->cap) {
		ev->dropped++;
		rc = HATCH_ERR_LIMIT;
	} else {
		ev->active[ev->n_active++] = sl;
		ev->recorded++;
		wake = ev->n_active == (ev->cap + 1) / 2;
	}
	pthread_mutex_unlock(&ev->mu);
	if (rc == HATCH_ERR_LIMIT)
		return err_set(
		    e, HATCH_ERR_LIMIT,
		    "event dropped: the buffer of %zu events is full (not flushed)",
		    ev->cap);
	if (wake && ev->wake)
		ev->wake(ev->arg);
	return rc;
}

bool events_flush_due(struct events *ev)
{
	pthread_mutex_lock(&ev->mu);
	bool due = ev->n_active >= (ev->cap + 1) / 2 || ev->n_batch > 0;
	pthread_mutex_unlock(&ev->mu);
	return due;
}

void events_counters_get(struct events *ev, struct events_counters *out)
{
	pthread_mutex_lock(&ev->mu);
	out->recorded = ev->recorded;
	out->refused = ev->refused;
	out->dropped = ev->dropped;
	out->flushed = ev->flushed;
	out->pending = ev->n_active + ev->n_batch;
	pthread_mutex_unlock(&ev->mu);
}

/* The store's lock for a write of events, with the connection's
 * synchronous setting at NORMAL until unlock_relaxed: events and their
 * figures are committed atomically but not synced to disk each time
 * (the next synced commit, a submission's, syncs them too). A power cut
 * may lose the last few seconds of events, or a roll-up, which is then
 * done again; never a submission. It spares the SD card a sync for every
 * batch and keeps the lock, which a submission may be waiting for, short. */
static void lock_relaxed(struct store *s)
{
	store_lock(s);
	(void)sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
}

static void unlock_relaxed(struct store *s)
{
	(void)sqlite3_exec(s->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	store_unlock(s);
}

static const char insert_sql[] =
    "INSERT INTO events (day, time, kind, journey, step, field, rule, language, pref,"
    " pref_value, assisted, reason, seconds, satisfaction)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char day_sql[] =
    "INSERT INTO event_days (day, last_id) VALUES (?1, ?2)"
    " ON CONFLICT (day) DO UPDATE SET last_id = max(last_id, excluded.last_id)";

/* Notes that DAY's raw events go up to id LAST. */
static int note_day(sqlite3_stmt *st, int day, long long last)
{
	sqlite3_reset(st);
	sqlite3_bind_int(st, 1, day);
	sqlite3_bind_int64(st, 2, last);
	int rc = sqlite3_step(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Writes the N events at V in one transaction under S's lock. */
static enum hatch_err write_batch(struct store *s, struct slot *v, size_t n,
                                  struct hatch_error *e)
{
	static const char doing[] = "record usage events";
	/* The local date of each event, worked out here rather than on the
	 * screen's thread; events a second apart mostly share it. */
	long long last_t = -1;
	int last_day = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].day)
			continue;
		if (v[i].time != last_t) {
			last_t = v[i].time;
			last_day = events_day_of(last_t);
		}
		v[i].day = last_day;
	}
	lock_relaxed(s);
	sqlite3_stmt *ins = NULL, *days = NULL;
	int rc = store_sql_begin(s);
	if (rc != SQLITE_OK) {
		enum hatch_err err = store_sql_fail(s, rc, doing, e);
		unlock_relaxed(s);
		return err;
	}
	rc = sqlite3_prepare_v2(s->db, insert_sql, -1, &ins, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, day_sql, -1, &days, NULL);
	int run_day = 0;
	long long run_last = 0;
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		const struct slot *x = &v[i];
		sqlite3_reset(ins);
		sqlite3_bind_int(ins, 1, x->day);
		sqlite3_bind_int64(ins, 2, x->time);
		sqlite3_bind_int(ins, 3, x->kind);
		sqlite3_bind_text(ins, 4, x->journey, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, x->step, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, x->field, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, x->rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 8, x->language, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 9, x->pref, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 10, x->value, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 11, x->assisted);
		sqlite3_bind_int(ins, 12, x->end);
		sqlite3_bind_int(ins, 13, x->seconds);
		sqlite3_bind_int(ins, 14, x->satisfaction);
		rc = sqlite3_step(ins);
		if (rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
		if (run_day && run_day != x->day)
			rc = note_day(days, run_day, run_last);
		run_day = x->day;
		run_last = sqlite3_last_insert_rowid(s->db);
	}
	if (rc == SQLITE_OK && run_day)
		rc = note_day(days, run_day, run_last);
	enum hatch_err err = HATCH_OK;
	if (rc != SQLITE_OK)
		err = store_sql_fail(s, rc, doing, e);
	sqlite3_finalize(ins);
	sqlite3_finalize(days);
	err = store_sql_finish(s, err, SQLITE_OK, doing, e);
	unlock_relaxed(s);
	return err;
}

enum hatch_err events_flush(struct events *ev, size_t *n, struct hatch_error *e)
{
	if (n)
		*n = 0;
	size_t total = 0;
	enum hatch_err rc = HATCH_OK;
	pthread_mutex_lock(&ev->flush_mu);
	/* A batch a failed flush left is written first; then what was
	 * recorded since. Two rounds at most, so a busy screen cannot keep
	 * a flush going. */
	for (int round = 0; round < 2 && rc == HATCH_OK; round++) {
		pthread_mutex_lock(&ev->mu);
		if (!ev->n_batch) {
			struct slot *t = ev->batch;
			ev->batch = ev->active;
			ev->active = t;
			ev->n_batch = ev->n_active;
			ev->n_active = 0;
		}
		size_t k = ev->n_batch;
		pthread_mutex_unlock(&ev->mu);
		if (!k)
			break;
		rc = write_batch(ev->s, ev->batch, k, e);
		if (rc == HATCH_OK) {
			pthread_mutex_lock(&ev->mu);
			ev->n_batch = 0;
			ev->flushed += k;
			pthread_mutex_unlock(&ev->mu);
			total += k;
		}
	}
	pthread_mutex_unlock(&ev->flush_mu);
	if (n)
		*n = total;
	return rc;
}

/* ---- the roll-up ---- */

/* The figures a day's raw events are counted into (docs/open-data.md
 * gives the published measures made from them). Each is a count of
 * events with the same journey, figure and key; the two timing figures
 * keep instead the day's median (VALUE, seconds) and how many timings
 * it is the median of (N). */
#define F_STARTED      "started"          /* key "" */
#define F_ASSISTED     "assisted"         /* started assisted; key "" */
#define F_LANGUAGE     "language"         /* started in; key the tag */
#define F_SHOWN        "shown"            /* key the step */
#define F_ERROR        "error"            /* key step[.field]:rule */
#define F_COMPLETED    "completed"        /* key "" */
#define F_STOP         "stop"             /* key the stop page */
#define F_ABANDONED    "abandoned"        /* key "timeout" or "cancel" */
#define F_ABANDONED_AT "abandoned_at"     /* key the last step shown, or "" */
#define F_CHOSEN       "language_chosen"  /* key the tag */
#define F_PREFERENCE   "preference"       /* key name=value */
#define F_SATISFACTION "satisfaction"     /* key "1" to "5" */
#define F_TIME         "median_time"      /* key ""; value the median */
#define F_STEP_TIME    "median_step_time" /* key the step; value the median */

struct tally {
	char journey[EVENTS_ID_MAX + 1];
	char figure[FIGURE_MAX];
	char key[KEY_MAX + 1];
	long long n;
	uint64_t hash;
	bool used;
	/* Timing figures: the seconds seen, to take the median of. */
	int *secs;
	size_t nsecs, capsecs;
};

/* A small open-addressing table of one day's tallies. */
struct tallies {
	struct tally *v;
	size_t cap, len;
};

static uint64_t hash_of(const char *journey, const char *figure, const char *key)
{
	uint64_t h = 1469598103934665603ULL;
	const char *parts[3] = {journey, figure, key};
	for (int i = 0; i < 3; i++) {
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h;
}

static void tallies_cleanup(struct tallies *t)
{
	for (size_t i = 0; i < t->cap; i++)
		mem_free(t->v[i].secs);
	mem_free(t->v);
	memset(t, 0, sizeof *t);
}

static struct tally *tallies_find(struct tallies *t, const char *journey,
                                  const char *figure, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);
	while (t->v[i].used) {
		struct tally *x = &t->v[i];
		if (x->hash == h && !strcmp(x->figure, figure) &&
		    !strcmp(x->journey, journey) && !strcmp(x->key, key))
			return x;
		i = (i + 1) & (t->cap - 1);
	}
	return &t->v[i];
}

static bool tallies_grow(struct tallies *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	struct tally *nv = mem_calloc(ncap, sizeof *nv);
	if (!nv)
		return false;
	struct tallies old = *t;
	t->v = nv;
	t->cap = ncap;
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.v[i].used)
			continue;
		struct tally *x = tallies_find(t, old.v[i].journey, old.v[i].figure,
		                               old.v[i].key, old.v[i].hash);
		*x = old.v[i];
	}
	mem_free(old.v);
	return true;
}

/* The tally of (JOURNEY, FIGURE, KEY), made when new; NULL when out of
 * memory. */
static struct tally *tally_of(struct tallies *t, const char *journey, const char *figure,
                              const char *key)
{
	if ((t->len + 1) * 2 > t->cap && !tallies_grow(t))
		return NULL;
	uint64_t h = hash_of(journey, figure, key);
	struct tally *x = tallies_find(t, journey, figure, key, h);
	if (!x->used) {
		x->used = true;
		x->hash = h;
		snprintf(x->journey, sizeof x->journey, "%s", journey);
		snprintf(x->figure, sizeof x->figure, "%s", figure);
		snprintf(x->key, sizeof x->key, "%s", key);
		t->len++;
	}
	return x;
}

static bool count(struct tallies *t, const char *journey, const char *figure,
                  const char *key)
{
	struct tally *x = tally_of(t, journey, figure, key);
	if (!x)
		return false;
	x->n++;
	return true;
}

static bool timing(struct tallies *t, const char *journey, const char *figure,
                   const char *key, int secs)
{
	struct tally *x = tally_of(t, journey, figure, key);
	if (!x)
		return false;
	if (x->nsecs == x->capsecs) {
		size_t ncap = x->capsecs ? x->capsecs * 2 : 16;
		int *nv = mem_realloc(x->secs, ncap * sizeof *nv);
		if (!nv)
			return false;
		x->secs = nv;
		x->capsecs = ncap;
	}
	x->secs[x->nsecs++] = secs;
	x->n++;
	return true;
}

static const char *const end_names[] = {"", "timeout", "cancel"};

/* Counts one raw event (the columns of ROW) into T: its counts when
 * COUNTS, its timings when TIMINGS. False when out of memory. */
static bool tally_row(struct tallies *t, sqlite3_stmt *row, bool counts, bool timings)
{
	int kind = sqlite3_column_int(row, 0);
	const char *journey = (const char *)sqlite3_column_text(row, 1);
	const char *step = (const char *)sqlite3_column_text(row, 2);
	const char *field = (const char *)sqlite3_column_text(row, 3);
	const char *rule = (const char *)sqlite3_column_text(row, 4);
	const char *lang = (const char *)sqlite3_column_text(row, 5);
	const char *pref = (const char *)sqlite3_column_text(row, 6);
	const char *value = (const char *)sqlite3_column_text(row, 7);
	int assisted = sqlite3_column_int(row, 8);
	int reason = sqlite3_column_int(row, 9);
	int secs = sqlite3_column_int(row, 10);
	int sat = sqlite3_column_int(row, 11);
	if (!journey || !step || !field || !rule || !lang || !pref || !value)
		return false;
	char key[KEY_MAX + 1];
	if (timings && kind == EVENTS_COMPLETED)
		return timing(t, journey, F_TIME, "", secs) &&
		       (!counts || count(t, journey, F_COMPLETED, ""));
	if (timings && kind == EVENTS_STEP_TIME)
		return timing(t, journey, F_STEP_TIME, step, secs);
	if (!counts)
		return true;
	switch (kind) {
	case EVENTS_STARTED:
		return count(t, journey, F_STARTED, "") &&
		       (!assisted || count(t, journey, F_ASSISTED, "")) &&
		       count(t, journey, F_LANGUAGE, lang);
	case EVENTS_STEP_SHOWN:
		return count(t, journey, F_SHOWN, step);
	case EVENTS_VALIDATION_ERROR:
		snprintf(key, sizeof key, "%s%s%s:%s", step, *field ? "." : "", field,
		         rule);
		return count(t, journey, F_ERROR, key);
	case EVENTS_COMPLETED:
		return count(t, journey, F_COMPLETED, "");
	case EVENTS_STOP_PAGE:
		return count(t, journey, F_STOP, step);
	case EVENTS_ABANDONED:
		return count(t, journey, F_ABANDONED,
		             reason == EVENTS_END_TIMEOUT ? end_names[1]
		                                          : end_names[2]) &&
		       count(t, journey, F_ABANDONED_AT, step);
	case EVENTS_LANGUAGE:
		return count(t, journey, F_CHOSEN, lang);
	case EVENTS_PREFERENCE:
		snprintf(key, sizeof key, "%s=%s", pref, value);
		return count(t, journey, F_PREFERENCE, key);
	case EVENTS_SATISFACTION:
		snprintf(key, sizeof key, "%d", sat);
		return count(t, journey, F_SATISFACTION, key);
	default:
		/* A row this program did not write (a later kind): left out. */
		return true;
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The median of the N (> 0) values at V, sorting them: the middle one, or
 * the mean of the two middle ones rounded half up. */
static int median_of(int *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_int);
	if (n % 2)
		return v[n / 2];
	long a = v[n / 2 - 1], b = v[n / 2];
	return (int)((a + b + 1) / 2);
}

static const char add_sql[] =
    "INSERT INTO event_counts (day, journey, figure, key, n, value)"
    " VALUES (?1, ?2, ?3, ?4, ?5, 0)"
    " ON CONFLICT (day, journey, figure, key) DO UPDATE SET n = n + excluded.n";
static const char set_sql[] =
    "INSERT INTO event_counts (day, journey, figure, key, n, value)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT (day, journey, figure, key) DO UPDATE SET n = excluded.n,"
    " value = excluded.value";

/* Rolls DAY up: its raw events after the last counted one, in one
 * transaction under S's lock. *COUNTED: how many. */
static enum hatch_err roll_day(struct store *s, int day, size_t *counted,
                               struct hatch_error *e)
{
	static const char doing[] = "roll up usage events";
	*counted = 0;
	lock_relaxed(s);
	int rc = store_sql_begin(s);
	if (rc != SQLITE_OK) {
		enum hatch_err err = store_sql_fail(s, rc, doing, e);
		unlock_relaxed(s);
		return err;
	}
	sqlite3_stmt *st = NULL, *add = NULL, *set = NULL;
	long long from = 0, to = 0, purged = 0;
	/* Read again inside the transaction: another program may have
	 * rolled it up meanwhile. */
	rc = sqlite3_prepare_v2(
	    s->db, "SELECT rolled_id, last_id, purged_id FROM event_days WHERE day = ?1",
	    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, day);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			from = sqlite3_column_int64(st, 0);
			to = sqlite3_column_int64(st, 1);
			purged = sqlite3_column_int64(st, 2);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	struct tallies t = {0};
	enum hatch_err err = HATCH_OK;
	size_t seen = 0;
	/* The medians are taken afresh over the whole day while its raw
	 * events are all still kept; once some are purged, a late event
	 * adds to the counts and leaves the medians as they were. */
	bool medians = purged == 0;
	if (rc == SQLITE_OK && to > from) {
		rc = sqlite3_prepare_v2(
		    s->db,
		    "SELECT kind, journey, step, field, rule, language, pref, pref_value,"
		    " assisted, reason, seconds, satisfaction, id FROM events"
		    " WHERE day = ?1 AND id > ?2 AND id <= ?3",
		    -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int(st, 1, day);
			sqlite3_bind_int64(st, 2, medians ? 0 : from);
			sqlite3_bind_int64(st, 3, to);
		}
		while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			rc = SQLITE_OK;
			bool fresh = sqlite3_column_int64(st, 12) > from;
			seen += fresh;
			if (!tally_row(&t, st, fresh, medians)) {
				err = err_set(e, HATCH_ERR_NOMEM,
				              "%s: cannot %s: out of memory",
				              store_path(s), doing);
				break;
			}
		}
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (err == HATCH_OK && rc == SQLITE_OK && t.len) {
		rc = sqlite3_prepare_v2(s->db, add_sql, -1, &add, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_prepare_v2(s->db, set_sql, -1, &set, NULL);
	}
	for (size_t i = 0; err == HATCH_OK && rc == SQLITE_OK && i < t.cap; i++) {
		struct tally *x = &t.v[i];
		if (!x->used)
			continue;
		bool timed = x->secs != NULL;
		sqlite3_stmt *u = timed ? set : add;
		sqlite3_reset(u);
		sqlite3_bind_int(u, 1, day);
		sqlite3_bind_text(u, 2, x->journey, -1, SQLITE_STATIC);
		sqlite3_bind_text(u, 3, x->figure, -1, SQLITE_STATIC);
		sqlite3_bind_text(u, 4, x->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(u, 5, x->n);
		if (timed)
			sqlite3_bind_int(u, 6, median_of(x->secs, x->nsecs));
		rc = sqlite3_step(u);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(add);
	sqlite3_finalize(set);
	tallies_cleanup(&t);
	if (err == HATCH_OK && rc == SQLITE_OK && to > from) {
		rc = sqlite3_prepare_v2(
		    s->db, "UPDATE event_days SET rolled_id = ?2 WHERE day = ?1", -1, &st,
		    NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int(st, 1, day);
			sqlite3_bind_int64(st, 2, to);
			rc = sqlite3_step(st);
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
			sqlite3_finalize(st);
		}
	}
	if (err == HATCH_OK && rc != SQLITE_OK)
		err = store_sql_fail(s, rc, doing, e);
	err = store_sql_finish(s, err, SQLITE_OK, doing, e);
	unlock_relaxed(s);
	if (err == HATCH_OK)
		*counted = seen;
	return err;
}

/* Deletes DAY's raw events up to id UPTO (all counted), in one
 * transaction; *N: how many. */
static enum hatch_err purge_day(struct store *s, int day, long long upto, size_t *n,
                                struct hatch_error *e)
{
	static const char doing[] = "purge old usage events";
	*n = 0;
	lock_relaxed(s);
	int rc = store_sql_begin(s);
	if (rc != SQLITE_OK) {
		enum hatch_err err = store_sql_fail(s, rc, doing, e);
		unlock_relaxed(s);
		return err;
	}
	sqlite3_stmt *st;
	int changed = 0;
	rc = sqlite3_prepare_v2(s->db, "DELETE FROM events WHERE day = ?1 AND id <= ?2",
	                        -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, day);
		sqlite3_bind_int64(st, 2, upto);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
			changed = sqlite3_changes(s->db);
		}
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_prepare_v2(
		    s->db,
		    "UPDATE event_days SET purged_id = max(purged_id, ?2)"
		    " WHERE day = ?1",
		    -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int(st, 1, day);
			sqlite3_bind_int64(st, 2, upto);
			rc = sqlite3_step(st);
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
			sqlite3_finalize(st);
		}
	}
	enum hatch_err err = store_sql_finish(s, HATCH_OK, rc, doing, e);
	unlock_relaxed(s);
	if (err == HATCH_OK)
		*n = (size_t)changed;
	return err;
}

/* The days (and a number for each) that SQL (?1 bound to ARG) lists, in
 * a new array *V of *N pairs. */
struct day_pair {
	int day;
	long long id;
};

static enum hatch_err list_days(struct store *s, const char *sql, int arg,
                                const char *text, struct day_pair **v, size_t *n,
                                const char *doing, struct hatch_error *e)
{
	*v = NULL;
	*n = 0;
	store_lock(s);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	struct day_pair *d = NULL;
	size_t len = 0, cap = 0;
	enum hatch_err err = HATCH_OK;
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, arg);
		if (text)
			sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	}
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct day_pair *nd = mem_realloc(d, ncap * sizeof *nd);
			if (!nd) {
				err = err_set(e, HATCH_ERR_NOMEM,
				              "%s: cannot %s: out of memory",
				              store_path(s), doing);
				break;
			}
			d = nd;
			cap = ncap;
		}
		d[len].day = sqlite3_column_int(st, 0);
		d[len].id =
		    sqlite3_column_count(st) > 1 ? sqlite3_column_int64(st, 1) : 0;
		len++;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	if (err == HATCH_OK && rc != SQLITE_OK)
		err = store_sql_fail(s, rc, doing, e);
	sqlite3_finalize(st);
	store_unlock(s);
	if (err != HATCH_OK) {
		mem_free(d);
		return err;
	}
	*v = d;
	*n = len;
	return HATCH_OK;
}

enum hatch_err events_rollup(struct events *ev, long long now, unsigned retention_days,
                             struct events_rollup_stats *out, struct hatch_error *e)
{
	struct events_rollup_stats st = {0, 0, 0};
	if (out)
		*out = st;
	if (!retention_days)
		retention_days = EVENTS_RETENTION_DAYS;
	if (retention_days > 36500)
		retention_days = 36500;
	enum hatch_err err = events_flush(ev, NULL, e);
	if (err != HATCH_OK)
		return err;
	struct store *s = ev->s;
	int today = events_day_of(now);
	struct day_pair *days;
	size_t n;
	err =
	    list_days(s,
	              "SELECT day FROM event_days WHERE last_id > rolled_id AND day < ?1"
	              " ORDER BY day",
	              today, NULL, &days, &n, "roll up usage events", e);
	for (size_t i = 0; err == HATCH_OK && i < n; i++) {
		size_t counted;
		err = roll_day(s, days[i].day, &counted, e);
		if (err == HATCH_OK && counted) {
			st.days++;
			st.events += counted;
		}
	}
	mem_free(days);
	if (err == HATCH_OK) {
		int cutoff = events_day_add(today, -(int)retention_days);
		err = list_days(s,
		                "SELECT day, rolled_id FROM event_days"
		                " WHERE day < ?1 AND purged_id < rolled_id ORDER BY day",
		                cutoff, NULL, &days, &n, "purge old usage events", e);
		for (size_t i = 0; err == HATCH_OK && i < n; i++) {
			size_t purged;
			err = purge_day(s, days[i].day, days[i].id, &purged, e);
			st.purged += purged;
		}
		mem_free(days);
	}
	if (out)
		*out = st;
	return err;
}

/* ---- the export ---- */

/* Where the export goes: a FILE, or a capped buffer (the outbox). The
 * first failure is kept and the rest is skipped. */
struct sink {
	FILE *f;
	struct buf *b;
	enum hatch_err err;
	int errnum;
};

static void put(struct sink *k, const char *p, size_t n)
{
	if (k->err != HATCH_OK || !n)
		return;
	if (k->f) {
		if (fwrite(p, 1, n, k->f) != n) {
			k->err = HATCH_ERR_IO;
			k->errnum = errno ? errno : EIO;
		}
	} else {
		k->err = buf_add(k->b, p, n);
	}
}

static void puts_(struct sink *k, const char *s)
{
	put(k, s, strlen(s));
}

static void putf(struct sink *k, const char *fmt, ...) HATCH_PRINTF(2, 3);
static void putf(struct sink *k, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	put(k, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A name from the database as a JSON string. The names are identifiers,
 * checked on the way in and by the table's constraints; anything else is
 * escaped all the same. */
static void put_json_string(struct sink *k, const char *s)
{
	put(k, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			putf(k, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			putf(k, "\\u%04x", *p);
		else
			put(k, (const char *)p, 1);
	}
	put(k, "\"", 1);
}

/* A name as a CSV field: quoted only when it needs to be, which an
 * identifier never does. */
static void put_csv_field(struct sink *k, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		puts_(k, s);
		return;
	}
	put(k, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			put(k, "\"\"", 2);
		else
			put(k, s, 1);
	}
	put(k, "\"", 1);
}

/* One figure of a journey's day, as read from event_counts. */
struct fig {
	char figure[FIGURE_MAX];
	char key[KEY_MAX + 1];
	long long n, value;
	bool hidden; /* suppressed */
};

/* A value to publish: a number, hidden (suppressed), or none (nothing
 * to work it out from). */
enum shown { SHOW, HIDE, NONE };

struct out {
	struct sink *k;
	enum events_format fmt;
	char date[11];
	const char *journey;
	bool first_measure; /* JSON: no comma before the next measure */
	bool first_entry;   /* JSON: none before the next entry */
};

static bool small(long long n, unsigned t)
{
	return n >= 1 && n < (long long)t;
}

/* Writes one measure that is a single value. TEXT is the value when
 * SHOW. */
static void emit_scalar(struct out *o, const char *measure, enum shown how,
                        const char *text)
{
	if (o->fmt == EVENTS_CSV) {
		putf(o->k, "%s,", o->date);
		put_csv_field(o->k, o->journey);
		putf(o->k, ",%s,,%s\r\n", measure, how == SHOW ? text : "");
		return;
	}
	putf(o->k, ",\"%s\":%s", measure, how == SHOW ? text : "null");
}

static void begin_breakdown(struct out *o, const char *measure)
{
	if (o->fmt == EVENTS_JSON)
		putf(o->k, ",\"%s\":{", measure);
	o->first_entry = true;
}

static void end_breakdown(struct out *o)
{
	if (o->fmt == EVENTS_JSON)
		puts_(o->k, "}");
}

static void emit_entry(struct out *o, const char *measure, const char *key,
                       enum shown how, const char *text)
{
	if (o->fmt == EVENTS_CSV) {
		putf(o->k, "%s,", o->date);
		put_csv_field(o->k, o->journey);
		putf(o->k, ",%s,", measure);
		put_csv_field(o->k, key);
		putf(o->k, ",%s\r\n", how == SHOW ? text : "");
		return;
	}
	if (!o->first_entry)
		puts_(o->k, ",");
	o->first_entry = false;
	put_json_string(o->k, key);
	putf(o->k, ":%s", how == SHOW ? text : "null");
}

/* The published form of count N: SHOW (its digits in TEXT) or HIDE. */
static enum shown count_text(long long n, unsigned t, char text[32])
{
	snprintf(text, 32, "%lld", n);
	return small(n, t) ? HIDE : SHOW;
}

/* NUM over DEN with three decimals, hidden when either, or what is left
 * of DEN (DEN - NUM, when COMPLEMENT), is a suppressed count; NONE when
 * DEN is 0. */
static enum shown rate_text(long long num, long long den, bool complement, unsigned t,
                            char text[32])
{
	text[0] = '\0';
	if (den <= 0)
		return NONE;
	if (small(num, t) || small(den, t) || (complement && small(den - num, t)))
		return HIDE;
	snprintf(text, 32, "%.3f", (double)num / (double)den);
	return SHOW;
}

/* The figures of one journey's day, V[0..N), sorted by figure and key. */
static long long sum_of(const struct fig *v, size_t n, const char *figure)
{
	long long s = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].figure, figure))
			s += v[i].n;
	return s;
}

static const struct fig *find_fig(const struct fig *v, size_t n, const char *figure,
                                  const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].figure, figure) && !strcmp(v[i].key, key))
			return &v[i];
	return NULL;
}

/* The length of KEY's group in a breakdown whose parts add up to a
 * published total: for errors by rule, the step and field before ':' (the
 * total is that field's errors); for the others, one group. */
static size_t group_len(const char *figure, const char *key)
{
	if (!strcmp(figure, F_ERROR)) {
		const char *c = strchr(key, ':');
		return c ? (size_t)(c - key) : strlen(key);
	}
	return 0;
}

/* Suppression of the entries at IDX[0..N) of V (one breakdown): each
 * count from 1 to T - 1 is hidden; then, in each group where exactly one
 * entry is hidden, the smallest other non-zero entry is hidden too, so
 * that the hidden one cannot be found by subtracting the rest from the
 * group's published total. */
static void suppress(struct fig *v, const size_t *idx, size_t n, unsigned t)
{
	for (size_t i = 0; i < n; i++)
		v[idx[i]].hidden = small(v[idx[i]].n, t);
	/* The entries come in key order, so a group (the keys that share
	 * the prefix before ':', or the whole breakdown) is one run. */
	for (size_t start = 0, end; start < n; start = end) {
		const struct fig *a = &v[idx[start]];
		size_t gl = group_len(a->figure, a->key);
		size_t hidden = 0;
		struct fig *smallest = NULL;
		for (end = start; end < n; end++) {
			struct fig *b = &v[idx[end]];
			if (group_len(b->figure, b->key) != gl ||
			    strncmp(a->key, b->key, gl))
				break;
			if (b->hidden)
				hidden++;
			else if (b->n > 0 && (!smallest || b->n < smallest->n))
				smallest = b;
		}
		if (hidden == 1 && smallest)
			smallest->hidden = true;
	}
}

/* Writes one count breakdown: the figures FIGURE of V, suppressed, as
 * MEASURE. KEYS, when not NULL, are the entries always written (0 when
 * absent), in that order. */
static enum hatch_err emit_counts(struct out *o, struct fig *v, size_t n,
                                  const char *figure, const char *measure,
                                  const char *const *keys, size_t nkeys, unsigned t)
{
	size_t *idx = mem_calloc(n ? n : 1, sizeof *idx);
	if (!idx)
		return HATCH_ERR_NOMEM;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].figure, figure))
			idx[m++] = i;
	suppress(v, idx, m, t);
	begin_breakdown(o, measure);
	char text[32];
	if (keys) {
		for (size_t i = 0; i < nkeys; i++) {
			const struct fig *f = find_fig(v, n, figure, keys[i]);
			snprintf(text, sizeof text, "%lld", f ? f->n : 0);
			emit_entry(o, measure, keys[i], f && f->hidden ? HIDE : SHOW,
			           text);
		}
	} else {
		for (size_t i = 0; i < m; i++) {
			const struct fig *f = &v[idx[i]];
			snprintf(text, sizeof text, "%lld", f->n);
			/* "" (no step shown before the abandon) is written "-". */
			emit_entry(o, measure, *f->key ? f->key : "-",
			           f->hidden ? HIDE : SHOW, text);
		}
	}
	end_breakdown(o);
	mem_free(idx);
	return HATCH_OK;
}

/* Errors by field: the error figures summed over their rules. */
static enum hatch_err emit_field_errors(struct out *o, struct fig *v, size_t n,
                                        unsigned t)
{
	struct fig *sums = mem_calloc(n ? n : 1, sizeof *sums);
	size_t *idx = mem_calloc(n ? n : 1, sizeof *idx);
	if (!sums || !idx) {
		mem_free(sums);
		mem_free(idx);
		return HATCH_ERR_NOMEM;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].figure, F_ERROR))
			continue;
		size_t gl = group_len(F_ERROR, v[i].key);
		if (m && strlen(sums[m - 1].key) == gl &&
		    !strncmp(sums[m - 1].key, v[i].key, gl)) {
			sums[m - 1].n += v[i].n;
			continue;
		}
		snprintf(sums[m].figure, sizeof sums[m].figure, "%s", "error_field");
		snprintf(sums[m].key, sizeof sums[m].key, "%.*s", (int)gl, v[i].key);
		sums[m].n = v[i].n;
		idx[m] = m;
		m++;
	}
	suppress(sums, idx, m, t);
	begin_breakdown(o, "errors_by_field");
	char text[32];
	for (size_t i = 0; i < m; i++) {
		snprintf(text, sizeof text, "%lld", sums[i].n);
		emit_entry(o, "errors_by_field", sums[i].key,
		           sums[i].hidden ? HIDE : SHOW, text);
	}
	end_breakdown(o);
	mem_free(sums);
	mem_free(idx);
	return HATCH_OK;
}

/* Writes a journey's day: V[0..N) are its figures in (figure, key)
 * order. */
static enum hatch_err emit_group(struct out *o, int day, const char *journey,
                                 struct fig *v, size_t n, unsigned t, bool *first_group)
{
	day_text(day, o->date);
	/* Figures recorded outside any journey (journey "") are published
	 * under "*", which no journey id can be. */
	bool kiosk = !*journey;
	o->journey = kiosk ? "*" : journey;
	if (o->fmt == EVENTS_JSON) {
		puts_(o->k, *first_group ? "\n" : ",\n");
		putf(o->k, "{\"date\":\"%s\",\"journey\":", o->date);
		put_json_string(o->k, o->journey);
	}
	*first_group = false;
	char text[32];
	enum hatch_err err = HATCH_OK;
	if (!kiosk) {
		long long started = sum_of(v, n, F_STARTED);
		long long completed = sum_of(v, n, F_COMPLETED);
		long long abandoned = sum_of(v, n, F_ABANDONED);
		long long assisted = sum_of(v, n, F_ASSISTED);
		emit_scalar(o, "started", count_text(started, t, text), text);
		emit_scalar(o, "completed", count_text(completed, t, text), text);
		emit_scalar(o, "abandoned", count_text(abandoned, t, text), text);
		enum shown how = rate_text(completed, started, false, t, text);
		emit_scalar(o, "completion_rate", how, text);
		const struct fig *time = find_fig(v, n, F_TIME, "");
		how = !time || !time->n ? NONE : small(time->n, t) ? HIDE : SHOW;
		snprintf(text, sizeof text, "%lld", time ? time->value : 0);
		emit_scalar(o, "median_seconds", how, text);
		how = rate_text(assisted, started, true, t, text);
		emit_scalar(o, "assisted_share", how, text);
		static const char *const reasons[] = {"timeout", "cancel"};
		err = emit_counts(o, v, n, F_ABANDONED, "abandoned_by_reason", reasons, 2,
		                  t);
		if (err == HATCH_OK)
			err = emit_counts(o, v, n, F_ABANDONED_AT, "abandoned_by_step",
			                  NULL, 0, t);
		if (err == HATCH_OK)
			err = emit_counts(o, v, n, F_STOP, "stop_pages", NULL, 0, t);
		if (err == HATCH_OK)
			err = emit_counts(o, v, n, F_SHOWN, "shown_by_step", NULL, 0, t);
		if (err == HATCH_OK)
			err = emit_field_errors(o, v, n, t);
		if (err == HATCH_OK)
			err = emit_counts(o, v, n, F_ERROR, "errors_by_rule", NULL, 0, t);
		if (err == HATCH_OK)
			err = emit_counts(o, v, n, F_LANGUAGE, "languages", NULL, 0, t);
	}
	if (err == HATCH_OK)
		err = emit_counts(o, v, n, F_CHOSEN, "languages_chosen", NULL, 0, t);
	if (err == HATCH_OK)
		err = emit_counts(o, v, n, F_PREFERENCE, "preferences", NULL, 0, t);
	if (err == HATCH_OK && !kiosk) {
		static const char *const sat[] = {"1", "2", "3", "4", "5"};
		err = emit_counts(o, v, n, F_SATISFACTION, "satisfaction", sat, 5, t);
	}
	if (err == HATCH_OK && !kiosk) {
		begin_breakdown(o, "median_seconds_by_step");
		for (size_t i = 0; i < n; i++) {
			if (strcmp(v[i].figure, F_STEP_TIME))
				continue;
			snprintf(text, sizeof text, "%lld", v[i].value);
			emit_entry(o, "median_seconds_by_step", v[i].key,
			           small(v[i].n, t) ? HIDE : SHOW, text);
		}
		end_breakdown(o);
	}
	if (o->fmt == EVENTS_JSON)
		puts_(o->k, "}");
	return err;
}

/* The export itself, into K. HEAD (JSON only; NULL for none) is written
 * as the first members of the object. */
static enum hatch_err export_to(struct store *s, int from_day, int to_day,
                                unsigned threshold, enum events_format format,
                                const char *head, struct sink *k, struct hatch_error *e)
{
	static const char doing[] = "read the usage figures";
	if (!events_day_valid(from_day) || !events_day_valid(to_day))
		return err_set(e, HATCH_ERR_INPUT,
		               "cannot export the figures: a day is not a date");
	if (from_day > to_day)
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "cannot export the figures: the first day is after the last");
	if (format != EVENTS_CSV && format != EVENTS_JSON)
		return err_set(e, HATCH_ERR_INPUT,
		               "cannot export the figures: an unknown format");
	if (!threshold)
		threshold = EVENTS_THRESHOLD;
	struct out o = {.k = k, .fmt = format};
	char from[11], to[11];
	day_text(from_day, from);
	day_text(to_day, to);
	if (format == EVENTS_CSV)
		puts_(k, "date,journey,measure,category,value\r\n");
	else
		putf(k,
		     "{%s\"licence\":\"Open Government Licence v3.0\","
		     "\"licence_url\":\"https://www.nationalarchives.gov.uk/doc/"
		     "open-government-licence/version/3/\","
		     "\"from\":\"%s\",\"to\":\"%s\",\"threshold\":%u,\"figures\":[",
		     head ? head : "", from, to, threshold);
	store_lock(s);
	/* One read transaction: the figures of one moment. */
	int rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	sqlite3_stmt *st = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    s->db,
		    "SELECT day, journey, figure, key, n, value FROM event_counts"
		    " WHERE day BETWEEN ?1 AND ?2"
		    " ORDER BY day, journey, figure, key",
		    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, from_day);
		sqlite3_bind_int(st, 2, to_day);
	}
	struct fig *v = NULL;
	size_t n = 0, cap = 0;
	int cur_day = 0;
	char cur_journey[EVENTS_ID_MAX + 1] = "";
	bool first_group = true;
	enum hatch_err err = HATCH_OK;
	while (rc == SQLITE_OK && err == HATCH_OK && k->err == HATCH_OK) {
		int step = sqlite3_step(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			rc = step;
			break;
		}
		const char *journey =
		    step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 1) : NULL;
		int day = step == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
		if (step == SQLITE_ROW && !journey) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (n && (step == SQLITE_DONE || day != cur_day ||
		          strcmp(journey, cur_journey))) {
			err = emit_group(&o, cur_day, cur_journey, v, n, threshold,
			                 &first_group);
			n = 0;
		}
		if (step == SQLITE_DONE || err != HATCH_OK)
			break;
		if (!n) {
			cur_day = day;
			snprintf(cur_journey, sizeof cur_journey, "%s", journey);
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct fig *nv = mem_realloc(v, ncap * sizeof *nv);
			if (!nv) {
				err = HATCH_ERR_NOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		struct fig *f = &v[n++];
		const unsigned char *fig = sqlite3_column_text(st, 2);
		const unsigned char *key = sqlite3_column_text(st, 3);
		snprintf(f->figure, sizeof f->figure, "%s", fig ? (const char *)fig : "");
		snprintf(f->key, sizeof f->key, "%s", key ? (const char *)key : "");
		f->n = sqlite3_column_int64(st, 4);
		f->value = sqlite3_column_int64(st, 5);
		f->hidden = false;
	}
	mem_free(v);
	if (rc != SQLITE_OK && err == HATCH_OK)
		err = store_sql_fail(s, rc, doing, e);
	else if (err == HATCH_ERR_NOMEM)
		err = err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory",
		              store_path(s), doing);
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(s->db))
		(void)sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	store_unlock(s);
	if (err == HATCH_OK && format == EVENTS_JSON)
		puts_(k, first_group ? "]}\n" : "\n]}\n");
	if (err == HATCH_OK && k->err != HATCH_OK) {
		if (k->err == HATCH_ERR_IO)
			err = err_set(e, HATCH_ERR_IO, "cannot write the figures: %s",
			              strerror(k->errnum));
		else if (k->err == HATCH_ERR_NOMEM)
			err = err_set(e, HATCH_ERR_NOMEM,
			              "cannot write the figures: out of memory");
		else
			err = err_set(e, k->err,
			              "cannot write the figures: they are too large");
	}
	return err;
}

enum hatch_err events_export(struct store *s, int from_day, int to_day,
                             unsigned threshold, enum events_format format, FILE *out,
                             struct hatch_error *e)
{
	struct sink k = {.f = out};
	errno = 0;
	enum hatch_err err =
	    export_to(s, from_day, to_day, threshold, format, NULL, &k, e);
	if (err == HATCH_OK && fflush(out) != 0)
		err = err_set(e, HATCH_ERR_IO, "cannot write the figures: %s",
		              strerror(errno));
	return err;
}

/* ---- the outbox ---- */

/* A day's figures in an outbox record: far more than a day of any
 * kiosk's journeys needs, well under the outbox's limits. */
#define OUTBOX_PAYLOAD_MAX ((size_t)8 << 20)

static void random_uuid(char out[37])
{
	unsigned char b[16];
	randombytes_buf(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
	         b[12], b[13], b[14], b[15]);
}

static bool valid_destination(const char *d)
{
	if (!d || !*d)
		return false;
	size_t i = 0;
	for (; d[i]; i++)
		if (i == EVENTS_ID_MAX || !id_char(d[i]))
			return false;
	return true;
}

/* Notes that DAY's figures went into the outbox for DESTINATION as
 * REFERENCE. */
static enum hatch_err note_sent(struct store *s, int day, const char *destination,
                                const char *reference, long long now,
                                struct hatch_error *e)
{
	static const char doing[] = "note the figures sent";
	store_lock(s);
	int rc = store_sql_begin(s);
	if (rc != SQLITE_OK) {
		enum hatch_err err = store_sql_fail(s, rc, doing, e);
		store_unlock(s);
		return err;
	}
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(
	    s->db,
	    "INSERT INTO event_sent (day, destination, reference, created)"
	    " VALUES (?1, ?2, ?3, ?4)",
	    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, day);
		sqlite3_bind_text(st, 2, destination, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, reference, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_finalize(st);
	}
	enum hatch_err err = store_sql_finish(s, HATCH_OK, rc, doing, e);
	store_unlock(s);
	return err;
}

enum hatch_err events_outbox_add(struct store *s, int day, const char *destination,
                                 unsigned threshold, long long now, struct hatch_error *e)
{
	if (!valid_destination(destination))
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "cannot send the figures: the destination is not an identifier "
		    "(a-z, 0-9, '_' and '-', at most %d characters)",
		    EVENTS_ID_MAX);
	char uuid[37], reference[16], head[160];
	struct buf b;
	buf_init(&b, OUTBOX_PAYLOAD_MAX);
	struct store_submission sub = {
	    .uuid = uuid,
	    .reference = reference,
	    .journey_id = EVENTS_OUTBOX_JOURNEY,
	    .journey_version = 1,
	    .destination = destination,
	    .language = "zxx",
	    .channel = "stats",
	    .created = now,
	};
	/* The reference: S, the day and five random base-32 characters; a
	 * clash with one made before is tried again with others. */
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	enum hatch_err err = HATCH_OK;
	for (int attempt = 0; attempt < 4; attempt++) {
		unsigned char r[5];
		randombytes_buf(r, sizeof r);
		snprintf(reference, sizeof reference, "S%08d-%c%c%c%c%c", day,
		         alphabet[r[0] & 31], alphabet[r[1] & 31], alphabet[r[2] & 31],
		         alphabet[r[3] & 31], alphabet[r[4] & 31]);
		random_uuid(uuid);
		/* What the record is, and the uuid and reference a receiver
		 * can tell a second delivery by. */
		snprintf(head, sizeof head,
		         "\"kind\":\"%s\",\"uuid\":\"%s\",\"reference\":\"%s\",",
		         EVENTS_OUTBOX_JOURNEY, uuid, reference);
		buf_cleanup(&b);
		struct sink k = {.b = &b};
		err = export_to(s, day, day, threshold, EVENTS_JSON, head, &k, e);
		if (err != HATCH_OK)
			break;
		sub.payload = buf_get(&b);
		err = store_outbox_add(s, &sub, e);
		if (err != HATCH_ERR_INPUT)
			break;
	}
	buf_cleanup(&b);
	if (err == HATCH_OK)
		err = note_sent(s, day, destination, reference, now, e);
	return err;
}

enum hatch_err events_outbox_catch_up(struct store *s, const char *destination,
                                      unsigned threshold, long long now, size_t *n,
                                      struct hatch_error *e)
{
	if (n)
		*n = 0;
	if (!valid_destination(destination))
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "cannot send the figures: the destination is not an identifier "
		    "(a-z, 0-9, '_' and '-', at most %d characters)",
		    EVENTS_ID_MAX);
	struct day_pair *days;
	size_t len;
	enum hatch_err err = list_days(
	    s,
	    /* event_days has a row a day, where event_counts has hundreds:
	     * a day rolled up at least once has figures. */
	    "SELECT day FROM event_days WHERE rolled_id > 0 AND day < ?1 AND day NOT IN"
	    " (SELECT day FROM event_sent WHERE destination = ?2) ORDER BY day",
	    events_day_of(now), destination, &days, &len, "list the figures to send", e);
	size_t sent = 0;
	for (size_t i = 0; err == HATCH_OK && i < len; i++) {
		err = events_outbox_add(s, days[i].day, destination, threshold, now, e);
		if (err == HATCH_OK)
			sent++;
	}
	mem_free(days);
	if (n)
		*n = sent;
	return err;
}
