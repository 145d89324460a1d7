/* A look at the device database without opening it as the store does:
 * whether the file is there, is Hatch's, passes SQLite's quick check, which
 * schema it has and how large it is. For hatch doctor and the technician's
 * screen, which must see a damaged database as it is (store_open would move
 * it aside and salvage it) and must not migrate or change anything.
 *
 * Read-only: the file is opened with SQLITE_OPEN_READONLY. SQLite may still
 * make the database's -wal and -shm files when they are missing (as a
 * reader of a WAL database must), owned by the calling user: call it as
 * the user the kiosk runs as.
 *
 * Library code: never prints. Depends on base/, store/store.h and SQLite;
 * never on core/, ui/, sdl/, sync/ or app/. */
#ifndef HATCH_STORE_STORE_CHECK_H
#define HATCH_STORE_STORE_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* How many of quick_check's problems are counted (the first is kept):
 * enough to tell one bad page from a wrecked file without reading on. */
#define STORE_CHECK_PROBLEMS 10

struct store_check {
	bool exists;           /* the file is there (nothing else is filled if not) */
	bool opened;           /* SQLite could read its header and schema */
	bool hatch;            /* its application_id is Hatch's */
	bool intact;           /* PRAGMA quick_check said "ok" */
	bool damaged;          /* SQLite found it damaged or not a database at all
				* (not: merely unreadable, locked or busy) */
	size_t problems;       /* quick_check's problems, at most STORE_CHECK_PROBLEMS */
	long long schema;      /* PRAGMA user_version */
	long long file_bytes;  /* the database file's size */
	long long wal_bytes;   /* its -wal file's, 0 when none */
	long long page_size, pages, free_pages;
	/* When not opened or not intact: SQLite's words for the first problem
	 * (page numbers, table and index names; never a row's content), on
	 * one line. */
	char problem[256];
};

/* Looks at the database at PATH and fills OUT. A missing, unreadable or
 * damaged file is not an error of the call: OUT says what was found.
 * Fails only with HATCH_ERR_INPUT (PATH empty) and HATCH_ERR_NOMEM. Waits
 * up to 2 s for another connection's lock. */
enum hatch_err store_check(const char *path, struct store_check *out,
			   struct hatch_error *e) HATCH_MUST_CHECK;

/* The version of SQLite in use ("3.40.1"). */
const char *store_sqlite_version(void);

#endif
