/* Unit tests for i18n/: catalogs read from PO files with libgettextpo
 * (translations, fallback to English for untranslated and fuzzy entries,
 * contexts, plural forms by the catalog's own rule), malformed and missing
 * files reported with file, line and reason, the languages table, Plural-
 * Forms expressions of every shipped language, the .pot writer, and
 * msg_fill's placeholders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/mem.h"
#include "base/msg.h"
#include "i18n/i18n.h"
#include "platform/platform.h"
#include "support.h"

static void write_file(const char *name, const char *text, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", support_dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char welsh[] =
	"# A test catalog.\n"
	"msgid \"\"\n"
	"msgstr \"\"\n"
	"\"Language: cy\\n\"\n"
	"\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
	"\"Plural-Forms: nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : "
	"(n==3) ? 3 : (n==6) ? 4 : 5;\\n\"\n"
	"\"X-Hatch-Review: needs review\\n\"\n"
	"\n"
	"msgid \"Continue\"\n"
	"msgstr \"Parhau\"\n"
	"\n"
	"msgid \"Back\"\n"
	"msgstr \"\"\n"
	"\n"
	"#, fuzzy\n"
	"msgid \"Start\"\n"
	"msgstr \"Dechrau\"\n"
	"\n"
	"msgctxt \"month\"\n"
	"msgid \"May\"\n"
	"msgstr \"Mai\"\n"
	"\n"
	"msgid \"{count} second\"\n"
	"msgid_plural \"{count} seconds\"\n"
	"msgstr[0] \"{count} eiliad (0)\"\n"
	"msgstr[1] \"{count} eiliad (1)\"\n"
	"msgstr[2] \"{count} eiliad (2)\"\n"
	"msgstr[3] \"{count} eiliad (3)\"\n"
	"msgstr[4] \"{count} eiliad (4)\"\n"
	"msgstr[5] \"{count} eiliad (5)\"\n"
	"\n"
	"msgid \"Half done\"\n"
	"msgid_plural \"Halves done\"\n"
	"msgstr[0] \"x\"\n"
	"msgstr[1] \"\"\n"
	"msgstr[2] \"\"\n"
	"msgstr[3] \"\"\n"
	"msgstr[4] \"\"\n"
	"msgstr[5] \"\"\n";

static void catalog_translates_and_falls_back(void **state)
{
	(void)state;
	char path[512];
	write_file("cy.po", welsh, path, sizeof path);
	struct i18n_catalog *c = NULL;
	struct i18n_problems p = {0};
	struct hatch_error e = {""};
	assert_int_equal(i18n_catalog_read(path, "cy", &c, &p, &e), HATCH_OK);
	assert_int_equal(p.n, 0);
	assert_string_equal(i18n_text(c, "Continue"), "Parhau");
	assert_true(i18n_has(c, "Continue"));
	/* Untranslated, fuzzy, unknown: English, string by string. */
	assert_string_equal(i18n_text(c, "Back"), "Back");
	assert_false(i18n_has(c, "Back"));
	assert_string_equal(i18n_text(c, "Start"), "Start");
	assert_string_equal(i18n_text(c, "Not in the catalog"), "Not in the catalog");
	assert_null(i18n_text(c, NULL));
	/* A message with a context is not the same message without one. */
	assert_string_equal(i18n_text(c, "May"), "May");
	assert_true(i18n_needs_review(c));
	assert_int_equal(i18n_catalog_size(c), 3);
	/* The catalog's own plural rule: Welsh has six forms. */
	const unsigned long n[] = {0, 1, 2, 3, 6, 4, 11, 100};
	const char *want[] = {"(0)", "(1)", "(2)", "(3)", "(4)", "(5)", "(5)", "(5)"};
	for (size_t i = 0; i < sizeof n / sizeof *n; i++) {
		const char *t = i18n_ntext(c, "{count} second", "{count} seconds", n[i]);
		assert_non_null(strstr(t, want[i]));
	}
	/* A plural message with an empty form is untranslated as a whole. */
	assert_string_equal(i18n_ntext(c, "Half done", "Halves done", 1), "Half done");
	assert_string_equal(i18n_ntext(c, "Half done", "Halves done", 2), "Halves done");
	/* No catalog: English rules. */
	assert_string_equal(i18n_ntext(NULL, "a", "b", 1), "a");
	assert_string_equal(i18n_ntext(NULL, "a", "b", 0), "b");
	assert_string_equal(i18n_text(NULL, "Continue"), "Continue");
	i18n_catalog_free(c);
}

static void catalog_problems_name_file_and_line(void **state)
{
	(void)state;
	char path[512];
	write_file("bad.po", "msgid \"\"\nmsgstr \"\"\n\nmsgid \"A\"\nmsgstr \"B\"\n\nmsgid \"C\n", path,
		   sizeof path);
	struct i18n_catalog *c = (struct i18n_catalog *)1;
	struct i18n_problems p = {0};
	struct hatch_error e = {""};
	assert_int_equal(i18n_catalog_read(path, "cy", &c, &p, &e), HATCH_ERR_INPUT);
	assert_null(c);
	/* As msgfmt says it: where the string runs off the line, and the
	 * message left without its msgstr. */
	assert_int_equal(p.n, 2);
	assert_non_null(strstr(p.v[0].file, "bad.po"));
	assert_int_equal(p.v[0].line, 8);
	assert_string_equal(p.v[0].reason, "end-of-line within string");
	assert_int_equal(p.v[1].line, 7);
	assert_string_equal(p.v[1].reason, "missing 'msgstr' section");
	assert_non_null(strstr(e.msg, "bad.po"));

	/* The same message twice is a problem too. */
	p.n = 0;
	write_file("dup.po", "msgid \"A\"\nmsgstr \"B\"\n\nmsgid \"A\"\nmsgstr \"C\"\n", path,
		   sizeof path);
	assert_int_equal(i18n_catalog_read(path, "cy", &c, &p, &e), HATCH_ERR_INPUT);
	assert_true(p.n >= 1);

	p.n = 0;
	snprintf(path, sizeof path, "%s/missing.po", support_dir);
	assert_int_equal(i18n_catalog_read(path, "cy", &c, &p, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "missing.po"));
	assert_int_equal(i18n_catalog_read(support_dir, "cy", &c, &p, &e), HATCH_ERR_IO);

	/* A bad Plural-Forms is reported, and English rules used. */
	p.n = 0;
	write_file("plural.po",
		   "msgid \"\"\nmsgstr \"\"\n\"Plural-Forms: nplurals=2; plural=n ==;\\n\"\n\n"
		   "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"A\"\nmsgstr[1] \"B\"\n",
		   path, sizeof path);
	assert_int_equal(i18n_catalog_read(path, "cy", &c, &p, &e), HATCH_OK);
	assert_int_equal(p.n, 1);
	assert_non_null(strstr(p.v[0].reason, "Plural-Forms"));
	assert_string_equal(i18n_ntext(c, "a", "b", 1), "A");
	assert_string_equal(i18n_ntext(c, "a", "b", 5), "B");
	i18n_catalog_free(c);
}

static void open_reads_known_languages(void **state)
{
	(void)state;
	char path[512];
	write_file("pl.po", "msgid \"Continue\"\nmsgstr \"Dalej\"\n", path, sizeof path);
	write_file("ar.po", "msgid \"Continue\n", path, sizeof path);
	write_file("xx.po", "msgid \"Continue\"\nmsgstr \"Xx\"\n", path, sizeof path);
	struct i18n *t = NULL;
	struct i18n_problems p = {0};
	struct hatch_error e = {""};
	assert_int_equal(i18n_open(support_dir, &t, &p, &e), HATCH_OK);
	assert_string_equal(i18n_text(i18n_catalog(t, "pl"), "Continue"), "Dalej");
	/* A broken catalog is reported and its language falls back. */
	assert_true(p.n >= 1);
	assert_non_null(strstr(p.v[0].file, "ar.po"));
	assert_string_equal(i18n_text(i18n_catalog(t, "ar"), "Continue"), "Continue");
	/* Only known languages; English has no catalog. */
	assert_null(i18n_catalog(t, "xx"));
	assert_null(i18n_catalog(t, "en"));
	i18n_close(t);
	i18n_close(NULL);
}

static size_t reports;
static void count_report(void *user, const struct i18n_problems *p)
{
	(void)user;
	assert_true(p->n >= 1);
	assert_non_null(strstr(p->v[0].file, "ar.po"));
	reports++;
}

/* Read lazily, each catalog when first asked for; a broken one is told
 * once, and its language is English. */
static void open_lazily(void **state)
{
	(void)state;
	char path[512];
	write_file("pl.po", "msgid \"Continue\"\nmsgstr \"Dalej\"\n", path, sizeof path);
	write_file("ar.po", "msgid \"Continue\n", path, sizeof path);
	struct i18n *t = NULL;
	struct hatch_error e = {""};
	reports = 0;
	assert_int_equal(i18n_open_lazy(support_dir, count_report, NULL, &t, &e), HATCH_OK);
	assert_string_equal(i18n_text(i18n_catalog(t, "pl"), "Continue"), "Dalej");
	assert_int_equal(reports, 0);
	assert_string_equal(i18n_text(i18n_catalog(t, "ar"), "Continue"), "Continue");
	assert_string_equal(i18n_text(i18n_catalog(t, "ar"), "Continue"), "Continue");
	assert_int_equal(reports, 1);
	assert_null(i18n_catalog(t, "cy"));
	i18n_close(t);
}

static void languages_table(void **state)
{
	(void)state;
	size_t n;
	const struct i18n_language *v = i18n_languages(&n);
	assert_int_equal(n, 7);
	assert_string_equal(v[0].code, "en");
	assert_string_equal(v[1].code, "cy");
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(i18n_language(v[i].code), &v[i]);
		assert_true(v[i].rtl == (!strcmp(v[i].code, "ur") || !strcmp(v[i].code, "ar")));
	}
	assert_string_equal(i18n_language("pa")->script, "Guru");
	assert_null(i18n_language("fr"));
	assert_null(i18n_language(NULL));
}

/* Each shipped language's rule against the forms gettext's own manual
 * gives for it. */
static void plural_rules(void **state)
{
	(void)state;
	static const struct {
		const char *rule;
		unsigned np;
		unsigned long n[8];
		unsigned long form[8];
	} cases[] = {
		{"nplurals=2; plural=(n != 1);", 2, {0, 1, 2, 5, 21, 100, 101, 1000}, {1, 0, 1, 1, 1, 1, 1, 1}},
		{"nplurals=2; plural=(n > 1);", 2, {0, 1, 2, 5, 21, 100, 101, 1000}, {0, 0, 1, 1, 1, 1, 1, 1}},
		{"nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
		 3, {1, 2, 4, 5, 12, 22, 25, 0}, {0, 1, 1, 2, 2, 1, 2, 2}},
		{"nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2);",
		 3, {1, 0, 2, 19, 20, 101, 120, 1000}, {0, 1, 1, 1, 2, 1, 2, 2}},
		{"nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : (n==3) ? 3 : (n==6) ? 4 : 5;",
		 6, {0, 1, 2, 3, 6, 4, 8, 100}, {0, 1, 2, 3, 4, 5, 5, 5}},
		{"nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
		 "n%100>=11 ? 4 : 5);",
		 6, {0, 1, 2, 3, 10, 11, 99, 100}, {0, 1, 2, 3, 3, 4, 4, 5}},
		{"nplurals=1; plural=0;", 1, {0, 1, 2, 3, 4, 5, 6, 7}, {0, 0, 0, 0, 0, 0, 0, 0}},
		{"plural=!(n/2*2-n) ; nplurals = 2", 2, {0, 1, 2, 3, 4, 5, 6, 7}, {1, 0, 1, 0, 1, 0, 1, 0}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		unsigned np = 99;
		struct i18n_plural *p = i18n_plural_compile(cases[i].rule, &np);
		assert_non_null(p);
		assert_int_equal(np, cases[i].np);
		for (size_t k = 0; k < 8; k++)
			assert_int_equal(i18n_plural_eval(p, cases[i].n[k]), cases[i].form[k]);
		i18n_plural_free(p);
	}
	static const char *const bad[] = {
		NULL, "", "nplurals=2;", "plural=n!=1;", "nplurals=0; plural=0;",
		"nplurals=7; plural=n;", "nplurals=2; plural=n !=;", "nplurals=2; plural=(n;",
		"nplurals=2; plural=n ? 1;", "nplurals=2; plural=x;", "nplurals=2; plural=n = 1;",
		"nplurals=2; plural=n != 1 junk", "nplurals=x; plural=0;",
		"nplurals=2; plural=99999999999999999999;",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		unsigned np = 5;
		assert_null(i18n_plural_compile(bad[i], &np));
		assert_int_equal(np, 0);
	}
	/* Nesting past the limit is refused, not a stack overflow. */
	char deep[4096] = "nplurals=2; plural=";
	size_t l = strlen(deep);
	for (int i = 0; i < 1000; i++)
		deep[l++] = '(';
	deep[l] = '\0';
	unsigned np;
	assert_null(i18n_plural_compile(deep, &np));
	memset(deep + 19, '!', 2000);
	deep[2019] = 'n';
	deep[2020] = '\0';
	assert_null(i18n_plural_compile(deep, &np));
	/* Division by zero is not a crash. */
	struct i18n_plural *p = i18n_plural_compile("nplurals=2; plural=1/(n-n) + n%0;", &np);
	assert_non_null(p);
	assert_int_equal(i18n_plural_eval(p, 3), 0);
	i18n_plural_free(p);
}

static void pot_merges_and_writes(void **state)
{
	(void)state;
	char prog[512], out[512];
	write_file("program.pot",
		   "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
		   "#. TRANSLATORS: the button\n#: src/ui/screens.c:10\n#, c-format\n"
		   "msgid \"Continue\"\nmsgstr \"\"\n\n"
		   "#: src/ui/screens.c:20\nmsgid \"{count} second\"\nmsgid_plural \"{count} seconds\"\n"
		   "msgstr[0] \"\"\nmsgstr[1] \"\"\n",
		   prog, sizeof prog);
	struct i18n_pot *pot = i18n_pot_new();
	assert_non_null(pot);
	struct i18n_problems pr = {0};
	struct hatch_error e = {""};
	assert_int_equal(i18n_pot_merge(pot, prog, &pr, &e), HATCH_OK);
	assert_int_equal(i18n_pot_add(pot, "Continue", "a.json", "a: steps[0].button", &e), HATCH_OK);
	assert_int_equal(i18n_pot_add(pot, "Where is it?", "a.json", "a: steps[1].question", &e),
			 HATCH_OK);
	assert_int_equal(i18n_pot_add(pot, "Where is it?", "b.json", "b: steps[4].question", &e),
			 HATCH_OK);
	assert_int_equal(i18n_pot_add(pot, "100% sure", "b.json", NULL, &e), HATCH_OK);
	assert_int_equal(i18n_pot_size(pot), 4);
	snprintf(out, sizeof out, "%s/out.pot", support_dir);
	assert_int_equal(i18n_pot_write(pot, out, &pr, &e), HATCH_OK);
	i18n_pot_free(pot);
	FILE *f = fopen(out, "r");
	assert_non_null(f);
	char text[8192];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "#. TRANSLATORS: the button\n#. a: steps[0].button\n"));
	assert_non_null(strstr(text, "#. a: steps[1].question\n#. b: steps[4].question\n#: a.json b.json\n"));
	assert_non_null(strstr(text, "msgid_plural \"{count} seconds\""));
	assert_non_null(strstr(text, "#, no-c-format\nmsgid \"100% sure\""));
	/* What was written reads back as a catalog. */
	struct i18n_catalog *c;
	assert_int_equal(i18n_catalog_read(out, "cy", &c, &pr, &e), HATCH_OK);
	assert_int_equal(i18n_catalog_size(c), 0);
	i18n_catalog_free(c);
	/* A template that is not one is refused with where and why. */
	write_file("broken.pot", "msgid \"A\nmsgstr \"\"\n", prog, sizeof prog);
	pot = i18n_pot_new();
	pr.n = 0;
	assert_int_equal(i18n_pot_merge(pot, prog, &pr, &e), HATCH_ERR_INPUT);
	assert_true(pr.n >= 1);
	assert_int_equal(pr.v[0].line, 2);
	snprintf(out, sizeof out, "%s/no/such/dir/x.pot", support_dir);
	assert_int_equal(i18n_pot_write(pot, out, &pr, &e), HATCH_ERR_IO);
	i18n_pot_free(pot);
}

static void fill_placeholders(void **state)
{
	(void)state;
	char out[64];
	static const char *const keys[] = {"count", "day"};
	const char *const vals[] = {"12", "3"};
	msg_fill(out, sizeof out, "{day} of {count}, {unknown} {count", keys, vals, 2);
	assert_string_equal(out, "3 of 12, {unknown} {count");
	/* Cut at a character boundary, never inside one. */
	msg_fill(out, 6, "ab\xC3\xA9\xC3\xA9", keys, vals, 2);
	assert_string_equal(out, "ab\xC3\xA9");
	const char *const big[] = {"\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", "3"};
	msg_fill(out, 6, "x{count}", keys, big, 2);
	assert_string_equal(out, "x\xE2\x82\xAC");
	msg_fill(out, 1, "abc", keys, vals, 2);
	assert_string_equal(out, "");
	struct msg_tr none = {NULL, NULL, NULL};
	assert_string_equal(msg_text(&none, "x"), "x");
	assert_string_equal(msg_text(NULL, "x"), "x");
	assert_string_equal(msg_ntext(NULL, "a", "b", 2), "b");
}

/* The shipped catalogs keep their headers: each language's plural rule
 * picks the form its count needs (a catalog without one would fall back to
 * English's two forms), and each is still marked for review. */
static void shipped_catalogs_plurals_and_review(void **state)
{
	(void)state;
	char dir[4096];
	struct hatch_error e;
	struct i18n *t = NULL;
	struct i18n_problems p;
	assert_int_equal(platform_locales_dir(dir, sizeof dir, &e), HATCH_OK);
	assert_int_equal(i18n_open(dir, &t, &p, &e), HATCH_OK);
	static const struct {
		const char *lang;
		unsigned long n;
		const char *want;
	} cases[] = {
		{"ar", 12, "\xd8\xb9\xd9\x8f\xd8\xab\xd8\xb1 \xd8\xb9\xd9\x84\xd9\x89 {count} "
			   "\xd8\xb9\xd9\x86\xd9\x88\xd8\xa7\xd9\x86\xd9\x8b\xd8\xa7 \xd9\x84\xd9\x80 {query}"},
		{"ar", 1, "\xd8\xb9\xd9\x8f\xd8\xab\xd8\xb1 \xd8\xb9\xd9\x84\xd9\x89 "
			  "\xd8\xb9\xd9\x86\xd9\x88\xd8\xa7\xd9\x86 \xd9\x88\xd8\xa7\xd8\xad\xd8\xaf "
			  "\xd9\x84\xd9\x80 {query}"},
		{"pl", 2, "Znaleziono {count} adresy dla {query}"},
		{"pl", 5, "Znaleziono {count} adres\xc3\xb3w dla {query}"},
		{"ro", 20, "{count} de adrese g\xc4\x83site pentru {query}"},
		{"ro", 2, "{count} adrese g\xc4\x83site pentru {query}"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct i18n_catalog *c = i18n_catalog(t, cases[i].lang);
		assert_non_null(c);
		assert_string_equal(i18n_ntext(c, "{count} address found for {query}",
					       "{count} addresses found for {query}", cases[i].n),
				    cases[i].want);
	}
	i18n_close(t);
	static const char *const langs[] = {"cy", "pl", "ro", "pa", "ur", "ar"};
	for (size_t i = 0; i < sizeof langs / sizeof *langs; i++) {
		char path[4200], *text = NULL;
		size_t len;
		snprintf(path, sizeof path, "%s/%s.po", dir, langs[i]);
		assert_int_equal(platform_read_file(path, 4 << 20, &text, &len, &e), HATCH_OK);
		assert_non_null(strstr(text, "\"Plural-Forms: nplurals="));
		assert_non_null(strstr(text, "\"X-Hatch-Review: needs review\\n\""));
		mem_free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(catalog_translates_and_falls_back, support_dir_setup,
						support_dir_teardown),
		cmocka_unit_test_setup_teardown(catalog_problems_name_file_and_line,
						support_dir_setup, support_dir_teardown),
		cmocka_unit_test_setup_teardown(open_reads_known_languages, support_dir_setup,
						support_dir_teardown),
		cmocka_unit_test_setup_teardown(open_lazily, support_dir_setup, support_dir_teardown),
		cmocka_unit_test(languages_table),
		cmocka_unit_test(plural_rules),
		cmocka_unit_test_setup_teardown(pot_merges_and_writes, support_dir_setup,
						support_dir_teardown),
		cmocka_unit_test(fill_placeholders),
		cmocka_unit_test(shipped_catalogs_plurals_and_review),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
