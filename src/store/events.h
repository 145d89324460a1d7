/* Anonymous usage events and the open data made from them. The kiosk
 * records what happens in a journey (started, a step shown, a validation
 * error, completed, a stop page, abandoned, a language or a preference
 * chosen, the time spent on a step, a satisfaction answer) with no personal
 * data: every name in an event is an identifier from the journey
 * definition (a journey, a step, a field, a rule), a language tag or a
 * preference, checked here, so that no free text (an answer, a name, an
 * address) can be passed in at all.
 *
 * The life of an event:
 *
 *   events_record (screen thread: an in-memory append, never waits on
 *        |         SQLite or the store's lock; a full buffer drops the new
 *        v         event and counts it)
 *   events_flush  (delivery thread or a timer: the batch in one BEGIN
 *        |         IMMEDIATE transaction on the store's connection)
 *        v
 *   raw events (table events) --events_rollup--> daily figures (event_counts)
 *        |                                        kept for good
 *        +-- purged after the retention period (EVENTS_RETENTION_DAYS)
 *
 *   events_export: the daily figures of a range of days as CSV or JSON,
 *   with small counts suppressed (docs/open-data.md says what each figure
 *   means); events_outbox_add: one day's figures as an outbox record for a
 *   destination, delivered like a submission (journey_id "hatch-stats").
 *
 * Days are local calendar dates written as the integer YYYYMMDD (20240501).
 * Times are unix seconds. Durations are kept in whole seconds, rounded to
 * the nearest (half a second up).
 *
 * Depends on base/, store/ (store_int.h), SQLite, libsodium (random
 * UUIDs) and pthreads; never on core/, ui/, sdl/, app/. Never prints:
 * events_export writes only to the FILE it is given. */
#ifndef HATCH_STORE_EVENTS_H
#define HATCH_STORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "store/store.h"

/* An identifier (journey, step, field, rule, preference name and value) is
 * 1 to EVENTS_ID_MAX characters of a-z, 0-9, '_' and '-'. Anything else is
 * refused, which is what keeps free text out. */
#define EVENTS_ID_MAX 64
/* A language tag is at most EVENTS_LANG_MAX characters: 2 or 3 letters,
 * then at most three subtags of 2 to 8 letters or digits, each after a
 * '-' ("en", "cy", "pt-BR", "zh-Hant-TW"); either case, kept in lower
 * case. Narrower than BCP 47 on purpose: a longer word could be a name. */
#define EVENTS_LANG_MAX 35
/* The longest duration an event may carry (a day), in milliseconds. */
#define EVENTS_DURATION_MAX_MS 86400000L
/* The defaults: how long raw events are kept after their day (days), the
 * smallest count published (smaller non-zero counts are suppressed), and
 * the events the buffer holds between two flushes. */
#define EVENTS_RETENTION_DAYS 30
#define EVENTS_THRESHOLD      5
#define EVENTS_CAPACITY       1024

/* The journey_id of the outbox records events_outbox_add makes. */
#define EVENTS_OUTBOX_JOURNEY "hatch-stats"

enum events_kind {
	/* A journey started. JOURNEY, LANGUAGE (the language it starts in),
	 * ASSISTED. */
	EVENTS_STARTED = 1,
	/* A step shown. JOURNEY, STEP. */
	EVENTS_STEP_SHOWN,
	/* A validation error shown. JOURNEY, STEP, FIELD (the part of the
	 * step, "" or NULL when the step has one), RULE (the rule broken:
	 * "required", "max_length", "postcode"...). Never the value. */
	EVENTS_VALIDATION_ERROR,
	/* A journey completed (submitted). JOURNEY, DURATION_MS (from its
	 * start to now), ASSISTED. */
	EVENTS_COMPLETED,
	/* A stop page reached (the journey cannot go on: not eligible).
	 * JOURNEY, STEP (the stop page). */
	EVENTS_STOP_PAGE,
	/* A journey abandoned. JOURNEY, STEP (the last step shown; "" or NULL
	 * when none was), END (timeout or cancel), ASSISTED. */
	EVENTS_ABANDONED,
	/* A language chosen. LANGUAGE; JOURNEY, or "" or NULL when chosen
	 * outside a journey (the welcome screen). */
	EVENTS_LANGUAGE,
	/* A preference used. PREF ("text_size", "contrast", "speech",
	 * "more_time"), VALUE ("200", "high", "on"); JOURNEY or "" or NULL as
	 * for EVENTS_LANGUAGE. */
	EVENTS_PREFERENCE,
	/* The time spent on a step, when the citizen leaves it. JOURNEY,
	 * STEP, DURATION_MS. */
	EVENTS_STEP_TIME,
	/* A satisfaction answer. JOURNEY, SATISFACTION (1 very dissatisfied
	 * .. 5 very satisfied). */
	EVENTS_SATISFACTION,
};

/* How an abandoned journey ended. */
enum events_end {
	EVENTS_END_TIMEOUT = 1, /* the idle timeout ran out */
	EVENTS_END_CANCEL,      /* the citizen (or staff) chose to stop */
};

/* One event, as the caller fills it in. Only the fields the kind uses
 * (listed at each kind above) are read; the others are ignored and never
 * stored. Strings are borrowed for the call only. */
struct event {
	enum events_kind kind;
	const char *journey;
	const char *step;
	const char *field;
	const char *rule;
	const char *language;
	const char *pref;
	const char *value;
	enum events_end end;
	bool assisted;    /* a staff member is running the session */
	long duration_ms; /* 0 .. EVENTS_DURATION_MAX_MS */
	int satisfaction; /* 1 .. 5 */
	int day;          /* local date YYYYMMDD; 0: the local date of TIME */
	long long time;   /* unix seconds; 0: now */
};

/* The recorder of one store: a bounded in-memory buffer of events waiting
 * to be flushed. events_record may be called from any thread at once with
 * the other calls; events_flush and events_rollup from one thread at a time
 * (a second one waits for the first). */
struct events;

/* What a recorder has seen since it was created. */
struct events_counters {
	uint64_t recorded; /* accepted into the buffer */
	uint64_t refused;  /* refused by events_record (bad names, values) */
	uint64_t dropped;  /* valid, but the buffer was full */
	uint64_t flushed;  /* written to the database */
	size_t pending;    /* in the buffer now */
};

/* Makes a recorder over S (borrowed: close S only after events_destroy),
 * whose buffer holds CAPACITY events (0: EVENTS_CAPACITY) between two
 * flushes. WAKE, when not NULL, is called with ARG from events_record's
 * thread, after the event is in and outside any lock, each time the
 * buffer reaches half its capacity, so that the caller can wake its
 * flushing thread; it must not block. HATCH_ERR_NOMEM (*OUT NULL). */
enum hatch_err events_create(struct store *s, size_t capacity, void (*wake)(void *arg),
                             void *arg, struct events **out,
                             struct hatch_error *e) HATCH_MUST_CHECK;

/* Frees EV; accepts NULL. Events still in the buffer are lost: flush
 * first. */
void events_destroy(struct events *ev);

/* Checks EV_IN and appends a copy to EV's buffer. Safe from any thread:
 * the checks and the copy are made on the caller's stack, and a mutex of
 * EV's own (never the store's) is held only to copy the event into its
 * slot, so a call takes microseconds and never waits on SQLite or a flush
 * writing to disk. A TIME of 0 is taken from the clock here; the day is
 * worked out at the flush.
 *   HATCH_ERR_INPUT  refused: an unknown kind; a name that is not an
 *                    identifier (or a language tag), or is missing where
 *                    the kind needs it; a duration, satisfaction or end out
 *                    of range; a day that is not a date. E says which field
 *                    and why, never what it held. Counted as refused.
 *   HATCH_ERR_LIMIT  the buffer is full (nobody flushed): the event is
 *                    dropped and counted; the buffer is left as it was.
 * Nothing else fails; nothing is allocated. E may be NULL. */
enum hatch_err events_record(struct events *ev, const struct event *ev_in,
                             struct hatch_error *e);

/* True when the buffer holds at least half its capacity: time to flush. */
bool events_flush_due(struct events *ev);

/* EV's counters, read under its mutex. */
void events_counters_get(struct events *ev, struct events_counters *out);

/* Writes the events in EV's buffer to the database in one BEGIN IMMEDIATE
 * transaction on the store's connection, under the store's lock; events
 * recorded meanwhile go into the other buffer and are not held up. The
 * commit is atomic but not synced to disk at once (synchronous=NORMAL for
 * it; the next submission's commit syncs it too): a power cut may lose the
 * last few seconds of events, never a submission, and the lock is not held
 * through a sync. *N (may be NULL) says how many were written. On failure
 * (HATCH_ERR_IO: disk full, locked; HATCH_ERR_NOMEM) nothing is written and
 * the batch is kept, to be written first at the next flush; meanwhile new
 * events fill the other buffer (and are dropped once it is full). Call it
 * from the kiosk's delivery thread, when woken (see events_create), on a
 * timer, and before events_destroy. */
enum hatch_err events_flush(struct events *ev, size_t *n,
                            struct hatch_error *e) HATCH_MUST_CHECK;

/* What an events_rollup did. */
struct events_rollup_stats {
	size_t days;   /* days whose figures were added to */
	size_t events; /* raw events counted into them */
	size_t purged; /* raw events deleted for their age */
};

/* Flushes EV, then counts every raw event of a day before NOW's local date
 * that has not been counted yet into that day's figures, each day in its
 * own transaction (incremental: an event is counted once, and one that
 * arrives late for a day already rolled up is added to it at the next
 * roll-up). A day's medians are taken afresh over all its raw events while
 * they are kept; after they are purged a late event adds to the counts and
 * leaves the medians as they were. Then deletes the raw events, already
 * counted, of days more than RETENTION_DAYS (0: EVENTS_RETENTION_DAYS)
 * before NOW's local date. The figures are kept for good. Today's events
 * wait for tomorrow: call it once a day or more (the kiosk: after
 * midnight, and at start-up). Each day's work holds the store's lock for
 * one transaction, not the whole roll-up. OUT may be NULL. A failure
 * leaves the days before the failing one done and that one as it was:
 * HATCH_ERR_IO, HATCH_ERR_NOMEM. */
enum hatch_err events_rollup(struct events *ev, long long now, unsigned retention_days,
                             struct events_rollup_stats *out,
                             struct hatch_error *e) HATCH_MUST_CHECK;

enum events_format {
	EVENTS_CSV,
	EVENTS_JSON,
};

/* Writes the daily figures of the days FROM_DAY to TO_DAY (YYYYMMDD, both
 * included) to OUT as FORMAT, one record per journey and day (the layout
 * and every figure's meaning are in docs/open-data.md). Reads only the
 * rolled-up figures: events not yet rolled up (today's) are not in it.
 * Every count from 1 to THRESHOLD - 1 (THRESHOLD 0: EVENTS_THRESHOLD) is
 * suppressed (empty in CSV, null in JSON), and so is every figure worked
 * out from a suppressed count (a rate, a median, a share).
 *   HATCH_ERR_INPUT  a day that is not a date, or FROM_DAY after TO_DAY;
 *   HATCH_ERR_IO     OUT cannot be written (E says why; the caller names
 *                    the file), the database cannot be read;
 *   HATCH_ERR_NOMEM. What was written before a failure stays written. */
enum hatch_err events_export(struct store *s, int from_day, int to_day,
                             unsigned threshold, enum events_format format, FILE *out,
                             struct hatch_error *e) HATCH_MUST_CHECK;

/* Puts the figures of DAY into the outbox for DESTINATION as a submission
 * with journey_id EVENTS_OUTBOX_JOURNEY, channel "stats", a fresh UUID and
 * a reference "S" DAY "-" and five random characters, created at NOW, so
 * that sync/ delivers it like any other record (a webhook destination
 * POSTs it as it is, the UUID as its Idempotency-Key). The payload is
 * events_export's JSON for that day with threshold THRESHOLD, with three
 * members first: "kind": "hatch-stats", "uuid" and "reference". Each call
 * adds a record, even for a day sent before: the latest one for a day
 * holds its figures as they stand (late events added). Also
 * HATCH_ERR_INPUT when DESTINATION is not an identifier. */
enum hatch_err events_outbox_add(struct store *s, int day, const char *destination,
                                 unsigned threshold, long long now,
                                 struct hatch_error *e) HATCH_MUST_CHECK;

/* events_outbox_add for every day before NOW's local date that has
 * figures and has never been put in the outbox for DESTINATION, oldest
 * first; *N (may be NULL) says how many. For the kiosk to call after each
 * roll-up: days missed while the device was off are caught up. */
enum hatch_err events_outbox_catch_up(struct store *s, const char *destination,
                                      unsigned threshold, long long now, size_t *n,
                                      struct hatch_error *e) HATCH_MUST_CHECK;

/* The local date of unix time T as YYYYMMDD. */
int events_day_of(long long t);

/* Reads a date written YYYY-MM-DD into *DAY (YYYYMMDD). False when TEXT is
 * not exactly that form or not a real date. */
bool events_day_parse(const char *text, int *day);

/* True when DAY (YYYYMMDD) is a real date from 1970 to 9999. */
bool events_day_valid(int day);

/* DAY moved by DELTA days (negative: back). DAY must be valid. */
int events_day_add(int day, int delta);

#endif
