/* Unit tests for store/: creating, reopening and migrating the database,
 * its durability settings, reference sequence numbers, the outbox, and the
 * errors a kiosk meets (not a database, newer schema, read-only, disk full,
 * I/O errors, a lock held by another program, out of memory). A second
 * SQLite connection looks at the file from outside; a pass-through VFS
 * counts syncs and makes writes fail on demand. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"
#include <sqlite3.h>

#include "base/mem.h"
#include "store/store.h"


/* PATH under the test's directory, in one of a few rotating buffers. */
static const char *in_dir(const char *name)
{
	static char bufs[16][512];
	static int next;
	char *p = bufs[next++ % 16];
	snprintf(p, sizeof bufs[0], "%s/%s", support_dir, name);
	return p;
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* The whole of PATH in a new buffer (mem_free), its length in *N. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long l = ftell(f);
	assert_true(l >= 0);
	rewind(f);
	char *p = mem_alloc((size_t)l + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)l, f), (size_t)l);
	fclose(f);
	*n = (size_t)l;
	return p;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* A second connection, as another program would have. */
static sqlite3 *peek_open(const char *path, bool writable)
{
	sqlite3 *db = NULL;
	int flags = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	assert_int_equal(sqlite3_open_v2(path, &db, flags, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static long long peek_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The first column of the first row as text, into OUT. */
static void peek_text(sqlite3 *db, const char *sql, char *out, size_t size)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(out, size, "%s", t ? (const char *)t : "");
	sqlite3_finalize(st);
}

static void peek_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static long long outbox_rows(const char *path)
{
	sqlite3 *db = peek_open(path, false);
	long long n = peek_int(db, "SELECT count(*) FROM outbox");
	sqlite3_close(db);
	return n;
}

/* A made-up submission numbered I: no real person's details. */
struct sample {
	char uuid[37], reference[16], payload[128];
	struct store_submission sub;
};

static void sample(struct sample *x, int i)
{
	snprintf(x->uuid, sizeof x->uuid, "00000000-0000-4000-8000-%012d", i);
	snprintf(x->reference, sizeof x->reference, "TEST-%04d-X", i % 10000);
	snprintf(x->payload, sizeof x->payload, "{\"answers\":{\"bin\":\"blue\"},\"n\":%d}", i);
	x->sub = (struct store_submission){
		.uuid = x->uuid,
		.reference = x->reference,
		.journey_id = i % 2 ? "missed-bin" : "report-speeding",
		.journey_version = i,
		.destination = "demo-waste",
		.language = "en",
		.channel = "kiosk",
		.payload = x->payload,
		.created = 1700000000LL + i,
	};
}

static void add_sample(struct store *s, int i)
{
	struct sample x;
	struct hatch_error e;
	sample(&x, i);
	enum hatch_err rc = store_outbox_add(s, &x.sub, &e);
	if (rc != HATCH_OK)
		fail_msg("add %d: %s", i, e.msg);
}

static struct store *open_ok(const char *path)
{
	struct store *s = NULL;
	struct hatch_error e;
	if (store_open(path, &s, &e) != HATCH_OK)
		fail_msg("store_open: %s", e.msg);
	assert_non_null(s);
	return s;
}

static void counts_are(struct store *s, size_t q, size_t sending, size_t d, size_t dead)
{
	size_t c[STORE_STATES];
	struct hatch_error e;
	assert_int_equal(store_outbox_counts(s, c, &e), HATCH_OK);
	assert_int_equal(c[STORE_QUEUED], q);
	assert_int_equal(c[STORE_SENDING], sending);
	assert_int_equal(c[STORE_DELIVERED], d);
	assert_int_equal(c[STORE_DEAD], dead);
}

/* A pass-through VFS over the default one. It counts syncs of the -wal
 * file and, when told, fails writes as a full disk, a failing disk or a
 * write-protected file would. */
static struct {
	sqlite3_vfs *real;
	int wal_syncs;
	long long wal_limit; /* a -wal write ending past this is SQLITE_FULL; 0: none */
	bool fail_writes;    /* every write is SQLITE_IOERR_WRITE */
	bool read_only;      /* the main database opens read-only */
} shim;

struct shim_file {
	sqlite3_file base;
	sqlite3_file *real;
	int flags;
};

static sqlite3_file *real_of(sqlite3_file *f)
{
	return ((struct shim_file *)f)->real;
}

static int shim_close(sqlite3_file *f)
{
	return real_of(f)->pMethods->xClose(real_of(f));
}

static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return real_of(f)->pMethods->xRead(real_of(f), p, n, off);
}

static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	struct shim_file *sf = (struct shim_file *)f;
	if (shim.fail_writes)
		return SQLITE_IOERR_WRITE;
	if ((sf->flags & SQLITE_OPEN_WAL) && shim.wal_limit && off + n > shim.wal_limit)
		return SQLITE_FULL;
	return sf->real->pMethods->xWrite(sf->real, p, n, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
	struct shim_file *sf = (struct shim_file *)f;
	if (sf->flags & SQLITE_OPEN_WAL)
		shim.wal_syncs++;
	return sf->real->pMethods->xSync(sf->real, flags);
}

static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int shim_lock(sqlite3_file *f, int l)
{
	return real_of(f)->pMethods->xLock(real_of(f), l);
}

static int shim_unlock(sqlite3_file *f, int l)
{
	return real_of(f)->pMethods->xUnlock(real_of(f), l);
}

static int shim_check_reserved(sqlite3_file *f, int *out)
{
	return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int shim_file_control(sqlite3_file *f, int op, void *arg)
{
	return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int shim_sector_size(sqlite3_file *f)
{
	return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int shim_device_characteristics(sqlite3_file *f)
{
	return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int shim_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **p)
{
	return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, p);
}

static int shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
	real_of(f)->pMethods->xShmBarrier(real_of(f));
}

static int shim_shm_unmap(sqlite3_file *f, int del)
{
	return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}

static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
	return real_of(f)->pMethods->xFetch(real_of(f), off, n, p);
}

static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

static const sqlite3_io_methods shim_methods = {
	3,
	shim_close,
	shim_read,
	shim_write,
	shim_truncate,
	shim_sync,
	shim_file_size,
	shim_lock,
	shim_unlock,
	shim_check_reserved,
	shim_file_control,
	shim_sector_size,
	shim_device_characteristics,
	shim_shm_map,
	shim_shm_lock,
	shim_shm_barrier,
	shim_shm_unmap,
	shim_fetch,
	shim_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file,
		     int flags, int *out_flags)
{
	(void)vfs;
	struct shim_file *f = (struct shim_file *)file;
	f->real = (sqlite3_file *)(f + 1);
	f->flags = flags;
	if (shim.read_only && (flags & SQLITE_OPEN_MAIN_DB)) {
		/* What the unix VFS does when open(O_RDWR) is refused. */
		flags &= ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
		flags |= SQLITE_OPEN_READONLY;
	}
	int rc = shim.real->xOpen(shim.real, name, f->real, flags, out_flags);
	file->pMethods = rc == SQLITE_OK ? &shim_methods : NULL;
	return rc;
}

static sqlite3_vfs shim_vfs;

static int shim_setup(void **state)
{
	if (support_dir_setup(state))
		return -1;
	memset(&shim, 0, sizeof shim);
	shim.real = sqlite3_vfs_find(NULL);
	if (!shim.real || shim.real->iVersion < 3)
		return -1;
	shim_vfs = *shim.real;
	shim_vfs.pNext = NULL;
	shim_vfs.zName = "hatch-test-shim";
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + shim.real->szOsFile;
	shim_vfs.xOpen = shim_open;
	return sqlite3_vfs_register(&shim_vfs, 1) == SQLITE_OK ? 0 : -1;
}

static int shim_teardown(void **state)
{
	sqlite3_vfs_unregister(&shim_vfs);
	return support_dir_teardown(state);
}

static void create_open_close_reopen(void **state)
{
	(void)state;
	/* Missing parents are made, private to the kiosk's user. */
	const char *path = in_dir("a/b/hatch.db");
	struct store *s = open_ok(path);
	assert_string_equal(store_path(s), path);
	struct stat st;
	assert_int_equal(stat(in_dir("a"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(in_dir("a/b"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	uint64_t seq1, key1, seq2, key2;
	struct hatch_error e;
	assert_int_equal(store_next_reference(s, &seq1, &key1, &e), HATCH_OK);
	assert_int_equal(seq1, 1);
	add_sample(s, 1);
	/* The -wal holds payloads until a checkpoint: as private as the file. */
	assert_int_equal(stat(in_dir("a/b/hatch.db-wal"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	store_close(s);

	s = open_ok(path);
	assert_int_equal(store_next_reference(s, &seq2, &key2, &e), HATCH_OK);
	assert_int_equal(seq2, 2);
	assert_true(key1 == key2);
	struct store_outbox_row *rows;
	size_t n;
	assert_int_equal(store_outbox_list(s, &rows, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].uuid, "00000000-0000-4000-8000-000000000001");
	mem_free(rows);
	store_close(s);
	store_close(NULL);

	/* Another database has another key (64 random bits: equal keys
	 * would mean the key is not random). */
	s = open_ok(in_dir("other.db"));
	uint64_t seq3, key3;
	assert_int_equal(store_next_reference(s, &seq3, &key3, &e), HATCH_OK);
	assert_int_equal(seq3, 1);
	assert_true(key3 != key1);
	store_close(s);
}

static void schema_and_settings(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	sqlite3 *db = peek_open(path, false);
	assert_int_equal(peek_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	char mode[16];
	peek_text(db, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(peek_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				      " AND name IN ('device', 'outbox')"),
			 2);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				      " AND name = 'outbox_due'"),
			 1);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM device"), 1);
	assert_int_equal(peek_int(db, "SELECT next_sequence FROM device"), 1);
	/* The index serves the sync worker's query. */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "EXPLAIN QUERY PLAN SELECT id FROM outbox"
					    " WHERE state = 'queued' AND destination = 'x'"
					    " AND next_attempt <= 5 ORDER BY next_attempt",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const char *plan = (const char *)sqlite3_column_text(st, 3);
	assert_non_null(plan);
	assert_non_null(
		strstr(plan, "outbox_due (state=? AND destination=? AND next_attempt<?)"));
	sqlite3_finalize(st);
	sqlite3_close(db);
	store_close(s);
}

/* synchronous=FULL in WAL mode syncs the -wal at every commit; NORMAL
 * would leave the last commits to the next checkpoint. The setting belongs
 * to the store's own connection, so it is checked by what it does. */
static void commits_are_synced(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	struct hatch_error e;
	uint64_t seq, key;
	shim.wal_syncs = 0;
	assert_int_equal(store_next_reference(s, &seq, &key, &e), HATCH_OK);
	assert_true(shim.wal_syncs >= 1);
	shim.wal_syncs = 0;
	add_sample(s, 1);
	assert_true(shim.wal_syncs >= 1);
	store_close(s);
}

static void sequence_never_repeats(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct hatch_error e;
	uint64_t last = 0, seq, key;
	for (int round = 0; round < 3; round++) {
		struct store *s = open_ok(path);
		for (int i = 0; i < 5; i++) {
			assert_int_equal(store_next_reference(s, &seq, &key, &e), HATCH_OK);
			assert_true(seq > last);
			last = seq;
		}
		store_close(s);
	}
	assert_int_equal(last, 15);
	/* Two processes (two connections) taking numbers in turn never get
	 * the same one. */
	struct store *a = open_ok(path), *b = open_ok(path);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(store_next_reference(i % 2 ? a : b, &seq, &key, &e), HATCH_OK);
		assert_int_equal(seq, last + 1);
		last = seq;
	}
	store_close(a);
	store_close(b);
	sqlite3 *db = peek_open(path, false);
	assert_int_equal(peek_int(db, "SELECT next_sequence FROM device"), 26);
	sqlite3_close(db);
}

static void add_list_counts(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	struct hatch_error e;
	struct store_outbox_row *rows;
	size_t n;
	assert_int_equal(store_outbox_list(s, &rows, &n, &e), HATCH_OK);
	assert_int_equal(n, 0);
	mem_free(rows);
	counts_are(s, 0, 0, 0, 0);

	for (int i = 1; i <= 40; i++)
		add_sample(s, i);
	assert_int_equal(store_outbox_list(s, &rows, &n, &e), HATCH_OK);
	assert_int_equal(n, 40);
	for (size_t k = 0; k < n; k++) {
		/* The most recently added first. */
		int i = 40 - (int)k;
		struct sample x;
		sample(&x, i);
		assert_string_equal(rows[k].uuid, x.uuid);
		assert_string_equal(rows[k].reference, x.reference);
		assert_string_equal(rows[k].journey_id, x.sub.journey_id);
		assert_int_equal(rows[k].journey_version, i);
		assert_string_equal(rows[k].destination, "demo-waste");
		assert_string_equal(rows[k].state, "queued");
		assert_int_equal(rows[k].attempts, 0);
		assert_int_equal(rows[k].created, 1700000000LL + i);
		if (k)
			assert_true(rows[k].id < rows[k - 1].id);
	}
	mem_free(rows);
	counts_are(s, 40, 0, 0, 0);

	/* What was written, from outside: the payload as given, due at once. */
	sqlite3 *db = peek_open(path, true);
	char payload[128];
	peek_text(db, "SELECT payload FROM outbox WHERE reference = 'TEST-0007-X'", payload,
		  sizeof payload);
	assert_string_equal(payload, "{\"answers\":{\"bin\":\"blue\"},\"n\":7}");
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox WHERE next_attempt = created"
				      " AND updated = created AND language = 'en'"
				      " AND channel = 'kiosk' AND last_error IS NULL"),
			 40);
	peek_exec(db, "UPDATE outbox SET state = 'sending' WHERE id = 1;"
		      "UPDATE outbox SET state = 'delivered' WHERE id IN (2, 3);"
		      "UPDATE outbox SET state = 'dead', attempts = 9 WHERE id BETWEEN 4 AND 7");
	sqlite3_close(db);
	counts_are(s, 33, 1, 2, 4);
	assert_int_equal(store_outbox_list(s, &rows, &n, &e), HATCH_OK);
	assert_string_equal(rows[n - 4].state, "dead");
	assert_int_equal(rows[n - 4].attempts, 9);
	mem_free(rows);
	store_close(s);

	assert_string_equal(store_state_name(STORE_QUEUED), "queued");
	assert_string_equal(store_state_name(STORE_DEAD), "dead");
	assert_null(store_state_name((enum store_state)STORE_STATES));
}

static void duplicates_refused(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	add_sample(s, 1);
	struct sample x;
	struct hatch_error e;
	sample(&x, 2);
	x.sub.uuid = "00000000-0000-4000-8000-000000000001";
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "uuid is already in the outbox"));
	/* The payload is personal data: never in a message. */
	assert_null(strstr(e.msg, "blue"));
	sample(&x, 2);
	x.sub.reference = "TEST-0001-X";
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "reference is already in the outbox"));
	counts_are(s, 1, 0, 0, 0);
	assert_int_equal(outbox_rows(path), 1);
	/* The failures left no transaction open. */
	add_sample(s, 2);
	counts_are(s, 2, 0, 0, 0);
	store_close(s);
}

static void incomplete_submissions_refused(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	struct sample x;
	struct hatch_error e;
	assert_int_equal(store_outbox_add(s, NULL, &e), HATCH_ERR_INPUT);
	sample(&x, 1);
	x.sub.payload = NULL;
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "payload"));
	sample(&x, 1);
	x.sub.uuid = "";
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "uuid"));
	sample(&x, 1);
	x.sub.channel = NULL;
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_ERR_INPUT);
	/* Longer than the listing can show. */
	char id[66];
	memset(id, 'j', 65);
	id[65] = '\0';
	sample(&x, 1);
	x.sub.journey_id = id;
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_ERR_LIMIT);
	assert_non_null(strstr(e.msg, "longer than 64 bytes"));
	id[64] = '\0';
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_OK);
	sample(&x, 2);
	x.sub.reference = "TEST-0002-XXXXXX";
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_ERR_LIMIT);
	counts_are(s, 1, 0, 0, 0);
	store_close(s);
}

static void not_a_database(void **state)
{
	(void)state;
	const char *path = in_dir("notes.db");
	char text[4096];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = "Not a database, just some text.\n"[i % 32];
	write_file(path, text, sizeof text);
	struct store *s = (struct store *)1;
	struct hatch_error e;
	assert_int_equal(store_open(path, &s, &e), HATCH_ERR_IO);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "not a database"));
	size_t n;
	char *after = slurp(path, &n);
	assert_int_equal(n, sizeof text);
	assert_memory_equal(after, text, sizeof text);
	mem_free(after);

	/* Another program's SQLite database is neither migrated nor changed. */
	path = in_dir("other.db");
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	peek_exec(db, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x')");
	sqlite3_close(db);
	char *before = slurp(path, &n);
	size_t n2;
	assert_int_equal(store_open(path, &s, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "not Hatch's"));
	after = slurp(path, &n2);
	assert_int_equal(n, n2);
	assert_memory_equal(before, after, n);
	mem_free(before);
	mem_free(after);
}

static void newer_schema_refused(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	store_close(open_ok(path));
	sqlite3 *db = peek_open(path, true);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
	peek_exec(db, sql);
	sqlite3_close(db);
	struct store *s;
	struct hatch_error e;
	assert_int_equal(store_open(path, &s, &e), HATCH_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "newer"));
	db = peek_open(path, false);
	assert_int_equal(peek_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION + 1);
	sqlite3_close(db);
}

static void cannot_create(void **state)
{
	(void)state;
	struct store *s;
	struct hatch_error e;
	assert_int_equal(store_open("", &s, &e), HATCH_ERR_INPUT);
	assert_null(s);

	/* A file where a directory should be. */
	write_file(in_dir("file"), "x", 1);
	const char *path = in_dir("file/hatch.db");
	assert_int_equal(store_open(path, &s, &e), HATCH_ERR_IO);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));

	/* A directory nobody may create files in, not even root. */
	path = "/proc/hatch-test/hatch.db";
	assert_int_equal(store_open(path, &s, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "cannot create"));

	/* A read-only directory (root writes anyway, so only as a user). */
	if (geteuid() != 0) {
		assert_int_equal(mkdir(in_dir("ro"), 0500), 0);
		path = in_dir("ro/hatch.db");
		assert_int_equal(store_open(path, &s, &e), HATCH_ERR_IO);
		assert_non_null(strstr(e.msg, path));
		assert_non_null(strstr(e.msg, "Permission denied"));
	}
}

static void read_only_file(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	add_sample(s, 1);
	store_close(s);
	struct hatch_error e;
	shim.read_only = true;
	assert_int_equal(store_open(path, &s, &e), HATCH_ERR_IO);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "read-only"));
	shim.read_only = false;
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0400), 0);
		assert_int_equal(store_open(path, &s, &e), HATCH_ERR_IO);
		assert_non_null(strstr(e.msg, "read-only"));
		assert_int_equal(chmod(path, 0600), 0);
	}
	s = open_ok(path);
	counts_are(s, 1, 0, 0, 0);
	store_close(s);
}

/* The disk fills as the -wal grows: a record too large for the room left
 * is refused whole, a small one still fits, and the file stays sound. */
static void disk_full(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	add_sample(s, 1);
	struct stat st;
	assert_int_equal(stat(in_dir("hatch.db-wal"), &st), 0);
	shim.wal_limit = (long long)st.st_size + 64 * 1024;

	size_t big = 1024 * 1024;
	char *payload = mem_alloc(big + 1);
	assert_non_null(payload);
	memset(payload, 'p', big);
	payload[big] = '\0';
	struct sample x;
	sample(&x, 2);
	x.sub.payload = payload;
	struct hatch_error e;
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "disk is full"));
	mem_free(payload);
	counts_are(s, 1, 0, 0, 0);

	add_sample(s, 3);
	counts_are(s, 2, 0, 0, 0);
	/* A number is still taken whole or not at all. */
	uint64_t seq, key;
	assert_int_equal(store_next_reference(s, &seq, &key, &e), HATCH_OK);
	assert_int_equal(seq, 1);
	shim.wal_limit = 0;
	store_close(s);

	sqlite3 *db = peek_open(path, false);
	char check[32];
	peek_text(db, "PRAGMA integrity_check", check, sizeof check);
	assert_string_equal(check, "ok");
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox"), 2);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox WHERE uuid = "
				      "'00000000-0000-4000-8000-000000000002'"),
			 0);
	sqlite3_close(db);
}

/* Every write failing, as on a dying SD card: errors, not crashes, and
 * nothing half-done once the card answers again. */
static void write_errors(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	struct hatch_error e;
	uint64_t seq, key;
	assert_int_equal(store_next_reference(s, &seq, &key, &e), HATCH_OK);
	assert_int_equal(seq, 1);
	add_sample(s, 1);

	shim.fail_writes = true;
	assert_int_equal(store_next_reference(s, &seq, &key, &e), HATCH_ERR_IO);
	assert_int_equal(seq, 0);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "input/output error"));
	struct sample x;
	sample(&x, 2);
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, path));
	shim.fail_writes = false;

	counts_are(s, 1, 0, 0, 0);
	assert_int_equal(store_next_reference(s, &seq, &key, &e), HATCH_OK);
	assert_true(seq >= 2);
	assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_OK);
	store_close(s);
	assert_int_equal(outbox_rows(path), 2);
}

struct taker {
	const char *path;
	uint64_t seq[100];
	enum hatch_err rc;
};

static void *take_numbers(void *arg)
{
	struct taker *t = arg;
	struct store *s;
	struct hatch_error e;
	t->rc = store_open(t->path, &s, &e);
	for (size_t i = 0; t->rc == HATCH_OK && i < 100; i++) {
		uint64_t key;
		t->rc = store_next_reference(s, &t->seq[i], &key, &e);
	}
	store_close(s);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Two processes taking numbers at the same moment: each waits its turn,
 * and no number is handed out twice. */
static void concurrent_numbers_distinct(void **state)
{
	(void)state;
	/* Two threads contending for SQLite's file locks hang under qemu-user,
	 * as a forked child does; the native runs cover this. */
	if (getenv("HATCH_TEST_EMULATED")) {
		print_message("# not run under emulation: qemu-user hangs contending threads\n");
		return;
	}
	const char *path = in_dir("hatch.db");
	store_close(open_ok(path));
	struct taker t[2] = {{path, {0}, HATCH_OK}, {path, {0}, HATCH_OK}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, take_numbers, &t[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(t[0].rc, HATCH_OK);
	assert_int_equal(t[1].rc, HATCH_OK);
	uint64_t all[200];
	memcpy(all, t[0].seq, sizeof t[0].seq);
	memcpy(all + 100, t[1].seq, sizeof t[1].seq);
	qsort(all, 200, sizeof all[0], cmp_u64);
	for (int i = 0; i < 200; i++)
		assert_int_equal(all[i], (uint64_t)i + 1);
}

/* Another program holding the write lock for a moment is waited for, not
 * reported as a failure. The other program is a child process, as on the
 * device (a technician's sqlite3, say). */
static void waits_for_a_lock(void **state)
{
	(void)state;
	/* qemu-user cannot run a forked child of a process that has used file
	 * locks (the child hangs before main); the native runs of make test
	 * and make check cover this, the arm64 run under emulation cannot. */
	if (getenv("HATCH_TEST_EMULATED")) {
		print_message("# not run under emulation: qemu-user hangs a forked child\n");
		return;
	}
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;
		int ok = sqlite3_open(path, &db) == SQLITE_OK &&
			 sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
		char c = ok ? '1' : '0';
		if (write(fds[1], &c, 1) != 1)
			_exit(2);
		struct timespec t = {0, 300 * 1000000L};
		nanosleep(&t, NULL);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(ok ? 0 : 1);
	}
	char c = 0;
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(c, '1');
	add_sample(s, 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fds[0]);
	close(fds[1]);
	counts_are(s, 1, 0, 0, 0);
	store_close(s);
}

static void migrates_version_0(void **state)
{
	(void)state;
	/* An SQLite file with a header and nothing in it. */
	const char *path = in_dir("v0.db");
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	peek_exec(db, "CREATE TABLE t (x); DROP TABLE t");
	assert_int_equal(peek_int(db, "PRAGMA user_version"), 0);
	sqlite3_close(db);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0);

	struct store *s = open_ok(path);
	add_sample(s, 1);
	store_close(s);
	db = peek_open(path, false);
	assert_int_equal(peek_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM device"), 1);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox"), 1);
	char mode[16];
	peek_text(db, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	sqlite3_close(db);

	/* An empty file is a version-0 database too. */
	path = in_dir("empty.db");
	write_file(path, "", 0);
	s = open_ok(path);
	store_close(s);
	db = peek_open(path, false);
	assert_int_equal(peek_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	sqlite3_close(db);
}

static void current_database_unchanged(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	add_sample(s, 1);
	store_close(s);
	assert_false(exists(in_dir("hatch.db-wal")));
	size_t n1, n2;
	char *before = slurp(path, &n1);
	s = open_ok(path);
	counts_are(s, 1, 0, 0, 0);
	store_close(s);
	char *after = slurp(path, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	mem_free(before);
	mem_free(after);
}

static void restore_env(const char *name, const char *saved)
{
	if (saved)
		setenv(name, saved, 1);
	else
		unsetenv(name);
}

static void default_path(void **state)
{
	(void)state;
	char *db = getenv("HATCH_DB"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char saved[3][512] = {{0}};
	snprintf(saved[0], sizeof saved[0], "%s", db ? db : "");
	snprintf(saved[1], sizeof saved[1], "%s", xdg ? xdg : "");
	snprintf(saved[2], sizeof saved[2], "%s", home ? home : "");
	char out[64];
	struct hatch_error e;
	setenv("HATCH_DB", "/data/hatch.db", 1);
	setenv("XDG_DATA_HOME", "/xdg", 1);
	setenv("HOME", "/home/kiosk", 1);
	assert_int_equal(store_default_path(out, sizeof out, &e), HATCH_OK);
	assert_string_equal(out, "/data/hatch.db");
	setenv("HATCH_DB", "", 1);
	assert_int_equal(store_default_path(out, sizeof out, &e), HATCH_OK);
	assert_string_equal(out, "/xdg/hatch/hatch.db");
	/* A relative XDG_DATA_HOME is to be ignored. */
	setenv("XDG_DATA_HOME", "relative", 1);
	assert_int_equal(store_default_path(out, sizeof out, &e), HATCH_OK);
	assert_string_equal(out, "/home/kiosk/.local/share/hatch/hatch.db");
	unsetenv("XDG_DATA_HOME");
	unsetenv("HATCH_DB");
	assert_int_equal(store_default_path(out, sizeof out, &e), HATCH_OK);
	assert_string_equal(out, "/home/kiosk/.local/share/hatch/hatch.db");
	char small[16];
	assert_int_equal(store_default_path(small, sizeof small, &e), HATCH_ERR_LIMIT);
	assert_string_equal(small, "");
	unsetenv("HOME");
	assert_int_equal(store_default_path(out, sizeof out, &e), HATCH_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "HATCH_DB"));
	restore_env("HATCH_DB", db ? saved[0] : NULL);
	restore_env("XDG_DATA_HOME", xdg ? saved[1] : NULL);
	restore_env("HOME", home ? saved[2] : NULL);
}

/* Every allocation of ours in open, add and list can fail without a leak
 * or a crash (LeakSanitizer watches under `make check`). SQLite's own
 * allocations are its business. */
static void out_of_memory(void **state)
{
	(void)state;
	bool done = false;
	for (long n = 1; !done && n < 1000; n++) {
		char name[32];
		snprintf(name, sizeof name, "d%ld/hatch.db", n);
		const char *path = in_dir(name);
		struct store *s = NULL;
		struct store_outbox_row *rows = NULL;
		size_t nrows = 0;
		struct hatch_error e;
		mem_fail_after(n, 1);
		enum hatch_err rc = store_open(path, &s, &e);
		if (rc == HATCH_OK) {
			mem_fail_after(0, 0);
			for (int i = 1; i <= 20; i++)
				add_sample(s, i);
			mem_fail_after(n, 1);
			rc = store_outbox_list(s, &rows, &nrows, &e);
			if (rc == HATCH_OK) {
				done = true;
				assert_int_equal(nrows, 20);
			} else {
				assert_null(rows);
				assert_int_equal(nrows, 0);
			}
		} else {
			assert_null(s);
		}
		if (!done) {
			assert_int_equal(rc, HATCH_ERR_NOMEM);
			assert_non_null(strstr(e.msg, "out of memory"));
		}
		mem_fail_after(0, 0);
		mem_free(rows);
		store_close(s);
	}
	assert_true(done);
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, support_dir_setup, support_dir_teardown)
#define SHIM_TEST(f) cmocka_unit_test_setup_teardown(f, shim_setup, shim_teardown)
	const struct CMUnitTest tests[] = {
		TEST(create_open_close_reopen),
		TEST(schema_and_settings),
		SHIM_TEST(commits_are_synced),
		TEST(sequence_never_repeats),
		TEST(add_list_counts),
		TEST(duplicates_refused),
		TEST(incomplete_submissions_refused),
		TEST(not_a_database),
		TEST(newer_schema_refused),
		TEST(cannot_create),
		SHIM_TEST(read_only_file),
		SHIM_TEST(disk_full),
		SHIM_TEST(write_errors),
		TEST(waits_for_a_lock),
		TEST(concurrent_numbers_distinct),
		TEST(migrates_version_0),
		TEST(current_database_unchanged),
		TEST(default_path),
		TEST(out_of_memory),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
