/* The device's SQLite database: opening and creating it, migrations by
 * PRAGMA user_version, the device row and the outbox. The only file that
 * includes sqlite3.h. Depends on base/, platform/, SQLite and libc; knows
 * nothing of journeys and never prints. SQLite keeps its own allocator. */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "platform/platform.h"

/* How long a statement waits for another connection's lock (hatch queue, a
 * checkpoint) before giving up: long enough to outlast any write Hatch
 * makes, short enough that the kiosk can still tell the citizen something. */
#define BUSY_TIMEOUT_MS 5000

/* PRAGMA application_id, "HTCH": marks the file as Hatch's, so that another
 * program's SQLite database is refused rather than migrated. */
#define APPLICATION_ID 0x48544348

struct store {
	sqlite3 *db;
	char *path;
};

static const char *const state_names[STORE_STATES] = {
	[STORE_QUEUED] = "queued",
	[STORE_SENDING] = "sending",
	[STORE_DELIVERED] = "delivered",
	[STORE_DEAD] = "dead",
};

const char *store_state_name(enum store_state st)
{
	if ((int)st < 0 || (int)st >= STORE_STATES)
		return NULL;
	return state_names[st];
}

const char *store_path(const struct store *s)
{
	return s->path;
}

/* Writes a plain reason for the SQLite result RC into E, naming the file,
 * and returns the matching error. DOING completes "cannot ...". Call it
 * before any rollback, which would replace SQLite's message. */
static enum hatch_err fail(const struct store *s, int rc, const char *doing,
			   struct hatch_error *e)
{
	const char *why;
	int sys = 0;
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory", s->path,
			       doing);
	case SQLITE_TOOBIG:
		return err_set(e, HATCH_ERR_LIMIT, "%s: cannot %s: the record is too large",
			       s->path, doing);
	case SQLITE_CONSTRAINT:
		return err_set(e, HATCH_ERR_INPUT, "%s: cannot %s: %s", s->path, doing,
			       s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	case SQLITE_FULL:
		why = "the disk is full";
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		why = "the database is locked by another program";
		break;
	case SQLITE_READONLY:
		why = "the database is read-only";
		break;
	case SQLITE_NOTADB:
		why = "the file is not a database";
		break;
	case SQLITE_CORRUPT:
		why = "the database is damaged";
		break;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		why = "permission denied";
		break;
	case SQLITE_CANTOPEN:
		why = "cannot open the file";
		sys = s->db ? sqlite3_system_errno(s->db) : 0;
		break;
	case SQLITE_IOERR:
		why = "input/output error";
		sys = s->db ? sqlite3_system_errno(s->db) : 0;
		break;
	default:
		why = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
		break;
	}
	if (sys)
		return err_set(e, HATCH_ERR_IO, "%s: cannot %s: %s (%s)", s->path, doing, why,
			       strerror(sys));
	return err_set(e, HATCH_ERR_IO, "%s: cannot %s: %s", s->path, doing, why);
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int begin(sqlite3 *db)
{
	/* IMMEDIATE takes the write lock now, so a busy database is found
	 * before anything is written and the busy timeout applies to it. */
	return exec(db, "BEGIN IMMEDIATE");
}

/* Ends a failed transaction, if SQLite has not already ended it (it may
 * after SQLITE_FULL, SQLITE_IOERR or SQLITE_NOMEM). */
static void rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		(void)exec(db, "ROLLBACK");
}

/* Runs SQL, which yields one integer, into *OUT. SQLITE_DONE when it yields
 * no row. */
static int query_int(sqlite3 *db, const char *sql, long long *out)
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

/* Makes PATH's directory (and its parents, mode 0700) when missing, then
 * the file itself, mode 0600 because it will hold personal data. SQLite
 * gives the -wal and -shm files the mode of the database file. */
static enum hatch_err make_file(const char *path, struct hatch_error *e)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	if (!slash)
		dir = mem_strdup(".");
	else if (slash == path)
		dir = mem_strdup("/");
	else
		dir = mem_strndup(path, (size_t)(slash - path));
	if (!dir)
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot open it: out of memory", path);
	enum hatch_err rc = HATCH_OK;
	struct stat st;
	if (stat(dir, &st) != 0) {
		for (char *p = dir + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char c = *p;
			*p = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
				rc = err_set(e, HATCH_ERR_IO, "%s: cannot create the directory %s: %s",
					     path, dir, strerror(errno));
				break;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	if (rc == HATCH_OK && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
		rc = err_set(e, HATCH_ERR_IO, "%s: cannot create it: %s is not a directory",
			     path, dir);
	if (rc == HATCH_OK) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
			/* The new name must survive a power cut as surely as the
			 * first commit will; SQLite syncs only its own -wal. */
			int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				(void)fsync(dfd);
				close(dfd);
			}
		} else if (errno != EEXIST) {
			rc = err_set(e, HATCH_ERR_IO, "%s: cannot create it: %s", path,
				     strerror(errno));
		}
	}
	mem_free(dir);
	return rc;
}

/* Reads the schema version into *VERSION and refuses a file that is not
 * Hatch's or was written by a newer program. */
static enum hatch_err check_version(const struct store *s, long long *version,
				    struct hatch_error *e)
{
	long long v = 0, app = 0, objects = 0;
	int rc = query_int(s->db, "PRAGMA user_version", &v);
	if (rc == SQLITE_OK)
		rc = query_int(s->db, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = query_int(s->db, "SELECT count(*) FROM sqlite_master", &objects);
	if (rc != SQLITE_OK)
		return fail(s, rc, "read it", e);
	if ((v != 0 && app != APPLICATION_ID) || (v == 0 && objects != 0))
		return err_set(e, HATCH_ERR_IO,
			       "%s: cannot use it: it is an SQLite database, but not Hatch's",
			       s->path);
	if (v > STORE_SCHEMA_VERSION)
		return err_set(e, HATCH_ERR_STATE,
			       "%s: cannot use it: it was written by a newer Hatch (schema "
			       "version %lld; this one knows up to %d)",
			       s->path, v, STORE_SCHEMA_VERSION);
	*version = v;
	return HATCH_OK;
}

/* The device key is random, not derived from anything, so references made
 * from it reveal neither the device nor the order of submissions. */
static const char schema_1[] =
	"CREATE TABLE device ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" reference_key INTEGER NOT NULL,"
	" next_sequence INTEGER NOT NULL CHECK (next_sequence >= 1),"
	" created INTEGER NOT NULL);"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" uuid TEXT UNIQUE NOT NULL,"
	" reference TEXT UNIQUE NOT NULL,"
	" journey_id TEXT NOT NULL,"
	" journey_version INTEGER NOT NULL,"
	" destination TEXT NOT NULL,"
	" language TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" payload TEXT NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (state IN ('queued','sending','delivered','dead')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER,"
	" last_error TEXT,"
	" remote_id TEXT,"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL);"
	"CREATE INDEX outbox_due ON outbox (state, destination, next_attempt);";

static enum hatch_err migrate_1(struct store *s, struct hatch_error *e)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d", APPLICATION_ID);
	int rc = exec(s->db, schema_1);
	if (rc == SQLITE_OK)
		rc = exec(s->db, sql);
	if (rc != SQLITE_OK)
		return fail(s, rc, "create its tables", e);
	uint64_t key;
	struct hatch_error pe;
	enum hatch_err err = platform_random(&key, sizeof key, &pe);
	if (err != HATCH_OK)
		return err_set(e, err, "%s: cannot make the device key: %s", s->path, pe.msg);
	/* The key is stored as SQLite's signed 64-bit integer, bit for bit. */
	sqlite3_int64 stored;
	memcpy(&stored, &key, sizeof stored);
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(s->db,
				"INSERT INTO device (id, reference_key, next_sequence, created)"
				" VALUES (1, ?1, 1, ?2)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, stored);
		sqlite3_bind_int64(st, 2, platform_now());
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_finalize(st);
	}
	mem_wipe(&key, sizeof key);
	mem_wipe(&stored, sizeof stored);
	if (rc != SQLITE_OK)
		return fail(s, rc, "create its device row", e);
	return HATCH_OK;
}

/* Migration N takes a database from user_version N to N + 1, inside a
 * transaction that also sets the new version. Append; never edit one that
 * has shipped. */
static enum hatch_err (*const migrations[])(struct store *, struct hatch_error *) = {
	migrate_1,
};
_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
	       "one migration for each schema version");

static enum hatch_err migrate(struct store *s, long long v, struct hatch_error *e)
{
	while (v < STORE_SCHEMA_VERSION) {
		int rc = begin(s->db);
		if (rc != SQLITE_OK)
			return fail(s, rc, "upgrade it", e);
		/* Again under the write lock: another process may have
		 * migrated it meanwhile. */
		enum hatch_err err = check_version(s, &v, e);
		long long next = v;
		if (err == HATCH_OK && v < STORE_SCHEMA_VERSION) {
			err = migrations[v](s, e);
			next = v + 1;
			if (err == HATCH_OK) {
				char sql[64];
				snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", next);
				rc = exec(s->db, sql);
				if (rc != SQLITE_OK)
					err = fail(s, rc, "upgrade it", e);
			}
		}
		if (err == HATCH_OK) {
			rc = exec(s->db, "COMMIT");
			if (rc != SQLITE_OK)
				err = fail(s, rc, "upgrade it", e);
		}
		if (err != HATCH_OK) {
			rollback(s->db);
			return err;
		}
		v = next;
	}
	return HATCH_OK;
}

static enum hatch_err connect_db(struct store *s, struct hatch_error *e)
{
	int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				 NULL);
	if (rc != SQLITE_OK)
		return fail(s, s->db ? sqlite3_extended_errcode(s->db) : rc, "open it", e);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	long long v;
	enum hatch_err err = check_version(s, &v, e);
	if (err != HATCH_OK)
		return err;
	/* SQLite opens a write-protected file read-only without a word; the
	 * first write would be the first sign. */
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return fail(s, SQLITE_READONLY, "write to it", e);
	sqlite3_stmt *st;
	bool wal = false;
	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const unsigned char *mode = sqlite3_column_text(st, 0);
			wal = mode && !strcmp((const char *)mode, "wal");
			rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
		if (rc == SQLITE_OK && !wal)
			return err_set(e, HATCH_ERR_IO,
				       "%s: cannot use it: write-ahead logging is not available",
				       s->path);
	}
	/* FULL: in WAL mode, every commit is synced to disk before it
	 * returns, so a confirmation screen never outlives its record. */
	if (rc == SQLITE_OK)
		rc = exec(s->db, "PRAGMA synchronous = FULL");
	if (rc == SQLITE_OK)
		rc = exec(s->db, "PRAGMA foreign_keys = ON");
	if (rc != SQLITE_OK)
		return fail(s, rc, "open it", e);
	return migrate(s, v, e);
}

/* A database without its device row cannot make references. */
static enum hatch_err check_device(const struct store *s, struct hatch_error *e)
{
	long long n;
	int rc = query_int(s->db, "SELECT count(*) FROM device WHERE id = 1", &n);
	if (rc != SQLITE_OK)
		return fail(s, rc, "read it", e);
	if (n != 1)
		return fail(s, SQLITE_CORRUPT, "use it", e);
	return HATCH_OK;
}

enum hatch_err store_open(const char *path, struct store **out, struct hatch_error *e)
{
	*out = NULL;
	if (!path || !*path)
		return err_set(e, HATCH_ERR_INPUT, "no database file was named");
	struct store *s = mem_calloc(1, sizeof *s);
	if (!s)
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot open it: out of memory", path);
	s->path = mem_strdup(path);
	if (!s->path) {
		mem_free(s);
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot open it: out of memory", path);
	}
	enum hatch_err rc = make_file(s->path, e);
	if (rc == HATCH_OK)
		rc = connect_db(s, e);
	if (rc == HATCH_OK)
		rc = check_device(s, e);
	if (rc != HATCH_OK) {
		store_close(s);
		return rc;
	}
	*out = s;
	return HATCH_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	/* The last connection to close checkpoints the WAL into the file. */
	if (s->db)
		(void)sqlite3_close_v2(s->db);
	mem_free(s->path);
	mem_free(s);
}

enum hatch_err store_default_path(char *out, size_t size, struct hatch_error *e)
{
	const char *env;
	int n;
	if (size)
		out[0] = '\0';
	if ((env = getenv("HATCH_DB")) && *env)
		n = snprintf(out, size, "%s", env);
	else if ((env = getenv("XDG_DATA_HOME")) && env[0] == '/')
		n = snprintf(out, size, "%s/hatch/hatch.db", env);
	else if ((env = getenv("HOME")) && *env)
		n = snprintf(out, size, "%s/.local/share/hatch/hatch.db", env);
	else
		return err_set(e, HATCH_ERR_NOTFOUND,
			       "no place for the database: set HATCH_DB or HOME");
	if (n < 0 || (size_t)n >= size) {
		if (size)
			out[0] = '\0';
		return err_set(e, HATCH_ERR_LIMIT, "the database path is longer than %zu bytes",
			       size ? size - 1 : 0);
	}
	return HATCH_OK;
}

enum hatch_err store_next_reference(struct store *s, uint64_t *seq, uint64_t *key,
				    struct hatch_error *e)
{
	*seq = 0;
	*key = 0;
	int rc = begin(s->db);
	if (rc != SQLITE_OK)
		return fail(s, rc, "take a reference number", e);
	sqlite3_int64 next = 0, stored = 0;
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(
		s->db, "SELECT next_sequence, reference_key FROM device WHERE id = 1", -1, &st,
		NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			next = sqlite3_column_int64(st, 0);
			stored = sqlite3_column_int64(st, 1);
			/* The last value would overflow into a REAL. */
			rc = next >= 1 && next < INT64_MAX ? SQLITE_OK : SQLITE_CORRUPT;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_CORRUPT;
		}
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_OK)
		rc = exec(s->db, "UPDATE device SET next_sequence = next_sequence + 1"
				 " WHERE id = 1");
	if (rc == SQLITE_OK)
		rc = exec(s->db, "COMMIT");
	if (rc != SQLITE_OK) {
		enum hatch_err err = fail(s, rc, "take a reference number", e);
		rollback(s->db);
		return err;
	}
	*seq = (uint64_t)next;
	memcpy(key, &stored, sizeof *key);
	mem_wipe(&stored, sizeof stored);
	return HATCH_OK;
}

/* Checks that a required field is there and fits its row buffer (SIZE
 * bytes with the NUL; 0 for no limit). Says which field, never its value. */
static enum hatch_err check_field(const char *v, const char *name, size_t size,
				  struct hatch_error *e)
{
	if (!v || !*v)
		return err_set(e, HATCH_ERR_INPUT, "the submission has no %s", name);
	if (size && strlen(v) >= size)
		return err_set(e, HATCH_ERR_LIMIT,
			       "the submission's %s is longer than %zu bytes", name, size - 1);
	return HATCH_OK;
}

static enum hatch_err check_submission(const struct store_submission *sub,
				       struct hatch_error *e)
{
	const struct store_outbox_row *r = NULL;
	enum hatch_err rc;
	if (!sub)
		return err_set(e, HATCH_ERR_INPUT, "no submission was given");
	if ((rc = check_field(sub->uuid, "uuid", sizeof r->uuid, e)) ||
	    (rc = check_field(sub->reference, "reference", sizeof r->reference, e)) ||
	    (rc = check_field(sub->journey_id, "journey id", sizeof r->journey_id, e)) ||
	    (rc = check_field(sub->destination, "destination", sizeof r->destination, e)) ||
	    (rc = check_field(sub->language, "language", 0, e)) ||
	    (rc = check_field(sub->channel, "channel", 0, e)) ||
	    (rc = check_field(sub->payload, "payload", 0, e)))
		return rc;
	return HATCH_OK;
}

static const char add_doing[] = "save the submission";

/* The reason an insert failed; a duplicate uuid or reference is named as
 * such (the caller's mistake, not the disk's). */
static enum hatch_err add_failed(const struct store *s, int rc, struct hatch_error *e)
{
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		const char *msg = sqlite3_errmsg(s->db);
		const char *what = NULL;
		if (strstr(msg, "outbox.uuid"))
			what = "uuid";
		else if (strstr(msg, "outbox.reference"))
			what = "reference";
		if (what)
			return err_set(e, HATCH_ERR_INPUT,
				       "%s: cannot %s: a submission with this %s is already "
				       "in the outbox",
				       s->path, add_doing, what);
	}
	return fail(s, rc, add_doing, e);
}

enum hatch_err store_outbox_add(struct store *s, const struct store_submission *sub,
				struct hatch_error *e)
{
	const char *doing = add_doing;
	enum hatch_err err = check_submission(sub, e);
	if (err != HATCH_OK)
		return err;
	int rc = begin(s->db);
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	sqlite3_stmt *st;
	/* Due at once: next_attempt is set so that the sync worker's query
	 * (state, destination, next_attempt <= now) finds it by the index. */
	rc = sqlite3_prepare_v2(
		s->db,
		"INSERT INTO outbox (uuid, reference, journey_id, journey_version,"
		" destination, language, channel, payload, next_attempt, created, updated)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?9)",
		-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, sub->uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sub->reference, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, sub->journey_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, sub->journey_version);
		sqlite3_bind_text(st, 5, sub->destination, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, sub->language, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, sub->channel, -1, SQLITE_STATIC);
		rc = sqlite3_bind_text64(st, 8, sub->payload, strlen(sub->payload),
					 SQLITE_STATIC, SQLITE_UTF8);
		sqlite3_bind_int64(st, 9, sub->created);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		if (rc != SQLITE_OK)
			err = add_failed(s, rc, e);
		sqlite3_finalize(st);
	} else {
		err = fail(s, rc, doing, e);
	}
	if (rc == SQLITE_OK) {
		rc = exec(s->db, "COMMIT");
		if (rc != SQLITE_OK)
			err = fail(s, rc, doing, e);
	}
	if (err != HATCH_OK) {
		rollback(s->db);
		return err;
	}
	return HATCH_OK;
}

/* Copies column COL into DST (SIZE bytes), cut short if it does not fit. */
static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

enum hatch_err store_outbox_list(struct store *s, struct store_outbox_row **rows,
				 size_t *n, struct hatch_error *e)
{
	static const char doing[] = "list the outbox";
	*rows = NULL;
	*n = 0;
	/* By id, not by created: the clock of a device without a real-time
	 * clock can jump, but ids only grow. */
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT id, uuid, reference, journey_id, journey_version,"
				    " destination, state, attempts, created"
				    " FROM outbox ORDER BY id DESC",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	struct store_outbox_row *v = NULL;
	size_t len = 0, cap = 0;
	enum hatch_err err = HATCH_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct store_outbox_row *nv = mem_realloc(v, ncap * sizeof *nv);
			if (!nv) {
				err = err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory",
					      s->path, doing);
				break;
			}
			v = nv;
			cap = ncap;
		}
		struct store_outbox_row *r = &v[len++];
		r->id = sqlite3_column_int64(st, 0);
		copy_text(r->uuid, sizeof r->uuid, st, 1);
		copy_text(r->reference, sizeof r->reference, st, 2);
		copy_text(r->journey_id, sizeof r->journey_id, st, 3);
		r->journey_version = (long)sqlite3_column_int64(st, 4);
		copy_text(r->destination, sizeof r->destination, st, 5);
		copy_text(r->state, sizeof r->state, st, 6);
		r->attempts = (long)sqlite3_column_int64(st, 7);
		r->created = sqlite3_column_int64(st, 8);
	}
	if (err == HATCH_OK && rc != SQLITE_DONE)
		err = fail(s, rc, doing, e);
	sqlite3_finalize(st);
	if (err != HATCH_OK) {
		mem_free(v);
		return err;
	}
	*rows = v;
	*n = len;
	return HATCH_OK;
}

enum hatch_err store_outbox_counts(struct store *s, size_t counts[STORE_STATES],
				   struct hatch_error *e)
{
	static const char doing[] = "count the outbox";
	for (int i = 0; i < STORE_STATES; i++)
		counts[i] = 0;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT state, count(*) FROM outbox GROUP BY state", -1,
				    &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	size_t got[STORE_STATES] = {0};
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 0);
		for (int i = 0; name && i < STORE_STATES; i++)
			if (!strcmp((const char *)name, state_names[i]))
				got[i] = (size_t)sqlite3_column_int64(st, 1);
	}
	enum hatch_err err = rc == SQLITE_DONE ? HATCH_OK : fail(s, rc, doing, e);
	sqlite3_finalize(st);
	if (err == HATCH_OK)
		memcpy(counts, got, sizeof got);
	return err;
}
