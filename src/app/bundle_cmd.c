/* hatch journeys keygen|pack|install|update: signed journey bundles on the
 * command line (bundle.h does the work; this file reads arguments and
 * prints). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/bundle.h"
#include "base/mem.h"
#include "i18n/i18n.h"
#include "platform/config.h"
#include "platform/platform.h"

/* The configuration read when none is named and the file is there. */
#define BC_DEFAULT_CONFIG "/etc/hatch/hatch.conf"
/* How long a bundle is good for by default: a season of journeys, after
 * which a bundle copied off a kiosk can no longer be installed anywhere. */
#define BC_DEFAULT_DAYS 90
#define BC_MAX_DAYS     3650

static const char keygen_help[] =
    "Usage: hatch journeys keygen KEY\n"
    "\n"
    "Makes a key pair for signing journey bundles: the secret key in KEY (mode\n"
    "600; an existing file is never replaced) and the public key in KEY.pub.\n"
    "Prints the public key for [updates] public_key in each kiosk's\n"
    "configuration. Keep KEY off the kiosks: whoever has it can sign bundles\n"
    "they install.\n";

static const char pack_help[] =
    "Usage: hatch journeys pack DIR --key KEY [OPTIONS]\n"
    "\n"
    "Makes a signed bundle of DIR/journeys/*.json and DIR/locales/*.po (the\n"
    "catalogs are optional; when there are some, give them all: they hold the\n"
    "kiosk's own text too). Every journey must pass hatch journeys validate and\n"
    "every catalog must read; nothing is written otherwise.\n"
    "\n"
    "  --key KEY        the secret key (hatch journeys keygen)\n"
    "  --council NAME   the council it is for (default: the configuration's\n"
    "                   [updates] council, else its [council] name)\n"
    "  --config FILE    the configuration to take the council from (default\n"
    "                   /etc/hatch/hatch.conf when there is one)\n"
    "  --version N      its version, a whole number larger than the last one's\n"
    "                   (default: the time now as YYYYMMDDHHMMSS, UTC)\n"
    "  --days N         how many days kiosks will install it (default 90)\n"
    "  -o, --output FILE  where to write it (default journeys-VERSION.bundle)\n";

static const char install_help[] =
    "Usage: hatch journeys install BUNDLE [--config FILE] [--dir DIR]\n"
    "\n"
    "Checks BUNDLE (signed with [updates] public_key, for this council, not\n"
    "expired, newer than the bundle installed, every file as its manifest says,\n"
    "every journey valid, every catalog readable) and installs it into a new\n"
    "directory, switching DIR/current to it; the one before stays as\n"
    "DIR/previous. A bundle that fails any check changes nothing: one line says\n"
    "why. The kiosk takes a new bundle up between sessions.\n"
    "\n"
    "  --config FILE  the configuration (default /etc/hatch/hatch.conf when\n"
    "                 there is one)\n"
    "  --dir DIR      where bundles are installed (default: [updates] directory,\n"
    "                 else bundles/ beside the database)\n";

static const char update_help[] =
    "Usage: hatch journeys update [--config FILE] [--dir DIR]\n"
    "\n"
    "Fetches the bundle at [updates] url once and installs it as hatch journeys\n"
    "install does: what the kiosk does every [updates] interval. Exits 0 when\n"
    "the bundle is installed or there is nothing newer, 1 when it is refused or\n"
    "cannot be fetched.\n"
    "\n"
    "  --config FILE  the configuration (default /etc/hatch/hatch.conf when\n"
    "                 there is one)\n"
    "  --dir DIR      where bundles are installed (default: [updates] directory,\n"
    "                 else bundles/ beside the database)\n";

/* Reads the configuration at PATH (NULL: the default file when there is
 * one, else the defaults) into C. Prints its problems; false on any. */
static bool bc_config(const char *cmd, const char *path, struct config *c)
{
	struct stat st;
	config_defaults(c);
	if (!path && stat(BC_DEFAULT_CONFIG, &st) == 0)
		path = BC_DEFAULT_CONFIG;
	if (!path)
		return true;
	struct config_problems *p = mem_calloc(1, sizeof *p);
	if (!p) {
		fprintf(stderr, "hatch: journeys %s: out of memory\n", cmd);
		return false;
	}
	struct hatch_error e = {""};
	enum hatch_err rc = config_load(path, c, p, &e);
	for (size_t i = 0; i < p->n; i++)
		fprintf(stderr, "%s:%d: %s\n", path, p->v[i].line, p->v[i].reason);
	mem_free(p);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: journeys %s: %s: %s\n", cmd, path, e.msg);
		return false;
	}
	return true;
}

static int keygen(int argc, char **argv)
{
	if (argc > 1 && app_is_help(argv[1])) {
		fputs(keygen_help, stdout);
		return 0;
	}
	if (argc != 2)
		return app_usage_error(
		    "journeys keygen: name the file for the secret key");
	if (argv[1][0] == '-')
		return app_usage_error("journeys keygen: unknown option '%s'", argv[1]);
	char pub[BUNDLE_KEY_B64_SIZE];
	struct hatch_error e = {""};
	if (bundle_keygen(argv[1], pub, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: journeys keygen: %s\n", e.msg);
		return 1;
	}
	printf("Secret key: %s (keep it off the kiosks)\n"
	       "Public key: %s.pub\n"
	       "\n"
	       "In each kiosk's configuration:\n"
	       "[updates]\n"
	       "public_key = %s\n",
	       argv[1], argv[1], pub);
	return 0;
}

/* The files of DIR/SUB ending in SUFFIX, read into MEMBERS (paths SUB/NAME)
 * from *N on; each at most MAX bytes. A missing DIR/SUB is none when
 * OPTIONAL. Returns false with the reason printed. */
static bool bc_read_dir(const char *dir, const char *sub, const char *suffix, size_t max,
                        bool optional, struct bundle_member *members, char **names,
                        size_t *n)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, sub);
	if (stat(path, &st) != 0 && optional && errno == ENOENT)
		return true;
	char **files;
	size_t nfiles;
	struct hatch_error e = {""};
	if (platform_list_dir(path, suffix, &files, &nfiles, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: journeys pack: %s\n", e.msg);
		return false;
	}
	bool ok = true;
	for (size_t i = 0; ok && i < nfiles; i++) {
		if (*n == BUNDLE_MAX_FILES) {
			fprintf(stderr,
			        "hatch: journeys pack: %s: more than %d files; a bundle "
			        "holds at most %d\n",
			        dir, BUNDLE_MAX_FILES, BUNDLE_MAX_FILES);
			ok = false;
			break;
		}
		const char *base = strrchr(files[i], '/');
		base = base ? base + 1 : files[i];
		size_t need = strlen(sub) + 1 + strlen(base) + 1;
		char *name = mem_alloc(need);
		char *data = NULL;
		size_t len = 0;
		enum hatch_err rc =
		    name ? platform_read_file(files[i], max, &data, &len, &e)
		         : err_set(&e, HATCH_ERR_NOMEM, "out of memory");
		if (rc != HATCH_OK) {
			if (rc == HATCH_ERR_LIMIT)
				fprintf(
				    stderr,
				    "hatch: journeys pack: %s: larger than %zu bytes\n",
				    files[i], max);
			else
				fprintf(stderr, "hatch: journeys pack: %s: %s\n",
				        files[i], e.msg);
			mem_free(name);
			ok = false;
			break;
		}
		snprintf(name, need, "%s/%s", sub, base);
		names[*n] = name;
		members[*n] = (struct bundle_member){name, data, len};
		(*n)++;
	}
	platform_list_free(files, nfiles);
	return ok;
}

/* A whole number from MIN to MAX in S. */
static bool bc_number(const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	if (!s[0] || s[0] < '0' || s[0] > '9')
		return false;
	long long v = strtoll(s, &end, 10);
	if (*end || errno == ERANGE || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Writes DATA[0..LEN) to PATH through PATH.tmp and a rename. */
static bool bc_write(const char *path, const char *data, size_t len)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		fprintf(stderr, "hatch: journeys pack: %s: the path is too long\n", path);
		return false;
	}
	FILE *f = fopen(tmp, "wb");
	bool ok = f && fwrite(data, 1, len, f) == len;
	ok = (f && fclose(f) == 0) && ok;
	if (ok && rename(tmp, path) == 0)
		return true;
	fprintf(stderr, "hatch: journeys pack: cannot write %s: %s\n", path,
	        strerror(errno));
	unlink(tmp);
	return false;
}

static int pack(int argc, char **argv)
{
	const char *dir = NULL, *key = NULL, *council = NULL, *config = NULL,
	           *output = NULL;
	const char *version_arg = NULL, *days_arg = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (app_is_help(a)) {
			fputs(pack_help, stdout);
			return 0;
		}
		const char **to = !strcmp(a, "--key")       ? &key
		                  : !strcmp(a, "--council") ? &council
		                  : !strcmp(a, "--config")  ? &config
		                  : !strcmp(a, "--version") ? &version_arg
		                  : !strcmp(a, "--days")    ? &days_arg
		                  : !strcmp(a, "-o") || !strcmp(a, "--output") ? &output
		                                                               : NULL;
		if (to) {
			if (i + 1 == argc || !argv[i + 1][0])
				return app_usage_error("journeys pack: %s needs a value",
				                       a);
			*to = argv[++i];
		} else if (a[0] == '-') {
			return app_usage_error("journeys pack: unknown option '%s'", a);
		} else if (dir) {
			return app_usage_error("journeys pack: name one directory");
		} else {
			dir = a;
		}
	}
	if (!dir)
		return app_usage_error(
		    "journeys pack: name the directory (with journeys/ and "
		    "locales/ in it)");
	if (!key)
		return app_usage_error(
		    "journeys pack: name the secret key with --key KEY "
		    "(hatch journeys keygen makes one)");
	long long now = platform_now(), version, days = BC_DEFAULT_DAYS;
	if (days_arg && !bc_number(days_arg, 1, BC_MAX_DAYS, &days))
		return app_usage_error(
		    "journeys pack: --days takes a whole number from 1 to %d",
		    BC_MAX_DAYS);
	if (version_arg) {
		if (!bc_number(version_arg, 1, BUNDLE_VERSION_MAX, &version))
			return app_usage_error(
			    "journeys pack: --version takes a whole number "
			    "from 1 to %lld",
			    BUNDLE_VERSION_MAX);
	} else {
		time_t t = (time_t)now;
		struct tm tm;
		char stamp[24];
		if (!gmtime_r(&t, &tm) ||
		    !strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm) ||
		    !bc_number(stamp, 1, BUNDLE_VERSION_MAX, &version)) {
			fputs(
			    "hatch: journeys pack: the clock cannot make a version; give "
			    "--version N\n",
			    stderr);
			return 1;
		}
	}
	int status = 1;
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	struct bundle_member *members = mem_calloc(BUNDLE_MAX_FILES, sizeof *members);
	char **names = mem_calloc(BUNDLE_MAX_FILES, sizeof *names);
	unsigned char sk[BUNDLE_SECRET_KEY_BYTES];
	char *out = NULL, outname[64];
	size_t n = 0, len = 0;
	struct hatch_error e = {""};
	if (!cfg || !members || !names) {
		fputs("hatch: journeys pack: out of memory\n", stderr);
		goto done;
	}
	if (!council) {
		if (!bc_config("pack", config, cfg))
			goto done;
		council = cfg->update_council[0] ? cfg->update_council : cfg->council;
	}
	if (!bc_read_dir(dir, "journeys", ".json", JOURNEY_MAX_BYTES, false, members,
	                 names, &n))
		goto done;
	size_t njourneys = n;
	if (!bc_read_dir(dir, "locales", ".po", BUNDLE_PO_MAX, true, members, names, &n))
		goto done;
	struct cdate today = platform_today();
	char prefix[4200];
	snprintf(prefix, sizeof prefix, "%s/", dir);
	if (njourneys == 0) {
		fprintf(stderr,
		        "hatch: journeys pack: %s/journeys has no journey (*.json)\n",
		        dir);
		goto done;
	}
	bool good =
	    bundle_check_journeys(members, n, &today, prefix, stderr, &e) == HATCH_OK;
	for (size_t i = njourneys; i < n; i++) {
		char file[4200], lang[16];
		const char *base = members[i].path + strlen("locales/");
		snprintf(file, sizeof file, "%s%s", prefix, members[i].path);
		snprintf(lang, sizeof lang, "%.*s", (int)(strlen(base) - 3), base);
		struct hatch_error ce;
		if (bundle_check_catalog(file, file, lang, stderr, &ce) != HATCH_OK)
			good = false;
	}
	if (!good) {
		fprintf(stderr,
		        "hatch: journeys pack: %s: not packed: fix the problems above\n",
		        dir);
		goto done;
	}
	if (bundle_key_read(key, sk, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: journeys pack: %s\n", e.msg);
		goto done;
	}
	struct bundle_pack_options o = {.version = version,
	                                .council = council,
	                                .created = now,
	                                .expires = now + days * 86400,
	                                .secret_key = sk};
	enum hatch_err rc = bundle_pack(&o, members, n, &out, &len, &e);
	sodium_memzero(sk, sizeof sk);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: journeys pack: %s: %s\n", dir, e.msg);
		goto done;
	}
	if (!output) {
		snprintf(outname, sizeof outname, "journeys-%lld.bundle", version);
		output = outname;
	}
	if (!bc_write(output, out, len))
		goto done;
	char until[32];
	time_t exp = (time_t)(now + days * 86400);
	struct tm tm;
	if (!gmtime_r(&exp, &tm) ||
	    !strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(until, sizeof until, "?");
	printf("%s: version %lld for \"%s\": %zu journey%s, %zu catalog%s, %zu bytes; "
	       "kiosks "
	       "install it until %s\n",
	       output, version, council, njourneys, njourneys == 1 ? "" : "s",
	       n - njourneys, n - njourneys == 1 ? "" : "s", len, until);
	status = 0;
done:
	for (size_t i = 0; names && i < n; i++) {
		mem_free(names[i]);
		mem_free((char *)members[i].data);
	}
	mem_free(names);
	mem_free(members);
	mem_free(cfg);
	mem_free(out);
	return status;
}

/* --config FILE and --dir DIR, and one argument when WANT_ARG. */
static int bc_args(const char *cmd, int argc, char **argv, const char *help,
                   bool want_arg, const char **arg, const char **config, const char **dir,
                   bool *helped)
{
	*helped = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (app_is_help(a)) {
			fputs(help, stdout);
			*helped = true;
			return 0;
		}
		if (!strcmp(a, "--config") || !strcmp(a, "--dir")) {
			if (i + 1 == argc || !argv[i + 1][0])
				return app_usage_error("journeys %s: %s needs a value",
				                       cmd, a);
			*(!strcmp(a, "--config") ? config : dir) = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return app_usage_error("journeys %s: unknown option '%s'", cmd,
			                       a);
		} else if (!want_arg || *arg) {
			return app_usage_error("journeys %s: unexpected argument '%s'",
			                       cmd, a);
		} else {
			*arg = a;
		}
	}
	if (want_arg && !*arg)
		return app_usage_error("journeys %s: name the bundle file", cmd);
	return 0;
}

/* The configuration and the directory of bundles, for install and update. */
static bool bc_setup(const char *cmd, const char *config, const char *dir_arg,
                     struct config *cfg, char *dir, size_t size)
{
	if (!bc_config(cmd, config, cfg))
		return false;
	struct hatch_error e = {""};
	if (dir_arg) {
		snprintf(dir, size, "%s", dir_arg);
		return true;
	}
	if (bundle_dir(cfg, NULL, dir, size, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: journeys %s: %s\n", cmd, e.msg);
		return false;
	}
	return true;
}

static int install(int argc, char **argv)
{
	const char *file = NULL, *config = NULL, *dir_arg = NULL;
	bool helped;
	int rc = bc_args("install", argc, argv, install_help, true, &file, &config,
	                 &dir_arg, &helped);
	if (rc || helped)
		return rc;
	int status = 1;
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	struct bundle_manifest *m = mem_calloc(1, sizeof *m);
	char dir[4096];
	struct hatch_error e = {""};
	struct bundle_trust t;
	struct cdate today = platform_today();
	if (!cfg || !m) {
		fputs("hatch: journeys install: out of memory\n", stderr);
		goto done;
	}
	if (!bc_setup("install", config, dir_arg, cfg, dir, sizeof dir))
		goto done;
	if (bundle_trust_from_config(cfg, platform_now(), &today, &t, &e) != HATCH_OK) {
		fprintf(stderr,
		        "hatch: journeys install: %s; add the key hatch journeys keygen "
		        "printed\n",
		        e.msg);
		goto done;
	}
	long long before = bundle_installed(dir);
	char stays[64] = "no bundle is installed";
	if (before)
		snprintf(stays, sizeof stays, "version %lld stays installed", before);
	enum hatch_err irc = bundle_install_file(dir, &t, file, stderr, m, &e);
	if (irc == HATCH_OK) {
		printf("%s: installed version %lld for \"%s\" (%zu journey%s, %zu "
		       "catalog%s) in "
		       "%s/%lld; the kiosk takes it up between sessions\n",
		       file, m->version, m->council, m->njourneys,
		       m->njourneys == 1 ? "" : "s", m->nfiles - m->njourneys,
		       m->nfiles - m->njourneys == 1 ? "" : "s", dir, m->version);
		status = 0;
	} else if (irc == HATCH_ERR_STATE) {
		fprintf(stderr, "hatch: journeys install: %s: not installed: %s; %s\n",
		        file, e.msg, stays);
	} else {
		fprintf(stderr, "hatch: journeys install: %s: refused: %s; %s\n", file,
		        e.msg, stays);
	}
done:
	mem_free(cfg);
	mem_free(m);
	return status;
}

static int update(int argc, char **argv)
{
	const char *config = NULL, *dir_arg = NULL, *none = NULL;
	bool helped;
	int rc = bc_args("update", argc, argv, update_help, false, &none, &config,
	                 &dir_arg, &helped);
	if (rc || helped)
		return rc;
	int status = 1;
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	char dir[4096];
	struct hatch_error e = {""};
	struct bundle_updater *u = NULL;
	if (!cfg) {
		fputs("hatch: journeys update: out of memory\n", stderr);
		goto done;
	}
	if (!bc_setup("update", config, dir_arg, cfg, dir, sizeof dir))
		goto done;
	if (bundle_updater_create(cfg, dir, &u, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: journeys update: %s\n", e.msg);
		goto done;
	}
	struct cdate today = platform_today();
	long long v = 0;
	enum bundle_update_result r = bundle_update(u, platform_now(), &today, &v);
	status = r == BUNDLE_UPDATE_INSTALLED || r == BUNDLE_UPDATE_UNCHANGED ? 0 : 1;
done:
	bundle_updater_destroy(u);
	mem_free(cfg);
	return status;
}

int app_bundle_cmd(int argc, char **argv)
{
	const char *c = argv[0];
	if (!strcmp(c, "keygen"))
		return keygen(argc, argv);
	if (!strcmp(c, "pack"))
		return pack(argc, argv);
	if (!strcmp(c, "install"))
		return install(argc, argv);
	if (!strcmp(c, "update"))
		return update(argc, argv);
	return app_usage_error("journeys: unknown command '%s'", c);
}
