/* Unit tests for platform/: reading files with a cap, listing a directory,
 * randomness, the clock and finding the assets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#include "base/mem.h"
#include "platform/platform.h"


static void write_file(const char *name, const char *text, size_t n)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", support_dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
}

static void read_file_caps(void **state)
{
	(void)state;
	write_file("ten", "0123456789", 10);
	char path[512], *data;
	size_t len;
	struct hatch_error e;
	snprintf(path, sizeof path, "%s/ten", support_dir);
	assert_int_equal(platform_read_file(path, 10, &data, &len, &e), HATCH_OK);
	assert_int_equal(len, 10);
	assert_string_equal(data, "0123456789");
	mem_free(data);
	assert_int_equal(platform_read_file(path, 9, &data, &len, &e), HATCH_ERR_LIMIT);
	assert_null(data);
	assert_non_null(strstr(e.msg, "larger than 9 bytes"));
	snprintf(path, sizeof path, "%s/absent", support_dir);
	assert_int_equal(platform_read_file(path, 9, &data, &len, &e), HATCH_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "No such file"));
	assert_int_equal(platform_read_file(support_dir, 9, &data, &len, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "directory"));
	write_file("empty", "", 0);
	snprintf(path, sizeof path, "%s/empty", support_dir);
	assert_int_equal(platform_read_file(path, 9, &data, &len, &e), HATCH_OK);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	mem_free(data);
}

static void list_dir_sorted(void **state)
{
	(void)state;
	write_file("b.json", "{}", 2);
	write_file("a.json", "{}", 2);
	write_file("c.txt", "x", 1);
	write_file(".hidden.json", "{}", 2);
	char **names;
	size_t n;
	struct hatch_error e;
	assert_int_equal(platform_list_dir(support_dir, ".json", &names, &n, &e), HATCH_OK);
	assert_int_equal(n, 2);
	assert_non_null(strstr(names[0], "/a.json"));
	assert_non_null(strstr(names[1], "/b.json"));
	platform_list_free(names, n);
	assert_int_equal(platform_list_dir("/nonexistent-hatch", ".json", &names, &n, &e),
			 HATCH_ERR_NOTFOUND);
}

static void random_and_clock(void **state)
{
	(void)state;
	uint8_t a[32] = {0}, b[32] = {0};
	struct hatch_error e;
	assert_int_equal(platform_random(a, sizeof a, &e), HATCH_OK);
	assert_int_equal(platform_random(b, sizeof b, &e), HATCH_OK);
	assert_memory_not_equal(a, b, sizeof a);
	assert_true(platform_now() > 1700000000);
	struct cdate t = platform_today();
	assert_true(t.year >= 2024 && t.month >= 1 && t.month <= 12 && t.day >= 1);
}

static void assets_dir_from_env(void **state)
{
	(void)state;
	char out[512];
	struct hatch_error e;
	setenv("HATCH_ASSETS", support_dir, 1);
	assert_int_equal(platform_assets_dir(out, sizeof out, &e), HATCH_OK);
	assert_string_equal(out, support_dir);
	setenv("HATCH_ASSETS", "/nonexistent-hatch", 1);
	assert_int_equal(platform_assets_dir(out, sizeof out, &e), HATCH_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "HATCH_ASSETS"));
	unsetenv("HATCH_ASSETS");
	/* From a build tree the binary finds assets/ beside it. */
	assert_int_equal(platform_assets_dir(out, sizeof out, &e), HATCH_OK);
	assert_non_null(strstr(out, "assets"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_file_caps),
		cmocka_unit_test(list_dir_sorted),
		cmocka_unit_test(random_and_clock),
		cmocka_unit_test(assets_dir_from_env),
	};
	return cmocka_run_group_tests_name("platform", tests, support_dir_setup, support_dir_teardown);
}
