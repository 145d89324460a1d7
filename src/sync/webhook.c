/* The JSON webhook adapter: POSTs the canonical record exactly as stored,
 * as application/json, with the submission's UUID as Idempotency-Key and
 * X-Hatch-Signature: sha256=<hex HMAC-SHA256 of the body> under the
 * destination's secret. A record sealed to the destination's public key
 * goes as an envelope instead, {"reference", "sealed", "uuid"}, SEALED the
 * base64 of the sealed box, which only the destination can open. Any 2xx is
 * delivered; a 409 whose body says {"error": "duplicate"} means an earlier
 * attempt got through, so it is delivered too. Reads the answer with
 * jansson; never prints. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base/mem.h"
#include "sync/sync_int.h"

_Static_assert(SYNC_SIGNATURE_SIZE == 7 + 2 * crypto_auth_hmacsha256_BYTES + 1,
               "a signature is sha256= and the hex HMAC");

/* "sha256=" and the hex HMAC. */
void sync_sign(const char *secret, const void *body, size_t len, char out[SYNC_SIGNATURE_SIZE])
{
	crypto_auth_hmacsha256_state s;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_init(&s, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&s, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&s, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, 2 * crypto_auth_hmacsha256_BYTES + 1, mac, sizeof mac);
	sodium_memzero(&s, sizeof s);
}

/* The string at KEY of the JSON object in BODY, copied into OUT; "" when
 * there is none. HATCH_ERR_NOMEM when it could not be read for want of
 * memory (OUT is then ""), else HATCH_OK. */
static enum hatch_err json_field(const struct buf *body, const char *key, char *out, size_t size)
{
	out[0] = '\0';
	if (!body->len)
		return HATCH_OK;
	json_error_t je;
	json_t *root = json_loadb(body->data, body->len, 0, &je);
	if (!root)
		return json_error_code(&je) == json_error_out_of_memory ? HATCH_ERR_NOMEM
									 : HATCH_OK;
	json_t *v = json_object_get(root, key);
	if (json_is_string(v))
		snprintf(out, size, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	json_decref(root);
	return HATCH_OK;
}

/* The envelope of a sealed record, in *OUT (free with mem_free): the
 * reference and uuid the back end needs to answer and deduplicate without
 * opening it, and the sealed box. Sorted keys, no spaces, so that a resend
 * is byte for byte the same body. */
static enum hatch_err seal_envelope(const struct store_due *d, char **out)
{
	const int variant = sodium_base64_VARIANT_ORIGINAL;
	size_t n = sodium_base64_encoded_len(d->payload_len, variant);
	char *b64 = mem_alloc(n);
	if (!b64)
		return HATCH_ERR_NOMEM;
	sodium_bin2base64(b64, n, d->payload, d->payload_len, variant);
	json_t *env = json_pack("{s:s, s:s, s:s}", "reference", d->reference, "sealed", b64,
				"uuid", d->uuid);
	mem_free(b64);
	*out = env ? json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(env);
	return *out ? HATCH_OK : HATCH_ERR_NOMEM;
}

enum hatch_err sync_webhook_deliver(struct sync_http *h,
                                    const struct config_destination *dest,
                                    const char *secret, const struct store_due *d,
                                    long long now, struct sync_result *r)
{
	const char *body = (const char *)d->payload;
	size_t body_len = d->payload_len;
	char *envelope = NULL;
	if (d->sealed) {
		enum hatch_err rc = seal_envelope(d, &envelope);
		if (rc != HATCH_OK)
			return rc;
		body = envelope;
		body_len = strlen(envelope);
	}
	char sig[SYNC_SIGNATURE_SIZE];
	sync_sign(secret, body, body_len, sig);
	char key_h[64], sig_h[sizeof sig + 32];
	snprintf(key_h, sizeof key_h, "Idempotency-Key: %s", d->uuid);
	snprintf(sig_h, sizeof sig_h, "X-Hatch-Signature: %s", sig);
	const char *headers[] = {"Content-Type: application/json",
	                         "Accept: application/json", key_h, sig_h, NULL};
	struct sync_http_request req = {
	    .url = dest->url,
	    .headers = headers,
	    .body = body,
	    .body_len = body_len,
	    .dest = dest,
	    .now = now,
	};
	struct sync_http_response resp;
	sync_http_response_init(&resp);
	struct hatch_error he;
	enum hatch_err rc = sync_http_send(h, &req, &resp, &he);
	mem_free(envelope);
	if (rc == HATCH_ERR_NOMEM) {
		sync_http_response_cleanup(&resp);
		return rc;
	}
	if (rc != HATCH_OK) {
		sync_result_set(r, SYNC_OUT_RETRY, "%s", he.msg);
		sync_http_response_cleanup(&resp);
		return HATCH_OK;
	}
	/* The answer is read with memory that may run out; then the record is
	 * tried again later, and a resend is recognised by its key (409). */
	char err[128] = "";
	if (sync_classify(resp.status) == SYNC_SUCCESS) {
		rc = json_field(&resp.body, "id", r->remote_id, sizeof r->remote_id);
		sync_result_set(r, SYNC_OUT_DELIVERED, "HTTP %ld", resp.status);
	} else if (resp.status == 409 &&
	           (rc = json_field(&resp.body, "error", err, sizeof err)) == HATCH_OK &&
	           !strcmp(err, "duplicate")) {
		rc = json_field(&resp.body, "id", r->remote_id, sizeof r->remote_id);
		sync_result_set(r, SYNC_OUT_DELIVERED, "HTTP 409: duplicate");
	} else if (rc == HATCH_OK) {
		rc = json_field(&resp.body, "error", err, sizeof err);
		sync_result_http(r, &resp, err[0] ? err : NULL);
	}
	sync_http_response_cleanup(&resp);
	return rc;
}
