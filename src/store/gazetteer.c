/* The gazetteer's database (store/gazetteer.h): a file of its own, built
 * whole by an import in a temporary file beside it and renamed over the
 * old one, then opened read-only for searching by postcode (an index on
 * the normalised postcode and the address order) and by words (FTS5 over
 * the address, town and postcode, and a list of the index's terms for the
 * word being typed). Depends on base/, platform/, SQLite and libc; never
 * prints. The records themselves are read by gaz_row.c. */
#include "store/gazetteer.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/postcode.h"
#include "base/utf8.h"
#include "platform/platform.h"
#include "store/gazetteer_int.h"
#include "store/store_int.h"

/* PRAGMA application_id, "HGAZ": marks the file as a Hatch gazetteer, so
 * that the device database or another program's file is refused. */
#define GAZ_APPLICATION_ID 0x4847415a
/* 2 added addr_terms, the list of the words in the index; a file of
 * version 1 is still searched, with FTS5's prefix queries. */
#define GAZ_SCHEMA_VERSION 2

/* The same wait for another connection's lock as the device database. */
#define BUSY_TIMEOUT_MS 5000

/* The page cache while building, in KiB, which is also the most the sort
 * that builds the postcode index holds in memory before it writes sorted
 * runs to SQLite's temporary files. Enough for the UPRN B-tree's upper
 * pages (about 200 KiB for a million rows) and FTS5's pages being written,
 * so rows in any order cost little more time (a million shuffled: 15 s
 * against 12 s with 64 MiB); and small enough that an import of 100,000
 * addresses already fills it, so that the peak memory of an import is the
 * same whatever the file's size (26 MiB for 100,000, 27 MiB for
 * 1,000,000, where 64 MiB made 43 and 141). */
#define BUILD_CACHE_KIB 8192
#define STRINGIFY(x) #x
#define STRING(x) STRINGIFY(x)

/* Words of a text query, and bytes of each, that reach FTS5: a person
 * types a few; more only slows the query. */
#define QUERY_WORDS 8
/* How many matches of a text query are ranked: all of them for any query
 * specific enough to be worth ranking, and few enough to rank in about a
 * millisecond on a Pi. */
#define TEXT_RANKED 500
#define QUERY_WORD_MAX 48
/* Room for the FTS5 expression: every word, quoted and joined by AND, and
 * the terms the last one may stand for. */
#define EXPR_MAX 2048
_Static_assert(QUERY_WORDS * (QUERY_WORD_MAX + 8) + 2 < EXPR_MAX, "the words fit");
/* The longest last word taken as an FTS5 prefix query: the prefix
 * indexes (prefix='1 2 3' below) hold each prefix up to this length as
 * one list. */
#define PREFIX_INDEXED 3
/* The most terms a longer last word is read as ("lane" OR "lanes"): more
 * and FTS5's merged prefix list costs no more than stepping through them
 * all. */
#define PREFIX_TERMS 32

static const char *const format_names[] = {
	[GAZ_SIMPLE] = "simple",
	[GAZ_ADDRESSBASE] = "addressbase",
	[GAZ_LLPG] = "llpg",
};

bool gaz_format_parse(const char *name, enum gaz_format *out)
{
	for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++)
		if (name && !strcmp(name, format_names[i])) {
			*out = (enum gaz_format)i;
			return true;
		}
	return false;
}

enum hatch_err gaz_default_path(const char *db_path, char *out, size_t size,
				struct hatch_error *e)
{
	int n = snprintf(out, size, "%s-gazetteer.db", db_path);
	if (n < 0 || (size_t)n >= size) {
		if (size)
			out[0] = '\0';
		return err_set(e, HATCH_ERR_LIMIT, "the gazetteer's path is longer than %zu bytes",
			       size ? size - 1 : 0);
	}
	return HATCH_OK;
}

/* The reason for SQLite result RC on DB, for a message about PATH. */
static enum hatch_err db_fail(sqlite3 *db, int rc, const char *path, const char *doing,
			      struct hatch_error *e)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory", path, doing);
	case SQLITE_FULL:
		return err_set(e, HATCH_ERR_IO, "%s: cannot %s: the disk is full", path, doing);
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return err_set(e, HATCH_ERR_IO, "%s: cannot %s: the file is not a gazetteer", path,
			       doing);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN: {
		int sys = db ? sqlite3_system_errno(db) : 0;
		if (sys)
			return err_set(e, HATCH_ERR_IO, "%s: cannot %s: %s", path, doing,
				       strerror(sys));
		return err_set(e, HATCH_ERR_IO, "%s: cannot %s: input/output error", path, doing);
	}
	default:
		return err_set(e, HATCH_ERR_IO, "%s: cannot %s: %s", path, doing,
			       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	}
}

/* ---- import ---- */

static const char schema[] =
	"PRAGMA application_id = 1212629338;"  /* GAZ_APPLICATION_ID */
	"PRAGMA user_version = 2;"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	/* The UPRN is the rowid: a duplicate is found by the insert itself. */
	"CREATE TABLE addr(uprn INTEGER PRIMARY KEY, lines TEXT NOT NULL,"
	" town TEXT NOT NULL, postcode TEXT NOT NULL, sort_key TEXT NOT NULL,"
	" lat REAL, lon REAL);";

/* Built after the rows are in: one sort each, much faster than keeping
 * them up to date row by row. The prefix indexes make "as one types"
 * queries of one to three letters cheap. */
static const char indexes[] =
	"CREATE INDEX addr_postcode ON addr(postcode, sort_key);"
	"CREATE VIRTUAL TABLE addr_fts USING fts5(lines, town, postcode,"
	" content='addr', content_rowid='uprn',"
	" tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');"
	"INSERT INTO addr_fts(addr_fts) VALUES('rebuild');"
	"INSERT INTO addr_fts(addr_fts) VALUES('optimize');"
	/* Every term of the index, for reading a word being typed as the
	 * terms it begins (gaz_by_text). */
	"CREATE TABLE addr_terms(term TEXT PRIMARY KEY) WITHOUT ROWID;"
	"CREATE VIRTUAL TABLE temp.addr_vocab USING fts5vocab(main, addr_fts, row);"
	"INSERT INTO addr_terms SELECT term FROM temp.addr_vocab;"
	"DROP TABLE temp.addr_vocab;";

_Static_assert(GAZ_APPLICATION_ID == 1212629338, "schema's application_id");
_Static_assert(GAZ_SCHEMA_VERSION == 2, "schema's user_version");

/* What an import holds while it runs. */
struct import {
	const char *path, *name;
	const struct gaz_import_options *o;
	struct gaz_import_report *r;
	char *tmp;
	sqlite3 *db;
	sqlite3_stmt *insert;
	struct csv csv;
	struct gaz_cols cols;
	struct gaz_row row;
};

static void rejected(struct import *im, unsigned long line, const char *why)
{
	struct gaz_import_report *r = im->r;
	struct gaz_rejection rj;
	rj.line = line;
	snprintf(rj.reason, sizeof rj.reason, "%s", why);
	r->rejected++;
	if (r->nfirst < sizeof r->first / sizeof *r->first)
		r->first[r->nfirst++] = rj;
	if (im->o->on_reject)
		im->o->on_reject(im->o->user, &rj);
}

static bool blank(const struct csv *c)
{
	return c->nfields == 1 && c->len[0] == 0;
}

/* Which format the header HDR looks like, for a refusal's hint. */
static const char *looks_like(struct csv *hdr, enum gaz_format not)
{
	struct gaz_cols cols;
	char why[128];
	for (int f = GAZ_SIMPLE; f <= GAZ_LLPG; f++)
		if ((enum gaz_format)f != not &&
		    gaz_row_columns((enum gaz_format)f, hdr, &cols, why, sizeof why))
			return format_names[f];
	return NULL;
}

/* Reads the header, then every record into the table. */
static enum hatch_err load(struct import *im, struct hatch_error *e)
{
	const char *fname = format_names[im->o->format];
	char why[160];
	enum csv_result cr;
	do
		cr = csv_next(&im->csv);
	while (cr == CSV_RECORD && blank(&im->csv));
	if (cr == CSV_IOERR)
		return err_set(e, HATCH_ERR_IO, "%s: cannot read it: %s", im->name, strerror(errno));
	if (cr == CSV_END)
		return err_set(e, HATCH_ERR_INPUT, "%s: the file is empty", im->name);
	if (cr == CSV_BAD || im->csv.nul)
		return err_set(e, HATCH_ERR_INPUT, "%s:%lu: not a CSV file: %s", im->name,
			       im->csv.record_line,
			       im->csv.nul ? "it holds NUL bytes" : im->csv.why);
	for (size_t i = 0; i < im->csv.nfields; i++)
		if (!utf8_valid(im->csv.field[i], im->csv.len[i]))
			return err_set(e, HATCH_ERR_INPUT,
				       "%s:%lu: not a CSV file of text: the header is not UTF-8",
				       im->name, im->csv.record_line);
	if (!gaz_row_columns(im->o->format, &im->csv, &im->cols, why, sizeof why)) {
		const char *other = looks_like(&im->csv, im->o->format);
		if (other)
			return err_set(e, HATCH_ERR_INPUT,
				       "%s:%lu: not a %s gazetteer: %s (its header is that of the "
				       "%s format: try --format %s)",
				       im->name, im->csv.record_line, fname, why, other, other);
		return err_set(e, HATCH_ERR_INPUT,
			       "%s:%lu: not a %s gazetteer: %s (the first line must name the "
			       "columns; see docs/gazetteer.md)",
			       im->name, im->csv.record_line, fname, why);
	}
	for (;;) {
		cr = csv_next(&im->csv);
		if (cr == CSV_END)
			break;
		if (cr == CSV_IOERR)
			return err_set(e, HATCH_ERR_IO, "%s: cannot read it: %s", im->name,
				       strerror(errno));
		if (cr == CSV_RECORD && blank(&im->csv))
			continue;
		im->r->read++;
		if (im->o->on_progress && im->r->read % GAZ_PROGRESS_EVERY == 0)
			im->o->on_progress(im->o->user, im->r->read, im->csv.bytes);
		if (cr == CSV_BAD) {
			rejected(im, im->csv.record_line, im->csv.why);
			continue;
		}
		struct gaz_row *w = &im->row;
		if (!gaz_row_build(im->o->format, &im->cols, &im->csv, w, why, sizeof why)) {
			rejected(im, im->csv.record_line, why);
			continue;
		}
		sqlite3_stmt *st = im->insert;
		sqlite3_bind_int64(st, 1, w->uprn);
		sqlite3_bind_text(st, 2, w->lines, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, w->town, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, w->postcode, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, w->sort_key, -1, SQLITE_STATIC);
		if (w->has_coords) {
			sqlite3_bind_double(st, 6, w->lat);
			sqlite3_bind_double(st, 7, w->lon);
		} else {
			sqlite3_bind_null(st, 6);
			sqlite3_bind_null(st, 7);
		}
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_CONSTRAINT) {
			snprintf(why, sizeof why, "duplicate UPRN %lld", w->uprn);
			rejected(im, im->csv.record_line, why);
			continue;
		}
		if (rc != SQLITE_DONE)
			return db_fail(im->db, rc, im->path, "write the new gazetteer", e);
		im->r->imported++;
	}
	if (im->o->on_progress)
		im->o->on_progress(im->o->user, im->r->read, im->csv.bytes);
	if (im->r->read == 0)
		return err_set(e, HATCH_ERR_INPUT, "%s: the file has a header but no addresses",
			       im->name);
	if (im->r->imported == 0)
		return err_set(e, HATCH_ERR_INPUT,
			       "%s: no address could be imported: every one of the %lu rows was "
			       "rejected",
			       im->name, im->r->read);
	return HATCH_OK;
}

/* Writes the meta rows and the indexes, and commits. */
static enum hatch_err finish_build(struct import *im, struct hatch_error *e)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(im->db, "INSERT INTO meta(key, value) VALUES (?1, ?2)", -1,
				    &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(im->db, rc, im->path, "write the new gazetteer", e);
	struct {
		const char *key;
		const char *text;
		long long num;
	} meta[] = {
		{"format", format_names[im->o->format], 0},
		{"source", im->name, 0},
		{"imported", NULL, platform_now()},
		{"count", NULL, (long long)im->r->imported},
	};
	for (size_t i = 0; i < sizeof meta / sizeof *meta && rc == SQLITE_OK; i++) {
		sqlite3_bind_text(st, 1, meta[i].key, -1, SQLITE_STATIC);
		if (meta[i].text)
			sqlite3_bind_text(st, 2, meta[i].text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, 2, meta[i].num);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(im->db, indexes, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(im->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(im->db, rc, im->path, "build the new gazetteer's indexes", e);
	return HATCH_OK;
}

/* PATH's directory, for the temporary file and the fsync after the
 * rename (mem_free). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return mem_strdup(".");
	if (slash == path)
		return mem_strdup("/");
	return mem_strndup(path, (size_t)(slash - path));
}

/* Makes the new file durable and puts it in the old one's place. */
static enum hatch_err install(struct import *im, struct hatch_error *e)
{
	int fd = open(im->tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return err_set(e, HATCH_ERR_IO, "%s: cannot write the new gazetteer: %s", im->path,
			       strerror(err));
	}
	close(fd);
	if (rename(im->tmp, im->path) != 0)
		return err_set(e, HATCH_ERR_IO, "%s: cannot put the new gazetteer in place: %s",
			       im->path, strerror(errno));
	char *dir = dir_of(im->path);
	if (dir) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		mem_free(dir);
	}
	return HATCH_OK;
}

enum hatch_err gaz_import(const char *path, FILE *in, const char *name,
			  const struct gaz_import_options *o, struct gaz_import_report *r,
			  struct hatch_error *e)
{
	memset(r, 0, sizeof *r);
	struct import *im = mem_calloc(1, sizeof *im);
	if (!im)
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot import it: out of memory", name);
	im->path = path;
	im->name = name;
	im->o = o;
	im->r = r;
	csv_init(&im->csv, in);
	size_t len = strlen(path) + sizeof ".tmp-XXXXXX";
	im->tmp = mem_alloc(len);
	char *dir = dir_of(path);
	if (!im->tmp || !dir) {
		mem_free(dir);
		mem_free(im->tmp);
		mem_free(im);
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot import it: out of memory", name);
	}
	/* Mode 0700, as the device database's: the addresses are the
	 * council's. */
	enum hatch_err err = store_make_dirs(path, dir, e);
	mem_free(dir);
	if (err != HATCH_OK) {
		mem_free(im->tmp);
		mem_free(im);
		return err;
	}
	snprintf(im->tmp, len, "%s.tmp-XXXXXX", path);
	/* mkstemp makes the file 0600: the addresses are the council's. */
	int fd = mkstemp(im->tmp);
	if (fd < 0) {
		err = err_set(e, HATCH_ERR_IO, "%s: cannot create the new gazetteer beside it: %s",
			      path, strerror(errno));
		mem_free(im->tmp);
		mem_free(im);
		return err;
	}
	close(fd);
	int rc = sqlite3_open_v2(im->tmp, &im->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(im->db, BUSY_TIMEOUT_MS);
		/* Nothing needs to survive a crash until the rename: a crash
		 * leaves a temporary file and the old gazetteer. */
		rc = sqlite3_exec(im->db,
				  "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
				  "PRAGMA locking_mode = EXCLUSIVE;"
				  "PRAGMA cache_size = -" STRING(BUILD_CACHE_KIB) ";",
				  NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(im->db, schema, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(im->db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(im->db,
					"INSERT INTO addr(uprn, lines, town, postcode, sort_key, lat, lon)"
					" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
					-1, &im->insert, NULL);
	if (rc != SQLITE_OK)
		err = db_fail(im->db, rc, path, "create the new gazetteer", e);
	if (err == HATCH_OK)
		err = load(im, e);
	sqlite3_finalize(im->insert);
	if (err == HATCH_OK)
		err = finish_build(im, e);
	rc = sqlite3_close(im->db);
	if (err == HATCH_OK && rc != SQLITE_OK)
		err = db_fail(NULL, rc, path, "write the new gazetteer", e);
	if (err == HATCH_OK)
		err = install(im, e);
	if (err != HATCH_OK)
		(void)unlink(im->tmp);
	mem_free(im->tmp);
	mem_free(im);
	return err;
}

/* ---- searching ---- */

struct gaz {
	sqlite3 *db;
	sqlite3_stmt *by_postcode, *by_text;
	sqlite3_stmt *terms;  /* NULL in a gazetteer of version 1 */
	struct gaz_info info;
};

static const char columns[] = "a.uprn, a.lines, a.town, a.postcode, a.lat, a.lon";

enum hatch_err gaz_open(const char *path, struct gaz **out, struct hatch_error *e)
{
	struct stat st;
	*out = NULL;
	if (stat(path, &st) != 0)
		return err_set(e, errno == ENOENT ? HATCH_ERR_NOTFOUND : HATCH_ERR_IO,
			       "%s: no gazetteer: %s", path, strerror(errno));
	struct gaz *g = mem_calloc(1, sizeof *g);
	if (!g)
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot open it: out of memory", path);
	int rc = sqlite3_open_v2(path, &g->db, SQLITE_OPEN_READONLY, NULL);
	long long app = 0, ver = 0;
	sqlite3_stmt *q = NULL;
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(g->db, BUSY_TIMEOUT_MS);
		rc = sqlite3_prepare_v2(g->db, "PRAGMA application_id", -1, &q, NULL);
	}
	if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		app = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(g->db, "PRAGMA user_version", -1, &q, NULL);
	if (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		ver = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	enum hatch_err err = HATCH_OK;
	if (rc != SQLITE_OK) {
		err = db_fail(g->db, rc, path, "open the gazetteer", e);
	} else if (app != GAZ_APPLICATION_ID || ver < 1 || ver > GAZ_SCHEMA_VERSION) {
		err = err_set(e, HATCH_ERR_IO, "%s: not a gazetteer of this version of Hatch "
			      "(import one with hatch gazetteer import)", path);
	}
	char sql[512];
	if (err == HATCH_OK) {
		snprintf(sql, sizeof sql,
			 "SELECT %s FROM addr a WHERE a.postcode >= ?1 AND a.postcode < ?2"
			 " ORDER BY a.postcode, a.sort_key LIMIT ?3", columns);
		rc = sqlite3_prepare_v3(g->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &g->by_postcode,
					NULL);
	}
	if (err == HATCH_OK && rc == SQLITE_OK) {
		/* Every match of an AND query holds every word, so bm25's
		 * weights for the words (from how many addresses hold each) are
		 * the same for all of them, and with each word once in an
		 * address (nearly always) bm25 orders by the address's length
		 * alone: that order is used, without the weights, whose
		 * counting reads each word's whole list ("road": most of a
		 * county; 30 ms for a town's name in a million addresses).
		 * Only the first TEXT_RANKED matches (in UPRN order) are
		 * ordered: a person types another word long before reading
		 * that far. */
		snprintf(sql, sizeof sql,
			 "WITH m AS (SELECT rowid AS id FROM addr_fts"
			 " WHERE addr_fts MATCH ?1 LIMIT %d)"
			 " SELECT %s FROM m JOIN addr a ON a.uprn = m.id"
			 " ORDER BY length(a.lines) + length(a.town), a.postcode, a.sort_key"
			 " LIMIT ?2",
			 TEXT_RANKED, columns);
		rc = sqlite3_prepare_v3(g->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &g->by_text,
					NULL);
	}
	if (err == HATCH_OK && rc == SQLITE_OK && ver >= 2)
		rc = sqlite3_prepare_v3(g->db,
					"SELECT term FROM addr_terms WHERE term >= ?1 AND term < ?2"
					" ORDER BY term LIMIT ?3",
					-1, SQLITE_PREPARE_PERSISTENT, &g->terms, NULL);
	if (err == HATCH_OK && rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(g->db, "SELECT key, value FROM meta", -1, &q, NULL);
	if (rc != SQLITE_OK)
		q = NULL;
	while (err == HATCH_OK && q && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(q, 0);
		const char *v = (const char *)sqlite3_column_text(q, 1);
		if (!k || !v)
			continue;
		if (!strcmp(k, "count"))
			g->info.count = (unsigned long)sqlite3_column_int64(q, 1);
		else if (!strcmp(k, "imported"))
			g->info.imported = sqlite3_column_int64(q, 1);
		else if (!strcmp(k, "format"))
			snprintf(g->info.format, sizeof g->info.format, "%s", v);
		else if (!strcmp(k, "source"))
			snprintf(g->info.source, sizeof g->info.source, "%s", v);
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(q);
	if (err == HATCH_OK && rc != SQLITE_OK)
		err = db_fail(g->db, rc, path, "open the gazetteer", e);
	if (err != HATCH_OK) {
		gaz_close(g);
		return err;
	}
	*out = g;
	return HATCH_OK;
}

void gaz_close(struct gaz *g)
{
	if (!g)
		return;
	sqlite3_finalize(g->by_postcode);
	sqlite3_finalize(g->by_text);
	sqlite3_finalize(g->terms);
	sqlite3_close(g->db);
	mem_free(g);
}

unsigned long gaz_count(const struct gaz *g)
{
	return g->info.count;
}

void gaz_info_get(const struct gaz *g, struct gaz_info *out)
{
	*out = g->info;
}

static void text_col(sqlite3_stmt *st, int i, char *out, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(out, size, "%s", t ? (const char *)t : "");
}

/* Steps ST, bound, into OUT from *N up to MAX. */
static int collect(sqlite3_stmt *st, struct gaz_address *out, size_t max, size_t *n)
{
	int rc = SQLITE_DONE;
	while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct gaz_address *a = &out[*n];
		snprintf(a->uprn, sizeof a->uprn, "%lld", (long long)sqlite3_column_int64(st, 0));
		text_col(st, 1, a->lines, sizeof a->lines);
		text_col(st, 2, a->town, sizeof a->town);
		text_col(st, 3, a->postcode, sizeof a->postcode);
		a->lat = sqlite3_column_double(st, 4);
		a->lon = sqlite3_column_double(st, 5);
		++*n;
	}
	if (*n == max)
		rc = SQLITE_DONE;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

enum hatch_err gaz_by_postcode(struct gaz *g, const char *query, struct gaz_address *out,
			       size_t max, size_t *n, struct hatch_error *e)
{
	char p[POSTCODE_PREFIXES][POSTCODE_SIZE], hi[POSTCODE_SIZE + 1];
	*n = 0;
	size_t np = postcode_prefixes(query, p);
	if (np == 0)
		return err_set(e, HATCH_ERR_INPUT, "that cannot be the start of a postcode");
	/* The prefixes come in byte order and none begins another's
	 * matches, so one query after another keeps postcode order. */
	for (size_t i = 0; i < np && *n < max; i++) {
		/* Every postcode character sorts below 0x7f. */
		size_t pl = strnlen(p[i], POSTCODE_SIZE - 1);
		memcpy(hi, p[i], pl);
		hi[pl] = 0x7f;
		hi[pl + 1] = '\0';
		sqlite3_stmt *st = g->by_postcode;
		sqlite3_bind_text(st, 1, p[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (long long)(max - *n));
		int rc = collect(st, out, max, n);
		if (rc != SQLITE_OK)
			return db_fail(g->db, rc, "the gazetteer", "search it", e);
	}
	return HATCH_OK;
}

/* One word of a text query, in the query's own text. */
struct word {
	const char *p;
	size_t len;
};

static bool word_byte(char c)
{
	return (unsigned char)c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* QUERY's words into W (at most QUERY_WORDS, each at most QUERY_WORD_MAX
 * bytes): runs of letters and digits, or of any non-ASCII characters,
 * which FTS5's tokenizer judges. *TYPING when nothing follows the last
 * word, which is then matched as a prefix. Nothing of QUERY's punctuation
 * reaches FTS5, so no operator, column filter or quote of a person's can
 * change the query's meaning. */
static size_t query_words(const char *query, struct word *w, bool *typing)
{
	size_t words = 0;
	const char *p = query;
	*typing = false;
	while (*p && words < QUERY_WORDS) {
		while (*p && !word_byte(*p))
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && word_byte(*p))
			p++;
		size_t wl = (size_t)(p - start);
		if (wl > QUERY_WORD_MAX) {
			wl = QUERY_WORD_MAX;
			/* Not in the middle of a character. */
			while (wl && ((unsigned char)start[wl] & 0xc0) == 0x80)
				wl--;
		}
		w[words].p = start;
		w[words].len = wl;
		words++;
		*typing = !*p;
	}
	return words;
}

/* An FTS5 expression being written; OK turns false when it is full. */
struct expr {
	char s[EXPR_MAX];
	size_t n;
	bool ok;
};

static void expr_add(struct expr *x, const char *s, size_t len)
{
	if (!x->ok || len >= sizeof x->s - x->n) {
		x->ok = false;
		return;
	}
	memcpy(x->s + x->n, s, len);
	x->n += len;
	x->s[x->n] = '\0';
}

/* S as an FTS5 string: in double quotes, a quote doubled (a word never
 * holds one; a term read back from the index might, for all FTS5 says). */
static void expr_string(struct expr *x, const char *s, size_t len)
{
	expr_add(x, "\"", 1);
	for (size_t i = 0; i < len; i++)
		if (s[i] == '"')
			expr_add(x, "\"\"", 2);
		else
			expr_add(x, s + i, 1);
	expr_add(x, "\"", 1);
}

/* Appends to X the last word W, which is still being typed, as the
 * FTS5 expression for the terms it begins. When they are a few, as whole
 * terms: ("exampleton" OR "exampletown"), which FTS5 steps through with
 * each term's doclist index, skipping to the rows the other words allow,
 * where a prefix query ("exampleton"*) first reads and merges every
 * matching term's whole list (15 ms for a town's name in a million
 * addresses, however rare the other words). As a prefix query when the
 * word has at most PREFIX_INDEXED bytes (FTS5's prefix indexes hold those
 * as one list, skipped through like a term's), when it is not ASCII (its
 * terms are found by FTS5's tokenizer, which folds case and accents beyond
 * ASCII), when it begins more than PREFIX_TERMS terms, or when the
 * gazetteer has no list of its terms (one imported before there was one).
 * *NONE when no term begins it, so that nothing can match. */
static int last_word(struct gaz *g, const struct word *w, struct expr *x, bool *none)
{
	*none = false;
	bool ascii = true;
	for (size_t i = 0; i < w->len; i++)
		ascii = ascii && (unsigned char)w->p[i] < 0x80;
	if (!g->terms || w->len <= PREFIX_INDEXED || !ascii) {
		expr_string(x, w->p, w->len);
		expr_add(x, "*", 1);
		return SQLITE_OK;
	}
	/* The terms from LO up to, not including, HI: LO with its last
	 * letter or digit one higher. unicode61 folds ASCII to lower case. */
	char lo[QUERY_WORD_MAX + 1], hi[QUERY_WORD_MAX + 1];
	for (size_t i = 0; i < w->len; i++)
		lo[i] = w->p[i] >= 'A' && w->p[i] <= 'Z' ? (char)(w->p[i] - 'A' + 'a') : w->p[i];
	lo[w->len] = '\0';
	memcpy(hi, lo, w->len + 1);
	hi[w->len - 1]++;
	sqlite3_stmt *st = g->terms;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, PREFIX_TERMS + 1);
	struct expr t = {.ok = true};
	int rc, nt = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *term = (const char *)sqlite3_column_text(st, 0);
		int len = sqlite3_column_bytes(st, 0);
		if (!term) {
			rc = SQLITE_NOMEM;
			break;
		}
		expr_add(&t, nt ? " OR " : "(", nt ? 4 : 1);
		expr_string(&t, term, (size_t)len);
		nt++;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return rc;
	if (nt == 0) {
		*none = true;
		return SQLITE_OK;
	}
	expr_add(&t, ")", 1);
	if (nt > PREFIX_TERMS || !t.ok || t.n >= sizeof x->s - x->n) {
		expr_string(x, w->p, w->len);
		expr_add(x, "*", 1);
	} else {
		expr_add(x, t.s, t.n);
	}
	return SQLITE_OK;
}

enum hatch_err gaz_by_text(struct gaz *g, const char *query, struct gaz_address *out,
			   size_t max, size_t *n, struct hatch_error *e)
{
	*n = 0;
	if (!utf8_valid(query, strlen(query)))
		return err_set(e, HATCH_ERR_INPUT, "the words are not UTF-8 text");
	struct word w[QUERY_WORDS];
	bool typing;
	size_t nw = query_words(query, w, &typing);
	if (nw == 0 || max == 0)
		return HATCH_OK;
	/* Every word must match: an explicit AND, which FTS5 also needs
	 * before a bracket. */
	struct expr x = {.ok = true};
	size_t whole = typing ? nw - 1 : nw;
	for (size_t i = 0; i < whole; i++) {
		if (i)
			expr_add(&x, " AND ", 5);
		expr_string(&x, w[i].p, w[i].len);
	}
	int rc = SQLITE_OK;
	if (typing) {
		bool none;
		if (whole)
			expr_add(&x, " AND ", 5);
		rc = last_word(g, &w[nw - 1], &x, &none);
		if (rc == SQLITE_OK && none)
			return HATCH_OK;
	}
	/* The words always fit (EXPR_MAX); a list of terms only when it does. */
	assert(x.ok);
	if (rc == SQLITE_OK) {
		sqlite3_stmt *st = g->by_text;
		sqlite3_bind_text(st, 1, x.s, (int)x.n, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (long long)max);
		rc = collect(st, out, max, n);
	}
	if (rc != SQLITE_OK)
		return db_fail(g->db, rc, "the gazetteer", "search it", e);
	return HATCH_OK;
}
