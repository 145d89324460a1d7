/* Unit tests for fleet monitoring (sync/fleet.h, store/store_fleet.h) and
 * its [fleet] settings: the figures from a real store with records queued,
 * sending, delivered, dead and purged, for configured destinations and
 * one only records name; the metrics text parsed back by a reader of
 * Prometheus's text format written here from the format's rules (HELP and
 * TYPE before each family's samples, families whole, names and label
 * escapes), every figure found with its value; the file written whole with
 * no temporary file left, and left as it was when it cannot be; the
 * heartbeat's JSON; a heartbeat refused before any connection (no URL, not
 * https, no secret) and one to a closed port; fleet_tick's schedule; every
 * allocation failing in turn. The heartbeat against the reference back end
 * and promtool's own checks are tests/cli/fleet.sh. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>
#include <jansson.h>

#include "support.h"

#include "base/mem.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "store/store.h"
#include "store/store_fleet.h"
#include "sync/fleet.h"

/* ---- a store with records in every state ---- */

static const char *in_dir(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *p = bufs[next++ % 8];
	snprintf(p, sizeof bufs[0], "%s/%s", support_dir, name);
	return p;
}

static void add(struct store *s, int i, const char *dest, long long created)
{
	char uuid[37], ref[16];
	snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", i);
	snprintf(ref, sizeof ref, "T%03d-AAAA-1", i);
	struct store_submission sub = {
	    .uuid = uuid,
	    .reference = ref,
	    .journey_id = "missed-bin",
	    .journey_version = 1,
	    .destination = dest,
	    .language = "en",
	    .channel = "self-service",
	    .payload = "{\"answers\":[]}",
	    .created = created,
	};
	struct hatch_error e;
	if (store_outbox_add(s, &sub, &e) != HATCH_OK)
		fail_msg("store_outbox_add: %s", e.msg);
}

/* Claims DEST's oldest due record at NOW and ends the claim: 'd'
 * delivered, 'x' dead, 'r' retried at NOW + 1000, 's' left sending. */
static void settle(struct store *s, const char *dest, long long now, char how)
{
	struct store_due d;
	bool found;
	struct hatch_error e;
	assert_int_equal(store_claim_due_for(s, dest, now, &d, &found, &e), HATCH_OK);
	assert_true(found);
	if (how == 'd')
		assert_int_equal(store_mark_delivered(s, d.id, "R-1", now, &e), HATCH_OK);
	else if (how == 'x')
		assert_int_equal(store_mark_dead(s, d.id, "HTTP 400", now, &e), HATCH_OK);
	else if (how == 'r')
		assert_int_equal(
		    store_mark_retry(s, d.id, now + 1000, "HTTP 503", now, &e), HATCH_OK);
	store_due_cleanup(&d);
}

static struct config *config_of(const char *text)
{
	static struct config c;
	struct config_problems p;
	if (config_parse(text, strlen(text), &c, &p) != HATCH_OK) {
		for (size_t i = 0; i < p.n; i++)
			print_message("%d: %s\n", p.v[i].line, p.v[i].reason);
		fail_msg("the test's configuration has problems");
	}
	return &c;
}

static const char two_destinations[] =
    "[device]\nid = library-ground-1\n"
    "[destination waste]\nadapter = webhook\nurl = https://127.0.0.1:1/webhook\n"
    "secret_file = /nonexistent/secret\n"
    "[destination parish]\nadapter = webhook\nurl = https://127.0.0.1:1/parish\n"
    "secret_file = /nonexistent/secret\n";

/* waste: delivered at 1100 and 1300, one dead, one queued (created 1500),
 * one sending (created 1400); orphan (not configured): one queued created
 * 1200; parish: nothing. */
static struct store *populated(void)
{
	struct store *s;
	struct hatch_error e;
	if (store_open(in_dir("hatch.db"), &s, &e) != HATCH_OK)
		fail_msg("store_open: %s", e.msg);
	add(s, 1, "waste", 1000);
	settle(s, "waste", 1100, 'd');
	add(s, 2, "waste", 1001);
	settle(s, "waste", 1300, 'd');
	add(s, 3, "waste", 1002);
	settle(s, "waste", 1301, 'x');
	add(s, 4, "orphan", 1200);
	add(s, 5, "waste", 1400);
	settle(s, "waste", 1400, 's');
	add(s, 6, "waste", 1500);
	return s;
}

static const struct fleet_destination *dest_named(const struct fleet_figures *f,
                                                  const char *name)
{
	for (size_t i = 0; i < f->ndest; i++)
		if (!strcmp(f->dest[i].name, name))
			return &f->dest[i];
	fail_msg("no destination %s in the figures", name);
	return NULL;
}

static void figures_from_store(void **state)
{
	(void)state;
	struct store *s = populated();
	struct config *c = config_of(two_destinations);
	struct fleet_figures fig;
	struct hatch_error e;
	assert_int_equal(fleet_figures_gather(NULL, s, c, "9.8.7", 2000, &fig, &e),
	                 HATCH_OK);
	assert_string_equal(fig.device, "library-ground-1");
	assert_string_equal(fig.version, "9.8.7");
	assert_int_equal(fig.time, 2000);
	assert_true(fig.system_uptime >= 0);
	assert_true(fig.process_uptime >= 0 && fig.process_uptime <= fig.system_uptime);
	assert_int_equal(fig.queued, 2);
	assert_int_equal(fig.sending, 1);
	assert_int_equal(fig.dead, 1);
	assert_int_equal(fig.oldest_waiting, 1200);
	assert_int_equal(fig.last_delivery, 1300);
	assert_true(fig.disk_known);
	assert_true(fig.disk_total > 0 && fig.disk_free <= fig.disk_total);
	/* Configured ones even with no record; by name. */
	assert_int_equal(fig.ndest, 3);
	assert_string_equal(fig.dest[0].name, "orphan");
	assert_string_equal(fig.dest[1].name, "parish");
	assert_string_equal(fig.dest[2].name, "waste");
	const struct fleet_destination *w = dest_named(&fig, "waste");
	assert_true(w->configured);
	assert_int_equal(w->queued, 1);
	assert_int_equal(w->sending, 1);
	assert_int_equal(w->dead, 1);
	assert_int_equal(w->oldest_waiting, 1400);
	assert_int_equal(w->last_delivery, 1300);
	assert_int_equal(w->cert_expires, 0);
	const struct fleet_destination *o = dest_named(&fig, "orphan");
	assert_false(o->configured);
	assert_int_equal(o->queued, 1);
	assert_int_equal(o->oldest_waiting, 1200);
	assert_int_equal(o->last_delivery, 0);
	const struct fleet_destination *p = dest_named(&fig, "parish");
	assert_true(p->configured);
	assert_int_equal(p->queued + p->sending + p->dead, 0);
	assert_int_equal(p->oldest_waiting + p->last_delivery, 0);

	/* Once the retention period has purged the payloads, the last
	 * delivery is still found. */
	size_t purged;
	assert_int_equal(store_purge(s, 5000, &purged, &e), HATCH_OK);
	assert_int_equal(purged, 2);
	assert_int_equal(fleet_figures_gather(NULL, s, c, "9.8.7", 6000, &fig, &e),
	                 HATCH_OK);
	assert_int_equal(dest_named(&fig, "waste")->last_delivery, 1300);
	assert_int_equal(fig.last_delivery, 1300);
	/* A later delivery whose payload is kept wins over the purged ones. */
	settle(s, "orphan", 6100, 'd');
	assert_int_equal(fleet_figures_gather(NULL, s, c, "9.8.7", 6200, &fig, &e),
	                 HATCH_OK);
	assert_int_equal(dest_named(&fig, "orphan")->last_delivery, 6100);
	assert_int_equal(fig.last_delivery, 6100);
	assert_int_equal(fig.queued, 1);
	store_close(s);
}

/* An older record delivered after newer ones, all purged: still its time. */
static void last_delivery_out_of_order(void **state)
{
	(void)state;
	struct store *s;
	struct hatch_error e;
	assert_int_equal(store_open(in_dir("order.db"), &s, &e), HATCH_OK);
	add(s, 1, "waste", 100);
	settle(s, "waste", 100, 'r'); /* due again at 1100 */
	add(s, 2, "waste", 200);
	add(s, 3, "waste", 300);
	settle(s, "waste", 500, 'd');
	settle(s, "waste", 600, 'd');
	settle(s, "waste", 1200, 'd'); /* the first, delivered last */
	size_t purged;
	assert_int_equal(store_purge(s, 9000, &purged, &e), HATCH_OK);
	assert_int_equal(purged, 3);
	const char *names[] = {"waste", "none-yet"};
	struct store_fleet_row *v;
	size_t n;
	assert_int_equal(store_fleet_stats(s, names, 2, &v, &n, &e), HATCH_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].destination, "none-yet");
	assert_int_equal(v[0].last_delivered, 0);
	assert_string_equal(v[1].destination, "waste");
	assert_int_equal(v[1].last_delivered, 1200);
	assert_int_equal(v[1].queued + v[1].sending + v[1].dead, 0);
	mem_free(v);
	store_close(s);
}

static void device_falls_back_to_host_name(void **state)
{
	(void)state;
	struct store *s;
	struct hatch_error e;
	assert_int_equal(store_open(in_dir("host.db"), &s, &e), HATCH_OK);
	struct config c;
	config_defaults(&c);
	struct fleet_figures fig;
	assert_int_equal(fleet_figures_gather(NULL, s, &c, "1", 10, &fig, &e), HATCH_OK);
	char host[256] = "";
	assert_int_equal(gethostname(host, sizeof host - 1), 0);
	host[CONFIG_DEVICE_ID_MAX] = '\0';
	assert_string_equal(fig.device, host);
	assert_int_equal(fig.ndest, 0);
	assert_int_equal(fig.queued + fig.sending + fig.dead, 0);
	store_close(s);
}

/* ---- a reader of Prometheus's text format, from the format's rules ---- */

struct sample {
	char name[128];
	char device[128];
	char destination[128];
	char version[64];
	char value[32];
};

struct parsed {
	struct sample v[256];
	size_t n;
	char families[64][128]; /* in order; each once */
	size_t nfamilies;
	char types[64][16];
};

static bool name_ok(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		              c == '_' || c == ':';
		if (!letter && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

/* SRC into DST, which must hold it. */
static void keep(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	assert_true(n < size);
	memcpy(dst, src, n + 1);
}

static long family_index(const struct parsed *p, const char *name)
{
	for (size_t i = 0; i < p->nfamilies; i++)
		if (!strcmp(p->families[i], name))
			return (long)i;
	return -1;
}

/* Parses TEXT, failing the test on anything the format does not allow. */
static void parse_metrics(const char *text, struct parsed *p)
{
	memset(p, 0, sizeof *p);
	const char *line = text;
	char help_for[128] = "";
	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	while (*line) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		char l[1024];
		size_t len = (size_t)(nl - line);
		assert_true(len < sizeof l);
		memcpy(l, line, len);
		l[len] = '\0';
		line = nl + 1;
		if (!strncmp(l, "# HELP ", 7)) {
			char *sp = strchr(l + 7, ' ');
			assert_non_null(sp);
			*sp = '\0';
			assert_true(name_ok(l + 7, strlen(l + 7)));
			/* A family is described once, and whole. */
			assert_int_equal(family_index(p, l + 7), -1);
			assert_true(p->nfamilies < 64);
			keep(p->families[p->nfamilies++], sizeof p->families[0], l + 7);
			keep(help_for, sizeof help_for, l + 7);
			assert_true(strlen(sp + 1) > 0);
			continue;
		}
		if (!strncmp(l, "# TYPE ", 7)) {
			char *sp = strchr(l + 7, ' ');
			assert_non_null(sp);
			*sp = '\0';
			/* Here TYPE follows its HELP, before any sample. */
			assert_string_equal(l + 7, help_for);
			long fi = family_index(p, l + 7);
			assert_true(fi >= 0 && p->types[fi][0] == '\0');
			assert_true(!strcmp(sp + 1, "gauge") ||
			            !strcmp(sp + 1, "counter"));
			keep(p->types[fi], sizeof p->types[0], sp + 1);
			continue;
		}
		assert_true(l[0] != '#' && l[0] != '\0');
		struct sample *sm = &p->v[p->n++];
		assert_true(p->n < 256);
		size_t nl2 = strcspn(l, "{ ");
		assert_true(name_ok(l, nl2) && nl2 < sizeof sm->name);
		memcpy(sm->name, l, nl2);
		sm->name[nl2] = '\0';
		/* Its family is the one being described, and typed. */
		assert_string_equal(sm->name, help_for);
		assert_true(p->types[family_index(p, sm->name)][0] != '\0');
		const char *q = l + nl2;
		if (*q == '{') {
			q++;
			while (*q != '}') {
				size_t kn = strcspn(q, "=");
				char key[64];
				assert_true(name_ok(q, kn) && kn < sizeof key);
				memcpy(key, q, kn);
				key[kn] = '\0';
				q += kn;
				assert_true(q[0] == '=' && q[1] == '"');
				q += 2;
				char val[128];
				size_t vn = 0;
				while (*q != '"') {
					assert_true(*q != '\0' && vn + 1 < sizeof val);
					if (*q == '\\') {
						q++;
						assert_true(*q == '\\' || *q == '"' ||
						            *q == 'n');
						val[vn++] = *q == 'n' ? '\n' : *q;
					} else {
						val[vn++] = *q;
					}
					q++;
				}
				val[vn] = '\0';
				q++;
				char *to = !strcmp(key, "device")        ? sm->device
				           : !strcmp(key, "destination") ? sm->destination
				           : !strcmp(key, "version")     ? sm->version
				                                         : NULL;
				if (!to)
					fail_msg("unexpected label %s", key);
				keep(to,
				     !strcmp(key, "version") ? sizeof sm->version : 128,
				     val);
				if (*q == ',')
					q++;
				else
					assert_int_equal(*q, '}');
			}
			q++;
		}
		assert_int_equal(*q, ' ');
		q++;
		/* A plain number and no timestamp after it (the textfile
		 * collector refuses those). */
		char *end;
		errno = 0;
		(void)strtod(q, &end);
		assert_true(end != q && *end == '\0' && errno == 0);
		keep(sm->value, sizeof sm->value, q);
		assert_true(sm->device[0] != '\0');
	}
}

/* The value of NAME for DEST ("" for a device-wide one), or NULL. */
static const char *value_of(const struct parsed *p, const char *name, const char *dest)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name) && !strcmp(p->v[i].destination, dest))
			return p->v[i].value;
	return NULL;
}

static void expect_metric(const struct parsed *p, const char *name, const char *dest,
                          unsigned long long want)
{
	const char *v = value_of(p, name, dest);
	if (!v)
		fail_msg("no %s{destination=\"%s\"}", name, dest);
	char w[32];
	snprintf(w, sizeof w, "%llu", want);
	if (strcmp(v, w))
		fail_msg("%s{destination=\"%s\"} is %s, wanted %s", name, dest, v, w);
}

static void metrics_parse_back(void **state)
{
	(void)state;
	struct store *s = populated();
	struct config *c = config_of(two_destinations);
	static struct fleet_figures fig;
	struct hatch_error e;
	assert_int_equal(fleet_figures_gather(NULL, s, c, "9.8.7", 2000, &fig, &e),
	                 HATCH_OK);
	store_close(s);
	fig.dest[2].cert_expires = 1800000000; /* waste's, as a probe would */
	fig.heartbeat_cert_expires = 1810000000;
	fig.heartbeat_last_ok = 1990;
	char *text;
	size_t len;
	assert_int_equal(fleet_metrics_format(&fig, &text, &len, &e), HATCH_OK);
	assert_int_equal(strlen(text), len);
	static struct parsed p;
	parse_metrics(text, &p);
	mem_free(text);
	for (size_t i = 0; i < p.n; i++) {
		assert_string_equal(p.v[i].device, "library-ground-1");
		assert_int_equal(strncmp(p.v[i].name, "hatch_", 6), 0);
	}
	expect_metric(&p, "hatch_info", "", 1);
	assert_string_equal(p.v[0].version, "9.8.7");
	expect_metric(&p, "hatch_heartbeat_timestamp_seconds", "", 2000);
	expect_metric(&p, "hatch_system_uptime_seconds", "",
	              (unsigned long long)fig.system_uptime);
	expect_metric(&p, "hatch_process_uptime_seconds", "",
	              (unsigned long long)fig.process_uptime);
	expect_metric(&p, "hatch_outbox_queued", "waste", 1);
	expect_metric(&p, "hatch_outbox_sending", "waste", 1);
	expect_metric(&p, "hatch_outbox_dead", "waste", 1);
	expect_metric(&p, "hatch_outbox_oldest_waiting_age_seconds", "waste", 600);
	expect_metric(&p, "hatch_last_delivery_timestamp_seconds", "waste", 1300);
	expect_metric(&p, "hatch_tls_certificate_expiry_timestamp_seconds", "waste",
	              1800000000);
	expect_metric(&p, "hatch_outbox_queued", "orphan", 1);
	expect_metric(&p, "hatch_outbox_oldest_waiting_age_seconds", "orphan", 800);
	expect_metric(&p, "hatch_outbox_queued", "parish", 0);
	expect_metric(&p, "hatch_outbox_dead", "parish", 0);
	expect_metric(&p, "hatch_outbox_oldest_waiting_age_seconds", "parish", 0);
	expect_metric(&p, "hatch_filesystem_free_bytes", "", fig.disk_free);
	expect_metric(&p, "hatch_filesystem_size_bytes", "", fig.disk_total);
	expect_metric(&p, "hatch_heartbeat_certificate_expiry_timestamp_seconds", "",
	              1810000000);
	expect_metric(&p, "hatch_heartbeat_last_success_timestamp_seconds", "", 1990);
	/* Unknown figures are left out, not written as 0. */
	assert_null(value_of(&p, "hatch_last_delivery_timestamp_seconds", "orphan"));
	assert_null(value_of(&p, "hatch_last_delivery_timestamp_seconds", "parish"));
	assert_null(
	    value_of(&p, "hatch_tls_certificate_expiry_timestamp_seconds", "parish"));
	assert_int_equal(p.nfamilies, 14);

	/* Label values are escaped; nothing else changes. */
	snprintf(fig.device, sizeof fig.device, "a\"b\\c\nd");
	snprintf(fig.version, sizeof fig.version, "x\"y");
	fig.heartbeat_cert_expires = 0;
	fig.heartbeat_last_ok = 0;
	fig.disk_known = false;
	fig.process_uptime = -1;
	assert_int_equal(fleet_metrics_format(&fig, &text, &len, &e), HATCH_OK);
	parse_metrics(text, &p);
	assert_non_null(strstr(text, "device=\"a\\\"b\\\\c\\nd\""));
	mem_free(text);
	for (size_t i = 0; i < p.n; i++)
		assert_string_equal(p.v[i].device, "a\"b\\c\nd");
	assert_string_equal(p.v[0].version, "x\"y");
	assert_null(value_of(&p, "hatch_filesystem_free_bytes", ""));
	assert_null(value_of(&p, "hatch_process_uptime_seconds", ""));
	assert_null(value_of(&p, "hatch_heartbeat_last_success_timestamp_seconds", ""));
	assert_int_equal(p.nfamilies, 9);
}

/* What is in DIR besides "." and "..", as "a b c". */
static void dir_names(const char *dir, char *out, size_t size)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	out[0] = '\0';
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t at = strlen(out);
		snprintf(out + at, size - at, "%s%s", at ? " " : "", de->d_name);
	}
	closedir(d);
}

static void metrics_file_written_whole(void **state)
{
	(void)state;
	struct store *s = populated();
	struct config *c = config_of(two_destinations);
	static struct fleet_figures fig;
	struct hatch_error e;
	assert_int_equal(fleet_figures_gather(NULL, s, c, "1.0", 2000, &fig, &e),
	                 HATCH_OK);
	store_close(s);
	char dir[512], path[600], names[512];
	snprintf(dir, sizeof dir, "%s/textfile", support_dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/hatch.prom", dir);
	assert_int_equal(fleet_metrics_write(path, &fig, &e), HATCH_OK);
	size_t len;
	char *want, *got;
	assert_int_equal(fleet_metrics_format(&fig, &want, &len, &e), HATCH_OK);
	assert_int_equal(platform_read_file(path, 1 << 20, &got, &len, &e), HATCH_OK);
	assert_string_equal(got, want);
	mem_free(got);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	dir_names(dir, names, sizeof names);
	assert_string_equal(names, "hatch.prom");
	/* Written again over the old one. */
	fig.queued = 99;
	fig.dest[2].dead = 7;
	assert_int_equal(fleet_metrics_write(path, &fig, &e), HATCH_OK);
	assert_int_equal(platform_read_file(path, 1 << 20, &got, &len, &e), HATCH_OK);
	assert_non_null(strstr(got, "hatch_outbox_dead{device=\"library-ground-1\","
	                            "destination=\"waste\"} 7\n"));
	mem_free(got);
	dir_names(dir, names, sizeof names);
	assert_string_equal(names, "hatch.prom");

	/* Cannot be put in place (a directory has its name): the reason, and
	 * no file left behind. */
	char blocked[600];
	snprintf(blocked, sizeof blocked, "%s/blocked.prom", dir);
	assert_int_equal(mkdir(blocked, 0700), 0);
	assert_int_equal(fleet_metrics_write(blocked, &fig, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, blocked));
	assert_non_null(strstr(e.msg, "cannot put it in place"));
	dir_names(dir, names, sizeof names);
	assert_true(!strcmp(names, "hatch.prom blocked.prom") ||
	            !strcmp(names, "blocked.prom hatch.prom"));
	/* A directory that is not there. */
	snprintf(blocked, sizeof blocked, "%s/missing/hatch.prom", dir);
	assert_int_equal(fleet_metrics_write(blocked, &fig, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "cannot create a file beside it"));
	assert_non_null(strstr(e.msg, strerror(ENOENT)));
	/* The good one is as it was. */
	assert_int_equal(platform_read_file(path, 1 << 20, &got, &len, &e), HATCH_OK);
	assert_non_null(strstr(got, "destination=\"waste\"} 7\n"));
	mem_free(got);
	mem_free(want);
}

static void heartbeat_body(void **state)
{
	(void)state;
	struct store *s = populated();
	struct config *c = config_of(two_destinations);
	static struct fleet_figures fig;
	struct hatch_error e;
	assert_int_equal(fleet_figures_gather(NULL, s, c, "9.8.7", 2000, &fig, &e),
	                 HATCH_OK);
	store_close(s);
	fig.dest[2].cert_expires = 2500;
	char *text;
	size_t len;
	assert_int_equal(fleet_heartbeat_body(&fig, &text, &len, &e), HATCH_OK);
	assert_int_equal(strlen(text), len);
	json_error_t je;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	mem_free(text);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "device")),
	                    "library-ground-1");
	assert_string_equal(json_string_value(json_object_get(j, "version")), "9.8.7");
	assert_int_equal(json_integer_value(json_object_get(j, "time")), 2000);
	json_t *ob = json_object_get(j, "outbox");
	assert_int_equal(json_integer_value(json_object_get(ob, "queued")), 2);
	assert_int_equal(json_integer_value(json_object_get(ob, "sending")), 1);
	assert_int_equal(json_integer_value(json_object_get(ob, "waiting")), 3);
	assert_int_equal(json_integer_value(json_object_get(ob, "dead")), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(ob, "oldest_waiting_age_seconds")), 800);
	assert_int_equal(json_integer_value(json_object_get(ob, "last_delivery")), 1300);
	json_t *up = json_object_get(j, "uptime_seconds");
	assert_int_equal(json_integer_value(json_object_get(up, "system")),
	                 fig.system_uptime);
	json_t *disk = json_object_get(j, "disk");
	assert_int_equal(
	    (unsigned long long)json_integer_value(json_object_get(disk, "size_bytes")),
	    fig.disk_total);
	json_t *ds = json_object_get(j, "destinations");
	assert_int_equal(json_array_size(ds), 3);
	json_t *w = json_array_get(ds, 2);
	assert_string_equal(json_string_value(json_object_get(w, "name")), "waste");
	assert_true(json_is_true(json_object_get(w, "configured")));
	assert_int_equal(json_integer_value(json_object_get(w, "waiting")), 2);
	assert_int_equal(json_integer_value(json_object_get(w, "certificate_expires")),
	                 2500);
	assert_int_equal(
	    json_integer_value(json_object_get(w, "certificate_expires_in_seconds")),
	    500);
	json_t *o = json_array_get(ds, 0);
	assert_true(json_is_false(json_object_get(o, "configured")));
	assert_true(json_is_null(json_object_get(o, "last_delivery")));
	assert_true(json_is_null(json_object_get(o, "certificate_expires")));
	json_t *hb = json_object_get(j, "heartbeat");
	assert_true(json_is_null(json_object_get(hb, "last_success")));
	json_decref(j);
}

/* ---- the heartbeat refused, and the schedule ---- */

static void heartbeat_refusals(void **state)
{
	(void)state;
	static struct config c;
	static struct fleet_figures fig;
	config_defaults(&c);
	snprintf(fig.device, sizeof fig.device, "d");
	fig.time = 1000;
	struct fleet *f;
	struct hatch_error e;
	struct fleet_result r;
	assert_int_equal(fleet_create(&f, &e), HATCH_OK);
	assert_int_equal(fleet_heartbeat_send(f, &c, &fig, &r, &e), HATCH_ERR_INPUT);
	assert_string_equal(e.msg, "the configuration has no [fleet] heartbeat_url");
	/* Set past the configuration, which would have refused it. */
	snprintf(c.fleet.heartbeat.url, sizeof c.fleet.heartbeat.url,
	         "http://127.0.0.1:9/hb");
	assert_int_equal(fleet_heartbeat_send(f, &c, &fig, &r, &e), HATCH_ERR_INPUT);
	assert_string_equal(e.msg, "the configuration has no [fleet] secret_file");
	char secret[600];
	snprintf(secret, sizeof secret, "%s/secret", support_dir);
	FILE *fp = fopen(secret, "w");
	assert_non_null(fp);
	fputs("s3cret\n", fp);
	fclose(fp);
	snprintf(c.fleet.heartbeat.secret_file, sizeof c.fleet.heartbeat.secret_file,
	         "%s", secret);
	assert_int_equal(fleet_heartbeat_send(f, &c, &fig, &r, &e), HATCH_ERR_INPUT);
	assert_string_equal(e.msg, "refused: [fleet] heartbeat_url is not https");
	assert_int_equal(r.status, 0);
	/* A secret file that is not there. */
	snprintf(c.fleet.heartbeat.url, sizeof c.fleet.heartbeat.url,
	         "https://127.0.0.1:1/hb");
	snprintf(c.fleet.heartbeat.secret_file, sizeof c.fleet.heartbeat.secret_file,
	         "%s/none", support_dir);
	assert_int_equal(fleet_heartbeat_send(f, &c, &fig, &r, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "cannot read [fleet] secret_file"));
	/* A closed port: a reason, no answer, no success kept. */
	snprintf(c.fleet.heartbeat.secret_file, sizeof c.fleet.heartbeat.secret_file,
	         "%s", secret);
	assert_int_equal(fleet_heartbeat_send(f, &c, &fig, &r, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "the heartbeat was not sent"));
	assert_int_equal(r.status, 0);
	fleet_destroy(f);
	fleet_destroy(NULL);
}

static void tick_schedule(void **state)
{
	(void)state;
	struct store *s;
	struct hatch_error e = {""};
	assert_int_equal(store_open(in_dir("tick.db"), &s, &e), HATCH_OK);
	static struct config c;
	config_defaults(&c);
	struct fleet *f;
	assert_int_equal(fleet_create(&f, &e), HATCH_OK);
	struct fleet_tick_report r;
	/* Nothing configured: nothing done, nothing due. */
	assert_int_equal(fleet_tick(f, s, &c, "1", 1000, &r, &e), HATCH_OK);
	assert_false(r.metrics_written || r.heartbeat_tried || r.probed);
	assert_int_equal(r.next, 0);

	char path[600];
	snprintf(path, sizeof path, "%s/hatch.prom", support_dir);
	snprintf(c.fleet.metrics_file, sizeof c.fleet.metrics_file, "%s", path);
	assert_int_equal(fleet_tick(f, s, &c, "1", 1000, &r, &e), HATCH_OK);
	assert_true(r.metrics_written);
	assert_false(r.heartbeat_tried);
	assert_int_equal(r.next, 1000 + FLEET_METRICS_INTERVAL);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(
	    fleet_tick(f, s, &c, "1", 1000 + FLEET_METRICS_INTERVAL - 1, &r, &e),
	    HATCH_OK);
	assert_false(r.metrics_written);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(fleet_tick(f, s, &c, "1", 1000 + FLEET_METRICS_INTERVAL, &r, &e),
	                 HATCH_OK);
	assert_true(r.metrics_written);
	assert_int_equal(access(path, F_OK), 0);

	/* A heartbeat to a closed port fails; the metrics are still written;
	 * the heartbeat is tried again a whole interval later. */
	char secret[600];
	snprintf(secret, sizeof secret, "%s/secret", support_dir);
	FILE *fp = fopen(secret, "w");
	assert_non_null(fp);
	fputs("s3cret", fp);
	fclose(fp);
	snprintf(c.fleet.heartbeat.url, sizeof c.fleet.heartbeat.url,
	         "https://127.0.0.1:1/hb");
	snprintf(c.fleet.heartbeat.secret_file, sizeof c.fleet.heartbeat.secret_file,
	         "%s", secret);
	c.fleet.interval = 300;
	long long t = 2000;
	assert_int_equal(fleet_tick(f, s, &c, "1", t, &r, &e), HATCH_ERR_IO);
	assert_true(r.metrics_written);
	assert_true(r.heartbeat_tried);
	assert_false(r.heartbeat_sent);
	assert_non_null(strstr(e.msg, "the heartbeat was not sent"));
	assert_int_equal(r.next, t + FLEET_METRICS_INTERVAL);
	assert_int_equal(fleet_tick(f, s, &c, "1", t + FLEET_METRICS_INTERVAL, &r, &e),
	                 HATCH_OK);
	assert_true(r.metrics_written);
	assert_false(r.heartbeat_tried);
	assert_int_equal(r.next, t + 2 * FLEET_METRICS_INTERVAL);
	assert_int_equal(fleet_tick(f, s, &c, "1", t + 300, &r, &e), HATCH_ERR_IO);
	assert_true(r.heartbeat_tried);
	/* A short interval writes the metrics that often too. */
	c.fleet.interval = 30;
	c.fleet.heartbeat.url[0] = '\0';
	assert_int_equal(fleet_tick(f, s, &c, "1", t + 400, &r, &e), HATCH_OK);
	assert_true(r.metrics_written);
	assert_int_equal(r.next, t + 430);
	/* Both failing: both reasons. */
	snprintf(c.fleet.heartbeat.url, sizeof c.fleet.heartbeat.url,
	         "https://127.0.0.1:1/hb");
	snprintf(c.fleet.metrics_file, sizeof c.fleet.metrics_file,
	         "%s/no/such/dir/h.prom", support_dir);
	assert_int_equal(fleet_tick(f, s, &c, "1", t + 1000, &r, &e), HATCH_ERR_IO);
	assert_int_equal(strncmp(e.msg, "the heartbeat was not sent: ", 28), 0);
	assert_non_null(strstr(e.msg, "; "));
	assert_non_null(
	    strstr(strstr(e.msg, "; "), "h.prom: cannot create a file beside it: "));
	fleet_destroy(f);
	store_close(s);
}

/* ---- [fleet] in the configuration ---- */

static void expect_problem(const char *text, int line, const char *reason)
{
	static struct config c;
	struct config_problems p;
	assert_int_equal(config_parse(text, strlen(text), &c, &p), HATCH_ERR_INPUT);
	for (size_t i = 0; i < p.n; i++)
		if (p.v[i].line == line && !strcmp(p.v[i].reason, reason))
			return;
	for (size_t i = 0; i < p.n; i++)
		print_message("%d: %s\n", p.v[i].line, p.v[i].reason);
	fail_msg("wanted line %d: %s", line, reason);
}

static void config_fleet_section(void **state)
{
	(void)state;
	static const char good[] =
	    "[fleet]\n"
	    "heartbeat_url = https://monitor.council.example/hatch/heartbeat\n"
	    "heartbeat_interval = 600\n"
	    "secret_file = /etc/hatch/secrets/heartbeat.hmac\n"
	    "ca_bundle = /etc/hatch/ca/monitor.pem\n"
	    "pinned_keys = sha256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=\n"
	    "client_cert = /etc/hatch/tls/kiosk.crt\n"
	    "client_key = /etc/hatch/tls/kiosk.key\n"
	    "metrics_file = /var/lib/prometheus/node-exporter/hatch.prom\n";
	static struct config c, back;
	struct config_problems p;
	assert_int_equal(config_parse(good, strlen(good), &c, &p), HATCH_OK);
	assert_string_equal(c.fleet.heartbeat.url,
	                    "https://monitor.council.example/hatch/heartbeat");
	assert_int_equal(c.fleet.interval, 600);
	assert_string_equal(c.fleet.heartbeat.secret_file,
	                    "/etc/hatch/secrets/heartbeat.hmac");
	assert_string_equal(c.fleet.heartbeat.ca_bundle, "/etc/hatch/ca/monitor.pem");
	assert_string_equal(c.fleet.heartbeat.client_key, "/etc/hatch/tls/kiosk.key");
	assert_string_equal(c.fleet.metrics_file,
	                    "/var/lib/prometheus/node-exporter/hatch.prom");
	/* Written back, it reads as itself. */
	char *text;
	size_t len;
	struct hatch_error e;
	assert_int_equal(config_format(&c, &text, &len, &e), HATCH_OK);
	assert_non_null(strstr(text, "[fleet]\nheartbeat_url = https://monitor"));
	assert_int_equal(config_parse(text, len, &back, &p), HATCH_OK);
	assert_memory_equal(&c, &back, sizeof c);
	mem_free(text);
	/* The defaults: no [fleet] written at all. */
	config_defaults(&c);
	assert_int_equal(c.fleet.interval, 300);
	assert_string_equal(c.fleet.metrics_file, "");
	assert_int_equal(config_format(&c, &text, &len, &e), HATCH_OK);
	assert_null(strstr(text, "[fleet]"));
	mem_free(text);
	c.fleet.interval = 45;
	assert_int_equal(config_format(&c, &text, &len, &e), HATCH_OK);
	assert_non_null(strstr(text, "[fleet]\nheartbeat_interval = 45\n"));
	mem_free(text);

	expect_problem(
	    "[fleet]\nheartbeat_url = http://monitor.example/hb\n"
	    "secret_file = /s\n",
	    2,
	    "[fleet] heartbeat_url: \"http://monitor.example/hb\": an http link would "
	    "send the kiosk's heartbeat unencrypted, for anyone on the way to read or "
	    "forge; use https");
	expect_problem(
	    "[fleet]\nheartbeat_url = https://monitor.example/hb\n", 2,
	    "[fleet] secret_file: is missing; a heartbeat_url needs secret_file, the "
	    "file holding the secret each heartbeat is signed with");
	expect_problem(
	    "[fleet]\nheartbeat_interval = 29\n", 2,
	    "[fleet] heartbeat_interval: 29 is out of range; use seconds from 30 to "
	    "86400");
	expect_problem(
	    "[fleet]\nheartbeat_interval = 86401\n", 2,
	    "[fleet] heartbeat_interval: 86401 is out of range; use seconds from 30 to "
	    "86400");
	expect_problem(
	    "[fleet]\nmetrics_file = /var/lib/prometheus/node-exporter/hatch.txt\n", 2,
	    "[fleet] metrics_file: \"/var/lib/prometheus/node-exporter/hatch.txt\" does "
	    "not end in a file name with .prom; node_exporter's textfile collector "
	    "reads only .prom files, as in /var/lib/prometheus/node-exporter/hatch.prom");
	expect_problem(
	    "[fleet]\nmetrics_file = hatch.prom\n", 2,
	    "[fleet] metrics_file: \"hatch.prom\" is not an absolute path; start it with "
	    "/, or leave it empty for the default");
	expect_problem(
	    "[fleet]\nca_bundle = /etc/ca.pem\n", 2,
	    "[fleet] ca_bundle: is read only for a heartbeat; add heartbeat_url, or take "
	    "it out");
	expect_problem(
	    "[fleet]\nheartbeat_url = https://m.example/\nsecret_file = /s\n"
	    "client_cert = /c.pem\n",
	    4, "[fleet] client_key: is missing; client_cert and client_key go together");
	expect_problem(
	    "[kiosk]\nheartbeat_url = https://m.example/\n", 2,
	    "[kiosk] heartbeat_url: is not a setting of [kiosk]; put it under [fleet]");
}

/* ---- every allocation failing in turn ---- */

static void out_of_memory(void **state)
{
	(void)state;
	struct store *s = populated();
	struct config *c = config_of(two_destinations);
	static struct fleet_figures fig;
	struct hatch_error e;
	bool done = false;
	for (long n = 1; !done; n++) {
		mem_fail_after(n, 0);
		enum hatch_err rc = fleet_figures_gather(NULL, s, c, "1", 2000, &fig, &e);
		mem_fail_after(0, 0);
		assert_true(rc == HATCH_OK || rc == HATCH_ERR_NOMEM ||
		            rc == HATCH_ERR_IO);
		done = rc == HATCH_OK;
		assert_true(n < 10000);
	}
	assert_int_equal(fig.queued, 2);
	store_close(s);
	done = false;
	for (long n = 1; !done; n++) {
		char *text = NULL;
		size_t len;
		mem_fail_after(n, 0);
		enum hatch_err rc = fleet_metrics_format(&fig, &text, &len, &e);
		mem_fail_after(0, 0);
		if (rc == HATCH_OK) {
			done = true;
			mem_free(text);
		} else {
			assert_int_equal(rc, HATCH_ERR_NOMEM);
			assert_null(text);
		}
	}
	done = false;
	for (long n = 1; !done; n++) {
		char *text = NULL;
		size_t len;
		mem_fail_after(n, 0);
		enum hatch_err rc = fleet_heartbeat_body(&fig, &text, &len, &e);
		mem_fail_after(0, 0);
		if (rc == HATCH_OK) {
			done = true;
			mem_free(text);
		} else {
			assert_int_equal(rc, HATCH_ERR_NOMEM);
			assert_null(text);
		}
	}
	char path[600];
	snprintf(path, sizeof path, "%s/oom.prom", support_dir);
	done = false;
	for (long n = 1; !done; n++) {
		mem_fail_after(n, 0);
		enum hatch_err rc = fleet_metrics_write(path, &fig, &e);
		mem_fail_after(0, 0);
		done = rc == HATCH_OK;
		if (!done)
			assert_int_equal(rc, HATCH_ERR_NOMEM);
		char names[512];
		dir_names(support_dir, names, sizeof names);
		/* Never a temporary file left behind. */
		assert_null(strstr(names, ".oom.prom."));
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, support_dir_setup, support_dir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(figures_from_store),
	    T(last_delivery_out_of_order),
	    T(device_falls_back_to_host_name),
	    T(metrics_parse_back),
	    T(metrics_file_written_whole),
	    T(heartbeat_body),
	    T(heartbeat_refusals),
	    T(tick_schedule),
	    T(config_fleet_section),
	    T(out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
