/* Staff accounts: the rules for IDs, names and PINs, Argon2id PIN hashes,
 * and the wrong-PIN counts that lock an ID, kept alike for IDs that exist
 * and IDs that do not (staff.h says what a caller may rely on). The tables
 * are made by store.c's migration to schema version 4; this file uses the
 * store's one connection and lock through store_int.h. Depends on base/,
 * store/, SQLite, libsodium and libc; never prints, never puts a PIN, a
 * hash or a typed-in ID into an error message. */
#include "store/staff.h"

#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "store/store_int.h"

/* The Argon2id cost of a PIN hash: 4 passes over 64 MiB, one thread (what
 * libsodium's argon2id does). One check took 113-116 ms (median of 9,
 * `make bench`'s staff.pin_check_ms; 120-145 ms the slowest, and the bare
 * verification 130-145 ms while the machine was busy) on the development
 * machine (x86-64, 2 cores, libsodium 1.0.18): inside the 100-500 ms aimed
 * at, so that a Raspberry Pi 4, three to four times slower at this
 * memory-bound work, takes about half a second and never a whole one. Two
 * passes took 87 ms, three 108 ms: too close to the floor. 64 MiB is libsodium's
 * "interactive" memory, which a Pi with 1 GB can spare beside the kiosk;
 * the time was reached with passes rather than more memory. A PIN of four
 * digits has only 10,000 values, so the hash cannot keep it from someone
 * with a copy of the database; it makes that copy cost about 25 minutes of
 * a core per PIN, and the lockout is what protects a PIN at the kiosk. */
#define STAFF_OPSLIMIT 4ULL
#define STAFF_MEMLIMIT ((size_t)64 * 1024 * 1024)

/* What an unknown ID's PIN is checked against, so that it takes as long
 * as a real one's: a hash of 32 random bytes, long forgotten, made once
 * with STAFF_OPSLIMIT and STAFF_MEMLIMIT (test_staff checks that it
 * matches them). Whether it matches is never looked at. */
static const char default_dummy[] =
	"$argon2id$v=19$m=65536,t=4,p=1$l8GAZ/1kurAUxiJqSFtoFQ$"
	"V7VZSHxPARESdNhRX4pkiuIabZKkGjump29N0m711mw";
_Static_assert(sizeof default_dummy <= crypto_pwhash_STRBYTES,
	       "the dummy hash fits libsodium's string");

/* The keyed hash an unknown ID's count is kept under; the key is derived
 * from the store's key (in its key file, never in the database), so a copy
 * of the database alone cannot tell which IDs were tried. */
#define ID_HASH_BYTES 32
static const char id_key_context[crypto_kdf_CONTEXTBYTES] = {'h', 'a', 't', 'c',
							    'h', 's', 'i', 'd'};
_Static_assert(crypto_kdf_KEYBYTES == crypto_secretbox_KEYBYTES,
	       "the store's key is a key derivation key");

void staff_limits_default(struct staff_limits *out)
{
	out->opslimit = STAFF_OPSLIMIT;
	out->memlimit = STAFF_MEMLIMIT;
}

/* S's current limits and dummy hash, copied (under S's lock) into the
 * caller's storage. */
static void limits_of(const struct store *s, unsigned long long *ops, size_t *mem,
		      char dummy[crypto_pwhash_STRBYTES])
{
	if (s->staff_ops) {
		*ops = s->staff_ops;
		*mem = s->staff_mem;
		memcpy(dummy, s->staff_dummy, crypto_pwhash_STRBYTES);
	} else {
		*ops = STAFF_OPSLIMIT;
		*mem = STAFF_MEMLIMIT;
		memset(dummy, 0, crypto_pwhash_STRBYTES);
		memcpy(dummy, default_dummy, sizeof default_dummy);
	}
}

enum hatch_err staff_set_limits(struct store *s, const struct staff_limits *limits,
				struct hatch_error *e)
{
	if (!limits) {
		store_lock(s);
		s->staff_ops = 0;
		s->staff_mem = 0;
		memset(s->staff_dummy, 0, sizeof s->staff_dummy);
		store_unlock(s);
		return HATCH_OK;
	}
	if (limits->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
	    limits->opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
	    limits->memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
	    limits->memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX)
		return err_set(e, HATCH_ERR_INPUT,
			       "%s: cannot use the PIN hash limits: they are outside "
			       "libsodium's bounds",
			       s->path);
	unsigned char secret[32];
	char dummy[crypto_pwhash_STRBYTES];
	randombytes_buf(secret, sizeof secret);
	int rc = crypto_pwhash_str_alg(dummy, (const char *)secret, sizeof secret,
				       limits->opslimit, limits->memlimit,
				       crypto_pwhash_ALG_ARGON2ID13);
	sodium_memzero(secret, sizeof secret);
	if (rc != 0)
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot make a PIN hash: out of memory",
			       s->path);
	store_lock(s);
	s->staff_ops = limits->opslimit;
	s->staff_mem = limits->memlimit;
	memcpy(s->staff_dummy, dummy, sizeof dummy);
	store_unlock(s);
	return HATCH_OK;
}

static bool id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

enum hatch_err staff_id_check(const char *id, struct hatch_error *e)
{
	if (!id || !*id)
		return err_set(e, HATCH_ERR_INPUT, "no staff ID was given");
	size_t n = strnlen(id, STAFF_ID_MAX + 1);
	if (n > STAFF_ID_MAX)
		return err_set(e, HATCH_ERR_INPUT,
			       "a staff ID is at most %d characters long", STAFF_ID_MAX);
	for (size_t i = 0; i < n; i++)
		if (!id_char(id[i]))
			return err_set(e, HATCH_ERR_INPUT,
				       "a staff ID may hold only the letters A-Z and a-z, "
				       "the digits 0-9, '.', '_' and '-' (character %zu is "
				       "not one of them)",
				       i + 1);
	return HATCH_OK;
}

/* True when PIN is MIN to STAFF_PIN_MAX ASCII digits. */
static bool all_digits(const char *pin, size_t min)
{
	if (!pin)
		return false;
	size_t n = strnlen(pin, STAFF_PIN_MAX + 1);
	if (n < min || n > STAFF_PIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return false;
	return true;
}

enum hatch_err staff_pin_check(const char *pin, struct hatch_error *e)
{
	if (!all_digits(pin, STAFF_PIN_MIN))
		return err_set(e, HATCH_ERR_INPUT, "a PIN is %d to %d digits (0-9), nothing else",
			       STAFF_PIN_MIN, STAFF_PIN_MAX);
	bool same = true, up = true, down = true;
	for (size_t i = 1; pin[i]; i++) {
		int step = pin[i] - pin[i - 1];
		same = same && step == 0;
		up = up && step == 1;
		down = down && step == -1;
	}
	if (same)
		return err_set(e, HATCH_ERR_INPUT,
			       "a PIN cannot be one digit repeated, such as 0000: it is too "
			       "easy to guess");
	if (up || down)
		return err_set(e, HATCH_ERR_INPUT,
			       "a PIN cannot be digits in order, such as 1234 or 9876: it is "
			       "too easy to guess");
	return HATCH_OK;
}

enum hatch_err staff_name_check(const char *name, struct hatch_error *e)
{
	if (!name)
		return HATCH_OK;
	size_t n = strnlen(name, STAFF_NAME_MAX + 1);
	if (n > STAFF_NAME_MAX)
		return err_set(e, HATCH_ERR_LIMIT, "a staff member's name is at most %d bytes",
			       STAFF_NAME_MAX);
	if (!utf8_valid(name, n))
		return err_set(e, HATCH_ERR_INPUT,
			       "a staff member's name must be UTF-8 text");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			return err_set(e, HATCH_ERR_INPUT,
				       "a staff member's name cannot hold control characters "
				       "(byte %zu is one)",
				       i + 1);
	}
	return HATCH_OK;
}

/* Hashes PIN with S's current limits into OUT. Argon2id fails only when
 * it cannot have its memory. */
static enum hatch_err hash_pin(struct store *s, const char *pin,
			       char out[crypto_pwhash_STRBYTES], const char *doing,
			       struct hatch_error *e)
{
	unsigned long long ops;
	size_t mem;
	char dummy[crypto_pwhash_STRBYTES];
	store_lock(s);
	limits_of(s, &ops, &mem, dummy);
	store_unlock(s);
	if (crypto_pwhash_str_alg(out, pin, strlen(pin), ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory", s->path,
			       doing);
	return HATCH_OK;
}

static void id_hash(const struct store *s, const char *id, unsigned char out[ID_HASH_BYTES])
{
	unsigned char k[crypto_generichash_KEYBYTES];
	crypto_kdf_derive_from_key(k, sizeof k, 1, id_key_context, s->key);
	crypto_generichash(out, ID_HASH_BYTES, (const unsigned char *)id, strlen(id), k,
			   sizeof k);
	sodium_memzero(k, sizeof k);
}

/* Runs the one statement SQL with ?1 ID as text, and ?2 TEXT (NULL: not
 * bound) when it has it; *CHANGED is how many rows it changed. */
static int run_id(sqlite3 *db, const char *sql, const char *id, const char *text,
		  int *changed)
{
	sqlite3_stmt *st;
	*changed = 0;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && text)
		rc = sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		rc = SQLITE_OK;
		*changed = sqlite3_changes(db);
	}
	sqlite3_finalize(st);
	return rc;
}

static const char forget_unknown_sql[] = "DELETE FROM staff_unknown WHERE id_hash = ?1";

static int forget_unknown(struct store *s, const char *id)
{
	unsigned char h[ID_HASH_BYTES];
	id_hash(s, id, h);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, forget_unknown_sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}

enum hatch_err staff_add(struct store *s, const char *id, const char *name, const char *pin,
			 long long now, struct hatch_error *e)
{
	static const char doing[] = "add the staff member";
	enum hatch_err err = staff_id_check(id, e);
	if (err == HATCH_OK)
		err = staff_name_check(name, e);
	if (err == HATCH_OK)
		err = staff_pin_check(pin, e);
	if (err != HATCH_OK)
		return err;
	char hash[crypto_pwhash_STRBYTES];
	/* Hashed before the transaction: the lock is held for the insert
	 * alone, not for a third of a second. */
	err = hash_pin(s, pin, hash, doing, e);
	if (err != HATCH_OK)
		return err;
	store_lock(s);
	int rc = store_sql_begin(s);
	if (rc != SQLITE_OK) {
		err = store_sql_fail(s, rc, doing, e);
		store_unlock(s);
		return err;
	}
	sqlite3_stmt *st;
	rc = sqlite3_prepare_v2(s->db,
				"INSERT INTO staff (id, name, pin_hash, created)"
				" VALUES (?1, ?2, ?3, ?4)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name ? name : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
		err = err_set(e, HATCH_ERR_INPUT,
			      "%s: cannot %s: there is already a staff member with this ID",
			      s->path, doing);
		rc = SQLITE_OK;
	}
	/* The ID's tries while it was no one's start no lock of the new
	 * account's. */
	if (err == HATCH_OK && rc == SQLITE_OK)
		rc = forget_unknown(s, id);
	err = store_sql_finish(s, err, rc, doing, e);
	store_unlock(s);
	sodium_memzero(hash, sizeof hash);
	return err;
}

/* Runs SQL (?1 the ID, ?2 TEXT when not NULL) on staff member ID in one
 * transaction: HATCH_ERR_NOTFOUND when it changes no row. */
static enum hatch_err change_staff(struct store *s, const char *id, const char *sql,
				   const char *text, const char *doing, struct hatch_error *e)
{
	store_lock(s);
	int changed = 0;
	int rc = store_sql_begin(s);
	if (rc == SQLITE_OK)
		rc = run_id(s->db, sql, id, text, &changed);
	enum hatch_err err = HATCH_OK;
	if (rc == SQLITE_OK && !changed)
		err = err_set(e, HATCH_ERR_NOTFOUND, "%s: cannot %s: there is no staff member "
						     "with this ID",
			      s->path, doing);
	err = store_sql_finish(s, err, rc, doing, e);
	store_unlock(s);
	return err;
}

enum hatch_err staff_set_pin(struct store *s, const char *id, const char *pin,
			     struct hatch_error *e)
{
	static const char doing[] = "change the PIN";
	enum hatch_err err = staff_id_check(id, e);
	if (err == HATCH_OK)
		err = staff_pin_check(pin, e);
	if (err != HATCH_OK)
		return err;
	char hash[crypto_pwhash_STRBYTES];
	err = hash_pin(s, pin, hash, doing, e);
	if (err != HATCH_OK)
		return err;
	err = change_staff(s, id,
			   "UPDATE staff SET pin_hash = ?2, failures = 0, locked_until = 0,"
			   " last_failure = 0 WHERE id = ?1",
			   hash, doing, e);
	sodium_memzero(hash, sizeof hash);
	return err;
}

enum hatch_err staff_remove(struct store *s, const char *id, struct hatch_error *e)
{
	enum hatch_err err = staff_id_check(id, e);
	if (err != HATCH_OK)
		return err;
	return change_staff(s, id, "DELETE FROM staff WHERE id = ?1", NULL,
			    "remove the staff member", e);
}

enum hatch_err staff_unlock(struct store *s, const char *id, struct hatch_error *e)
{
	enum hatch_err err = staff_id_check(id, e);
	if (err != HATCH_OK)
		return err;
	return change_staff(s, id,
			    "UPDATE staff SET failures = 0, locked_until = 0, last_failure = 0"
			    " WHERE id = ?1",
			    NULL, "unlock the staff member", e);
}

/* An ID's wrong-PIN count, known or unknown alike. */
struct count {
	long long failures, locked_until, last_failure;
};

/* Brings C up to NOW and returns the seconds of lock left (0: not
 * locked). A lock that has passed is over and its run forgotten; a run
 * that went cold (STAFF_FAILURE_MEMORY) is forgotten; a lock with more
 * than STAFF_LOCK_SECONDS left (the clock went back) is cut to that, and
 * *CUT says so, for the caller to keep. */
static long long bring_up(struct count *c, long long now, bool *cut)
{
	*cut = false;
	if (c->locked_until > now) {
		long long left = c->locked_until - now;
		if (left > STAFF_LOCK_SECONDS) {
			left = STAFF_LOCK_SECONDS;
			c->locked_until = now + left;
			*cut = true;
		}
		return left;
	}
	if (c->locked_until) {
		c->locked_until = 0;
		c->failures = 0;
	}
	/* A last failure in the future (the clock went back) is recent. */
	if (c->failures && now - c->last_failure > STAFF_FAILURE_MEMORY)
		c->failures = 0;
	return 0;
}

/* What one attempt reads of ID: whether it is staff, and then its name
 * and hash; its count, or the unknown ID's under H. */
struct attempt {
	bool known;
	char name[STAFF_NAME_MAX + 1];
	char hash[crypto_pwhash_STRBYTES];
	unsigned char h[ID_HASH_BYTES];
	struct count c;
};

/* Reads what A needs of ID, within the caller's lock. An SQLite result. */
static int read_attempt(struct store *s, const char *id, struct attempt *a)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT name, pin_hash, failures, locked_until, last_failure"
				    " FROM staff WHERE id = ?1",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	a->known = rc == SQLITE_ROW;
	memset(&a->c, 0, sizeof a->c);
	if (rc == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 0);
		const unsigned char *hash = sqlite3_column_text(st, 1);
		if (!name || !hash) {
			rc = SQLITE_NOMEM;
		} else {
			snprintf(a->name, sizeof a->name, "%s", (const char *)name);
			/* A hash too long to be libsodium's is cut, and then
			 * matches nothing. */
			snprintf(a->hash, sizeof a->hash, "%s", (const char *)hash);
			a->c.failures = sqlite3_column_int64(st, 2);
			a->c.locked_until = sqlite3_column_int64(st, 3);
			a->c.last_failure = sqlite3_column_int64(st, 4);
			rc = SQLITE_OK;
		}
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK || a->known)
		return rc;
	id_hash(s, id, a->h);
	rc = sqlite3_prepare_v2(s->db,
				"SELECT failures, locked_until, last_failure FROM staff_unknown"
				" WHERE id_hash = ?1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_blob(st, 1, a->h, sizeof a->h, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		a->c.failures = sqlite3_column_int64(st, 0);
		a->c.locked_until = sqlite3_column_int64(st, 1);
		a->c.last_failure = sqlite3_column_int64(st, 2);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Keeps A's count for ID; unknown IDs whose runs are over are dropped on
 * the way, as a known ID's would be forgotten. An SQLite result. */
static int write_count(struct store *s, const char *id, const struct attempt *a, long long now)
{
	sqlite3_stmt *st;
	int rc;
	if (a->known) {
		rc = sqlite3_prepare_v2(s->db,
					"UPDATE staff SET failures = ?2, locked_until = ?3,"
					" last_failure = ?4 WHERE id = ?1",
					-1, &st, NULL);
		if (rc != SQLITE_OK)
			return rc;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	} else {
		rc = sqlite3_prepare_v2(s->db,
					"INSERT INTO staff_unknown (id_hash, failures, locked_until,"
					" last_failure) VALUES (?1, ?2, ?3, ?4)"
					" ON CONFLICT (id_hash) DO UPDATE SET failures = ?2,"
					" locked_until = ?3, last_failure = ?4",
					-1, &st, NULL);
		if (rc != SQLITE_OK)
			return rc;
		sqlite3_bind_blob(st, 1, a->h, sizeof a->h, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 2, a->c.failures);
	sqlite3_bind_int64(st, 3, a->c.locked_until);
	sqlite3_bind_int64(st, 4, a->c.last_failure);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK || a->known)
		return rc;
	rc = sqlite3_prepare_v2(s->db,
				"DELETE FROM staff_unknown WHERE last_failure < ?1"
				" AND locked_until <= ?2",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, now - STAFF_FAILURE_MEMORY);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}

/* Whether PIN is HASH's: 1 yes, 0 no, -1 Argon2id could not have its
 * memory. A hash that cannot be read (damaged) matches nothing, after as
 * long as a real check takes (against DUMMY). */
static int verify(const char *hash, const char *pin, const char *dummy)
{
	errno = 0;
	if (crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0)
		return 1;
	if (errno == EINVAL)
		return 0;
	if (errno == ENOMEM)
		return -1;
	errno = 0;
	int rc = crypto_pwhash_str_verify(dummy, pin, strlen(pin));
	return rc != 0 && errno == ENOMEM ? -1 : 0;
}

/* The first phase of a check, under S's lock: reads A and, when ID is
 * locked, answers at once (*DONE). */
static enum hatch_err check_read(struct store *s, const char *id, long long now,
				 struct attempt *a, char dummy[crypto_pwhash_STRBYTES],
				 long long *retry_after, bool *done, struct hatch_error *e)
{
	static const char doing[] = "check the PIN";
	unsigned long long ops;
	size_t mem;
	*done = false;
	store_lock(s);
	limits_of(s, &ops, &mem, dummy);
	int rc = read_attempt(s, id, a);
	enum hatch_err err = HATCH_OK;
	bool cut = false;
	long long left = 0;
	if (rc == SQLITE_OK)
		left = bring_up(&a->c, now, &cut);
	if (rc == SQLITE_OK && cut) {
		/* The clock went back: the lock's shorter end is kept, so it
		 * runs out STAFF_LOCK_SECONDS from now, not when the clock
		 * catches up. */
		rc = store_sql_begin(s);
		if (rc == SQLITE_OK)
			rc = write_count(s, id, a, now);
		err = store_sql_finish(s, HATCH_OK, rc, doing, e);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK)
		err = store_sql_fail(s, rc, doing, e);
	store_unlock(s);
	if (err == HATCH_OK && left > 0) {
		*retry_after = left;
		*done = true;
	}
	return err;
}

/* Makes the hash of staff member ID again with the current limits, if it
 * was made with others. Best effort: the sign-in stands either way. */
static void rehash(struct store *s, const char *id, const char *old, const char *pin)
{
	unsigned long long ops;
	size_t mem;
	char dummy[crypto_pwhash_STRBYTES], hash[crypto_pwhash_STRBYTES];
	store_lock(s);
	limits_of(s, &ops, &mem, dummy);
	store_unlock(s);
	if (crypto_pwhash_str_needs_rehash(old, ops, mem) == 0)
		return;
	if (crypto_pwhash_str_alg(hash, pin, strlen(pin), ops, mem,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return;
	store_lock(s);
	sqlite3_stmt *st = NULL;
	int rc = store_sql_begin(s);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db,
					"UPDATE staff SET pin_hash = ?3 WHERE id = ?1"
					" AND pin_hash = ?2",
					-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, old, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	struct hatch_error ignored;
	(void)store_sql_finish(s, HATCH_OK, rc, "keep the new PIN hash", &ignored);
	store_unlock(s);
	sodium_memzero(hash, sizeof hash);
}

enum hatch_err staff_check(struct store *s, const char *id, const char *pin, long long now,
			   enum staff_verdict *verdict, long long *retry_after, char *name,
			   size_t size, struct hatch_error *e)
{
	static const char doing[] = "check the PIN";
	*verdict = STAFF_WRONG;
	*retry_after = 0;
	if (size)
		name[0] = '\0';
	enum hatch_err err = staff_id_check(id, e);
	if (err != HATCH_OK)
		return err;
	if (!all_digits(pin, 1))
		return err_set(e, HATCH_ERR_INPUT, "a PIN is %d to %d digits (0-9), nothing else",
			       STAFF_PIN_MIN, STAFF_PIN_MAX);
	struct attempt a;
	char dummy[crypto_pwhash_STRBYTES];
	bool done;
	err = check_read(s, id, now, &a, dummy, retry_after, &done, e);
	if (err != HATCH_OK || done) {
		if (err == HATCH_OK)
			*verdict = STAFF_LOCKED;
		return err;
	}
	/* The one slow step, outside the lock: an unknown ID is checked
	 * against the dummy, so that it takes as long as a real one. */
	int match = verify(a.known ? a.hash : dummy, pin, dummy);
	if (match < 0)
		return err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory", s->path,
			       doing);
	bool right = a.known && match == 1;

	/* Counted afresh under the write lock: another attempt may have
	 * counted, or locked, meanwhile. */
	store_lock(s);
	struct attempt now_a;
	int rc = store_sql_begin(s);
	if (rc == SQLITE_OK)
		rc = read_attempt(s, id, &now_a);
	long long left = 0;
	bool cut = false;
	enum staff_verdict v = STAFF_WRONG;
	if (rc == SQLITE_OK) {
		left = bring_up(&now_a.c, now, &cut);
		if (left > 0) {
			v = STAFF_LOCKED;
		} else if (right && now_a.known && !strcmp(now_a.hash, a.hash)) {
			memset(&now_a.c, 0, sizeof now_a.c);
			v = STAFF_OK;
		} else {
			now_a.c.failures++;
			now_a.c.last_failure = now;
			if (now_a.c.failures >= STAFF_MAX_FAILURES) {
				now_a.c.locked_until = now + STAFF_LOCK_SECONDS;
				left = STAFF_LOCK_SECONDS;
				v = STAFF_LOCKED;
			}
		}
		/* Every attempt writes once, right or wrong, known or not, so
		 * that none is told from another by its time. */
		rc = write_count(s, id, &now_a, now);
	}
	err = store_sql_finish(s, HATCH_OK, rc, doing, e);
	store_unlock(s);
	if (err != HATCH_OK)
		return err;
	*verdict = v;
	if (v == STAFF_LOCKED)
		*retry_after = left;
	if (v == STAFF_OK) {
		if (size)
			snprintf(name, size, "%s", now_a.name);
		rehash(s, id, a.hash, pin);
	}
	sodium_memzero(&a, sizeof a);
	sodium_memzero(&now_a, sizeof now_a);
	return HATCH_OK;
}

enum hatch_err staff_list(struct store *s, long long now, struct staff_row **rows, size_t *n,
			  struct hatch_error *e)
{
	static const char doing[] = "list the staff";
	*rows = NULL;
	*n = 0;
	store_lock(s);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT id, name, created, failures, locked_until,"
				    " last_failure FROM staff ORDER BY id",
				    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		enum hatch_err err = store_sql_fail(s, rc, doing, e);
		store_unlock(s);
		return err;
	}
	struct staff_row *v = NULL;
	size_t len = 0, cap = 0;
	enum hatch_err err = HATCH_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct staff_row *nv = mem_realloc(v, ncap * sizeof *nv);
			if (!nv) {
				err = err_set(e, HATCH_ERR_NOMEM, "%s: cannot %s: out of memory",
					      s->path, doing);
				break;
			}
			v = nv;
			cap = ncap;
		}
		struct staff_row *r = &v[len++];
		memset(r, 0, sizeof *r);
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(r->id, sizeof r->id, "%s", t ? (const char *)t : "");
		t = sqlite3_column_text(st, 1);
		snprintf(r->name, sizeof r->name, "%s", t ? (const char *)t : "");
		r->created = sqlite3_column_int64(st, 2);
		struct count c = {
			.failures = sqlite3_column_int64(st, 3),
			.locked_until = sqlite3_column_int64(st, 4),
			.last_failure = sqlite3_column_int64(st, 5),
		};
		bool cut;
		r->retry_after = bring_up(&c, now, &cut);
		r->locked = r->retry_after > 0;
		r->failures = (int)c.failures;
	}
	if (err == HATCH_OK && rc != SQLITE_DONE)
		err = store_sql_fail(s, rc, doing, e);
	sqlite3_finalize(st);
	store_unlock(s);
	if (err != HATCH_OK) {
		mem_free(v);
		return err;
	}
	*rows = v;
	*n = len;
	return HATCH_OK;
}
