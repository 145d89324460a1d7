/* One conditional HTTPS GET of a journey bundle (bundle_fetch.h) through
 * sync/'s HTTPS client, which sets every request up the safe way. Never
 * prints; includes no curl itself. */
#include "sync/bundle_fetch.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "sync/sync_int.h"

/* A tag that can go back in a header as it is: printable ASCII with no
 * space, which also keeps a line break out of the request. */
static bool bf_sendable(const char *tag)
{
	size_t n = strlen(tag);
	if (n == 0 || n > SYNC_HTTP_ETAG_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)tag[i] < 0x21 || (unsigned char)tag[i] > 0x7e)
			return false;
	return true;
}

enum hatch_err sync_bundle_fetch(const char *url, const char *ca_bundle, const char *etag,
                                 size_t max_bytes, enum sync_bundle_status *status,
                                 struct buf *body, char *new_etag, size_t etag_size,
                                 struct hatch_error *e)
{
	buf_cleanup(body);
	*status = SYNC_BUNDLE_FETCHED;
	if (etag_size)
		new_etag[0] = '\0';
	if (!max_bytes)
		max_bytes = SYNC_BUNDLE_MAX;
	/* Only the TLS settings of a destination are read: its CA bundle. */
	struct config_destination *dest = mem_calloc(1, sizeof *dest);
	if (!dest)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	if (ca_bundle && ca_bundle[0]) {
		size_t n = strlen(ca_bundle);
		if (n >= sizeof dest->ca_bundle) {
			mem_free(dest);
			return err_set(e, HATCH_ERR_INPUT,
			               "the CA bundle's path is longer than %zu bytes",
			               sizeof dest->ca_bundle - 1);
		}
		memcpy(dest->ca_bundle, ca_bundle, n + 1);
	}
	char header[sizeof "If-None-Match: " + SYNC_HTTP_ETAG_MAX];
	const char *headers[2] = {NULL, NULL};
	bool conditional = etag && bf_sendable(etag);
	if (conditional) {
		snprintf(header, sizeof header, "If-None-Match: %s", etag);
		headers[0] = header;
	}
	struct sync_http *h = NULL;
	enum hatch_err rc = sync_http_create(&h, e);
	if (rc != HATCH_OK) {
		mem_free(dest);
		return rc == HATCH_ERR_NOMEM ? rc : HATCH_ERR_IO;
	}
	struct sync_http_request req = {
	    .url = url, .headers = headers, .dest = dest, .max_body = max_bytes};
	struct sync_http_response resp;
	sync_http_response_init(&resp);
	rc = sync_http_send(h, &req, &resp, e);
	sync_http_destroy(h);
	mem_free(dest);
	if (rc != HATCH_OK) {
		sync_http_response_cleanup(&resp);
		return rc;
	}
	if (resp.status == 304 && conditional) {
		sync_http_response_cleanup(&resp);
		*status = SYNC_BUNDLE_UNCHANGED;
		if (strlen(etag) < etag_size)
			memcpy(new_etag, etag, strlen(etag) + 1);
		return HATCH_OK;
	}
	if (resp.status != 200) {
		long st = resp.status;
		sync_http_response_cleanup(&resp);
		return err_set(e, HATCH_ERR_IO, "the server answered HTTP %ld", st);
	}
	/* An empty body is still a string (and then not a bundle). */
	if (!resp.body.data && buf_add(&resp.body, "", 0) != HATCH_OK) {
		sync_http_response_cleanup(&resp);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	if (strlen(resp.etag) < etag_size)
		memcpy(new_etag, resp.etag, strlen(resp.etag) + 1);
	*body = resp.body; /* ownership moves */
	buf_init(&resp.body, max_bytes);
	sync_http_response_cleanup(&resp);
	return HATCH_OK;
}
