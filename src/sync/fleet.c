/* Fleet monitoring (fleet.h): the figures gathered from the store
 * (store_fleet.h) and the system (/proc, statvfs, the boot clock), written
 * as Prometheus's text format into a file renamed into place, and sent as
 * a signed JSON heartbeat through delivery's HTTPS client (http.c) with the
 * webhook's signature (webhook.c). Certificates' expiry comes from
 * hatch doctor's probe (probe.c) and from the heartbeat's own connection.
 * Only sync/ includes curl; this file needs none of it directly. */
#include "sync/fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "base/buf.h"
#include "base/mem.h"
#include "platform/platform.h"
#include "store/store_fleet.h"
#include "sync/probe.h"
#include "sync/sync_int.h"

/* A heartbeat's answer is read only for its status: a few bytes. */
#define FLEET_ANSWER_MAX 4096

struct fleet_cert {
	char name[65];
	long long expires;
};

struct fleet {
	struct sync_http *http;
	long long next_probe, next_metrics, next_heartbeat; /* 0: at once */
	long long heartbeat_last_ok;
	long long heartbeat_cert;
	struct fleet_cert certs[CONFIG_MAX_DESTINATIONS];
	size_t ncerts;
};

enum hatch_err fleet_create(struct fleet **out, struct hatch_error *e)
{
	*out = NULL;
	if (sodium_init() < 0)
		return err_set(e, HATCH_ERR_IO, "cannot start the cryptography library");
	struct fleet *f = mem_calloc(1, sizeof *f);
	if (!f)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	enum hatch_err rc = sync_http_create(&f->http, e);
	if (rc != HATCH_OK) {
		mem_free(f);
		return rc;
	}
	*out = f;
	return HATCH_OK;
}

void fleet_destroy(struct fleet *f)
{
	if (!f)
		return;
	sync_http_destroy(f->http);
	mem_free(f);
}

/* SRC into DST (SIZE bytes), cut when longer (at a character boundary). */
static void copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- the figures ---- */

/* Seconds since boot, counting suspended time; -1 when unknown. */
static long long system_uptime(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec;
}

/* Seconds since this process started: its start in clock ticks after boot
 * is field 22 of /proc/self/stat, counted after the name in parentheses
 * (which may hold spaces and parentheses itself). -1 when unknown. */
static long long process_uptime(long long boot)
{
	char text[1024];
	FILE *fp = fopen("/proc/self/stat", "r");
	if (!fp || boot < 0) {
		if (fp)
			fclose(fp);
		return -1;
	}
	size_t n = fread(text, 1, sizeof text - 1, fp);
	fclose(fp);
	text[n] = '\0';
	const char *p = strrchr(text, ')');
	long tick = sysconf(_SC_CLK_TCK);
	if (!p || tick <= 0)
		return -1;
	p++;
	/* Field 3 (the state) is the first after the name; 22 the 20th. */
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
	char *end;
	errno = 0;
	unsigned long long start = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -1;
	long long up = boot - (long long)(start / (unsigned long long)tick);
	return up < 0 ? 0 : up;
}

/* The free and total bytes of the file system the file PATH is on. */
static bool disk_space(const char *path, unsigned long long *free_bytes,
                       unsigned long long *total)
{
	char dir[4096];
	copy(dir, sizeof dir, path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		copy(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	struct statvfs sv;
	if (statvfs(dir, &sv) != 0)
		return false;
	/* f_bavail: what the kiosk's user may still write, without root's
	 * reserve, which is what runs out for it. */
	*free_bytes = (unsigned long long)sv.f_bavail * sv.f_frsize;
	*total = (unsigned long long)sv.f_blocks * sv.f_frsize;
	return true;
}

static long long cert_of(const struct fleet *f, const char *name)
{
	for (size_t i = 0; f && i < f->ncerts; i++)
		if (!strcmp(f->certs[i].name, name))
			return f->certs[i].expires;
	return 0;
}

enum hatch_err fleet_figures_gather(const struct fleet *f, struct store *s,
                                    const struct config *c, const char *version,
                                    long long now, struct fleet_figures *out,
                                    struct hatch_error *e)
{
	memset(out, 0, sizeof *out);
	const char *names[CONFIG_MAX_DESTINATIONS];
	for (size_t i = 0; i < c->ndestinations && i < CONFIG_MAX_DESTINATIONS; i++)
		names[i] = c->destinations[i].name;
	struct store_fleet_row *v = NULL;
	size_t n = 0;
	enum hatch_err rc = store_fleet_stats(s, names, c->ndestinations, &v, &n, e);
	if (rc != HATCH_OK)
		return rc;
	if (c->device_id[0]) {
		copy(out->device, sizeof out->device, c->device_id);
	} else {
		char host[256] = "";
		if (gethostname(host, sizeof host - 1) != 0 || !host[0])
			copy(host, sizeof host, "unknown");
		copy(out->device, sizeof out->device, host);
	}
	copy(out->version, sizeof out->version, version ? version : "");
	out->time = now;
	out->system_uptime = system_uptime();
	out->process_uptime = process_uptime(out->system_uptime);
	for (size_t i = 0; i < n; i++) {
		const struct store_fleet_row *x = &v[i];
		out->queued += x->queued;
		out->sending += x->sending;
		out->dead += x->dead;
		if (x->oldest_waiting &&
		    (!out->oldest_waiting || x->oldest_waiting < out->oldest_waiting))
			out->oldest_waiting = x->oldest_waiting;
		if (x->last_delivered > out->last_delivery)
			out->last_delivery = x->last_delivered;
		if (out->ndest == FLEET_MAX_DESTINATIONS) {
			out->dest_dropped++;
			continue;
		}
		struct fleet_destination *d = &out->dest[out->ndest++];
		copy(d->name, sizeof d->name, x->destination);
		d->configured = config_destination_find(c, x->destination) != NULL;
		d->queued = x->queued;
		d->sending = x->sending;
		d->dead = x->dead;
		d->oldest_waiting = x->oldest_waiting;
		d->last_delivery = x->last_delivered;
		d->cert_expires = d->configured ? cert_of(f, d->name) : 0;
	}
	mem_free(v);
	out->disk_known = disk_space(store_path(s), &out->disk_free, &out->disk_total);
	if (f) {
		out->heartbeat_cert_expires = f->heartbeat_cert;
		out->heartbeat_last_ok = f->heartbeat_last_ok;
	}
	return HATCH_OK;
}

enum hatch_err fleet_probe_certs(struct fleet *f, const struct config *c,
                                 struct hatch_error *e)
{
	struct fleet_cert kept[CONFIG_MAX_DESTINATIONS];
	size_t nkept = 0;
	for (size_t i = 0; i < c->ndestinations && i < CONFIG_MAX_DESTINATIONS; i++) {
		const struct config_destination *d = &c->destinations[i];
		struct sync_probe p;
		enum hatch_err rc = sync_probe(d, &p, e);
		if (rc != HATCH_OK)
			return rc;
		long long t = p.expires ? p.expires : p.leaf_expires;
		copy(kept[nkept].name, sizeof kept[nkept].name, d->name);
		kept[nkept].expires = t ? t : cert_of(f, d->name);
		nkept++;
	}
	/* Only the destinations configured now: one taken out is forgotten. */
	memcpy(f->certs, kept, nkept * sizeof kept[0]);
	f->ncerts = nkept;
	return HATCH_OK;
}

/* ---- Prometheus's text format ---- */

/* One metric family: its name, type and help (plain ASCII, no '\\' or
 * newline, so that no escaping is needed). */
struct family {
	const char *name, *type, *help;
};

static const struct family m_info = {
    "hatch_info", "gauge",
    "The kiosk's device id and program version, as labels; always 1."};
static const struct family m_beat = {
    "hatch_heartbeat_timestamp_seconds", "gauge",
    "When the kiosk gathered these figures (unix time); stale or absent means "
    "the kiosk is down or hung."};
static const struct family m_proc_up = {
    "hatch_process_uptime_seconds", "gauge",
    "Seconds since the program that wrote these figures started."};
static const struct family m_sys_up = {"hatch_system_uptime_seconds", "gauge",
                                       "Seconds since the device booted."};
static const struct family m_queued = {
    "hatch_outbox_queued", "gauge",
    "Submissions waiting in the outbox for their next delivery attempt."};
static const struct family m_sending = {"hatch_outbox_sending", "gauge",
                                        "Submissions being delivered now."};
static const struct family m_dead = {
    "hatch_outbox_dead", "gauge",
    "Submissions a destination refused for good, waiting for staff to retry them."};
static const struct family m_oldest = {
    "hatch_outbox_oldest_waiting_age_seconds", "gauge",
    "Age of the oldest submission waiting (queued or sending); 0 when none waits."};
static const struct family m_last = {
    "hatch_last_delivery_timestamp_seconds", "gauge",
    "When a submission was last delivered to the destination (unix time)."};
static const struct family m_cert = {
    "hatch_tls_certificate_expiry_timestamp_seconds", "gauge",
    "When the first of the certificates the destination's server presented "
    "expires (unix time), as last probed."};
static const struct family m_free = {
    "hatch_filesystem_free_bytes", "gauge",
    "Bytes the kiosk may still write on the file system of its database."};
static const struct family m_size = {"hatch_filesystem_size_bytes", "gauge",
                                     "Size of the file system of the kiosk's database."};
static const struct family m_beat_cert = {
    "hatch_heartbeat_certificate_expiry_timestamp_seconds", "gauge",
    "When the first of the heartbeat endpoint's certificates expires (unix time)."};
static const struct family m_beat_ok = {
    "hatch_heartbeat_last_success_timestamp_seconds", "gauge",
    "When the heartbeat endpoint last accepted a heartbeat (unix time)."};

/* A label value as the format wants it: '\\', '"' and newline escaped. */
static enum hatch_err add_label(struct buf *b, const char *name, const char *v)
{
	enum hatch_err rc = buf_addf(b, "%s=\"", name);
	for (const char *p = v; rc == HATCH_OK && *p; p++) {
		if (*p == '\\')
			rc = buf_addstr(b, "\\\\");
		else if (*p == '"')
			rc = buf_addstr(b, "\\\"");
		else if (*p == '\n')
			rc = buf_addstr(b, "\\n");
		else
			rc = buf_add(b, p, 1);
	}
	return rc == HATCH_OK ? buf_addstr(b, "\"") : rc;
}

static enum hatch_err add_header(struct buf *b, const struct family *m)
{
	return buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
	                m->type);
}

/* One sample of M: {device="...", and destination="..." when DEST}. */
static enum hatch_err add_sample(struct buf *b, const struct family *m,
                                 const char *device, const char *dest,
                                 unsigned long long value)
{
	enum hatch_err rc = buf_addf(b, "%s{", m->name);
	if (rc == HATCH_OK)
		rc = add_label(b, "device", device);
	if (rc == HATCH_OK && dest) {
		rc = buf_addstr(b, ",");
		if (rc == HATCH_OK)
			rc = add_label(b, "destination", dest);
	}
	return rc == HATCH_OK ? buf_addf(b, "} %llu\n", value) : rc;
}

/* A device-wide family with one sample, when KNOWN. */
static enum hatch_err add_one(struct buf *b, const struct family *m, const char *device,
                              bool known, unsigned long long value)
{
	if (!known)
		return HATCH_OK;
	enum hatch_err rc = add_header(b, m);
	return rc == HATCH_OK ? add_sample(b, m, device, NULL, value) : rc;
}

/* Which per-destination figure a family shows. */
enum dest_figure { D_QUEUED, D_SENDING, D_DEAD, D_OLDEST, D_LAST, D_CERT };

static bool dest_value(const struct fleet_figures *fig, const struct fleet_destination *d,
                       enum dest_figure what, unsigned long long *v)
{
	switch (what) {
	case D_QUEUED:
		*v = d->queued;
		return true;
	case D_SENDING:
		*v = d->sending;
		return true;
	case D_DEAD:
		*v = d->dead;
		return true;
	case D_OLDEST:
		*v = d->oldest_waiting && fig->time > d->oldest_waiting
		         ? (unsigned long long)(fig->time - d->oldest_waiting)
		         : 0;
		return true;
	case D_LAST:
		*v = (unsigned long long)d->last_delivery;
		return d->last_delivery > 0;
	case D_CERT:
		*v = (unsigned long long)d->cert_expires;
		return d->cert_expires > 0;
	}
	return false;
}

/* A per-destination family, its header only when it has a sample. */
static enum hatch_err add_dest(struct buf *b, const struct fleet_figures *fig,
                               const struct family *m, enum dest_figure what)
{
	enum hatch_err rc = HATCH_OK;
	bool header = false;
	for (size_t i = 0; rc == HATCH_OK && i < fig->ndest; i++) {
		unsigned long long v;
		if (!dest_value(fig, &fig->dest[i], what, &v))
			continue;
		if (!header)
			rc = add_header(b, m);
		header = true;
		if (rc == HATCH_OK)
			rc = add_sample(b, m, fig->device, fig->dest[i].name, v);
	}
	return rc;
}

enum hatch_err fleet_metrics_format(const struct fleet_figures *fig, char **out,
                                    size_t *len, struct hatch_error *e)
{
	*out = NULL;
	*len = 0;
	struct buf b;
	buf_init(&b, FLEET_METRICS_MAX);
	enum hatch_err rc = add_header(&b, &m_info);
	if (rc == HATCH_OK)
		rc = buf_addf(&b, "%s{", m_info.name);
	if (rc == HATCH_OK)
		rc = add_label(&b, "device", fig->device);
	if (rc == HATCH_OK)
		rc = buf_addstr(&b, ",");
	if (rc == HATCH_OK)
		rc = add_label(&b, "version", fig->version);
	if (rc == HATCH_OK)
		rc = buf_addstr(&b, "} 1\n");
	if (rc == HATCH_OK)
		rc = add_one(&b, &m_beat, fig->device, true,
		             (unsigned long long)fig->time);
	if (rc == HATCH_OK)
		rc = add_one(&b, &m_proc_up, fig->device, fig->process_uptime >= 0,
		             (unsigned long long)fig->process_uptime);
	if (rc == HATCH_OK)
		rc = add_one(&b, &m_sys_up, fig->device, fig->system_uptime >= 0,
		             (unsigned long long)fig->system_uptime);
	if (rc == HATCH_OK)
		rc = add_dest(&b, fig, &m_queued, D_QUEUED);
	if (rc == HATCH_OK)
		rc = add_dest(&b, fig, &m_sending, D_SENDING);
	if (rc == HATCH_OK)
		rc = add_dest(&b, fig, &m_dead, D_DEAD);
	if (rc == HATCH_OK)
		rc = add_dest(&b, fig, &m_oldest, D_OLDEST);
	if (rc == HATCH_OK)
		rc = add_dest(&b, fig, &m_last, D_LAST);
	if (rc == HATCH_OK)
		rc = add_dest(&b, fig, &m_cert, D_CERT);
	if (rc == HATCH_OK)
		rc = add_one(&b, &m_free, fig->device, fig->disk_known, fig->disk_free);
	if (rc == HATCH_OK)
		rc = add_one(&b, &m_size, fig->device, fig->disk_known, fig->disk_total);
	if (rc == HATCH_OK)
		rc = add_one(&b, &m_beat_cert, fig->device,
		             fig->heartbeat_cert_expires > 0,
		             (unsigned long long)fig->heartbeat_cert_expires);
	if (rc == HATCH_OK)
		rc = add_one(&b, &m_beat_ok, fig->device, fig->heartbeat_last_ok > 0,
		             (unsigned long long)fig->heartbeat_last_ok);
	if (rc != HATCH_OK) {
		buf_cleanup(&b);
		if (rc == HATCH_ERR_LIMIT)
			return err_set(e, rc, "the metrics would be larger than %d bytes",
			               FLEET_METRICS_MAX);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	*len = b.len;
	*out = buf_take(&b);
	if (!*out)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	return HATCH_OK;
}

/* Writes all of DATA to FD; false with errno set when it cannot. */
static bool write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return false;
		}
		data += w;
		len -= (size_t)w;
	}
	return true;
}

enum hatch_err fleet_metrics_write(const char *path, const struct fleet_figures *fig,
                                   struct hatch_error *e)
{
	char *text;
	size_t len;
	enum hatch_err rc = fleet_metrics_format(fig, &text, &len, e);
	if (rc != HATCH_OK)
		return rc;
	/* ".NAME.XXXXXX" in PATH's directory: the rename stays on one file
	 * system, and the collector reads only names ending .prom. */
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	struct buf tmp;
	buf_init(&tmp, 8192);
	rc = buf_add(&tmp, path, dirlen);
	if (rc == HATCH_OK)
		rc = buf_addf(&tmp, ".%s.XXXXXX", path + dirlen);
	char *tmpname = rc == HATCH_OK ? buf_take(&tmp) : NULL;
	if (!tmpname) {
		buf_cleanup(&tmp);
		mem_free(text);
		return err_set(
		    e, rc == HATCH_ERR_LIMIT ? rc : HATCH_ERR_NOMEM, "%s: %s", path,
		    rc == HATCH_ERR_LIMIT ? "the path is too long" : "out of memory");
	}
	const char *doing = NULL;
	int fd = mkstemp(tmpname);
	if (fd < 0)
		doing = "cannot create a file beside it";
	/* node_exporter reads it as its own user; nothing in it is secret. */
	else if (fchmod(fd, 0644) != 0)
		doing = "cannot make it readable";
	else if (!write_all(fd, text, len))
		doing = "cannot write it";
	else if (fsync(fd) != 0)
		doing = "cannot write it to disk";
	int saved = errno;
	if (fd >= 0 && close(fd) != 0 && !doing) {
		saved = errno;
		doing = "cannot write it";
	}
	if (!doing && rename(tmpname, path) != 0) {
		saved = errno;
		doing = "cannot put it in place";
	}
	mem_free(text);
	if (doing) {
		if (fd >= 0)
			unlink(tmpname);
		mem_free(tmpname);
		return err_set(e, HATCH_ERR_IO, "%s: %s: %s", path, doing,
		               strerror(saved));
	}
	mem_free(tmpname);
	/* The rename itself is on disk once the directory is. A failure here
	 * leaves a good file that a power cut might take back to the last. */
	char dir[4096];
	if (dirlen < sizeof dir) {
		memcpy(dir, dirlen ? path : ".", dirlen ? dirlen : 1);
		dir[dirlen > 1 ? dirlen - 1 : 1] = '\0';
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return HATCH_OK;
}

/* ---- the heartbeat ---- */

/* An integer, or JSON null when the figure is unknown (KNOWN false). */
static json_t *int_or_null(bool known, long long v)
{
	return known ? json_integer((json_int_t)v) : json_null();
}

/* Sets KEY of O to V, taking V whether or not it can; false when either is
 * NULL (out of memory) or the set fails. */
static bool put(json_t *o, const char *key, json_t *v)
{
	if (!o || !v) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(o, key, v) == 0;
}

static json_t *destination_json(const struct fleet_figures *fig,
                                const struct fleet_destination *d)
{
	json_t *o = json_object();
	bool ok =
	    put(o, "name", json_string(d->name)) &&
	    put(o, "configured", json_boolean(d->configured)) &&
	    put(o, "queued", json_integer((json_int_t)d->queued)) &&
	    put(o, "sending", json_integer((json_int_t)d->sending)) &&
	    put(o, "waiting", json_integer((json_int_t)(d->queued + d->sending))) &&
	    put(o, "dead", json_integer((json_int_t)d->dead)) &&
	    put(o, "oldest_waiting_age_seconds",
	        int_or_null(d->oldest_waiting > 0, fig->time > d->oldest_waiting
	                                               ? fig->time - d->oldest_waiting
	                                               : 0)) &&
	    put(o, "last_delivery",
	        int_or_null(d->last_delivery > 0, d->last_delivery)) &&
	    put(o, "certificate_expires",
	        int_or_null(d->cert_expires > 0, d->cert_expires)) &&
	    put(o, "certificate_expires_in_seconds",
	        int_or_null(d->cert_expires > 0, d->cert_expires - fig->time));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

enum hatch_err fleet_heartbeat_body(const struct fleet_figures *fig, char **out,
                                    size_t *len, struct hatch_error *e)
{
	*out = NULL;
	*len = 0;
	json_t *root = json_object(), *uptime = json_object(), *outbox = json_object();
	json_t *dests = json_array(), *beat = json_object();
	json_t *disk = fig->disk_known ? json_object() : json_null();
	bool ok = put(uptime, "process",
	              int_or_null(fig->process_uptime >= 0, fig->process_uptime)) &&
	          put(uptime, "system",
	              int_or_null(fig->system_uptime >= 0, fig->system_uptime));
	ok =
	    ok && put(outbox, "queued", json_integer((json_int_t)fig->queued)) &&
	    put(outbox, "sending", json_integer((json_int_t)fig->sending)) &&
	    put(outbox, "waiting",
	        json_integer((json_int_t)(fig->queued + fig->sending))) &&
	    put(outbox, "dead", json_integer((json_int_t)fig->dead)) &&
	    put(outbox, "oldest_waiting_age_seconds",
	        int_or_null(fig->oldest_waiting > 0, fig->time > fig->oldest_waiting
	                                                 ? fig->time - fig->oldest_waiting
	                                                 : 0)) &&
	    put(outbox, "last_delivery",
	        int_or_null(fig->last_delivery > 0, fig->last_delivery));
	if (ok && fig->disk_known)
		ok = put(disk, "free_bytes", json_integer((json_int_t)fig->disk_free)) &&
		     put(disk, "size_bytes", json_integer((json_int_t)fig->disk_total));
	for (size_t i = 0; ok && i < fig->ndest; i++) {
		json_t *d = destination_json(fig, &fig->dest[i]);
		ok = d && json_array_append_new(dests, d) == 0;
	}
	ok = ok &&
	     put(beat, "certificate_expires",
	         int_or_null(fig->heartbeat_cert_expires > 0,
	                     fig->heartbeat_cert_expires)) &&
	     put(beat, "last_success",
	         int_or_null(fig->heartbeat_last_ok > 0, fig->heartbeat_last_ok));
	/* Each put takes its value, set or not. */
	json_incref(uptime);
	json_incref(outbox);
	json_incref(dests);
	json_incref(beat);
	json_incref(disk);
	ok = ok && put(root, "device", json_string(fig->device)) &&
	     put(root, "version", json_string(fig->version)) &&
	     put(root, "time", json_integer((json_int_t)fig->time)) &&
	     put(root, "uptime_seconds", uptime) && put(root, "outbox", outbox) &&
	     put(root, "disk", disk) && put(root, "destinations", dests) &&
	     put(root, "destinations_not_listed",
	         json_integer((json_int_t)fig->dest_dropped)) &&
	     put(root, "heartbeat", beat);
	char *text = ok ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(uptime);
	json_decref(outbox);
	json_decref(dests);
	json_decref(beat);
	json_decref(disk);
	json_decref(root);
	if (!text)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	*out = text;
	*len = strlen(text);
	return HATCH_OK;
}

enum hatch_err fleet_heartbeat_send(struct fleet *f, const struct config *c,
                                    const struct fleet_figures *fig,
                                    struct fleet_result *r, struct hatch_error *e)
{
	struct fleet_result local;
	if (!r)
		r = &local;
	memset(r, 0, sizeof *r);
	const struct config_destination *hb = &c->fleet.heartbeat;
	if (!hb->url[0])
		return err_set(e, HATCH_ERR_INPUT,
		               "the configuration has no [fleet] heartbeat_url");
	char *secret = NULL;
	struct hatch_error se;
	if (!hb->secret_file[0] ||
	    sync_read_secret(hb->secret_file, &secret, &se) != HATCH_OK) {
		if (!hb->secret_file[0])
			return err_set(e, HATCH_ERR_INPUT,
			               "the configuration has no [fleet] secret_file");
		return err_set(e, HATCH_ERR_IO, "cannot read [fleet] secret_file: %s",
		               se.msg);
	}
	char *body;
	size_t len;
	enum hatch_err rc = fleet_heartbeat_body(fig, &body, &len, e);
	if (rc != HATCH_OK) {
		mem_free_wiped(secret);
		return rc;
	}
	char sig[SYNC_SIGNATURE_SIZE], sig_h[SYNC_SIGNATURE_SIZE + 32];
	sync_sign(secret, body, len, sig);
	mem_free_wiped(secret);
	snprintf(sig_h, sizeof sig_h, "X-Hatch-Signature: %s", sig);
	const char *headers[] = {"Content-Type: application/json",
	                         "Accept: application/json", sig_h, NULL};
	struct sync_http_tls t;
	struct sync_http_request req = {
	    .url = hb->url,
	    .headers = headers,
	    .body = body,
	    .body_len = len,
	    .dest = hb,
	    .now = fig->time,
	    .max_body = FLEET_ANSWER_MAX,
	    .tls = &t,
	};
	struct sync_http_response resp;
	sync_http_response_init(&resp);
	struct hatch_error he = {""};
	rc = sync_http_send(f->http, &req, &resp, &he);
	mem_free(body);
	r->ms = t.ms;
	r->cert_expires = t.expires ? t.expires : t.leaf_expires;
	if (r->cert_expires)
		f->heartbeat_cert = r->cert_expires;
	if (rc == HATCH_OK)
		r->status = resp.status;
	sync_http_response_cleanup(&resp);
	if (rc == HATCH_ERR_NOMEM)
		return err_set(e, rc, "out of memory");
	if (rc == HATCH_ERR_INPUT)
		return err_set(e, rc, "refused: [fleet] heartbeat_url is not https");
	if (rc != HATCH_OK)
		return err_set(e, HATCH_ERR_IO, "the heartbeat was not sent: %s",
		               t.detail[0] ? t.detail : he.msg);
	if (sync_classify(r->status) != SYNC_SUCCESS)
		return err_set(e, HATCH_ERR_IO,
		               "the heartbeat endpoint answered HTTP %ld", r->status);
	f->heartbeat_last_ok = fig->time;
	return HATCH_OK;
}

/* ---- the kiosk's schedule ---- */

/* Appends REASON to E's message, after "; " when it has one already. */
static void add_reason(struct hatch_error *e, bool first, const char *reason)
{
	if (!e)
		return;
	size_t at = first ? 0 : strlen(e->msg);
	snprintf(e->msg + at, sizeof e->msg - at, "%s%s", first ? "" : "; ", reason);
}

static void note_next(long long *next, long long at)
{
	if (!*next || at < *next)
		*next = at;
}

enum hatch_err fleet_tick(struct fleet *f, struct store *s, const struct config *c,
                          const char *version, long long now, struct fleet_tick_report *r,
                          struct hatch_error *e)
{
	struct fleet_tick_report local;
	if (!r)
		r = &local;
	memset(r, 0, sizeof *r);
	bool beat = c->fleet.heartbeat.url[0] != '\0';
	bool metrics = c->fleet.metrics_file[0] != '\0';
	if (!beat && !metrics)
		return HATCH_OK;
	long long interval =
	    c->fleet.interval > 0 ? c->fleet.interval : CONFIG_FLEET_INTERVAL;
	long long metrics_every =
	    interval < FLEET_METRICS_INTERVAL ? interval : FLEET_METRICS_INTERVAL;
	bool metrics_due = metrics && now >= f->next_metrics;
	bool beat_due = beat && now >= f->next_heartbeat;
	enum hatch_err first = HATCH_OK;
	if (metrics_due || beat_due) {
		struct hatch_error le = {""};
		enum hatch_err rc = HATCH_OK;
		if (now >= f->next_probe && c->ndestinations) {
			rc = fleet_probe_certs(f, c, &le);
			if (rc == HATCH_OK) {
				r->probed = true;
				f->next_probe = now + FLEET_PROBE_INTERVAL;
			}
		}
		/* The figures are worth sending without the certificates. */
		if (rc != HATCH_OK) {
			add_reason(e, first == HATCH_OK, le.msg);
			first = rc;
		}
		struct fleet_figures *fig = mem_alloc(sizeof *fig);
		rc = fig ? fleet_figures_gather(f, s, c, version, now, fig, &le)
		         : err_set(&le, HATCH_ERR_NOMEM, "out of memory");
		if (rc != HATCH_OK) {
			add_reason(e, first == HATCH_OK, le.msg);
			if (first == HATCH_OK)
				first = rc;
			/* Tried again at the next call, not in a loop. */
			if (metrics_due)
				f->next_metrics = now + metrics_every;
			if (beat_due)
				f->next_heartbeat = now + interval;
			metrics_due = beat_due = false;
		}
		/* The heartbeat first, so that the metrics file has what it
		 * showed. */
		if (beat_due) {
			f->next_heartbeat = now + interval;
			r->heartbeat_tried = true;
			rc = fleet_heartbeat_send(f, c, fig, NULL, &le);
			r->heartbeat_sent = rc == HATCH_OK;
			fig->heartbeat_last_ok = f->heartbeat_last_ok;
			fig->heartbeat_cert_expires = f->heartbeat_cert;
			if (rc != HATCH_OK) {
				add_reason(e, first == HATCH_OK, le.msg);
				if (first == HATCH_OK)
					first = rc;
			}
		}
		if (metrics_due) {
			f->next_metrics = now + metrics_every;
			rc = fleet_metrics_write(c->fleet.metrics_file, fig, &le);
			r->metrics_written = rc == HATCH_OK;
			if (rc != HATCH_OK) {
				add_reason(e, first == HATCH_OK, le.msg);
				if (first == HATCH_OK)
					first = rc;
			}
		}
		mem_free(fig);
	}
	if (metrics)
		note_next(&r->next, f->next_metrics);
	if (beat)
		note_next(&r->next, f->next_heartbeat);
	return first;
}
