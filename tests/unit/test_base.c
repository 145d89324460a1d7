/* Unit tests for base/: capped buffers, allocation fault injection, UTF-8
 * checks and error reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "base/utf8.h"

static void buf_grows_and_takes(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1000);
	assert_string_equal(buf_get(&b), "");
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf_addf(&b, "%d,", i % 10), HATCH_OK);
	assert_int_equal(b.len, 200);
	assert_int_equal(buf_addstr(&b, "end"), HATCH_OK);
	char *s = buf_take(&b);
	assert_non_null(s);
	assert_int_equal(strlen(s), 203);
	assert_memory_equal(s, "0,1,2,", 6);
	assert_string_equal(s + 200, "end");
	assert_null(b.data);
	mem_free(s);
}

static void buf_cap_frees_on_failure(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_addstr(&b, "0123456789"), HATCH_OK);
	/* One byte past the cap fails and leaves the buffer empty, so nobody
	 * goes on with half a result. */
	assert_int_equal(buf_addstr(&b, "x"), HATCH_ERR_LIMIT);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_addstr(&b, "again"), HATCH_OK);
	assert_string_equal(buf_get(&b), "again");
	buf_cleanup(&b);
}

static void buf_long_format(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 100000);
	char big[5000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(buf_addf(&b, "<%s>", big), HATCH_OK);
	assert_int_equal(b.len, sizeof big + 1);
	assert_int_equal(b.data[0], '<');
	assert_int_equal(b.data[b.len - 1], '>');
	buf_cleanup(&b);
}

static void buf_nomem(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1000);
	mem_fail_after(1, 0);
	assert_int_equal(buf_addstr(&b, "hello"), HATCH_ERR_NOMEM);
	mem_fail_after(0, 0);
	assert_null(b.data);
	assert_int_equal(buf_addstr(&b, "hello"), HATCH_OK);
	buf_cleanup(&b);
}

static void mem_fault_injection_counts(void **state)
{
	(void)state;
	mem_fail_after(3, 0);
	void *a = mem_alloc(8), *b = mem_alloc(8), *c = mem_alloc(8), *d = mem_alloc(8);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(c);
	assert_non_null(d); /* not sticky: only the third fails */
	mem_free(a);
	mem_free(b);
	mem_free(d);
	mem_fail_after(2, 1);
	a = mem_alloc(8);
	assert_non_null(a);
	assert_null(mem_alloc(8));
	assert_null(mem_strdup("x"));
	assert_null(mem_calloc(2, 2));
	mem_fail_after(0, 0);
	b = mem_strdup("back");
	assert_string_equal(b, "back");
	mem_free(a);
	mem_free(b);
}

static void mem_wipe_zeroes(void **state)
{
	(void)state;
	char s[16] = "secret";
	mem_wipe(s, sizeof s);
	for (size_t i = 0; i < sizeof s; i++)
		assert_int_equal(s[i], 0);
	mem_free_wiped(NULL);
	mem_free_secure(NULL);
}

static void utf8_checks(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int valid;
		size_t len;
	} cases[] = {
		{"plain", 1, 5},
		{"Cymraeg: ŵ ŷ", 1, 12},
		{"اردو", 1, 4},
		{"ਪੰਜਾਬੀ", 1, 6},
		{"\xF0\x9F\x98\x80", 1, 1},
		{"\xC0\xAF", 0, 0},             /* overlong '/' */
		{"\xE0\x80\xAF", 0, 0},         /* overlong */
		{"\xED\xA0\x80", 0, 0},         /* surrogate */
		{"\xF4\x90\x80\x80", 0, 0},     /* past U+10FFFF */
		{"\xFF", 0, 0},
		{"abc\xE2\x82", 0, 0},          /* truncated */
		{"\x80", 0, 0},                 /* lone continuation */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		assert_int_equal(utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].valid);
		if (cases[i].valid)
			assert_int_equal(utf8_length(cases[i].s), cases[i].len);
	}
	assert_false(utf8_valid("a\0b", 3));
}

static void err_reasons(void **state)
{
	(void)state;
	struct hatch_error e;
	assert_int_equal(err_set(&e, HATCH_ERR_INPUT, "line %d: %s", 3, "bad"),
			 HATCH_ERR_INPUT);
	assert_string_equal(e.msg, "line 3: bad");
	assert_int_equal(err_set(NULL, HATCH_ERR_IO, "x"), HATCH_ERR_IO);
	assert_string_equal(err_name(HATCH_ERR_NOMEM), "out of memory");
	char big[2000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	err_set(&e, HATCH_ERR_INPUT, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_grows_and_takes),
		cmocka_unit_test(buf_cap_frees_on_failure),
		cmocka_unit_test(buf_long_format),
		cmocka_unit_test(buf_nomem),
		cmocka_unit_test(mem_fault_injection_counts),
		cmocka_unit_test(mem_wipe_zeroes),
		cmocka_unit_test(utf8_checks),
		cmocka_unit_test(err_reasons),
	};
	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
