/* events_summary: the staff dashboard's figures, read from the raw usage
 * events under the store's lock. */
#include "store/events_summary.h"

#include <stdio.h>
#include <string.h>

#include "store/events.h"
#include "store/store_int.h"

static const char journeys_sql[] =
	"SELECT journey, sum(kind = ?3), sum(kind = ?4) FROM events"
	" WHERE day BETWEEN ?1 AND ?2 AND journey != '' AND kind IN (?3, ?4)"
	" GROUP BY journey ORDER BY 2 DESC, journey LIMIT ?5";

static const char dropoffs_sql[] =
	"SELECT journey, step, count(*) FROM events"
	" WHERE day BETWEEN ?1 AND ?2 AND kind = ?3 AND journey != '' AND step != ''"
	" GROUP BY journey, step ORDER BY 3 DESC, journey, step LIMIT ?4";

static void copy_text(char *out, size_t size, const unsigned char *s)
{
	snprintf(out, size, "%s", s ? (const char *)s : "");
}

enum hatch_err events_summary(struct store *s, int from_day, int to_day,
			      struct events_summary *out, struct hatch_error *e)
{
	memset(out, 0, sizeof *out);
	store_lock(s);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, journeys_sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, from_day);
		sqlite3_bind_int(st, 2, to_day);
		sqlite3_bind_int(st, 3, EVENTS_STARTED);
		sqlite3_bind_int(st, 4, EVENTS_COMPLETED);
		sqlite3_bind_int(st, 5, EVENTS_SUMMARY_JOURNEYS);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct events_summary_journey *j = &out->journeys[out->njourneys++];
			copy_text(j->journey, sizeof j->journey, sqlite3_column_text(st, 0));
			j->started = (long)sqlite3_column_int64(st, 1);
			j->completed = (long)sqlite3_column_int64(st, 2);
		}
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db, dropoffs_sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, from_day);
		sqlite3_bind_int(st, 2, to_day);
		sqlite3_bind_int(st, 3, EVENTS_ABANDONED);
		sqlite3_bind_int(st, 4, EVENTS_SUMMARY_DROPOFFS);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct events_summary_dropoff *d = &out->dropoffs[out->ndropoffs++];
			copy_text(d->journey, sizeof d->journey, sqlite3_column_text(st, 0));
			copy_text(d->step, sizeof d->step, sqlite3_column_text(st, 1));
			d->abandoned = (long)sqlite3_column_int64(st, 2);
		}
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	enum hatch_err err = HATCH_OK;
	if (rc != SQLITE_OK) {
		err = store_sql_fail(s, rc, "read the usage figures", e);
		memset(out, 0, sizeof *out);
	}
	store_unlock(s);
	return err;
}
