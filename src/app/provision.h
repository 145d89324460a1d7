/* Provisioning a device, apart from the command line: the device's identity
 * (an Ed25519 key pair in a file beside the configuration, and what
 * enrolment reads: a short JSON text and its QR code), the provisioning file
 * (hatch.conf's sections plus secrets given inline and staff accounts), and
 * writing the configuration with its secret and certificate files, all of
 * it staged and checked before anything is moved into place.
 * Prints nothing: hatch provision (provision_cmd.c) and the kiosk's
 * technician screen show what these return. Depends on base/, platform/,
 * store/staff.h (the rules for staff IDs and PINs), libsodium, jansson and
 * libqrencode. */
#ifndef HATCH_APP_PROVISION_H
#define HATCH_APP_PROVISION_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "platform/config.h"
#include "store/staff.h"

/* The identity key's file name, in the configuration file's directory. */
#define PROVISION_KEY_FILE "identity.key"
/* An Ed25519 public key (crypto_sign_PUBLICKEYBYTES), and its base64. */
#define PROVISION_PUBLIC_KEY_BYTES 32
#define PROVISION_KEY_B64_SIZE     45

/* ---- the device's identity ---- */

/* What a device is enrolled by. */
struct provision_identity {
	char device[CONFIG_DEVICE_ID_MAX + 1];
	char council[128];
	unsigned char public_key[PROVISION_PUBLIC_KEY_BYTES];
	char key[PROVISION_KEY_B64_SIZE]; /* public_key in base64 (with '=') */
	/* {"device":"...","council":"...","key":"..."}: ASCII only (JSON's
	 * \u escapes for the rest), so every phone's scanner reads it alike. */
	char *json;
	/* The QR code of JSON (error correction M): WIDTH x WIDTH modules row
	 * by row, top left first, 1 dark and 0 light, without the quiet zone
	 * (4 light modules around it) that whoever draws it adds. */
	unsigned char *modules;
	int width;
};

/* The identity key file for the configuration file CONFIG_PATH: its
 * directory's PROVISION_KEY_FILE, into OUT (SIZE bytes). HATCH_ERR_LIMIT
 * when it does not fit. */
enum hatch_err provision_identity_path(const char *config_path, char *out, size_t size,
                                       struct hatch_error *e) HATCH_MUST_CHECK;

/* Makes ID from DEVICE, COUNCIL and the public key PK: its JSON and QR
 * code. On failure ID holds nothing to free: HATCH_ERR_INPUT (DEVICE or
 * COUNCIL too long for ID), HATCH_ERR_NOMEM. */
enum hatch_err provision_identity_make(const char *device, const char *council,
                                       const unsigned char pk[PROVISION_PUBLIC_KEY_BYTES],
                                       struct provision_identity *id,
                                       struct hatch_error *e) HATCH_MUST_CHECK;

/* Reads the key pair in KEY_PATH and makes ID as provision_identity_make
 * does; for the technician screen, with the kiosk's [device] id and
 * [council] name. The file must be one config_check_secret() accepts.
 * HATCH_ERR_NOTFOUND (no key: the device is not provisioned),
 * HATCH_ERR_INPUT (not a key file, or one others may read or change; the
 * reason in E), HATCH_ERR_IO, HATCH_ERR_NOMEM. */
enum hatch_err provision_identity_get(const char *key_path, const char *device,
                                      const char *council, struct provision_identity *id,
                                      struct hatch_error *e) HATCH_MUST_CHECK;

/* Frees what ID holds (wiping nothing secret: it has only public parts)
 * and leaves it empty; accepts an empty ID. */
void provision_identity_cleanup(struct provision_identity *id);

/* ---- a provisioning ---- */

#define PROVISION_MAX_STAFF 32
/* Each destination's api_key_file or secret_file, client_key, ca_bundle
 * and client_cert. */
#define PROVISION_MAX_FILES (CONFIG_MAX_DESTINATIONS * 4)

/* A file the provisioning puts in place: a secret or a certificate, given
 * inline (DATA from the start) or as a file to copy (FROM, read by
 * provision_read_files). */
struct provision_file {
	char from[4096]; /* "" when given inline */
	char to[4096];   /* where it goes, as the configuration names it */
	char *data;      /* its bytes (wiped when freed) */
	size_t len;
	bool secret;    /* 0600, the service's; else 0644 */
	int line;       /* where it was given (0: kept, or the whole text) */
	bool kept;      /* named by the configuration there before */
	char what[128]; /* "[destination waste] api_key_file" */
};

/* A staff account to add (or whose PIN to set when it exists). */
struct provision_staff {
	char id[STAFF_ID_MAX + 1];
	char name[STAFF_NAME_MAX + 1];
	char pin[STAFF_PIN_MAX + 1]; /* wiped when the plan is destroyed */
	char pin_file[4096];         /* read by provision_read_files, or "" */
	int line;                    /* of its [staff ID] heading */
};

struct provision_plan {
	struct config config; /* what is written, paths already the targets' */
	char config_path[4096];
	char dir[4096]; /* the configuration file's directory */
	struct provision_file files[PROVISION_MAX_FILES];
	size_t nfiles;
	struct provision_staff staff[PROVISION_MAX_STAFF];
	size_t nstaff;
	bool inline_secrets; /* the text held a secret or a PIN itself */
	bool no_tracking;    /* no tracking_url was given: none is written */
};

/* A new, empty plan for writing the configuration file CONFIG_PATH, which
 * must be an absolute path whose directory name fits. NULL when out of
 * memory or when CONFIG_PATH is not such a path (*RC says which: the
 * reason in E). Free with provision_plan_destroy. */
struct provision_plan *provision_plan_create(const char *config_path, enum hatch_err *rc,
                                             struct hatch_error *e);
/* Frees PLAN, wiping every secret and PIN it held; accepts NULL. */
void provision_plan_destroy(struct provision_plan *plan);

/* Reads TEXT[0..LEN) (a provisioning file: docs/configuration.md) into
 * PLAN, which must be fresh. When KEEP (the configuration there now) is not
 * NULL, each setting of its fixed sections that TEXT does not give is kept,
 * and so are its destinations when TEXT names none; what TEXT gives
 * replaces the rest. The result: the configuration, with each destination's
 * files renamed to where they go (DIR/secrets/NAME.api-key, NAME.secret,
 * NAME.client-key; DIR/certs/NAME.ca.pem, NAME.client.pem), the files to
 * put there, and the staff accounts. Every problem goes into P with its
 * line, as config_parse's do; besides the configuration's own rules a
 * provisioned device needs a [device] id and its council's [council] name,
 * and each staff account a good ID and PIN (or pin_file). The
 * demonstration council's tracking_url, the default, is taken out (no QR
 * code) and NO_TRACKING set: a real council gives its own. Looks at no file.
 * HATCH_OK, or HATCH_ERR_INPUT with P saying why. */
enum hatch_err provision_read(struct provision_plan *plan, const char *text, size_t len,
                              const struct config *keep,
                              struct config_problems *p) HATCH_MUST_CHECK;

/* Reads each file PLAN is to copy, and each staff PIN file. A secret must
 * be text of 1 to 4096 bytes (a client key 16384), a certificate a PEM
 * file of at most 1 MiB, a PIN file a PIN; each problem is added to P (after
 * what it holds, provision_read's problems say) on the line the file was
 * named on. HATCH_OK, HATCH_ERR_INPUT (a problem was added), or
 * HATCH_ERR_NOMEM. */
enum hatch_err provision_read_files(struct provision_plan *plan,
                                    struct config_problems *p) HATCH_MUST_CHECK;

/* What provision_commit did. */
struct provision_done {
	bool key_created; /* the identity key is new (else it was kept) */
	unsigned char public_key[PROVISION_PUBLIC_KEY_BYTES];
	char key_path[4096];
};

/* Puts PLAN in place: the configuration's directory (made 0755 if need
 * be), its secrets/ (0700) and certs/ directories, each file, the identity
 * key (made with crypto_sign_keypair unless there is a good one already)
 * and last the configuration file itself (0640), each written to a
 * temporary file, synced and checked (secrets with config_check_secret,
 * the configuration's text with config_parse) before any is renamed into
 * place. Secrets, the identity key and secrets/ belong to OWNER; the
 * configuration file to the user running this and OWNER's group. On
 * failure nothing is moved into place (a failure between two renames, which
 * only a dying disk gives, leaves those before it) and temporary files are
 * removed: HATCH_ERR_INPUT (an identity key that is not one, or that others
 * may read), HATCH_ERR_IO (with the file in E), HATCH_ERR_NOMEM. */
enum hatch_err provision_commit(const struct provision_plan *plan,
                                const struct config_owner *owner,
                                struct provision_done *done,
                                struct hatch_error *e) HATCH_MUST_CHECK;

#endif
