/* Signed journey bundles (docs/bundles.md): a council's journeys and the
 * catalogs that translate them, in one file with a manifest (version,
 * council, created, expires, and the SHA-256 of every file) signed with
 * Ed25519. Made by `hatch journeys pack`, installed by `hatch journeys
 * install` or by the kiosk from [updates] url, each into a directory of
 * its own under the data directory, switched to by renaming a `current`
 * symbolic link, the one before kept as `previous`. A bundle that does not
 * check out changes nothing on disk.
 *
 * The bundle file is JSON (jansson) with the manifest, the signature and
 * each file in base64 (libsodium), so that no archive format is needed;
 * signatures and hashes are libsodium's. Journeys are checked by the same
 * journey_load() as `hatch journeys validate`, catalogs read by the same
 * i18n code as the kiosk's.
 *
 * The kiosk (app/kiosk.c) calls bundle_updater_create() and bundle_update()
 * on an interval, off its main thread, and between sessions
 * bundle_newer() and bundle_load() to take a new bundle up.
 *
 * Part of app/: may print to the FILE it is given and log through
 * platform/log.h. Depends on core/, i18n/, platform/, store/ (the database's
 * default path), sync/bundle_fetch.h, libsodium and jansson; nothing
 * includes it but app/. */
#ifndef HATCH_APP_BUNDLE_H
#define HATCH_APP_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/err.h"
#include "core/journey.h"
#include "platform/config.h"

/* The largest bundle file, in bytes (sync/bundle_fetch.h's cap). */
#define BUNDLE_MAX_BYTES (16 * 1024 * 1024)
/* The largest manifest: 256 files' lines take about 40 KiB. */
#define BUNDLE_MANIFEST_MAX 65536
/* The most files a bundle holds: journeys and catalogs together. */
#define BUNDLE_MAX_FILES 256
/* The longest path in a bundle: "journeys/", a name of 64 and ".json". */
#define BUNDLE_PATH_MAX 80
/* The largest catalog (locales/LANG.po) in a bundle: today's are 170 KiB. */
#define BUNDLE_PO_MAX (4 * 1024 * 1024)
/* The largest version: the largest whole number a JSON reader in any
 * language holds exactly (2^53 - 1). */
#define BUNDLE_VERSION_MAX 9007199254740991LL
/* The bundle file's and the manifest's format. */
#define BUNDLE_FORMAT 1
/* An Ed25519 public key in base64 with its NUL ([updates] public_key). */
#define BUNDLE_KEY_B64_SIZE     45
#define BUNDLE_PUBLIC_KEY_BYTES 32
#define BUNDLE_SECRET_KEY_BYTES 64

/* One file as the manifest lists it. */
struct bundle_file {
	char path[BUNDLE_PATH_MAX + 1]; /* journeys/NAME.json or locales/LANG.po */
	size_t size;
	unsigned char sha256[32];
};

/* A manifest as read: every field checked against its rule. */
struct bundle_manifest {
	long long version; /* 1 .. BUNDLE_VERSION_MAX */
	char council[128]; /* the council it is for */
	long long created; /* seconds since 1970, UTC */
	long long expires; /* after CREATED */
	size_t nfiles;     /* 1 .. BUNDLE_MAX_FILES, at least one journey */
	size_t njourneys;  /* of them journeys/ (the rest locales/) */
	struct bundle_file files[BUNDLE_MAX_FILES];
};

/* Reads the manifest TEXT[0..LEN) (any bytes) into OUT: a JSON object with
 * exactly format (1), version, council, created and expires (UTC, as
 * 2025-01-31T09:00:00Z) and files, a list of {path, size, sha256 (64
 * lower-case hex digits)} with paths journeys/NAME.json (NAME: 1 to 64 of
 * a-z A-Z 0-9 . _ -, starting with a letter or digit) or locales/LANG.po (a
 * language the kiosk knows other than English), each once, sizes within
 * the limits, and at least one journey. HATCH_ERR_INPUT with the first
 * problem in E ("version: ..."), HATCH_ERR_LIMIT when LEN is over
 * BUNDLE_MANIFEST_MAX, HATCH_ERR_NOMEM. OUT is zeroed on failure. Pure. */
enum hatch_err bundle_manifest_parse(const char *text, size_t len,
                                     struct bundle_manifest *out,
                                     struct hatch_error *e) HATCH_MUST_CHECK;

/* A bundle file as read: its parts decoded, nothing of it trusted yet. */
struct bundle;

/* Reads the bundle file DATA[0..LEN) (any bytes): a JSON object with
 * exactly hatch_bundle (1), key (the signer's public key, base64: a hint
 * for messages only), signature (base64, 64 bytes), manifest (base64) and
 * files (an object of path to base64 content). HATCH_ERR_INPUT with the
 * reason in E (a bundle cut short says so), HATCH_ERR_LIMIT (over
 * BUNDLE_MAX_BYTES, a manifest over BUNDLE_MANIFEST_MAX, more than
 * BUNDLE_MAX_FILES files), HATCH_ERR_NOMEM; *OUT is NULL then. */
enum hatch_err bundle_read(const char *data, size_t len, struct bundle **out,
                           struct hatch_error *e) HATCH_MUST_CHECK;
/* Accepts NULL. */
void bundle_destroy(struct bundle *b);

/* What an installed bundle must satisfy. */
struct bundle_trust {
	unsigned char public_key[BUNDLE_PUBLIC_KEY_BYTES]; /* [updates] public_key */
	char council[128];  /* [updates] council, else [council] name */
	long long now;      /* seconds since 1970: a bundle must not have expired */
	struct cdate today; /* journeys are checked as of this day */
};

/* Fills T from C's [updates] public_key and council ([council] name when
 * that is not set), NOW and TODAY. HATCH_ERR_NOTFOUND when C has no
 * public_key: no bundle can be installed. */
enum hatch_err bundle_trust_from_config(const struct config *c, long long now,
                                        const struct cdate *today, struct bundle_trust *t,
                                        struct hatch_error *e) HATCH_MUST_CHECK;

/* Checks B in memory, in this order, and says the first thing wrong in E:
 * signed by T's key (HATCH_ERR_INPUT: "signed by another key" when its key
 * is not T's, else "changed after it was signed"), a manifest that reads,
 * for T's council, not expired at T->now, a version newer than INSTALLED
 * (HATCH_ERR_STATE when it is not: not a fault, a bundle already had), and
 * every file as the manifest lists it, no more and no fewer
 * (HATCH_ERR_INPUT). Fills M (the caller's, large) on HATCH_OK, and on
 * HATCH_ERR_STATE (for the message). HATCH_ERR_NOMEM. */
enum hatch_err bundle_verify(const struct bundle *b, const struct bundle_trust *t,
                             long long installed, struct bundle_manifest *m,
                             struct hatch_error *e) HATCH_MUST_CHECK;

/* One file to pack or to check: PATH as in a bundle, DATA[0..LEN). */
struct bundle_member {
	const char *path;
	const char *data;
	size_t len;
};

/* The journeys among FILES[0..N) (paths journeys/...), each through the
 * checks of `hatch journeys validate` as of TODAY, no two with one id, at
 * least one. Every problem goes to DETAIL (NULL: none) as "PREFIX
 * PATH:LINE:COLUMN: reason" or "PREFIXPATH: json.path: reason"; the first
 * one, and how many more, into E. HATCH_ERR_INPUT, HATCH_ERR_NOMEM. */
enum hatch_err bundle_check_journeys(const struct bundle_member *files, size_t n,
                                     const struct cdate *today, const char *prefix,
                                     FILE *detail,
                                     struct hatch_error *e) HATCH_MUST_CHECK;

/* Reads the catalog file at FILE (named NAME in messages, such as
 * locales/cy.po) as the kiosk would, for language LANG. Problems go to
 * DETAIL (NULL: none) as "NAME:LINE: reason", the first into E.
 * HATCH_ERR_INPUT, HATCH_ERR_IO, HATCH_ERR_NOMEM. */
enum hatch_err bundle_check_catalog(const char *file, const char *name, const char *lang,
                                    FILE *detail, struct hatch_error *e) HATCH_MUST_CHECK;

/* How to pack. */
struct bundle_pack_options {
	long long version; /* 1 .. BUNDLE_VERSION_MAX */
	const char *council;
	long long created, expires;      /* seconds since 1970; EXPIRES later */
	const unsigned char *secret_key; /* BUNDLE_SECRET_KEY_BYTES, libsodium's */
};

/* Makes a bundle of FILES[0..N) (paths as bundle_manifest_parse() allows)
 * signed with O's key: *OUT (mem_free) holds *LEN bytes of it. Does not
 * check the files' contents (bundle_check_journeys and
 * bundle_check_catalog do). HATCH_ERR_INPUT (a path, the council or a
 * time the manifest cannot hold, said in E), HATCH_ERR_LIMIT (more than
 * BUNDLE_MAX_BYTES), HATCH_ERR_NOMEM. */
enum hatch_err bundle_pack(const struct bundle_pack_options *o,
                           const struct bundle_member *files, size_t n, char **out,
                           size_t *len, struct hatch_error *e) HATCH_MUST_CHECK;

/* Installs the bundle DATA[0..LEN) into DIR (made, 0700, when missing): read
 * (bundle_read), checked against T and the version installed now
 * (bundle_verify), its journeys checked (bundle_check_journeys), written to
 * a new directory DIR/.staging-*, its catalogs read from there
 * (bundle_check_catalog), and then renamed to DIR/VERSION, DIR/current
 * switched to it by renaming a new link over the old one, DIR/previous to
 * the version that was current, and every other version's directory
 * removed. Files are synced before the switch, and the directory after it.
 * Run as root, what it makes is given to config_secret_owner()'s user, the
 * kiosk's. Two installations at once are kept apart by a lock on
 * DIR/.lock: the second fails (HATCH_ERR_STATE, "another installation").
 * On any failure nothing under DIR has changed (but a staging directory a
 * crash may leave, removed by the next installation) and E holds one line
 * saying why: HATCH_ERR_INPUT and HATCH_ERR_LIMIT (the bundle is bad),
 * HATCH_ERR_STATE (not newer than the one installed, or locked),
 * HATCH_ERR_IO (DIR cannot be written: a full disk, a missing
 * permission), HATCH_ERR_NOMEM. DETAIL (NULL: none) gets every problem with
 * a journey or a catalog, one a line. M (NULL, or the caller's) gets the
 * manifest on HATCH_OK and on HATCH_ERR_STATE. */
enum hatch_err bundle_install(const char *dir, const struct bundle_trust *t,
                              const char *data, size_t len, FILE *detail,
                              struct bundle_manifest *m,
                              struct hatch_error *e) HATCH_MUST_CHECK;

/* bundle_install() of the file at PATH (read whole, at most
 * BUNDLE_MAX_BYTES). */
enum hatch_err bundle_install_file(const char *dir, const struct bundle_trust *t,
                                   const char *path, FILE *detail,
                                   struct bundle_manifest *m,
                                   struct hatch_error *e) HATCH_MUST_CHECK;

/* The version DIR/current names, or 0 when no bundle is installed there
 * (or the link is not one this code made). One readlink(2): cheap enough
 * for every time the kiosk returns to Welcome. */
long long bundle_installed(const char *dir);

/* True when the bundle installed in DIR is newer than LOADED (the version
 * the kiosk loaded, 0 for none). */
bool bundle_newer(const char *dir, long long loaded);

/* What the kiosk takes from an installed bundle. */
struct bundle_loaded {
	long long version;         /* the version loaded */
	char dir[4096];            /* DIR/VERSION, the directory read */
	struct journey **journeys; /* app_free_journeys() */
	size_t njourneys;
	struct i18n *i18n; /* its catalogs, all read (i18n_open);
	                    * NULL when it has none: keep the
	                    * installed ones */
};

/* Loads the bundle DIR/current names into OUT: its journeys (as
 * app_load_journeys(), problems to ERR, not NULL) and, when it has any, its
 * catalogs, all read now, so that nothing is read from its directory
 * after this returns. HATCH_ERR_NOTFOUND when none is installed;
 * HATCH_ERR_INPUT when a journey does not load (it did when installed:
 * the directory was changed); HATCH_ERR_NOMEM. On failure OUT is empty
 * and what the caller had loaded stays in use. */
enum hatch_err bundle_load(const char *dir, const struct cdate *today, FILE *err,
                           struct bundle_loaded *out,
                           struct hatch_error *e) HATCH_MUST_CHECK;
/* Frees what OUT holds and empties it; accepts an empty one. */
void bundle_loaded_cleanup(struct bundle_loaded *out);

/* Where bundles are installed: C's [updates] directory, else bundles/
 * beside the database (DB_PATH when not NULL, else C's [storage] database,
 * else store_default_path()'s), into OUT (SIZE bytes). HATCH_ERR_NOTFOUND,
 * HATCH_ERR_LIMIT. */
enum hatch_err bundle_dir(const struct config *c, const char *db_path, char *out,
                          size_t size, struct hatch_error *e) HATCH_MUST_CHECK;

/* Makes a new key pair: the secret key into PATH (base64 and a newline,
 * mode 0600; never over an existing file: HATCH_ERR_STATE), the public key
 * into PATH.pub, and its base64 into PUB (BUNDLE_KEY_B64_SIZE bytes).
 * HATCH_ERR_IO. */
enum hatch_err bundle_keygen(const char *path, char *pub,
                             struct hatch_error *e) HATCH_MUST_CHECK;

/* Reads the secret key at PATH, written by bundle_keygen(), into SK
 * (BUNDLE_SECRET_KEY_BYTES). HATCH_ERR_INPUT when others may read it or it
 * is not such a key; HATCH_ERR_IO, HATCH_ERR_NOTFOUND. */
enum hatch_err bundle_key_read(const char *path, unsigned char *sk,
                               struct hatch_error *e) HATCH_MUST_CHECK;

/* The kiosk's fetch on an interval. */
struct bundle_updater;

/* An updater for C's [updates] url, installing into DIR (bundle_dir()).
 * HATCH_ERR_NOTFOUND when C has no url or no public_key (nothing to
 * fetch: not a fault), HATCH_ERR_INPUT, HATCH_ERR_NOMEM. */
enum hatch_err bundle_updater_create(const struct config *c, const char *dir,
                                     struct bundle_updater **out,
                                     struct hatch_error *e) HATCH_MUST_CHECK;
/* Accepts NULL. */
void bundle_updater_destroy(struct bundle_updater *u);

/* Seconds between two bundle_update() calls: [updates] interval. */
int bundle_updater_interval(const struct bundle_updater *u);

enum bundle_update_result {
	BUNDLE_UPDATE_UNCHANGED, /* 304, or a bundle not newer than the one installed */
	BUNDLE_UPDATE_INSTALLED, /* a new version is installed: *VERSION */
	BUNDLE_UPDATE_REFUSED,   /* the bundle fetched is bad: not fetched again
	                          * until the server's ETag changes */
	BUNDLE_UPDATE_FAILED,    /* the network, the server or the disk: tried
	                          * again next time */
};

/* One fetch of the url (If-None-Match with the ETag of the last bundle
 * fetched) and, when a bundle came, its installation as bundle_install()
 * does, checked at NOW and as of TODAY. Logs one line (module "bundle")
 * saying what happened and, when nothing was installed, why and which
 * version stays. *VERSION (may be NULL) is the version installed after
 * it. Blocks for the fetch (bounded by sync/'s limits, a minute at most):
 * not for the kiosk's main thread. Not for two threads at once with one
 * U. */
enum bundle_update_result bundle_update(struct bundle_updater *u, long long now,
                                        const struct cdate *today, long long *version);

/* hatch journeys pack|install|keygen|update (bundle_cmd.c): ARGV[0] is the
 * subcommand's name. Returns an exit code. */
int app_bundle_cmd(int argc, char **argv);

#endif
