/* Staff accounts in the device's database: who may sign in to an assisted
 * digital session, with a PIN kept only as an Argon2id hash (libsodium's
 * crypto_pwhash_str_alg). Checking a PIN never says whether an ID exists:
 * a wrong PIN for an unknown ID takes as long, gives the same verdict and
 * locks in the same way as a wrong PIN for a real one.
 *
 * Lockout: STAFF_MAX_FAILURES wrong PINs in a row (no success between, and
 * no more than STAFF_FAILURE_MEMORY seconds between one and the next) lock
 * the ID for STAFF_LOCK_SECONDS from the last of them. While locked, every
 * attempt is STAFF_LOCKED, even with the right PIN, and is not counted.
 * The same counting is kept for IDs that do not exist, under a keyed hash
 * of the ID (the key derived from the store's key file), so that a typed-in
 * ID is never stored in clear.
 *
 * The clock is the caller's (unix seconds). If it goes backwards, a lock
 * never has more than STAFF_LOCK_SECONDS left: the remaining time is cut
 * to that, so a clock set back neither extends a lock nor ends it early.
 * A clock set forwards ends a lock early; a device with no real-time clock
 * accepts that rather than lock staff out for as long as the clock was
 * wrong.
 *
 * Every call here is safe beside the store's other calls from another
 * thread; a PIN check holds the store's lock only to read and to write its
 * counts, never while hashing. PINs and hashes never appear in an error
 * message, a listing or a log.
 *
 * Depends on base/, store/ (store_int.h), SQLite and libsodium; never on
 * core/, ui/, sdl/, app/. Never prints. */
#ifndef HATCH_STORE_STAFF_H
#define HATCH_STORE_STAFF_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "store/store.h"

/* An ID is 1 to STAFF_ID_MAX characters of A-Z, a-z, 0-9, '.', '_' and '-',
 * compared exactly (case matters). */
#define STAFF_ID_MAX 32
/* A display name is at most STAFF_NAME_MAX bytes of UTF-8 text without
 * control characters; it may be empty. */
#define STAFF_NAME_MAX 64
/* A PIN is STAFF_PIN_MIN to STAFF_PIN_MAX ASCII digits. */
#define STAFF_PIN_MIN 4
#define STAFF_PIN_MAX 12

/* Wrong PINs in a row that lock an ID, and for how long (seconds). */
#define STAFF_MAX_FAILURES 5
#define STAFF_LOCK_SECONDS 300
/* A run of wrong PINs is forgotten when the next attempt comes more than
 * this long (seconds) after the last wrong one: a day, so a typo on Monday
 * does not count towards a lock on Friday. Kept the same way for unknown
 * IDs, whose records are then dropped. */
#define STAFF_FAILURE_MEMORY 86400

/* The verdict of staff_check. */
enum staff_verdict {
	STAFF_OK,     /* the right PIN for this ID: signed in */
	STAFF_WRONG,  /* a wrong PIN, or no such ID: the same answer for both */
	STAFF_LOCKED, /* too many wrong PINs: try again in *RETRY_AFTER seconds */
};

/* The Argon2id cost of a PIN hash: crypto_pwhash's opslimit and memlimit
 * (bytes). staff_limits_default() gives the ones the kiosk uses. */
struct staff_limits {
	unsigned long long opslimit;
	size_t memlimit;
};

/* The limits every new hash is made with unless staff_set_limits said
 * otherwise (the reason and the measured time are in staff.c). */
void staff_limits_default(struct staff_limits *out);

/* For tests and benchmarks: hashes made and checked through S from now on
 * use LIMITS (NULL: back to the defaults); the dummy hash unknown IDs are
 * checked against is made afresh with them, which takes one hash's time.
 * A hash made with other limits still verifies, and is made again with
 * these at its next successful sign-in. HATCH_ERR_INPUT when LIMITS are
 * outside libsodium's bounds; HATCH_ERR_NOMEM. Nothing changes on failure. */
enum hatch_err staff_set_limits(struct store *s, const struct staff_limits *limits,
				struct hatch_error *e) HATCH_MUST_CHECK;

/* HATCH_OK when ID is a well-formed staff ID, else HATCH_ERR_INPUT with the
 * reason in E (never the ID itself). */
enum hatch_err staff_id_check(const char *id, struct hatch_error *e) HATCH_MUST_CHECK;

/* HATCH_OK when PIN may be set as a PIN: STAFF_PIN_MIN to STAFF_PIN_MAX
 * ASCII digits, not one digit repeated ("0000"), not a run of digits going
 * up or down by one ("1234", "9876"). Else HATCH_ERR_INPUT with a reason
 * fit to show the person choosing it (never the PIN itself). */
enum hatch_err staff_pin_check(const char *pin, struct hatch_error *e) HATCH_MUST_CHECK;

/* HATCH_OK when NAME may be a display name (NULL and "" are none);
 * HATCH_ERR_INPUT (not UTF-8, control characters) or HATCH_ERR_LIMIT (too
 * long) with the reason in E. */
enum hatch_err staff_name_check(const char *name, struct hatch_error *e) HATCH_MUST_CHECK;

/* Adds the staff member ID with display NAME (NULL or "" for none) and
 * PIN, hashed with the current limits, created at NOW, in one transaction.
 * Any count kept for ID while it did not exist is dropped. On failure
 * nothing is written:
 *   HATCH_ERR_INPUT  ID, NAME or PIN breaks its rules (E says which and
 *                    why), or ID is already a staff member;
 *   HATCH_ERR_LIMIT  NAME is longer than STAFF_NAME_MAX bytes;
 *   HATCH_ERR_IO     disk full, locked, read-only (E names the file);
 *   HATCH_ERR_NOMEM  including when Argon2id cannot have its memory. */
enum hatch_err staff_add(struct store *s, const char *id, const char *name, const char *pin,
			 long long now, struct hatch_error *e) HATCH_MUST_CHECK;

/* Gives staff member ID the new PIN (rules and errors as staff_add's) and
 * clears its wrong-PIN count and any lock. HATCH_ERR_NOTFOUND when there is
 * no staff member ID (an administrator's call: it may say so). */
enum hatch_err staff_set_pin(struct store *s, const char *id, const char *pin,
			     struct hatch_error *e) HATCH_MUST_CHECK;

/* Removes staff member ID. HATCH_ERR_NOTFOUND when there is none. */
enum hatch_err staff_remove(struct store *s, const char *id,
			    struct hatch_error *e) HATCH_MUST_CHECK;

/* Clears staff member ID's wrong-PIN count and lock. HATCH_ERR_NOTFOUND
 * when there is none. */
enum hatch_err staff_unlock(struct store *s, const char *id,
			    struct hatch_error *e) HATCH_MUST_CHECK;

/* One staff member as an administrator may see them: never the hash. */
struct staff_row {
	char id[STAFF_ID_MAX + 1];
	char name[STAFF_NAME_MAX + 1];
	long long created;      /* unix seconds */
	int failures;           /* wrong PINs in the current run */
	bool locked;            /* locked at the NOW given to staff_list */
	long long retry_after;  /* seconds of the lock left at NOW; 0 when unlocked */
};

/* Every staff member, in order of ID, as *N rows in a new array *ROWS that
 * the caller frees with mem_free (NULL when *N is 0); LOCKED and
 * RETRY_AFTER as they stand at NOW. On failure *ROWS is NULL and *N is 0:
 * HATCH_ERR_IO, HATCH_ERR_NOMEM. */
enum hatch_err staff_list(struct store *s, long long now, struct staff_row **rows, size_t *n,
			  struct hatch_error *e) HATCH_MUST_CHECK;

/* Checks PIN for ID at NOW (unix seconds) and counts the attempt.
 *   STAFF_OK      the PIN is ID's and ID is not locked: its count is reset,
 *                 and its display name written into NAME (SIZE bytes, cut
 *                 short if it does not fit; NAME may be NULL when SIZE is
 *                 0). A hash made with other limits is made again with the
 *                 current ones (a failure to store it is not an error).
 *   STAFF_WRONG   a wrong PIN, or no staff member ID: counted alike.
 *   STAFF_LOCKED  ID is locked (or this attempt locked it): *RETRY_AFTER
 *                 is the seconds left (1 to STAFF_LOCK_SECONDS).
 * *RETRY_AFTER is 0 unless STAFF_LOCKED; NAME is "" unless STAFF_OK.
 * A wrong PIN or an unknown ID takes one Argon2id verification, as long as
 * a right one; a locked ID is answered at once, known or not.
 *
 * Errors, with *VERDICT STAFF_WRONG and nothing counted:
 *   HATCH_ERR_INPUT  ID is not a well-formed staff ID, or PIN is not 1 to
 *                    STAFF_PIN_MAX ASCII digits (such an ID cannot exist,
 *                    and such a PIN cannot be anyone's, so this says
 *                    nothing about any account);
 *   HATCH_ERR_IO     the database cannot be read or written (a wrong PIN
 *                    whose count cannot be kept is an error, never a
 *                    STAFF_WRONG that was not counted);
 *   HATCH_ERR_NOMEM  including when Argon2id cannot have its memory. */
enum hatch_err staff_check(struct store *s, const char *id, const char *pin, long long now,
			   enum staff_verdict *verdict, long long *retry_after, char *name,
			   size_t size, struct hatch_error *e) HATCH_MUST_CHECK;

#endif
