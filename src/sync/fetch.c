/* One HTTPS GET for tools (fetch.h): sync/'s HTTPS client with a cap of the
 * caller's choosing, and the answer-id rule the Open311 adapter matches
 * attributes by. Never prints; includes no curl itself. */
#include <string.h>

#include "base/mem.h"
#include "sync/fetch.h"
#include "sync/sync_int.h"

struct sync_fetch {
	struct sync_http *http;
	/* Only the TLS settings are used: the CA bundle. */
	struct config_destination *dest;
	size_t max_bytes;
};

enum hatch_err sync_fetch_create(const char *ca_bundle, size_t max_bytes,
                                 struct sync_fetch **out, struct hatch_error *e)
{
	*out = NULL;
	if (max_bytes < 1)
		return err_set(e, HATCH_ERR_INPUT, "a body cap of 0 bytes");
	struct sync_fetch *f = mem_calloc(1, sizeof *f);
	if (!f)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	f->max_bytes = max_bytes;
	f->dest = mem_calloc(1, sizeof *f->dest);
	if (!f->dest) {
		mem_free(f);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	if (ca_bundle && ca_bundle[0]) {
		size_t n = strlen(ca_bundle);
		if (n >= sizeof f->dest->ca_bundle) {
			sync_fetch_destroy(f);
			return err_set(e, HATCH_ERR_INPUT,
			               "the CA bundle's path is longer than %zu bytes",
			               sizeof f->dest->ca_bundle - 1);
		}
		memcpy(f->dest->ca_bundle, ca_bundle, n + 1);
	}
	enum hatch_err rc = sync_http_create(&f->http, e);
	if (rc != HATCH_OK) {
		sync_fetch_destroy(f);
		return rc == HATCH_ERR_NOMEM ? rc : HATCH_ERR_IO;
	}
	*out = f;
	return HATCH_OK;
}

void sync_fetch_destroy(struct sync_fetch *f)
{
	if (!f)
		return;
	sync_http_destroy(f->http);
	mem_free(f->dest);
	mem_free(f);
}

enum hatch_err sync_fetch_get(struct sync_fetch *f, const char *url, const char *accept,
                              long *status, struct buf *body, struct hatch_error *e)
{
	buf_cleanup(body);
	*status = 0;
	char header[256];
	const char *headers[2] = {NULL, NULL};
	if (accept) {
		size_t n = strlen(accept);
		if (n > sizeof header - sizeof "Accept: ")
			return err_set(e, HATCH_ERR_INPUT, "the Accept header is too long");
		memcpy(header, "Accept: ", sizeof "Accept: " - 1);
		memcpy(header + sizeof "Accept: " - 1, accept, n + 1);
		headers[0] = header;
	}
	struct sync_http_request req = {.url = url,
	                                .headers = headers,
	                                .dest = f->dest,
	                                .max_body = f->max_bytes};
	struct sync_http_response resp;
	sync_http_response_init(&resp);
	enum hatch_err rc = sync_http_send(f->http, &req, &resp, e);
	if (rc != HATCH_OK) {
		sync_http_response_cleanup(&resp);
		return rc;
	}
	/* An empty body is still a string. */
	if (!resp.body.data && buf_add(&resp.body, "", 0) != HATCH_OK) {
		sync_http_response_cleanup(&resp);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	*status = resp.status;
	*body = resp.body; /* ownership moves */
	buf_init(&resp.body, f->max_bytes);
	sync_http_response_cleanup(&resp);
	return HATCH_OK;
}

bool sync_open311_answer_id(const char *code, char *out)
{
	size_t n = 0;
	bool dash = false;
	out[0] = '\0';
	for (const unsigned char *p = (const unsigned char *)code; *p; p++) {
		unsigned char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!keep) {
			dash = n > 0;
			continue;
		}
		if (dash) {
			if (n + 2 > SYNC_OPEN311_ID_MAX)
				break;
			out[n++] = '-';
			dash = false;
		}
		if (n + 1 > SYNC_OPEN311_ID_MAX)
			break;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n > 0;
}
