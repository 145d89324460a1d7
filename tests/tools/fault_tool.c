/* A test-only helper for tests/cli/faults.sh: runs one store operation (an
 * enqueue, or a delivery drain as hatch sync --once does it) with one fault
 * injected, so that the script can fail each allocation and each SQLite
 * write in turn and check that every operation is all-or-nothing, as
 * SQLite's own fault tests (test/malloc*.test, ioerr*.test) do. Not
 * installed.
 *
 *   fault_tool enqueue FAULT N DB RECORD.json
 *        store_open, store_outbox_add of the canonical record, store_close
 *   fault_tool drain FAULT N CONFIG DB NOW
 *        store_open, store_recover_sending, sync_create, one sync_drain at
 *        NOW (unix seconds), sync_destroy, store_close
 *
 * FAULT says which calls are fault points, and the Nth of them (from the
 * start of the operation; N = 0 for none) fails:
 *   --fail-write         the write side of SQLite's file I/O (xWrite,
 *                        xTruncate, xSync, xShmMap), through a VFS shim
 *                        registered as the default; xWrite fails with
 *                        SQLITE_IOERR_WRITE
 *   --fail-full          as --fail-write, but xWrite says SQLITE_FULL
 *   --fail-alloc         the project's allocations (mem_fail_after)
 *   --fail-sqlite-alloc  SQLite's own allocations (SQLITE_CONFIG_MALLOC)
 *   --fail-json-alloc    jansson's allocations (json_set_alloc_funcs), which
 *                        the kiosk routes through mem_alloc. jansson 2.14
 *                        can abort on some of these (an assertion in its
 *                        lexer, akheron/jansson#362), so the script runs
 *                        this one only when asked.
 * and with --sticky before FAULT, every fault point after the Nth fails too
 * (a disk that stays full, memory that stays short). With --again, a failed
 * enqueue is tried once more, without faults, on the same connection, as
 * the kiosk would (the report line then ends "again ok|already|error").
 *
 * Prints one line, "points P injected 0|1 result ok|error", with the drain's
 * counts after it for a drain: P is how many fault points the operation
 * passed, so that a driver can loop N = 1 .. P. Exits
 *   0   the operation completed and no fault was injected (N > P or N = 0);
 *   10  a fault was injected and the operation reported an error;
 *   11  a fault was injected and the operation still completed;
 *   1   the operation reported an error with no fault injected (its message
 *       on standard error: "already in the outbox" for a repeated enqueue);
 *   2   bad usage, or the set-up before the operation failed. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "base/mem.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "store/store.h"
#include "sync/sync.h"
#include "support.h"

enum fault_kind { FAULT_NONE, FAULT_WRITE, FAULT_ALLOC, FAULT_SQLITE_ALLOC, FAULT_JSON_ALLOC };

static enum fault_kind kind;
static long fail_at;       /* the fault point that fails, 1-based; 0: none */
static bool sticky;        /* and every one after it */
static bool full;          /* xWrite says SQLITE_FULL rather than IOERR_WRITE */
static atomic_bool armed;  /* counting only during the operation */
static atomic_long points; /* fault points passed while armed */
static atomic_bool injected;
static bool again_mode;    /* enqueue: after a failure, try again at once */

/* Counts a fault point of kind K: true when this one is to fail. */
static bool fault_point(enum fault_kind k)
{
	if (kind != k || !atomic_load(&armed))
		return false;
	long p = atomic_fetch_add(&points, 1) + 1;
	if (fail_at > 0 && (p == fail_at || (sticky && p > fail_at))) {
		atomic_store(&injected, true);
		return true;
	}
	return false;
}

/* ---- SQLite's allocator, wrapped ---- */

static sqlite3_mem_methods real_mem;

static void *fault_malloc(int n)
{
	return fault_point(FAULT_SQLITE_ALLOC) ? NULL : real_mem.xMalloc(n);
}

static void *fault_realloc(void *p, int n)
{
	return fault_point(FAULT_SQLITE_ALLOC) ? NULL : real_mem.xRealloc(p, n);
}

/* ---- a VFS shim over the default one ---- */

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;

struct shim_file {
	sqlite3_file base;
	sqlite3_file *real; /* just after this struct, szOsFile bytes */
};

#define REAL(f) (((struct shim_file *)(f))->real)

static int shim_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods->xClose(REAL(f));
	return rc;
}

static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (fault_point(FAULT_WRITE))
		return full ? SQLITE_FULL : SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (fault_point(FAULT_WRITE))
		return SQLITE_IOERR_TRUNCATE;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
	if (fault_point(FAULT_WRITE))
		return SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int shim_lock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int shim_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int shim_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int shim_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int shim_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int shim_device_characteristics(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int shim_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **p)
{
	if (fault_point(FAULT_WRITE))
		return SQLITE_IOERR_SHMMAP;
	return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, p);
}

static int shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int shim_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, p);
}

static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods shim_io = {
	.iVersion = 3,
	.xClose = shim_close,
	.xRead = shim_read,
	.xWrite = shim_write,
	.xTruncate = shim_truncate,
	.xSync = shim_sync,
	.xFileSize = shim_file_size,
	.xLock = shim_lock,
	.xUnlock = shim_unlock,
	.xCheckReservedLock = shim_check_reserved,
	.xFileControl = shim_file_control,
	.xSectorSize = shim_sector_size,
	.xDeviceCharacteristics = shim_device_characteristics,
	.xShmMap = shim_shm_map,
	.xShmLock = shim_shm_lock,
	.xShmBarrier = shim_shm_barrier,
	.xShmUnmap = shim_shm_unmap,
	.xFetch = shim_fetch,
	.xUnfetch = shim_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
		     int *out_flags)
{
	(void)vfs;
	struct shim_file *sf = (struct shim_file *)f;
	sf->real = (sqlite3_file *)(sf + 1);
	int rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out_flags);
	/* SQLite calls xClose whenever pMethods is set, even after a failed
	 * open; so it is set exactly when the real file's is. */
	sf->base.pMethods = sf->real->pMethods ? &shim_io : NULL;
	return rc;
}

static int shim_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int shim_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int shim_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *shim_dl_open(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void shim_dl_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, out);
}

static void (*shim_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void shim_dl_close(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int shim_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int shim_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int shim_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int shim_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int shim_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

/* The allocator must be in place before SQLite starts, and the shim goes
 * in as the default VFS, so that store_open uses both without knowing. */
static bool install(void)
{
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK)
		return false;
	sqlite3_mem_methods m = real_mem;
	m.xMalloc = fault_malloc;
	m.xRealloc = fault_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK ||
	    sqlite3_initialize() != SQLITE_OK)
		return false;
	real_vfs = sqlite3_vfs_find(NULL);
	if (!real_vfs || real_vfs->iVersion < 2)
		return false;
	shim_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile,
		.mxPathname = real_vfs->mxPathname,
		.zName = "fault",
		.xOpen = shim_open,
		.xDelete = shim_delete,
		.xAccess = shim_access,
		.xFullPathname = shim_full_pathname,
		.xDlOpen = shim_dl_open,
		.xDlError = shim_dl_error,
		.xDlSym = shim_dl_sym,
		.xDlClose = shim_dl_close,
		.xRandomness = shim_randomness,
		.xSleep = shim_sleep,
		.xCurrentTime = shim_current_time,
		.xGetLastError = shim_last_error,
		.xCurrentTimeInt64 = shim_current_time_int64,
	};
	return sqlite3_vfs_register(&shim_vfs, 1) == SQLITE_OK;
}

/* ---- the operations ---- */

static long alloc_base;

static void arm(void)
{
	atomic_store(&points, 0);
	atomic_store(&injected, false);
	alloc_base = mem_alloc_count();
	if (kind == FAULT_ALLOC && fail_at > 0)
		mem_fail_after(fail_at, sticky);
	atomic_store(&armed, true);
}

/* Ends fault injection, keeping the count of points passed. */
static void stop(void)
{
	if (!atomic_load(&armed))
		return;
	atomic_store(&armed, false);
	if (kind == FAULT_ALLOC) {
		long n = mem_alloc_count() - alloc_base;
		mem_fail_after(0, 0);
		atomic_store(&points, n);
		atomic_store(&injected, fail_at > 0 && n >= fail_at);
	}
}

/* Ends the operation; prints the report line's start and returns the exit
 * status for OK (the operation's own verdict). */
static int disarm(bool ok)
{
	stop();
	bool inj = atomic_load(&injected);
	printf("points %ld injected %d result %s", atomic_load(&points), inj ? 1 : 0,
	       ok ? "ok" : "error");
	if (inj)
		return ok ? 11 : 10;
	return ok ? 0 : 1;
}

static int setup_failed(const char *what, const char *why)
{
	fprintf(stderr, "fault_tool: %s: %s\n", what, why);
	return 2;
}

static int enqueue(const char *db, const char *file)
{
	struct hatch_error e = {""};
	char *text = NULL;
	size_t len = 0;
	if (platform_read_file(file, 1 << 20, &text, &len, &e) != HATCH_OK)
		return setup_failed(file, e.msg);
	json_t *rec = json_loadb(text, len, 0, NULL);
	if (!rec) {
		mem_free(text);
		return setup_failed(file, "not JSON");
	}
	struct store_submission sub;
	support_submission(rec, text, &sub);
	arm();
	struct store *s = NULL;
	bool ok = store_open(db, &s, &e) == HATCH_OK && store_outbox_add(s, &sub, &e) == HATCH_OK;
	const char *again = "";
	if (again_mode && s && !ok) {
		/* The kiosk keeps its one connection: the citizen's second try
		 * goes through the connection the failure happened on. */
		stop();
		struct hatch_error ae;
		enum hatch_err rc = store_outbox_add(s, &sub, &ae);
		if (rc == HATCH_OK) {
			again = " again ok";
		} else {
			fprintf(stderr, "fault_tool: enqueue again: %s\n", ae.msg);
			again = strstr(ae.msg, "already in the outbox") ? " again already"
									 : " again error";
		}
	}
	store_close(s);
	int status = disarm(ok);
	printf("%s\n", again);
	if (!ok)
		fprintf(stderr, "fault_tool: enqueue: %s\n", e.msg);
	json_decref(rec);
	mem_free(text);
	return status;
}

static int drain(const char *conf, const char *db, const char *when)
{
	struct hatch_error e = {""};
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	struct config_problems *p = mem_calloc(1, sizeof *p);
	if (!cfg || !p) {
		mem_free(cfg);
		mem_free(p);
		return setup_failed("drain", "out of memory");
	}
	if (config_load(conf, cfg, p, &e) != HATCH_OK) {
		for (size_t i = 0; i < p->n; i++)
			fprintf(stderr, "%s:%d: %s\n", conf, p->v[i].line, p->v[i].reason);
		mem_free(cfg);
		mem_free(p);
		return setup_failed(conf, e.msg);
	}
	long long now = strtoll(when, NULL, 10);
	struct sync_stats st = {0};
	struct store *s = NULL;
	struct sync *w = NULL;
	size_t recovered = 0;
	arm();
	/* As hatch sync does it: what a crash left "sending" goes back first. */
	bool ok = store_open(db, &s, &e) == HATCH_OK &&
		  store_recover_sending(s, &recovered, &e) == HATCH_OK &&
		  sync_create(cfg, s, &w, &e) == HATCH_OK && sync_drain(w, now, &st, &e) == HATCH_OK;
	int status = disarm(ok);
	/* --again: the same worker drains once more, as a running kiosk or
	 * hatch sync would a little later, without a restart to recover. */
	const char *again = "";
	if (again_mode && w) {
		struct sync_stats st2 = {0};
		struct hatch_error ae = {""};
		again = sync_drain(w, now + 1, &st2, &ae) == HATCH_OK ? " again ok" : " again error";
	}
	sync_destroy(w);
	store_close(s);
	printf(" recovered %zu delivered %zu retried %zu dead %zu%s\n", recovered, st.delivered,
	       st.retried, st.dead, again);
	if (!ok)
		fprintf(stderr, "fault_tool: drain: %s\n", e.msg);
	mem_free(cfg);
	mem_free(p);
	return status;
}

/* jansson's allocations: with libc's, as in hatch sync, but countable. */
static void *json_alloc(size_t n)
{
	return fault_point(FAULT_JSON_ALLOC) ? NULL : malloc(n ? n : 1);
}

static void json_free(void *p)
{
	free(p);
}

static int usage(void)
{
	fputs("usage: fault_tool enqueue [--sticky] [--again] FAULT N DB RECORD.json\n"
	      "       fault_tool drain [--sticky] [--again] FAULT N CONFIG DB NOW\n"
	      "FAULT: --fail-write, --fail-full, --fail-alloc, --fail-sqlite-alloc or\n"
	      "       --fail-json-alloc\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *op = argv[1];
	int i = 2;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--sticky"))
			sticky = true;
		else if (!strcmp(argv[i], "--again"))
			again_mode = true;
		else
			break;
	}
	if (i + 1 >= argc)
		return usage();
	const char *f = argv[i++];
	if (!strcmp(f, "--fail-write")) {
		kind = FAULT_WRITE;
	} else if (!strcmp(f, "--fail-full")) {
		kind = FAULT_WRITE;
		full = true;
	} else if (!strcmp(f, "--fail-alloc")) {
		kind = FAULT_ALLOC;
	} else if (!strcmp(f, "--fail-sqlite-alloc")) {
		kind = FAULT_SQLITE_ALLOC;
	} else if (!strcmp(f, "--fail-json-alloc")) {
		kind = FAULT_JSON_ALLOC;
	} else {
		return usage();
	}
	char *end;
	fail_at = strtol(argv[i++], &end, 10);
	if (*end || fail_at < 0)
		return usage();
	json_set_alloc_funcs(json_alloc, json_free);
	if (!install())
		return setup_failed("sqlite", "cannot install the fault shims");
	int status;
	if (!strcmp(op, "enqueue") && argc - i == 2)
		status = enqueue(argv[i], argv[i + 1]);
	else if (!strcmp(op, "drain") && argc - i == 3)
		status = drain(argv[i], argv[i + 1], argv[i + 2]);
	else
		status = usage();
	sqlite3_shutdown();
	return status;
}
