/* The delivery policy: which record goes next, what an answer means, and
 * when a failed delivery is tried again. The adapters (webhook.c,
 * open311.c) speak the protocols and the client (http.c) the network;
 * this file decides between delivered, retry and dead, and tells the
 * store. Never prints; never puts anything of a payload in a reason. */
#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/mem.h"
#include "platform/platform.h"
#include "store/store_fleet.h"
#include "sync/sync.h"
#include "sync/sync_int.h"

/* Credentials are a line or two; a larger file is the wrong file. */
#define SYNC_SECRET_MAX 4096

struct sync {
	const struct config *config;
	struct store *store;
	struct sync_http *http;
	long long next_purge; /* when retention is next applied; 0: at the first drain */
	/* A record this worker claimed whose claim the store could not end
	 * (locked, disk full): still "sending", which would hold back its
	 * destination until a restart. It goes back to the queue at the next
	 * drain. 0: none. */
	long long stuck;
};

enum hatch_err sync_create(const struct config *c, struct store *s, struct sync **out,
                           struct hatch_error *e)
{
	assert(c && s && out);
	*out = NULL;
	if (sodium_init() < 0)
		return err_set(e, HATCH_ERR_IO, "cannot start the cryptography library");
	struct sync *w = mem_calloc(1, sizeof *w);
	if (!w)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	enum hatch_err rc = sync_http_create(&w->http, e);
	if (rc != HATCH_OK) {
		mem_free(w);
		return rc;
	}
	w->config = c;
	w->store = s;
	*out = w;
	return HATCH_OK;
}

void sync_destroy(struct sync *w)
{
	if (!w)
		return;
	sync_http_destroy(w->http);
	mem_free(w);
}

long long sync_backoff(long long now, long attempts, long long retry_after,
                       uint64_t random)
{
	long long window = SYNC_BACKOFF_CAP;
	/* 30 * 2^7 is past the cap already; larger shifts would overflow. */
	if (attempts < 0)
		attempts = 0;
	if (attempts < 7) {
		long long w = (long long)SYNC_BACKOFF_BASE << attempts;
		if (w < window)
			window = w;
	}
	long long next = now + 1 + (long long)(random % (uint64_t)window);
	if (retry_after > next)
		next = retry_after;
	return next;
}

enum sync_class sync_classify(long status)
{
	if (status >= 200 && status <= 299)
		return SYNC_SUCCESS;
	if (status == 408 || status == 425 || status == 429)
		return SYNC_TRANSIENT;
	if (status >= 400 && status <= 499)
		return SYNC_PERMANENT;
	return SYNC_TRANSIENT;
}

void sync_result_set(struct sync_result *r, enum sync_outcome o, const char *fmt, ...)
{
	r->outcome = o;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
}

/* About 100 bytes of a back end's own words, cut at a character boundary,
 * with control characters (which would reach a terminal) replaced. */
#define SYNC_DETAIL_MAX 100

void sync_result_http(struct sync_result *r, const struct sync_http_response *resp,
                      const char *detail)
{
	char d[SYNC_DETAIL_MAX + 1] = "";
	if (detail) {
		size_t n = strlen(detail);
		if (n > SYNC_DETAIL_MAX) {
			n = SYNC_DETAIL_MAX;
			while (n > 0 && ((unsigned char)detail[n] & 0xC0) == 0x80)
				n--;
		}
		memcpy(d, detail, n);
		d[n] = '\0';
		for (char *p = d; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
	}
	enum sync_class c = sync_classify(resp->status);
	enum sync_outcome o = c == SYNC_PERMANENT ? SYNC_OUT_DEAD : SYNC_OUT_RETRY;
	if (d[0])
		sync_result_set(r, o, "HTTP %ld: %s", resp->status, d);
	else
		sync_result_set(r, o, "HTTP %ld", resp->status);
	r->retry_after = resp->retry_after;
}

/* Reads a credential file into OUT (mem_free_wiped), without its trailing
 * line ending and spaces. */
enum hatch_err sync_read_secret(const char *path, char **out, struct hatch_error *e)
{
	*out = NULL;
	char *data = NULL;
	size_t len = 0;
	enum hatch_err rc = platform_read_file(path, SYNC_SECRET_MAX, &data, &len, e);
	if (rc != HATCH_OK)
		return rc;
	while (len > 0 && isspace((unsigned char)data[len - 1]))
		data[--len] = '\0';
	if (len == 0 || strlen(data) != len) {
		mem_free_wiped(data);
		return err_set(e, HATCH_ERR_INPUT,
		               "a credential file is empty or not text");
	}
	*out = data;
	return HATCH_OK;
}

static uint64_t jitter(void)
{
	uint64_t r = 0;
	struct hatch_error ignored;
	/* Without the kernel's randomness the delay is still bounded; only
	 * the spread between kiosks is lost. */
	if (platform_random(&r, sizeof r, &ignored) != HATCH_OK)
		r = (uint64_t)platform_now();
	return r;
}

static void note_next(struct sync_stats *st, long long next)
{
	if (!st->next_attempt || next < st->next_attempt)
		st->next_attempt = next;
}

/* One destination's due records, oldest first, until none is due or the
 * destination fails in a way that would fail the next record too. */
static enum hatch_err drain_destination(struct sync *w, const char *name, long long now,
                                        struct sync_stats *st, struct sync_defs **defs,
                                        struct hatch_error *e)
{
	const struct config_destination *dest = config_destination_find(w->config, name);
	char unusable[STORE_REASON_MAX + 1] = "";
	char *cred = NULL;
	if (!dest || dest->adapter == CONFIG_ADAPTER_NONE) {
		snprintf(unusable, sizeof unusable, "no destination configured");
	} else {
		const char *file = dest->adapter == CONFIG_ADAPTER_WEBHOOK
		                       ? dest->secret_file
		                       : dest->api_key_file;
		struct hatch_error ce;
		if (!file[0] || sync_read_secret(file, &cred, &ce) != HATCH_OK)
			snprintf(unusable, sizeof unusable,
			         "cannot read the destination's %s file",
			         dest->adapter == CONFIG_ADAPTER_WEBHOOK ? "secret"
			                                                 : "API key");
	}
	enum hatch_err rc = HATCH_OK;
	for (;;) {
		struct store_due d;
		bool found = false;
		rc = store_claim_due_for(w->store, name, now, &d, &found, e);
		if (rc != HATCH_OK || !found)
			break;
		struct sync_result r = {.outcome = SYNC_OUT_RETRY};
		if (unusable[0]) {
			sync_result_set(&r, SYNC_OUT_RETRY, "%s", unusable);
		} else if (dest->adapter == CONFIG_ADAPTER_WEBHOOK) {
			rc = sync_webhook_deliver(w->http, dest, cred, &d, now, &r);
		} else if (d.sealed) {
			/* Sealed for a webhook that has since become an Open311
			 * destination: the fields cannot be read to send them. */
			sync_result_set(&r, SYNC_OUT_DEAD,
			                "a sealed record cannot be sent to an open311 back end");
		} else {
			rc = sync_open311_deliver(w->http, dest, cred, defs, &d, now, &r);
		}
		if (rc != HATCH_OK) {
			/* Out of memory mid-delivery: the record goes back to the
			 * queue as it was, due a little later. */
			long long next = sync_backoff(now, d.attempts, 0, jitter());
			struct hatch_error ignored;
			if (store_mark_retry(w->store, d.id, next, "out of memory", now,
			                     &ignored) == HATCH_OK)
				note_next(st, next);
			store_due_cleanup(&d);
			err_set(e, rc, "out of memory while delivering");
			break;
		}
		bool stop = false;
		long long next;
		switch (r.outcome) {
		case SYNC_OUT_DELIVERED:
			rc = store_mark_delivered(w->store, d.id, r.remote_id, now, e);
			if (rc == HATCH_OK)
				st->delivered++;
			break;
		case SYNC_OUT_PENDING:
			rc = store_set_remote(w->store, d.id, r.remote_id, e);
			next = sync_backoff(now, d.attempts, r.retry_after, jitter());
			if (rc == HATCH_OK)
				rc = store_mark_retry(w->store, d.id, next, r.reason, now,
				                      e);
			if (rc == HATCH_OK) {
				st->retried++;
				note_next(st, next);
			}
			break;
		case SYNC_OUT_RETRY:
			next = sync_backoff(now, d.attempts, r.retry_after, jitter());
			rc = store_mark_retry(w->store, d.id, next, r.reason, now, e);
			if (rc == HATCH_OK) {
				st->retried++;
				note_next(st, next);
			}
			/* A network, TLS or server failure would meet the next
			 * record too; a missing configuration is per record. */
			stop = !unusable[0];
			break;
		case SYNC_OUT_DEAD:
			rc = store_mark_dead(w->store, d.id, r.reason, now, e);
			if (rc == HATCH_OK)
				st->dead++;
			break;
		}
		if (rc != HATCH_OK)
			w->stuck = d.id;
		store_due_cleanup(&d);
		mem_wipe(&r, sizeof r);
		if (rc != HATCH_OK || stop)
			break;
	}
	mem_free_wiped(cred);
	return rc;
}

enum hatch_err sync_drain(struct sync *w, long long now, struct sync_stats *stp,
                          struct hatch_error *e)
{
	struct sync_stats local;
	struct sync_stats *st = stp ? stp : &local;
	memset(st, 0, sizeof *st);
	if (w->stuck) {
		/* Due at once: it may well have reached its back end, which will
		 * recognise the resend. Until the store takes this, nothing else
		 * is tried: the store is still failing. */
		enum hatch_err rc = store_mark_retry(w->store, w->stuck, now,
						     "the device's database failed during delivery",
						     now, e);
		if (rc != HATCH_OK && rc != HATCH_ERR_STATE && rc != HATCH_ERR_NOTFOUND)
			return rc;
		w->stuck = 0;
	}
	/* Which destinations have records waiting, read from the outbox's
	 * indexes: its cost grows with what waits, never with the delivered
	 * history (the screen saves through the same lock). */
	const char *names[CONFIG_MAX_DESTINATIONS];
	size_t nnames = 0;
	for (size_t i = 0; i < w->config->ndestinations && i < CONFIG_MAX_DESTINATIONS; i++)
		names[nnames++] = w->config->destinations[i].name;
	struct store_fleet_row *v = NULL;
	size_t n = 0;
	enum hatch_err rc = store_fleet_stats(w->store, names, nnames, &v, &n, e);
	if (rc != HATCH_OK)
		return rc;
	struct sync_defs *defs = NULL;
	for (size_t i = 0; i < n && rc == HATCH_OK; i++) {
		if (!v[i].queued)
			continue;
		rc = drain_destination(w, v[i].destination, now, st, &defs, e);
	}
	sync_defs_destroy(defs);
	mem_free(v);
	/* Retention, once an hour at most: payloads delivered more than the
	 * configured days ago go, their records stay. */
	if (rc == HATCH_OK && now >= w->next_purge) {
		long long keep = (long long)w->config->retention_days * 86400;
		rc = store_purge(w->store, now - keep, &st->purged, e);
		if (rc == HATCH_OK)
			w->next_purge = now + SYNC_PURGE_INTERVAL;
	}
	return rc;
}
