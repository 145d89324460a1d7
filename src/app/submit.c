/* app_submit: a finished session into the outbox, sealed or encrypted as
 * its destination is configured. */
#include <string.h>

#include <sodium.h>

#include "app/submit.h"
#include "base/mem.h"
#include "platform/platform.h"

enum hatch_err app_submit(struct store *st, const struct config *cfg, struct session *s,
			  const char *language, const char *staff_id, char *reference,
			  struct hatch_error *e)
{
	/* With staff beside the citizen, the record says so, and who. */
	const char *channel = staff_id ? "assisted" : "self-service";
	uint8_t rnd[16];
	uint64_t seq, key;
	char uuid[UUID_SIZE];
	reference[0] = '\0';
	enum hatch_err rc = platform_random(rnd, sizeof rnd, e);
	if (rc != HATCH_OK)
		return rc;
	rc = store_next_reference(st, &seq, &key, e);
	if (rc != HATCH_OK)
		return rc;
	reference_make(seq, key, reference);
	uuid_format(rnd, uuid);
	struct session_meta meta = {uuid,	   reference, language,
				    staff_id != NULL, staff_id, platform_now()};
	char *record = NULL;
	rc = session_record(s, &meta, &record);
	if (rc != HATCH_OK) {
		reference[0] = '\0';
		return err_set(e, rc, "the record could not be made");
	}
	const struct journey *j = session_journey(s);
	const char *dest_name = session_destination(s);
	struct store_submission sub = {uuid,	  reference, j->id,	     j->version,
				       dest_name, language,  channel,	     record,
				       meta.created};
	const struct config_destination *dest = cfg ? config_destination_find(cfg, dest_name) : NULL;
	if (dest && dest->seal_key[0]) {
		unsigned char pk[STORE_SEAL_KEY_BYTES];
		size_t n = 0;
		if (sodium_hex2bin(pk, sizeof pk, dest->seal_key, strlen(dest->seal_key), NULL, &n,
				   NULL) != 0 ||
		    n != sizeof pk)
			rc = err_set(e, HATCH_ERR_INPUT,
				     "destination \"%s\": seal_key is not 64 hex digits", dest_name);
		else
			rc = store_outbox_add_sealed(st, &sub, pk, e);
	} else {
		rc = store_outbox_add(st, &sub, e);
	}
	mem_free_wiped(record);
	if (rc != HATCH_OK)
		reference[0] = '\0';
	return rc;
}
