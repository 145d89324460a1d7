/* The device database looked at read-only (store_check.h): SQLite's quick
 * check, the schema version, the sizes. Uses no private part of store.c
 * (which owns the schema) beyond the file's application id. Only store/
 * includes SQLite. */
#include "store/store_check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "base/mem.h"
#include "store/store.h"

/* store.c's PRAGMA application_id, "HTCH", which marks a file as Hatch's. */
#define CHECK_APPLICATION_ID 0x48544348

/* Another connection's lock (the kiosk's checkpoint) is waited for this
 * long: a doctor should not hang behind a busy kiosk, nor call a database
 * damaged because it was busy for a moment. */
#define CHECK_BUSY_MS 2000

/* Copies S into OUT (SIZE bytes) on one line. */
static void one_line(char *out, size_t size, const char *s)
{
	size_t i = 0;
	for (; s && *s && i + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;
		out[i++] = c == '\n' ? ';' : c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[i] = '\0';
}

static int query_ll(sqlite3 *db, const char *sql, long long *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static long long size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* PRAGMA quick_check into OUT: intact, or the first problem and how many. */
static int quick_check(sqlite3 *db, struct store_check *out)
{
	sqlite3_stmt *st;
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA quick_check(%d)", STORE_CHECK_PROBLEMS);
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(st, 0);
		if (row && !strcmp(row, "ok")) {
			out->intact = true;
			continue;
		}
		/* A row may hold several problems, a line each, under a
		 * "*** in database main ***" heading. */
		const char *p = row ? row : "(no text)";
		while (*p) {
			size_t n = strcspn(p, "\n");
			if (n && strncmp(p, "*** ", 4) != 0) {
				if (!out->problems) {
					char line[256];
					snprintf(line, sizeof line, "%.*s", (int)n, p);
					one_line(out->problem, sizeof out->problem, line);
				}
				if (out->problems < STORE_CHECK_PROBLEMS)
					out->problems++;
			}
			p += n;
			if (*p)
				p++;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

enum hatch_err store_check(const char *path, struct store_check *out, struct hatch_error *e)
{
	memset(out, 0, sizeof *out);
	if (!path || !*path)
		return err_set(e, HATCH_ERR_INPUT, "no database path");
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			snprintf(out->problem, sizeof out->problem, "cannot look at it: %s",
				 strerror(errno));
		/* Something there that cannot be looked at still exists. */
		out->exists = errno != ENOENT;
		return HATCH_OK;
	}
	out->exists = true;
	out->file_bytes = (long long)st.st_size;
	if (!S_ISREG(st.st_mode)) {
		snprintf(out->problem, sizeof out->problem, "not a regular file");
		return HATCH_OK;
	}
	struct buf wal;
	buf_init(&wal, 8192);
	if (buf_addf(&wal, "%s-wal", path) != HATCH_OK)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	out->wal_bytes = size_of(buf_get(&wal));
	buf_cleanup(&wal);

	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_NOMEM) {
		sqlite3_close(db);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, CHECK_BUSY_MS);
		long long app = 0;
		rc = query_ll(db, "PRAGMA application_id", &app);
		if (rc == SQLITE_OK)
			rc = query_ll(db, "PRAGMA user_version", &out->schema);
		if (rc == SQLITE_OK) {
			out->opened = true;
			out->hatch = app == CHECK_APPLICATION_ID;
			rc = query_ll(db, "PRAGMA page_size", &out->page_size);
		}
		if (rc == SQLITE_OK)
			rc = query_ll(db, "PRAGMA page_count", &out->pages);
		if (rc == SQLITE_OK)
			rc = query_ll(db, "PRAGMA freelist_count", &out->free_pages);
		if (rc == SQLITE_OK)
			rc = quick_check(db, out);
		if (rc == SQLITE_OK && !out->intact)
			out->damaged = true;
	}
	if (rc == SQLITE_NOMEM) {
		sqlite3_close(db);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	if (rc != SQLITE_OK) {
		/* A header or schema SQLite cannot read, or a page it trips
		 * over before quick_check could say so. */
		out->intact = false;
		int primary = rc & 0xff;
		out->damaged = primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
		if (!out->problems)
			one_line(out->problem, sizeof out->problem,
				 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		out->problems = out->problems ? out->problems : 1;
	}
	sqlite3_close(db);
	return HATCH_OK;
}

const char *store_sqlite_version(void)
{
	return sqlite3_libversion();
}
