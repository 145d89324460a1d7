/* The staff's view of the usage events: for a run of days, how many of each
 * journey were started and completed, and the steps people most often gave
 * up on. Counted from the raw events (kept EVENTS_RETENTION_DAYS by
 * default, so today and the week are always there), not suppressed: staff
 * see counts of their own kiosk, never who. Depends on store/ and SQLite
 * only. Never prints. */
#ifndef HATCH_STORE_EVENTS_SUMMARY_H
#define HATCH_STORE_EVENTS_SUMMARY_H

#include <stddef.h>

#include "base/err.h"
#include "store/store.h"

#define EVENTS_SUMMARY_JOURNEYS 16
#define EVENTS_SUMMARY_DROPOFFS 8

struct events_summary_journey {
	char journey[65];
	long started, completed;
};

struct events_summary_dropoff {
	char journey[65];
	char step[65];
	long abandoned;
};

struct events_summary {
	/* By journey, most started first; at most EVENTS_SUMMARY_JOURNEYS. */
	struct events_summary_journey journeys[EVENTS_SUMMARY_JOURNEYS];
	size_t njourneys;
	/* The steps journeys were most often abandoned on, most first. */
	struct events_summary_dropoff dropoffs[EVENTS_SUMMARY_DROPOFFS];
	size_t ndropoffs;
};

/* Fills OUT with the events of the days FROM_DAY to TO_DAY (YYYYMMDD, both
 * included). HATCH_ERR_IO when the database cannot be read (OUT is then
 * empty), HATCH_ERR_NOMEM. */
enum hatch_err events_summary(struct store *s, int from_day, int to_day,
			      struct events_summary *out, struct hatch_error *e) HATCH_MUST_CHECK;

#endif
