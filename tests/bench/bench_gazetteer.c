/* Benchmarks for the gazetteer (store/gazetteer.h): importing 1,000,000
 * addresses, the memory that takes (flat: compared with an import of
 * 100,000), the database's size, and searching it by postcode and by words
 * as the kiosk's address step does. The cost of a search must not grow with
 * the gazetteer (DESIGN.md, "Performance is a feature"). Prints "name value
 * unit" rows; scripts/run-benches holds the targets.
 *
 *   bench_gazetteer                 the benchmark
 *   bench_gazetteer search          the searches only, over the gazetteer
 *                                   the last run imported (for quick reruns)
 *   bench_gazetteer import FORMAT CSV PATH
 *                                   one import, in a process of its own so
 *                                   that its peak RSS is the import's:
 *                                   prints "seconds imported rejected
 *                                   peak_kib"
 *
 * The addresses come from scripts/make-sample-gazetteer (plainly fictional,
 * --seed 1), written once into BUILD/bench-gazetteer/ (BUILD from where
 * this program is) and kept there under the script's content hash, so a
 * rerun only generates them again when the script changed. The import is
 * the figure, so it runs every time, into gazetteer-KEY-1m.db beside
 * them, which is then kept for the searches (and for `bench_gazetteer
 * search`, which searches the one made from the same addresses).
 *
 * The 1,000 queries of each kind come from the addresses themselves
 * (every kind a citizen types: full postcodes in any case and spacing,
 * partial ones, street words, a house number and street, words still being
 * typed, misspellings and words that match nothing), after 100 untimed
 * ones; each asks for at most the 50 rows a screen could list.
 *
 * Depends on the gazetteer's public interface only; never on SQLite, the
 * journeys or the screens. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/gazetteer.h"
#include "support.h"

#define BIG 1000000
#define SMALL 100000
#define QUERIES 1000
#define WARM 100
/* Rows a screen of results could list. */
#define MAX_ROWS 50
/* Addresses sampled from the file to make queries of. */
#define SAMPLES 4000
#define SCRIPT "scripts/make-sample-gazetteer"

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_gazetteer: %s: %s\n", what, why);
	exit(1);
}


static void join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size)
		die(dir, "path too long");
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static double file_mib(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (double)st.st_size / (1024.0 * 1024.0) : 0;
}

/* ---- the addresses ---- */

/* FNV-1a of the file at PATH: names the kept addresses after the script
 * that made them. */
static uint64_t file_hash(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path, strerror(errno));
	uint64_t h = 0xcbf29ce484222325ULL;
	int c;
	while ((c = getc(f)) != EOF)
		h = (h ^ (uint64_t)(unsigned char)c) * 0x100000001b3ULL;
	fclose(f);
	return h;
}

/* BUILD/bench-gazetteer/sample-KEY-N.csv, generated when missing; older
 * ones (another KEY) are removed first. */
static void sample_csv(const char *dir, const char *script, uint64_t key, unsigned long n,
		       char *out, size_t size)
{
	char name[96];
	snprintf(name, sizeof name, "sample-%016llx-%lu.csv", (unsigned long long)key, n);
	join(out, size, dir, name);
	if (exists(out))
		return;
	char cmd[8192], tmp[4200];
	snprintf(cmd, sizeof cmd, "rm -f '%s'/sample-*-%lu.csv", dir, n);
	if (system(cmd) != 0)
		die(dir, "cannot remove old samples");
	snprintf(tmp, sizeof tmp, "%s.part", out);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' --count %lu --seed 1 -o '%s'", script, n,
		 tmp);
	fprintf(stderr, "bench_gazetteer: generating %lu addresses\n", n);
	double t0 = support_now_us();
	if (system(cmd) != 0)
		die(script, "failed");
	if (rename(tmp, out) != 0)
		die(out, strerror(errno));
	fprintf(stderr, "bench_gazetteer: %lu addresses generated in %.1f s\n", n,
		(support_now_us() - t0) / 1e6);
}

/* ---- imports ---- */

struct imported {
	double seconds, peak_mib;
	unsigned long imported, rejected;
};

static void remove_gaz(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
		char p[4200];
		snprintf(p, sizeof p, "%s%s", path, sfx[i]);
		if (unlink(p) != 0 && errno != ENOENT)
			die(p, strerror(errno));
	}
}

/* Imports CSV into a new gazetteer at PATH in a process of its own. */
static struct imported import_child(const char *self, const char *csv, const char *path)
{
	remove_gaz(path);
	char cmd[12800];
	snprintf(cmd, sizeof cmd, "'%s' import simple '%s' '%s'", self, csv, path);
	FILE *p = popen(cmd, "r");
	if (!p)
		die("popen", strerror(errno));
	struct imported r = {0};
	unsigned long kib = 0;
	int got = fscanf(p, "%lf %lu %lu %lu", &r.seconds, &r.imported, &r.rejected, &kib);
	if (pclose(p) != 0 || got != 4)
		die(csv, "the import failed");
	r.peak_mib = (double)kib / 1024.0;
	if (r.rejected)
		fprintf(stderr, "bench_gazetteer: %s: %lu rows rejected\n", csv, r.rejected);
	return r;
}

static int import_cmd(const char *format, const char *csv, const char *path)
{
	struct gaz_import_options o = {0};
	if (!gaz_format_parse(format, &o.format))
		die(format, "not a format");
	FILE *in = fopen(csv, "rb");
	if (!in)
		die(csv, strerror(errno));
	struct gaz_import_report r;
	struct hatch_error e = {""};
	double t0 = support_now_us();
	if (gaz_import(path, in, csv, &o, &r, &e) != HATCH_OK)
		die(csv, e.msg);
	double s = (support_now_us() - t0) / 1e6;
	fclose(in);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%.3f %lu %lu %ld\n", s, r.imported, r.rejected, ru.ru_maxrss);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- queries ---- */

struct sample {
	char lines[256], town[64], postcode[12];
};

/* The fields of one line of the simple format (quoted fields have no
 * quotes inside: the script writes none). False if it is not 6 fields. */
static bool split_csv(char *line, char *f[6])
{
	int n = 0;
	char *p = line;
	while (n < 6) {
		if (*p == '"') {
			f[n++] = ++p;
			p = strchr(p, '"');
			if (!p)
				return false;
			*p++ = '\0';
		} else {
			f[n++] = p;
			p += strcspn(p, ",\r\n");
		}
		if (*p != ',')
			break;
		*p++ = '\0';
	}
	*p = '\0';
	return n == 6;
}

/* SAMPLES addresses spread over CSV's N rows. */
static struct sample *read_samples(const char *csv, unsigned long n)
{
	struct sample *s = calloc(SAMPLES, sizeof *s);
	FILE *f = fopen(csv, "rb");
	if (!s || !f)
		die(csv, "cannot read");
	char line[1024];
	unsigned long row = 0, step = n / SAMPLES;
	size_t got = 0;
	if (!fgets(line, sizeof line, f))
		die(csv, "empty");
	while (got < SAMPLES && fgets(line, sizeof line, f)) {
		/* One address somewhere in each stretch of STEP rows. */
		unsigned long r = row++;
		if (r % step != support_mix(r / step) % step)
			continue;
		char *fl[6];
		if (!split_csv(line, fl))
			die(csv, "not the simple format");
		snprintf(s[got].lines, sizeof s[got].lines, "%s", fl[1]);
		snprintf(s[got].town, sizeof s[got].town, "%s", fl[2]);
		snprintf(s[got].postcode, sizeof s[got].postcode, "%s", fl[3]);
		got++;
	}
	fclose(f);
	if (got < SAMPLES)
		die(csv, "fewer addresses than expected");
	return s;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* "Flat 2, 14 Corondle Road" -> number "14", street "Corondle Road",
 * stem "Corondle"; a named house has no number. */
static void parts(const char *lines, char *num, char *street, char *stem)
{
	const char *p = strrchr(lines, ',');
	p = p ? p + 2 : lines;
	size_t d = strspn(p, "0123456789");
	snprintf(num, 12, "%.*s", (int)d, p);
	p += d;
	p += strspn(p, " ");
	snprintf(street, 128, "%s", p);
	snprintf(stem, 64, "%.*s", (int)strcspn(p, " "), p);
}

/* What a query should find. */
enum expect { FINDS, FINDS_NOTHING, EITHER };

/* The Ith postcode query, made from sample S; what a citizen might type. */
static enum expect postcode_query(uint64_t i, const struct sample *s, char *q, size_t size)
{
	char out[8];
	snprintf(out, sizeof out, "%.*s", (int)strcspn(s->postcode, " "), s->postcode);
	const char *in = s->postcode + strlen(out) + 1;
	unsigned kind = (unsigned)(support_mix(i ^ 0x9c) % 100);
	if (kind < 35)          /* as printed on a letter */
		snprintf(q, size, "%s", s->postcode);
	else if (kind < 50) {   /* lower case, no space */
		snprintf(q, size, "%s%s", out, in);
		lower(q);
	} else if (kind < 70)   /* the sector: "ZY3 2" */
		snprintf(q, size, "%s %c", out, in[0]);
	else if (kind < 78) {   /* one letter short: "zy3 2a" */
		snprintf(q, size, "%s %.2s", out, in);
		lower(q);
	} else if (kind < 86)     /* the outward code only */
		snprintf(q, size, "%s", out);
	else if (kind < 96) {   /* a real format, but nobody's */
		snprintf(q, size, "ZY%u %uXX", 40 + (unsigned)(i % 59), (unsigned)(i % 10));
		return FINDS_NOTHING;
	} else {                /* cannot start a postcode */
		snprintf(q, size, "%s", i % 2 ? "Q1" : "12 Mill");
		return FINDS_NOTHING;
	}
	return FINDS;
}

/* The Ith words query, made from sample S. */
static enum expect text_query(uint64_t i, const struct sample *s, char *q, size_t size)
{
	char num[12], street[128], stem[64];
	parts(s->lines, num, street, stem);
	/* A named house ("Hollybank, Tamurrel Close") has its name's first
	 * word where a number would be. */
	if (!*num)
		snprintf(num, 12, "%.*s", (int)strcspn(s->lines, " ,"), s->lines);
	unsigned kind = (unsigned)(support_mix(i ^ 0x7e) % 100);
	if (kind < 15)          /* a street word */
		snprintf(q, size, "%s", stem);
	else if (kind < 30)     /* the street */
		snprintf(q, size, "%s", street);
	else if (kind < 50)     /* house number and street */
		snprintf(q, size, "%s %s", num, street);
	else if (kind < 65) {   /* still typing: "14 coron" */
		snprintf(q, size, "%s %.*s", num, (int)(strlen(stem) > 4 ? 5 : 3), stem);
		lower(q);
	} else if (kind < 75) { /* the street and the town */
		snprintf(q, size, "%s %s", street, s->town);
	} else if (kind < 80) { /* the whole address, lower case */
		snprintf(q, size, "%s", s->lines);
		lower(q);
	} else if (kind < 92) { /* two letters swapped: "Cornodle Road" */
		snprintf(q, size, "%s", street);
		size_t n = strlen(stem);
		if (n > 3) {
			char c = q[n / 2];
			q[n / 2] = q[n / 2 + 1];
			q[n / 2 + 1] = c;
		}
		/* Perhaps another street's name, or the same letter twice. */
		return EITHER;
	} else {                /* nothing of the sort */
		snprintf(q, size, "%s", i % 2 ? "Xyzzy Plover" : "qqq 99");
		return FINDS_NOTHING;
	}
	return FINDS;
}

typedef enum hatch_err (*search_fn)(struct gaz *, const char *, struct gaz_address *, size_t,
				    size_t *, struct hatch_error *);

/* The slowest queries of a kind, named on stderr so that a slow kind of
 * query can be found (the addresses are all made up). */
#define SLOWEST 5

static void print_slowest(const char *what, char (*qs)[300], const double *ms)
{
	bool shown[QUERIES] = {false};
	for (int k = 0; k < SLOWEST; k++) {
		size_t worst = 0;
		for (size_t i = 1; i < QUERIES; i++)
			if (!shown[i] && (shown[worst] || ms[i] > ms[worst]))
				worst = i;
		shown[worst] = true;
		fprintf(stderr, "bench_gazetteer: slow %s query: %.3f ms \"%s\"\n", what, ms[worst],
			qs[worst]);
	}
}

/* Times QUERIES queries made by MAKE from the samples, after WARM untimed;
 * the times into MS. Dies when a query finds what it should not, or fails
 * to find the address it was made from: a search that finds nothing is
 * fast and wrong. */
static void run_queries(struct gaz *g, search_fn fn, const char *what,
			enum expect (*make)(uint64_t, const struct sample *, char *, size_t),
			const struct sample *s, double *ms)
{
	static struct gaz_address rows[MAX_ROWS];
	static char qs[QUERIES][300];
	size_t should = 0, found = 0, wrong = 0;
	for (uint64_t i = 0; i < WARM + QUERIES; i++) {
		char q[300];
		enum expect x =
			make(i, &s[support_mix(i ^ (uint64_t)(uintptr_t)what[0]) % SAMPLES], q, sizeof q);
		size_t n = 0;
		struct hatch_error e = {""};
		double t0 = support_now_us();
		enum hatch_err err = fn(g, q, rows, MAX_ROWS, &n, &e);
		double t = (support_now_us() - t0) / 1000;
		if (err != HATCH_OK && err != HATCH_ERR_INPUT)
			die(q, e.msg);
		bool hit = err == HATCH_OK && n > 0;
		if (x == FINDS) {
			should++;
			found += hit;
		} else if (x == FINDS_NOTHING && hit) {
			fprintf(stderr, "bench_gazetteer: %s query \"%s\" found %zu\n", what, q, n);
			wrong++;
		}
		if (x == FINDS && !hit)
			fprintf(stderr, "bench_gazetteer: %s query \"%s\" found nothing\n", what, q);
		if (i < WARM)
			continue;
		ms[i - WARM] = t;
		memcpy(qs[i - WARM], q, sizeof q);
	}
	fprintf(stderr, "bench_gazetteer: %zu of %zu %s queries made from an address found it\n",
		found, should, what);
	if (found != should || wrong)
		die(what, "the searches do not find what they should");
	print_slowest(what, qs, ms);
}

static void search(const char *csv, const char *path)
{
	struct sample *s = read_samples(csv, BIG);
	struct gaz *g;
	struct hatch_error e = {""};
	double t0 = support_now_us();
	if (gaz_open(path, &g, &e) != HATCH_OK)
		die(path, e.msg);
	double open_ms = (support_now_us() - t0) / 1000;
	if (gaz_count(g) != BIG) {
		fprintf(stderr, "bench_gazetteer: %s holds %lu addresses, not %d\n", path,
			gaz_count(g), BIG);
		exit(1);
	}
	static double pc[QUERIES], tx[QUERIES];
	run_queries(g, gaz_by_postcode, "postcode", postcode_query, s, pc);
	run_queries(g, gaz_by_text, "text", text_query, s, tx);
	gaz_close(g);
	free(s);
	printf("gazetteer.open_ms %.2f ms\n", open_ms);
	printf("gazetteer.postcode_ms_p50 %.3f ms\n", support_percentile(pc, QUERIES, 50));
	printf("gazetteer.postcode_ms_p99 %.3f ms\n", support_percentile(pc, QUERIES, 99));
	printf("gazetteer.text_ms_p50 %.3f ms\n", support_percentile(tx, QUERIES, 50));
	printf("gazetteer.text_ms_p99 %.3f ms\n", support_percentile(tx, QUERIES, 99));
}

/* ---- commands ---- */

/* BUILD/tests/bench/bench_gazetteer -> BUILD/bench-gazetteer, and the
 * program's own path into SELF. */
static void where(char *self, size_t self_size, char *dir, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", self, self_size - 1);
	if (len <= 0 || (size_t)len >= self_size - 1)
		die("/proc/self/exe", "cannot tell where this program is");
	self[len] = '\0';
	snprintf(dir, size, "%s", self);
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			die(dir, "not under BUILD/tests/bench/");
		*slash = '\0';
	}
	if (strlen(dir) + 20 >= size)
		die(dir, "path too long");
	strncat(dir, "/bench-gazetteer", size - strlen(dir) - 1);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		die(dir, strerror(errno));
}

/* The script: from the top of the tree (scripts/run-benches runs there),
 * else beside BUILD. */
static void script_path(const char *dir, char *out, size_t size)
{
	if (exists(SCRIPT)) {
		snprintf(out, size, "%s", SCRIPT);
		return;
	}
	snprintf(out, size, "%s/../../%s", dir, SCRIPT);
	if (!exists(out))
		die(SCRIPT, "not found: run from the top of the tree");
}

static int bench(bool import)
{
	char self[4096], dir[4096], script[4200], big_csv[4200], small_csv[4200];
	char big_db[4200], small_db[4200];
	where(self, sizeof self, dir, sizeof dir);
	script_path(dir, script, sizeof script);
	uint64_t key = file_hash(script);
	sample_csv(dir, script, key, BIG, big_csv, sizeof big_csv);
	/* The gazetteer of these addresses: searched with queries made from
	 * them, so it is named after the same script. */
	char name[64];
	snprintf(name, sizeof name, "gazetteer-%016llx-1m.db", (unsigned long long)key);
	join(big_db, sizeof big_db, dir, name);
	if (import) {
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "rm -f '%s'/gazetteer-*-1m.db*", dir);
		if (system(cmd) != 0)
			die(dir, "cannot remove old gazetteers");
		sample_csv(dir, script, key, SMALL, small_csv, sizeof small_csv);
		join(small_db, sizeof small_db, dir, "gazetteer-100k.db");
		struct imported small = import_child(self, small_csv, small_db);
		remove_gaz(small_db);
		struct imported big = import_child(self, big_csv, big_db);
		if (big.imported != BIG || small.imported != SMALL)
			die(big_csv, "not every address was imported");
		fprintf(stderr, "bench_gazetteer: 1,000,000 imported in %.1f s, 100,000 in %.1f s\n",
			big.seconds, small.seconds);
		printf("gazetteer.import_1m_s %.2f s\n", big.seconds);
		printf("gazetteer.import_100k_s %.2f s\n", small.seconds);
		printf("gazetteer.import_peak_rss_mib %.1f MiB\n", big.peak_mib);
		printf("gazetteer.import_peak_rss_mib_100k %.1f MiB\n", small.peak_mib);
		printf("ratio.import_rss_1m_over_100k %.3f x\n", big.peak_mib / small.peak_mib);
		printf("gazetteer.db_mib %.1f MiB\n", file_mib(big_db));
		fflush(stdout);
	} else if (!exists(big_db)) {
		die(big_db, "no gazetteer yet: run bench_gazetteer without arguments first");
	}
	search(big_csv, big_db);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return bench(true);
	if (argc == 2 && !strcmp(argv[1], "search"))
		return bench(false);
	if (argc == 5 && !strcmp(argv[1], "import"))
		return import_cmd(argv[2], argv[3], argv[4]);
	fputs("usage: bench_gazetteer | bench_gazetteer search | "
	      "bench_gazetteer import FORMAT CSV PATH\n",
	      stderr);
	return 2;
}
