/* Unit tests for the gazetteer: base/postcode's full and partial
 * postcodes, the CSV reader's quoting, the import of each format (lines as
 * a person writes them, National Grid coordinates), every rejection reason
 * with its line, the refusals (empty, not CSV, another format, every row
 * rejected) that leave the old gazetteer in place, and searching by
 * postcode and by words with odd input. Every address is fictional. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <unistd.h>

#include "support.h"

#include "base/mem.h"
#include "base/postcode.h"
#include "store/csv.h"
#include "store/gazetteer.h"
#include "store/gazetteer_int.h"

static char gpath[512];

static int setup(void **state)
{
	int rc = support_dir_setup(state);
	snprintf(gpath, sizeof gpath, "%s/hatch.db-gazetteer.db", support_dir);
	return rc;
}

struct rejects {
	struct gaz_rejection v[64];
	size_t n;
};

static void collect_reject(void *user, const struct gaz_rejection *r)
{
	struct rejects *rj = user;
	if (rj->n < 64)
		rj->v[rj->n++] = *r;
}

static struct gaz_import_report report;
static struct rejects rejects;
static struct hatch_error err;

/* Imports the LEN bytes of TEXT as FORMAT into the test's gazetteer. */
static enum hatch_err import_len(enum gaz_format format, const char *text, size_t len)
{
	FILE *in = fmemopen((void *)text, len, "r");
	assert_non_null(in);
	memset(&rejects, 0, sizeof rejects);
	struct gaz_import_options o = {.format = format, .on_reject = collect_reject,
				       .user = &rejects};
	err.msg[0] = '\0';
	enum hatch_err rc = gaz_import(gpath, in, "test.csv", &o, &report, &err);
	fclose(in);
	return rc;
}

static enum hatch_err import(enum gaz_format format, const char *text)
{
	return import_len(format, text, strlen(text));
}

static struct gaz_address found[64];

/* Searches the test's gazetteer; returns how many were found. */
static size_t by_postcode(const char *q)
{
	struct gaz *g;
	size_t n = 0;
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_OK);
	enum hatch_err rc = gaz_by_postcode(g, q, found, 64, &n, &err);
	gaz_close(g);
	assert_int_equal(rc, HATCH_OK);
	return n;
}

static size_t by_text(const char *q)
{
	struct gaz *g;
	size_t n = 0;
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_OK);
	enum hatch_err rc = gaz_by_text(g, q, found, 64, &n, &err);
	gaz_close(g);
	assert_int_equal(rc, HATCH_OK);
	return n;
}

/* ---- postcodes ---- */

static void postcode_full(void **state)
{
	(void)state;
	char out[POSTCODE_SIZE];
	assert_true(postcode_normalise(" ab1  2dx ", out, sizeof out));
	assert_string_equal(out, "AB1 2DX");
	assert_true(postcode_normalise("sw1a1aa", out, sizeof out));
	assert_string_equal(out, "SW1A 1AA");
	assert_true(postcode_normalise("GIR 0AA", out, sizeof out));
	assert_false(postcode_normalise("GIR 1AA", out, sizeof out));
	assert_false(postcode_normalise("AB1 2CD", out, sizeof out)); /* C not inward */
	assert_false(postcode_normalise("AB1", out, sizeof out));
	assert_false(postcode_normalise("AB1 2DX", out, 7));          /* no room */
}

static void postcode_partial(void **state)
{
	(void)state;
	char p[POSTCODE_PREFIXES][POSTCODE_SIZE];
	assert_int_equal(postcode_prefixes("ab1 2", p), 1);
	assert_string_equal(p[0], "AB1 2");
	assert_int_equal(postcode_prefixes("AB12", p), 2);
	assert_string_equal(p[0], "AB1 2");
	assert_string_equal(p[1], "AB12");
	assert_int_equal(postcode_prefixes("ab1", p), 1);
	assert_string_equal(p[0], "AB1");
	assert_int_equal(postcode_prefixes("AB1 ", p), 1);
	assert_string_equal(p[0], "AB1 ");
	assert_int_equal(postcode_prefixes("a12", p), 2);
	assert_string_equal(p[0], "A1 2");
	assert_string_equal(p[1], "A12");
	assert_int_equal(postcode_prefixes("ab123d", p), 1);
	assert_string_equal(p[0], "AB12 3D");
	assert_int_equal(postcode_prefixes("ab12dx", p), 1);
	assert_string_equal(p[0], "AB1 2DX");
	assert_int_equal(postcode_prefixes("a", p), 1);
	static const char *const none[] = {"", "  ", "zz", "1", "AB1 2C", "AB 1", "AB1 2 D",
					   "ab1-2", "AB12345", "\xc3\x84\x42\x31"};
	for (size_t i = 0; i < sizeof none / sizeof *none; i++)
		if (postcode_prefixes(none[i], p) != 0)
			fail_msg("\"%s\" gave the prefix %s", none[i], p[0]);
}

/* ---- the CSV reader ---- */

static void csv_quoting(void **state)
{
	(void)state;
	static const char text[] = "a,\"b,c\",\"d \"\"e\"\"\"\r\n"
				   "\"multi\nline\",,\"\"\r\n"
				   "last,no newline";
	FILE *in = fmemopen((void *)text, sizeof text - 1, "r");
	struct csv *c = mem_alloc(sizeof *c);
	csv_init(c, in);
	assert_int_equal(csv_next(c), CSV_RECORD);
	assert_int_equal(c->nfields, 3);
	assert_string_equal(c->field[1], "b,c");
	assert_string_equal(c->field[2], "d \"e\"");
	assert_int_equal(csv_next(c), CSV_RECORD);
	assert_int_equal(c->record_line, 2);
	assert_int_equal(c->nfields, 3);
	assert_string_equal(c->field[0], "multi\nline");
	assert_string_equal(c->field[1], "");
	assert_string_equal(c->field[2], "");
	assert_int_equal(csv_next(c), CSV_RECORD);
	assert_int_equal(c->record_line, 4);
	assert_string_equal(c->field[1], "no newline");
	assert_int_equal(csv_next(c), CSV_END);
	fclose(in);
	static const char bad[] = "\"a\"b,c\nx\"y\n\"open";
	in = fmemopen((void *)bad, sizeof bad - 1, "r");
	csv_init(c, in);
	assert_int_equal(csv_next(c), CSV_BAD);
	assert_string_equal(c->why, "text after a closing quote");
	assert_int_equal(csv_next(c), CSV_BAD);
	assert_int_equal(c->record_line, 2);
	assert_int_equal(csv_next(c), CSV_BAD);
	assert_non_null(strstr(c->why, "not closed"));
	assert_int_equal(csv_next(c), CSV_END);
	fclose(in);
	mem_free(c);
}

/* ---- importing ---- */

#define SIMPLE_HEAD "uprn,address,town,postcode,lat,long\n"

static const char simple[] =
	"\xEF\xBB\xBF" "UPRN,Address,Town,Postcode,Lat,Long\r\n"
	"100,\"Flat 2, 14 Mill Lane\",Exampletown,ab1 2dx,51.5,-1.25\r\n"
	"101,14 Mill Lane,Exampletown,AB12DX,,\r\n"
	"\r\n"
	"102,9 Mill Lane,Exampletown,AB1 2DX,,\r\n"
	"103,\"Flat 10, 14 Mill Lane\",Exampletown,AB1 2DX,,\r\n"
	"104,\"The \"\"Old\"\" Mill,\nMill Lane\",Exampletown,AB12 3DX,,\r\n"
	"105,2 Acre Road,Exampletown,AB1 2DY,51.49,-1.2\r\n"
	"106,1 Zebra Street,Sampleford,AB1 3EF,,\r\n";

static void import_simple(void **state)
{
	(void)state;
	assert_int_equal(import(GAZ_SIMPLE, simple), HATCH_OK);
	assert_int_equal(report.read, 7);
	assert_int_equal(report.imported, 7);
	assert_int_equal(report.rejected, 0);
	struct stat st;
	assert_int_equal(stat(gpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct gaz *g;
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_OK);
	assert_int_equal(gaz_count(g), 7);
	struct gaz_info info;
	gaz_info_get(g, &info);
	assert_string_equal(info.format, "simple");
	assert_string_equal(info.source, "test.csv");
	gaz_close(g);
	/* One postcode: by street, house number as a number, then flat. */
	assert_int_equal(by_postcode("ab1 2dx"), 4);
	assert_string_equal(found[0].lines, "9 Mill Lane");
	assert_string_equal(found[1].lines, "14 Mill Lane");
	assert_string_equal(found[2].lines, "Flat 2, 14 Mill Lane");
	assert_string_equal(found[3].lines, "Flat 10, 14 Mill Lane");
	assert_string_equal(found[2].uprn, "100");
	assert_string_equal(found[2].town, "Exampletown");
	assert_string_equal(found[2].postcode, "AB1 2DX");
	assert_true(fabs(found[2].lat - 51.5) < 1e-9 && fabs(found[2].lon + 1.25) < 1e-9);
	assert_true(found[0].lat == 0 && found[0].lon == 0);
	/* A line break inside quotes is a space in the address. */
	assert_int_equal(by_postcode("AB12 3DX"), 1);
	assert_string_equal(found[0].lines, "The \"Old\" Mill, Mill Lane");
	/* Partial postcodes: "AB12" is AB1 2.. and AB12 ..., in postcode order. */
	assert_int_equal(by_postcode("ab12"), 6);
	assert_string_equal(found[0].postcode, "AB1 2DX");
	assert_string_equal(found[4].postcode, "AB1 2DY");
	assert_string_equal(found[5].postcode, "AB12 3DX");
	assert_int_equal(by_postcode("AB1 2"), 5);
	assert_int_equal(by_postcode("AB1 "), 6);
	assert_int_equal(by_postcode("ab1"), 7);
	assert_int_equal(by_postcode("AB1 9"), 0);
	struct gaz_address one[2];
	size_t n;
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_OK);
	assert_int_equal(gaz_by_postcode(g, "ab1", one, 2, &n, &err), HATCH_OK);
	assert_int_equal(n, 2);
	assert_int_equal(gaz_by_postcode(g, "not one", one, 2, &n, &err), HATCH_ERR_INPUT);
	assert_int_equal(gaz_by_postcode(g, "", one, 2, &n, &err), HATCH_ERR_INPUT);
	gaz_close(g);
}

static void search_text(void **state)
{
	(void)state;
	assert_int_equal(import(GAZ_SIMPLE, simple), HATCH_OK);
	assert_int_equal(by_text("mill"), 5);
	assert_int_equal(by_text("14 mill"), 3);
	assert_int_equal(by_text("14 mi"), 3);           /* the last word a prefix */
	assert_int_equal(by_text("14 mi "), 0);          /* unless a space follows */
	assert_int_equal(by_text("zebra sampleford"), 1);
	assert_string_equal(found[0].uprn, "106");
	assert_int_equal(by_text("ab1 2dx"), 4);         /* the postcode too */
	assert_int_equal(by_text("acre"), 1);
	/* Best first: the address with both words in it. */
	assert_int_equal(by_text("old mill"), 1);
	/* A person's quotes, operators and column filters are only words. */
	static const char *const odd[] = {"\"", "\"\"\"", "mill\"", "mill OR zebra",
					  "NEAR(mill zebra)", "lines:mill", "-mill", "mill*",
					  "*", "^mill", "mill AND", "(((", "'", "''mill''", "+", "a:b:c",
					  "\\", "%", "mill NOT lane", "\xc3\xa9\xc3\xa9"};
	struct gaz *g;
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_OK);
	for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
		size_t n = 99;
		if (gaz_by_text(g, odd[i], found, 64, &n, &err) != HATCH_OK)
			fail_msg("\"%s\": %s", odd[i], err.msg);
		assert_true(n <= 7);
	}
	size_t n = 99;
	assert_int_equal(gaz_by_text(g, "mill OR zebra", found, 64, &n, &err), HATCH_OK);
	assert_int_equal(n, 0);                          /* "or" is a word here */
	assert_int_equal(gaz_by_text(g, "lines:mill", found, 64, &n, &err), HATCH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(gaz_by_text(g, "  ,;  ", found, 64, &n, &err), HATCH_OK);
	assert_int_equal(n, 0);
	assert_int_equal(gaz_by_text(g, "mill\xff", found, 64, &n, &err), HATCH_ERR_INPUT);
	assert_int_equal(gaz_by_text(g, "mill", found, 2, &n, &err), HATCH_OK);
	assert_int_equal(n, 2);
	gaz_close(g);
}

/* Whether the last search found the address with UPRN. */
static bool found_uprn(size_t n, const char *uprn)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(found[i].uprn, uprn))
			return true;
	return false;
}

static const char words[] =
	SIMPLE_HEAD
	"1,1 Lane End,Exampletown,AB1 1AA,,\n"
	"2,2 Lanes Close,Exampletown,AB1 1AB,,\n"
	"3,3 Laneway,Exampletown,AB1 1AD,,\n"
	"4,4 Mill Lane,Lanford,AB1 1AE,,\n"
	"5,5 Landing Row,Exampletown,AB1 1AF,,\n"
	"6,6 L Street,Exampletown,AB1 1AG,,\n"
	"7,7 Caf\xc3\xa9 Row,Exampletown,AB1 1AH,,\n"
	"8,\"Flat 1, 8 Lane End\",Exampletown,AB1 1AJ,,\n";

/* The last word as one types it: a prefix of one letter, two, three (FTS5's
 * prefix indexes) or more (the terms it begins), in any case; a whole word
 * when a space follows; nothing when no word begins with it. */
static void search_typing(void **state)
{
	(void)state;
	assert_int_equal(import(GAZ_SIMPLE, words), HATCH_OK);
	/* Four letters or more: every term it begins, in any column. */
	assert_int_equal(by_text("lane"), 5);
	assert_true(found_uprn(5, "1") && found_uprn(5, "2") && found_uprn(5, "3") &&
		    found_uprn(5, "4") && found_uprn(5, "8"));
	assert_int_equal(by_text("LANE"), 5);
	assert_int_equal(by_text("lanes"), 1);
	assert_string_equal(found[0].uprn, "2");
	assert_int_equal(by_text("lanf"), 1);            /* the town */
	assert_string_equal(found[0].uprn, "4");
	/* A space after it: the whole word only. */
	assert_int_equal(by_text("lane "), 3);
	assert_true(found_uprn(3, "1") && found_uprn(3, "4") && found_uprn(3, "8"));
	assert_int_equal(by_text("lanes "), 1);
	assert_int_equal(by_text("lan "), 0);
	/* One, two and three letters. */
	assert_int_equal(by_text("l"), 7);               /* all but the café */
	assert_false(found_uprn(7, "7"));
	assert_int_equal(by_text("l "), 1);              /* "L Street" */
	assert_string_equal(found[0].uprn, "6");
	assert_int_equal(by_text("La"), 6);
	assert_int_equal(by_text("lan"), 6);
	assert_int_equal(by_text("6 l"), 1);
	assert_int_equal(by_text("end 8 L"), 1);         /* words in any order */
	assert_string_equal(found[0].uprn, "8");
	/* Earlier words are whole words, wherever the last one is typed. */
	assert_int_equal(by_text("lan end"), 0);
	assert_int_equal(by_text("lane end"), 2);
	/* Shortest first, then in address order. */
	assert_string_equal(found[0].uprn, "1");
	assert_string_equal(found[1].uprn, "8");
	/* No word begins with it: nothing, however long. */
	assert_int_equal(by_text("lanx"), 0);
	assert_int_equal(by_text("mill lanzzzzz"), 0);
	assert_int_equal(by_text("zzzz"), 0);
	/* The postcode's parts are words too. */
	assert_int_equal(by_text("ab1 1a"), 8);
	assert_int_equal(by_text("ab1 1ah"), 1);
	/* Accents: FTS5 folds them, typed or not. */
	assert_int_equal(by_text("cafe"), 1);
	assert_int_equal(by_text("caf\xc3\xa9"), 1);
	assert_int_equal(by_text("CAF\xc3\x89 "), 1);
	assert_int_equal(by_text("7 caf"), 1);
	assert_string_equal(found[0].uprn, "7");
	/* Digits are whole words too: "1" is house 1 and flat 1, not the
	 * 1 of "AB1 1AA". */
	assert_int_equal(by_text("1 lane "), 2);
	assert_true(found_uprn(2, "1") && found_uprn(2, "8"));
	assert_int_equal(by_text("1 lanes"), 0);
}

/* A last word that begins more terms than are read one by one still finds
 * every address it begins a word of. */
static void search_many_terms(void **state)
{
	(void)state;
	char *csv = mem_alloc(16384);
	assert_non_null(csv);
	size_t n = (size_t)snprintf(csv, 16384, "%s", SIMPLE_HEAD);
	/* 60 streets, "Quernaa Road" to "Quernch Road". */
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(csv + n, 16384 - n, "%d,%d Quern%c%c Road,Town,AB1 1AA,,\n",
				      100 + i, i + 1, 'a' + i / 26, 'a' + i % 26);
	assert_true(n < 16384);
	assert_int_equal(import(GAZ_SIMPLE, csv), HATCH_OK);
	mem_free(csv);
	struct gaz *g;
	static struct gaz_address many[100];
	size_t got = 0;
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_OK);
	assert_int_equal(gaz_by_text(g, "quern", many, 100, &got, &err), HATCH_OK);
	assert_int_equal(got, 60);
	assert_int_equal(gaz_by_text(g, "quernb", many, 100, &got, &err), HATCH_OK);
	assert_int_equal(got, 26);
	assert_int_equal(gaz_by_text(g, "road quern", many, 100, &got, &err), HATCH_OK);
	assert_int_equal(got, 60);
	assert_int_equal(gaz_by_text(g, "3 quern", many, 100, &got, &err), HATCH_OK);
	assert_int_equal(got, 1);
	assert_string_equal(many[0].lines, "3 Quernac Road");
	assert_int_equal(gaz_by_text(g, "quernca", many, 100, &got, &err), HATCH_OK);
	assert_int_equal(got, 1);
	assert_string_equal(many[0].uprn, "152");
	gaz_close(g);
	/* Few terms, but too long to list in one query: 20 of 150 letters. */
	csv = mem_alloc(16384);
	assert_non_null(csv);
	n = (size_t)snprintf(csv, 16384, "%s", SIMPLE_HEAD);
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(csv + n, 16384 - n, "%d,%d Quern%c%0145d Road,Town,AB1 1AA,,\n",
				      100 + i, i + 1, 'a' + i, 0);
	assert_true(n < 16384);
	assert_int_equal(import(GAZ_SIMPLE, csv), HATCH_OK);
	mem_free(csv);
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_OK);
	assert_int_equal(gaz_by_text(g, "quern", many, 100, &got, &err), HATCH_OK);
	assert_int_equal(got, 20);
	assert_int_equal(gaz_by_text(g, "Querna0000", many, 100, &got, &err), HATCH_OK);
	assert_int_equal(got, 1);
	assert_string_equal(many[0].uprn, "100");
	gaz_close(g);
}

/* A gazetteer imported before it kept a list of its terms (version 1) is
 * still searched, the last word as FTS5's prefix query, with the same
 * results. */
static void search_version_1(void **state)
{
	(void)state;
	assert_int_equal(import(GAZ_SIMPLE, words), HATCH_OK);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(gpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE addr_terms; PRAGMA user_version = 1;", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(by_text("lane"), 5);
	assert_int_equal(by_text("lane "), 3);
	assert_int_equal(by_text("lanx"), 0);
	assert_int_equal(by_text("l"), 7);
	assert_int_equal(by_text("cafe"), 1);
	/* A version from the future is refused. */
	assert_int_equal(sqlite3_open(gpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99;", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	struct gaz *g;
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_ERR_IO);
	assert_non_null(strstr(err.msg, "not a gazetteer of this version"));
}

/* The import makes the gazetteer's directory, and its parents, when they
 * are missing: private, as the store makes the device database's. */
static void import_makes_dir(void **state)
{
	(void)state;
	char top[280], dir[300];
	snprintf(top, sizeof top, "%s/new", support_dir);
	snprintf(dir, sizeof dir, "%s/hatch", top);
	snprintf(gpath, sizeof gpath, "%s/hatch.db-gazetteer.db", dir);
	assert_int_equal(import(GAZ_SIMPLE, simple), HATCH_OK);
	struct stat st;
	assert_int_equal(stat(top, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(by_postcode("AB1 2DX"), 4);
	/* Again, into the directory it made. */
	assert_int_equal(import(GAZ_SIMPLE, words), HATCH_OK);
	assert_int_equal(by_text("lane"), 5);
	/* A directory that exists keeps its mode. */
	assert_int_equal(chmod(dir, 0750), 0);
	assert_int_equal(import(GAZ_SIMPLE, simple), HATCH_OK);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
}

static void expect_reject(size_t i, unsigned long line, const char *reason)
{
	if (i >= rejects.n)
		fail_msg("no rejection %zu (wanted line %lu: %s)", i, line, reason);
	if (rejects.v[i].line != line || !strstr(rejects.v[i].reason, reason))
		fail_msg("rejection %zu: line %lu: %s; wanted line %lu: %s", i, rejects.v[i].line,
			 rejects.v[i].reason, line, reason);
}

static void rejections(void **state)
{
	(void)state;
	char long_address[400];
	memset(long_address, 'x', 300);
	long_address[300] = '\0';
	char text[4096];
	snprintf(text, sizeof text,
		 SIMPLE_HEAD
		 "1,1 Good Road,Exampletown,AB1 2DX,,\n"              /* 2 */
		 "12x,2 Good Road,Exampletown,AB1 2DX,,\n"            /* 3 */
		 ",3 Good Road,Exampletown,AB1 2DX,,\n"               /* 4 */
		 "1234567890123,4 Good Road,Exampletown,AB1 2DX,,\n"  /* 5 */
		 "5,5 Good Road,Exampletown,ZZ1 1ZZ,,\n"              /* 6 */
		 "6,6 Good Road,Exampletown,,,\n"                     /* 7 */
		 "7,,Exampletown,AB1 2DX,,\n"                         /* 8 */
		 "8,8 Good Road,,AB1 2DX,,\n"                         /* 9 */
		 "9,9 Good R\xc3\x28oad,Exampletown,AB1 2DX,,\n"      /* 10 */
		 "10,10 Good Road,Exampletown,AB1 2DX,91,0\n"         /* 11 */
		 "11,11 Good Road,Exampletown,AB1 2DX,51,181\n"       /* 12 */
		 "12,12 Good Road,Exampletown,AB1 2DX,51,\n"          /* 13 */
		 "1,13 Good Road,Exampletown,AB1 2DX,,\n"             /* 14 */
		 "14,14 Good Road,Exampletown,AB1 2DX\n"              /* 15 */
		 "15,\"15 Good\" Road,Exampletown,AB1 2DX,,\n"        /* 16 */
		 "16,16 \"Good\" Road,Exampletown,AB1 2DX,,\n"        /* 17 */
		 "17,%s,Exampletown,AB1 2DX,,\n"                      /* 18 */
		 "18,\"18\nGood\nRoad\",Exampletown,AB1 2DX,x,1\n"    /* 19 */
		 "0,0 Good Road,Exampletown,AB1 2DX,,\n"              /* 22 */
		 "0019,19 Good Road,Exampletown,AB1 2DX,,\n",         /* 23 */
		 long_address);
	assert_int_equal(import(GAZ_SIMPLE, text), HATCH_OK);
	assert_int_equal(report.read, 20);
	assert_int_equal(report.imported, 2);
	assert_int_equal(report.rejected, 18);
	assert_int_equal(report.nfirst, 18);
	expect_reject(0, 3, "bad UPRN \"12x\"");
	expect_reject(1, 4, "missing UPRN");
	expect_reject(2, 5, "bad UPRN");
	expect_reject(3, 6, "bad postcode \"ZZ1 1ZZ\"");
	expect_reject(4, 7, "missing postcode");
	expect_reject(5, 8, "missing address");
	expect_reject(6, 9, "missing town");
	expect_reject(7, 10, "bad encoding");
	expect_reject(8, 11, "bad latitude \"91\"");
	expect_reject(9, 12, "bad longitude \"181\"");
	expect_reject(10, 13, "a latitude without a longitude");
	expect_reject(11, 14, "duplicate UPRN 1");
	expect_reject(12, 15, "4 fields where the header has 6");
	expect_reject(13, 16, "text after a closing quote");
	expect_reject(14, 17, "a quote inside a field");
	expect_reject(15, 18, "longer than 255 bytes");
	expect_reject(16, 19, "bad latitude \"x\"");
	expect_reject(17, 22, "bad UPRN \"0\"");
	/* Leading zeros are dropped: 0019 is UPRN 19. */
	assert_int_equal(by_text("19 good"), 1);
	assert_string_equal(found[0].uprn, "19");
	static const char nul[] = SIMPLE_HEAD "1,a\0b,Exampletown,AB1 2DX,,\n2,2 Road,T,AB1 2DX,,\n";
	assert_int_equal(import_len(GAZ_SIMPLE, nul, sizeof nul - 1), HATCH_OK);
	assert_int_equal(report.imported, 1);
	expect_reject(0, 2, "a NUL byte");
}

/* Every rejection reaches ON_REJECT; the report keeps the first 32. */
static void many_rejections(void **state)
{
	(void)state;
	char *text = mem_alloc(20000);
	size_t n = (size_t)snprintf(text, 20000, SIMPLE_HEAD "1,1 Road,Town,AB1 2DX,,\n");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, 20000 - n, "x%d,Road,Town,AB1 2DX,,\n", i);
	assert_int_equal(import(GAZ_SIMPLE, text), HATCH_OK);
	mem_free(text);
	assert_int_equal(report.rejected, 100);
	assert_int_equal(report.nfirst, 32);
	assert_int_equal(rejects.n, 64);
	assert_int_equal(report.first[31].line, 34);
}

static void import_addressbase(void **state)
{
	(void)state;
	static const char text[] =
		"UPRN,UDPRN,ORGANISATION_NAME,SUB_BUILDING_NAME,BUILDING_NAME,BUILDING_NUMBER,"
		"DEPENDENT_THOROUGHFARE,THOROUGHFARE,DEPENDENT_LOCALITY,POST_TOWN,POSTCODE,"
		"X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE,SAO_TEXT,PAO_START_NUMBER,PAO_TEXT,"
		"STREET_DESCRIPTION,TOWN_NAME,POSTCODE_LOCATOR\n"
		"200,1,,FLAT 2,MILL HOUSE,14,,MILL LANE,LITTLE EXAMPLE,EXAMPLETOWN,AB1 2DX,"
		"451000.00,210000.00,51.79,-1.29,,,,,,AB1 2DX\n"
		"201,2,,,12A,,,MILL LANE,,EXAMPLETOWN,AB1 2DX,,,,,,,,,,AB1 2DX\n"
		"202,3,EXAMPLE PARISH COUNCIL,,,3,,ST. JOHN'S ROAD,,EXAMPLETOWN,AB1 2DY,,,,,,,,,,"
		"AB1 2DY\n"
		/* No Royal Mail address: the council's own (LPI) fields. */
		"203,,,,,,,,,,,451100,210100,,,,7,BARN,FIELD LANE,EXAMPLETOWN,AB1 2DZ\n"
		"204,,,,,,,,,,,,,,,,,,,EXAMPLETOWN,AB1 2DZ\n";
	assert_int_equal(import(GAZ_ADDRESSBASE, text), HATCH_OK);
	assert_int_equal(report.imported, 4);
	expect_reject(0, 6, "missing address");
	assert_int_equal(by_postcode("AB1 2DX"), 2);
	assert_string_equal(found[0].lines, "12A Mill Lane");
	assert_string_equal(found[1].lines, "Flat 2, Mill House, 14 Mill Lane, Little Example");
	assert_string_equal(found[1].town, "Exampletown");
	assert_true(fabs(found[1].lat - 51.79) < 1e-9);
	assert_int_equal(by_postcode("AB1 2DY"), 1);
	assert_string_equal(found[0].lines, "Example Parish Council, 3 St. John's Road");
	/* Only a grid reference: converted to WGS84. */
	assert_int_equal(by_postcode("AB1 2DZ"), 1);
	assert_string_equal(found[0].lines, "Barn, 7 Field Lane");
	assert_true(found[0].lat > 51.7 && found[0].lat < 51.9);
	assert_true(found[0].lon > -1.4 && found[0].lon < -1.2);
}

static void import_llpg(void **state)
{
	(void)state;
	static const char text[] =
		"Postcode,Town_Name,Street_Descriptor,PAO_End_Number,PAO_Start_Number,PAO_Text,"
		"SAO_Start_Number,SAO_Text,UPRN,Easting,Northing,Locality\n"
		"AB1 2DX,EXAMPLETOWN,MILL LANE,16,14,,,,300,451000,210000,EXAMPLETOWN\n"
		"AB1 2DX,EXAMPLETOWN,MILL LANE,,2,,1,FLAT,301,,,LITTLE EXAMPLE\n"
		"AB1 2DX,EXAMPLETOWN,MILL LANE,,,ROSE COTTAGE,,,302,900000,1,\n"
		"AB1 2DX,EXAMPLETOWN,MILL LANE,,,ROSE COTTAGE,,,303,451000,,\n";
	assert_int_equal(import(GAZ_LLPG, text), HATCH_OK);
	assert_int_equal(report.imported, 2);
	expect_reject(0, 4, "bad easting/northing");
	expect_reject(1, 5, "an easting without a northing");
	assert_int_equal(by_postcode("AB1 2DX"), 2);
	assert_string_equal(found[0].lines, "Flat 1, 2 Mill Lane, Little Example");
	assert_string_equal(found[1].lines, "14-16 Mill Lane");
	assert_true(found[1].lat > 51.7 && found[1].lat < 51.9);
}

/* The OS's worked example (TG 51409 13177), OSGB36 52°39'27.2531"N
 * 1°43'4.5177"E; WGS84 lies about 0.0005° north and 0.0015° west of it
 * here. The conversion's own sines and roots against libm's. */
static void national_grid(void **state)
{
	(void)state;
	double lat, lon;
	assert_true(gaz_osgb_to_wgs84(651409.903, 313177.270, &lat, &lon));
	double olat = 52 + 39 / 60.0 + 27.2531 / 3600, olon = 1 + 43 / 60.0 + 4.5177 / 3600;
	assert_true(fabs(lat - olat) < 0.002);
	assert_true(fabs(lon - olon) < 0.003);
	assert_true(lat - olat > 0 && lon - olon < 0);
	assert_false(gaz_osgb_to_wgs84(-1, 0, &lat, &lon));
	assert_false(gaz_osgb_to_wgs84(0, 1300001, &lat, &lon));
	assert_true(gaz_osgb_to_wgs84(0, 0, &lat, &lon));
	assert_true(gaz_osgb_to_wgs84(700000, 1300000, &lat, &lon));
	assert_true(lat > 60 && lat < 62);
}

/* No temporary file is left beside the gazetteer. */
static void no_leftovers(void)
{
	DIR *d = opendir(support_dir);
	struct dirent *de;
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".tmp-"))
			fail_msg("left behind: %s", de->d_name);
	closedir(d);
}

static void refusals_keep_the_old(void **state)
{
	(void)state;
	assert_int_equal(import(GAZ_SIMPLE, simple), HATCH_OK);
	static const struct {
		enum gaz_format format;
		const char *text;
		size_t len;
		const char *why;
	} bad[] = {
		{GAZ_SIMPLE, "", 0, "the file is empty"},
		{GAZ_SIMPLE, "\n\r\n\n", 4, "the file is empty"},
		{GAZ_SIMPLE, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, "not a CSV file"},
		{GAZ_SIMPLE, "\"uprn,address\n", 14, "not a CSV file"},
		{GAZ_SIMPLE, "\xff\xfeu\0p\0r\0n\0", 10, "not a CSV file"},
		{GAZ_SIMPLE, "{\"json\": true}\n", 15, "not a CSV file"},
		{GAZ_SIMPLE, "just some words\nand more\n", 0, "not a simple gazetteer: it has no column uprn"},
		{GAZ_SIMPLE, "UPRN,BUILDING_NUMBER,THOROUGHFARE,POST_TOWN,POSTCODE\n1,2,X,Y,AB1 2DX\n",
		 0, "try --format addressbase"},
		{GAZ_ADDRESSBASE, SIMPLE_HEAD "1,1 Road,Town,AB1 2DX,,\n", 0, "try --format simple"},
		{GAZ_LLPG, SIMPLE_HEAD, 0, "try --format simple"},
		{GAZ_SIMPLE, SIMPLE_HEAD, 0, "a header but no addresses"},
		{GAZ_SIMPLE, SIMPLE_HEAD "x,1 Road,Town,AB1 2DX,,\n", 0, "every one of the 1 rows"},
		{GAZ_SIMPLE, "uprn,address,town,lat,long\n", 0, "no column postcode"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		FILE *in = fmemopen((void *)bad[i].text, len ? len : 1, "r");
		if (!len) {
			/* fmemopen refuses a size of 0: an empty stream instead. */
			fclose(in);
			in = fopen("/dev/null", "r");
		}
		struct gaz_import_options o = {.format = bad[i].format};
		enum hatch_err rc = gaz_import(gpath, in, "test.csv", &o, &report, &err);
		fclose(in);
		if (rc != HATCH_ERR_INPUT || !strstr(err.msg, bad[i].why))
			fail_msg("case %zu: %d %s (wanted %s)", i, rc, err.msg, bad[i].why);
		assert_non_null(strstr(err.msg, "test.csv"));
		no_leftovers();
		assert_int_equal(by_postcode("AB1 2DX"), 4);
	}
	/* A gazetteer that cannot be written (its directory would be inside
	 * a file) fails as IO. */
	char file[600], under[700];
	snprintf(file, sizeof file, "%s/a-file", support_dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(under, sizeof under, "%s/dir/g.db", file);
	FILE *in = fmemopen((void *)simple, sizeof simple - 1, "r");
	struct gaz_import_options o = {.format = GAZ_SIMPLE};
	assert_int_equal(gaz_import(under, in, "test.csv", &o, &report, &err), HATCH_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot create the directory"));
	fclose(in);
	unlink(file);
	/* A second good import replaces the first whole. */
	assert_int_equal(import(GAZ_SIMPLE, SIMPLE_HEAD "7,7 New Road,Town,AB9 9ZZ,,\n"), HATCH_OK);
	struct gaz *g;
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_OK);
	assert_int_equal(gaz_count(g), 1);
	gaz_close(g);
	no_leftovers();
}

static void open_errors(void **state)
{
	(void)state;
	struct gaz *g = (struct gaz *)1;
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_ERR_NOTFOUND);
	assert_null(g);
	FILE *f = fopen(gpath, "w");
	fputs("not a database at all, not even close, padding padding padding padding\n", f);
	fclose(f);
	assert_int_equal(gaz_open(gpath, &g, &err), HATCH_ERR_IO);
	assert_null(g);
	char out[16];
	assert_int_equal(gaz_default_path("/data/hatch.db", out, sizeof out, &err), HATCH_ERR_LIMIT);
	char big[256];
	assert_int_equal(gaz_default_path("/data/hatch.db", big, sizeof big, &err), HATCH_OK);
	assert_string_equal(big, "/data/hatch.db-gazetteer.db");
	enum gaz_format fmt;
	assert_true(gaz_format_parse("llpg", &fmt));
	assert_int_equal(fmt, GAZ_LLPG);
	assert_false(gaz_format_parse("LLPG", &fmt));
	assert_false(gaz_format_parse(NULL, &fmt));
}

/* Out of memory at each of the import's and the search's own allocations:
 * an error, never a crash, and no temporary file left. */
static void out_of_memory(void **state)
{
	(void)state;
	for (long i = 1; i < 10; i++) {
		mem_fail_after(i, 1);
		enum hatch_err rc = import(GAZ_SIMPLE, simple);
		mem_fail_after(0, 0);
		assert_true(rc == HATCH_OK || rc == HATCH_ERR_NOMEM);
		no_leftovers();
		struct gaz *g = NULL;
		mem_fail_after(i, 1);
		rc = gaz_open(gpath, &g, &err);
		mem_fail_after(0, 0);
		assert_true(rc == HATCH_OK || rc == HATCH_ERR_NOMEM || rc == HATCH_ERR_NOTFOUND);
		gaz_close(g);
	}
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, support_dir_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(postcode_full),
		cmocka_unit_test(postcode_partial),
		cmocka_unit_test(csv_quoting),
		TEST(import_simple),
		TEST(search_text),
		TEST(search_typing),
		TEST(search_many_terms),
		TEST(search_version_1),
		TEST(import_makes_dir),
		TEST(rejections),
		TEST(many_rejections),
		TEST(import_addressbase),
		TEST(import_llpg),
		cmocka_unit_test(national_grid),
		TEST(refusals_keep_the_old),
		TEST(open_errors),
		TEST(out_of_memory),
	};
	return cmocka_run_group_tests_name("gazetteer", tests, NULL, NULL);
}
