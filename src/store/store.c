/* The device's SQLite database: opening, checking and salvaging it,
 * migrations by PRAGMA user_version, the key file, the device row, and the
 * outbox with its delivery states, the staff tables (whose rules are
 * staff.c's) and the usage event tables (events.c's). It shares its
 * connection, lock and error wording with the rest of store/ through
 * store_int.h, and is the only file that encrypts payloads. Depends on base/, platform/, SQLite, libsodium and libc; knows
 * nothing of journeys and never prints. SQLite and libsodium keep their own
 * allocators. */
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "platform/platform.h"
#include "store/store_int.h"

/* How long a statement waits for another connection's lock (hatch queue, a
 * checkpoint) before giving up: long enough to outlast any write Hatch
 * makes, short enough that the kiosk can still tell the citizen something. */
#define BUSY_TIMEOUT_MS 5000

/* PRAGMA application_id, "HTCH": marks the file as Hatch's, so that another
 * program's SQLite database is refused rather than migrated. */
#define APPLICATION_ID 0x48544348

/* A payload_box that is not sealed: the nonce, then the secretbox (its MAC
 * and the ciphertext). A nonce of 24 random bytes never repeats in
 * practice, so no counter needs to survive a crash. */
#define BOX_NONCE crypto_secretbox_NONCEBYTES
#define BOX_OVERHEAD (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)

_Static_assert(STORE_SEAL_KEY_BYTES == crypto_box_PUBLICKEYBYTES,
	       "STORE_SEAL_KEY_BYTES is libsodium's public key length");

/* The device row keeps a keyed hash of this text under the key, which tells
 * the right key file from another without saying anything of the key. */
static const char key_check_text[] = "hatch store key check";
#define KEY_CHECK_BYTES 32

/* A remote id is a destination's name for a record or a batch token; the
 * same bound as store_due's buffer. */
#define REMOTE_ID_MAX 128

/* How many names PATH.corrupt-<time>-<n> are tried before giving up: more
 * damaged copies in one second than this means something else is wrong. */
#define MOVE_ASIDE_TRIES 100

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

/* The state named NAME, or -1. */
static int state_of(const unsigned char *name)
{
	for (int i = 0; name && i < STORE_STATES; i++)
		if (!strcmp((const char *)name, state_names[i]))
			return i;
	return -1;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

bool store_was_salvaged(const struct store *s, char *moved_to, size_t size)
{
	if (size)
		snprintf(moved_to, size, "%s", s->moved_to ? s->moved_to : "");
	return s->moved_to != NULL;
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

static enum hatch_err no_memory(const struct store *s, const char *doing,
				struct hatch_error *e)
{
	return err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory", s->path, doing);
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

/* Ends a write transaction: commits when all went well (ERR is HATCH_OK and
 * RC SQLITE_OK), else, or when the commit fails, rolls back; returns the
 * error, worded with DOING. */
static enum hatch_err finish(struct store *s, enum hatch_err err, int rc, const char *doing,
			     struct hatch_error *e)
{
	if (err == HATCH_OK && rc == SQLITE_OK)
		rc = exec(s->db, "COMMIT");
	if (err == HATCH_OK && rc != SQLITE_OK)
		err = fail(s, rc, doing, e);
	if (err != HATCH_OK)
		rollback(s->db);
	return err;
}

void store_lock(struct store *s)
{
	pthread_mutex_lock(&s->lock);
}

void store_unlock(struct store *s)
{
	pthread_mutex_unlock(&s->lock);
}

enum hatch_err store_sql_fail(const struct store *s, int rc, const char *doing,
			      struct hatch_error *e)
{
	return fail(s, rc, doing, e);
}

int store_sql_begin(struct store *s)
{
	return begin(s->db);
}

enum hatch_err store_sql_finish(struct store *s, enum hatch_err err, int rc, const char *doing,
				struct hatch_error *e)
{
	return finish(s, err, rc, doing, e);
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

/* Runs the one statement SQL, binding those of ?1 ID, ?2 NUM, ?3 TEXT
 * (NULL binds NULL) and ?4 NUM2 that it has; *CHANGED is how many rows it
 * changed. An SQLite result. */
static int run(sqlite3 *db, const char *sql, long long id, long long num, const char *text,
	       long long num2, int *changed)
{
	sqlite3_stmt *st;
	*changed = 0;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	int params = sqlite3_bind_parameter_count(st);
	if (params >= 1)
		sqlite3_bind_int64(st, 1, id);
	if (params >= 2)
		sqlite3_bind_int64(st, 2, num);
	if (params >= 3)
		rc = text ? sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC)
			  : sqlite3_bind_null(st, 3);
	if (params >= 4)
		sqlite3_bind_int64(st, 4, num2);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		rc = SQLITE_OK;
		*changed = sqlite3_changes(db);
	}
	sqlite3_finalize(st);
	return rc;
}

/* fsyncs directory DIR, so that a name made or moved in it survives a power
 * cut as surely as the data does. */
static void sync_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
}

enum hatch_err store_make_dirs(const char *path, char *dir, struct hatch_error *e)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		for (char *p = dir + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char c = *p;
			*p = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST)
				return err_set(e, HATCH_ERR_IO, "%s: cannot create the directory %s: %s",
					       path, dir, strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(e, HATCH_ERR_IO, "%s: cannot create it: %s is not a directory", path,
			       dir);
	return HATCH_OK;
}

/* Makes PATH's directory (and its parents, mode 0700) when missing, and
 * gives its name in *DIR (mem_free). */
static enum hatch_err make_parent(const char *path, char **dir_out, struct hatch_error *e)
{
	*dir_out = NULL;
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
	enum hatch_err rc = store_make_dirs(path, dir, e);
	if (rc == HATCH_OK)
		*dir_out = dir;
	else
		mem_free(dir);
	return rc;
}

/* Makes PATH's directory when missing, then the file itself, mode 0600
 * because it will hold personal data. SQLite gives the -wal and -shm files
 * the mode of the database file. */
static enum hatch_err make_file(const char *path, struct hatch_error *e)
{
	char *dir;
	enum hatch_err rc = make_parent(path, &dir, e);
	if (rc != HATCH_OK)
		return rc;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		/* The new name must survive a power cut as surely as the first
		 * commit will; SQLite syncs only its own -wal. */
		sync_dir(dir);
	} else if (errno != EEXIST) {
		rc = err_set(e, HATCH_ERR_IO, "%s: cannot create it: %s", path, strerror(errno));
	} else {
		/* A symbolic link to a file not made yet (a database kept on
		 * another disk): the file it names is made here, as private as
		 * any other, rather than left to SQLite's default mode. */
		struct stat st;
		if (stat(path, &st) != 0 && errno == ENOENT) {
			fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
			if (fd >= 0)
				close(fd);
			else
				rc = err_set(e, HATCH_ERR_IO, "%s: cannot create it: %s", path,
					     strerror(errno));
		}
	}
	mem_free(dir);
	return rc;
}

/* Writes all N bytes at P to FD; false with errno set when it cannot. */
static bool write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Reads S's key from the open key file FD, refusing one that other users
 * could read or change: whoever has the key and a copy of the database has
 * every payload in it. */
static enum hatch_err read_key(struct store *s, int fd, struct hatch_error *e)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return err_set(e, HATCH_ERR_IO, "%s: cannot read the key file: %s", s->key_path,
			       strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(e, HATCH_ERR_INPUT,
			       "%s: cannot use it as the key file: it is not a regular file",
			       s->key_path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return err_set(e, HATCH_ERR_INPUT,
			       "%s: refusing to use the key file: other users may read it "
			       "(mode %04o); make it private with: chmod 600 %s",
			       s->key_path, (unsigned)(st.st_mode & 07777), s->key_path);
	if (st.st_size != (off_t)sizeof s->key)
		return err_set(e, HATCH_ERR_INPUT,
			       "%s: cannot use the key file: it is %lld bytes long, not %zu",
			       s->key_path, (long long)st.st_size, sizeof s->key);
	size_t got = 0;
	while (got < sizeof s->key) {
		ssize_t r = read(fd, s->key + got, sizeof s->key - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			mem_wipe(s->key, sizeof s->key);
			return err_set(e, HATCH_ERR_IO, "%s: cannot read the key file: %s",
				       s->key_path,
				       r < 0 ? strerror(errno) : "it is shorter than it was");
		}
		got += (size_t)r;
	}
	return HATCH_OK;
}

/* Makes the key file with a new random key, whole or not at all: the key is
 * written to a private temporary file, synced, then linked into place, so
 * a power cut never leaves half a key, and two programs starting at once
 * agree on one key (*RACED: another made it first; read theirs). */
static enum hatch_err create_key(struct store *s, bool *raced, struct hatch_error *e)
{
	*raced = false;
	char *dir;
	enum hatch_err rc = make_parent(s->key_path, &dir, e);
	if (rc != HATCH_OK)
		return rc;
	size_t size = strlen(s->key_path) + sizeof ".XXXXXX";
	char *tmp = mem_alloc(size);
	if (!tmp) {
		mem_free(dir);
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot make the key file: out of memory",
			       s->key_path);
	}
	snprintf(tmp, size, "%s.XXXXXX", s->key_path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		rc = err_set(e, HATCH_ERR_IO, "%s: cannot make the key file: %s", s->key_path,
			     strerror(errno));
	} else {
		crypto_secretbox_keygen(s->key);
		bool ok = fchmod(fd, 0600) == 0 && write_all(fd, s->key, sizeof s->key) &&
			  fsync(fd) == 0;
		int why = errno;
		if (close(fd) != 0 && ok) {
			ok = false;
			why = errno;
		}
		if (ok && link(tmp, s->key_path) != 0) {
			ok = false;
			why = errno;
			*raced = why == EEXIST;
		}
		(void)unlink(tmp);
		if (ok) {
			sync_dir(dir);
		} else {
			mem_wipe(s->key, sizeof s->key);
			if (!*raced)
				rc = err_set(e, HATCH_ERR_IO, "%s: cannot make the key file: %s",
					     s->key_path, strerror(why));
		}
	}
	mem_free(tmp);
	mem_free(dir);
	return rc;
}

/* Reads S's key, or makes the key file when it is missing and MUST_EXIST is
 * false. A database whose records are already encrypted is never given a
 * new key: they could not be read again. */
static enum hatch_err load_key(struct store *s, bool must_exist, struct hatch_error *e)
{
	for (int round = 0; round < 2; round++) {
		int fd = open(s->key_path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			enum hatch_err rc = read_key(s, fd, e);
			close(fd);
			return rc;
		}
		if (errno != ENOENT)
			return err_set(e, HATCH_ERR_IO, "%s: cannot open the key file: %s",
				       s->key_path, strerror(errno));
		if (must_exist)
			return err_set(e, HATCH_ERR_STATE,
				       "%s: the key file is missing, and the records in %s "
				       "cannot be read without it: put it back, or move the "
				       "database aside to start a new one",
				       s->key_path, s->path);
		bool raced;
		enum hatch_err rc = create_key(s, &raced, e);
		if (rc != HATCH_OK || !raced)
			return rc;
	}
	return err_set(e, HATCH_ERR_IO, "%s: cannot open the key file: it keeps changing",
		       s->key_path);
}

static void key_check_of(const struct store *s, unsigned char out[KEY_CHECK_BYTES])
{
	crypto_generichash(out, KEY_CHECK_BYTES, (const unsigned char *)key_check_text,
			   sizeof key_check_text - 1, s->key, sizeof s->key);
}

/* Refuses a key file other than the one the database's records were
 * encrypted with, before anything is written with it. */
static enum hatch_err check_key(const struct store *s, struct hatch_error *e)
{
	unsigned char want[KEY_CHECK_BYTES];
	key_check_of(s, want);
	sqlite3_stmt *st;
	bool same = false;
	int rc = sqlite3_prepare_v2(s->db, "SELECT key_check FROM device WHERE id = 1", -1, &st,
				    NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const void *got = sqlite3_column_blob(st, 0);
			same = got && sqlite3_column_bytes(st, 0) == KEY_CHECK_BYTES &&
			       sodium_memcmp(got, want, KEY_CHECK_BYTES) == 0;
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK)
		return fail(s, rc, "read it", e);
	if (!same)
		return err_set(e, HATCH_ERR_STATE,
			       "%s: the key file %s is not the one its records were encrypted "
			       "with: put the right one back",
			       s->path, s->key_path);
	return HATCH_OK;
}

/* Encrypts the N bytes at P into a new buffer *BOX (mem_free) of *LEN
 * bytes: with PK NULL, a secretbox under S's key behind a random nonce;
 * else a sealed box that only PK's holder can open. */
static enum hatch_err make_box(const struct store *s, const void *p, size_t n,
			       const unsigned char *pk, unsigned char **box, size_t *len,
			       const char *doing, struct hatch_error *e)
{
	static const unsigned char nothing[1];
	*box = NULL;
	*len = 0;
	size_t over = pk ? crypto_box_SEALBYTES : BOX_OVERHEAD;
	if (n > SIZE_MAX - over)
		return err_set(e, HATCH_ERR_LIMIT, "%s: cannot %s: the record is too large",
			       s->path, doing);
	if (!p)
		p = nothing;
	unsigned char *b = mem_alloc(n + over);
	if (!b)
		return no_memory(s, doing, e);
	if (pk) {
		if (crypto_box_seal(b, p, n, pk) != 0) {
			mem_free(b);
			return err_set(e, HATCH_ERR_INPUT,
				       "%s: cannot %s: the destination's public key is not "
				       "usable",
				       s->path, doing);
		}
	} else {
		randombytes_buf(b, BOX_NONCE);
		if (crypto_secretbox_easy(b + BOX_NONCE, p, n, b, s->key) != 0) {
			mem_free(b);
			return err_set(e, HATCH_ERR_LIMIT,
				       "%s: cannot %s: the record is too large", s->path, doing);
		}
	}
	*box = b;
	*len = n + over;
	return HATCH_OK;
}

/* Reads the schema version into *VERSION and refuses a file that is not
 * Hatch's or was written by a newer program. *SQL (when not NULL) is the
 * SQLite result of reading it, so that damage can be told from the rest. */
static enum hatch_err check_version(const struct store *s, long long *version, int *sql,
				    struct hatch_error *e)
{
	long long v = 0, app = 0, objects = 0;
	int rc = query_int(s->db, "PRAGMA user_version", &v);
	if (rc == SQLITE_OK)
		rc = query_int(s->db, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = query_int(s->db, "SELECT count(*) FROM sqlite_master", &objects);
	if (sql)
		*sql = rc;
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

/* Version 2: payloads encrypted at rest (payload_box, the plaintext column
 * gone), sealed records, when a record was delivered (for retention), and
 * the key check. SQLite cannot change a column's type in place, so the
 * outbox is copied into a new table, encrypting as it goes, and the old one
 * dropped; secure_delete (set on every connection) overwrites its pages.
 * next_attempt is never NULL, so that a queued record is always found by
 * the due query. A payload is NULL only once purged after delivery. */
static const char schema_2[] =
	"ALTER TABLE device ADD COLUMN key_check BLOB;"
	"CREATE TABLE outbox_2 ("
	" id INTEGER PRIMARY KEY,"
	" uuid TEXT UNIQUE NOT NULL,"
	" reference TEXT UNIQUE NOT NULL,"
	" journey_id TEXT NOT NULL,"
	" journey_version INTEGER NOT NULL,"
	" destination TEXT NOT NULL,"
	" language TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" payload_box BLOB CHECK (payload_box IS NOT NULL OR state = 'delivered'),"
	" sealed INTEGER NOT NULL DEFAULT 0 CHECK (sealed IN (0, 1)),"
	" state TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (state IN ('queued','sending','delivered','dead')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL,"
	" last_error TEXT,"
	" remote_id TEXT,"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" delivered_at INTEGER);";

/* The purge index holds only records that still have a payload, so that
 * finding what to purge does not grow with the delivered history. */
static const char schema_2_end[] =
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_2 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox (state, destination, next_attempt);"
	"CREATE INDEX outbox_purge ON outbox (delivered_at) WHERE payload_box IS NOT NULL;";

/* Copies the version 1 outbox into outbox_2, each payload encrypted. */
static enum hatch_err encrypt_outbox(struct store *s, struct hatch_error *e)
{
	static const char doing[] = "encrypt its outbox";
	sqlite3_stmt *sel = NULL, *ins = NULL;
	/* Columns 0-15; 8 is the payload, 9 the state, 15 updated. */
	int rc = sqlite3_prepare_v2(
		s->db,
		"SELECT id, uuid, reference, journey_id, journey_version, destination,"
		" language, channel, payload, state, attempts,"
		" coalesce(next_attempt, created), last_error, remote_id, created, updated"
		" FROM outbox ORDER BY id",
		-1, &sel, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			s->db,
			"INSERT INTO outbox_2 (id, uuid, reference, journey_id, journey_version,"
			" destination, language, channel, payload_box, sealed, state, attempts,"
			" next_attempt, last_error, remote_id, created, updated, delivered_at)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?12, ?13,"
			" ?14, ?15, ?16, CASE WHEN ?10 = 'delivered' THEN ?16 END)",
			-1, &ins, NULL);
	enum hatch_err err = HATCH_OK;
	while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		for (int i = 0; i < 16; i++)
			if (i != 8)
				sqlite3_bind_value(ins, i + 1, sqlite3_column_value(sel, i));
		const void *p = sqlite3_column_blob(sel, 8);
		size_t n = (size_t)sqlite3_column_bytes(sel, 8);
		if (!p && n) {
			rc = SQLITE_NOMEM;
			break;
		}
		unsigned char *box;
		size_t len;
		err = make_box(s, p, n, NULL, &box, &len, doing, e);
		if (err != HATCH_OK)
			break;
		rc = sqlite3_bind_blob64(ins, 9, box, len, SQLITE_TRANSIENT);
		mem_free(box);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(ins);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	if (err == HATCH_OK && rc != SQLITE_OK)
		err = fail(s, rc, doing, e);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return err;
}

static enum hatch_err migrate_2(struct store *s, struct hatch_error *e)
{
	int rc = exec(s->db, schema_2);
	if (rc != SQLITE_OK)
		return fail(s, rc, "upgrade its tables", e);
	enum hatch_err err = encrypt_outbox(s, e);
	if (err != HATCH_OK)
		return err;
	unsigned char check[KEY_CHECK_BYTES];
	key_check_of(s, check);
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(s->db, "UPDATE device SET key_check = ?1 WHERE id = 1", -1, &st,
				NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_blob(st, 1, check, sizeof check, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_OK)
		rc = exec(s->db, schema_2_end);
	if (rc != SQLITE_OK)
		return fail(s, rc, "upgrade its tables", e);
	/* The old pages, zeroed in the -wal, still hold the plaintext in the
	 * file itself until a checkpoint. */
	s->checkpoint = true;
	return HATCH_OK;
}

/* Version 3: claims walk the queue in the order they take it. The claim
 * asks for a destination's oldest queued record that is due; with the
 * index in (state, destination, id) order the first due row found is the
 * one, where the old (.., next_attempt) order made SQLite gather and sort
 * every due row of the destination at each claim, a cost that grew with
 * the queue. */
static const char schema_3[] =
	"CREATE INDEX outbox_claim ON outbox (state, destination, id);"
	"DROP INDEX outbox_due;";

static enum hatch_err migrate_3(struct store *s, struct hatch_error *e)
{
	int rc = exec(s->db, schema_3);
	return rc == SQLITE_OK ? HATCH_OK : fail(s, rc, "upgrade its indexes", e);
}

/* Version 4: staff accounts (staff.c keeps their rules). The PIN is only
 * ever an Argon2id hash in libsodium's string form. The wrong-PIN counts
 * of IDs that are not staff are kept apart, under a keyed hash of the ID,
 * so that an unknown ID locks as a real one does without the typed ID
 * being stored. Both are ordinary rowid tables, so that a salvage copies
 * them as it copies the outbox. */
static const char schema_4[] =
	"CREATE TABLE staff ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" name TEXT NOT NULL DEFAULT '',"
	" pin_hash TEXT NOT NULL,"
	" failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),"
	" locked_until INTEGER NOT NULL DEFAULT 0,"
	" last_failure INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE staff_unknown ("
	" id_hash BLOB PRIMARY KEY NOT NULL,"
	" failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),"
	" locked_until INTEGER NOT NULL DEFAULT 0,"
	" last_failure INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX staff_unknown_age ON staff_unknown (last_failure);";

static enum hatch_err migrate_4(struct store *s, struct hatch_error *e)
{
	int rc = exec(s->db, schema_4);
	return rc == SQLITE_OK ? HATCH_OK : fail(s, rc, "add its staff tables", e);
}

/* Version 5: anonymous usage events (events.c keeps their rules). Raw
 * events, kept for the retention period; per day, the last event written
 * (last_id), counted (rolled_id) and deleted (purged_id), so that a
 * roll-up reads only what it has not counted; the daily figures, kept for
 * good; and which days' figures went into the outbox for which
 * destination. Event ids never go back (AUTOINCREMENT), even once every
 * raw event has been purged, because the roll-up reads each day's events
 * after the last it counted. The constraints repeat events.c's checks, so that no free
 * text gets in even by another road: every name is an identifier (a
 * language tag, lower case). All rowid tables, so that a salvage copies
 * them as it copies the outbox. */
#define ID_CHECK(col) \
	" CHECK (length(" col ") <= 64 AND " col " NOT GLOB '*[^a-z0-9_-]*')"
static const char schema_5[] =
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" day INTEGER NOT NULL,"
	" time INTEGER NOT NULL,"
	" kind INTEGER NOT NULL,"
	" journey TEXT NOT NULL DEFAULT ''" ID_CHECK("journey") ","
	" step TEXT NOT NULL DEFAULT ''" ID_CHECK("step") ","
	" field TEXT NOT NULL DEFAULT ''" ID_CHECK("field") ","
	" rule TEXT NOT NULL DEFAULT ''" ID_CHECK("rule") ","
	" language TEXT NOT NULL DEFAULT ''"
	"  CHECK (length(language) <= 35 AND language NOT GLOB '*[^a-z0-9-]*'),"
	" pref TEXT NOT NULL DEFAULT ''" ID_CHECK("pref") ","
	" pref_value TEXT NOT NULL DEFAULT ''" ID_CHECK("pref_value") ","
	" assisted INTEGER NOT NULL DEFAULT 0,"
	" reason INTEGER NOT NULL DEFAULT 0,"
	" seconds INTEGER NOT NULL DEFAULT 0,"
	" satisfaction INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX events_day ON events (day);"
	"CREATE TABLE event_days ("
	" day INTEGER PRIMARY KEY,"
	" last_id INTEGER NOT NULL DEFAULT 0,"
	" rolled_id INTEGER NOT NULL DEFAULT 0,"
	" purged_id INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE event_counts ("
	" id INTEGER PRIMARY KEY,"
	" day INTEGER NOT NULL,"
	" journey TEXT NOT NULL" ID_CHECK("journey") ","
	" figure TEXT NOT NULL" ID_CHECK("figure") ","
	" key TEXT NOT NULL DEFAULT ''"
	"  CHECK (length(key) <= 194 AND key NOT GLOB '*[^a-z0-9_.:=-]*'),"
	" n INTEGER NOT NULL CHECK (n >= 0),"
	" value INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX event_counts_key ON event_counts (day, journey, figure, key);"
	"CREATE TABLE event_sent ("
	" id INTEGER PRIMARY KEY,"
	" day INTEGER NOT NULL,"
	" destination TEXT NOT NULL,"
	" reference TEXT NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX event_sent_day ON event_sent (destination, day);";
#undef ID_CHECK

static enum hatch_err migrate_5(struct store *s, struct hatch_error *e)
{
	int rc = exec(s->db, schema_5);
	return rc == SQLITE_OK ? HATCH_OK : fail(s, rc, "add its usage event tables", e);
}

/* Migration N takes a database from user_version N to N + 1, inside a
 * transaction that also sets the new version. Append; never edit one that
 * has shipped. */
static enum hatch_err (*const migrations[])(struct store *, struct hatch_error *) = {
	migrate_1,
	migrate_2,
	migrate_3,
	migrate_4,
	migrate_5,
};
_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
	       "one migration for each schema version");

/* Migrates S from version V up to TARGET. */
static enum hatch_err migrate(struct store *s, long long v, long long target,
			      struct hatch_error *e)
{
	while (v < target) {
		int rc = begin(s->db);
		if (rc != SQLITE_OK)
			return fail(s, rc, "upgrade it", e);
		/* Again under the write lock: another process may have
		 * migrated it meanwhile. */
		enum hatch_err err = check_version(s, &v, NULL, e);
		long long next = v;
		if (err == HATCH_OK && v < target) {
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

/* Moves the -wal and overwritten pages of the file into it and empties the
 * -wal, so that no old copy of a record lingers there. Best effort: a
 * reader holding the -wal keeps it until the next checkpoint. */
static void checkpoint(struct store *s)
{
	(void)exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

static enum hatch_err open_connection(struct store *s, struct hatch_error *e)
{
	int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				 NULL);
	if (rc != SQLITE_OK)
		return fail(s, s->db ? sqlite3_extended_errcode(s->db) : rc, "open it", e);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	return HATCH_OK;
}

/* The connection's settings. *SQL is the SQLite result of making them. */
static enum hatch_err configure(struct store *s, int *sql, struct hatch_error *e)
{
	*sql = SQLITE_OK;
	/* SQLite opens a write-protected file read-only without a word; the
	 * first write would be the first sign. */
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return fail(s, SQLITE_READONLY, "write to it", e);
	sqlite3_stmt *st;
	bool wal = false;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
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
	/* Deleted content (a purged payload, the pages of a dropped table) is
	 * overwritten with zeros rather than left in free space. */
	if (rc == SQLITE_OK)
		rc = exec(s->db, "PRAGMA secure_delete = ON");
	*sql = rc;
	if (rc != SQLITE_OK)
		return fail(s, rc, "open it", e);
	return HATCH_OK;
}

/* PRAGMA quick_check: *OK when it passes. An SQLite result. */
static int quick_check(struct store *s, bool *ok)
{
	*ok = false;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		*ok = t && !strcmp((const char *)t, "ok");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static bool is_damage(int rc)
{
	return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

/* Reads the header of the file at PATH as SQLite writes it: true when it is
 * an SQLite database marked as Hatch's, with its schema version (as of the
 * last checkpoint) in *VERSION. For when SQLite cannot read the file. */
static bool hatch_header(const char *path, long long *version)
{
	unsigned char h[100];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, h, sizeof h);
	close(fd);
	if (n != (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
		return false;
	/* Big-endian: user_version at 60, application_id at 68. */
	unsigned long v = (unsigned long)h[60] << 24 | (unsigned long)h[61] << 16 |
			  (unsigned long)h[62] << 8 | h[63];
	unsigned long app = (unsigned long)h[68] << 24 | (unsigned long)h[69] << 16 |
			    (unsigned long)h[70] << 8 | h[71];
	*version = (long long)v;
	return app == APPLICATION_ID;
}

/* Damage was found (ERR says what): when the file is Hatch's, by a version
 * this program knows, it is to be salvaged: *DAMAGED and HATCH_OK, with *V
 * its version if it was not read. Anything else is left alone: ERR. */
static enum hatch_err damaged_or(const struct store *s, long long *v, bool *damaged,
				 enum hatch_err err)
{
	long long hv;
	if (!hatch_header(s->path, &hv) || hv < 1 || hv > STORE_SCHEMA_VERSION)
		return err;
	if (*v < 1)
		*v = hv;
	*damaged = true;
	return HATCH_OK;
}

/* Opens the connection, reads the schema version into *V and checks the
 * file. A file of Hatch's that fails the check gives *DAMAGED and HATCH_OK,
 * for the caller to salvage. */
static enum hatch_err connect_db(struct store *s, long long *v, bool *damaged,
				 struct hatch_error *e)
{
	*v = 0;
	*damaged = false;
	enum hatch_err err = open_connection(s, e);
	if (err != HATCH_OK)
		return err;
	int sql = SQLITE_OK;
	err = check_version(s, v, &sql, e);
	if (err == HATCH_OK)
		err = configure(s, &sql, e);
	if (err == HATCH_OK) {
		/* Reads every page: a few milliseconds for a device's database,
		 * and damage is found at start-up, not in the middle of a
		 * citizen's submission. */
		bool ok;
		sql = quick_check(s, &ok);
		if (sql == SQLITE_OK && !ok)
			sql = SQLITE_CORRUPT;
		if (sql != SQLITE_OK)
			err = fail(s, sql, "check it", e);
	}
	if (err != HATCH_OK && is_damage(sql))
		return damaged_or(s, v, damaged, err);
	return err;
}

/* Moves the damaged database aside to PATH.corrupt-<unix time> (or
 * -<time>-<n> when that is taken), with its -wal and -shm, into
 * S->moved_to. Nothing is overwritten or deleted. */
static enum hatch_err move_aside(struct store *s, struct hatch_error *e)
{
	static const char doing[] = "move the damaged database aside";
	/* The -wal goes first: left behind, it would be replayed into the new
	 * database made in the old one's place. */
	static const char *const sides[] = {"-wal", "-shm"};
	size_t size = strlen(s->path) + 64;
	char *to = mem_alloc(size), *from_side = mem_alloc(size), *to_side = mem_alloc(size);
	enum hatch_err rc = HATCH_OK;
	if (!to || !from_side || !to_side) {
		rc = no_memory(s, doing, e);
		goto out;
	}
	long long now = platform_now();
	bool free_name = false;
	for (int k = 0; k < MOVE_ASIDE_TRIES && !free_name; k++) {
		if (k)
			snprintf(to, size, "%s.corrupt-%lld-%d", s->path, now, k);
		else
			snprintf(to, size, "%s.corrupt-%lld", s->path, now);
		struct stat st;
		free_name = lstat(to, &st) != 0 && errno == ENOENT;
		for (size_t i = 0; free_name && i < sizeof sides / sizeof sides[0]; i++) {
			snprintf(to_side, size, "%s%s", to, sides[i]);
			free_name = lstat(to_side, &st) != 0 && errno == ENOENT;
		}
	}
	if (!free_name) {
		rc = err_set(e, HATCH_ERR_IO, "%s: cannot %s: every name for it is taken",
			     s->path, doing);
		goto out;
	}
	/* An empty -wal holds nothing, and the -shm is only an index of the
	 * -wal: those are let go rather than left beside the copy. */
	struct stat st;
	snprintf(from_side, size, "%s-wal", s->path);
	bool wal = stat(from_side, &st) == 0 && st.st_size > 0;
	size_t moved = 0;
	for (; moved < sizeof sides / sizeof sides[0]; moved++) {
		snprintf(from_side, size, "%s%s", s->path, sides[moved]);
		snprintf(to_side, size, "%s%s", to, sides[moved]);
		if (!wal)
			(void)unlink(from_side);
		else if (rename(from_side, to_side) != 0 && errno != ENOENT)
			break;
	}
	if (moved < sizeof sides / sizeof sides[0] || rename(s->path, to) != 0) {
		rc = err_set(e, HATCH_ERR_IO, "%s: cannot %s: %s", s->path, doing,
			     strerror(errno));
		while (wal && moved-- > 0) {
			snprintf(from_side, size, "%s%s", s->path, sides[moved]);
			snprintf(to_side, size, "%s%s", to, sides[moved]);
			(void)rename(to_side, from_side);
		}
		goto out;
	}
	char *dir;
	struct hatch_error ignored;
	if (make_parent(s->path, &dir, &ignored) == HATCH_OK) {
		sync_dir(dir);
		mem_free(dir);
	}
	s->moved_to = to;
	to = NULL;
out:
	mem_free(to);
	mem_free(from_side);
	mem_free(to_side);
	return rc;
}

/* Opens the moved-aside database to read without changing it: immutable
 * when it has no -wal, else through its -wal, never checkpointed into the
 * file. *SRC is NULL when it cannot be opened at all: then nothing is
 * salvaged, which is not an error. */
static enum hatch_err open_source(const struct store *s, sqlite3 **src,
				  struct hatch_error *e)
{
	static const char doing[] = "salvage it";
	*src = NULL;
	struct buf name;
	buf_init(&name, 3 * 4096 + 64);
	struct stat st;
	bool wal = false;
	enum hatch_err rc = buf_addf(&name, "%s-wal", s->moved_to);
	if (rc == HATCH_OK) {
		wal = stat(buf_get(&name), &st) == 0 && st.st_size > 0;
		buf_cleanup(&name);
		rc = buf_addstr(&name, wal ? s->moved_to : "file:");
	}
	/* A URI, to say immutable: every byte outside the unreserved set
	 * percent-encoded. */
	for (const char *p = s->moved_to; !wal && rc == HATCH_OK && *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/._-~", c))
			rc = buf_add(&name, p, 1);
		else
			rc = buf_addf(&name, "%%%02X", c);
	}
	if (!wal && rc == HATCH_OK)
		rc = buf_addstr(&name, "?immutable=1");
	if (rc == HATCH_ERR_NOMEM)
		return no_memory(s, doing, e);
	if (rc != HATCH_OK)
		return err_set(e, rc, "%s: cannot %s: its name is too long", s->path, doing);
	sqlite3 *db = NULL;
	int flags = wal ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
	int sql = sqlite3_open_v2(buf_get(&name), &db, flags, NULL);
	buf_cleanup(&name);
	if (sql != SQLITE_OK) {
		sqlite3_close(db);
		return (sql & 0xff) == SQLITE_NOMEM ? no_memory(s, doing, e) : HATCH_OK;
	}
	if (wal)
		(void)sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	*src = db;
	return HATCH_OK;
}

/* Steps SEL (rowid >= ?1) from FROM: true when it reads (a row or the end)
 * rather than failing on damage. */
static bool readable_from(sqlite3_stmt *sel, sqlite3_int64 from)
{
	sqlite3_reset(sel);
	sqlite3_bind_int64(sel, 1, from);
	int rc = sqlite3_step(sel);
	return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Reading SEL failed at rowid *NEXT: moves *NEXT to the first rowid past
 * the damaged stretch from which reading works again, by doubling steps and
 * then halving back. False when none does. Rowids span the whole signed
 * range, so the distances are unsigned. */
static bool skip_damage(sqlite3_stmt *sel, sqlite3_int64 *next)
{
	/* Two's complement: flipping the top bit orders signed as unsigned. */
	const sqlite3_uint64 sign = (sqlite3_uint64)1 << 63;
	sqlite3_uint64 bad = (sqlite3_uint64)*next, good, gap = 1;
	for (;;) {
		if (UINT64_MAX - (bad ^ sign) < gap)
			return false;
		good = bad + gap;
		if (readable_from(sel, (sqlite3_int64)good))
			break;
		if (gap >= sign)
			return false;
		bad = good;
		gap *= 2;
	}
	while (good - bad > 1) {
		sqlite3_uint64 mid = bad + (good - bad) / 2;
		if (readable_from(sel, (sqlite3_int64)mid))
			good = mid;
		else
			bad = mid;
	}
	*next = (sqlite3_int64)good;
	return true;
}

/* Copies the rows of TABLE that SRC can still read into S's database,
 * within the caller's transaction, skipping damaged stretches and rows
 * that break a constraint. VERB is how each row goes in. Only S's errors
 * are errors: the source's just shorten what is copied. */
static enum hatch_err copy_rows(struct store *s, sqlite3 *src, const char *table,
				const char *verb, struct hatch_error *e)
{
	static const char doing[] = "salvage it";
	char sql[128];
	sqlite3_stmt *sel = NULL, *ins = NULL;
	snprintf(sql, sizeof sql, "SELECT rowid, * FROM \"%s\" WHERE rowid >= ?1 ORDER BY rowid",
		 table);
	if (sqlite3_prepare_v2(src, sql, -1, &sel, NULL) != SQLITE_OK)
		return HATCH_OK;
	int ncol = sqlite3_column_count(sel) - 1;
	/* The fresh database is at the source's version: the same columns in
	 * the same order, or the source is not what it claims. */
	snprintf(sql, sizeof sql, "SELECT * FROM main.\"%s\"", table);
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &ins, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(sel);
		return fail(s, rc, doing, e);
	}
	int dcol = sqlite3_column_count(ins);
	sqlite3_finalize(ins);
	ins = NULL;
	if (ncol < 1 || ncol != dcol) {
		sqlite3_finalize(sel);
		return HATCH_OK;
	}
	struct buf b;
	buf_init(&b, 4096);
	enum hatch_err err = buf_addf(&b, "%s INTO main.\"%s\" VALUES (?1", verb, table);
	for (int i = 2; err == HATCH_OK && i <= ncol; i++)
		err = buf_addf(&b, ", ?%d", i);
	if (err == HATCH_OK)
		err = buf_addstr(&b, ")");
	if (err != HATCH_OK) {
		sqlite3_finalize(sel);
		return no_memory(s, doing, e);
	}
	rc = sqlite3_prepare_v2(s->db, buf_get(&b), -1, &ins, NULL);
	buf_cleanup(&b);
	sqlite3_int64 next = INT64_MIN;
	bool more = rc == SQLITE_OK;
	while (more) {
		sqlite3_reset(sel);
		sqlite3_bind_int64(sel, 1, next);
		int step = SQLITE_DONE;
		while (rc == SQLITE_OK && (step = sqlite3_step(sel)) == SQLITE_ROW) {
			sqlite3_int64 row = sqlite3_column_int64(sel, 0);
			for (int i = 1; i <= ncol; i++)
				sqlite3_bind_value(ins, i, sqlite3_column_value(sel, i));
			rc = sqlite3_step(ins);
			/* A row damaged into breaking a constraint is lost, not
			 * the rest. */
			if (rc == SQLITE_DONE || (rc & 0xff) == SQLITE_CONSTRAINT ||
			    (rc & 0xff) == SQLITE_TOOBIG || (rc & 0xff) == SQLITE_MISMATCH)
				rc = SQLITE_OK;
			sqlite3_reset(ins);
			sqlite3_clear_bindings(ins);
			if (row == INT64_MAX) {
				step = SQLITE_DONE;
				break;
			}
			next = row + 1;
		}
		if (rc != SQLITE_OK || step == SQLITE_DONE || (step & 0xff) == SQLITE_NOMEM)
			more = false;
		else
			more = skip_damage(sel, &next);
	}
	if (rc != SQLITE_OK)
		err = fail(s, rc, doing, e);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return err;
}

/* S's database failed its check. Moves it aside and makes a fresh one at
 * S->path with the rows of the old that can still be read, at the old
 * one's schema version *V (which the caller then migrates onwards). */
static enum hatch_err salvage(struct store *s, long long *v, struct hatch_error *e)
{
	/* Closing would checkpoint the -wal into the damaged file and delete
	 * it; both go aside as they are instead. */
	(void)sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	(void)sqlite3_close_v2(s->db);
	s->db = NULL;
	enum hatch_err err = move_aside(s, e);
	int sql;
	if (err == HATCH_OK)
		err = make_file(s->path, e);
	if (err == HATCH_OK)
		err = open_connection(s, e);
	if (err == HATCH_OK)
		err = configure(s, &sql, e);
	sqlite3 *src = NULL;
	if (err == HATCH_OK)
		err = open_source(s, &src, e);
	long long sv;
	/* Through its -wal, the old file's version may be newer than its
	 * header says. */
	if (src && query_int(src, "PRAGMA user_version", &sv) == SQLITE_OK && sv >= 1 &&
	    sv <= STORE_SCHEMA_VERSION)
		*v = sv;
	if (err == HATCH_OK)
		err = migrate(s, 0, *v, e);
	if (err == HATCH_OK && src) {
		int rc = begin(s->db);
		if (rc != SQLITE_OK)
			err = fail(s, rc, "salvage it", e);
		/* The old device row, when it can be read, replaces the new
		 * one: the same reference key, and numbers not handed out
		 * again. */
		if (err == HATCH_OK)
			err = copy_rows(s, src, "device", "INSERT OR REPLACE", e);
		if (err == HATCH_OK)
			err = copy_rows(s, src, "outbox", "INSERT OR IGNORE", e);
		/* Staff and their counts too (from version 4): a salvage
		 * neither signs anyone out for good nor lifts a lock. */
		if (err == HATCH_OK)
			err = copy_rows(s, src, "staff", "INSERT OR IGNORE", e);
		if (err == HATCH_OK)
			err = copy_rows(s, src, "staff_unknown", "INSERT OR IGNORE", e);
		/* The usage events and their figures (from version 5). */
		if (err == HATCH_OK)
			err = copy_rows(s, src, "events", "INSERT OR IGNORE", e);
		if (err == HATCH_OK)
			err = copy_rows(s, src, "event_days", "INSERT OR IGNORE", e);
		if (err == HATCH_OK)
			err = copy_rows(s, src, "event_counts", "INSERT OR IGNORE", e);
		if (err == HATCH_OK)
			err = copy_rows(s, src, "event_sent", "INSERT OR IGNORE", e);
		/* New event ids go on from the last one counted, which may be
		 * past every raw event left (purged) and so past what the
		 * copy set AUTOINCREMENT's counter to. */
		if (err == HATCH_OK && *v >= 5) {
			rc = exec(s->db,
				  "DELETE FROM sqlite_sequence WHERE name = 'events';"
				  "INSERT INTO sqlite_sequence (name, seq) SELECT 'events',"
				  " max((SELECT coalesce(max(id), 0) FROM events),"
				  " (SELECT coalesce(max(last_id), 0) FROM event_days));");
			if (rc != SQLITE_OK)
				err = fail(s, rc, "salvage it", e);
		}
		if (err == HATCH_OK) {
			rc = exec(s->db, "COMMIT");
			if (rc != SQLITE_OK)
				err = fail(s, rc, "salvage it", e);
		}
		if (err != HATCH_OK)
			rollback(s->db);
	}
	sqlite3_close_v2(src);
	return err;
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
	size_t size = strlen(path) + sizeof ".key";
	char *key_path = mem_alloc(size);
	if (!key_path)
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot open it: out of memory", path);
	snprintf(key_path, size, "%s.key", path);
	enum hatch_err rc = store_open_keyed(path, key_path, out, e);
	mem_free(key_path);
	return rc;
}

enum hatch_err store_open_keyed(const char *path, const char *key_path, struct store **out,
				struct hatch_error *e)
{
	*out = NULL;
	if (!path || !*path)
		return err_set(e, HATCH_ERR_INPUT, "no database file was named");
	if (!key_path || !*key_path)
		return err_set(e, HATCH_ERR_INPUT, "%s: no key file was named", path);
	if (sodium_init() < 0)
		return err_set(e, HATCH_ERR_IO,
			       "%s: cannot open it: the cryptography library cannot start",
			       path);
	struct store *s = mem_calloc(1, sizeof *s);
	if (!s)
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot open it: out of memory", path);
	s->lock_ready = pthread_mutex_init(&s->lock, NULL) == 0;
	if (!s->lock_ready) {
		mem_free(s);
		return err_set(e, HATCH_ERR_IO, "%s: cannot open it: no lock", path);
	}
	s->path = mem_strdup(path);
	s->key_path = mem_strdup(key_path);
	if (!s->path || !s->key_path) {
		store_close(s);
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot open it: out of memory", path);
	}
	long long v = 0;
	bool damaged = false;
	enum hatch_err rc = make_file(s->path, e);
	if (rc == HATCH_OK)
		rc = connect_db(s, &v, &damaged, e);
	/* From version 2 on, the records are encrypted under the key. */
	if (rc == HATCH_OK)
		rc = load_key(s, v >= 2, e);
	if (rc == HATCH_OK && damaged)
		rc = salvage(s, &v, e);
	if (rc == HATCH_OK)
		rc = migrate(s, v, STORE_SCHEMA_VERSION, e);
	if (rc == HATCH_OK)
		rc = check_device(s, e);
	if (rc == HATCH_OK)
		rc = check_key(s, e);
	if (rc != HATCH_OK) {
		store_close(s);
		return rc;
	}
	if (s->checkpoint)
		checkpoint(s);
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
	mem_wipe(s->key, sizeof s->key);
	mem_free(s->path);
	mem_free(s->key_path);
	mem_free(s->moved_to);
	if (s->lock_ready)
		pthread_mutex_destroy(&s->lock);
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

static enum hatch_err store_next_reference_locked(struct store *s, uint64_t *seq, uint64_t *key,
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

/* store_outbox_add, and with PK, store_outbox_add_sealed. */
static enum hatch_err add(struct store *s, const struct store_submission *sub,
			  const unsigned char *pk, struct hatch_error *e)
{
	const char *doing = add_doing;
	enum hatch_err err = check_submission(sub, e);
	if (err != HATCH_OK)
		return err;
	unsigned char *box;
	size_t len;
	/* Encrypted before the transaction: the write lock is held for the
	 * insert alone. */
	err = make_box(s, sub->payload, strlen(sub->payload), pk, &box, &len, doing, e);
	if (err != HATCH_OK)
		return err;
	int rc = begin(s->db);
	if (rc != SQLITE_OK) {
		mem_free(box);
		return fail(s, rc, doing, e);
	}
	sqlite3_stmt *st;
	/* Due at once: next_attempt is never NULL, so that the claim's
	 * next_attempt <= now finds it. */
	rc = sqlite3_prepare_v2(
		s->db,
		"INSERT INTO outbox (uuid, reference, journey_id, journey_version,"
		" destination, language, channel, payload_box, sealed, next_attempt,"
		" created, updated)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, ?9, ?9, ?9)",
		-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, sub->uuid, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sub->reference, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, sub->journey_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, sub->journey_version);
		sqlite3_bind_text(st, 5, sub->destination, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, sub->language, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, sub->channel, -1, SQLITE_STATIC);
		rc = sqlite3_bind_blob64(st, 8, box, len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, sub->created);
		sqlite3_bind_int(st, 10, pk != NULL);
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
	mem_free(box);
	if (err != HATCH_OK) {
		rollback(s->db);
		return err;
	}
	return HATCH_OK;
}

static enum hatch_err store_outbox_add_locked(struct store *s, const struct store_submission *sub,
				struct hatch_error *e)
{
	return add(s, sub, NULL, e);
}

static enum hatch_err store_outbox_add_sealed_locked(struct store *s, const struct store_submission *sub,
				       const unsigned char pk[STORE_SEAL_KEY_BYTES],
				       struct hatch_error *e)
{
	if (!pk)
		return err_set(e, HATCH_ERR_INPUT, "no public key was given to seal the "
						   "submission to");
	return add(s, sub, pk, e);
}

/* Copies column COL into DST (SIZE bytes), cut short if it does not fit. */
static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

/* The rows of SQL (columns as store_outbox_row's, in order), at most LIMIT
 * of them (0: no limit), bound to nothing else. */
static enum hatch_err outbox_rows(struct store *s, const char *sql, size_t limit,
				  struct store_outbox_row **rows, size_t *n, struct hatch_error *e)
{
	static const char doing[] = "list the outbox";
	*rows = NULL;
	*n = 0;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	sqlite3_bind_int64(st, 1, limit ? (sqlite3_int64)limit : -1);
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
		r->next_attempt = sqlite3_column_int64(st, 9);
		copy_text(r->last_error, sizeof r->last_error, st, 10);
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

#define OUTBOX_ROW_COLUMNS                                                                       \
	"SELECT id, uuid, reference, journey_id, journey_version, destination, state,"         \
	" attempts, created, next_attempt, coalesce(last_error, '') FROM outbox"

static enum hatch_err store_outbox_list_locked(struct store *s, struct store_outbox_row **rows,
				 size_t *n, struct hatch_error *e)
{
	/* By id, not by created: the clock of a device without a real-time
	 * clock can jump, but ids only grow. */
	return outbox_rows(s, OUTBOX_ROW_COLUMNS " ORDER BY id DESC LIMIT ?1", 0, rows, n, e);
}

static enum hatch_err store_outbox_waiting_locked(struct store *s, size_t limit,
						  struct store_outbox_row **rows, size_t *n,
						  struct hatch_error *e)
{
	/* Through the due index: the delivered history is never read. */
	return outbox_rows(s,
			   OUTBOX_ROW_COLUMNS " WHERE state IN ('dead', 'sending', 'queued')"
					      " ORDER BY state = 'queued', id LIMIT ?1",
			   limit, rows, n, e);
}

static enum hatch_err store_outbox_counts_locked(struct store *s, size_t counts[STORE_STATES],
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
		int i = state_of(sqlite3_column_text(st, 0));
		if (i >= 0)
			got[i] = (size_t)sqlite3_column_int64(st, 1);
	}
	enum hatch_err err = rc == SQLITE_DONE ? HATCH_OK : fail(s, rc, doing, e);
	sqlite3_finalize(st);
	if (err == HATCH_OK)
		memcpy(counts, got, sizeof got);
	return err;
}

void store_due_cleanup(struct store_due *d)
{
	if (!d)
		return;
	if (d->payload) {
		mem_wipe(d->payload, d->payload_len + 1);
		mem_free(d->payload);
	}
	memset(d, 0, sizeof *d);
}

/* What a claim reads: columns 0-9 for read_due. */
#define DUE_COLUMNS                                                                        \
	"id, uuid, reference, journey_id, journey_version, destination, attempts, sealed," \
	" payload_box, remote_id"

/* Oldest first by id, not by created: ids only grow, the clock may jump.
 * The NOT EXISTS keeps one record per destination in flight; it is an
 * index lookup on (state, destination). The claim for one destination walks
 * outbox_claim in id order and stops at the first due row. */
static const char claim_any_sql[] =
	"SELECT " DUE_COLUMNS " FROM outbox AS o"
	" WHERE state = 'queued' AND next_attempt <= ?1"
	" AND NOT EXISTS (SELECT 1 FROM outbox AS f"
	"  WHERE f.state = 'sending' AND f.destination = o.destination)"
	" ORDER BY id LIMIT 1";

static const char claim_for_sql[] =
	"SELECT " DUE_COLUMNS " FROM outbox"
	" WHERE state = 'queued' AND destination = ?2 AND next_attempt <= ?1"
	" AND NOT EXISTS (SELECT 1 FROM outbox AS f"
	"  WHERE f.state = 'sending' AND f.destination = ?2)"
	" ORDER BY id LIMIT 1";

/* Fills OUT from the row at ST, the payload decrypted (or the sealed box
 * copied) into memory of OUT's. *READABLE is false, and OUT's payload NULL,
 * when the stored box cannot be opened. */
static enum hatch_err read_due(const struct store *s, sqlite3_stmt *st, struct store_due *out,
			       bool *readable, const char *doing, struct hatch_error *e)
{
	*readable = false;
	out->id = sqlite3_column_int64(st, 0);
	copy_text(out->uuid, sizeof out->uuid, st, 1);
	copy_text(out->reference, sizeof out->reference, st, 2);
	copy_text(out->journey_id, sizeof out->journey_id, st, 3);
	out->journey_version = (long)sqlite3_column_int64(st, 4);
	copy_text(out->destination, sizeof out->destination, st, 5);
	out->attempts = (long)sqlite3_column_int64(st, 6);
	out->sealed = sqlite3_column_int(st, 7) != 0;
	copy_text(out->remote_id, sizeof out->remote_id, st, 9);
	const unsigned char *box = sqlite3_column_blob(st, 8);
	size_t n = (size_t)sqlite3_column_bytes(st, 8);
	if (!box && n)
		return no_memory(s, doing, e);
	if (!box || (!out->sealed && n < BOX_OVERHEAD))
		return HATCH_OK;
	size_t len = out->sealed ? n : n - BOX_OVERHEAD;
	unsigned char *p = mem_alloc(len + 1);
	if (!p)
		return no_memory(s, doing, e);
	if (out->sealed) {
		memcpy(p, box, n);
	} else if (crypto_secretbox_open_easy(p, box + BOX_NONCE, n - BOX_NONCE, box, s->key) !=
		   0) {
		mem_wipe(p, len + 1);
		mem_free(p);
		return HATCH_OK;
	}
	p[len] = '\0';
	out->payload = p;
	out->payload_len = len;
	*readable = true;
	return HATCH_OK;
}

static const char claimed_sql[] =
	"UPDATE outbox SET state = 'sending', updated = ?2 WHERE id = ?1";

/* The reason a record that cannot be decrypted is given, as it goes dead. */
static const char unreadable_reason[] = "the stored payload cannot be decrypted";
static const char unreadable_sql[] =
	"UPDATE outbox SET state = 'dead', last_error = ?3, updated = ?2 WHERE id = ?1";

/* Room a claim needs beside the database: the claim's and its outcome's
 * pages in the write-ahead log, many times over. A record claimed and sent
 * whose delivery could not then be written down for want of space would be
 * sent again later; so nothing is claimed unless there is room to record
 * what happens to it. */
#define STORE_CLAIM_ROOM (256 * 1024)

/* True when the file system holding the database has STORE_CLAIM_ROOM
 * free (or cannot say: SQLite will then say what is wrong). */
static bool room_to_claim(const struct store *s)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", s->path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	struct statvfs v;
	if (statvfs(dir, &v) != 0)
		return true;
	return (unsigned long long)v.f_bavail * v.f_frsize >= STORE_CLAIM_ROOM;
}

static enum hatch_err claim(struct store *s, const char *destination, long long now,
			    struct store_due *out, bool *found, struct hatch_error *e)
{
	static const char doing[] = "claim a record for delivery";
	memset(out, 0, sizeof *out);
	*found = false;
	if (!room_to_claim(s))
		return fail(s, SQLITE_FULL, doing, e);
	int rc = begin(s->db);
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(s->db, destination ? claim_for_sql : claim_any_sql, -1, &st,
				NULL);
	enum hatch_err err = HATCH_OK;
	bool got = false;
	while (rc == SQLITE_OK && !got) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, now);
		if (destination)
			sqlite3_bind_text(st, 2, destination, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
			break;
		}
		rc = SQLITE_OK;
		bool readable;
		err = read_due(s, st, out, &readable, doing, e);
		sqlite3_reset(st);
		if (err != HATCH_OK)
			break;
		int changed;
		if (readable) {
			rc = run(s->db, claimed_sql, out->id, now, NULL, 0, &changed);
			got = true;
		} else {
			/* Damaged beyond use: dead, with a reason staff can
			 * see, so that it blocks nothing behind it. */
			rc = run(s->db, unreadable_sql, out->id, now, unreadable_reason, 0,
				 &changed);
			store_due_cleanup(out);
		}
	}
	sqlite3_finalize(st);
	err = finish(s, err, rc, doing, e);
	if (err != HATCH_OK) {
		store_due_cleanup(out);
		return err;
	}
	*found = got;
	return HATCH_OK;
}

static enum hatch_err store_claim_due_locked(struct store *s, long long now, struct store_due *out,
			       bool *found, struct hatch_error *e)
{
	return claim(s, NULL, now, out, found, e);
}

static enum hatch_err store_claim_due_for_locked(struct store *s, const char *destination, long long now,
				   struct store_due *out, bool *found, struct hatch_error *e)
{
	if (!destination || !*destination) {
		memset(out, 0, sizeof *out);
		*found = false;
		return err_set(e, HATCH_ERR_INPUT, "%s: cannot claim a record: no destination "
						   "was named",
			       s->path);
	}
	return claim(s, destination, now, out, found, e);
}

/* Bits of enum store_state, for the states a change may start from. */
#define FROM(st) (1u << (st))

/* Runs the change SQL (?1 the id, ?2 NUM, ?3 TEXT, ?4 NUM2) on record ID
 * in one transaction, if the record is in one of the states FROM. */
static enum hatch_err change(struct store *s, long long id, unsigned from, const char *sql,
			     long long num, const char *text, long long num2, const char *doing,
			     struct hatch_error *e)
{
	int rc = begin(s->db);
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	sqlite3_stmt *st;
	int state = -1;
	bool exists = false;
	rc = sqlite3_prepare_v2(s->db, "SELECT state FROM outbox WHERE id = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			exists = true;
			state = state_of(sqlite3_column_text(st, 0));
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
	}
	enum hatch_err err = HATCH_OK;
	if (rc == SQLITE_OK && !exists)
		err = err_set(e, HATCH_ERR_NOTFOUND, "%s: cannot %s: there is no record %lld",
			      s->path, doing, id);
	else if (rc == SQLITE_OK && (state < 0 || !(from & FROM(state))))
		err = err_set(e, HATCH_ERR_STATE, "%s: cannot %s: record %lld is %s", s->path,
			      doing, id, state < 0 ? "in no known state" : state_names[state]);
	int changed;
	if (err == HATCH_OK && rc == SQLITE_OK)
		rc = run(s->db, sql, id, num, text, num2, &changed);
	return finish(s, err, rc, doing, e);
}

/* REASON cut to STORE_REASON_MAX bytes at a UTF-8 character boundary, in
 * OUT; NULL for none. */
static const char *clip_reason(const char *reason, char out[STORE_REASON_MAX + 1])
{
	if (!reason || !*reason)
		return NULL;
	size_t n = strlen(reason);
	if (n > STORE_REASON_MAX) {
		n = STORE_REASON_MAX;
		while (n > 0 && ((unsigned char)reason[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, reason, n);
	out[n] = '\0';
	return out;
}

static enum hatch_err check_remote(const struct store *s, const char *remote_id,
				   const char *doing, struct hatch_error *e)
{
	if (remote_id && strlen(remote_id) > REMOTE_ID_MAX)
		return err_set(e, HATCH_ERR_LIMIT,
			       "%s: cannot %s: the remote id is longer than %d bytes", s->path,
			       doing, REMOTE_ID_MAX);
	return HATCH_OK;
}

static enum hatch_err store_mark_delivered_locked(struct store *s, long long id, const char *remote_id,
				    long long now, struct hatch_error *e)
{
	static const char doing[] = "mark the record delivered";
	enum hatch_err err = check_remote(s, remote_id, doing, e);
	if (err != HATCH_OK)
		return err;
	return change(s, id, FROM(STORE_SENDING),
		      "UPDATE outbox SET state = 'delivered', attempts = attempts + 1,"
		      " remote_id = coalesce(nullif(?3, ''), remote_id), last_error = NULL,"
		      " delivered_at = ?2, updated = ?2 WHERE id = ?1",
		      now, remote_id, 0, doing, e);
}

static enum hatch_err store_mark_retry_locked(struct store *s, long long id, long long next_attempt,
				const char *reason, long long now, struct hatch_error *e)
{
	char clipped[STORE_REASON_MAX + 1];
	return change(s, id, FROM(STORE_SENDING),
		      "UPDATE outbox SET state = 'queued', attempts = attempts + 1,"
		      " next_attempt = ?4, last_error = ?3, updated = ?2 WHERE id = ?1",
		      now, clip_reason(reason, clipped), next_attempt,
		      "schedule the record's next attempt", e);
}

static enum hatch_err store_mark_dead_locked(struct store *s, long long id, const char *reason,
			       long long now, struct hatch_error *e)
{
	char clipped[STORE_REASON_MAX + 1];
	return change(s, id, FROM(STORE_SENDING),
		      "UPDATE outbox SET state = 'dead', attempts = attempts + 1,"
		      " last_error = ?3, updated = ?2 WHERE id = ?1",
		      now, clip_reason(reason, clipped), 0, "mark the record dead", e);
}

static enum hatch_err store_set_remote_locked(struct store *s, long long id, const char *remote_id,
				struct hatch_error *e)
{
	static const char doing[] = "keep the record's remote id";
	enum hatch_err err = check_remote(s, remote_id, doing, e);
	if (err != HATCH_OK)
		return err;
	return change(s, id, FROM(STORE_SENDING) | FROM(STORE_QUEUED),
		      "UPDATE outbox SET remote_id = nullif(?3, '') WHERE id = ?1", 0, remote_id,
		      0, doing, e);
}

static enum hatch_err store_recover_sending_locked(struct store *s, size_t *n, struct hatch_error *e)
{
	static const char doing[] = "recover records left sending";
	*n = 0;
	int rc = begin(s->db);
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	int changed = 0;
	rc = run(s->db, "UPDATE outbox SET state = 'queued' WHERE state = 'sending'", 0, 0, NULL,
		 0, &changed);
	if (rc == SQLITE_OK)
		rc = exec(s->db, "COMMIT");
	if (rc != SQLITE_OK) {
		enum hatch_err err = fail(s, rc, doing, e);
		rollback(s->db);
		return err;
	}
	*n = (size_t)changed;
	return HATCH_OK;
}

/* A dead record queued again starts its backoff afresh. */
static const char requeue_sql[] =
	"UPDATE outbox SET state = 'queued', attempts = 0, next_attempt = ?2, updated = ?2"
	" WHERE id = ?1";
static const char due_now_sql[] =
	"UPDATE outbox SET next_attempt = min(next_attempt, ?2), updated = ?2 WHERE id = ?1";

static const char *retry_refusal(int state)
{
	if (state == STORE_SENDING)
		return "being sent now";
	if (state == STORE_DELIVERED)
		return "already delivered";
	return "in no known state";
}

static enum hatch_err store_retry_locked(struct store *s, const char *reference, long long now, size_t *n,
			   struct hatch_error *e)
{
	static const char doing[] = "retry";
	*n = 0;
	if (reference && !*reference)
		return err_set(e, HATCH_ERR_INPUT, "%s: cannot retry: the reference is empty",
			       s->path);
	int rc = begin(s->db);
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	enum hatch_err err = HATCH_OK;
	int changed = 0;
	if (!reference) {
		rc = run(s->db,
			 "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt = ?2,"
			 " updated = ?2 WHERE state = 'dead'",
			 0, now, NULL, 0, &changed);
	} else {
		sqlite3_stmt *st;
		long long id = 0;
		int state = -1;
		rc = sqlite3_prepare_v2(s->db,
					"SELECT id, state FROM outbox WHERE reference = ?1", -1,
					&st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, reference, -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW) {
				id = sqlite3_column_int64(st, 0);
				state = state_of(sqlite3_column_text(st, 1));
				rc = SQLITE_OK;
			} else if (rc == SQLITE_DONE) {
				err = err_set(e, HATCH_ERR_NOTFOUND,
					      "%s: cannot retry %s: no record has this reference",
					      s->path, reference);
				rc = SQLITE_OK;
			}
			sqlite3_finalize(st);
		}
		if (err == HATCH_OK && rc == SQLITE_OK) {
			if (state == STORE_DEAD)
				rc = run(s->db, requeue_sql, id, now, NULL, 0, &changed);
			else if (state == STORE_QUEUED)
				rc = run(s->db, due_now_sql, id, now, NULL, 0, &changed);
			else
				err = err_set(e, HATCH_ERR_STATE, "%s: cannot retry %s: it is %s",
					      s->path, reference, retry_refusal(state));
		}
	}
	err = finish(s, err, rc, doing, e);
	if (err != HATCH_OK)
		return err;
	*n = (size_t)changed;
	return HATCH_OK;
}

static enum hatch_err store_destination_stats_locked(struct store *s, struct store_destination_stats **v,
				       size_t *n, struct hatch_error *e)
{
	static const char doing[] = "count the outbox by destination";
	*v = NULL;
	*n = 0;
	/* One read transaction: the counts and the errors of one moment. */
	int rc = exec(s->db, "BEGIN");
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	sqlite3_stmt *st = NULL, *last = NULL;
	rc = sqlite3_prepare_v2(s->db,
				"SELECT destination, state, count(*), min(created) FROM outbox"
				" GROUP BY destination, state ORDER BY destination",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
			s->db,
			"SELECT last_error FROM outbox"
			" WHERE state IN ('queued', 'sending', 'dead') AND destination = ?1"
			" AND last_error IS NOT NULL ORDER BY updated DESC, id DESC LIMIT 1",
			-1, &last, NULL);
	struct store_destination_stats *d = NULL;
	size_t len = 0, cap = 0;
	enum hatch_err err = HATCH_OK;
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		const unsigned char *name = sqlite3_column_text(st, 0);
		if (!name) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (!len || strcmp(d[len - 1].destination, (const char *)name)) {
			if (len == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct store_destination_stats *nd =
					mem_realloc(d, ncap * sizeof *nd);
				if (!nd) {
					err = no_memory(s, doing, e);
					break;
				}
				d = nd;
				cap = ncap;
			}
			memset(&d[len], 0, sizeof d[len]);
			copy_text(d[len].destination, sizeof d[len].destination, st, 0);
			len++;
		}
		struct store_destination_stats *x = &d[len - 1];
		int i = state_of(sqlite3_column_text(st, 1));
		if (i < 0)
			continue;
		x->counts[i] = (size_t)sqlite3_column_int64(st, 2);
		long long oldest = sqlite3_column_int64(st, 3);
		if ((i == STORE_QUEUED || i == STORE_SENDING) &&
		    (!x->oldest_waiting || oldest < x->oldest_waiting))
			x->oldest_waiting = oldest;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	for (size_t k = 0; err == HATCH_OK && rc == SQLITE_OK && k < len; k++) {
		sqlite3_reset(last);
		sqlite3_bind_text(last, 1, d[k].destination, -1, SQLITE_STATIC);
		rc = sqlite3_step(last);
		if (rc == SQLITE_ROW)
			copy_text(d[k].last_error, sizeof d[k].last_error, last, 0);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(last);
	err = finish(s, err, rc, doing, e);
	if (err != HATCH_OK) {
		mem_free(d);
		return err;
	}
	*v = d;
	*n = len;
	return HATCH_OK;
}

static enum hatch_err store_purge_locked(struct store *s, long long delivered_before, size_t *n,
			   struct hatch_error *e)
{
	static const char doing[] = "purge delivered payloads";
	*n = 0;
	int rc = begin(s->db);
	if (rc != SQLITE_OK)
		return fail(s, rc, doing, e);
	int changed = 0;
	/* secure_delete (on for this connection) zeroes the space the boxes
	 * leave, in the page and in freed overflow pages. The unary + keeps
	 * the planner on outbox_purge, which holds only payloads not yet
	 * purged, rather than every delivered record by state. */
	rc = run(s->db,
		 "UPDATE outbox SET payload_box = NULL WHERE payload_box IS NOT NULL"
		 " AND delivered_at < ?2 AND +state = 'delivered'",
		 0, delivered_before, NULL, 0, &changed);
	if (rc == SQLITE_OK)
		rc = exec(s->db, "COMMIT");
	if (rc != SQLITE_OK) {
		enum hatch_err err = fail(s, rc, doing, e);
		rollback(s->db);
		return err;
	}
	*n = (size_t)changed;
	/* The older versions of those pages are still in the -wal, and the
	 * file still has them until a checkpoint. */
	checkpoint(s);
	return HATCH_OK;
}

/* ---- the public calls, each whole under the connection lock ---- */

enum hatch_err store_next_reference(struct store *s, uint64_t *seq, uint64_t *key,
				    struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_next_reference_locked(s, seq, key, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_outbox_add(struct store *s, const struct store_submission *sub,
				struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_outbox_add_locked(s, sub, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_outbox_add_sealed(struct store *s, const struct store_submission *sub,
				       const unsigned char pk[STORE_SEAL_KEY_BYTES],
				       struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_outbox_add_sealed_locked(s, sub, pk, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_outbox_list(struct store *s, struct store_outbox_row **rows,
				 size_t *n, struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_outbox_list_locked(s, rows, n, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_outbox_waiting(struct store *s, size_t limit, struct store_outbox_row **rows,
				    size_t *n, struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_outbox_waiting_locked(s, limit, rows, n, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_outbox_counts(struct store *s, size_t counts[STORE_STATES],
				   struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_outbox_counts_locked(s, counts, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_claim_due(struct store *s, long long now, struct store_due *out,
			       bool *found, struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_claim_due_locked(s, now, out, found, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_claim_due_for(struct store *s, const char *destination, long long now,
				   struct store_due *out, bool *found, struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_claim_due_for_locked(s, destination, now, out, found, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_mark_delivered(struct store *s, long long id, const char *remote_id,
				    long long now, struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_mark_delivered_locked(s, id, remote_id, now, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_mark_retry(struct store *s, long long id, long long next_attempt,
				const char *reason, long long now, struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_mark_retry_locked(s, id, next_attempt, reason, now, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_mark_dead(struct store *s, long long id, const char *reason,
			       long long now, struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_mark_dead_locked(s, id, reason, now, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_set_remote(struct store *s, long long id, const char *remote_id,
				struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_set_remote_locked(s, id, remote_id, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_recover_sending(struct store *s, size_t *n, struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_recover_sending_locked(s, n, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_retry(struct store *s, const char *reference, long long now, size_t *n,
			   struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_retry_locked(s, reference, now, n, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_destination_stats(struct store *s, struct store_destination_stats **v,
				       size_t *n, struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_destination_stats_locked(s, v, n, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

enum hatch_err store_purge(struct store *s, long long delivered_before, size_t *n,
			   struct hatch_error *e)
{
	pthread_mutex_lock(&s->lock);
	enum hatch_err rc = store_purge_locked(s, delivered_before, n, e);
	pthread_mutex_unlock(&s->lock);
	return rc;
}
