/* Benchmarks for the outbox: what it costs to save a finished submission
 * (store_outbox_add of a canonical record of a real size, encrypted by the
 * store, committed durably: WAL, synchronous=FULL) in an empty outbox and
 * in one that already holds 1,000,000 records. The cost must not grow with
 * the outbox (DESIGN.md, "Performance is a feature"). Prints "name value
 * unit" rows, medians; scripts/run-benches holds the targets.
 *
 *   bench_outbox                  the benchmark
 *   bench_outbox fill DB N DEST   adds N records for destination DEST
 *                                 through store_outbox_add, due now (for
 *                                 tests/bench/bench_sync.py)
 *   bench_outbox records N DEST   prints N such records, one per line
 *
 * Both outboxes live under BUILD/bench-outbox/ (BUILD from where this
 * program is), on the same filesystem, and the timed adds alternate between them
 * so that both meet the same background load.
 *
 * The million: added one durable transaction at a time on disk they would
 * take the best part of an hour, so they are made once and kept, keyed on
 * the schema version (outbox-1m-vN.db and its key). Each record goes
 * through the real store_outbox_add, into a database on tmpfs (/dev/shm,
 * where the sync at each commit costs nothing); then the states are set as
 * a device that has been delivering would have them, with one UPDATE
 * straight through SQLite (oldest 900,000 delivered, 5,000 dead, the
 * newest 95,000 queued; every payload kept, none purged: the largest the
 * file can be), and the file is copied beside the empty one. The timed adds
 * are deleted again afterwards, so the kept outbox stays at a million.
 *
 * Depends on the store's public interface, and on SQLite directly only for
 * those two bulk steps; never on sync/ or the screens. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "base/mem.h"
#include "core/reference.h"
#include "platform/platform.h"
#include "store/store.h"
#include "support.h"

#define ADDS 400   /* timed adds into each outbox */
#define WARM 40    /* untimed adds first, into each */
#define BIG 1000000
#define BIG_DELIVERED 900000
#define BIG_DEAD 5000
/* Bumped when the records or the mix change, so a stale cache is rebuilt. */
#define BIG_FORMAT 2
/* The reference key of the bench's records: any will do, as long as every
 * record of one outbox has its own sequence number. Timed adds start here. */
#define REF_KEY 0x5eed1e55c0ffeeULL
#define TIMED_SEQ 2000000

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_outbox: %s: %s\n", what, why);
	exit(1);
}

/* ---- records ---- */


static const char *const streets[] = {"High Street", "Station Road", "Church Lane",
				      "Victoria Road", "Mill Lane", "The Green",
				      "Queensway", "Orchard Close"};
static const char *const towns[] = {"Exampleton", "Sampleby", "Testbury", "Demoford"};
static const char *const bins[][2] = {{"refuse", "General rubbish"},
				     {"recycling", "Recycling"},
				     {"garden", "Garden waste"},
				     {"food", "Food waste"}};
static const char notes_text[] =
	"The bins were out by the kerb before seven in the morning as usual and the "
	"lorry came down the road but did not stop at our side. Two other houses on "
	"this side were missed as well. The gate was open and nothing was blocking "
	"the way. This is the second time this month, and the food waste caddy has "
	"started to smell in the warm weather, so we would be grateful if someone "
	"could come back for it before the weekend. My neighbour at number fourteen "
	"is elderly and cannot take her bin back in, so it is still out on the "
	"pavement where people with pushchairs have to walk round it. Please ring "
	"before you come if you need to know where the bins are kept.";

/* One in four records is made with a member of staff beside the citizen. */
static const char *channel_of(uint64_t i)
{
	return (support_mix(i) >> 44) % 4 ? "self-service" : "assisted";
}

/* A canonical record (keys sorted, no spaces) like the kiosk's for a missed
 * bin: 1.1 to 1.8 KB, varied by I; its uuid and reference into UUID and REF. */
static char *make_record(uint64_t i, uint64_t seq, const char *dest, long long created,
			 char uuid[UUID_SIZE], char ref[REFERENCE_SIZE])
{
	uint8_t rnd[16];
	struct hatch_error e;
	if (platform_random(rnd, sizeof rnd, &e) != HATCH_OK)
		die("random", e.msg);
	uuid_format(rnd, uuid);
	reference_make(seq, REF_KEY, ref);
	uint64_t r = support_mix(i);
	char when[32], date[16], house[16], postcode[16], phone[16], email[64];
	time_t t = (time_t)created;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	t -= 86400 * (time_t)(1 + r % 6);
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	snprintf(house, sizeof house, "%u", (unsigned)(1 + r % 180));
	snprintf(postcode, sizeof postcode, "AB%u %uA%c", (unsigned)(1 + (r >> 8) % 20),
		 (unsigned)((r >> 13) % 10), "ABDEFGHJ"[(r >> 17) % 8]);
	snprintf(phone, sizeof phone, "077009%05u", (unsigned)((r >> 20) % 100000));
	snprintf(email, sizeof email, "resident%u@example.org", (unsigned)((r >> 24) % 100000));
	size_t nb = 1 + (r >> 30) % 3;
	json_t *values = json_array(), *labels = json_array();
	for (size_t k = 0; k < nb; k++) {
		size_t b = (k + (r >> 32)) % 4;
		json_array_append_new(values, json_string(bins[b][0]));
		json_array_append_new(labels, json_string(bins[b][1]));
	}
	/* The notes make most of the spread in size, as free text does. */
	size_t notes_len = 150 + (size_t)((r >> 36) % 450);
	json_t *rec = json_pack(
		"{s:[{s:s,s:o,s:s,s:o},{s:s,s:s,s:s},{s:s,s:s,s:s,s:s},{s:s,s:s,s:s},"
		"{s:s,s:s,s:{s:s,s:s,s:s,s:s}},{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s},"
		"{s:s,s:s,s:s}],"
		"s:s,s:s,s:s,s:{s:s,s:i},s:s,s:s,s:s}",
		"answers",
		"id", "bins", "label", labels, "question", "Which bins were not collected?",
		"value", values,
		"id", "collection_date", "question", "When should they have been collected?",
		"value", date,
		"id", "reason", "label", "I don't know", "question",
		"Do you know why it was missed?", "value", "unknown",
		"id", "number_of_bins", "question", "How many bins were not collected?", "value",
		nb == 1 ? "1" : nb == 2 ? "2" : "3",
		"id", "address", "question", "What is the address?",
		"value", "line1", "", "line2", "", "postcode", postcode, "town",
		towns[(r >> 40) % 4],
		"id", "name", "question", "What is your name?", "value", "Alex Q Example",
		"id", "email", "question", "What is your email address?", "value", email,
		"id", "phone", "question", "What is your phone number?", "value", phone,
		"id", "notes", "question", "Anything else the crew should know?", "value", "",
		"channel", channel_of(i), "created", when,
		"destination", dest, "journey", "id", "missed-bin", "version", 1, "language",
		"en", "reference", ref, "uuid", uuid);
	if (!rec)
		die("record", "cannot build it");
	json_t *answers = json_object_get(rec, "answers");
	char line1[96];
	snprintf(line1, sizeof line1, "%s %s", house, streets[(r >> 48) % 8]);
	json_object_set_new(json_object_get(json_array_get(answers, 4), "value"), "line1",
			    json_string(line1));
	json_object_set_new(json_array_get(answers, 8), "value",
			    json_stringn(notes_text, notes_len));
	char *out = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(rec);
	if (!out)
		die("record", "out of memory");
	return out;
}

/* Adds record I (reference sequence SEQ) to S; the microseconds it took. */
static double add_one(struct store *s, uint64_t i, uint64_t seq, const char *dest,
		      long long created, size_t *bytes)
{
	char uuid[UUID_SIZE], ref[REFERENCE_SIZE];
	char *payload = make_record(i, seq, dest, created, uuid, ref);
	struct store_submission sub = {
		.uuid = uuid,
		.reference = ref,
		.journey_id = "missed-bin",
		.journey_version = 1,
		.destination = dest,
		.language = "en",
		.channel = channel_of(i),
		.payload = payload,
		.created = created,
	};
	struct hatch_error e;
	double t0 = support_now_us();
	if (store_outbox_add(s, &sub, &e) != HATCH_OK)
		die("store_outbox_add", e.msg);
	double us = support_now_us() - t0;
	if (bytes)
		*bytes = strlen(payload);
	free(payload);
	return us;
}

/* ---- files ---- */

static void join(char *out, size_t size, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size)
		die(dir, "path too long");
}

/* PATH with SUFFIX ("-wal", ".key") into OUT. */
static void suffixed(char *out, size_t size, const char *path, const char *suffix)
{
	if ((size_t)snprintf(out, size, "%s%s", path, suffix) >= size)
		die(path, "path too long");
}

/* Removes PATH and its -wal, -shm and .key. */
static void remove_db(const char *path)
{
	static const char *const sides[] = {"", "-wal", "-shm", ".key"};
	char p[4096];
	for (size_t i = 0; i < 4; i++) {
		suffixed(p, sizeof p, path, sides[i]);
		if (unlink(p) != 0 && errno != ENOENT)
			die(p, strerror(errno));
	}
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY);
	if (in < 0)
		die(from, strerror(errno));
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		die(to, strerror(errno));
	static char buf[1 << 20];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0)
			die(from, strerror(errno));
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0)
				die(to, strerror(errno));
			off += w;
		}
	}
	if (fsync(out) != 0 || close(out) != 0)
		die(to, strerror(errno));
	close(in);
}

static void sql(sqlite3 *db, const char *q)
{
	char *msg = NULL;
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		die(q, msg ? msg : "failed");
}

static sqlite3 *open_raw(const char *path)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die(path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	return db;
}

/* ---- the million ---- */

/* Outboxes of a million kept for another schema or format than NAME's:
 * two gigabytes each, never to be used again. */
static void remove_stale(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	if (!d)
		die(dir, strerror(errno));
	struct dirent *ent;
	while ((ent = readdir(d))) {
		if (strncmp(ent->d_name, "outbox-1m-", 10) || !strncmp(ent->d_name, name, strlen(name)))
			continue;
		char p[4096];
		join(p, sizeof p, dir, ent->d_name);
		if (unlink(p) != 0)
			die(p, strerror(errno));
		fprintf(stderr, "bench_outbox: removed %s\n", p);
	}
	closedir(d);
}

/* The records, through the store, on tmpfs when it has room. */
static void build_big(const char *dir, const char *path)
{
	char tmpl[256] = "/dev/shm/hatch-bench-outbox.XXXXXX";
	struct statvfs vfs;
	bool shm = statvfs("/dev/shm", &vfs) == 0 &&
		   (double)vfs.f_bavail * (double)vfs.f_frsize > 4e9;
	if (!shm)
		join(tmpl, sizeof tmpl, dir, "build.XXXXXX");
	if (!mkdtemp(tmpl))
		die(tmpl, strerror(errno));
	char work[4096];
	join(work, sizeof work, tmpl, "outbox.db");
	fprintf(stderr, "bench_outbox: making an outbox of %d records in %s (kept for later "
			"runs)\n", BIG, tmpl);
	double t0 = support_now_us();
	struct store *s;
	struct hatch_error e;
	if (store_open(work, &s, &e) != HATCH_OK)
		die(work, e.msg);
	/* A record a minute, the newest a minute ago: nearly two years. */
	long long now = platform_now();
	for (uint64_t i = 0; i < BIG; i++) {
		add_one(s, i, i + 1, "waste-services", now - (long long)(BIG - i) * 60, NULL);
		if ((i + 1) % 100000 == 0)
			fprintf(stderr, "bench_outbox:   %llu added, %.0f s\n",
				(unsigned long long)(i + 1), (support_now_us() - t0) / 1e6);
	}
	store_close(s);
	sqlite3 *db = open_raw(work);
	sql(db, "PRAGMA synchronous = OFF");
	char q[512];
	snprintf(q, sizeof q,
		 "BEGIN;"
		 "UPDATE outbox SET state = 'delivered', attempts = 1, updated = created + 5,"
		 " delivered_at = created + 5, remote_id = 'WH-' || id WHERE id <= %d;"
		 "UPDATE outbox SET state = 'dead', attempts = 1, updated = created + 5,"
		 " last_error = 'HTTP 400: invalid_record' WHERE id > %d AND id <= %d;"
		 "COMMIT;"
		 "PRAGMA wal_checkpoint(TRUNCATE);",
		 BIG_DELIVERED, BIG_DELIVERED, BIG_DELIVERED + BIG_DEAD);
	sql(db, q);
	sqlite3_close(db);
	char key[4096], to_key[4096];
	suffixed(key, sizeof key, work, ".key");
	suffixed(to_key, sizeof to_key, path, ".key");
	remove_db(path);
	copy_file(work, path);
	copy_file(key, to_key);
	remove_db(work);
	rmdir(tmpl);
	fprintf(stderr, "bench_outbox: made in %.0f s\n", (support_now_us() - t0) / 1e6);
}

static size_t total(struct store *s)
{
	size_t c[STORE_STATES], n = 0;
	struct hatch_error e;
	if (store_outbox_counts(s, c, &e) != HATCH_OK)
		die("counts", e.msg);
	for (int i = 0; i < STORE_STATES; i++)
		n += c[i];
	return n;
}

/* The kept outbox of a million, made first if it is missing or not whole;
 * *OPEN_US is how long store_open took. */
static struct store *open_big(const char *dir, double *open_us)
{
	char name[64], path[4096], ok[4096];
	snprintf(name, sizeof name, "outbox-1m-v%d.%d.db", STORE_SCHEMA_VERSION, BIG_FORMAT);
	join(path, sizeof path, dir, name);
	suffixed(ok, sizeof ok, path, ".complete");
	struct hatch_error e;
	struct store *s = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (access(ok, F_OK) != 0) {
			remove_stale(dir, name);
			build_big(dir, path);
			int fd = open(ok, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (fd < 0 || close(fd) != 0)
				die(ok, strerror(errno));
		}
		double t0 = support_now_us();
		if (store_open(path, &s, &e) != HATCH_OK)
			die(path, e.msg);
		*open_us = support_now_us() - t0;
		if (total(s) == BIG)
			return s;
		store_close(s);
		fprintf(stderr, "bench_outbox: %s does not hold %d records; making it again\n",
			path, BIG);
		unlink(ok);
	}
	die(path, "cannot make the outbox of a million");
	return NULL;
}

/* Takes the timed adds out of the kept outbox again. */
static void trim_big(const char *path)
{
	sqlite3 *db = open_raw(path);
	char q[128];
	snprintf(q, sizeof q, "DELETE FROM outbox WHERE id > %d; PRAGMA wal_checkpoint(TRUNCATE);",
		 BIG);
	sql(db, q);
	sqlite3_close(db);
}

/* ---- commands ---- */

static int bench(void)
{
	/* BUILD/tests/bench/bench_outbox -> BUILD/bench-outbox */
	char dir[4096];
	ssize_t len = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (len <= 0 || (size_t)len >= sizeof dir - 1)
		die("/proc/self/exe", "cannot tell where this program is");
	dir[len] = '\0';
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			die(dir, "not under BUILD/tests/bench/");
		*slash = '\0';
	}
	if (strlen(dir) + 16 >= sizeof dir)
		die(dir, "path too long");
	strncat(dir, "/bench-outbox", sizeof dir - strlen(dir) - 1);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		die(dir, strerror(errno));

	char empty_path[4096];
	join(empty_path, sizeof empty_path, dir, "empty.db");
	remove_db(empty_path);
	struct hatch_error e;
	struct store *empty, *big;
	double open_empty_us, open_big_us;
	double t0 = support_now_us();
	if (store_open(empty_path, &empty, &e) != HATCH_OK)
		die(empty_path, e.msg);
	open_empty_us = support_now_us() - t0;
	big = open_big(dir, &open_big_us);
	char big_path[4096];
	snprintf(big_path, sizeof big_path, "%s", store_path(big));

	static double te[ADDS], tb[ADDS], sizes[ADDS];
	long long now = platform_now();
	for (int i = 0; i < WARM + ADDS; i++) {
		size_t bytes;
		uint64_t seq = TIMED_SEQ + (uint64_t)i;
		double a = add_one(empty, seq, seq, "waste-services", now, &bytes);
		double b = add_one(big, seq, seq, "waste-services", now, NULL);
		if (i >= WARM) {
			te[i - WARM] = a;
			tb[i - WARM] = b;
			sizes[i - WARM] = (double)bytes;
		}
	}
	store_close(empty);
	store_close(big);
	trim_big(big_path);
	remove_db(empty_path);

	double p50e = support_percentile(te, ADDS, 50) / 1000;
	double p50b = support_percentile(tb, ADDS, 50) / 1000;
	printf("outbox.enqueue_ms_p50 %.3f ms\n", p50e);
	printf("outbox.enqueue_ms_p90 %.3f ms\n", support_percentile(te, ADDS, 90) / 1000);
	printf("outbox.enqueue_ms_p50_at_1m %.3f ms\n", p50b);
	printf("outbox.enqueue_ms_p90_at_1m %.3f ms\n", support_percentile(tb, ADDS, 90) / 1000);
	printf("ratio.enqueue_at_1m_over_empty %.3f x\n", p50b / p50e);
	printf("outbox.record_bytes %.0f bytes\n", support_percentile(sizes, ADDS, 50));
	printf("outbox.open_ms %.1f ms\n", open_empty_us / 1000);
	printf("outbox.open_ms_at_1m %.1f ms\n", open_big_us / 1000);
	return 0;
}

static unsigned long count_arg(const char *s)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(s, &end, 10);
	if (errno || *end || !*s || n == 0 || n > 10000000)
		die(s, "not a count from 1 to 10000000");
	return n;
}

static int fill(const char *db, const char *count, const char *dest)
{
	unsigned long n = count_arg(count);
	struct store *s;
	struct hatch_error e;
	if (store_open(db, &s, &e) != HATCH_OK)
		die(db, e.msg);
	/* Due a second ago, so that a drain started at once finds every one. */
	long long created = platform_now() - 1;
	size_t have = total(s);
	double t0 = support_now_us();
	for (unsigned long i = 0; i < n; i++)
		add_one(s, have + i, have + i + 1, dest, created, NULL);
	store_close(s);
	fprintf(stderr, "bench_outbox: %lu records added to %s in %.1f s\n", n, db,
		(support_now_us() - t0) / 1e6);
	return 0;
}

static int records(const char *count, const char *dest)
{
	unsigned long n = count_arg(count);
	long long created = platform_now();
	for (unsigned long i = 0; i < n; i++) {
		char uuid[UUID_SIZE], ref[REFERENCE_SIZE];
		char *r = make_record(i, i + 1, dest, created, uuid, ref);
		puts(r);
		free(r);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return bench();
	if (argc == 5 && !strcmp(argv[1], "fill"))
		return fill(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "records"))
		return records(argv[2], argv[3]);
	fputs("usage: bench_outbox | bench_outbox fill DB N DEST | bench_outbox records N DEST\n",
	      stderr);
	return 2;
}
