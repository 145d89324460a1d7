/* hatch journeys import-open311: journey files from a live Open311
 * GeoReport v2 endpoint. Fetches services.json and each service's
 * definition over HTTPS (sync/fetch.h: verification on, https only, no
 * redirects, bounded time and size), makes a journey of each (import.c),
 * checks each with the checker `hatch journeys validate` uses, and writes
 * them only when every one is good. Prints; the pieces it calls do not. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "app/app.h"
#include "app/import.h"
#include "base/buf.h"
#include "base/id.h"
#include "base/mem.h"
#include "platform/platform.h"
#include "sync/fetch.h"

/* Service lists of large councils run to hundreds of kilobytes; four
 * mebibytes is far past any real one and still a bound. */
#define IMPORT_BODY_MAX (4 * 1024 * 1024)
#define IMPORT_URL_MAX 2048
#define IMPORT_MAX_ONLY 64

static const char import_help[] =
	"Usage: hatch journeys import-open311 --destination NAME [--out DIR]\n"
	"                                     [--ca-bundle FILE] [--jurisdiction ID]\n"
	"                                     [--service CODE]... [--force] URL\n"
	"\n"
	"Reads the services of the Open311 GeoReport v2 endpoint whose base is URL\n"
	"(such as https://council.example/open311/v2/): its services.json and the\n"
	"definition of each service with metadata. Writes one journey file for each\n"
	"service, DIR/ID.json, ID being the service_code made a journey id. Each\n"
	"variable attribute becomes a question (string: text, text: long text,\n"
	"number, datetime: date, singlevaluelist: single choice, multivaluelist:\n"
	"multiple choice) with its description, hint, required and order; the rest\n"
	"are shown on a page before the questions. A service without metadata asks\n"
	"for a description. Every journey asks for the address and ends with check\n"
	"your answers and a confirmation. Each journey is checked as 'hatch journeys\n"
	"validate' would; nothing is written unless every one is good.\n"
	"\n"
	"  --destination NAME  where the journeys send (a [destination NAME] of the\n"
	"                      kiosk's configuration; required)\n"
	"  --out DIR           where to write the files (default: .)\n"
	"  --ca-bundle FILE    trust the CA certificates in FILE, not the system's\n"
	"  --jurisdiction ID   the endpoint's jurisdiction_id, when it wants one\n"
	"  --service CODE      import only this service; may be given again\n"
	"  --force             overwrite journey files that exist\n"
	"\n"
	"Only https URLs are fetched. Prints one line for each file written, with\n"
	"the configuration line that links the journey to its service_code.\n";

struct opts {
	const char *url, *dest, *out, *ca, *jurisdiction;
	const char *only[IMPORT_MAX_ONLY];
	size_t nonly;
	bool force;
};

/* Parses the command line into O. Returns -1 to go on, or an exit code. */
static int parse(int argc, char **argv, struct opts *o)
{
	static const char cmd[] = "journeys import-open311";
	for (int i = 1; i < argc; i++)
		if (app_is_help(argv[i])) {
			fputs(import_help, stdout);
			return 0;
		}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		const char *what = NULL;
		if (!strcmp(a, "--destination"))
			slot = &o->dest, what = "a name";
		else if (!strcmp(a, "--out"))
			slot = &o->out, what = "a directory";
		else if (!strcmp(a, "--ca-bundle"))
			slot = &o->ca, what = "a file";
		else if (!strcmp(a, "--jurisdiction"))
			slot = &o->jurisdiction, what = "an id";
		else if (!strcmp(a, "--service"))
			what = "a service_code";
		if (what) {
			if (++i == argc)
				return app_usage_error("%s: %s needs %s", cmd, a, what);
			if (slot) {
				*slot = argv[i];
			} else if (o->nonly == IMPORT_MAX_ONLY) {
				return app_usage_error("%s: at most %d --service options", cmd,
						       IMPORT_MAX_ONLY);
			} else {
				o->only[o->nonly++] = argv[i];
			}
		} else if (!strcmp(a, "--force")) {
			o->force = true;
		} else if (a[0] == '-' && a[1]) {
			return app_usage_error("%s: unknown option '%s'", cmd, a);
		} else if (o->url) {
			return app_usage_error("%s: name one URL", cmd);
		} else {
			o->url = a;
		}
	}
	if (!o->url)
		return app_usage_error("%s: name the endpoint's URL", cmd);
	if (strncasecmp(o->url, "https://", 8) != 0)
		return app_usage_error("%s: the URL must be https (%s)", cmd,
				       strncasecmp(o->url, "http://", 7)
					   ? "a base such as https://council.example/open311/v2/"
					   : "http sends and receives in the clear");
	if (strlen(o->url) > IMPORT_URL_MAX || strpbrk(o->url, "?# \t\r\n"))
		return app_usage_error("%s: the URL must be the endpoint's base, such as "
				       "https://council.example/open311/v2/, with no query",
				       cmd);
	if (!o->dest)
		return app_usage_error("%s: --destination NAME is required (the "
				       "configuration's [destination NAME])",
				       cmd);
	if (!id_valid(o->dest, strlen(o->dest), 64))
		return app_usage_error("%s: --destination: '%s' is not a name (lower-case "
				       "letters, digits and '-', at most 64)",
				       cmd, o->dest);
	if (o->jurisdiction) {
		size_t n = strlen(o->jurisdiction);
		if (!n || n > 128 ||
		    strspn(o->jurisdiction, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789.-_~") != n)
			return app_usage_error("%s: --jurisdiction: not a jurisdiction_id "
					       "(letters, digits, '.', '-', '_', '~')",
					       cmd);
	}
	if (!o->out)
		o->out = ".";
	return -1;
}

/* PATH + "services" + (CODE percent-encoded, as "/CODE") + ".json" + query. */
static enum hatch_err make_url(struct buf *u, const struct opts *o, const char *code)
{
	enum hatch_err rc = buf_addstr(u, o->url);
	if (rc == HATCH_OK && o->url[strlen(o->url) - 1] != '/')
		rc = buf_addstr(u, "/");
	if (rc == HATCH_OK)
		rc = buf_addstr(u, code ? "services/" : "services.json");
	for (const unsigned char *p = (const unsigned char *)code; code && *p && rc == HATCH_OK;
	     p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			rc = buf_add(u, p, 1);
		else
			rc = buf_addf(u, "%%%02X", *p);
	}
	if (rc == HATCH_OK && code)
		rc = buf_addstr(u, ".json");
	if (rc == HATCH_OK && o->jurisdiction)
		rc = buf_addf(u, "?jurisdiction_id=%s", o->jurisdiction);
	return rc;
}

/* Text from a back end for a message: printable ASCII, at most 100 bytes. */
static void printable(const char *s, char *out, size_t size)
{
	size_t n = 0;
	for (; s && *s && n + 4 < size && n < 100; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (s && *s)
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = '\0';
}

/* The description of the first error of an Open311 error list in BODY,
 * if it is one, into OUT. */
static void open311_error(const struct buf *body, char *out, size_t size)
{
	out[0] = '\0';
	json_t *root = body->data ? json_loadb(body->data, body->len, 0, NULL) : NULL;
	json_t *first = json_array_get(root, 0);
	const char *d = json_string_value(json_object_get(first, "description"));
	if (d)
		printable(d, out, size);
	json_decref(root);
}

/* GETs URL into BODY; on any failure (a status other than 200 too)
 * prints why, naming the URL, and returns false. */
static bool get(struct sync_fetch *f, const char *url, struct buf *body)
{
	struct hatch_error e;
	long status;
	enum hatch_err rc = sync_fetch_get(f, url, "application/json", &status, body, &e);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: %s: %s\n", url, e.msg);
		return false;
	}
	if (status != 200) {
		char detail[128];
		open311_error(body, detail, sizeof detail);
		fprintf(stderr, "hatch: %s: HTTP %ld%s%s%s\n", url, status,
			detail[0] ? " (" : "", detail, detail[0] ? ")" : "");
		buf_cleanup(body);
		return false;
	}
	return true;
}

static bool wanted(const struct opts *o, const char *code)
{
	if (!o->nonly)
		return true;
	for (size_t i = 0; i < o->nonly; i++)
		if (!strcmp(o->only[i], code))
			return true;
	return false;
}

/* Checks journey J (made from the definition at URL) as validate does;
 * prints each problem. */
static bool check(const struct import_journey *j, const char *url,
		  const struct cdate *today)
{
	struct journey *loaded = NULL;
	struct journey_diags d;
	journey_diags_init(&d);
	enum hatch_err rc = journey_load(j->json, j->len, today, &loaded, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "hatch: %s: the journey \"%s\" made from it does not pass the "
				"checker: %s: %s\n",
			url, j->id, d.v[i].path ? d.v[i].path : "-", d.v[i].reason);
	if (rc == HATCH_ERR_NOMEM)
		fprintf(stderr, "hatch: out of memory\n");
	journey_diags_cleanup(&d);
	journey_destroy(loaded);
	return rc == HATCH_OK;
}

/* Writes J's text to PATH through a temporary file in the same directory,
 * so that a reader never sees half a journey; without FORCE an existing
 * file is never replaced (link fails on it). */
static bool write_journey(const char *dir, const struct import_journey *j, bool force)
{
	char path[4096], tmp[4096];
	if (snprintf(path, sizeof path, "%s/%s.json", dir, j->id) >= (int)sizeof path ||
	    snprintf(tmp, sizeof tmp, "%s/.%s.json.%ld.tmp", dir, j->id, (long)getpid()) >=
		(int)sizeof tmp) {
		fprintf(stderr, "hatch: %s: the path is too long\n", dir);
		return false;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "hatch: %s: %s\n", tmp, strerror(errno));
		return false;
	}
	size_t off = 0;
	while (off < j->len) {
		ssize_t w = write(fd, j->json + off, j->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int err = off < j->len ? errno : 0;
	if (close(fd) != 0 && !err)
		err = errno;
	if (!err && (force ? rename(tmp, path) : link(tmp, path)) != 0)
		err = errno;
	if (err || !force)
		unlink(tmp);
	if (err == EEXIST) {
		fprintf(stderr, "hatch: %s: exists (use --force to overwrite)\n", path);
		return false;
	}
	if (err) {
		fprintf(stderr, "hatch: %s: %s\n", path, strerror(err ? err : EIO));
		return false;
	}
	return true;
}

/* Everything fetched and made, held until all is known to be good. */
struct run {
	struct sync_fetch *fetch;
	struct import_services list;
	struct import_journey *made;
	const char **codes; /* the service_code of each made */
	size_t nmade;
};

static void run_cleanup(struct run *r)
{
	for (size_t i = 0; i < r->nmade; i++)
		import_journey_cleanup(&r->made[i]);
	mem_free(r->made);
	mem_free(r->codes);
	import_services_cleanup(&r->list);
	sync_fetch_destroy(r->fetch);
}

/* Fetches and makes the journey of service S into R; prints problems. */
static bool import_one(struct run *r, const struct opts *o, const struct import_service *s,
		       const char *list_url, const struct cdate *today)
{
	struct buf url, body;
	buf_init(&url, IMPORT_URL_MAX * 4);
	buf_init(&body, IMPORT_BODY_MAX);
	bool ok = false;
	struct hatch_error e;
	if (make_url(&url, o, s->code) != HATCH_OK) {
		fprintf(stderr, "hatch: out of memory\n");
		goto out;
	}
	if (s->metadata && !get(r->fetch, buf_get(&url), &body))
		goto out;
	/* Without metadata nothing but the list was read: name the list. */
	const char *from = s->metadata ? buf_get(&url) : list_url;
	struct import_journey *j = &r->made[r->nmade];
	enum hatch_err rc =
	    import_journey_make(s, body.data, body.len, o->dest, j, &e);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: %s: %s\n", from, e.msg);
		goto out;
	}
	r->codes[r->nmade++] = s->code;
	for (const char *p = j->notes, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		fprintf(stderr, "hatch: %s: note: %.*s\n", from, (int)(nl - p), p);
	}
	for (size_t k = 0; k + 1 < r->nmade; k++)
		if (!strcmp(r->made[k].id, j->id)) {
			char c[128];
			printable(s->code, c, sizeof c);
			fprintf(stderr,
				"hatch: %s: service \"%s\" would be the journey \"%s\" too; import "
				"one of them with --service\n",
				o->url, c, j->id);
			goto out;
		}
	ok = check(j, from, today);
out:
	buf_cleanup(&url);
	buf_cleanup(&body);
	return ok;
}

int app_import_open311(int argc, char **argv)
{
	struct opts o = {0};
	int status = parse(argc, argv, &o);
	if (status >= 0)
		return status;
	struct stat st;
	if (stat(o.out, &st) != 0 && errno == ENOENT && mkdir(o.out, 0755) != 0) {
		fprintf(stderr, "hatch: %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	if (stat(o.out, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "hatch: %s: not a directory\n", o.out);
		return 1;
	}
	struct run r = {0};
	struct hatch_error e;
	struct buf url, body;
	buf_init(&url, IMPORT_URL_MAX * 4);
	buf_init(&body, IMPORT_BODY_MAX);
	status = 1;
	if (sync_fetch_create(o.ca, IMPORT_BODY_MAX, &r.fetch, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		goto out;
	}
	if (make_url(&url, &o, NULL) != HATCH_OK) {
		fprintf(stderr, "hatch: out of memory\n");
		goto out;
	}
	if (!get(r.fetch, buf_get(&url), &body))
		goto out;
	if (import_services_read(body.data, body.len, &r.list, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s: %s\n", buf_get(&url), e.msg);
		goto out;
	}
	for (size_t i = 0; i < o.nonly; i++) {
		size_t k = 0;
		while (k < r.list.n && strcmp(r.list.v[k].code, o.only[i]))
			k++;
		if (k == r.list.n) {
			char c[128];
			printable(o.only[i], c, sizeof c);
			fprintf(stderr, "hatch: %s: lists no service \"%s\"\n", buf_get(&url), c);
			goto out;
		}
	}
	if (r.list.n == 0) {
		fprintf(stderr, "hatch: %s: lists no services\n", buf_get(&url));
		goto out;
	}
	r.made = mem_calloc(r.list.n, sizeof *r.made);
	r.codes = mem_calloc(r.list.n, sizeof *r.codes);
	if (!r.made || !r.codes) {
		fprintf(stderr, "hatch: out of memory\n");
		goto out;
	}
	struct cdate today = platform_today();
	bool good = true;
	for (size_t i = 0; i < r.list.n; i++)
		if (wanted(&o, r.list.v[i].code) &&
		    !import_one(&r, &o, &r.list.v[i], buf_get(&url), &today))
			good = false;
	/* Files already there are found before any is written. */
	for (size_t i = 0; good && !o.force && i < r.nmade; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.json", o.out, r.made[i].id);
		if (lstat(path, &st) == 0) {
			fprintf(stderr, "hatch: %s: exists (use --force to overwrite)\n", path);
			good = false;
		}
	}
	if (!good) {
		fprintf(stderr, "hatch: nothing written\n");
		goto out;
	}
	status = 0;
	for (size_t i = 0; i < r.nmade; i++) {
		const struct import_journey *j = &r.made[i];
		if (!write_journey(o.out, j, o.force)) {
			status = 1;
			continue;
		}
		printf("%s/%s.json: %zu question%s, %zu shown as information; "
		       "configure service.%s = %s\n",
		       o.out, j->id, j->questions, j->questions == 1 ? "" : "s", j->skipped,
		       j->id, r.codes[i]);
	}
out:
	buf_cleanup(&url);
	buf_cleanup(&body);
	run_cleanup(&r);
	return status;
}
