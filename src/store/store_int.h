/* Inside the store: the open database as store.c keeps it, and the few of
 * its helpers that other files of store/ (staff.c) share, so that they use
 * the one writer connection, its lock and its way of reporting SQLite's
 * errors. Only for files in src/store/. Depends on base/, SQLite,
 * libsodium and pthreads. */
#ifndef HATCH_STORE_STORE_INT_H
#define HATCH_STORE_STORE_INT_H

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "store/store.h"

struct store {
	sqlite3 *db;
	char *path;
	char *key_path;
	char *moved_to;  /* where a damaged file went; NULL when not salvaged */
	bool checkpoint; /* a migration freed plaintext pages: clear the -wal */
	unsigned char key[crypto_secretbox_KEYBYTES];
	/* The kiosk's screen and its delivery thread share this one writer
	 * connection; each call runs whole under this lock, so transactions
	 * never interleave. */
	pthread_mutex_t lock;
	bool lock_ready;
	/* staff.c's Argon2id limits and the dummy hash unknown IDs are
	 * checked against, when staff_set_limits chose other than the
	 * defaults (staff_ops 0: the defaults). */
	unsigned long long staff_ops;
	size_t staff_mem;
	char staff_dummy[crypto_pwhash_STRBYTES];
};

/* Makes the directory DIR (a writable copy of a directory name) and its
 * parents when missing, mode 0700; PATH names the file it is for in the
 * message: HATCH_ERR_IO when one cannot be made or DIR is not a directory. */
enum hatch_err store_make_dirs(const char *path, char *dir, struct hatch_error *e) HATCH_MUST_CHECK;

/* Takes and gives back S's connection lock. Every public call that uses
 * S->db holds it from its first statement to its last. */
void store_lock(struct store *s);
void store_unlock(struct store *s);

/* Writes a plain reason for the SQLite result RC into E, naming S's file
 * ("PATH: cannot DOING: the disk is full"), and returns the matching
 * error: HATCH_ERR_NOMEM, HATCH_ERR_LIMIT (too big), HATCH_ERR_INPUT (a
 * constraint), else HATCH_ERR_IO. Call it before any rollback, which would
 * replace SQLite's message. */
enum hatch_err store_sql_fail(const struct store *s, int rc, const char *doing,
			      struct hatch_error *e);

/* BEGIN IMMEDIATE on S's connection: the write lock is taken now, so a
 * busy database is found before anything is written. An SQLite result. */
int store_sql_begin(struct store *s);

/* Ends a write transaction: commits when ERR is HATCH_OK and RC
 * SQLITE_OK, else (or when the commit fails) rolls back; returns the
 * error, worded with DOING. */
enum hatch_err store_sql_finish(struct store *s, enum hatch_err err, int rc, const char *doing,
				struct hatch_error *e);

#endif
