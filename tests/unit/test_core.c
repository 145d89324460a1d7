/* Unit tests for core/: answer formats, dates, conditions, references, the
 * journey loader's diagnostics, sessions, and every path of every bundled
 * journey walked through a real session to its record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/mem.h"
#include "core/answer.h"
#include "core/journey.h"
#include "core/paths.h"
#include "core/reference.h"
#include "core/session.h"
#include "core/validate.h"
#include "platform/platform.h"

static const struct cdate today = {2026, 6, 15};

/* ---- formats ---- */

static void postcodes(void **state)
{
	(void)state;
	static const char *const good[][2] = {
		{"ab1 0aa", "AB1 0AA"},   {"SW1A1AA", "SW1A 1AA"}, {" m1 1ae ", "M1 1AE"},
		{"B33 8TH", "B33 8TH"},   {"cr2 6xh", "CR2 6XH"},  {"DN55 1PT", "DN55 1PT"},
		{"W1A 0AX", "W1A 0AX"},   {"EC1A 1BB", "EC1A 1BB"}, {"GIR 0AA", "GIR 0AA"},
		{"ll57 2pw", "LL57 2PW"}, {"cf10 1ep", "CF10 1EP"},
	};
	static const char *const bad[] = {
		"", "AB1", "ABC 1AA", "AB1 0CA", "QA1 0AA", "AI1 0AA", "1AB 0AA",
		"AB1 0A", "AB12 3ABC", "AB1-0AA", "AB1 OAA", "ÄB1 0AA", "   ",
	};
	char out[32];
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		assert_true(validate_postcode(good[i][0], out, sizeof out));
		assert_string_equal(out, good[i][1]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (validate_postcode(bad[i], out, sizeof out))
			fail_msg("postcode \"%s\" passed as %s", bad[i], out);
}

static void ninos(void **state)
{
	(void)state;
	char out[32];
	assert_true(validate_nino("ab 12 34 56 c", out, sizeof out));
	assert_string_equal(out, "AB123456C");
	assert_true(validate_nino("JG103759A", out, sizeof out));
	static const char *const bad[] = {"AB123456", "AB123456E", "DA123456A",
					  "AO123456A", "GB123456A", "NK123456A",
					  "TN123456A", "ZZ123456A", "A1123456A",
					  "AB12345C", ""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (validate_nino(bad[i], out, sizeof out))
			fail_msg("NINO \"%s\" passed", bad[i]);
}

static void registrations(void **state)
{
	(void)state;
	static const char *const good[][2] = {
		{"ab12 cde", "AB12CDE"}, {"A123 BCD", "A123BCD"}, {"ABC 123D", "ABC123D"},
		{"ABC 1234", "ABC1234"}, {"1234 AB", "1234AB"},   {"A 1", "A1"},
		{"LV68 XYZ", "LV68XYZ"},
	};
	static const char *const bad[] = {"", "ABCDEFG", "12345", "AB12 CD3",
					  "AB123CDE", "A", "AB12-CDE", "1234ABCD"};
	char out[32];
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		assert_true(validate_vehicle_reg(good[i][0], out, sizeof out));
		assert_string_equal(out, good[i][1]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (validate_vehicle_reg(bad[i], out, sizeof out))
			fail_msg("registration \"%s\" passed as %s", bad[i], out);
}

static void phones(void **state)
{
	(void)state;
	static const char *const good[][2] = {
		{"01632 960 001", "01632960001"}, {"07700 900982", "07700900982"},
		{"+44 7700 900982", "07700900982"}, {"+44 (0)1632 960001", "01632960001"},
		{"0044 20 7946 0000", "02079460000"}, {"(020) 7946-0000", "02079460000"},
	};
	static const char *const bad[] = {"", "12345", "07700 90098", "+1 202 555 0100",
					  "0770090098212", "04700900982", "0770O900982",
					  "+", "tel"};
	char out[32];
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		assert_true(validate_phone(good[i][0], out, sizeof out));
		assert_string_equal(out, good[i][1]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (validate_phone(bad[i], out, sizeof out))
			fail_msg("phone \"%s\" passed as %s", bad[i], out);
}

static void emails(void **state)
{
	(void)state;
	char out[300];
	assert_true(validate_email("Name.Surname+tag@Example.CO.UK", out, sizeof out));
	assert_string_equal(out, "Name.Surname+tag@example.co.uk");
	static const char *const bad[] = {"", "name", "name@", "@example.com",
					  "name@example", "name@@example.com",
					  "name@example..com", ".name@example.com",
					  "na..me@example.com", "name@-example.com",
					  "name@example.c", "name@exa mple.com",
					  "name@example.123"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (validate_email(bad[i], out, sizeof out))
			fail_msg("email \"%s\" passed", bad[i]);
}

static void numbers(void **state)
{
	(void)state;
	char out[64];
	double v;
	assert_true(validate_number(" 1,250 ", &v, out, sizeof out));
	assert_true(v == 1250);
	assert_string_equal(out, "1250");
	assert_true(validate_number("-3.50", &v, out, sizeof out));
	assert_string_equal(out, "-3.5");
	assert_true(validate_number("007", &v, out, sizeof out));
	assert_string_equal(out, "7");
	/* The normal form is the text tidied, never a double printed back, so
	 * it validates to itself (found by fuzzing: 0.0000001 became "0."). */
	static const char *const norm[][2] = {
		{"0.0000001", "0.0000001"}, {"1.0000001", "1.0000001"}, {"-0.0000004", "-0.0000004"},
		{"99999999999999.9", "99999999999999.9"}, {"-0", "0"}, {"-0.000", "0"},
		{"000.500", "0.5"}, {"12.", "12"}, {".5", "0.5"}, {"+3", "3"},
	};
	for (size_t i = 0; i < sizeof norm / sizeof *norm; i++) {
		assert_true(validate_number(norm[i][0], &v, out, sizeof out));
		assert_string_equal(out, norm[i][1]);
		char again[64];
		assert_true(validate_number(out, &v, again, sizeof again));
		assert_string_equal(again, out);
	}
	static const char *const bad[] = {"", "1e5", "inf", "nan", "1.2.3", "12 3",
					  "abc", ",5", "0x10", "1234567890123456"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (validate_number(bad[i], &v, out, sizeof out))
			fail_msg("number \"%s\" passed", bad[i]);
}

static void dates(void **state)
{
	(void)state;
	for (long d = -719162; d <= 2932896; d += 997) {
		struct cdate c = cdate_from_days(d);
		assert_true(cdate_valid(c.year, c.month, c.day));
		assert_int_equal(cdate_days(&c), d);
	}
	struct cdate epoch = {1970, 1, 1};
	assert_int_equal(cdate_days(&epoch), 0);
	assert_false(cdate_valid(2025, 2, 29));
	assert_true(cdate_valid(2024, 2, 29));
	assert_false(cdate_valid(1900, 2, 29));
	assert_true(cdate_valid(2000, 2, 29));
	struct cdate leap = {2024, 2, 29};
	struct date_value minus_year = {true, -1, 0, 0};
	struct cdate r = date_value_resolve(&minus_year, &leap);
	assert_int_equal(r.year, 2023);
	assert_int_equal(r.month, 2);
	assert_int_equal(r.day, 28);
	struct date_value back30 = {true, 0, 0, -30};
	r = date_value_resolve(&back30, &today);
	assert_int_equal(r.month, 5);
	assert_int_equal(r.day, 16);
	assert_int_equal(validate_month("Feb"), 2);
	assert_int_equal(validate_month("december"), 12);
	assert_int_equal(validate_month("13"), 0);
	assert_int_equal(validate_month("Ma"), 0);
	char text[64];
	validate_format_date(&leap, NULL, text, sizeof text);
	assert_string_equal(text, "29 February 2024");
}

/* ---- references ---- */

static void references_are_unique_and_checked(void **state)
{
	(void)state;
	const uint64_t key = 0x1234567890ABCDEFull;
	enum { N = 200000 };
	char (*refs)[REFERENCE_SIZE] = malloc((size_t)N * REFERENCE_SIZE);
	assert_non_null(refs);
	for (uint64_t i = 0; i < N; i++) {
		reference_make(i, key, refs[i]);
		uint64_t back;
		assert_true(reference_sequence(refs[i], key, &back));
		assert_int_equal(back, i);
	}
	/* Distinct sequence numbers: distinct references (the inverse above
	 * proves it for these; the sort spot-checks the text). */
	qsort(refs, N, REFERENCE_SIZE, (int (*)(const void *, const void *))strcmp);
	for (size_t i = 1; i < N; i++)
		assert_string_not_equal(refs[i - 1], refs[i]);
	free(refs);

	char ref[REFERENCE_SIZE], canon[REFERENCE_SIZE];
	reference_make(42, key, ref);
	assert_int_equal(strlen(ref), 11);
	assert_int_equal(ref[4], '-');
	assert_int_equal(ref[9], '-');
	assert_true(reference_parse(ref, canon));
	assert_string_equal(ref, canon);
	/* Typed loosely: lower case, no hyphens. */
	char loose[16];
	size_t k = 0;
	for (const char *p = ref; *p; p++)
		if (*p != '-')
			loose[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	loose[k] = '\0';
	assert_true(reference_parse(loose, canon));
	assert_string_equal(canon, ref);

	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	for (uint64_t seq = 0; seq < 300; seq++) {
		reference_make(seq * 7919, key, ref);
		/* Every single-character substitution in the data is caught. */
		for (int pos = 0; pos < 9; pos++) {
			if (pos == 4)
				continue;
			for (const char *a = alphabet; *a; a++) {
				if (*a == ref[pos])
					continue;
				char t[REFERENCE_SIZE];
				memcpy(t, ref, sizeof t);
				t[pos] = *a;
				if (reference_parse(t, canon))
					fail_msg("%s accepted for %s", t, ref);
			}
		}
		/* And every swap of two different neighbours. */
		static const int pos[] = {0, 1, 2, 3, 5, 6, 7, 8};
		for (int i = 0; i + 1 < 8; i++) {
			char t[REFERENCE_SIZE];
			memcpy(t, ref, sizeof t);
			char c = t[pos[i]];
			if (c == t[pos[i + 1]])
				continue;
			t[pos[i]] = t[pos[i + 1]];
			t[pos[i + 1]] = c;
			if (reference_parse(t, canon))
				fail_msg("swap %s accepted for %s", t, ref);
		}
	}
	assert_false(reference_parse("", canon));
	assert_false(reference_parse("ABCD-EFGH", canon));
	assert_false(reference_parse("ABCD-EFGH-JK", canon));
	assert_false(reference_parse("ABCU-EFGH-J", canon));
}

static void uuids(void **state)
{
	(void)state;
	uint8_t r[16];
	memset(r, 0xFF, sizeof r);
	char u[UUID_SIZE];
	uuid_format(r, u);
	assert_string_equal(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
	memset(r, 0, sizeof r);
	uuid_format(r, u);
	assert_string_equal(u, "00000000-0000-4000-8000-000000000000");
}

/* ---- loading ---- */

static struct journey *load(const char *text, struct journey_diags *d)
{
	struct journey *j = NULL;
	journey_diags_init(d);
	enum hatch_err rc = journey_load(text, strlen(text), &today, &j, d);
	assert_true(rc == HATCH_OK || rc == HATCH_ERR_INPUT || rc == HATCH_ERR_LIMIT);
	assert_true((rc == HATCH_OK) == (j != NULL));
	return j;
}

/* True when some diagnostic's path is PATH and its reason contains WORDS. */
static bool has_diag(const struct journey_diags *d, const char *path, const char *words)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct journey_diag *g = &d->v[i];
		bool pm = path ? g->path && !strcmp(g->path, path) : !g->path;
		if (pm && strstr(g->reason, words))
			return true;
	}
	return false;
}

static void dump(const struct journey_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  %d:%d %s: %s\n", d->v[i].line, d->v[i].column,
			      d->v[i].path ? d->v[i].path : "-", d->v[i].reason);
}

#define HEAD "{\"hatch_journey\":1,\"id\":\"t\",\"version\":1,\"title\":\"T\",\"description\":\"D\","
#define TAIL_STEPS "{\"id\":\"cya\",\"kind\":\"check_answers\"},{\"id\":\"done\",\"kind\":\"confirmation\",\"title\":\"Sent\"}"
#define Q(id, extra) "{\"id\":\"" id "\",\"kind\":\"yes_no\",\"question\":\"Q?\",\"errors\":{\"required\":\"Select yes or no\"}" extra "}"

static void expect_diag(const char *text, const char *path, const char *words)
{
	struct journey_diags d;
	struct journey *j = load(text, &d);
	if (j || !has_diag(&d, path, words)) {
		dump(&d);
		fail_msg("wanted a problem at %s: %s", path ? path : "(syntax)", words);
	}
	journey_diags_cleanup(&d);
}

static int reset_faults(void **state)
{
	(void)state;
	mem_fail_after(0, 0);
	return 0;
}

static void loader_diagnostics(void **state)
{
	(void)state;
	struct journey_diags d;
	/* Syntax: line and column. */
	struct journey *j = load("{\n  \"id\": \"x\",\n  \"version\": ,\n}", &d);
	assert_null(j);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 3);
	assert_true(d.v[0].column > 0);
	journey_diags_cleanup(&d);

	expect_diag("[]", "$", "must be a JSON object");
	expect_diag(HEAD "\"steps\":[" Q("a", ) "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}],\"colour\":1}",
		    "colour", "unknown key");
	expect_diag("{\"hatch_journey\":1,\"id\":\"t\",\"version\":\"one\"}", "version",
		    "whole number");
	expect_diag(HEAD "\"steps\":[{\"id\":\"a\",\"kind\":\"telepathy\"}," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].kind", "unknown kind");
	expect_diag(HEAD "\"steps\":[" Q("a", ) "," Q("a", ) "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[1].id", "duplicate id");
	expect_diag(HEAD "\"steps\":[" Q("a", ",\"next\":[{\"when\":{\"answer\":\"a\",\"equals\":\"yes\"},\"goto\":\"nowhere\"}]") "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].next[0].goto", "no step has the id");
	expect_diag(HEAD "\"steps\":[" Q("a", ) "," Q("b", ",\"next\":[{\"when\":{\"answer\":\"b\",\"equals\":\"no\"},\"goto\":\"a\"}]") "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[1].next[0].goto", "loop");
	expect_diag(HEAD "\"steps\":[" Q("a", ",\"show_when\":{\"answer\":\"b\",\"equals\":\"no\"}") "," Q("b", ) "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].show_when", "comes after");
	expect_diag(HEAD "\"steps\":[" Q("a", ) "," TAIL_STEPS "],\"routes\":[{\"when\":{\"answer\":\"a\",\"equals\":\"yes\"},\"destination\":\"x\"}]}",
		    "routes", "a=no");
	expect_diag(HEAD "\"steps\":[" Q("a", ",\"next\":[{\"when\":{\"answer\":\"a\",\"one_of\":[\"yes\",\"no\"]},\"goto\":\"cya\"}]") "," Q("b", ) "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[1]", "no path reaches");
	expect_diag(HEAD "\"steps\":[" Q("a", ",\"show_when\":{\"answer\":\"a\",\"equals\":\"yes\"}") "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].show_when", "comes from");
	expect_diag(HEAD "\"steps\":[{\"id\":\"a\",\"kind\":\"text\",\"question\":\"Q?\",\"pattern\":\"([a-z\",\"errors\":{\"required\":\"Enter it\"}}," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].pattern", "regular expression");
	expect_diag(HEAD "\"steps\":[{\"id\":\"a\",\"kind\":\"text\",\"question\":\"Q?\"}," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].errors.required", "needs its own message");
	expect_diag(HEAD "\"steps\":[" Q("a", ) ",{\"id\":\"done\",\"kind\":\"confirmation\",\"title\":\"Sent\"},{\"id\":\"cya\",\"kind\":\"check_answers\"}],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps", "last two steps");
	expect_diag(HEAD "\"steps\":[" Q("a", ",\"next\":[{\"when\":{\"answer\":\"a\",\"equals\":\"yes\"},\"goto\":\"done\"}]") "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].next[0].goto", "skipping check your answers");
	expect_diag(HEAD "\"steps\":[" Q("a", ",\"show_when\":{\"answer\":\"a\",\"gt\":3}") "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].show_when.gt", "compares numbers or dates");
	expect_diag(HEAD "\"steps\":[{\"id\":\"n\",\"kind\":\"number\",\"question\":\"N?\",\"max\":1e300,\"errors\":{\"required\":\"Enter it\"}}," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].max", "out of range");
	expect_diag(HEAD "\"steps\":[{\"id\":\"t\",\"kind\":\"text\",\"question\":\"Q?\",\"example\":\"abc\",\"pattern\":\"[0-9]+\",\"errors\":{\"required\":\"Enter it\"}}," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].example", "fails the step's own rules");
	expect_diag(HEAD "\"steps\":[{\"id\":\"c\",\"kind\":\"single_choice\",\"question\":\"Q?\",\"options\":[{\"value\":\"a\",\"label\":\"A\"},{\"value\":\"a\",\"label\":\"B\"}],\"errors\":{\"required\":\"Select one\"}}," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].options[1].value", "duplicate value");
	expect_diag(HEAD "\"steps\":[" Q("a", ",\"show_when\":{\"answer\":\"a\",\"equals\":\"perhaps\"}") "," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		    "steps[0].show_when.equals", "not one of the values");

	/* An option whose value is bad, looked at by a condition: a clear
	 * error, not a crash (found by fuzzing). */
	expect_diag(HEAD "\"steps\":[{\"id\":\"c\",\"kind\":\"single_choice\",\"question\":\"Q?\",\"options\":[{\"value\":\"Refuse\",\"label\":\"R\"}],\"errors\":{\"required\":\"Select one\"}}," TAIL_STEPS "],\"routes\":[{\"when\":{\"answer\":\"c\",\"equals\":\"x\"},\"destination\":\"x\"}]}",
		    "steps[0].options[0].value", "not a valid id");
	/* Values a normalised answer can never be. */
	expect_diag(HEAD "\"steps\":[{\"id\":\"n\",\"kind\":\"number\",\"question\":\"N?\",\"errors\":{\"required\":\"Enter N\"}}," TAIL_STEPS "],\"routes\":[{\"when\":{\"answer\":\"n\",\"equals\":\"030\"},\"destination\":\"a\"},{\"destination\":\"b\"}]}",
		    "routes[0].when.equals", "kept as \"30\"");
	expect_diag(HEAD "\"steps\":[{\"id\":\"t\",\"kind\":\"text\",\"question\":\"T?\",\"errors\":{\"required\":\"Enter T\"}}," TAIL_STEPS "],\"routes\":[{\"when\":{\"answer\":\"t\",\"equals\":\" x\"},\"destination\":\"a\"},{\"destination\":\"b\"}]}",
		    "routes[0].when.equals", "starts or ends with a space");
	expect_diag(HEAD "\"steps\":[{\"id\":\"p\",\"kind\":\"postcode\",\"question\":\"P?\",\"errors\":{\"required\":\"Enter P\"}}," TAIL_STEPS "],\"routes\":[{\"when\":{\"answer\":\"p\",\"equals\":\"ab1 0aa\"},\"destination\":\"a\"},{\"destination\":\"b\"}]}",
		    "routes[0].when.equals", "kept as \"AB1 0AA\"");

	/* Nesting past the limit is a clear error, not a stack overflow. */
	char deep[4096] = HEAD "\"steps\":[" Q("a", ) ",{\"id\":\"b\",\"kind\":\"info\",\"title\":\"B\",\"show_when\":";
	for (int i = 0; i < 40; i++)
		strncat(deep, "{\"not\":", sizeof deep - strlen(deep) - 1);
	strncat(deep, "{\"answer\":\"a\",\"equals\":\"yes\"}", sizeof deep - strlen(deep) - 1);
	for (int i = 0; i < 40; i++)
		strncat(deep, "}", sizeof deep - strlen(deep) - 1);
	strncat(deep, "}," TAIL_STEPS "],\"routes\":[{\"destination\":\"x\"}]}",
		sizeof deep - strlen(deep) - 1);
	j = load(deep, &d);
	assert_null(j);
	if (!has_diag(&d, "steps[1].show_when.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not",
		      "nested more than")) {
		dump(&d);
		fail();
	}
	journey_diags_cleanup(&d);

	/* Several problems are all reported. */
	j = load(HEAD "\"steps\":[{\"id\":\"A\",\"kind\":\"x\"},{\"id\":\"b\",\"kind\":\"y\"}]}", &d);
	assert_null(j);
	assert_true(d.n >= 3);
	journey_diags_cleanup(&d);
}

static void loader_limits(void **state)
{
	(void)state;
	size_t n = JOURNEY_MAX_BYTES + 10;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	struct journey_diags d;
	journey_diags_init(&d);
	struct journey *j = NULL;
	assert_int_equal(journey_load(big, n, &today, &j, &d), HATCH_ERR_LIMIT);
	assert_null(j);
	assert_int_equal(d.n, 1);
	journey_diags_cleanup(&d);
	free(big);

	static const char bad_utf8[] = HEAD "\"steps\":[\"\xC3\x28\"]}";
	journey_diags_init(&d);
	assert_int_equal(journey_load(bad_utf8, strlen(bad_utf8), &today, &j, &d),
			 HATCH_ERR_INPUT);
	assert_int_equal(d.n, 1);
	assert_true(d.v[0].line >= 1);
	journey_diags_cleanup(&d);
}

/* ---- sessions ---- */

static const char branching[] = HEAD
	"\"steps\":["
	"{\"id\":\"who\",\"kind\":\"single_choice\",\"question\":\"Who?\","
	" \"options\":[{\"value\":\"me\",\"label\":\"Me\"},{\"value\":\"other\",\"label\":\"Someone else\"}],"
	" \"errors\":{\"required\":\"Select who\"}},"
	"{\"id\":\"their-name\",\"kind\":\"text\",\"question\":\"Their name?\","
	" \"show_when\":{\"answer\":\"who\",\"equals\":\"other\"},\"errors\":{\"required\":\"Enter their name\"}},"
	"{\"id\":\"born\",\"kind\":\"date\",\"question\":\"Date of birth?\",\"max\":{\"days\":0},"
	" \"errors\":{\"required\":\"Enter the date of birth\",\"max\":\"The date of birth must be in the past\"}},"
	"{\"id\":\"speed\",\"kind\":\"number\",\"question\":\"Speed?\",\"whole\":true,\"min\":1,\"max\":200,\"unit\":\"mph\","
	" \"errors\":{\"required\":\"Enter the speed\",\"min\":\"The speed must be {min} mph or more\"},"
	" \"next\":[{\"when\":{\"answer\":\"speed\",\"gt\":100},\"goto\":\"too-fast\"}]},"
	"{\"id\":\"where\",\"kind\":\"address\",\"question\":\"Where?\",\"errors\":{\"required\":\"Enter the first line\"}},"
	"{\"id\":\"email\",\"kind\":\"email\",\"question\":\"Email?\",\"required\":false},"
	"{\"id\":\"too-fast\",\"kind\":\"info\",\"title\":\"Call the police\",\"outcome\":\"stop\","
	" \"show_when\":{\"answer\":\"speed\",\"gt\":100}},"
	TAIL_STEPS "],"
	"\"routes\":[{\"when\":{\"answer\":\"who\",\"equals\":\"me\"},\"destination\":\"self\"},{\"destination\":\"proxy\"}]}";

static enum hatch_err answer1(struct session *s, const char *v)
{
	return session_continue(s, &v, 1);
}

static const char *step_id(struct session *s)
{
	return session_step(s)->id;
}

static void session_walk_back_change(void **state)
{
	(void)state;
	struct journey_diags d;
	struct journey *j = load(branching, &d);
	if (!j)
		dump(&d);
	assert_non_null(j);
	journey_diags_cleanup(&d);
	struct session *s = session_create(j, &today);
	assert_non_null(s);
	assert_string_equal(step_id(s), "who");
	assert_false(session_back(s));

	/* A missing answer: the journey's own message. */
	assert_int_equal(answer1(s, ""), HATCH_ERR_INPUT);
	const struct session_error *errs;
	assert_int_equal(session_errors(s, &errs), 1);
	assert_string_equal(errs[0].message, "Select who");
	assert_int_equal(answer1(s, "nobody"), HATCH_ERR_INPUT);
	/* A one-box question given two boxes is not an answer (found by
	 * fuzzing: a blank first box slipped past "required"). */
	const char *two[] = {"", "other"};
	assert_int_equal(session_continue(s, two, 2), HATCH_ERR_INPUT);
	assert_int_equal(answer1(s, "other"), HATCH_OK);
	assert_int_equal(session_errors(s, &errs), 0);
	assert_string_equal(step_id(s), "their-name");
	size_t at, total;
	session_progress(s, &at, &total);
	assert_int_equal(at, 2);
	assert_int_equal(total, 6);
	assert_int_equal(answer1(s, "  Sam Example  "), HATCH_OK);

	/* Dates: an incomplete one names the missing box; the future fails the
	 * journey's rule. */
	const char *no_month[] = {"3", "", "2020"};
	assert_int_equal(session_continue(s, no_month, 3), HATCH_ERR_INPUT);
	assert_int_equal(session_errors(s, &errs), 1);
	assert_int_equal(errs[0].part, DATE_MONTH);
	assert_string_equal(errs[0].message, "The date must include a month");
	const char *future[] = {"1", "1", "2027"};
	assert_int_equal(session_continue(s, future, 3), HATCH_ERR_INPUT);
	session_errors(s, &errs);
	assert_string_equal(errs[0].message, "The date of birth must be in the past");
	const char *feb30[] = {"30", "2", "2020"};
	assert_int_equal(session_continue(s, feb30, 3), HATCH_ERR_INPUT);
	const char *born[] = {"03", "Nov", "1950"};
	assert_int_equal(session_continue(s, born, 3), HATCH_OK);

	assert_int_equal(answer1(s, "0"), HATCH_ERR_INPUT);
	session_errors(s, &errs);
	assert_string_equal(errs[0].message, "The speed must be 1 mph or more");
	assert_int_equal(answer1(s, "3.5"), HATCH_ERR_INPUT);
	session_errors(s, &errs);
	assert_string_equal(errs[0].message, "Enter a whole number");
	assert_int_equal(answer1(s, "45"), HATCH_OK);

	/* Address errors come in box order. */
	const char *addr_bad[] = {"", "", "", "nope"};
	assert_int_equal(session_continue(s, addr_bad, 4), HATCH_ERR_INPUT);
	assert_int_equal(session_errors(s, &errs), 3);
	assert_int_equal(errs[0].part, ADDR_LINE1);
	assert_int_equal(errs[1].part, ADDR_TOWN);
	assert_int_equal(errs[2].part, ADDR_POSTCODE);
	assert_string_equal(errs[2].message, "Enter a real postcode");
	const char *addr[] = {"1 Example Street", "", "Exampletown", "ab1 0aa"};
	assert_int_equal(session_continue(s, addr, 4), HATCH_OK);
	assert_string_equal(step_id(s), "email");
	assert_int_equal(answer1(s, ""), HATCH_OK); /* optional */
	assert_string_equal(step_id(s), "cya");
	assert_int_equal(answer1(s, ""), HATCH_ERR_STATE);

	struct session_rows rows;
	assert_int_equal(session_summary(s, &rows), HATCH_OK);
	assert_int_equal(rows.n, 6);
	assert_string_equal(rows.v[0].value, "Someone else");
	assert_string_equal(rows.v[2].value, "3 November 1950");
	assert_string_equal(rows.v[3].value, "45 mph");
	assert_string_equal(rows.v[4].value, "1 Example Street\nExampletown\nAB1 0AA");
	assert_string_equal(rows.v[5].value, "");
	session_rows_cleanup(&rows);
	assert_string_equal(session_destination(s), "proxy");

	/* Change "who" to me: their-name leaves the path, no new questions, so
	 * straight back to check your answers... */
	assert_int_equal(session_change(s, 0), HATCH_OK);
	assert_true(session_changing(s));
	assert_string_equal(step_id(s), "who");
	assert_int_equal(answer1(s, "me"), HATCH_OK);
	assert_string_equal(step_id(s), "cya");
	assert_false(session_changing(s));
	assert_string_equal(session_destination(s), "self");
	/* ...and Back from a change returns to check your answers. */
	assert_int_equal(session_change(s, 3), HATCH_OK);
	assert_true(session_back(s));
	assert_string_equal(step_id(s), "cya");
	/* A change that brings a stop page goes there. */
	assert_int_equal(session_change(s, 3), HATCH_OK);
	assert_int_equal(answer1(s, "150"), HATCH_OK);
	assert_string_equal(step_id(s), "too-fast");
	assert_true(session_finished(s));
	assert_true(session_back(s));
	assert_string_equal(step_id(s), "speed");
	assert_int_equal(answer1(s, "45"), HATCH_OK);
	assert_string_equal(step_id(s), "where");
	assert_int_equal(session_continue(s, addr, 4), HATCH_OK);
	assert_int_equal(answer1(s, "Name@Example.com"), HATCH_OK);
	assert_string_equal(step_id(s), "cya");

	struct session_meta meta = {"00000000-0000-4000-8000-000000000000",
				    "ABCD-EFGH-J", "cy", true, "staff-7", 1781692200};
	char *record = NULL;
	assert_int_equal(session_submit(s, &meta, &record), HATCH_OK);
	assert_true(session_finished(s));
	assert_string_equal(step_id(s), "done");
	assert_string_equal(session_reference(s), "ABCD-EFGH-J");
	char *again = (char *)"unset";
	assert_int_equal(session_submit(s, &meta, &again), HATCH_ERR_STATE);
	assert_null(again);
	assert_false(session_back(s));
	/* The answer to their-name left the path, so it is not sent. */
	assert_null(strstr(record, "Sam Example"));
	assert_null(strstr(record, "their-name"));
	static const char want[] =
		"{\"answers\":["
		"{\"id\":\"who\",\"label\":\"Me\",\"question\":\"Who?\",\"value\":\"me\"},"
		"{\"id\":\"born\",\"question\":\"Date of birth?\",\"value\":\"1950-11-03\"},"
		"{\"id\":\"speed\",\"question\":\"Speed?\",\"value\":\"45\"},"
		"{\"id\":\"where\",\"question\":\"Where?\",\"value\":{\"line1\":\"1 Example Street\",\"line2\":\"\",\"postcode\":\"AB1 0AA\",\"town\":\"Exampletown\"}},"
		"{\"id\":\"email\",\"question\":\"Email?\",\"value\":\"Name@example.com\"}],"
		"\"channel\":\"assisted\",\"created\":\"2026-06-17T10:30:00Z\",\"destination\":\"self\","
		"\"journey\":{\"id\":\"t\",\"version\":1},\"language\":\"cy\",\"reference\":\"ABCD-EFGH-J\","
		"\"staff_id\":\"staff-7\",\"uuid\":\"00000000-0000-4000-8000-000000000000\"}";
	assert_string_equal(record, want);
	mem_free_wiped(record);
	assert_null(session_answer(s, 1)->parts);
	session_destroy(s);
	journey_destroy(j);
}

/* An address picked from the gazetteer keeps its UPRN and place: shown as
 * its lines, sent with them; what the gazetteer could not have given is
 * refused. */
static void session_address_from_gazetteer(void **state)
{
	(void)state;
	struct journey_diags d;
	struct journey *j = load(branching, &d);
	assert_non_null(j);
	struct session *s = session_create(j, &today);
	assert_non_null(s);
	assert_int_equal(answer1(s, "me"), HATCH_OK);
	const char *born[] = {"3", "11", "1950"};
	assert_int_equal(session_continue(s, born, 3), HATCH_OK);
	assert_int_equal(answer1(s, "45"), HATCH_OK);
	assert_string_equal(step_id(s), "where");
	static const char *const bad[][ADDR_PARTS] = {
		{"14 Mill Lane", "", "Exampleton", "ZY1 1AA", "0123", "", ""},         /* leading zero */
		{"14 Mill Lane", "", "Exampleton", "ZY1 1AA", "1234567890123", "", ""}, /* 13 digits */
		{"14 Mill Lane", "", "Exampleton", "ZY1 1AA", "12a", "", ""},
		{"14 Mill Lane", "", "Exampleton", "ZY1 1AA", "1", "52.1", ""},        /* half a place */
		{"14 Mill Lane", "", "Exampleton", "ZY1 1AA", "1", "91", "0"},
		{"14 Mill Lane", "", "Exampleton", "ZY1 1AA", "1", "52", "-181"},
		{"14 Mill Lane", "", "Exampleton", "ZY1 1AA", "1", "5e1", "0"},
		{"14 Mill Lane", "", "Exampleton", "ZY1 1AA", "1", "nan", "0"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(session_continue(s, bad[i], ADDR_PARTS), HATCH_ERR_INPUT);
	/* Neither four nor seven parts is not an address. */
	assert_int_equal(session_continue(s, bad[0], 5), HATCH_ERR_INPUT);
	const char *picked[] = {"Flat 2, 14 Mill Lane", "", "Exampleton", "zy1 1aa",
				"100090000138", "52.792351", "-1.604506"};
	assert_int_equal(session_continue(s, picked, ADDR_PARTS), HATCH_OK);
	assert_int_equal(answer1(s, ""), HATCH_OK);
	assert_string_equal(step_id(s), "cya");
	struct session_rows rows;
	assert_int_equal(session_summary(s, &rows), HATCH_OK);
	assert_string_equal(rows.v[3].value, "Flat 2, 14 Mill Lane\nExampleton\nZY1 1AA");
	session_rows_cleanup(&rows);
	struct session_meta meta = {"00000000-0000-4000-8000-000000000000",
				    "ABCD-EFGH-J", "en", false, NULL, 1781692200};
	char *record = NULL;
	assert_int_equal(session_submit(s, &meta, &record), HATCH_OK);
	assert_non_null(strstr(record, "\"value\":{\"lat\":52.792351,\"line1\":\"Flat 2, 14 Mill Lane\","
				       "\"line2\":\"\",\"long\":-1.604506,\"postcode\":\"ZY1 1AA\","
				       "\"town\":\"Exampleton\",\"uprn\":\"100090000138\"}"));
	mem_free_wiped(record);
	session_destroy(s);
	journey_destroy(j);

	/* Typed in: four parts, kept as seven, sent without a UPRN. */
	s = session_create(j = load(branching, &d), &today);
	assert_non_null(s);
	assert_int_equal(answer1(s, "me"), HATCH_OK);
	assert_int_equal(session_continue(s, born, 3), HATCH_OK);
	assert_int_equal(answer1(s, "45"), HATCH_OK);
	const char *typed[] = {"14 Mill Lane", "", "Exampleton", "ZY1 1AA"};
	assert_int_equal(session_continue(s, typed, ADDR_LINES), HATCH_OK);
	assert_int_equal(session_answer(s, 4)->nparts, ADDR_PARTS);
	assert_string_equal(session_answer(s, 4)->parts[ADDR_UPRN], "");
	assert_int_equal(answer1(s, ""), HATCH_OK);
	assert_int_equal(session_submit(s, &meta, &record), HATCH_OK);
	assert_null(strstr(record, "uprn"));
	assert_null(strstr(record, "\"lat\""));
	mem_free_wiped(record);
	session_destroy(s);
	journey_destroy(j);
}

/* An answer on a branch the citizen went back out of decides nothing
 * (found by fuzzing the missed bin journey: the crew's reason, given and
 * then left behind, still led to a stop page). */
static void session_stale_branch(void **state)
{
	(void)state;
	static const char text[] = HEAD "\"steps\":["
		Q("tag", ) ","
		"{\"id\":\"reason\",\"kind\":\"single_choice\",\"question\":\"Why?\","
		" \"options\":[{\"value\":\"heavy\",\"label\":\"Too heavy\"},{\"value\":\"other\",\"label\":\"Other\"}],"
		" \"show_when\":{\"answer\":\"tag\",\"equals\":\"yes\"},\"errors\":{\"required\":\"Select why\"}},"
		"{\"id\":\"stop\",\"kind\":\"info\",\"title\":\"We cannot help\",\"outcome\":\"stop\","
		" \"show_when\":{\"answer\":\"reason\",\"equals\":\"heavy\"}},"
		TAIL_STEPS "],"
		"\"routes\":[{\"when\":{\"answer\":\"reason\",\"equals\":\"heavy\"},\"destination\":\"wrong\"},{\"destination\":\"right\"}]}";
	struct journey_diags d;
	struct journey *j = load(text, &d);
	if (!j)
		dump(&d);
	assert_non_null(j);
	journey_diags_cleanup(&d);
	struct session *s = session_create(j, &today);
	assert_int_equal(answer1(s, "yes"), HATCH_OK);
	assert_int_equal(answer1(s, "heavy"), HATCH_OK);
	assert_string_equal(step_id(s), "stop");
	assert_true(session_back(s));
	assert_true(session_back(s));
	assert_string_equal(step_id(s), "tag");
	assert_int_equal(answer1(s, "no"), HATCH_OK);
	assert_string_equal(step_id(s), "cya");
	assert_string_equal(session_destination(s), "right");
	struct session_meta meta = {"u", "r", "en", false, NULL, 0};
	char *record;
	assert_int_equal(session_submit(s, &meta, &record), HATCH_OK);
	assert_null(strstr(record, "heavy"));
	assert_non_null(strstr(record, "\"destination\":\"right\""));
	mem_free_wiped(record);
	session_destroy(s);
	journey_destroy(j);
}

/* Every allocation in load, walk and submit can fail without a leak or a
 * crash; run under `make check` LeakSanitizer sees the leaks. */
static void out_of_memory_everywhere(void **state)
{
	(void)state;
	bool done = false;
	for (long n = 1; !done && n < 100000; n++) {
		struct journey_diags d;
		journey_diags_init(&d);
		struct journey *j = NULL;
		mem_fail_after(n, 1);
		enum hatch_err rc = journey_load(branching, strlen(branching), &today, &j, &d);
		struct session *s = NULL;
		char *record = NULL;
		if (rc == HATCH_OK) {
			s = session_create(j, &today);
			const char *v = "me";
			const char *born[] = {"3", "11", "1950"};
			const char *addr[] = {"1 Example Street", "", "Exampletown", "ab1 0aa"};
			struct session_meta meta = {"u", "r", "en", false, NULL, 0};
			enum hatch_err r2 = HATCH_ERR_NOMEM;
			if (s && session_continue(s, &v, 1) == HATCH_OK &&
			    session_continue(s, born, 3) == HATCH_OK &&
			    (v = "45", session_continue(s, &v, 1) == HATCH_OK) &&
			    session_continue(s, addr, 4) == HATCH_OK &&
			    (v = "", session_continue(s, &v, 1) == HATCH_OK))
				r2 = session_submit(s, &meta, &record);
			done = r2 == HATCH_OK;
			if (done)
				assert_non_null(record);
		} else {
			if (rc != HATCH_ERR_NOMEM)
				dump(&d);
			assert_int_equal(rc, HATCH_ERR_NOMEM);
			assert_null(j);
		}
		mem_fail_after(0, 0);
		mem_free_wiped(record);
		session_destroy(s);
		journey_destroy(j);
		journey_diags_cleanup(&d);
	}
	assert_true(done);
}

/* ---- every path of every bundled journey ---- */

struct path_run {
	const struct journey *j;
	size_t paths, stops, submitted;
	char file[256];
};

static void check_record(const struct path_run *r, const struct journey_path *p,
			 struct session *s, const char *record)
{
	json_error_t err;
	json_t *rec = json_loads(record, 0, &err);
	if (!rec)
		fail_msg("%s: record is not JSON: %s", r->file, err.text);
	assert_string_equal(json_string_value(json_object_get(rec, "destination")),
			    p->destination);
	json_t *jj = json_object_get(rec, "journey");
	assert_string_equal(json_string_value(json_object_get(jj, "id")), r->j->id);
	assert_int_equal(json_integer_value(json_object_get(jj, "version")), r->j->version);
	assert_string_equal(json_string_value(json_object_get(rec, "channel")), "self-service");
	assert_string_equal(json_string_value(json_object_get(rec, "created")),
			    "2026-06-15T12:00:00Z");
	/* Exactly the answered questions of the path, in order, each with its
	 * question text. */
	json_t *answers = json_object_get(rec, "answers");
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct journey_step *st = &r->j->steps[p->steps[i].step];
		if (!journey_kind_is_question(st->kind) || !answer_given(p->steps[i].answer))
			continue;
		json_t *a = json_array_get(answers, k++);
		assert_non_null(a);
		assert_string_equal(json_string_value(json_object_get(a, "id")), st->id);
		assert_string_equal(json_string_value(json_object_get(a, "question")),
				    st->question);
		assert_non_null(json_object_get(a, "value"));
		if (st->kind == STEP_SINGLE_CHOICE || st->kind == STEP_YES_NO)
			assert_string_equal(
				json_string_value(json_object_get(a, "value")),
				answer_value(session_answer(s, p->steps[i].step)));
	}
	assert_int_equal(json_array_size(answers), k);
	json_decref(rec);
}

static bool walk_one(void *user, const struct journey_path *p)
{
	struct path_run *r = user;
	struct session *s = session_create(r->j, &today);
	assert_non_null(s);
	r->paths++;
	for (size_t i = 0; i < p->n; i++) {
		size_t want = p->steps[i].step;
		if (session_current(s) != want)
			fail_msg("%s: path %zu expected step %s, session is at %s", r->file,
				 r->paths, r->j->steps[want].id, step_id(s));
		const struct journey_step *st = &r->j->steps[want];
		if (st->stop || st->kind == STEP_CHECK_ANSWERS)
			break;
		const struct answer *a = p->steps[i].answer;
		enum hatch_err rc = session_continue(
			s, a ? (const char *const *)a->parts : NULL, a ? a->nparts : 0);
		if (rc != HATCH_OK) {
			const struct session_error *errs;
			size_t ne = session_errors(s, &errs);
			fail_msg("%s: step %s refused a sample: %s", r->file, st->id,
				 ne ? errs[0].message : err_name(rc));
		}
	}
	if (p->stopped) {
		assert_true(session_finished(s));
		assert_true(session_step(s)->stop);
		r->stops++;
	} else {
		assert_non_null(p->destination);
		assert_int_equal(session_step(s)->kind, STEP_CHECK_ANSWERS);
		struct session_rows rows;
		assert_int_equal(session_summary(s, &rows), HATCH_OK);
		assert_true(rows.n > 0);
		session_rows_cleanup(&rows);
		struct session_meta meta = {"0b7e3c1e-4a5f-4d2b-9c1a-7a6f2b1c9d3e",
					    "K7QM-2D9X-J", "en", false, NULL,
					    1781524800};
		char *record;
		assert_int_equal(session_submit(s, &meta, &record), HATCH_OK);
		assert_int_equal(session_step(s)->kind, STEP_CONFIRMATION);
		check_record(r, p, s, record);
		mem_free_wiped(record);
		r->submitted++;
	}
	session_destroy(s);
	return true;
}

static void bundled_journeys_every_path(void **state)
{
	(void)state;
	char dir[4096];
	struct hatch_error e;
	assert_int_equal(platform_assets_dir(dir, sizeof dir - 16, &e), HATCH_OK);
	strncat(dir, "/journeys", sizeof dir - strlen(dir) - 1);
	char **files;
	size_t n;
	assert_int_equal(platform_list_dir(dir, ".json", &files, &n, &e), HATCH_OK);
	assert_true(n >= 6);
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		char *data;
		size_t len;
		assert_int_equal(platform_read_file(files[i], JOURNEY_MAX_BYTES, &data, &len, &e),
				 HATCH_OK);
		struct journey_diags d;
		journey_diags_init(&d);
		struct journey *j = NULL;
		if (journey_load(data, len, &today, &j, &d) != HATCH_OK) {
			dump(&d);
			fail_msg("%s does not load", files[i]);
		}
		mem_free(data);
		journey_diags_cleanup(&d);
		struct path_run r = {.j = j};
		snprintf(r.file, sizeof r.file, "%s", files[i]);
		struct journey_paths_result res;
		assert_int_equal(journey_paths(j, &today, 1000000, walk_one, &r, NULL, &res),
				 HATCH_OK);
		assert_true(res.complete);
		assert_int_equal(r.paths, res.paths);
		assert_true(r.submitted > 0);
		/* Every step is on some path. */
		for (size_t k = 0; k + 1 < j->nsteps; k++)
			if (!res.reached[k])
				fail_msg("%s: step %s is on no path", files[i], j->steps[k].id);
		print_message("# %s: %zu paths, %zu to a stop page, %zu submitted\n",
			      j->id, r.paths, r.stops, r.submitted);
		total += r.paths;
		mem_free(res.reached);
		journey_destroy(j);
	}
	assert_true(total > 6);
	platform_list_free(files, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(postcodes, reset_faults),
		cmocka_unit_test_teardown(ninos, reset_faults),
		cmocka_unit_test_teardown(registrations, reset_faults),
		cmocka_unit_test_teardown(phones, reset_faults),
		cmocka_unit_test_teardown(emails, reset_faults),
		cmocka_unit_test_teardown(numbers, reset_faults),
		cmocka_unit_test_teardown(dates, reset_faults),
		cmocka_unit_test_teardown(references_are_unique_and_checked, reset_faults),
		cmocka_unit_test_teardown(uuids, reset_faults),
		cmocka_unit_test_teardown(loader_diagnostics, reset_faults),
		cmocka_unit_test_teardown(loader_limits, reset_faults),
		cmocka_unit_test_teardown(session_walk_back_change, reset_faults),
		cmocka_unit_test_teardown(session_stale_branch, reset_faults),
		cmocka_unit_test_teardown(session_address_from_gazetteer, reset_faults),
		cmocka_unit_test_teardown(out_of_memory_everywhere, reset_faults),
		cmocka_unit_test_teardown(bundled_journeys_every_path, reset_faults),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
