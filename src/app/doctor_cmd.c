/* hatch doctor: the technician's checks (doctor.c) printed as a table or
 * as JSON, and a support bundle: versions, the doctor's report, the
 * outbox's counts, the configuration without secrets and recent logs, in
 * one text file to send to whoever supports the kiosk. Nothing here reads
 * a payload or a secret file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "app/app.h"
#include "app/doctor.h"
#include "base/mem.h"
#include "platform/config.h"
#include "platform/log.h"
#include "platform/platform.h"
#include "sdl/fonts_check.h"
#include "store/store_check.h"
#include "sync/probe.h"

/* Where the device's configuration lives (README, docs/configuration.md):
 * read when no --config is given and it exists. */
#define DOCTOR_DEFAULT_CONFIG "/etc/hatch/hatch.conf"

/* How many lines of recent logs a bundle holds, and how long journalctl
 * may take to give them. */
#define BUNDLE_LOG_LINES 500
#define BUNDLE_JOURNAL_TIMEOUT_S 10
#define BUNDLE_LOG_MAX (1u << 20)

static const char doctor_help[] =
	"Usage: hatch doctor [--config FILE] [--db FILE] [--json] [--no-display]\n"
	"                    [--bundle FILE]\n"
	"\n"
	"Checks the kiosk for a technician: the configuration, the display and input\n"
	"devices, the fonts of every language, the database (integrity, size), the\n"
	"free space where it lives, the clock, each destination's name, certificate\n"
	"and answer (probed without delivering anything), and the outbox. Prints one\n"
	"line per check: ok, WARN or FAIL and why. No personal data is read or shown.\n"
	"\n"
	"  --config FILE   the device configuration (default: " DOCTOR_DEFAULT_CONFIG "\n"
	"                  when it exists, else the built-in settings)\n"
	"  --db FILE       the database (default: the configuration's, else $HATCH_DB\n"
	"                  or ~/.local/share/hatch/hatch.db)\n"
	"  --json          the report as JSON, for tools\n"
	"  --no-display    this machine does not show the kiosk: a missing display or\n"
	"                  input device is a warning, not a failure\n"
	"  --bundle FILE   also write a support bundle to FILE: versions, this report,\n"
	"                  the outbox's counts, the configuration without secrets and\n"
	"                  recent logs\n"
	"\n"
	"Exit status: 0 when no check failed (warnings allowed), 1 when one did or the\n"
	"bundle could not be written, 2 for a usage mistake. Run it as the kiosk's\n"
	"user. See docs/doctor.md for what each verdict means.\n";

static void iso_time(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "%lld", t);
}

static int width(int w, const char *s)
{
	int l = (int)strlen(s);
	return l > w ? l : w;
}

static const char *shown(enum doctor_verdict v)
{
	return v == DOCTOR_OK ? "ok" : v == DOCTOR_WARN ? "WARN" : "FAIL";
}

static void print_table(FILE *f, const struct doctor_report *r)
{
	char when[32];
	iso_time(r->time, when, sizeof when);
	fprintf(f, "hatch doctor %s, %s\n", HATCH_VERSION, when);
	fprintf(f, "configuration: %s\n", r->config_path[0] ? r->config_path : "(built-in)");
	fprintf(f, "database: %s\n\n", r->db_path[0] ? r->db_path : "(none)");
	int wc = (int)strlen("CHECK"), ws = (int)strlen("SUBJECT");
	for (size_t i = 0; i < r->n; i++) {
		wc = width(wc, r->v[i].check);
		ws = width(ws, r->v[i].subject);
	}
	fprintf(f, "%-7s  %-*s  %-*s  %s\n", "VERDICT", wc, "CHECK", ws, "SUBJECT", "DETAIL");
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_result *x = &r->v[i];
		fprintf(f, "%-7s  %-*s  %-*s  %s\n", shown(x->verdict), wc, x->check, ws,
			x->subject[0] ? x->subject : "-", x->detail);
	}
	fprintf(f, "\n%zu ok, %zu warning%s, %zu failed\n", r->counts[DOCTOR_OK],
		r->counts[DOCTOR_WARN], r->counts[DOCTOR_WARN] == 1 ? "" : "s",
		r->counts[DOCTOR_FAIL]);
}

/* Adds KEY = S to O; a string jansson refuses (it cannot be, after
 * doctor.c's tidying) becomes null rather than dropping the report. */
static int set_str(json_t *o, const char *key, const char *s)
{
	json_t *v = s ? json_string(s) : json_null();
	return json_object_set_new(o, key, v ? v : json_null());
}

static json_t *counts_json(const size_t counts[STORE_STATES])
{
	json_t *o = json_object();
	for (int i = 0; o && i < STORE_STATES; i++)
		json_object_set_new(o, store_state_name((enum store_state)i),
				    json_integer((json_int_t)counts[i]));
	return o;
}

static json_t *report_json(const struct doctor_report *r)
{
	char when[32];
	json_t *o = json_object();
	if (!o)
		return NULL;
	iso_time(r->time, when, sizeof when);
	set_str(o, "hatch", HATCH_VERSION);
	set_str(o, "time", when);
	set_str(o, "configuration", r->config_path[0] ? r->config_path : NULL);
	set_str(o, "database", r->db_path[0] ? r->db_path : NULL);
	set_str(o, "verdict", doctor_verdict_name(doctor_worst(r)));
	json_t *c = json_object();
	for (int v = 0; c && v < DOCTOR_VERDICTS; v++)
		json_object_set_new(c, doctor_verdict_name((enum doctor_verdict)v),
				    json_integer((json_int_t)r->counts[v]));
	json_object_set_new(o, "counts", c ? c : json_null());
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n; i++) {
		const struct doctor_result *x = &r->v[i];
		json_t *e = json_object();
		if (!e)
			break;
		set_str(e, "check", x->check);
		set_str(e, "subject", x->subject);
		set_str(e, "verdict", doctor_verdict_name(x->verdict));
		set_str(e, "detail", x->detail);
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "checks", a ? a : json_null());
	const struct doctor_outbox *ob = &r->outbox;
	json_t *out = json_object();
	if (out) {
		json_object_set_new(out, "read", json_boolean(ob->read));
		if (ob->read) {
			json_object_set_new(out, "counts", counts_json(ob->counts));
			iso_time(ob->oldest_waiting, when, sizeof when);
			set_str(out, "oldest_waiting", ob->oldest_waiting ? when : NULL);
			json_t *d = json_array();
			for (size_t i = 0; d && i < ob->ndest; i++) {
				json_t *x = json_object();
				if (!x)
					break;
				set_str(x, "destination", ob->dest[i].name);
				json_object_set_new(x, "counts", counts_json(ob->dest[i].counts));
				json_array_append_new(d, x);
			}
			json_object_set_new(out, "destinations", d ? d : json_null());
		}
	}
	json_object_set_new(o, "outbox", out ? out : json_null());
	return o;
}

/* ------------------------------------------------------------------ */
/* The support bundle. */

/* URL without what may be a credential: user information before the host
 * and the query (an API key in "?api_key=...") are replaced. */
static void redact_url(const char *url, char *out, size_t size)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	size_t hostlen = strcspn(host, "/?#");
	const char *at = memchr(host, '@', hostlen);
	const char *rest = host + hostlen;
	size_t restlen = strcspn(rest, "?#");
	snprintf(out, size, "%.*s%s%.*s%.*s%s", (int)(host - url), url,
		 at ? "(removed)@" : "", (int)(at ? hostlen - (size_t)(at + 1 - host) : hostlen),
		 at ? at + 1 : host, (int)restlen, rest, rest[restlen] ? "?(removed)" : "");
}

static void print_path(FILE *f, const char *key, const char *path, bool secret)
{
	if (!path[0])
		return;
	fprintf(f, "%s = %s%s\n", key, path, secret ? "   ; its content is not in this bundle" : "");
}

static void print_config(FILE *f, const struct config *c)
{
	char url[600];
	fprintf(f, "[council]\nname = %s\ncolour = #%02x%02x%02x\n\n", c->council, c->brand.r,
		c->brand.g, c->brand.b);
	fprintf(f, "[kiosk]\nlanguages =");
	for (size_t i = 0; i < c->nlanguages; i++)
		fprintf(f, " %s", c->languages[i]);
	redact_url(c->tracking_url, url, sizeof url);
	fprintf(f, "\nidle_timeout = %d\ntimeout_warning = %d\ntracking_url = %s\n",
		c->idle_seconds, c->warning_seconds, url);
	print_path(f, "journeys", c->journeys, false);
	fprintf(f, "\n[display]\ndpi = %d\n\n[storage]\n", c->dpi);
	print_path(f, "database", c->database, false);
	fprintf(f, "retention_days = %d\n", c->retention_days);
	for (size_t i = 0; i < c->ndestinations; i++) {
		const struct config_destination *d = &c->destinations[i];
		redact_url(d->url, url, sizeof url);
		fprintf(f, "\n[destination %s]\nadapter = %s\nurl = %s\n", d->name,
			d->adapter == CONFIG_ADAPTER_OPEN311   ? "open311"
			: d->adapter == CONFIG_ADAPTER_WEBHOOK ? "webhook"
							       : "(none)",
			url);
		print_path(f, "api_key_file", d->api_key_file, true);
		print_path(f, "secret_file", d->secret_file, true);
		print_path(f, "ca_bundle", d->ca_bundle, false);
		if (d->pinned_keys[0])
			fprintf(f, "pinned_keys = %s\n", d->pinned_keys);
		print_path(f, "client_cert", d->client_cert, false);
		print_path(f, "client_key", d->client_key, true);
		if (d->seal_key[0])
			fprintf(f, "seal_key = %s\n", d->seal_key);
		if (d->format[0] && d->adapter == CONFIG_ADAPTER_OPEN311)
			fprintf(f, "format = %s\n", d->format);
		for (size_t k = 0; k < d->nservices; k++)
			fprintf(f, "service.%s = %s\n", d->services[k].journey, d->services[k].code);
	}
}

/* Writes TEXT (LEN bytes) to F with control characters other than
 * newlines and tabs replaced, keeping only its last MAX_LINES lines. */
static void print_tail(FILE *f, const char *text, size_t len, size_t max_lines)
{
	size_t lines = 0, from = len;
	while (from > 0) {
		if (text[from - 1] == '\n' && from != len && ++lines == max_lines)
			break;
		from--;
	}
	for (size_t i = from; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		fputc(c < 0x20 && c != '\n' && c != '\t' ? '?' : c, f);
	}
	if (len && text[len - 1] != '\n')
		fputc('\n', f);
}

static void print_logs(FILE *f, const char *log_dir)
{
	char *argv[] = {"journalctl", "-u",		"hatch", "-n", "500", "--no-pager",
			"-o",	      "short-iso", NULL};
	struct buf out;
	buf_init(&out, BUNDLE_LOG_MAX);
	int status = -1;
	bool journal = false;
	if (doctor_capture(argv, BUNDLE_JOURNAL_TIMEOUT_S, &out, &status) == HATCH_OK &&
	    status == 0 && out.len && strncmp(buf_get(&out), "-- No entries --", 16) != 0) {
		fprintf(f, "From the journal (journalctl -u hatch -n %d):\n", BUNDLE_LOG_LINES);
		print_tail(f, out.data, out.len, BUNDLE_LOG_LINES);
		journal = true;
	} else {
		fprintf(f, "The journal has nothing for the unit hatch (journalctl %s).\n",
			status < 0 ? "could not run" : status == 0 ? "found no entries" : "failed");
	}
	buf_cleanup(&out);
	/* The file log.c keeps when there is no journal: the older
	 * generation, then the current one. */
	buf_init(&out, 2 * LOG_FILE_MAX + 65536);
	char path[4200];
	bool any = false;
	for (int gen = 1; gen >= 0; gen--) {
		snprintf(path, sizeof path, "%s/%s%s", log_dir, LOG_FILE_NAME, gen ? ".1" : "");
		char *data = NULL;
		size_t len = 0;
		struct hatch_error e;
		if (platform_read_file(path, LOG_FILE_MAX + 65536, &data, &len, &e) != HATCH_OK)
			continue;
		if (out.len + len <= out.max && buf_add(&out, data, len) == HATCH_OK)
			any = true;
		mem_free(data);
	}
	snprintf(path, sizeof path, "%s/%s", log_dir, LOG_FILE_NAME);
	if (any) {
		fprintf(f, "%sFrom %s (the last %d lines):\n", journal ? "\n" : "", path,
			BUNDLE_LOG_LINES);
		print_tail(f, out.data, out.len, BUNDLE_LOG_LINES);
	} else if (!journal) {
		fprintf(f, "No log file at %s.\n", path);
	}
	buf_cleanup(&out);
}

static void print_outbox(FILE *f, const struct doctor_outbox *ob, long long now)
{
	if (!ob->read) {
		fprintf(f, "Not read (see the doctor's outbox line).\n");
		return;
	}
	fprintf(f, "%-24s  %6s  %7s  %9s  %4s  %s\n", "DESTINATION", "QUEUED", "SENDING",
		"DELIVERED", "DEAD", "OLDEST WAITING");
	for (size_t i = 0; i < ob->ndest; i++) {
		const struct doctor_outbox_destination *d = &ob->dest[i];
		char age[32] = "-";
		if (d->oldest_waiting)
			doctor_age(now - d->oldest_waiting, age, sizeof age);
		fprintf(f, "%-24s  %6zu  %7zu  %9zu  %4zu  %s\n", d->name, d->counts[STORE_QUEUED],
			d->counts[STORE_SENDING], d->counts[STORE_DELIVERED], d->counts[STORE_DEAD],
			age);
	}
	if (ob->dest_dropped)
		fprintf(f, "... and %zu more destinations\n", ob->dest_dropped);
	fprintf(f, "In all:");
	for (int i = 0; i < STORE_STATES; i++)
		fprintf(f, "%s %zu %s", i ? "," : "", ob->counts[i],
			store_state_name((enum store_state)i));
	fputc('\n', f);
}

static void print_versions(FILE *f)
{
	char v[512];
	fprintf(f, "hatch %s\n", HATCH_VERSION);
	fprintf(f, "SQLite %s\n", store_sqlite_version());
	sync_probe_versions(v, sizeof v);
	fprintf(f, "%s\n", v);
	sdl_fonts_versions(v, sizeof v);
	fprintf(f, "%s\n", v);
	fprintf(f, "jansson %s\n", JANSSON_VERSION);
	struct utsname u;
	if (uname(&u) == 0)
		fprintf(f, "kernel: %s %s %s\n", u.sysname, u.release, u.machine);
	char *os = NULL;
	size_t len = 0;
	struct hatch_error e;
	if (platform_read_file("/etc/os-release", 65536, &os, &len, &e) == HATCH_OK) {
		const char *p = strstr(os, "PRETTY_NAME=");
		if (p) {
			p += strlen("PRETTY_NAME=");
			size_t n = strcspn(p, "\n");
			if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
				p++;
				n -= 2;
			}
			fprintf(f, "system: %.*s\n", (int)n, p);
		}
		mem_free(os);
	}
}

/* Writes the bundle to PATH (through PATH.tmp, renamed into place, so that
 * a failed write leaves no half a bundle), readable only by its owner. */
static int write_bundle(const char *path, const struct doctor_report *r,
			const struct config *cfg, const char *log_dir)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		fprintf(stderr, "hatch: doctor: %s: the path is too long\n", path);
		return 1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "hatch: doctor: cannot write %s: %s\n", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	char when[32];
	iso_time(r->time, when, sizeof when);
	fprintf(f, "Hatch support bundle, %s\n"
		   "No personal data and no secrets: the outbox's counts but no submission,\n"
		   "the names of secret files but not what is in them.\n",
		when);
	fprintf(f, "\n== Versions ==\n");
	print_versions(f);
	fprintf(f, "\n== Doctor ==\n");
	print_table(f, r);
	fprintf(f, "\n== Outbox ==\n");
	print_outbox(f, &r->outbox, r->time);
	fprintf(f, "\n== Configuration (%s) ==\n",
		r->config_path[0] ? r->config_path : "built-in settings");
	print_config(f, cfg);
	fprintf(f, "\n== Recent logs ==\n");
	print_logs(f, log_dir);
	bool bad = ferror(f) != 0;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		bad = true;
	int saved = errno;
	if (fclose(f) != 0 && !bad) {
		bad = true;
		saved = errno;
	}
	if (bad || rename(tmp, path) != 0) {
		if (!bad)
			saved = errno;
		unlink(tmp);
		fprintf(stderr, "hatch: doctor: cannot write %s: %s\n", path,
			saved == ENOSPC ? "the disk is full" : strerror(saved));
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */

/* The directory of PATH into OUT. */
static void dir_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

int cmd_doctor(int argc, char **argv)
{
	const char *config_path = NULL, *db = NULL, *bundle = NULL;
	bool json = false, no_display = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (app_is_help(a)) {
			fputs(doctor_help, stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--no-display")) {
			no_display = true;
		} else if (!strcmp(a, "--config") || !strcmp(a, "--db") || !strcmp(a, "--bundle")) {
			if (i + 1 == argc || !argv[i + 1][0])
				return app_usage_error("doctor: %s needs a value", a);
			const char **to = !strcmp(a, "--config") ? &config_path
					  : !strcmp(a, "--db")   ? &db
								 : &bundle;
			*to = argv[++i];
		} else if (a[0] == '-') {
			return app_usage_error("doctor: unknown option '%s'", a);
		} else {
			return app_usage_error("doctor: unexpected argument '%s'", a);
		}
	}
	struct stat st;
	if (!config_path && stat(DOCTOR_DEFAULT_CONFIG, &st) == 0)
		config_path = DOCTOR_DEFAULT_CONFIG;

	int status = 1;
	struct doctor_report *r = mem_calloc(1, sizeof *r);
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	struct config_problems *p = mem_calloc(1, sizeof *p);
	if (!r || !cfg || !p) {
		fputs("hatch: doctor: out of memory\n", stderr);
		goto out;
	}
	/* The configuration once more, for the database's path (the log goes
	 * beside it) and the bundle; its problems are the report's. */
	config_defaults(cfg);
	struct hatch_error e = {""};
	if (config_path && config_load(config_path, cfg, p, &e) == HATCH_ERR_NOMEM) {
		fputs("hatch: doctor: out of memory\n", stderr);
		goto out;
	}
	char def[4096] = "";
	if (!db && cfg->database[0])
		db = cfg->database;
	if (!db && store_default_path(def, sizeof def, &e) == HATCH_OK)
		db = def;
	/* The log file goes beside the database, but only in a directory of
	 * this user's: a file made by root there would lock the kiosk out of
	 * its own log. */
	char log_dir[4096] = "";
	if (db) {
		dir_of(db, log_dir, sizeof log_dir);
		if (stat(log_dir, &st) == 0 && st.st_uid == geteuid())
			log_init(log_dir);
	}
	struct doctor_options o = {.config_path = config_path,
				   .db_path = db,
				   .no_display = no_display};
	if (doctor_run(&o, r, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: doctor: %s\n", e.msg);
		goto out;
	}
	if (json) {
		json_t *j = report_json(r);
		if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
			json_decref(j);
			fputs("hatch: doctor: cannot write the report as JSON\n", stderr);
			goto out;
		}
		json_decref(j);
		putchar('\n');
	} else {
		print_table(stdout, r);
	}
	status = doctor_worst(r) == DOCTOR_FAIL ? 1 : 0;
	if (bundle) {
		if (write_bundle(bundle, r, cfg, log_dir[0] ? log_dir : ".") != 0)
			status = 1;
		else if (!json)
			printf("Support bundle written to %s\n", bundle);
	}
out:
	fflush(stdout);
	mem_free(r);
	mem_free(cfg);
	mem_free(p);
	return status;
}
