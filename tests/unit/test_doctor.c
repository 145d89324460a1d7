/* Unit tests for hatch doctor's library parts and the log: the verdict
 * rules at their edges, the sizes and ages it prints, one log line (the
 * journal's prefix or the plain one, control characters, a long event cut
 * at a character), the log file's rotation, store_check on missing, foreign,
 * healthy and damaged files, running a program with a cap and a time
 * limit, and doctor_run with every allocation failing in turn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#include "app/doctor.h"
#include "base/mem.h"
#include "platform/log.h"
#include "store/store.h"
#include "store/store_check.h"

#define MIB (1ULL << 20)

static void space_rule(void **state)
{
	(void)state;
	/* Under 100 MiB fails whatever the share. */
	assert_int_equal(doctor_space_verdict(100 * MIB - 1, 200 * MIB), DOCTOR_FAIL);
	assert_int_equal(doctor_space_verdict(100 * MIB, 200 * MIB), DOCTOR_OK);
	/* Under 5 % fails, under 20 % warns. */
	unsigned long long total = 10000 * MIB;
	assert_int_equal(doctor_space_verdict(total * 5 / 100 - 1, total), DOCTOR_FAIL);
	assert_int_equal(doctor_space_verdict(total * 5 / 100, total), DOCTOR_WARN);
	assert_int_equal(doctor_space_verdict(total * 20 / 100 - 1, total), DOCTOR_WARN);
	assert_int_equal(doctor_space_verdict(total * 20 / 100, total), DOCTOR_OK);
	assert_int_equal(doctor_space_verdict(0, 0), DOCTOR_FAIL);
	assert_int_equal(doctor_space_verdict(0, total), DOCTOR_FAIL);
}

static void cert_and_outbox_rules(void **state)
{
	(void)state;
	long long now = 1800000000;
	long long day = 86400;
	assert_int_equal(doctor_cert_verdict(0, now), DOCTOR_OK);
	assert_int_equal(doctor_cert_verdict(now + DOCTOR_CERT_WARN_DAYS * day, now), DOCTOR_OK);
	assert_int_equal(doctor_cert_verdict(now + DOCTOR_CERT_WARN_DAYS * day - 1, now),
			 DOCTOR_WARN);
	assert_int_equal(doctor_cert_verdict(now - 1, now), DOCTOR_WARN);

	assert_int_equal(doctor_outbox_verdict(0, 0, now), DOCTOR_OK);
	assert_int_equal(doctor_outbox_verdict(0, now - 3600, now), DOCTOR_OK);
	assert_int_equal(doctor_outbox_verdict(0, now - 3601, now), DOCTOR_WARN);
	assert_int_equal(doctor_outbox_verdict(1, 0, now), DOCTOR_WARN);
	assert_int_equal(doctor_outbox_verdict(0, now - day, now), DOCTOR_WARN);
	assert_int_equal(doctor_outbox_verdict(0, now - day - 1, now), DOCTOR_FAIL);
	assert_int_equal(doctor_outbox_verdict(3, now - day - 1, now), DOCTOR_FAIL);
	assert_string_equal(doctor_verdict_name(DOCTOR_OK), "ok");
	assert_string_equal(doctor_verdict_name(DOCTOR_WARN), "warn");
	assert_string_equal(doctor_verdict_name(DOCTOR_FAIL), "fail");
}

static void sizes_and_ages(void **state)
{
	(void)state;
	char s[32];
	doctor_bytes(0, s, sizeof s);
	assert_string_equal(s, "0 B");
	doctor_bytes(1023, s, sizeof s);
	assert_string_equal(s, "1023 B");
	doctor_bytes(1536, s, sizeof s);
	assert_string_equal(s, "1.5 KiB");
	doctor_bytes(2 * MIB, s, sizeof s);
	assert_string_equal(s, "2.0 MiB");
	doctor_bytes(70ULL << 30, s, sizeof s);
	assert_string_equal(s, "70 GiB");
	doctor_age(-5, s, sizeof s);
	assert_string_equal(s, "0 s");
	doctor_age(59, s, sizeof s);
	assert_string_equal(s, "59 s");
	doctor_age(3 * 3600 + 120, s, sizeof s);
	assert_string_equal(s, "3 h 2 min");
	doctor_age(2 * 86400 + 5 * 3600, s, sizeof s);
	assert_string_equal(s, "2 d 5 h");
}

static size_t fmt(char *out, size_t size, bool journal, enum log_level l, const char *module,
		  const char *f, ...) HATCH_PRINTF(6, 7);
static size_t fmt(char *out, size_t size, bool journal, enum log_level l, const char *module,
		  const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	size_t n = log_format(out, size, journal, l, module, f, ap);
	va_end(ap);
	return n;
}

static void log_lines(void **state)
{
	(void)state;
	char line[LOG_LINE_MAX];
	size_t n = fmt(line, sizeof line, true, LOG_LEVEL_WARNING, "sync", "failed status=%d", 503);
	assert_string_equal(line, "<4>hatch sync: failed status=503\n");
	assert_int_equal(n, strlen(line));
	fmt(line, sizeof line, false, LOG_LEVEL_INFO, "doctor", "ok=%d", 3);
	assert_string_equal(line, "hatch: doctor: ok=3\n");
	fmt(line, sizeof line, false, LOG_LEVEL_INFO, NULL, "plain");
	assert_string_equal(line, "hatch: plain\n");
	/* An event is one line whatever it holds. */
	fmt(line, sizeof line, true, LOG_LEVEL_ERR, "x", "a\nb\r\tc\x7f");
	assert_string_equal(line, "<3>hatch x: a?b??c?\n");
	/* A level out of range is logged as an error. */
	fmt(line, sizeof line, true, (enum log_level)42, "x", "y");
	assert_string_equal(line, "<3>hatch x: y\n");

	/* A long event is cut at a character and ends in "...". */
	char big[3000];
	size_t at = 0;
	while (at + 2 < sizeof big) {
		memcpy(big + at, "\xC3\xA9", 2); /* é */
		at += 2;
	}
	big[at] = '\0';
	for (size_t size = 128; size <= sizeof line; size += 37) {
		char out[LOG_LINE_MAX];
		n = fmt(out, size, false, LOG_LEVEL_INFO, "m", "%s", big);
		assert_true(n < size);
		assert_int_equal(out[n - 1], '\n');
		assert_memory_equal(out + n - 4, "...", 3);
		/* Whole characters only: the text before the ellipsis is é's. */
		size_t body = n - 4 - strlen("hatch: m: ");
		assert_int_equal(body % 2, 0);
	}
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int n = 0, c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void log_file_rotates(void **state)
{
	(void)state;
	char path[512], old[520];
	snprintf(path, sizeof path, "%s/%s", support_dir, LOG_FILE_NAME);
	snprintf(old, sizeof old, "%s.1", path);
	unsetenv("JOURNAL_STREAM");
	/* stderr is not a log here: keep the test's output readable. */
	fflush(stderr);
	int saved = dup(2);
	assert_true(freopen("/dev/null", "w", stderr) != NULL);
	log_init(support_dir);
	assert_string_equal(log_file_path(), path);
	char pad[200];
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	/* Enough lines to pass the limit once. */
	int lines = LOG_FILE_MAX / 200 + 50;
	for (int i = 0; i < lines; i++)
		log_msg(LOG_LEVEL_INFO, "test", "line=%d pad=%s", i, pad);
	log_init(NULL);
	assert_string_equal(log_file_path(), "");
	log_msg(LOG_LEVEL_INFO, "test", "not in the file");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	struct stat st, st1;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(stat(old, &st1), 0);
	assert_true(st.st_size <= LOG_FILE_MAX);
	assert_true(st1.st_size <= LOG_FILE_MAX);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Every line is in one generation or the other, whole. */
	assert_int_equal(count_lines(path) + count_lines(old), lines);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[512];
	int last = -1;
	while (fgets(buf, sizeof buf, f)) {
		int i;
		assert_int_equal(sscanf(buf, "%*4d-%*2d-%*2dT%*2d:%*2d:%*2dZ hatch: test: line=%d", &i), 1);
		assert_non_null(strstr(buf, pad));
		last = i;
	}
	fclose(f);
	assert_int_equal(last, lines - 1);
	unlink(path);
	unlink(old);
}

static void check_files(void **state)
{
	(void)state;
	struct store_check c;
	struct hatch_error e;
	char path[512];
	assert_int_equal(store_check("", &c, &e), HATCH_ERR_INPUT);
	snprintf(path, sizeof path, "%s/none.db", support_dir);
	assert_int_equal(store_check(path, &c, &e), HATCH_OK);
	assert_false(c.exists);
	assert_int_equal(access(path, F_OK), -1);

	/* Not a database at all. */
	snprintf(path, sizeof path, "%s/text.db", support_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 400; i++)
		fputs("this is not an SQLite database\n", f);
	fclose(f);
	assert_int_equal(store_check(path, &c, &e), HATCH_OK);
	assert_true(c.exists);
	assert_false(c.intact);
	assert_true(c.damaged);
	assert_non_null(strstr(c.problem, "not a database"));

	/* A store's own database: intact, Hatch's, this schema. */
	snprintf(path, sizeof path, "%s/good.db", support_dir);
	struct store *s;
	assert_int_equal(store_open(path, &s, &e), HATCH_OK);
	store_close(s);
	assert_int_equal(store_check(path, &c, &e), HATCH_OK);
	assert_true(c.exists && c.opened && c.intact && c.hatch);
	assert_false(c.damaged);
	assert_int_equal(c.schema, STORE_SCHEMA_VERSION);
	assert_true(c.pages > 0 && c.page_size > 0);
	assert_int_equal(c.file_bytes, c.pages * c.page_size);

	/* Its pages after the first overwritten: damaged, and left so. */
	f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, c.page_size, SEEK_SET), 0);
	for (long long i = c.page_size; i < c.file_bytes; i++)
		fputc((int)(i * 7919 % 251), f);
	fclose(f);
	struct stat before, after;
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(store_check(path, &c, &e), HATCH_OK);
	assert_true(c.opened || c.damaged);
	assert_false(c.intact);
	assert_true(c.damaged);
	assert_true(c.problems >= 1 && c.problems <= STORE_CHECK_PROBLEMS);
	assert_non_null(strchr(c.problem, ' '));
	assert_null(strchr(c.problem, '\n'));
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_mtime, after.st_mtime);
	assert_int_equal(before.st_size, after.st_size);
}

static void capture(void **state)
{
	(void)state;
	struct buf out;
	int status;
	buf_init(&out, 4);
	char *echo[] = {"printf", "abcdefgh", NULL};
	assert_int_equal(doctor_capture(echo, 5, &out, &status), HATCH_OK);
	assert_int_equal(status, 0);
	/* Kept up to the cap, the rest read and dropped. */
	assert_string_equal(buf_get(&out), "abcd");
	buf_cleanup(&out);

	buf_init(&out, 64);
	char *fail[] = {"false", NULL};
	assert_int_equal(doctor_capture(fail, 5, &out, &status), HATCH_OK);
	assert_int_equal(status, 1);
	char *none[] = {"hatch-no-such-program", NULL};
	assert_int_equal(doctor_capture(none, 5, &out, &status), HATCH_OK);
	assert_int_equal(status, -1);
	assert_int_equal(out.len, 0);

	/* A program that takes too long is stopped. */
	char *slow[] = {"sleep", "20", NULL};
	time_t t0 = time(NULL);
	assert_int_equal(doctor_capture(slow, 1, &out, &status), HATCH_OK);
	assert_int_equal(status, -1);
	assert_true(time(NULL) - t0 < 5);
	buf_cleanup(&out);
}

static void run_out_of_memory(void **state)
{
	(void)state;
	char db[512];
	snprintf(db, sizeof db, "%s/oom.db", support_dir);
	struct store *s;
	struct hatch_error e;
	assert_int_equal(store_open(db, &s, &e), HATCH_OK);
	store_close(s);
	struct doctor_report *r = mem_calloc(1, sizeof *r);
	assert_non_null(r);
	struct doctor_options o = {.db_path = db, .no_display = true};
	fflush(stderr);
	int saved = dup(2);
	assert_true(freopen("/dev/null", "w", stderr) != NULL);
	/* The Nth allocation fails, for each N until a run makes fewer than
	 * N: every failure is a result or HATCH_ERR_NOMEM, never a crash or
	 * a leak (under the sanitizers). */
	bool done = false;
	long runs = 0;
	for (long n = 1; n < 100000 && !done; n++) {
		long before = mem_alloc_count();
		mem_fail_after(n, 0);
		enum hatch_err rc = doctor_run(&o, r, &e);
		mem_fail_after(0, 0);
		assert_true(rc == HATCH_OK || rc == HATCH_ERR_NOMEM);
		done = mem_alloc_count() - before < n;
		runs++;
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_true(done);
	assert_true(runs > 3);
	/* The report at last: the database is intact, the outbox read. */
	bool db_ok = false, outbox_ok = false;
	for (size_t i = 0; i < r->n; i++) {
		db_ok |= !strcmp(r->v[i].check, "database") && r->v[i].verdict == DOCTOR_OK;
		outbox_ok |= !strcmp(r->v[i].check, "outbox") && r->v[i].verdict == DOCTOR_OK;
	}
	assert_true(db_ok);
	assert_true(outbox_ok);
	assert_true(r->outbox.read);
	mem_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(space_rule),
		cmocka_unit_test(cert_and_outbox_rules),
		cmocka_unit_test(sizes_and_ages),
		cmocka_unit_test(log_lines),
		cmocka_unit_test(log_file_rotates),
		cmocka_unit_test(check_files),
		cmocka_unit_test(capture),
		cmocka_unit_test(run_out_of_memory),
	};
	return cmocka_run_group_tests_name("doctor", tests, support_dir_setup, support_dir_teardown);
}
