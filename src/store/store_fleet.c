/* The outbox's figures for fleet monitoring (store_fleet.h): three reads in
 * one transaction on the store's one connection, each through an index so
 * that the cost follows what is waiting and what the retention period
 * keeps, not the delivered history. Uses store_int.h for the connection,
 * its lock and its error wording; changes nothing in the database.
 * Depends on base/, store/ and SQLite. */
#include "store/store_fleet.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/store_int.h"

/* How many of a destination's latest-added delivered records are looked
 * at when the retention period has purged all its payloads: enough that
 * an older record delivered late (after a backoff, or retried by staff) is
 * still seen in all but a long backlog, few enough to stay a few pages. */
#define FLEET_LATE_WINDOW 64

/* The rows being gathered. */
struct rows {
	struct store_fleet_row *v;
	size_t n, cap;
};

/* The row of NAME (added, zeroed, when there is none yet), or NULL when
 * there is no memory for it or NAME does not fit a row. */
static struct store_fleet_row *row_of(struct rows *r, const char *name, bool *nomem)
{
	*nomem = false;
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].destination, name))
			return &r->v[i];
	if (strlen(name) >= sizeof r->v[0].destination)
		return NULL; /* the store refuses such names: not ours to show */
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		struct store_fleet_row *nv = mem_realloc(r->v, ncap * sizeof *nv);
		if (!nv) {
			*nomem = true;
			return NULL;
		}
		r->v = nv;
		r->cap = ncap;
	}
	struct store_fleet_row *x = &r->v[r->n++];
	memset(x, 0, sizeof *x);
	memcpy(x->destination, name, strlen(name) + 1);
	return x;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct store_fleet_row *)a)->destination,
	              ((const struct store_fleet_row *)b)->destination);
}

/* Undelivered records, per destination and state: the claim index
 * (state, destination, id) holds them in three ranges. */
static const char sql_waiting[] =
    "SELECT destination, state, count(*), min(created) FROM outbox"
    " WHERE state IN ('queued', 'sending', 'dead') GROUP BY destination, state";

/* The latest delivery of each destination among the records whose payload
 * is still kept: the purge index holds exactly those, so this reads the
 * retention period's deliveries and no more. A purge takes payloads
 * delivered before a time, so a destination found here has its latest
 * delivery here. */
static const char sql_recent[] =
    "SELECT destination, max(delivered_at) FROM outbox"
    " WHERE payload_box IS NOT NULL AND delivered_at IS NOT NULL AND +state = 'delivered'"
    " GROUP BY destination";

/* A destination none of whose delivered payloads is kept: its latest
 * added delivered records, newest first through the claim index. */
static const char sql_late[] =
    "SELECT max(delivered_at) FROM (SELECT delivered_at FROM outbox"
    " WHERE state = 'delivered' AND destination = ?1 ORDER BY id DESC LIMIT ?2)";

static int state_index(const unsigned char *state)
{
	for (int i = 0; i < STORE_STATES; i++)
		if (state &&
		    !strcmp((const char *)state, store_state_name((enum store_state)i)))
			return i;
	return -1;
}

/* The three reads into R, inside the caller's transaction. */
static int gather(struct store *s, struct rows *r, bool *nomem)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql_waiting, -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		const unsigned char *name = sqlite3_column_text(st, 0);
		int i = state_index(sqlite3_column_text(st, 1));
		if (!name) {
			rc = SQLITE_NOMEM;
			break;
		}
		struct store_fleet_row *x = row_of(r, (const char *)name, nomem);
		if (*nomem)
			break;
		if (!x || i < 0)
			continue;
		size_t count = (size_t)sqlite3_column_int64(st, 2);
		long long oldest = sqlite3_column_int64(st, 3);
		if (i == STORE_DEAD) {
			x->dead = count;
			continue;
		}
		if (i == STORE_QUEUED)
			x->queued = count;
		else
			x->sending = count;
		if (!x->oldest_waiting || oldest < x->oldest_waiting)
			x->oldest_waiting = oldest;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_OK && !*nomem)
		rc = sqlite3_prepare_v2(s->db, sql_recent, -1, &st, NULL);
	while (rc == SQLITE_OK && !*nomem && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		const unsigned char *name = sqlite3_column_text(st, 0);
		if (!name) {
			rc = SQLITE_NOMEM;
			break;
		}
		struct store_fleet_row *x = row_of(r, (const char *)name, nomem);
		if (x)
			x->last_delivered = sqlite3_column_int64(st, 1);
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_OK && !*nomem)
		rc = sqlite3_prepare_v2(s->db, sql_late, -1, &st, NULL);
	for (size_t k = 0; rc == SQLITE_OK && !*nomem && k < r->n; k++) {
		if (r->v[k].last_delivered)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, r->v[k].destination, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, FLEET_LATE_WINDOW);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			r->v[k].last_delivered = sqlite3_column_int64(st, 0);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

enum hatch_err store_fleet_stats(struct store *s, const char *const *names, size_t nnames,
                                 struct store_fleet_row **v, size_t *n,
                                 struct hatch_error *e)
{
	static const char doing[] = "count the outbox for monitoring";
	*v = NULL;
	*n = 0;
	struct rows r = {NULL, 0, 0};
	bool nomem = false;
	/* The configured names first, so that each has a row whatever the
	 * outbox holds. */
	for (size_t i = 0; i < nnames && !nomem; i++)
		(void)row_of(&r, names[i], &nomem);
	if (nomem) {
		mem_free(r.v);
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory",
		               store_path(s), doing);
	}
	store_lock(s);
	/* One read transaction: the counts and the times of one moment. */
	int rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	enum hatch_err err = HATCH_OK;
	if (rc != SQLITE_OK) {
		err = store_sql_fail(s, rc, doing, e);
	} else {
		rc = gather(s, &r, &nomem);
		if (nomem)
			err = err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory",
			              store_path(s), doing);
		else if (rc != SQLITE_OK)
			err = store_sql_fail(s, rc, doing, e);
		if (!sqlite3_get_autocommit(s->db))
			(void)sqlite3_exec(s->db, err == HATCH_OK ? "COMMIT" : "ROLLBACK",
			                   NULL, NULL, NULL);
	}
	store_unlock(s);
	if (err != HATCH_OK) {
		mem_free(r.v);
		return err;
	}
	if (r.n)
		qsort(r.v, r.n, sizeof *r.v, by_name);
	else {
		mem_free(r.v);
		r.v = NULL;
	}
	*v = r.v;
	*n = r.n;
	return HATCH_OK;
}
