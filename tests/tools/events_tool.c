/* A test-only helper for tests/cli/stats.sh: records anonymous usage
 * events into a database through the real API (events_record, then
 * events_flush), as the kiosk would. Not installed.
 *   events_tool script DB      the scripted set test_events also uses: four
 *        sessions on two journeys on 2024-05-01, a language and a text size
 *        chosen outside any journey, and one session cancelled before its
 *        first step on 2024-05-02
 *   events_tool sessions DB DATE JOURNEY N
 *        N sessions of JOURNEY started in English and completed in a minute
 *        on DATE (YYYY-MM-DD)
 *   events_tool canary DB MARKER...
 *        each MARKER in each name of each kind of event, as a careless
 *        caller might pass an answer: prints "recorded N refused N", and
 *        each refusal's reason on standard error */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/events.h"
#include "store/store.h"

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "events_tool: %s: %s\n", what, why);
	return 1;
}

/* Ten in the morning, local time, on DAY. */
static long long morning(int day)
{
	struct tm tm = {0};
	tm.tm_year = day / 10000 - 1900;
	tm.tm_mon = day / 100 % 100 - 1;
	tm.tm_mday = day % 100;
	tm.tm_hour = 10;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

static int rec(struct events *ev, struct event x)
{
	struct hatch_error e = {""};
	x.time = morning(x.day);
	if (events_record(ev, &x, &e) != HATCH_OK)
		return fail("record", e.msg);
	return 0;
}

static int script(struct events *ev)
{
	const int d1 = 20240501, d2 = 20240502;
	const char *mb = "missed-bin";
	const struct event v[] = {
	    {.kind = EVENTS_STARTED, .journey = mb, .language = "en", .day = d1},
	    {.kind = EVENTS_STEP_SHOWN, .journey = mb, .step = "bins", .day = d1},
	    {.kind = EVENTS_STEP_TIME,
	     .journey = mb,
	     .step = "bins",
	     .duration_ms = 12400,
	     .day = d1},
	    {.kind = EVENTS_STEP_SHOWN, .journey = mb, .step = "date", .day = d1},
	    {.kind = EVENTS_VALIDATION_ERROR,
	     .journey = mb,
	     .step = "date",
	     .field = "day",
	     .rule = "required",
	     .day = d1},
	    {.kind = EVENTS_STEP_TIME,
	     .journey = mb,
	     .step = "date",
	     .duration_ms = 30500,
	     .day = d1},
	    {.kind = EVENTS_STEP_SHOWN, .journey = mb, .step = "check", .day = d1},
	    {.kind = EVENTS_COMPLETED, .journey = mb, .duration_ms = 125000, .day = d1},
	    {.kind = EVENTS_SATISFACTION, .journey = mb, .satisfaction = 5, .day = d1},
	    {.kind = EVENTS_STARTED,
	     .journey = mb,
	     .language = "cy",
	     .assisted = true,
	     .day = d1},
	    {.kind = EVENTS_STEP_SHOWN, .journey = mb, .step = "bins", .day = d1},
	    {.kind = EVENTS_STEP_TIME,
	     .journey = mb,
	     .step = "bins",
	     .duration_ms = 20000,
	     .day = d1},
	    {.kind = EVENTS_ABANDONED,
	     .journey = mb,
	     .step = "bins",
	     .end = EVENTS_END_TIMEOUT,
	     .assisted = true,
	     .day = d1},
	    {.kind = EVENTS_STARTED, .journey = mb, .language = "EN", .day = d1},
	    {.kind = EVENTS_STEP_SHOWN, .journey = mb, .step = "bins", .day = d1},
	    {.kind = EVENTS_VALIDATION_ERROR,
	     .journey = mb,
	     .step = "bins",
	     .rule = "required",
	     .day = d1},
	    {.kind = EVENTS_STEP_SHOWN, .journey = mb, .step = "date", .day = d1},
	    {.kind = EVENTS_PREFERENCE,
	     .journey = mb,
	     .pref = "contrast",
	     .value = "high",
	     .day = d1},
	    {.kind = EVENTS_COMPLETED, .journey = mb, .duration_ms = 200400, .day = d1},
	    {.kind = EVENTS_SATISFACTION, .journey = mb, .satisfaction = 4, .day = d1},
	    {.kind = EVENTS_STARTED,
	     .journey = "blue-badge",
	     .language = "en",
	     .day = d1},
	    {.kind = EVENTS_STEP_SHOWN,
	     .journey = "blue-badge",
	     .step = "eligibility",
	     .day = d1},
	    {.kind = EVENTS_STOP_PAGE,
	     .journey = "blue-badge",
	     .step = "not-eligible",
	     .day = d1},
	    {.kind = EVENTS_LANGUAGE, .language = "cy", .day = d1},
	    {.kind = EVENTS_PREFERENCE, .pref = "text_size", .value = "200", .day = d1},
	    {.kind = EVENTS_STARTED, .journey = mb, .language = "en", .day = d2},
	    {.kind = EVENTS_ABANDONED,
	     .journey = mb,
	     .end = EVENTS_END_CANCEL,
	     .day = d2},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (rec(ev, v[i]))
			return 1;
	return 0;
}

static int sessions(struct events *ev, const char *date, const char *journey,
                    const char *count)
{
	int day;
	if (!events_day_parse(date, &day))
		return fail(date, "not a date");
	int n = (int)strtol(count, NULL, 10);
	for (int i = 0; i < n; i++) {
		if (rec(ev, (struct event){.kind = EVENTS_STARTED,
		                           .journey = journey,
		                           .language = "en",
		                           .day = day}) ||
		    rec(ev, (struct event){.kind = EVENTS_COMPLETED,
		                           .journey = journey,
		                           .duration_ms = 60000,
		                           .day = day}))
			return 1;
	}
	return 0;
}

static int canary(struct events *ev, int n, char **markers)
{
	unsigned long recorded = 0, refused = 0;
	for (int k = EVENTS_STARTED; k <= EVENTS_SATISFACTION; k++) {
		for (int f = 0; f < 7; f++) {
			for (int i = 0; i < n; i++) {
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
				x.time = morning(x.day);
				struct hatch_error e = {""};
				if (events_record(ev, &x, &e) == HATCH_OK) {
					recorded++;
				} else {
					refused++;
					fprintf(stderr, "%s\n", e.msg);
				}
			}
		}
	}
	printf("recorded %lu refused %lu\n", recorded, refused);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return fail("usage", "events_tool script|sessions|canary DB ...");
	const char *cmd = argv[1];
	struct hatch_error e = {""};
	struct store *s;
	if (store_open(argv[2], &s, &e) != HATCH_OK)
		return fail(argv[2], e.msg);
	struct events *ev;
	if (events_create(s, 4096, NULL, NULL, &ev, &e) != HATCH_OK) {
		store_close(s);
		return fail("create", e.msg);
	}
	int status;
	if (!strcmp(cmd, "script") && argc == 3)
		status = script(ev);
	else if (!strcmp(cmd, "sessions") && argc == 6)
		status = sessions(ev, argv[3], argv[4], argv[5]);
	else if (!strcmp(cmd, "canary") && argc >= 4)
		status = canary(ev, argc - 3, argv + 3);
	else
		status = fail(cmd, "unknown command or wrong arguments");
	size_t n;
	if (!status && events_flush(ev, &n, &e) != HATCH_OK)
		status = fail("flush", e.msg);
	events_destroy(ev);
	store_close(s);
	return status;
}
