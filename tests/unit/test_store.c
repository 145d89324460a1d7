/* Unit tests for store/: creating, reopening and migrating the database,
 * its durability settings, reference sequence numbers, the outbox, and the
 * errors a kiosk meets (not a database, newer schema, read-only, disk full,
 * I/O errors, a lock held by another program, out of memory); payloads
 * encrypted at rest and sealed, the key file, claims and delivery states,
 * retention, and salvaging a damaged file. A second SQLite connection looks
 * at the file from outside; a pass-through VFS counts syncs and makes
 * writes fail on demand, every write or the Nth. */
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
#include <sodium.h>
#include <sqlite3.h>

#include "base/buf.h"
#include "base/mem.h"
#include "core/reference.h"
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
	long fail_write_at;  /* the Nth write from now is SQLITE_IOERR_WRITE; 0: none */
	long writes;         /* writes since fail_write_at was set */
	bool fired;          /* fail_write_at's write came and failed */
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
	if (shim.fail_write_at && ++shim.writes == shim.fail_write_at) {
		shim.fired = true;
		return SQLITE_IOERR_WRITE;
	}
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
				      " AND name = 'outbox_claim'"),
			 1);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM device"), 1);
	assert_int_equal(peek_int(db, "SELECT next_sequence FROM device"), 1);
	/* The index serves the sync worker's claim: walked in id order, with
	 * no sort of the queue (no temporary b-tree) whatever its length. */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "EXPLAIN QUERY PLAN SELECT id FROM outbox"
					    " WHERE state = 'queued' AND destination = 'x'"
					    " AND next_attempt <= 5 ORDER BY id LIMIT 1",
					    -1, &st, NULL),
			 SQLITE_OK);
	bool uses_claim = false, sorts = false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *plan = (const char *)sqlite3_column_text(st, 3);
		assert_non_null(plan);
		uses_claim |= strstr(plan, "outbox_claim (state=? AND destination=?)") != NULL;
		sorts |= strstr(plan, "TEMP B-TREE") != NULL;
	}
	assert_true(uses_claim);
	assert_false(sorts);
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

	/* What was written, from outside: the payload encrypted (a nonce, a
	 * MAC and as many bytes as the payload, none of them its text), due
	 * at once. */
	sqlite3 *db = peek_open(path, true);
	assert_int_equal(peek_int(db, "SELECT length(payload_box) FROM outbox"
				      " WHERE reference = 'TEST-0007-X' AND sealed = 0"),
			 strlen("{\"answers\":{\"bin\":\"blue\"},\"n\":7}") + 40);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox"
				      " WHERE instr(payload_box, CAST('blue' AS BLOB)) > 0"),
			 0);
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

/* A version-2 database (its claim index in next_attempt order) gets the
 * claim index of version 3, and its records are claimed as before. */
static void migrates_version_2(void **state)
{
	(void)state;
	const char *path = in_dir("v2.db");
	struct store *s = open_ok(path);
	add_sample(s, 1);
	add_sample(s, 2);
	store_close(s);
	sqlite3 *db = peek_open(path, true);
	peek_exec(db, "DROP INDEX outbox_claim;"
		      "CREATE INDEX outbox_due ON outbox (state, destination, next_attempt);"
		      "DROP TABLE staff; DROP TABLE staff_unknown;"
		      "DROP TABLE events; DROP TABLE event_days; DROP TABLE event_counts;"
		      "DROP TABLE event_sent;"
		      "PRAGMA user_version = 2");
	sqlite3_close(db);

	s = open_ok(path);
	db = peek_open(path, false);
	assert_int_equal(peek_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				      " AND name = 'outbox_claim'"),
			 1);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				      " AND name = 'outbox_due'"),
			 0);
	sqlite3_close(db);
	struct hatch_error e = {""};
	struct store_due d;
	bool found = false;
	assert_int_equal(store_claim_due(s, 4000000000LL, &d, &found, &e), HATCH_OK);
	assert_true(found);
	assert_int_equal(d.id, 1);
	store_due_cleanup(&d);
	counts_are(s, 1, 1, 0, 0);
	store_close(s);
}

/* A version-3 database (no staff tables) gets the staff tables of
 * version 4, empty, and its outbox and device row stay as they were. */
static void migrates_version_3(void **state)
{
	(void)state;
	const char *path = in_dir("v3.db");
	struct store *s = open_ok(path);
	add_sample(s, 1);
	add_sample(s, 2);
	uint64_t seq, key1, key2;
	struct hatch_error e;
	assert_int_equal(store_next_reference(s, &seq, &key1, &e), HATCH_OK);
	store_close(s);
	sqlite3 *db = peek_open(path, true);
	peek_exec(db, "DROP TABLE staff; DROP TABLE staff_unknown;"
		      "DROP TABLE events; DROP TABLE event_days; DROP TABLE event_counts;"
		      "DROP TABLE event_sent; PRAGMA user_version = 3");
	sqlite3_close(db);

	s = open_ok(path);
	db = peek_open(path, false);
	assert_int_equal(peek_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				      " AND name IN ('staff', 'staff_unknown')"),
			 2);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM staff"), 0);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM staff_unknown"), 0);
	char check[32];
	peek_text(db, "PRAGMA integrity_check", check, sizeof check);
	assert_string_equal(check, "ok");
	sqlite3_close(db);
	counts_are(s, 2, 0, 0, 0);
	assert_int_equal(store_next_reference(s, &seq, &key2, &e), HATCH_OK);
	assert_int_equal(seq, 2);
	assert_true(key1 == key2);
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

/* Whether the N bytes at HAY hold the M bytes at NEEDLE. */
static bool holds(const char *hay, size_t n, const void *needle, size_t m)
{
	const char *x = needle;
	for (size_t i = 0; m && i + m <= n; i++)
		if (hay[i] == x[0] && !memcmp(hay + i, x, m))
			return true;
	return false;
}

/* Whether the file at PATH, if there is one, holds NEEDLE (M bytes). */
static bool file_holds(const char *path, const void *needle, size_t m)
{
	if (!exists(path))
		return false;
	size_t n;
	char *p = slurp(path, &n);
	bool found = holds(p, n, needle, m);
	mem_free(p);
	return found;
}

/* Whether the database at PATH, its -wal or its -shm holds NEEDLE. */
static bool db_holds(const char *path, const void *needle, size_t m)
{
	char side[600];
	if (file_holds(path, needle, m))
		return true;
	snprintf(side, sizeof side, "%s-wal", path);
	if (file_holds(side, needle, m))
		return true;
	snprintf(side, sizeof side, "%s-shm", path);
	return file_holds(side, needle, m);
}

static bool db_holds_text(const char *path, const char *text)
{
	return db_holds(path, text, strlen(text));
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* A time after every sample's: everything added is due. */
#define LATER 1800000000LL

static void add_to(struct store *s, int i, const char *destination, long long created)
{
	struct sample x;
	struct hatch_error e;
	sample(&x, i);
	x.sub.destination = destination;
	if (created)
		x.sub.created = created;
	if (store_outbox_add(s, &x.sub, &e) != HATCH_OK)
		fail_msg("add %d: %s", i, e.msg);
}

/* Claims at NOW into D: the id claimed, or 0 when nothing is due. */
static long long claim_at(struct store *s, long long now, struct store_due *d)
{
	bool found = true;
	struct hatch_error e;
	if (store_claim_due(s, now, d, &found, &e) != HATCH_OK)
		fail_msg("claim: %s", e.msg);
	if (!found) {
		assert_null(d->payload);
		assert_int_equal(d->id, 0);
		return 0;
	}
	assert_non_null(d->payload);
	return d->id;
}

/* Claims at NOW and lets the payload go: the id claimed, or 0. */
static long long claim_id(struct store *s, long long now)
{
	struct store_due d;
	long long id = claim_at(s, now, &d);
	store_due_cleanup(&d);
	return id;
}

static long long claim_for_id(struct store *s, const char *destination, long long now)
{
	struct store_due d;
	bool found;
	struct hatch_error e;
	if (store_claim_due_for(s, destination, now, &d, &found, &e) != HATCH_OK)
		fail_msg("claim for %s: %s", destination, e.msg);
	long long id = found ? d.id : 0;
	store_due_cleanup(&d);
	return id;
}

static void delivered(struct store *s, long long id, const char *remote, long long now)
{
	struct hatch_error e;
	if (store_mark_delivered(s, id, remote, now, &e) != HATCH_OK)
		fail_msg("delivered %lld: %s", id, e.msg);
}

static void retry_later(struct store *s, long long id, long long when, const char *why,
			long long now)
{
	struct hatch_error e;
	if (store_mark_retry(s, id, when, why, now, &e) != HATCH_OK)
		fail_msg("retry %lld: %s", id, e.msg);
}

static void dead(struct store *s, long long id, const char *why, long long now)
{
	struct hatch_error e;
	if (store_mark_dead(s, id, why, now, &e) != HATCH_OK)
		fail_msg("dead %lld: %s", id, e.msg);
}

/* One integer from the database at PATH, from outside. */
static long long peek_at(const char *path, const char *sql)
{
	sqlite3 *db = peek_open(path, false);
	long long v = peek_int(db, sql);
	sqlite3_close(db);
	return v;
}

/* Payloads are never on disk as text, decrypt as they were given, and once
 * purged leave no trace, in the file, the -wal or the -shm: markers in the
 * payloads (the canary) and slices of their ciphertext are looked for in
 * every byte of the three. */
static void payloads_encrypted(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	enum { N = 6 };
	char markers[N][32];
	char *payloads[N];
	for (int i = 0; i < N; i++) {
		snprintf(markers[i], sizeof markers[i], "CANARY-%d-7Q4ZX", i);
		/* The last one larger than a page: its box goes into overflow
		 * pages, which are freed whole when it is purged. */
		size_t size = i == N - 1 ? 12000 : 96;
		payloads[i] = mem_alloc(size);
		assert_non_null(payloads[i]);
		char *p = payloads[i];
		size_t len = (size_t)snprintf(p, size, "{\"name\":\"%s\"", markers[i]);
		while (len + 40 < size)
			len += (size_t)snprintf(p + len, size - len, ",\"%s\"", markers[i]);
		snprintf(p + len, size - len, "}");
		struct sample x;
		struct hatch_error e;
		sample(&x, i + 1);
		x.sub.payload = payloads[i];
		assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_OK);
	}
	for (int i = 0; i < N; i++)
		assert_false(db_holds_text(path, markers[i]));

	/* Read back as given, oldest first, and delivered. */
	for (int i = 0; i < N; i++) {
		struct store_due d;
		assert_int_equal(claim_at(s, LATER, &d), i + 1);
		assert_false(d.sealed);
		assert_int_equal(d.payload_len, strlen(payloads[i]));
		assert_string_equal((const char *)d.payload, payloads[i]);
		store_due_cleanup(&d);
		assert_null(d.payload);
		delivered(s, i + 1, NULL, LATER + i);
	}
	for (int i = 0; i < N; i++)
		assert_false(db_holds_text(path, markers[i]));

	/* 32 bytes of each box after its nonce, to look for after the purge. */
	unsigned char slices[N][32];
	sqlite3 *db = peek_open(path, false);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT substr(payload_box, 25, 32) FROM outbox"
					    " ORDER BY id",
					    -1, &st, NULL),
			 SQLITE_OK);
	for (int i = 0; i < N; i++) {
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_bytes(st, 0), 32);
		memcpy(slices[i], sqlite3_column_blob(st, 0), 32);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* Before the purge they are there to be found. */
	for (int i = 0; i < N; i++)
		assert_true(db_holds(path, slices[i], 32));

	size_t n;
	struct hatch_error e;
	assert_int_equal(store_purge(s, LATER + N, &n, &e), HATCH_OK);
	assert_int_equal(n, N);
	/* Checkpointed and truncated, with the store still open. */
	assert_true(file_size(in_dir("hatch.db-wal")) <= 0);
	for (int i = 0; i < N; i++) {
		assert_false(db_holds_text(path, markers[i]));
		assert_false(db_holds(path, slices[i], 32));
	}
	counts_are(s, 0, 0, N, 0);
	store_close(s);
	for (int i = 0; i < N; i++) {
		assert_false(db_holds_text(path, markers[i]));
		assert_false(db_holds(path, slices[i], 32));
		mem_free(payloads[i]);
	}
	assert_int_equal(peek_at(path, "SELECT count(*) FROM outbox WHERE payload_box IS NULL"
				       " AND state = 'delivered'"),
			 N);
}

/* The key lives in a file of its own, private to the kiosk's user; one
 * that others could read is refused, and so are a missing, a short and a
 * wrong one, none of them replaced. */
static void key_file(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db"), *key = in_dir("hatch.db.key");
	struct store *s = open_ok(path);
	add_sample(s, 1);
	store_close(s);
	struct stat st;
	assert_int_equal(lstat(key, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, crypto_secretbox_KEYBYTES);
	size_t klen;
	char *k = slurp(key, &klen);
	assert_int_equal(klen, crypto_secretbox_KEYBYTES);
	/* Not in the database. */
	assert_false(db_holds(path, k, klen));

	struct hatch_error e;
	const mode_t loose[] = {0644, 0640, 0604, 0620, 0660};
	for (size_t i = 0; i < sizeof loose / sizeof loose[0]; i++) {
		assert_int_equal(chmod(key, loose[i]), 0);
		s = (struct store *)1;
		assert_int_equal(store_open(path, &s, &e), HATCH_ERR_INPUT);
		assert_null(s);
		assert_non_null(strstr(e.msg, key));
		assert_non_null(strstr(e.msg, "other users"));
		assert_non_null(strstr(e.msg, "chmod 600"));
	}
	assert_int_equal(chmod(key, 0600), 0);
	store_close(open_ok(path));

	/* A short key file. */
	write_file(key, k, 16);
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(store_open(path, &s, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, key));
	assert_non_null(strstr(e.msg, "16 bytes"));
	/* Another key: the records could not be read with it. */
	unsigned char other[crypto_secretbox_KEYBYTES];
	randombytes_buf(other, sizeof other);
	write_file(key, other, sizeof other);
	assert_int_equal(store_open(path, &s, &e), HATCH_ERR_STATE);
	assert_non_null(strstr(e.msg, key));
	assert_non_null(strstr(e.msg, "not the one"));
	/* None: a new key would make the records unreadable for good. */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(store_open(path, &s, &e), HATCH_ERR_STATE);
	assert_null(s);
	assert_non_null(strstr(e.msg, key));
	assert_non_null(strstr(e.msg, "missing"));
	assert_false(exists(key));
	/* The right one back: the record reads as it was written. */
	write_file(key, k, klen);
	assert_int_equal(chmod(key, 0600), 0);
	mem_free(k);
	s = open_ok(path);
	struct store_due d;
	assert_int_equal(claim_at(s, LATER, &d), 1);
	struct sample x;
	sample(&x, 1);
	assert_string_equal((const char *)d.payload, x.payload);
	store_due_cleanup(&d);
	store_close(s);

	/* A key file named apart, in directories made for it. */
	const char *path2 = in_dir("db2/hatch.db"), *key2 = in_dir("keys/sub/hatch.key");
	assert_int_equal(store_open_keyed(path2, key2, &s, &e), HATCH_OK);
	add_sample(s, 1);
	store_close(s);
	assert_int_equal(stat(key2, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(in_dir("keys/sub"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_false(exists(in_dir("db2/hatch.db.key")));
	assert_int_equal(store_open_keyed(path2, "", &s, &e), HATCH_ERR_INPUT);
	assert_null(s);
	assert_int_equal(store_open_keyed(path2, NULL, &s, &e), HATCH_ERR_INPUT);
	/* Each database with its own key: this one's is not the other's. */
	assert_int_equal(store_open_keyed(path2, key, &s, &e), HATCH_ERR_STATE);
	assert_null(s);
}

/* A record sealed to a destination's public key is stored and claimed as
 * the sealed box: the destination's secret key opens it; the device has no
 * key that does. */
static void sealed_records(void **state)
{
	(void)state;
	assert_true(sodium_init() >= 0);
	unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
	unsigned char pk2[crypto_box_PUBLICKEYBYTES], sk2[crypto_box_SECRETKEYBYTES];
	crypto_box_keypair(pk, sk);
	crypto_box_keypair(pk2, sk2);
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	struct sample x;
	struct hatch_error e;
	sample(&x, 1);
	snprintf(x.payload, sizeof x.payload, "{\"name\":\"SEALED-CANARY-1\"}");
	assert_int_equal(store_outbox_add_sealed(s, &x.sub, pk, &e), HATCH_OK);
	add_sample(s, 2);
	assert_false(db_holds_text(path, "SEALED-CANARY-1"));
	assert_int_equal(peek_at(path, "SELECT sealed FROM outbox WHERE id = 1"), 1);
	assert_int_equal(peek_at(path, "SELECT sealed FROM outbox WHERE id = 2"), 0);

	struct store_due d;
	assert_int_equal(claim_at(s, LATER, &d), 1);
	assert_true(d.sealed);
	size_t len = strlen(x.payload);
	assert_int_equal(d.payload_len, len + crypto_box_SEALBYTES);
	assert_false(holds((const char *)d.payload, d.payload_len, "SEALED-CANARY-1", 15));
	unsigned char opened[128];
	assert_int_equal(crypto_box_seal_open(opened, d.payload, d.payload_len, pk, sk), 0);
	assert_memory_equal(opened, x.payload, len);
	assert_int_not_equal(crypto_box_seal_open(opened, d.payload, d.payload_len, pk2, sk2),
			     0);
	/* Nor does the store's own key, read as a secretbox would be. */
	size_t klen;
	char *k = slurp(in_dir("hatch.db.key"), &klen);
	assert_int_not_equal(crypto_secretbox_open_easy(opened, d.payload + 24,
							d.payload_len - 24, d.payload,
							(const unsigned char *)k),
			     0);
	mem_free(k);
	delivered(s, d.id, "remote-1", LATER);
	store_due_cleanup(&d);
	assert_int_equal(claim_at(s, LATER, &d), 2);
	assert_false(d.sealed);
	store_due_cleanup(&d);

	/* A key that is no key: refused, nothing written. */
	unsigned char zero[crypto_box_PUBLICKEYBYTES] = {0};
	sample(&x, 3);
	assert_int_equal(store_outbox_add_sealed(s, &x.sub, zero, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "public key"));
	assert_int_equal(store_outbox_add_sealed(s, &x.sub, NULL, &e), HATCH_ERR_INPUT);
	counts_are(s, 0, 1, 1, 0);
	store_close(s);
}

/* Oldest first per destination, one in flight per destination, the
 * destinations taking turns, not-yet-due records left, dead ones blocking
 * nothing. */
static void claim_order(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	const long long now = 1700000100;
	add_to(s, 1, "a", 0);
	add_to(s, 2, "b", 0);
	add_to(s, 3, "a", 0);
	add_to(s, 4, "b", 0);
	add_to(s, 5, "a", 0);
	add_to(s, 6, "c", 0);
	add_to(s, 7, "c", now + 1000); /* not due until then */
	assert_int_equal(claim_id(s, now), 1);
	assert_int_equal(claim_id(s, now), 2);
	assert_int_equal(claim_id(s, now), 6);
	/* Each destination has one in flight; 7 is not due. */
	assert_int_equal(claim_id(s, now), 0);
	assert_int_equal(claim_for_id(s, "a", now), 0);
	counts_are(s, 4, 3, 0, 0);

	delivered(s, 1, NULL, now);
	assert_int_equal(claim_id(s, now), 3);
	/* A record waiting to be retried does not hold back a newer due one. */
	retry_later(s, 2, now + 50, "HTTP 503", now);
	assert_int_equal(claim_id(s, now), 4);
	/* Dead: never claimed, never in the way. */
	dead(s, 3, "HTTP 400", now);
	assert_int_equal(claim_id(s, now), 5);
	delivered(s, 6, NULL, now);
	assert_int_equal(claim_id(s, now), 0);
	/* At its time: 7; 2 is due but b has 4 in flight. */
	assert_int_equal(claim_id(s, now + 1000), 7);
	assert_int_equal(claim_id(s, now + 1000), 0);
	delivered(s, 4, NULL, now);
	assert_int_equal(claim_for_id(s, "a", now + 1000), 0);
	assert_int_equal(claim_for_id(s, "nowhere", now + 1000), 0);
	assert_int_equal(claim_for_id(s, "b", now + 1000), 2);
	counts_are(s, 0, 3, 3, 1);

	struct store_due d;
	bool found = true;
	struct hatch_error e;
	assert_int_equal(store_claim_due_for(s, "", now, &d, &found, &e), HATCH_ERR_INPUT);
	assert_false(found);
	assert_int_equal(store_claim_due_for(s, NULL, now, &d, &found, &e), HATCH_ERR_INPUT);
	store_close(s);

	/* Two destinations interleave: a worker that claims all it may,
	 * then delivers them, sends a1 with b1, a2 with b2, a3 with b3. */
	s = open_ok(in_dir("two.db"));
	for (int i = 1; i <= 3; i++)
		add_to(s, i, "a", 0);
	for (int i = 4; i <= 6; i++)
		add_to(s, i, "b", 0);
	for (int round = 0; round < 3; round++) {
		long long x = claim_id(s, LATER), y = claim_id(s, LATER);
		assert_int_equal(x, 1 + round);
		assert_int_equal(y, 4 + round);
		assert_int_equal(claim_id(s, LATER), 0);
		delivered(s, x, NULL, LATER);
		delivered(s, y, NULL, LATER);
	}
	assert_int_equal(claim_id(s, LATER), 0);
	counts_are(s, 0, 0, 6, 0);
	store_close(s);
}

/* What each end of a claim writes, and what it refuses. */
static void delivery_transitions(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	struct hatch_error e;
	const long long now = LATER;
	add_to(s, 1, "x", 0);
	struct store_due d;
	assert_int_equal(claim_at(s, now, &d), 1);
	assert_int_equal(d.attempts, 0);
	assert_string_equal(d.remote_id, "");
	assert_string_equal(d.uuid, "00000000-0000-4000-8000-000000000001");
	assert_string_equal(d.reference, "TEST-0001-X");
	assert_string_equal(d.journey_id, "missed-bin");
	assert_int_equal(d.journey_version, 1);
	assert_string_equal(d.destination, "x");
	store_due_cleanup(&d);
	/* A batch token, kept for the next attempt to ask after. */
	assert_int_equal(store_set_remote(s, 1, "batch-42", &e), HATCH_OK);
	/* A long reason is cut at a character boundary: 254 bytes, then a
	 * two-byte character across the 255th. */
	char reason[300];
	memset(reason, 'r', 254);
	memcpy(reason + 254, "\xc3\xa9 and more", sizeof "\xc3\xa9 and more");
	retry_later(s, 1, now + 60, reason, now + 1);
	sqlite3 *db = peek_open(path, false);
	char text[300];
	peek_text(db, "SELECT state || ' ' || attempts || ' ' || next_attempt || ' ' ||"
		      " updated || ' ' || remote_id FROM outbox WHERE id = 1",
		  text, sizeof text);
	assert_string_equal(text, "queued 1 1800000060 1800000001 batch-42");
	assert_int_equal(peek_int(db, "SELECT length(CAST(last_error AS BLOB)) FROM outbox"),
			 254);
	sqlite3_close(db);
	/* Not due before its time; then with the token. */
	assert_int_equal(claim_id(s, now + 59), 0);
	assert_int_equal(claim_at(s, now + 60, &d), 1);
	assert_int_equal(d.attempts, 1);
	assert_string_equal(d.remote_id, "batch-42");
	store_due_cleanup(&d);
	/* Delivered with no id of its own: the token stays. */
	delivered(s, 1, NULL, now + 61);
	db = peek_open(path, false);
	peek_text(db, "SELECT state || ' ' || attempts || ' ' || delivered_at || ' ' ||"
		      " remote_id || ' ' || (last_error IS NULL) FROM outbox WHERE id = 1",
		  text, sizeof text);
	assert_string_equal(text, "delivered 2 1800000061 batch-42 1");
	sqlite3_close(db);

	/* Refusals change nothing. */
	assert_int_equal(store_mark_delivered(s, 1, "r", now, &e), HATCH_ERR_STATE);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "delivered"));
	assert_int_equal(store_mark_retry(s, 99, now, "x", now, &e), HATCH_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "no record 99"));
	assert_int_equal(store_set_remote(s, 1, "late", &e), HATCH_ERR_STATE);
	add_to(s, 2, "x", 0);
	assert_int_equal(store_mark_dead(s, 2, "x", now, &e), HATCH_ERR_STATE);
	assert_non_null(strstr(e.msg, "queued"));
	assert_int_equal(store_set_remote(s, 2, "early", &e), HATCH_OK);
	char long_id[130];
	memset(long_id, 'i', 129);
	long_id[129] = '\0';
	assert_int_equal(store_set_remote(s, 2, long_id, &e), HATCH_ERR_LIMIT);
	assert_int_equal(claim_id(s, now), 2);
	assert_int_equal(store_mark_delivered(s, 2, long_id, now, &e), HATCH_ERR_LIMIT);
	counts_are(s, 0, 1, 1, 0);
	/* Dead, with its reason; a NULL reason keeps none. */
	dead(s, 2, "HTTP 410", now + 2);
	db = peek_open(path, false);
	peek_text(db, "SELECT state || ' ' || attempts || ' ' || last_error || ' ' || remote_id"
		      " FROM outbox WHERE id = 2",
		  text, sizeof text);
	assert_string_equal(text, "dead 1 HTTP 410 early");
	sqlite3_close(db);
	add_to(s, 3, "y", 0);
	assert_int_equal(claim_id(s, now), 3);
	/* An empty remote id clears the token. */
	assert_int_equal(store_set_remote(s, 3, "", &e), HATCH_OK);
	retry_later(s, 3, now, NULL, now);
	assert_int_equal(peek_at(path, "SELECT count(*) FROM outbox WHERE id = 3"
				       " AND last_error IS NULL AND remote_id IS NULL"),
			 1);
	counts_are(s, 1, 0, 1, 1);
	store_close(s);
}

/* A crash in the middle of a delivery: the records left "sending" would
 * block their destinations for good; at start-up they are queued again,
 * as they were. */
static void recover_sending(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	add_to(s, 1, "a", 0);
	add_to(s, 2, "b", 0);
	add_to(s, 3, "a", 0);
	assert_int_equal(claim_id(s, LATER), 1);
	assert_int_equal(claim_id(s, LATER), 2);
	store_close(s);

	s = open_ok(path);
	counts_are(s, 1, 2, 0, 0);
	assert_int_equal(claim_id(s, LATER), 0);
	size_t n;
	struct hatch_error e;
	assert_int_equal(store_recover_sending(s, &n, &e), HATCH_OK);
	assert_int_equal(n, 2);
	counts_are(s, 3, 0, 0, 0);
	assert_int_equal(peek_at(path, "SELECT sum(attempts) FROM outbox"), 0);
	struct store_due d;
	assert_int_equal(claim_at(s, LATER, &d), 1);
	struct sample x;
	sample(&x, 1);
	assert_string_equal((const char *)d.payload, x.payload);
	store_due_cleanup(&d);
	assert_int_equal(store_recover_sending(s, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_recover_sending(s, &n, &e), HATCH_OK);
	assert_int_equal(n, 0);
	store_close(s);
}

/* Staff retry one record by the reference the citizen holds (as typed,
 * canonicalised first), or every dead one. */
static void retry_by_reference_and_all(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	struct hatch_error e;
	char refs[4][REFERENCE_SIZE];
	for (int i = 0; i < 4; i++) {
		uint64_t seq, key;
		assert_int_equal(store_next_reference(s, &seq, &key, &e), HATCH_OK);
		reference_make(seq, key, refs[i]);
		struct sample x;
		sample(&x, i + 1);
		x.sub.reference = refs[i];
		assert_int_equal(store_outbox_add(s, &x.sub, &e), HATCH_OK);
	}
	const long long now = LATER;
	assert_int_equal(claim_id(s, now), 1);
	dead(s, 1, "HTTP 400", now);
	assert_int_equal(claim_id(s, now), 2);
	dead(s, 2, "HTTP 404", now);
	assert_int_equal(claim_id(s, now), 3);
	retry_later(s, 3, now + 3600, "HTTP 503", now);
	counts_are(s, 2, 0, 0, 2);

	/* As a person might type it: lower case, spaces, no hyphens. */
	char typed[32], canon[REFERENCE_SIZE];
	snprintf(typed, sizeof typed, " %.4s %.4s %c", refs[0], refs[0] + 5, refs[0][10]);
	for (char *p = typed; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	assert_true(reference_parse(typed, canon));
	size_t n = 99;
	assert_int_equal(store_retry(s, canon, now + 5, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	sqlite3 *db = peek_open(path, false);
	char text[128];
	peek_text(db, "SELECT state || ' ' || attempts || ' ' || next_attempt || ' ' ||"
		      " last_error FROM outbox WHERE id = 1",
		  text, sizeof text);
	/* Its backoff starts afresh; its last error stays until the next
	 * attempt says otherwise. */
	assert_string_equal(text, "queued 0 1800000005 HTTP 400");
	sqlite3_close(db);
	/* A queued record waiting for its retry is made due now. */
	assert_int_equal(store_retry(s, refs[2], now + 5, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(peek_at(path, "SELECT next_attempt FROM outbox WHERE id = 3"),
			 now + 5);
	assert_int_equal(claim_id(s, now + 5), 1);
	/* Being sent, delivered, unknown, empty: refused, nothing changes. */
	assert_int_equal(store_retry(s, refs[0], now + 5, &n, &e), HATCH_ERR_STATE);
	assert_int_equal(n, 0);
	assert_non_null(strstr(e.msg, "being sent"));
	delivered(s, 1, NULL, now + 6);
	assert_int_equal(store_retry(s, refs[0], now + 6, &n, &e), HATCH_ERR_STATE);
	assert_non_null(strstr(e.msg, "delivered"));
	char unknown[REFERENCE_SIZE];
	reference_make(999, 1, unknown);
	assert_int_equal(store_retry(s, unknown, now, &n, &e), HATCH_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, path));
	assert_int_equal(store_retry(s, "", now, &n, &e), HATCH_ERR_INPUT);
	counts_are(s, 2, 0, 1, 1);
	/* Every dead one. */
	assert_int_equal(store_retry(s, NULL, now + 7, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(peek_at(path, "SELECT next_attempt FROM outbox WHERE id = 2"),
			 now + 7);
	assert_int_equal(store_retry(s, NULL, now + 8, &n, &e), HATCH_OK);
	assert_int_equal(n, 0);
	counts_are(s, 3, 0, 1, 0);
	store_close(s);
}

static void destination_stats(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	struct store_destination_stats *v = (struct store_destination_stats *)1;
	size_t n = 9;
	struct hatch_error e;
	assert_int_equal(store_destination_stats(s, &v, &n, &e), HATCH_OK);
	assert_null(v);
	assert_int_equal(n, 0);

	const long long now = LATER;
	add_to(s, 1, "a", 0);
	add_to(s, 2, "b", 0);
	add_to(s, 3, "a", 0);
	add_to(s, 4, "c", 0);
	add_to(s, 5, "b", 0);
	add_to(s, 6, "a", 0);
	assert_int_equal(claim_id(s, now), 1);
	delivered(s, 1, NULL, now);
	assert_int_equal(claim_id(s, now), 2);
	dead(s, 2, "HTTP 400", now + 1);
	assert_int_equal(claim_id(s, now), 3);
	retry_later(s, 3, now + 100, "HTTP 503", now + 2);
	assert_int_equal(claim_id(s, now), 4);
	assert_int_equal(claim_id(s, now), 5);
	retry_later(s, 5, now + 100, "timeout", now + 3);

	assert_int_equal(store_destination_stats(s, &v, &n, &e), HATCH_OK);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].destination, "a");
	assert_int_equal(v[0].counts[STORE_QUEUED], 2);
	assert_int_equal(v[0].counts[STORE_SENDING], 0);
	assert_int_equal(v[0].counts[STORE_DELIVERED], 1);
	assert_int_equal(v[0].counts[STORE_DEAD], 0);
	assert_int_equal(v[0].oldest_waiting, 1700000003);
	assert_string_equal(v[0].last_error, "HTTP 503");
	assert_string_equal(v[1].destination, "b");
	assert_int_equal(v[1].counts[STORE_QUEUED], 1);
	assert_int_equal(v[1].counts[STORE_DEAD], 1);
	assert_int_equal(v[1].oldest_waiting, 1700000005);
	/* The most recent of its errors. */
	assert_string_equal(v[1].last_error, "timeout");
	assert_string_equal(v[2].destination, "c");
	assert_int_equal(v[2].counts[STORE_SENDING], 1);
	assert_int_equal(v[2].oldest_waiting, 1700000004);
	assert_string_equal(v[2].last_error, "");
	mem_free(v);

	/* Once all are delivered: nothing waits, no error stands. */
	delivered(s, 4, NULL, now);
	for (long long t = now + 100;; t++) {
		long long id = claim_id(s, t);
		if (!id)
			break;
		delivered(s, id, NULL, t);
	}
	assert_int_equal(store_destination_stats(s, &v, &n, &e), HATCH_OK);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].counts[STORE_DELIVERED], 3);
	assert_int_equal(v[0].oldest_waiting, 0);
	assert_string_equal(v[0].last_error, "");
	assert_int_equal(v[1].counts[STORE_DELIVERED], 1);
	assert_int_equal(v[1].counts[STORE_DEAD], 1);
	assert_int_equal(v[1].oldest_waiting, 0);
	assert_string_equal(v[1].last_error, "HTTP 400");
	mem_free(v);
	store_close(s);
}

/* Retention removes delivered payloads older than the cutoff and nothing
 * else: the records stay, and undelivered payloads are never touched. */
static void purge_delivered(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	for (int i = 1; i <= 4; i++)
		add_to(s, i, "x", 0);
	assert_int_equal(claim_id(s, LATER), 1);
	delivered(s, 1, "r-1", 1000);
	assert_int_equal(claim_id(s, LATER), 2);
	delivered(s, 2, "r-2", 2000);
	assert_int_equal(claim_id(s, LATER), 3);
	dead(s, 3, "HTTP 400", 500);
	size_t n;
	struct hatch_error e;
	assert_int_equal(store_purge(s, 1000, &n, &e), HATCH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_purge(s, 1500, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	sqlite3 *db = peek_open(path, false);
	char text[200];
	peek_text(db, "SELECT reference || ' ' || state || ' ' || created || ' ' || updated ||"
		      " ' ' || delivered_at || ' ' || remote_id || ' ' || (payload_box IS NULL)"
		      " FROM outbox WHERE id = 1",
		  text, sizeof text);
	assert_string_equal(text, "TEST-0001-X delivered 1700000001 1000 1000 r-1 1");
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox WHERE payload_box IS NULL"),
			 1);
	sqlite3_close(db);
	assert_int_equal(store_purge(s, LATER * 2, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_purge(s, LATER * 2, &n, &e), HATCH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(peek_at(path, "SELECT count(*) FROM outbox WHERE payload_box IS NULL"),
			 2);
	/* The dead and the queued still read as they were. */
	counts_are(s, 1, 0, 2, 1);
	assert_int_equal(store_retry(s, NULL, LATER, &n, &e), HATCH_OK);
	for (int id = 3; id <= 4; id++) {
		struct store_due d;
		struct sample x;
		sample(&x, id);
		assert_int_equal(claim_at(s, LATER, &d), id);
		assert_string_equal((const char *)d.payload, x.payload);
		store_due_cleanup(&d);
		delivered(s, id, NULL, LATER);
	}
	struct store_outbox_row *rows;
	assert_int_equal(store_outbox_list(s, &rows, &n, &e), HATCH_OK);
	assert_int_equal(n, 4);
	mem_free(rows);
	store_close(s);
}

/* The version 1 schema as it shipped. */
static const char schema_v1[] =
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
	"CREATE INDEX outbox_due ON outbox (state, destination, next_attempt);"
	"PRAGMA application_id = 1213481800;"
	"INSERT INTO device VALUES (1, 123456789, 42, 1700000000);";

/* A version 1 database with rows in every state, some still only in its
 * -wal, migrates with each record as it was, its payload encrypted and the
 * plaintext gone from the file, the -wal and the -shm. */
static void migrates_version_1_with_rows(void **state)
{
	(void)state;
	const char *path = in_dir("v1.db");
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	peek_exec(db, "PRAGMA journal_mode = WAL");
	peek_exec(db, schema_v1);
	peek_exec(db, "PRAGMA user_version = 1");
	sqlite3_close(db);
	/* The rows as a version 1 kiosk that lost power would leave them:
	 * committed to the -wal, not yet in the file. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL),
			 SQLITE_OK);
	char big[6000];
	size_t len = 0;
	len += (size_t)snprintf(big, sizeof big, "{\"name\":\"MIGRATE-CANARY-6\"");
	while (len + 40 < sizeof big)
		len += (size_t)snprintf(big + len, sizeof big - len, ",\"MIGRATE-CANARY-6\"");
	snprintf(big + len, sizeof big - len, "}");
	peek_exec(db,
		  "INSERT INTO outbox (id, uuid, reference, journey_id, journey_version,"
		  " destination, language, channel, payload, state, attempts, next_attempt,"
		  " last_error, remote_id, created, updated) VALUES"
		  " (1, 'u-1', 'R-1', 'missed-bin', 3, 'waste', 'en', 'kiosk',"
		  "  '{\"name\":\"MIGRATE-CANARY-1\"}', 'queued', 0, 1700000001, NULL, NULL,"
		  "  1700000001, 1700000001),"
		  " (2, 'u-2', 'R-2', 'missed-bin', 3, 'waste', 'cy', 'kiosk',"
		  "  '{\"name\":\"MIGRATE-CANARY-2\"}', 'dead', 4, 1700000100, 'HTTP 400', NULL,"
		  "  1700000002, 1700000100),"
		  " (3, 'u-3', 'R-3', 'report-speeding', 1, 'roads', 'en', 'assisted',"
		  "  '{\"name\":\"MIGRATE-CANARY-3\"}', 'sending', 1, 1700000200, 'HTTP 503',"
		  "  'batch-9', 1700000003, 1700000150),"
		  " (4, 'u-4', 'R-4', 'missed-bin', 3, 'waste', 'en', 'kiosk',"
		  "  '{\"name\":\"MIGRATE-CANARY-4\"}', 'delivered', 1, 1700000004, NULL,"
		  "  'remote-4', 1700000004, 1700000500),"
		  " (5, 'u-5', 'R-5', 'missed-bin', 3, 'waste', 'en', 'kiosk',"
		  "  '{\"name\":\"MIGRATE-CANARY-5\"}', 'queued', 0, NULL, NULL, NULL,"
		  "  1700000005, 1700000005)");
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "INSERT INTO outbox (id, uuid, reference, journey_id,"
					    " journey_version, destination, language, channel,"
					    " payload, created, updated, next_attempt) VALUES"
					    " (6, 'u-6', 'R-6', 'foi', 1, 'waste', 'en', 'kiosk',"
					    " ?1, 1700000006, 1700000006, 1700000006)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, big, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	static const char *const markers[] = {"MIGRATE-CANARY-1", "MIGRATE-CANARY-2",
					      "MIGRATE-CANARY-3", "MIGRATE-CANARY-4",
					      "MIGRATE-CANARY-5", "MIGRATE-CANARY-6"};
	assert_true(db_holds_text(path, markers[0]));
	assert_true(file_size(in_dir("v1.db-wal")) > 0);
	assert_false(exists(in_dir("v1.db.key")));

	struct store *s = open_ok(path);
	struct stat stt;
	assert_int_equal(stat(in_dir("v1.db.key"), &stt), 0);
	assert_int_equal(stt.st_mode & 0777, 0600);
	for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
		assert_false(db_holds_text(path, markers[i]));

	db = peek_open(path, false);
	assert_int_equal(peek_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	char check[32];
	peek_text(db, "PRAGMA integrity_check", check, sizeof check);
	assert_string_equal(check, "ok");
	assert_int_equal(peek_int(db, "SELECT count(*) FROM pragma_table_info('outbox')"
				      " WHERE name = 'payload'"),
			 0);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				      " AND name IN ('outbox_claim', 'outbox_purge')"),
			 2);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox WHERE payload_box IS NOT NULL"
				      " AND sealed = 0"),
			 6);
	char rows[1024];
	peek_text(db,
		  "SELECT group_concat(id || ':' || uuid || ':' || reference || ':' || journey_id"
		  " || ':' || journey_version || ':' || destination || ':' || language || ':' ||"
		  " channel || ':' || state || ':' || attempts || ':' || next_attempt || ':' ||"
		  " coalesce(last_error, '-') || ':' || coalesce(remote_id, '-') || ':' ||"
		  " created || ':' || updated || ':' || coalesce(delivered_at, '-'), ' ')"
		  " FROM (SELECT * FROM outbox ORDER BY id)",
		  rows, sizeof rows);
	assert_string_equal(
		rows, "1:u-1:R-1:missed-bin:3:waste:en:kiosk:queued:0:1700000001:-:-:1700000001:"
		      "1700000001:- "
		      "2:u-2:R-2:missed-bin:3:waste:cy:kiosk:dead:4:1700000100:HTTP 400:-:"
		      "1700000002:1700000100:- "
		      "3:u-3:R-3:report-speeding:1:roads:en:assisted:sending:1:1700000200:"
		      "HTTP 503:batch-9:1700000003:1700000150:- "
		      "4:u-4:R-4:missed-bin:3:waste:en:kiosk:delivered:1:1700000004:-:remote-4:"
		      "1700000004:1700000500:1700000500 "
		      "5:u-5:R-5:missed-bin:3:waste:en:kiosk:queued:0:1700000005:-:-:1700000005:"
		      "1700000005:- "
		      "6:u-6:R-6:foi:1:waste:en:kiosk:queued:0:1700000006:-:-:1700000006:"
		      "1700000006:-");
	sqlite3_close(db);

	/* The device row as it was: the same numbers go on. */
	uint64_t seq, key;
	struct hatch_error e;
	assert_int_equal(store_next_reference(s, &seq, &key, &e), HATCH_OK);
	assert_int_equal(seq, 42);
	assert_true(key == 123456789);
	/* Every payload reads back as it was. */
	struct store_due d;
	assert_int_equal(claim_at(s, LATER, &d), 1);
	assert_string_equal((const char *)d.payload, "{\"name\":\"MIGRATE-CANARY-1\"}");
	store_due_cleanup(&d);
	size_t n;
	assert_int_equal(store_recover_sending(s, &n, &e), HATCH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(claim_at(s, LATER, &d), 1);
	delivered(s, 1, NULL, LATER);
	store_due_cleanup(&d);
	assert_int_equal(claim_at(s, LATER, &d), 3);
	assert_string_equal((const char *)d.payload, "{\"name\":\"MIGRATE-CANARY-3\"}");
	assert_string_equal(d.remote_id, "batch-9");
	assert_int_equal(d.attempts, 1);
	store_due_cleanup(&d);
	assert_int_equal(claim_at(s, LATER, &d), 5);
	assert_string_equal((const char *)d.payload, "{\"name\":\"MIGRATE-CANARY-5\"}");
	delivered(s, 5, NULL, LATER);
	store_due_cleanup(&d);
	assert_int_equal(claim_at(s, LATER, &d), 6);
	assert_string_equal((const char *)d.payload, big);
	store_due_cleanup(&d);
	assert_int_equal(store_retry(s, "R-2", LATER, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	store_close(s);
	for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
		assert_false(db_holds_text(path, markers[i]));

	/* From an empty file, as from nothing: version 2 and a key. */
	path = in_dir("empty.db");
	write_file(path, "", 0);
	s = open_ok(path);
	add_sample(s, 1);
	store_close(s);
	assert_int_equal(peek_at(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(stat(in_dir("empty.db.key"), &stt), 0);
	assert_int_equal(stt.st_mode & 0777, 0600);
	/* Migrating again is a no-op. */
	s = open_ok(path);
	counts_are(s, 1, 0, 0, 0);
	store_close(s);
}

/* A database damaged in the middle is moved aside as it is, never
 * deleted; the rows before the damage (and after it) are carried into a
 * fresh one, which opens, says so, and goes on numbering references. */
static void salvages_a_damaged_file(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	struct hatch_error e;
	uint64_t seq, key1, key2;
	for (int i = 0; i < 5; i++)
		assert_int_equal(store_next_reference(s, &seq, &key1, &e), HATCH_OK);
	enum { ROWS = 1500 };
	for (int i = 1; i <= ROWS; i++)
		add_sample(s, i);
	char moved[512];
	assert_false(store_was_salvaged(s, moved, sizeof moved));
	assert_string_equal(moved, "");
	store_close(s);
	size_t clean_len;
	char *clean = slurp(path, &clean_len);

	/* Three pages from the middle leaf of the outbox on, overwritten. */
	sqlite3 *db = peek_open(path, false);
	long long pages = peek_int(db, "PRAGMA page_count");
	long long page_size = peek_int(db, "PRAGMA page_size");
	long long leaves = peek_int(db, "SELECT count(*) FROM dbstat WHERE name = 'outbox'"
					" AND pagetype = 'leaf'");
	assert_true(leaves > 20);
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT pageno FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf'"
		 " ORDER BY path LIMIT 1 OFFSET %lld",
		 leaves / 2);
	long long first = peek_int(db, sql);
	sqlite3_close(db);
	assert_true(first > 1 && first + 2 <= pages);
	size_t len;
	char *bytes = slurp(path, &len);
	assert_int_equal(len, (size_t)(pages * page_size));
	memset(bytes + (first - 1) * page_size, 0xa5, (size_t)(3 * page_size));
	write_file(path, bytes, len);

	s = open_ok(path);
	assert_true(store_was_salvaged(s, moved, sizeof moved));
	char prefix[600];
	snprintf(prefix, sizeof prefix, "%s.corrupt-", path);
	assert_memory_equal(moved, prefix, strlen(prefix));
	/* The damaged file kept byte for byte, and nothing left beside it. */
	size_t mlen;
	char *kept = slurp(moved, &mlen);
	assert_int_equal(mlen, len);
	assert_memory_equal(kept, bytes, len);
	mem_free(kept);
	mem_free(bytes);
	char side[600];
	snprintf(side, sizeof side, "%s-wal", moved);
	assert_false(exists(side));
	char small[8];
	assert_true(store_was_salvaged(s, small, sizeof small));
	assert_int_equal(strlen(small), 7);
	assert_true(store_was_salvaged(s, NULL, 0));

	db = peek_open(path, false);
	char check[32];
	peek_text(db, "PRAGMA integrity_check", check, sizeof check);
	assert_string_equal(check, "ok");
	long long kept_rows = peek_int(db, "SELECT count(*) FROM outbox");
	assert_true(kept_rows < ROWS);
	assert_true(kept_rows >= ROWS - 3 * 30);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox WHERE id <= 100"), 100);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox WHERE id > 1400"), 100);
	sqlite3_close(db);
	/* The rows read as they were written, and the numbers go on. */
	for (int i = 1; i <= 3; i++) {
		struct store_due d;
		struct sample x;
		sample(&x, i);
		assert_int_equal(claim_at(s, LATER, &d), i);
		assert_string_equal((const char *)d.payload, x.payload);
		assert_string_equal(d.uuid, x.uuid);
		store_due_cleanup(&d);
		delivered(s, i, NULL, LATER);
	}
	assert_int_equal(store_next_reference(s, &seq, &key2, &e), HATCH_OK);
	assert_int_equal(seq, 6);
	assert_true(key1 == key2);
	store_close(s);

	s = open_ok(path);
	assert_false(store_was_salvaged(s, moved, sizeof moved));
	counts_are(s, (size_t)kept_rows - 3, 0, 3, 0);
	store_close(s);

	/* Damage at the very start of the outbox: what comes after it is
	 * still found. */
	path = in_dir("first.db");
	write_file(path, clean, clean_len);
	mem_free(clean);
	size_t klen;
	char *k = slurp(in_dir("hatch.db.key"), &klen);
	write_file(in_dir("first.db.key"), k, klen);
	assert_int_equal(chmod(in_dir("first.db.key"), 0600), 0);
	mem_free(k);
	db = peek_open(path, false);
	first = peek_int(db, "SELECT pageno FROM dbstat WHERE name = 'outbox'"
			     " AND pagetype = 'leaf' ORDER BY path LIMIT 1");
	sqlite3_close(db);
	bytes = slurp(path, &len);
	memset(bytes + (first - 1) * page_size, 0xa5, (size_t)page_size);
	write_file(path, bytes, len);
	mem_free(bytes);
	s = open_ok(path);
	assert_true(store_was_salvaged(s, NULL, 0));
	store_close(s);
	db = peek_open(path, false);
	kept_rows = peek_int(db, "SELECT count(*) FROM outbox");
	assert_true(kept_rows < ROWS && kept_rows >= ROWS - 30);
	assert_true(peek_int(db, "SELECT min(id) FROM outbox") > 1);
	assert_int_equal(peek_int(db, "SELECT max(id) FROM outbox"), ROWS);
	sqlite3_close(db);
}

/* Damage found while a record is still only in the -wal, as after a power
 * cut: the -wal goes aside with the file, both byte for byte as they were,
 * and the record in it is salvaged too. */
static void salvage_reads_the_wal(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	enum { ROWS = 600 };
	for (int i = 1; i <= ROWS; i++)
		add_sample(s, i);
	store_close(s);
	sqlite3 *db = peek_open(path, true);
	assert_int_equal(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL),
			 SQLITE_OK);
	peek_exec(db, "INSERT INTO outbox (uuid, reference, journey_id, journey_version,"
		      " destination, language, channel, payload_box, sealed, next_attempt,"
		      " created, updated)"
		      " SELECT '00000000-0000-4000-8000-000000009999', 'TEST-9999-X',"
		      " journey_id, journey_version, destination, language, channel,"
		      " payload_box, sealed, next_attempt, created, updated"
		      " FROM outbox WHERE id = 1");
	long long page_size = peek_int(db, "PRAGMA page_size");
	long long leaves = peek_int(db, "SELECT count(*) FROM dbstat WHERE name = 'outbox'"
					" AND pagetype = 'leaf'");
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT pageno FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf'"
		 " ORDER BY path LIMIT 1 OFFSET %lld",
		 leaves / 2);
	long long first = peek_int(db, sql);
	sqlite3_close(db);
	const char *wal = in_dir("hatch.db-wal");
	assert_true(file_size(wal) > 0);
	size_t len, wlen;
	char *bytes = slurp(path, &len);
	assert_true((size_t)(first * page_size) <= len);
	memset(bytes + (first - 1) * page_size, 0xa5, (size_t)page_size);
	write_file(path, bytes, len);
	char *wal_bytes = slurp(wal, &wlen);

	s = open_ok(path);
	char moved[512], side[600];
	assert_true(store_was_salvaged(s, moved, sizeof moved));
	size_t n;
	char *kept = slurp(moved, &n);
	assert_int_equal(n, len);
	assert_memory_equal(kept, bytes, len);
	mem_free(kept);
	snprintf(side, sizeof side, "%s-wal", moved);
	kept = slurp(side, &n);
	assert_int_equal(n, wlen);
	assert_memory_equal(kept, wal_bytes, wlen);
	mem_free(kept);
	mem_free(bytes);
	mem_free(wal_bytes);

	db = peek_open(path, false);
	long long kept_rows = peek_int(db, "SELECT count(*) FROM outbox");
	assert_true(kept_rows < ROWS + 1 && kept_rows > ROWS - 40);
	assert_int_equal(peek_int(db, "SELECT count(*) FROM outbox WHERE id <= 100"), 100);
	sqlite3_close(db);
	/* The record from the -wal reads as it was written. */
	struct store_due d;
	bool found;
	struct hatch_error e;
	assert_int_equal(store_claim_due_for(s, "demo-waste", LATER, &d, &found, &e), HATCH_OK);
	assert_true(found);
	assert_int_equal(d.id, 1);
	delivered(s, 1, NULL, LATER);
	store_due_cleanup(&d);
	for (long long id; (id = claim_at(s, LATER, &d)) != 0; store_due_cleanup(&d)) {
		delivered(s, id, NULL, LATER);
		if (!strcmp(d.uuid, "00000000-0000-4000-8000-000000009999")) {
			struct sample x;
			sample(&x, 1);
			assert_string_equal((const char *)d.payload, x.payload);
			assert_string_equal(d.reference, "TEST-9999-X");
			found = false;
		}
	}
	assert_false(found);
	counts_are(s, 0, 0, (size_t)kept_rows, 0);
	store_close(s);
}

/* The state of the database at PATH, from outside, as text: every outbox
 * and device row. BOXES: the payload boxes themselves, else their lengths
 * (a box made again has a new nonce). */
static char *snapshot(const char *path, bool boxes)
{
	sqlite3 *db = peek_open(path, false);
	const char *const sql[] = {
		boxes ? "SELECT id, uuid, reference, journey_id, journey_version, destination,"
			" language, channel, hex(payload_box), sealed, state, attempts,"
			" next_attempt, last_error, remote_id, created, updated, delivered_at"
			" FROM outbox ORDER BY id"
		      : "SELECT id, uuid, reference, journey_id, journey_version, destination,"
			" language, channel, length(payload_box), sealed, state, attempts,"
			" next_attempt, last_error, remote_id, created, updated, delivered_at"
			" FROM outbox ORDER BY id",
		"SELECT id, reference_key, next_sequence, created, hex(key_check) FROM device",
	};
	struct buf b;
	buf_init(&b, 1 << 22);
	for (size_t q = 0; q < sizeof sql / sizeof sql[0]; q++) {
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(db, sql[q], -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *t = sqlite3_column_text(st, c);
				assert_int_equal(buf_addf(&b, "%s|", t ? (const char *)t : "NULL"),
						 HATCH_OK);
			}
			assert_int_equal(buf_addstr(&b, "\n"), HATCH_OK);
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	char *out = buf_take(&b);
	assert_non_null(out);
	return out;
}

static const long long fault_now = 1800000000LL;

static void prep_none(struct store *s)
{
	(void)s;
}

static void prep_sending(struct store *s)
{
	assert_int_equal(claim_id(s, fault_now), 1);
}

static void prep_dead(struct store *s)
{
	prep_sending(s);
	dead(s, 1, "HTTP 400", fault_now - 20);
}

static void prep_delivered(struct store *s)
{
	prep_sending(s);
	delivered(s, 1, "r-1", fault_now - 10);
}

static enum hatch_err op_add(struct store *s, struct hatch_error *e)
{
	struct sample x;
	sample(&x, 50);
	return store_outbox_add(s, &x.sub, e);
}

static enum hatch_err op_claim(struct store *s, struct hatch_error *e)
{
	struct store_due d;
	bool found;
	enum hatch_err rc = store_claim_due(s, fault_now, &d, &found, e);
	assert_true(rc != HATCH_OK || (found && d.id == 1));
	assert_true(rc == HATCH_OK || (!found && !d.payload));
	store_due_cleanup(&d);
	return rc;
}

static enum hatch_err op_delivered(struct store *s, struct hatch_error *e)
{
	return store_mark_delivered(s, 1, "r-1", fault_now, e);
}

static enum hatch_err op_retry_later(struct store *s, struct hatch_error *e)
{
	return store_mark_retry(s, 1, fault_now + 60, "HTTP 503", fault_now, e);
}

static enum hatch_err op_dead(struct store *s, struct hatch_error *e)
{
	return store_mark_dead(s, 1, "HTTP 400", fault_now, e);
}

static enum hatch_err op_set_remote(struct store *s, struct hatch_error *e)
{
	return store_set_remote(s, 1, "batch-1", e);
}

static enum hatch_err op_recover(struct store *s, struct hatch_error *e)
{
	size_t n;
	enum hatch_err rc = store_recover_sending(s, &n, e);
	assert_int_equal(n, rc == HATCH_OK ? 1 : 0);
	return rc;
}

static enum hatch_err op_retry_dead(struct store *s, struct hatch_error *e)
{
	size_t n;
	enum hatch_err rc = store_retry(s, NULL, fault_now, &n, e);
	assert_int_equal(n, rc == HATCH_OK ? 1 : 0);
	return rc;
}

static enum hatch_err op_purge(struct store *s, struct hatch_error *e)
{
	size_t n;
	enum hatch_err rc = store_purge(s, fault_now, &n, e);
	assert_int_equal(n, rc == HATCH_OK ? 1 : 0);
	return rc;
}

struct fault_case {
	const char *name;
	void (*prep)(struct store *s);
	enum hatch_err (*op)(struct store *s, struct hatch_error *e);
};

/* Puts the database back as TEMPLATE (LEN bytes), opens it and readies it
 * for C. */
static struct store *fault_setup(const char *path, const char *template, size_t len,
				 const struct fault_case *c)
{
	char side[600];
	snprintf(side, sizeof side, "%s-wal", path);
	(void)unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	(void)unlink(side);
	write_file(path, template, len);
	struct store *s = open_ok(path);
	c->prep(s);
	return s;
}

/* Fails the 1st, 2nd, 3rd... write C's call makes, until it makes no more:
 * each time the call says so, and the database is exactly as before it,
 * or (when the write failed after the commit) exactly as after it; a call
 * that failed can be made again. */
static void fault_loop(const char *path, const char *template, size_t len,
		       const struct fault_case *c)
{
	bool boxes = c->op != op_add;
	struct hatch_error e;
	struct store *s = fault_setup(path, template, len, c);
	char *before = snapshot(path, boxes);
	if (c->op(s, &e) != HATCH_OK)
		fail_msg("%s: %s", c->name, e.msg);
	char *after = snapshot(path, boxes);
	assert_string_not_equal(before, after);
	store_close(s);
	long n = 1;
	for (;; n++) {
		assert_true(n < 500);
		s = fault_setup(path, template, len, c);
		char *was = snapshot(path, boxes);
		assert_string_equal(was, before);
		mem_free(was);
		shim.writes = 0;
		shim.fired = false;
		shim.fail_write_at = n;
		enum hatch_err rc = c->op(s, &e);
		shim.fail_write_at = 0;
		bool fired = shim.fired;
		char *now = snapshot(path, boxes);
		if (!fired) {
			assert_int_equal(rc, HATCH_OK);
			assert_string_equal(now, after);
			mem_free(now);
			store_close(s);
			break;
		}
		if (rc == HATCH_OK) {
			assert_string_equal(now, after);
		} else {
			assert_int_equal(rc, HATCH_ERR_IO);
			assert_non_null(strstr(e.msg, path));
			if (strcmp(now, before)) {
				assert_string_equal(now, after);
			} else {
				if (c->op(s, &e) != HATCH_OK)
					fail_msg("%s again after write %ld failed: %s", c->name,
						 n, e.msg);
				mem_free(now);
				now = snapshot(path, boxes);
				assert_string_equal(now, after);
			}
		}
		store_close(s);
		/* And so it stays, read afresh from the file. */
		char *reread = snapshot(path, boxes);
		assert_string_equal(reread, now);
		mem_free(reread);
		mem_free(now);
	}
	/* Each call writes something, so each had a write to fail. */
	assert_true(n > 1);
	mem_free(before);
	mem_free(after);
}

static void faults_all_or_nothing(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	add_to(s, 1, "a", 0);
	add_to(s, 2, "b", 0);
	add_to(s, 3, "a", 0);
	store_close(s);
	size_t len;
	char *template = slurp(path, &len);
	static const struct fault_case cases[] = {
		{"add", prep_none, op_add},
		{"claim", prep_none, op_claim},
		{"mark delivered", prep_sending, op_delivered},
		{"mark retry", prep_sending, op_retry_later},
		{"mark dead", prep_sending, op_dead},
		{"set remote", prep_sending, op_set_remote},
		{"recover sending", prep_sending, op_recover},
		{"retry dead", prep_dead, op_retry_dead},
		{"purge", prep_delivered, op_purge},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		fault_loop(path, template, len, &cases[i]);
	mem_free(template);
}

/* A claim that cannot have the memory for the payload claims nothing. */
static void claim_out_of_memory(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_ok(path);
	add_sample(s, 1);
	struct store_due d;
	bool found = true;
	struct hatch_error e;
	mem_fail_after(1, 1);
	enum hatch_err rc = store_claim_due(s, LATER, &d, &found, &e);
	mem_fail_after(0, 0);
	assert_int_equal(rc, HATCH_ERR_NOMEM);
	assert_non_null(strstr(e.msg, "out of memory"));
	assert_false(found);
	assert_null(d.payload);
	counts_are(s, 1, 0, 0, 0);
	assert_int_equal(claim_id(s, LATER), 1);
	store_close(s);
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
		TEST(migrates_version_2),
		TEST(migrates_version_3),
		TEST(current_database_unchanged),
		TEST(default_path),
		TEST(out_of_memory),
		TEST(payloads_encrypted),
		TEST(key_file),
		TEST(sealed_records),
		TEST(claim_order),
		TEST(delivery_transitions),
		TEST(recover_sending),
		TEST(retry_by_reference_and_all),
		TEST(destination_stats),
		TEST(purge_delivered),
		TEST(migrates_version_1_with_rows),
		TEST(salvages_a_damaged_file),
		TEST(salvage_reads_the_wal),
		SHIM_TEST(faults_all_or_nothing),
		TEST(claim_out_of_memory),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
