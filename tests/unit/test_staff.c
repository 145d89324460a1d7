/* Unit tests for store/staff: adding, listing, changing and removing staff
 * accounts; PIN checks with the lockout after five wrong PINs, its end,
 * a clock that jumps, and unlocking; unknown IDs answered, timed and
 * locked exactly as real ones, without their IDs kept in clear; rehashing
 * when the limits change; the rules for IDs, names and PINs; the migration
 * from a schema 3 database and a salvage that keeps the accounts; out of
 * memory and writes that fail. Cheap Argon2id limits throughout, except in
 * the one test that checks the real ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include <sodium.h>
#include <sqlite3.h>

#include "base/mem.h"
#include "store/staff.h"
#include "store/store.h"

/* A moment to count from: any fixed time will do. */
#define T0 1800000000LL

static const char *in_dir(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *p = bufs[next++ % 8];
	snprintf(p, sizeof bufs[0], "%s/%s", support_dir, name);
	return p;
}

/* The cheapest limits libsodium allows: one pass over 8 KiB. */
static const struct staff_limits cheap = {1, 8192};

static struct store *open_at(const char *path, const struct staff_limits *limits)
{
	struct store *s = NULL;
	struct hatch_error e;
	if (store_open(path, &s, &e) != HATCH_OK)
		fail_msg("store_open: %s", e.msg);
	if (limits && staff_set_limits(s, limits, &e) != HATCH_OK)
		fail_msg("staff_set_limits: %s", e.msg);
	return s;
}

static struct store *open_cheap(void)
{
	return open_at(in_dir("hatch.db"), &cheap);
}

static void add_ok(struct store *s, const char *id, const char *name, const char *pin)
{
	struct hatch_error e;
	if (staff_add(s, id, name, pin, T0, &e) != HATCH_OK)
		fail_msg("staff_add %s: %s", id, e.msg);
}

/* One check that must work; its verdict, with *RETRY (may be NULL). */
static enum staff_verdict check_at(struct store *s, const char *id, const char *pin,
				   long long now, long long *retry)
{
	enum staff_verdict v;
	long long r = -1;
	char name[STAFF_NAME_MAX + 1] = "junk";
	struct hatch_error e;
	if (staff_check(s, id, pin, now, &v, &r, name, sizeof name, &e) != HATCH_OK)
		fail_msg("staff_check: %s", e.msg);
	if (v != STAFF_OK)
		assert_string_equal(name, "");
	if (v != STAFF_LOCKED)
		assert_int_equal(r, 0);
	else
		assert_true(r >= 1 && r <= STAFF_LOCK_SECONDS);
	if (retry)
		*retry = r;
	return v;
}

static sqlite3 *peek(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static long long peek_int(const char *path, const char *sql)
{
	sqlite3 *db = peek(path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void peek_text(const char *path, const char *sql, char *out, size_t size)
{
	sqlite3 *db = peek(path);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(out, size, "%s", t ? (const char *)t : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void peek_exec(const char *path, const char *sql)
{
	sqlite3 *db = peek(path);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
	sqlite3_close(db);
}

/* Whether the file at PATH (if any) holds TEXT. */
static bool file_holds(const char *path, const char *text)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t m = strlen(text), n = 0, cap = 1 << 16;
	char *p = mem_alloc(cap);
	assert_non_null(p);
	size_t got;
	while ((got = fread(p + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			p = mem_realloc(p, cap);
			assert_non_null(p);
		}
	}
	fclose(f);
	bool found = false;
	for (size_t i = 0; !found && i + m <= n; i++)
		found = !memcmp(p + i, text, m);
	mem_free(p);
	return found;
}

static bool db_holds(const char *path, const char *text)
{
	char side[600];
	snprintf(side, sizeof side, "%s-wal", path);
	return file_holds(path, text) || file_holds(side, text);
}

static void add_check_and_list(void **state)
{
	(void)state;
	struct store *s = open_cheap();
	struct hatch_error e;
	add_ok(s, "bo", NULL, "8642");
	add_ok(s, "ana.k", "Ana Example", "2580");
	enum staff_verdict v;
	long long r;
	char name[STAFF_NAME_MAX + 1];
	assert_int_equal(staff_check(s, "ana.k", "2580", T0, &v, &r, name, sizeof name, &e),
			 HATCH_OK);
	assert_int_equal(v, STAFF_OK);
	assert_int_equal(r, 0);
	assert_string_equal(name, "Ana Example");
	/* A name cut to the caller's buffer; none wanted at all. */
	char small[4];
	assert_int_equal(staff_check(s, "ana.k", "2580", T0, &v, &r, small, sizeof small, &e),
			 HATCH_OK);
	assert_int_equal(v, STAFF_OK);
	assert_string_equal(small, "Ana");
	assert_int_equal(staff_check(s, "ana.k", "2580", T0, &v, &r, NULL, 0, &e), HATCH_OK);
	assert_int_equal(v, STAFF_OK);
	assert_int_equal(check_at(s, "bo", "8642", T0, NULL), STAFF_OK);

	assert_int_equal(check_at(s, "ana.k", "2581", T0, NULL), STAFF_WRONG);
	assert_int_equal(check_at(s, "ana.k", "8642", T0, NULL), STAFF_WRONG);
	/* IDs are compared exactly. */
	assert_int_equal(check_at(s, "Ana.k", "2580", T0, NULL), STAFF_WRONG);

	struct staff_row *rows;
	size_t n;
	assert_int_equal(staff_list(s, T0, &rows, &n, &e), HATCH_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].id, "ana.k");
	assert_string_equal(rows[0].name, "Ana Example");
	assert_int_equal(rows[0].created, T0);
	assert_int_equal(rows[0].failures, 2);
	assert_false(rows[0].locked);
	assert_int_equal(rows[0].retry_after, 0);
	assert_string_equal(rows[1].id, "bo");
	assert_string_equal(rows[1].name, "");
	assert_int_equal(rows[1].failures, 0);
	mem_free(rows);

	/* A right PIN ends the run. */
	assert_int_equal(check_at(s, "ana.k", "2580", T0, NULL), STAFF_OK);
	assert_int_equal(staff_list(s, T0, &rows, &n, &e), HATCH_OK);
	assert_int_equal(rows[0].failures, 0);
	mem_free(rows);

	/* The PIN is kept only as an Argon2id hash. */
	const char *path = in_dir("hatch.db");
	char hash[256];
	peek_text(path, "SELECT pin_hash FROM staff WHERE id = 'ana.k'", hash, sizeof hash);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_int_equal(crypto_pwhash_str_verify(hash, "2580", 4), 0);
	store_close(s);
	assert_false(file_holds(path, "2580"));

	/* No staff: an empty list. */
	s = open_at(in_dir("empty.db"), &cheap);
	rows = (struct staff_row *)&n;
	assert_int_equal(staff_list(s, T0, &rows, &n, &e), HATCH_OK);
	assert_null(rows);
	assert_int_equal(n, 0);
	store_close(s);
}

/* Five wrong PINs lock for five minutes from the fifth; while locked even
 * the right PIN is refused and nothing is counted; afterwards a new run
 * starts from nothing. */
static void lockout(void **state)
{
	(void)state;
	struct store *s = open_cheap();
	add_ok(s, "ana", "Ana", "2580");
	long long r;
	for (int i = 1; i < STAFF_MAX_FAILURES; i++)
		assert_int_equal(check_at(s, "ana", "1111", T0 + i, NULL), STAFF_WRONG);
	assert_int_equal(check_at(s, "ana", "1111", T0 + 10, &r), STAFF_LOCKED);
	assert_int_equal(r, STAFF_LOCK_SECONDS);
	assert_int_equal(check_at(s, "ana", "2580", T0 + 11, &r), STAFF_LOCKED);
	assert_int_equal(r, STAFF_LOCK_SECONDS - 1);
	assert_int_equal(check_at(s, "ana", "1111", T0 + 10 + STAFF_LOCK_SECONDS - 1, &r),
			 STAFF_LOCKED);
	assert_int_equal(r, 1);
	struct staff_row *rows;
	size_t n;
	struct hatch_error e;
	assert_int_equal(staff_list(s, T0 + 100, &rows, &n, &e), HATCH_OK);
	assert_true(rows[0].locked);
	assert_int_equal(rows[0].retry_after, STAFF_LOCK_SECONDS - 90);
	mem_free(rows);
	assert_int_equal(staff_list(s, T0 + 10 + STAFF_LOCK_SECONDS, &rows, &n, &e), HATCH_OK);
	assert_false(rows[0].locked);
	assert_int_equal(rows[0].failures, 0);
	mem_free(rows);

	/* Over at the fifth minute: a wrong PIN is the first of a new run. */
	long long end = T0 + 10 + STAFF_LOCK_SECONDS;
	assert_int_equal(check_at(s, "ana", "1111", end, NULL), STAFF_WRONG);
	for (int i = 2; i < STAFF_MAX_FAILURES; i++)
		assert_int_equal(check_at(s, "ana", "1111", end + i, NULL), STAFF_WRONG);
	assert_int_equal(check_at(s, "ana", "2580", end + 5, NULL), STAFF_OK);
	for (int i = 1; i < STAFF_MAX_FAILURES; i++)
		assert_int_equal(check_at(s, "ana", "1111", end + 10 + i, NULL), STAFF_WRONG);
	assert_int_equal(check_at(s, "ana", "1111", end + 20, NULL), STAFF_LOCKED);

	/* Unlocking ends the lock and the run; a new PIN does too. */
	assert_int_equal(staff_unlock(s, "ana", &e), HATCH_OK);
	assert_int_equal(check_at(s, "ana", "2580", end + 21, NULL), STAFF_OK);
	for (int i = 0; i < STAFF_MAX_FAILURES; i++)
		check_at(s, "ana", "1111", end + 30, NULL);
	assert_int_equal(check_at(s, "ana", "2580", end + 31, NULL), STAFF_LOCKED);
	assert_int_equal(staff_set_pin(s, "ana", "3691", &e), HATCH_OK);
	assert_int_equal(check_at(s, "ana", "2580", end + 32, NULL), STAFF_WRONG);
	assert_int_equal(check_at(s, "ana", "3691", end + 33, NULL), STAFF_OK);
	store_close(s);

	/* The count and the lock outlive the process. */
	s = open_cheap();
	for (int i = 0; i < STAFF_MAX_FAILURES - 1; i++)
		check_at(s, "ana", "1111", end + 40, NULL);
	store_close(s);
	s = open_cheap();
	assert_int_equal(check_at(s, "ana", "1111", end + 41, NULL), STAFF_LOCKED);
	store_close(s);
	s = open_cheap();
	assert_int_equal(check_at(s, "ana", "3691", end + 42, &r), STAFF_LOCKED);
	assert_int_equal(r, STAFF_LOCK_SECONDS - 1);
	store_close(s);
}

/* The verdicts and waits of a scripted run of attempts on ID, whose PIN
 * (when it exists) is 2580, into OUT. */
static void script(struct store *s, const char *id, long long out[][2])
{
	static const struct {
		long long at;
		const char *pin;
	} steps[] = {
		{0, "1111"},    {1, "1112"},       {2, "1113"},    {3, "1114"},
		{4, "1115"},    {5, "2580"},       {100, "1111"},  {303, "1111"},
		{304, "1111"},  {306, "1111"},     {90000, "1111"}, {90001, "1111"},
		{90002, "1111"}, {90003, "1111"}, {90004, "1111"}, {90005, "1111"},
		{90000 - 5000, "1111"},
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		long long r;
		enum staff_verdict v = check_at(s, id, steps[i].pin, T0 + steps[i].at, &r);
		out[i][0] = v == STAFF_OK ? STAFF_WRONG : v;
		out[i][1] = r;
	}
}

/* An unknown ID is answered as a real one with a wrong PIN: WRONG, then
 * LOCKED from the fifth, for as long, and WRONG again afterwards; and the
 * ID typed is not kept in clear. */
static void unknown_ids_alike(void **state)
{
	(void)state;
	struct store *s = open_cheap();
	add_ok(s, "real-one", "Real", "9517");
	long long known[17][2], unknown[17][2];
	script(s, "real-one", known);
	script(s, "ghost-zq7", unknown);
	for (int i = 0; i < 17; i++) {
		assert_int_equal(known[i][0], unknown[i][0]);
		assert_int_equal(known[i][1], unknown[i][1]);
	}
	/* The script does lock, and the lock does end. */
	assert_int_equal(known[4][0], STAFF_LOCKED);
	assert_int_equal(known[5][0], STAFF_LOCKED);
	assert_int_equal(known[7][0], STAFF_LOCKED);
	assert_int_equal(known[7][1], 1);
	assert_int_equal(known[8][0], STAFF_WRONG);
	assert_int_equal(known[14][0], STAFF_LOCKED);
	assert_int_equal(known[14][1], STAFF_LOCK_SECONDS);
	/* A clock set back during a lock: still locked, never for longer. */
	assert_int_equal(known[16][0], STAFF_LOCKED);
	assert_int_equal(known[16][1], STAFF_LOCK_SECONDS);
	store_close(s);

	const char *path = in_dir("hatch.db");
	assert_false(db_holds(path, "ghost-zq7"));
	assert_int_equal(peek_int(path, "SELECT count(*) FROM staff_unknown"), 1);
	assert_int_equal(peek_int(path, "SELECT length(id_hash) FROM staff_unknown"), 32);

	/* Other unknown IDs count apart; one that becomes staff starts
	 * afresh. */
	s = open_cheap();
	long long later = T0 + 200000;
	for (int i = 0; i < STAFF_MAX_FAILURES - 1; i++) {
		assert_int_equal(check_at(s, "ghost-a", "1111", later, NULL), STAFF_WRONG);
		assert_int_equal(check_at(s, "ghost-b", "1111", later, NULL), STAFF_WRONG);
	}
	assert_int_equal(check_at(s, "ghost-a", "1111", later, NULL), STAFF_LOCKED);
	add_ok(s, "ghost-b", "Now real", "2580");
	assert_int_equal(check_at(s, "ghost-b", "1111", later, NULL), STAFF_WRONG);
	assert_int_equal(check_at(s, "ghost-b", "2580", later, NULL), STAFF_OK);
	/* A removed account is an unknown ID like any other. */
	struct hatch_error e;
	assert_int_equal(staff_remove(s, "ghost-b", &e), HATCH_OK);
	assert_int_equal(check_at(s, "ghost-b", "2580", later, NULL), STAFF_WRONG);
	store_close(s);
	/* Runs that are over are dropped: the table does not grow for ever. */
	s = open_cheap();
	assert_int_equal(check_at(s, "ghost-c", "1111", later + 2 * STAFF_FAILURE_MEMORY, NULL),
			 STAFF_WRONG);
	store_close(s);
	assert_int_equal(peek_int(path, "SELECT count(*) FROM staff_unknown"), 1);
}

/* Wrong PINs more than STAFF_FAILURE_MEMORY apart do not add up, for a
 * real ID as for an unknown one. */
static void old_failures_forgotten(void **state)
{
	(void)state;
	struct store *s = open_cheap();
	add_ok(s, "ana", NULL, "2580");
	const char *ids[] = {"ana", "nobody"};
	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < STAFF_MAX_FAILURES - 1; i++)
			assert_int_equal(check_at(s, ids[k], "1111", T0, NULL), STAFF_WRONG);
		long long t = T0 + STAFF_FAILURE_MEMORY + 1;
		for (int i = 0; i < STAFF_MAX_FAILURES - 1; i++)
			assert_int_equal(check_at(s, ids[k], "1111", t, NULL), STAFF_WRONG);
		assert_int_equal(check_at(s, ids[k], "1111", t, NULL), STAFF_LOCKED);
	}
	store_close(s);
}

/* The clock going back never lengthens a lock past STAFF_LOCK_SECONDS,
 * and the shortened lock then runs out on time. */
static void clock_goes_back(void **state)
{
	(void)state;
	struct store *s = open_cheap();
	add_ok(s, "ana", NULL, "2580");
	long long r;
	for (int i = 0; i < STAFF_MAX_FAILURES; i++)
		check_at(s, "ana", "1111", T0, NULL);
	/* A day back. */
	long long back = T0 - 86400;
	assert_int_equal(check_at(s, "ana", "2580", back, &r), STAFF_LOCKED);
	assert_int_equal(r, STAFF_LOCK_SECONDS);
	assert_int_equal(check_at(s, "ana", "2580", back + 100, &r), STAFF_LOCKED);
	assert_int_equal(r, STAFF_LOCK_SECONDS - 100);
	struct staff_row *rows;
	size_t n;
	struct hatch_error e;
	assert_int_equal(staff_list(s, back + 100, &rows, &n, &e), HATCH_OK);
	assert_int_equal(rows[0].retry_after, STAFF_LOCK_SECONDS - 100);
	mem_free(rows);
	assert_int_equal(check_at(s, "ana", "2580", back + STAFF_LOCK_SECONDS, NULL), STAFF_OK);
	/* Forward again to the old time: the lock is not back. */
	assert_int_equal(check_at(s, "ana", "2580", T0 + 1, NULL), STAFF_OK);

	/* Failures "in the future" after a jump back still count. */
	for (int i = 0; i < STAFF_MAX_FAILURES - 1; i++)
		check_at(s, "ana", "1111", T0 + 1000, NULL);
	assert_int_equal(check_at(s, "ana", "1111", T0, &r), STAFF_LOCKED);
	assert_int_equal(r, STAFF_LOCK_SECONDS);
	store_close(s);
}

/* A hash made with other limits still works, and the first sign-in makes
 * it again with the current ones; a wrong PIN changes nothing. */
static void rehash_on_sign_in(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_cheap();
	add_ok(s, "ana", NULL, "2580");
	char before[256], after[256];
	peek_text(path, "SELECT pin_hash FROM staff", before, sizeof before);
	assert_int_equal(crypto_pwhash_str_needs_rehash(before, cheap.opslimit, cheap.memlimit),
			 0);
	struct staff_limits other = {2, 16384};
	struct hatch_error e;
	assert_int_equal(staff_set_limits(s, &other, &e), HATCH_OK);
	assert_int_equal(check_at(s, "ana", "1111", T0, NULL), STAFF_WRONG);
	peek_text(path, "SELECT pin_hash FROM staff", after, sizeof after);
	assert_string_equal(after, before);
	assert_int_equal(check_at(s, "ana", "2580", T0, NULL), STAFF_OK);
	peek_text(path, "SELECT pin_hash FROM staff", after, sizeof after);
	assert_string_not_equal(after, before);
	assert_int_equal(crypto_pwhash_str_needs_rehash(after, other.opslimit, other.memlimit),
			 0);
	assert_int_equal(crypto_pwhash_str_verify(after, "2580", 4), 0);
	/* Once is enough. */
	assert_int_equal(check_at(s, "ana", "2580", T0, NULL), STAFF_OK);
	peek_text(path, "SELECT pin_hash FROM staff", before, sizeof before);
	assert_string_equal(before, after);

	/* Limits outside libsodium's bounds are refused, and change nothing. */
	struct staff_limits bad = {0, 8192};
	assert_int_equal(staff_set_limits(s, &bad, &e), HATCH_ERR_INPUT);
	bad = (struct staff_limits){1, 1024};
	assert_int_equal(staff_set_limits(s, &bad, &e), HATCH_ERR_INPUT);
	assert_int_equal(staff_set_pin(s, "ana", "3691", &e), HATCH_OK);
	peek_text(path, "SELECT pin_hash FROM staff", after, sizeof after);
	assert_int_equal(crypto_pwhash_str_needs_rehash(after, other.opslimit, other.memlimit),
			 0);
	store_close(s);
}

/* The real limits, once: they are the defaults, a hash is made with them,
 * and an unknown ID is answered as a real one with a wrong PIN. */
static void real_limits(void **state)
{
	(void)state;
	struct staff_limits d;
	staff_limits_default(&d);
	assert_true(d.opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN);
	assert_true(d.memlimit >= 32u * 1024 * 1024);
	const char *path = in_dir("hatch.db");
	struct store *s = open_at(path, NULL);
	add_ok(s, "ana", NULL, "2580");
	char hash[256];
	peek_text(path, "SELECT pin_hash FROM staff", hash, sizeof hash);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_int_equal(crypto_pwhash_str_needs_rehash(hash, d.opslimit, d.memlimit), 0);
	/* A wrong PIN and an unknown ID get the same verdict; that they take
	 * as long is measured by bench_staff (ratio.unknown_over_known_check),
	 * not here: the machines are shared. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(check_at(s, "ana", "1111", T0 + 10 * i, NULL), STAFF_WRONG);
		assert_int_equal(check_at(s, "nobody", "1111", T0 + 10 * i, NULL), STAFF_WRONG);
	}
	assert_int_equal(check_at(s, "ana", "2580", T0 + 50, NULL), STAFF_OK);
	/* Back to the defaults after other limits. */
	struct hatch_error e;
	assert_int_equal(staff_set_limits(s, &cheap, &e), HATCH_OK);
	assert_int_equal(staff_set_limits(s, NULL, &e), HATCH_OK);
	assert_int_equal(staff_set_pin(s, "ana", "3691", &e), HATCH_OK);
	peek_text(path, "SELECT pin_hash FROM staff", hash, sizeof hash);
	assert_int_equal(crypto_pwhash_str_needs_rehash(hash, d.opslimit, d.memlimit), 0);
	store_close(s);
}

static void pin_rules(void **state)
{
	(void)state;
	struct hatch_error e;
	static const char *const good[] = {"2580", "1357", "1123", "0102", "123456789013",
					   "9875", "0987654320", "1010"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (staff_pin_check(good[i], &e) != HATCH_OK)
			fail_msg("%s refused: %s", good[i], e.msg);
	static const struct {
		const char *pin, *why;
	} bad[] = {
		{"", "4 to 12 digits"},
		{"123", "4 to 12 digits"},
		{"1234567890135", "4 to 12 digits"},
		{"12a4", "4 to 12 digits"},
		{"25 80", "4 to 12 digits"},
		{"2580\n", "4 to 12 digits"},
		{"\xd9\xa2\xd9\xa5\xd9\xa8\xd9\xa0", "4 to 12 digits"}, /* Arabic-Indic digits */
		{"0000", "one digit repeated"},
		{"77777777", "one digit repeated"},
		{"1234", "digits in order"},
		{"0123456789", "digits in order"},
		{"9876", "digits in order"},
		{"543210", "digits in order"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e.msg[0] = '\0';
		assert_int_equal(staff_pin_check(bad[i].pin, &e), HATCH_ERR_INPUT);
		if (!strstr(e.msg, bad[i].why))
			fail_msg("pin %zu: \"%s\" does not say \"%s\"", i, e.msg, bad[i].why);
		/* Never the PIN itself (the short ones are the message's own
		 * examples). */
		if (strlen(bad[i].pin) > 4)
			assert_null(strstr(e.msg, bad[i].pin));
	}
	assert_int_equal(staff_pin_check(NULL, &e), HATCH_ERR_INPUT);

	/* staff_add and staff_set_pin keep to the rules, and write nothing. */
	struct store *s = open_cheap();
	assert_int_equal(staff_add(s, "ana", NULL, "1234", T0, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "digits in order"));
	add_ok(s, "ana", NULL, "2580");
	assert_int_equal(staff_set_pin(s, "ana", "0000", &e), HATCH_ERR_INPUT);
	assert_int_equal(check_at(s, "ana", "2580", T0, NULL), STAFF_OK);
	/* A check takes any 1 to 12 digits (a weak PIN is just wrong), and
	 * refuses anything else without counting it. */
	assert_int_equal(check_at(s, "ana", "1234", T0, NULL), STAFF_WRONG);
	assert_int_equal(check_at(s, "ana", "7", T0, NULL), STAFF_WRONG);
	enum staff_verdict v;
	long long r;
	char name[8];
	static const char *const unusable[] = {"", "12a4", "1234567890123", " 2580"};
	for (size_t i = 0; i < sizeof unusable / sizeof unusable[0]; i++) {
		assert_int_equal(staff_check(s, "ana", unusable[i], T0, &v, &r, name, sizeof name,
					     &e),
				 HATCH_ERR_INPUT);
		assert_int_equal(v, STAFF_WRONG);
	}
	assert_int_equal(staff_check(s, "ana", NULL, T0, &v, &r, name, sizeof name, &e),
			 HATCH_ERR_INPUT);
	struct staff_row *rows;
	size_t n;
	assert_int_equal(staff_list(s, T0, &rows, &n, &e), HATCH_OK);
	assert_int_equal(rows[0].failures, 2);
	mem_free(rows);
	store_close(s);
}

static void id_and_name_rules(void **state)
{
	(void)state;
	struct hatch_error e;
	static const char *const good[] = {"a", "ana.k", "A_b-9", "x.y.z",
					   "abcdefghijklmnopqrstuvwxyz012345"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (staff_id_check(good[i], &e) != HATCH_OK)
			fail_msg("%s refused: %s", good[i], e.msg);
	static const struct {
		const char *id, *why;
	} bad[] = {
		{"", "no staff ID"},
		{"abcdefghijklmnopqrstuvwxyz0123456", "at most 32"},
		{"ana k", "character 4"},
		{"ana/k", "character 4"},
		{"\xc3\xa9", "character 1"},
		{"ana\n", "character 4"},
		{"a'b", "character 2"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(staff_id_check(bad[i].id, &e), HATCH_ERR_INPUT);
		if (!strstr(e.msg, bad[i].why))
			fail_msg("id %zu: \"%s\" does not say \"%s\"", i, e.msg, bad[i].why);
	}
	assert_int_equal(staff_id_check(NULL, &e), HATCH_ERR_INPUT);

	struct store *s = open_cheap();
	assert_int_equal(staff_add(s, "ana k", NULL, "2580", T0, &e), HATCH_ERR_INPUT);
	assert_int_equal(staff_add(s, "ana", "Ana\tTab", "2580", T0, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "control characters"));
	assert_int_equal(staff_add(s, "ana", "Ana \xff", "2580", T0, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "UTF-8"));
	char long_name[STAFF_NAME_MAX + 2];
	memset(long_name, 'n', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	assert_int_equal(staff_add(s, "ana", long_name, "2580", T0, &e), HATCH_ERR_LIMIT);
	long_name[STAFF_NAME_MAX] = '\0';
	add_ok(s, "ana", long_name, "2580");
	add_ok(s, "sian", "Si\xc3\xa2n Example", "2580");
	char name[STAFF_NAME_MAX + 1];
	enum staff_verdict v;
	long long r;
	assert_int_equal(staff_check(s, "sian", "2580", T0, &v, &r, name, sizeof name, &e),
			 HATCH_OK);
	assert_string_equal(name, "Si\xc3\xa2n Example");
	/* An ID that cannot exist is refused, not counted. */
	assert_int_equal(staff_check(s, "si an", "2580", T0, &v, &r, name, sizeof name, &e),
			 HATCH_ERR_INPUT);
	assert_int_equal(v, STAFF_WRONG);
	assert_int_equal(staff_check(s, NULL, "2580", T0, &v, &r, name, sizeof name, &e),
			 HATCH_ERR_INPUT);
	store_close(s);
	assert_int_equal(peek_int(in_dir("hatch.db"), "SELECT count(*) FROM staff_unknown"), 0);
}

/* What an administrator is told: a taken ID, an ID that is no one's. */
static void duplicates_and_missing(void **state)
{
	(void)state;
	struct store *s = open_cheap();
	struct hatch_error e;
	add_ok(s, "ana", "Ana", "2580");
	assert_int_equal(staff_add(s, "ana", "Other", "3691", T0, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "already a staff member"));
	assert_int_equal(check_at(s, "ana", "2580", T0, NULL), STAFF_OK);
	assert_int_equal(check_at(s, "ana", "3691", T0, NULL), STAFF_WRONG);
	assert_int_equal(staff_set_pin(s, "bo", "3691", &e), HATCH_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "no staff member"));
	assert_int_equal(staff_remove(s, "bo", &e), HATCH_ERR_NOTFOUND);
	assert_int_equal(staff_unlock(s, "bo", &e), HATCH_ERR_NOTFOUND);
	assert_int_equal(staff_remove(s, "bad id", &e), HATCH_ERR_INPUT);
	assert_int_equal(staff_unlock(s, "", &e), HATCH_ERR_INPUT);
	assert_int_equal(staff_set_pin(s, "bad id", "3691", &e), HATCH_ERR_INPUT);
	assert_int_equal(staff_remove(s, "ana", &e), HATCH_OK);
	assert_int_equal(staff_remove(s, "ana", &e), HATCH_ERR_NOTFOUND);
	struct staff_row *rows;
	size_t n;
	assert_int_equal(staff_list(s, T0, &rows, &n, &e), HATCH_OK);
	assert_int_equal(n, 0);
	/* The ID is free again. */
	add_ok(s, "ana", "Ana again", "3691");
	assert_int_equal(check_at(s, "ana", "3691", T0, NULL), STAFF_OK);
	store_close(s);
}

/* A schema 3 database (before staff) is migrated and takes staff. */
static void migrates_from_version_3(void **state)
{
	(void)state;
	const char *path = in_dir("v3.db");
	struct store *s = open_at(path, NULL);
	store_close(s);
	peek_exec(path, "DROP TABLE staff; DROP TABLE staff_unknown; DROP TABLE events;"
			"DROP TABLE event_days; DROP TABLE event_counts; DROP TABLE event_sent;"
			"PRAGMA user_version = 3");
	assert_int_equal(peek_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'staff'"),
			 0);
	s = open_at(path, &cheap);
	assert_int_equal(peek_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	add_ok(s, "ana", NULL, "2580");
	assert_int_equal(check_at(s, "ana", "2580", T0, NULL), STAFF_OK);
	for (int i = 0; i < STAFF_MAX_FAILURES; i++)
		check_at(s, "nobody", "2580", T0, NULL);
	assert_int_equal(check_at(s, "nobody", "2580", T0, NULL), STAFF_LOCKED);
	store_close(s);
}

/* A damaged database is salvaged with its staff, their locks and the
 * counts of unknown IDs. */
static void salvage_keeps_staff(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_cheap();
	add_ok(s, "ana", "Ana", "2580");
	add_ok(s, "bo", "Bo", "3691");
	for (int i = 0; i < STAFF_MAX_FAILURES; i++) {
		check_at(s, "bo", "1111", T0, NULL);
		check_at(s, "nobody", "1111", T0, NULL);
	}
	/* Enough outbox records to damage one of its pages. */
	struct hatch_error e;
	for (int i = 1; i <= 400; i++) {
		char uuid[48], ref[24], payload[96];
		snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", i);
		snprintf(ref, sizeof ref, "TEST-%04d-X", i);
		snprintf(payload, sizeof payload, "{\"n\":%d,\"pad\":\"%040d\"}", i, i);
		struct store_submission sub = {
			.uuid = uuid, .reference = ref, .journey_id = "missed-bin",
			.journey_version = 1, .destination = "demo", .language = "en",
			.channel = "kiosk", .payload = payload, .created = T0,
		};
		if (store_outbox_add(s, &sub, &e) != HATCH_OK)
			fail_msg("add %d: %s", i, e.msg);
	}
	store_close(s);
	long long page_size = peek_int(path, "PRAGMA page_size");
	long long page = peek_int(path, "SELECT pageno FROM dbstat WHERE name = 'outbox'"
				  " AND pagetype = 'leaf' ORDER BY path LIMIT 1 OFFSET 5");
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	char junk[4096];
	memset(junk, 0xa5, sizeof junk);
	assert_true(page_size <= (long long)sizeof junk);
	assert_int_equal(fseek(f, (long)((page - 1) * page_size), SEEK_SET), 0);
	assert_int_equal(fwrite(junk, 1, (size_t)page_size, f), (size_t)page_size);
	assert_int_equal(fclose(f), 0);

	s = open_cheap();
	assert_true(store_was_salvaged(s, NULL, 0));
	assert_true(peek_int(path, "SELECT count(*) FROM outbox") < 400);
	assert_int_equal(check_at(s, "ana", "2580", T0 + 1, NULL), STAFF_OK);
	long long r;
	assert_int_equal(check_at(s, "bo", "3691", T0 + 1, &r), STAFF_LOCKED);
	assert_int_equal(r, STAFF_LOCK_SECONDS - 1);
	assert_int_equal(check_at(s, "nobody", "1111", T0 + 1, &r), STAFF_LOCKED);
	assert_int_equal(r, STAFF_LOCK_SECONDS - 1);
	store_close(s);
}

/* Every allocation of ours in listing can fail without a leak or a
 * crash; the check and the changes allocate nothing of ours. */
static void out_of_memory(void **state)
{
	(void)state;
	struct store *s = open_cheap();
	for (int i = 0; i < 40; i++) {
		char id[24];
		snprintf(id, sizeof id, "staff-%02d", i);
		add_ok(s, id, "Someone", "2580");
	}
	bool done = false;
	for (long n = 1; !done && n < 100; n++) {
		struct staff_row *rows = (struct staff_row *)&n;
		size_t count = 99;
		struct hatch_error e;
		mem_fail_after(n, 1);
		enum hatch_err rc = staff_list(s, T0, &rows, &count, &e);
		mem_fail_after(0, 0);
		if (rc == HATCH_OK) {
			assert_int_equal(count, 40);
			assert_string_equal(rows[39].id, "staff-39");
			done = true;
		} else {
			assert_int_equal(rc, HATCH_ERR_NOMEM);
			assert_non_null(strstr(e.msg, "out of memory"));
			assert_null(rows);
			assert_int_equal(count, 0);
		}
		mem_free(rows);
	}
	assert_true(done);
	/* With every allocation of ours failing, a check still works. */
	mem_fail_after(1, 1);
	enum staff_verdict v;
	long long r;
	char name[8];
	struct hatch_error e;
	enum hatch_err rc = staff_check(s, "staff-01", "2580", T0, &v, &r, name, sizeof name, &e);
	mem_fail_after(0, 0);
	assert_int_equal(rc, HATCH_OK);
	assert_int_equal(v, STAFF_OK);
	store_close(s);
}

/* A pass-through VFS over the default one whose writes fail while
 * shim_full is set, as on a full disk. */
static sqlite3_vfs *shim_real;
static bool shim_full;

struct shim_file {
	sqlite3_file base;
	sqlite3_file *real;
};

#define REAL(f) (((struct shim_file *)(f))->real)

static int shim_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}
static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}
static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	if (shim_full)
		return SQLITE_FULL;
	return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}
static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int shim_sync(sqlite3_file *f, int flags)
{
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int shim_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int shim_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
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
static int shim_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **p)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, p);
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

static const sqlite3_io_methods shim_methods = {
	3,
	shim_close,
	shim_read,
	shim_write,
	shim_truncate,
	shim_sync,
	shim_file_size,
	shim_lock,
	shim_unlock,
	shim_check_reserved,
	shim_file_control,
	shim_sector_size,
	shim_device_characteristics,
	shim_shm_map,
	shim_shm_lock,
	shim_shm_barrier,
	shim_shm_unmap,
	shim_fetch,
	shim_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
		     int *out_flags)
{
	(void)vfs;
	struct shim_file *f = (struct shim_file *)file;
	f->real = (sqlite3_file *)(f + 1);
	int rc = shim_real->xOpen(shim_real, name, f->real, flags, out_flags);
	file->pMethods = rc == SQLITE_OK ? &shim_methods : NULL;
	return rc;
}

static sqlite3_vfs shim_vfs;

static int shim_setup(void **state)
{
	if (support_dir_setup(state))
		return -1;
	shim_full = false;
	shim_real = sqlite3_vfs_find(NULL);
	if (!shim_real || shim_real->iVersion < 3)
		return -1;
	shim_vfs = *shim_real;
	shim_vfs.pNext = NULL;
	shim_vfs.zName = "hatch-staff-shim";
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + shim_real->szOsFile;
	shim_vfs.xOpen = shim_open;
	return sqlite3_vfs_register(&shim_vfs, 1) == SQLITE_OK ? 0 : -1;
}

static int shim_teardown(void **state)
{
	sqlite3_vfs_unregister(&shim_vfs);
	return support_dir_teardown(state);
}

/* On a full disk every call says so, naming the file, and changes
 * nothing; a wrong PIN whose count cannot be kept is an error, never a
 * silent STAFF_WRONG. */
static void disk_full(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_cheap();
	add_ok(s, "ana", "Ana", "2580");
	add_ok(s, "bo", "Bo", "3691");
	for (int i = 0; i < STAFF_MAX_FAILURES - 1; i++) {
		check_at(s, "ana", "1111", T0, NULL);
		check_at(s, "nobody", "1111", T0, NULL);
	}
	struct hatch_error e;
	enum staff_verdict v;
	long long r;
	char name[8];
	shim_full = true;
	static const char *const ids[] = {"ana", "nobody"};
	for (int k = 0; k < 2; k++) {
		e.msg[0] = '\0';
		assert_int_equal(staff_check(s, ids[k], "1111", T0, &v, &r, name, sizeof name, &e),
				 HATCH_ERR_IO);
		assert_int_equal(v, STAFF_WRONG);
		assert_int_equal(r, 0);
		assert_non_null(strstr(e.msg, path));
		assert_non_null(strstr(e.msg, "the disk is full"));
		assert_null(strstr(e.msg, "1111"));
		assert_null(strstr(e.msg, ids[k]));
	}
	assert_int_equal(staff_check(s, "ana", "2580", T0, &v, &r, name, sizeof name, &e),
			 HATCH_ERR_IO);
	assert_int_equal(v, STAFF_WRONG);
	assert_string_equal(name, "");
	assert_int_equal(staff_add(s, "cy", NULL, "2580", T0, &e), HATCH_ERR_IO);
	assert_int_equal(staff_set_pin(s, "bo", "2580", &e), HATCH_ERR_IO);
	assert_int_equal(staff_remove(s, "bo", &e), HATCH_ERR_IO);
	assert_int_equal(staff_unlock(s, "ana", &e), HATCH_ERR_IO);
	shim_full = false;
	/* Nothing was counted or changed: one more wrong PIN is the fifth. */
	assert_int_equal(check_at(s, "ana", "1111", T0, NULL), STAFF_LOCKED);
	assert_int_equal(check_at(s, "nobody", "1111", T0, NULL), STAFF_LOCKED);
	assert_int_equal(check_at(s, "bo", "3691", T0, NULL), STAFF_OK);
	struct staff_row *rows;
	size_t n;
	assert_int_equal(staff_list(s, T0, &rows, &n, &e), HATCH_OK);
	assert_int_equal(n, 2);
	mem_free(rows);
	/* A locked ID is answered from a read alone, even on a full disk. */
	shim_full = true;
	assert_int_equal(check_at(s, "ana", "2580", T0 + 1, &r), STAFF_LOCKED);
	assert_int_equal(r, STAFF_LOCK_SECONDS - 1);
	shim_full = false;
	store_close(s);
}

/* A table that cannot be read (here: gone) is an error, not a verdict. */
static void unreadable_table(void **state)
{
	(void)state;
	const char *path = in_dir("hatch.db");
	struct store *s = open_cheap();
	add_ok(s, "ana", "Ana", "2580");
	peek_exec(path, "DROP TABLE staff_unknown");
	struct hatch_error e;
	enum staff_verdict v;
	long long r;
	char name[8];
	assert_int_equal(staff_check(s, "nobody", "1111", T0, &v, &r, name, sizeof name, &e),
			 HATCH_ERR_IO);
	assert_int_equal(v, STAFF_WRONG);
	assert_non_null(strstr(e.msg, path));
	peek_exec(path, "DROP TABLE staff");
	struct staff_row *rows = (struct staff_row *)&r;
	size_t n = 3;
	assert_int_equal(staff_list(s, T0, &rows, &n, &e), HATCH_ERR_IO);
	assert_null(rows);
	assert_int_equal(n, 0);
	assert_int_equal(staff_add(s, "bo", NULL, "2580", T0, &e), HATCH_ERR_IO);
	assert_int_equal(staff_remove(s, "ana", &e), HATCH_ERR_IO);
	store_close(s);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
#define TEST(f) cmocka_unit_test_setup_teardown(f, support_dir_setup, support_dir_teardown)
	const struct CMUnitTest tests[] = {
		TEST(add_check_and_list),
		TEST(lockout),
		TEST(unknown_ids_alike),
		TEST(old_failures_forgotten),
		TEST(clock_goes_back),
		TEST(rehash_on_sign_in),
		TEST(real_limits),
		TEST(pin_rules),
		TEST(id_and_name_rules),
		TEST(duplicates_and_missing),
		TEST(migrates_from_version_3),
		TEST(salvage_keeps_staff),
		TEST(out_of_memory),
		cmocka_unit_test_setup_teardown(disk_full, shim_setup, shim_teardown),
		TEST(unreadable_table),
	};
	return cmocka_run_group_tests_name("staff", tests, NULL, NULL);
}
