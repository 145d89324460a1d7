/* The technician's checks (doctor.h): each gathers what it can see into
 * one or more results with a verdict and a short detail, and prints
 * nothing. The device checks (display, input, clock, free space) are made
 * here with libc; the fonts, the database and the destinations through
 * sdl/fonts_check.h, store/store_check.h and sync/probe.h, so that SDL,
 * SQLite and curl stay in their modules. Nothing is changed: the database
 * is read, never migrated, salvaged or moved, and a destination gets one
 * request that delivers nothing. */
#define _GNU_SOURCE
#include "app/doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/input.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "i18n/i18n.h"
#include "platform/config.h"
#include "platform/log.h"
#include "platform/platform.h"
#include "sdl/fonts_check.h"
#include "store/store_check.h"
#include "sync/probe.h"

extern char **environ;

/* The free-space rule's thresholds (docs/doctor.md): under 100 MiB or 5 %
 * a save may fail within the day (a busy kiosk's write-ahead log alone can
 * take tens of megabytes before a checkpoint); under 20 % is time to look. */
#define SPACE_FAIL_BYTES (100ULL << 20)
#define SPACE_FAIL_PERCENT 5
#define SPACE_WARN_PERCENT 20

/* The outbox rule's ages: delivery retries at most an hour apart
 * (SYNC_BACKOFF_CAP), so a record waiting longer has seen every retry
 * fail; one waiting a day means delivery is broken. */
#define OUTBOX_WARN_AGE 3600
#define OUTBOX_FAIL_AGE 86400

/* How many configuration problems get a result of their own. */
#define CONFIG_PROBLEMS_SHOWN 5

const char *doctor_verdict_name(enum doctor_verdict v)
{
	switch (v) {
	case DOCTOR_OK: return "ok";
	case DOCTOR_WARN: return "warn";
	case DOCTOR_FAIL: return "fail";
	}
	return "fail";
}

enum doctor_verdict doctor_worst(const struct doctor_report *r)
{
	return r->counts[DOCTOR_FAIL] ? DOCTOR_FAIL : r->counts[DOCTOR_WARN] ? DOCTOR_WARN : DOCTOR_OK;
}

enum doctor_verdict doctor_space_verdict(unsigned long long avail, unsigned long long total)
{
	if (total == 0 || avail < SPACE_FAIL_BYTES || avail * 100 < total * SPACE_FAIL_PERCENT)
		return DOCTOR_FAIL;
	if (avail * 100 < total * SPACE_WARN_PERCENT)
		return DOCTOR_WARN;
	return DOCTOR_OK;
}

enum doctor_verdict doctor_cert_verdict(long long expires, long long now)
{
	if (expires && expires - now < (long long)DOCTOR_CERT_WARN_DAYS * 86400)
		return DOCTOR_WARN;
	return DOCTOR_OK;
}

enum doctor_verdict doctor_outbox_verdict(size_t dead, long long oldest, long long now)
{
	if (oldest && now - oldest > OUTBOX_FAIL_AGE)
		return DOCTOR_FAIL;
	if (dead || (oldest && now - oldest > OUTBOX_WARN_AGE))
		return DOCTOR_WARN;
	return DOCTOR_OK;
}

void doctor_bytes(unsigned long long n, char *out, size_t size)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
	if (n < 1024) {
		snprintf(out, size, "%llu B", n);
		return;
	}
	double v = (double)n / 1024;
	int u = 0;
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, v < 10 ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

void doctor_age(long long secs, char *out, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		snprintf(out, size, "%lld d %lld h", secs / 86400, secs % 86400 / 3600);
	else if (secs >= 3600)
		snprintf(out, size, "%lld h %lld min", secs / 3600, secs % 3600 / 60);
	else if (secs >= 60)
		snprintf(out, size, "%lld min", secs / 60);
	else
		snprintf(out, size, "%lld s", secs);
}

static void utc_date(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%d", &tm))
		snprintf(out, size, "%lld", t);
}

/* Text from outside (file names, libraries' reasons) made fit for one
 * line of a table or a JSON string: control characters and, in text
 * that is not UTF-8, every byte past ASCII become '?'. */
static void tidy(char *s)
{
	bool valid = utf8_valid(s, strlen(s));
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || (!valid && c >= 0x80))
			*s = '?';
	}
}

static struct doctor_result *add(struct doctor_report *r, const char *check, const char *subject,
				 enum doctor_verdict v, const char *fmt, ...) HATCH_PRINTF(5, 6);

static struct doctor_result *add(struct doctor_report *r, const char *check, const char *subject,
				 enum doctor_verdict v, const char *fmt, ...)
{
	/* The last slot says that results were left out, so that a report
	 * never looks complete when it is not. */
	if (r->n + 1 >= DOCTOR_MAX_RESULTS) {
		if (r->n + 1 == DOCTOR_MAX_RESULTS) {
			struct doctor_result *x = &r->v[r->n++];
			snprintf(x->check, sizeof x->check, "doctor");
			x->subject[0] = '\0';
			x->verdict = DOCTOR_WARN;
			snprintf(x->detail, sizeof x->detail, "more results than can be shown");
			r->counts[DOCTOR_WARN]++;
		}
		return NULL;
	}
	struct doctor_result *x = &r->v[r->n++];
	snprintf(x->check, sizeof x->check, "%s", check);
	snprintf(x->subject, sizeof x->subject, "%s", subject ? subject : "");
	x->verdict = v;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->detail, sizeof x->detail, fmt, ap);
	va_end(ap);
	tidy(x->subject);
	tidy(x->detail);
	r->counts[v]++;
	return x;
}

/* ------------------------------------------------------------------ */
/* Display and input. */

/* Whether a program is listening on the Unix socket PATH. */
static bool socket_answers(const char *path)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a.sun_path)
		return false;
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

/* A desktop display the kiosk could open a window on: X ($DISPLAY, a
 * local one checked at its socket) or Wayland ($WAYLAND_DISPLAY). Writes
 * what was found into WHAT; 1 when it answers, 0 when it is named but does
 * not answer, -1 when none is named. */
static int desktop_display(char *what, size_t size)
{
	const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
	if (w && *w) {
		char path[512];
		const char *run = getenv("XDG_RUNTIME_DIR");
		if (w[0] == '/')
			snprintf(path, sizeof path, "%s", w);
		else
			snprintf(path, sizeof path, "%s/%s", run ? run : "", w);
		bool up = socket_answers(path);
		snprintf(what, size, "WAYLAND_DISPLAY=%s%s", w, up ? "" : " (nothing answers there)");
		if (up || !(x && *x))
			return up;
	}
	if (x && *x) {
		/* ":N" or ":N.S" is local, at /tmp/.X11-unix/XN; anything else
		 * (host:N, a launchd path) cannot be checked from here. */
		if (x[0] == ':') {
			char *end;
			long num = strtol(x + 1, &end, 10);
			if (end != x + 1 && (*end == '\0' || *end == '.')) {
				char path[64];
				snprintf(path, sizeof path, "/tmp/.X11-unix/X%ld", num);
				bool up = socket_answers(path);
				snprintf(what, size, "DISPLAY=%s%s", x,
					 up ? "" : " (no X server answers there)");
				return up;
			}
		}
		snprintf(what, size, "DISPLAY=%s (not checked: not a local display)", x);
		return 1;
	}
	snprintf(what, size, "no DISPLAY or WAYLAND_DISPLAY");
	return -1;
}

/* A verdict that the machine's purpose may soften. */
static enum doctor_verdict unless_headless(enum doctor_verdict v, const struct doctor_options *o)
{
	return v == DOCTOR_FAIL && o->no_display ? DOCTOR_WARN : v;
}

static const char *headless_note(enum doctor_verdict v, const struct doctor_options *o)
{
	return v == DOCTOR_FAIL && o->no_display ? "; not needed on this machine (--no-display)"
						 : "";
}

static void check_display(struct doctor_report *r, const struct doctor_options *o,
			  int *desktop)
{
	char what[300];
	*desktop = desktop_display(what, sizeof what);
	glob_t g;
	int found = glob("/dev/dri/card*", 0, NULL, &g);
	if (found == 0) {
		int denied = 0;
		char first_err[160] = "";
		for (size_t i = 0; i < g.gl_pathc; i++) {
			int fd = open(g.gl_pathv[i], O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				close(fd);
				add(r, "display", "", DOCTOR_OK,
				    "%s opens: fullscreen through KMSDRM%s%s", g.gl_pathv[i],
				    *desktop == 1 ? "; also " : "", *desktop == 1 ? what : "");
				globfree(&g);
				return;
			}
			if (!denied++)
				snprintf(first_err, sizeof first_err, "%s: %s", g.gl_pathv[i],
					 strerror(errno));
		}
		globfree(&g);
		if (*desktop == 1) {
			add(r, "display", "", DOCTOR_WARN,
			    "%s, so the kiosk runs in a window on %s", first_err, what);
			return;
		}
		enum doctor_verdict v = unless_headless(DOCTOR_FAIL, o);
		add(r, "display", "", v, "%s (the kiosk's user needs the video group)%s",
		    first_err, headless_note(DOCTOR_FAIL, o));
		return;
	}
	if (found != GLOB_NOMATCH)
		globfree(&g);
	if (*desktop == 1) {
		add(r, "display", "", DOCTOR_WARN,
		    "no /dev/dri/card*; a desktop display: %s (a window, not fullscreen on KMSDRM)",
		    what);
		return;
	}
	enum doctor_verdict v = unless_headless(DOCTOR_FAIL, o);
	add(r, "display", "", v, "no display: no /dev/dri/card* and %s%s", what,
	    headless_note(DOCTOR_FAIL, o));
}

static void check_input(struct doctor_report *r, const struct doctor_options *o, int desktop)
{
	glob_t g;
	int found = glob("/dev/input/event*", 0, NULL, &g);
	size_t readable = 0, total = found == 0 ? g.gl_pathc : 0;
	char names[200] = "", first_err[160] = "";
	for (size_t i = 0; i < total; i++) {
		int fd = open(g.gl_pathv[i], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			if (!first_err[0])
				snprintf(first_err, sizeof first_err, "%s: %s", g.gl_pathv[i],
					 strerror(errno));
			continue;
		}
		char name[64] = "";
		if (ioctl(fd, EVIOCGNAME(sizeof name - 1), name) < 0)
			name[0] = '\0';
		close(fd);
		size_t at = strlen(names);
		if (readable < 3 && name[0])
			snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "", name);
		readable++;
	}
	if (found == 0)
		globfree(&g);
	if (readable) {
		add(r, "input", "", DOCTOR_OK, "%zu of %zu input device%s readable%s%s%s", readable,
		    total, total == 1 ? "" : "s", names[0] ? ": " : "", names,
		    readable > 3 ? ", ..." : "");
		return;
	}
	if (desktop == 1) {
		add(r, "input", "", DOCTOR_WARN, "%s; input comes through the desktop display",
		    total ? first_err : "no /dev/input/event*");
		return;
	}
	enum doctor_verdict v = unless_headless(DOCTOR_FAIL, o);
	if (total)
		add(r, "input", "", v, "none of %zu input devices readable: %s (the kiosk's user "
		    "needs the input group)%s", total, first_err, headless_note(DOCTOR_FAIL, o));
	else
		add(r, "input", "", v, "no input devices (/dev/input/event*) and no desktop "
		    "display%s", headless_note(DOCTOR_FAIL, o));
}

/* ------------------------------------------------------------------ */
/* Fonts. */

/* Letters each Latin-script language needs beyond its own name, so that a
 * face without them is caught: Welsh's circumflexes, Polish's and
 * Romanian's diacritics. Samples for the check, not text shown to
 * anyone. */
static const char *extra_letters(const char *code)
{
	if (!strcmp(code, "cy"))
		return " \xC5\xB5\xC5\xB7\xC3\xA2\xC3\xAA\xC3\xAE\xC3\xB4\xC3\xBB\xC3\xBF"; /* ŵŷâêîôûÿ */
	if (!strcmp(code, "pl"))
		return " \xC4\x85\xC4\x87\xC4\x99\xC5\x82\xC5\x84\xC3\xB3\xC5\x9B\xC5\xBA\xC5\xBC"; /* ąćęłńóśźż */
	if (!strcmp(code, "ro"))
		return " \xC4\x83\xC3\xA2\xC3\xAE\xC8\x99\xC8\x9B"; /* ăâîșț */
	return "";
}

static void check_fonts(struct doctor_report *r, const struct doctor_options *o,
			const struct config *cfg)
{
	size_t n;
	const struct i18n_language *langs = i18n_languages(&n);
	char assets[4096];
	struct hatch_error e = {""};
	if (o->assets) {
		snprintf(assets, sizeof assets, "%s", o->assets);
	} else if (platform_assets_dir(assets, sizeof assets, &e) != HATCH_OK) {
		add(r, "fonts", "", DOCTOR_FAIL, "the bundled assets cannot be found: %s", e.msg);
		return;
	}
	struct sdl_font_check *v = mem_calloc(n ? n : 1, sizeof *v);
	char(*samples)[160] = mem_calloc(n ? n : 1, sizeof *samples);
	if (!v || !samples) {
		mem_free(v);
		mem_free(samples);
		add(r, "fonts", "", DOCTOR_FAIL, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(samples[i], sizeof samples[i], "%s 0123456789%s", langs[i].name,
			 extra_letters(langs[i].code));
		v[i].lang = langs[i].code;
		v[i].sample = samples[i];
	}
	if (sdl_fonts_check(assets, v, n, &e) != HATCH_OK) {
		add(r, "fonts", "", DOCTOR_FAIL, "%s", e.msg);
	} else {
		for (size_t i = 0; i < n; i++) {
			const struct sdl_font_check *c = &v[i];
			bool offered = false;
			for (size_t k = 0; k < cfg->nlanguages; k++)
				offered |= !strcmp(cfg->languages[k], c->lang);
			const char *note = offered ? "" : " (not offered by this kiosk)";
			if (c->missing) {
				add(r, "fonts", c->lang, offered ? DOCTOR_FAIL : DOCTOR_WARN,
				    "%zu characters of its sample have no glyph in %s: %s is "
				    "needed (Debian: fonts-noto-core)%s",
				    c->missing, c->used[0] ? c->used : "any face", c->wanted, note);
			} else if (strcmp(c->used, c->wanted) != 0) {
				add(r, "fonts", c->lang, DOCTOR_WARN,
				    "set in %s: %s is not installed (Debian: fonts-noto-core)%s",
				    c->used, c->wanted, note);
			} else if (!strcmp(c->file, c->bold_file)) {
				/* Fontconfig matched one file for both weights:
				 * body text and headings look alike. */
				add(r, "fonts", c->lang, DOCTOR_WARN,
				    "%s: regular and bold text are both set from %s", c->used,
				    c->file);
			} else {
				add(r, "fonts", c->lang, DOCTOR_OK, "%s, %s: %s", c->used,
				    c->rtl ? "right to left" : "left to right", c->file);
			}
		}
	}
	mem_free(v);
	mem_free(samples);
}

/* ------------------------------------------------------------------ */
/* The database, the space it has and the clock. */

/* The directory of PATH into OUT ("." when it has none). */
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

static void user_name(uid_t uid, char *out, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res)
		snprintf(out, size, "%s", res->pw_name);
	else
		snprintf(out, size, "%u", (unsigned)uid);
}

/* What check_database learnt, for the outbox check. */
struct db_state {
	bool exists, owned, intact, current;
};

static void check_database(struct doctor_report *r, struct db_state *ds)
{
	const char *path = r->db_path;
	memset(ds, 0, sizeof *ds);
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			add(r, "database", "", DOCTOR_WARN,
			    "none yet at %s: the kiosk makes it when it first starts", path);
		else
			add(r, "database", "", DOCTOR_FAIL, "%s: %s", path, strerror(errno));
		return;
	}
	ds->exists = true;
	/* A reader of a WAL database makes its -wal and -shm files when they
	 * are missing; made by another user (root), they would lock the
	 * kiosk out of its own database. */
	if (st.st_uid != geteuid()) {
		char owner[64], me[64];
		user_name(st.st_uid, owner, sizeof owner);
		user_name(geteuid(), me, sizeof me);
		add(r, "database", "", DOCTOR_WARN,
		    "not opened: %s belongs to %s and this runs as %s; run hatch doctor as %s "
		    "(sudo -u %s hatch doctor)", path, owner, me, owner, owner);
		return;
	}
	ds->owned = true;
	struct store_check c;
	struct hatch_error e = {""};
	if (store_check(path, &c, &e) != HATCH_OK) {
		add(r, "database", "", DOCTOR_FAIL, "%s: %s", path, e.msg);
		return;
	}
	char size[32], wal[32];
	doctor_bytes((unsigned long long)c.file_bytes, size, sizeof size);
	doctor_bytes((unsigned long long)c.wal_bytes, wal, sizeof wal);
	if (c.damaged) {
		add(r, "database", "", DOCTOR_FAIL,
		    "damaged (%s%zu problem%s; first: %.100s): the kiosk moves it aside and carries "
		    "what can be read into a fresh one at its next start",
		    c.problems >= STORE_CHECK_PROBLEMS ? "at least " : "", c.problems,
		    c.problems == 1 ? "" : "s", c.problem);
		return;
	}
	if (!c.opened || !c.intact) {
		/* A reader must make the -wal and -shm files a closed database
		 * lacks: on a full disk it cannot, and neither can the kiosk. */
		char dir[4096];
		struct statvfs sv;
		dir_of(path, dir, sizeof dir);
		bool full = statvfs(dir, &sv) == 0 && sv.f_bavail == 0;
		add(r, "database", "", DOCTOR_FAIL, "cannot be read: %s%s", c.problem,
		    full ? " (the disk is full: SQLite cannot make its -wal and -shm files)" : "");
		return;
	}
	if (!c.hatch) {
		add(r, "database", "", DOCTOR_FAIL, "%s is an SQLite database but not Hatch's",
		    path);
		return;
	}
	ds->intact = true;
	if (c.schema > STORE_SCHEMA_VERSION) {
		add(r, "database", "", DOCTOR_FAIL,
		    "schema %lld, written by a newer program (this one writes %d)", c.schema,
		    STORE_SCHEMA_VERSION);
		return;
	}
	ds->current = c.schema == STORE_SCHEMA_VERSION;
	add(r, "database", "", ds->current ? DOCTOR_OK : DOCTOR_WARN,
	    "intact (quick_check), schema %lld%s, %s in %lld pages (%lld free), write-ahead "
	    "log %s", c.schema, ds->current ? "" : ", migrated at the kiosk's next start", size,
	    c.pages, c.free_pages, wal);
}

static void check_space(struct doctor_report *r)
{
	char dir[4096];
	dir_of(r->db_path, dir, sizeof dir);
	/* The database's directory, or the nearest one there is: where it
	 * will be made. */
	struct statvfs sv;
	while (statvfs(dir, &sv) != 0) {
		if (errno != ENOENT || !strcmp(dir, "/") || !strcmp(dir, ".")) {
			add(r, "free-space", "", DOCTOR_FAIL, "%s: %s", dir, strerror(errno));
			return;
		}
		char up[4096];
		dir_of(dir, up, sizeof up);
		snprintf(dir, sizeof dir, "%s", up);
	}
	unsigned long long avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
	unsigned long long total = (unsigned long long)sv.f_blocks * sv.f_frsize;
	enum doctor_verdict v = doctor_space_verdict(avail, total);
	char a[32], t[32];
	doctor_bytes(avail, a, sizeof a);
	doctor_bytes(total, t, sizeof t);
	unsigned long long pct = total ? avail * 100 / total : 0;
	if (sv.f_files && sv.f_favail == 0) {
		add(r, "free-space", "", DOCTOR_FAIL, "no file can be made in %s: no inodes left",
		    dir);
		return;
	}
	add(r, "free-space", "", v, "%s free of %s (%llu%%) at %s%s", a, t, pct, dir,
	    v == DOCTOR_FAIL ? ": saving a submission may fail" : "");
}

/* When this program was built, from __DATE__ ("Nov 21 2026"): a clock
 * before it is certainly wrong. */
static long long built_at(void)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *d = __DATE__;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *m = strstr(months, (char[4]){d[0], d[1], d[2], '\0'});
	tm.tm_mon = m ? (int)(m - months) / 3 : 0;
	tm.tm_mday = (d[4] == ' ' ? 0 : d[4] - '0') * 10 + (d[5] - '0');
	tm.tm_year = (d[7] - '0') * 1000 + (d[8] - '0') * 100 + (d[9] - '0') * 10 + (d[10] - '0') -
		     1900;
	return (long long)timegm(&tm);
}

static void check_clock(struct doctor_report *r)
{
	long long now = r->time;
	char today[16], built[16];
	utc_date(now, today, sizeof today);
	utc_date(built_at(), built, sizeof built);
	if (now < built_at()) {
		add(r, "clock", "", DOCTOR_FAIL,
		    "says %s, before this program was built (%s): certificates will not verify "
		    "and submissions get wrong times", today, built);
		return;
	}
	struct timex tx;
	memset(&tx, 0, sizeof tx);
	int state = adjtimex(&tx);
	int why = errno;
	if (state != -1) {
		if (state == TIME_ERROR || (tx.status & STA_UNSYNC))
			add(r, "clock", "", DOCTOR_WARN,
			    "%s, not synchronised (the kernel's STA_UNSYNC is set): turn on NTP "
			    "(timedatectl set-ntp true) so that times and certificate dates are right",
			    today);
		else
			add(r, "clock", "", DOCTOR_OK, "%s, synchronised (estimated error %ld ms)",
			    today, tx.esterror / 1000);
		return;
	}
	/* No adjtimex (a restricted container): ask systemd. */
	char *argv[] = {"timedatectl", "show", "-p", "NTPSynchronized", "--value", NULL};
	struct buf out;
	buf_init(&out, 256);
	int status = -1;
	if (doctor_capture(argv, 5, &out, &status) == HATCH_OK && status == 0 &&
	    !strncmp(buf_get(&out), "yes", 3))
		add(r, "clock", "", DOCTOR_OK, "%s, synchronised (timedatectl)", today);
	else
		add(r, "clock", "", DOCTOR_WARN,
		    "%s; whether it is synchronised cannot be told (adjtimex: %s; timedatectl: "
		    "%s)", today, strerror(why), status == 0 ? "no" : "not available");
	buf_cleanup(&out);
}

/* ------------------------------------------------------------------ */
/* Destinations. */

static void check_destination(struct doctor_report *r, const struct config_destination *d,
			      struct hatch_error *e, bool *nomem)
{
	struct sync_probe p;
	enum hatch_err rc = sync_probe(d, &p, e);
	if (rc == HATCH_ERR_NOMEM) {
		*nomem = true;
		return;
	}
	const char *name = d->name;
	/* Name resolution. */
	if (p.reached == SYNC_PROBE_URL) {
		add(r, "dns", name, DOCTOR_FAIL, "url: %s", p.reason);
		add(r, "tls", name, DOCTOR_FAIL, "not tried: the URL cannot be used");
		add(r, "reach", name, DOCTOR_FAIL, "not tried: the URL cannot be used");
		return;
	}
	if (p.host_is_address)
		add(r, "dns", name, DOCTOR_OK, "%s is an address: nothing to resolve", p.host);
	else if (p.reached == SYNC_PROBE_DNS && p.dns_error[0])
		add(r, "dns", name, DOCTOR_FAIL, "%s does not resolve: %s", p.host, p.dns_error);
	else
		add(r, "dns", name, DOCTOR_OK, "%s: %s", p.host, p.addresses);
	if (p.reached == SYNC_PROBE_DNS) {
		if (!p.dns_error[0])
			add(r, "tls", name, DOCTOR_FAIL, "not tried: %s", p.reason);
		else
			add(r, "tls", name, DOCTOR_FAIL, "not tried: the name does not resolve");
		add(r, "reach", name, DOCTOR_FAIL, "not tried: the name does not resolve");
		return;
	}
	if (rc != HATCH_OK) {
		add(r, "tls", name, DOCTOR_FAIL, "not tried: %s", e->msg);
		add(r, "reach", name, DOCTOR_FAIL, "not tried: %s", e->msg);
		return;
	}
	/* The certificate. */
	const char *pin = p.pin == SYNC_PIN_MATCHED ? "; pinned key matched"
			  : p.pin == SYNC_PIN_NONE  ? "; no pinned key"
						    : "";
	switch (p.reached) {
	case SYNC_PROBE_CONNECT:
		add(r, "tls", name, DOCTOR_FAIL, "not tried: no connection");
		add(r, "reach", name, DOCTOR_FAIL, "no connection: %s", p.reason);
		return;
	case SYNC_PROBE_TLS:
		add(r, "tls", name, DOCTOR_FAIL, "refused%s%s: %s", p.connected_to[0] ? " at " : "",
		    p.connected_to, p.reason);
		add(r, "reach", name, DOCTOR_FAIL, "not reached: nothing was sent (TLS failed)");
		return;
	case SYNC_PROBE_PIN:
		add(r, "tls", name, DOCTOR_FAIL,
		    "the certificate verifies but its key matches none of pinned_keys: %s",
		    p.reason);
		add(r, "reach", name, DOCTOR_FAIL, "not reached: nothing was sent (pin mismatch)");
		return;
	default:
		break;
	}
	if (p.expires) {
		char date[16], left[32];
		utc_date(p.expires, date, sizeof date);
		doctor_age(p.expires - r->time, left, sizeof left);
		enum doctor_verdict v = doctor_cert_verdict(p.expires, r->time);
		add(r, "tls", name, v,
		    "verified, %d certificate%s presented, the first to expire on %s (in %s)%s",
		    p.chain, p.chain == 1 ? "" : "s", date, left, pin);
	} else {
		add(r, "tls", name, DOCTOR_OK, "verified (expiry not known)%s", pin);
	}
	/* The answer. */
	if (p.reached == SYNC_PROBE_HTTP) {
		add(r, "reach", name, DOCTOR_FAIL, "%s %s: the connection broke before an answer: %s",
		    p.method, p.path, p.reason);
		return;
	}
	long s = p.status;
	bool open311 = d->adapter == CONFIG_ADAPTER_OPEN311;
	enum doctor_verdict v;
	const char *why = "";
	if (s >= 200 && s < 300) {
		v = DOCTOR_OK;
	} else if (s >= 300 && s < 400) {
		v = DOCTOR_FAIL;
		why = ": a redirect, which delivery does not follow; check the url";
	} else if (s == 404 || s == 410) {
		v = open311 ? DOCTOR_FAIL : DOCTOR_WARN;
		why = ": not found; check the url's path";
	} else if (s == 429 || (s >= 500 && s != 501)) {
		v = DOCTOR_WARN;
		why = ": the back end is there but failing; deliveries are retried";
	} else if (!open311) {
		/* A webhook takes POST only: 405, 501 or another refusal of
		 * OPTIONS still shows it is there. */
		v = DOCTOR_OK;
		why = " (the webhook answers; it takes records by POST)";
	} else {
		v = DOCTOR_FAIL;
		why = ": the service list was refused";
	}
	char services[48] = "";
	if (p.services >= 0)
		snprintf(services, sizeof services, ", %ld service%s", p.services,
			 p.services == 1 ? "" : "s");
	add(r, "reach", name, v, "%s %s: HTTP %ld in %ld ms%s%s%s%s", p.method, p.path, s, p.ms,
	    services, why, p.reason[0] ? "; " : "", p.reason);
}

/* ------------------------------------------------------------------ */
/* The outbox. */

static enum hatch_err read_outbox(struct store *s, struct doctor_outbox *ob,
				  struct hatch_error *e)
{
	struct store_destination_stats *dv = NULL;
	size_t nd = 0;
	enum hatch_err rc = store_outbox_counts(s, ob->counts, e);
	if (rc == HATCH_OK)
		rc = store_destination_stats(s, &dv, &nd, e);
	if (rc != HATCH_OK)
		return rc;
	for (size_t i = 0; i < nd; i++) {
		if (dv[i].oldest_waiting &&
		    (!ob->oldest_waiting || dv[i].oldest_waiting < ob->oldest_waiting))
			ob->oldest_waiting = dv[i].oldest_waiting;
		if (ob->ndest == DOCTOR_MAX_OUTBOX_DESTINATIONS) {
			ob->dest_dropped++;
			continue;
		}
		struct doctor_outbox_destination *od = &ob->dest[ob->ndest++];
		snprintf(od->name, sizeof od->name, "%s", dv[i].destination);
		tidy(od->name);
		memcpy(od->counts, dv[i].counts, sizeof od->counts);
		od->oldest_waiting = dv[i].oldest_waiting;
	}
	mem_free(dv);
	ob->read = true;
	return HATCH_OK;
}

static enum hatch_err check_outbox(struct doctor_report *r, const struct doctor_options *o,
				   const struct config *cfg, const struct db_state *ds)
{
	struct doctor_outbox *ob = &r->outbox;
	struct hatch_error e = {""};
	enum hatch_err rc = HATCH_OK;
	if (o->store) {
		rc = read_outbox(o->store, ob, &e);
	} else if (!ds->exists) {
		add(r, "outbox", "", DOCTOR_OK, "empty: no database yet");
		return HATCH_OK;
	} else if (!ds->owned || !ds->intact || !ds->current) {
		add(r, "outbox", "", ds->owned && !ds->intact ? DOCTOR_FAIL : DOCTOR_WARN,
		    "not read: %s",
		    !ds->owned  ? "the database belongs to another user (above)"
		    : !ds->intact ? "the database cannot be read as it is (above)"
				  : "the database's schema is not this program's (above)");
		return HATCH_OK;
	} else {
		struct store *s = NULL;
		rc = store_open(r->db_path, &s, &e);
		if (rc == HATCH_OK) {
			rc = read_outbox(s, ob, &e);
			store_close(s);
		}
	}
	if (rc == HATCH_ERR_NOMEM)
		return rc;
	if (rc != HATCH_OK) {
		add(r, "outbox", "", DOCTOR_FAIL, "not read: %s", e.msg);
		return HATCH_OK;
	}
	size_t waiting = ob->counts[STORE_QUEUED] + ob->counts[STORE_SENDING];
	size_t dead = ob->counts[STORE_DEAD];
	char oldest[64] = "";
	if (ob->oldest_waiting) {
		char a[32];
		doctor_age(r->time - ob->oldest_waiting, a, sizeof a);
		snprintf(oldest, sizeof oldest, " (the oldest for %s)", a);
	}
	add(r, "outbox", "", doctor_outbox_verdict(dead, ob->oldest_waiting, r->time),
	    "%zu waiting%s, %zu delivered, %zu dead%s", waiting, oldest,
	    ob->counts[STORE_DELIVERED], dead,
	    dead ? ": staff can send them again (hatch queue retry --dead)" : "");
	for (size_t i = 0; i < ob->ndest; i++) {
		const struct doctor_outbox_destination *od = &ob->dest[i];
		size_t w = od->counts[STORE_QUEUED] + od->counts[STORE_SENDING];
		if (w && !config_destination_find(cfg, od->name))
			add(r, "outbox", od->name, DOCTOR_WARN,
			    "%zu waiting for a destination the configuration does not name: they "
			    "stay queued until it does", w);
	}
	return HATCH_OK;
}

/* ------------------------------------------------------------------ */

static void check_config(struct doctor_report *r, const struct doctor_options *o,
			 struct config *cfg, struct config_problems *p)
{
	config_defaults(cfg);
	if (!o->config_path) {
		add(r, "configuration", "", DOCTOR_WARN,
		    "no configuration file: the built-in demonstration settings");
		return;
	}
	struct hatch_error e = {""};
	enum hatch_err rc = config_load(o->config_path, cfg, p, &e);
	if (rc == HATCH_OK) {
		add(r, "configuration", "", DOCTOR_OK, "%s: %zu destination%s, %zu language%s",
		    o->config_path, cfg->ndestinations, cfg->ndestinations == 1 ? "" : "s",
		    cfg->nlanguages, cfg->nlanguages == 1 ? "" : "s");
		return;
	}
	if (rc != HATCH_ERR_INPUT) {
		add(r, "configuration", "", DOCTOR_FAIL, "%s: %s", o->config_path, e.msg);
		return;
	}
	size_t total = p->n + p->dropped;
	add(r, "configuration", "", DOCTOR_FAIL, "%s: %zu problem%s; its good settings are used",
	    o->config_path, total, total == 1 ? "" : "s");
	for (size_t i = 0; i < p->n && i < CONFIG_PROBLEMS_SHOWN; i++) {
		char line[32];
		snprintf(line, sizeof line, "line %d", p->v[i].line);
		add(r, "configuration", line, DOCTOR_FAIL, "%s", p->v[i].reason);
	}
}

enum hatch_err doctor_run(const struct doctor_options *o, struct doctor_report *r,
			  struct hatch_error *e)
{
	memset(r, 0, sizeof *r);
	r->time = platform_now();
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	struct config_problems *p = mem_calloc(1, sizeof *p);
	if (!cfg || !p) {
		mem_free(cfg);
		mem_free(p);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	snprintf(r->config_path, sizeof r->config_path, "%s", o->config_path ? o->config_path : "");
	check_config(r, o, cfg, p);

	struct hatch_error de = {""};
	if (o->db_path)
		snprintf(r->db_path, sizeof r->db_path, "%s", o->db_path);
	else if (cfg->database[0])
		snprintf(r->db_path, sizeof r->db_path, "%s", cfg->database);
	else if (store_default_path(r->db_path, sizeof r->db_path, &de) != HATCH_OK)
		add(r, "database", "", DOCTOR_FAIL, "no database path: %s", de.msg);

	int desktop;
	check_display(r, o, &desktop);
	check_input(r, o, desktop);
	check_fonts(r, o, cfg);
	struct db_state ds = {0};
	if (r->db_path[0]) {
		check_database(r, &ds);
		check_space(r);
	}
	check_clock(r);

	enum hatch_err rc = HATCH_OK;
	if (!cfg->ndestinations)
		add(r, "destinations", "", DOCTOR_WARN,
		    "none configured: submissions wait in the outbox until one is");
	bool nomem = false;
	for (size_t i = 0; i < cfg->ndestinations && !nomem; i++)
		check_destination(r, &cfg->destinations[i], &de, &nomem);
	if (nomem)
		rc = err_set(e, HATCH_ERR_NOMEM, "out of memory");
	if (rc == HATCH_OK && r->db_path[0] && check_outbox(r, o, cfg, &ds) != HATCH_OK)
		rc = err_set(e, HATCH_ERR_NOMEM, "out of memory");
	mem_free(cfg);
	mem_free(p);
	if (rc != HATCH_OK)
		return rc;

	/* One line for the log: the counts and which checks failed. */
	char failed[400] = "";
	size_t at = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct doctor_result *x = &r->v[i];
		if (x->verdict != DOCTOR_FAIL || at + 1 >= sizeof failed)
			continue;
		int w = snprintf(failed + at, sizeof failed - at, "%s%s%s%s", at ? "," : "",
				 x->check, x->subject[0] ? ":" : "", x->subject);
		at = w < 0 || (size_t)w >= sizeof failed - at ? sizeof failed - 1 : at + (size_t)w;
	}
	/* Subjects may hold spaces ("line 12"): the value is one token. */
	for (char *c = failed; *c; c++)
		if (*c == ' ')
			*c = '_';
	enum doctor_verdict worst = doctor_worst(r);
	log_msg(worst == DOCTOR_FAIL   ? LOG_LEVEL_WARNING
		: worst == DOCTOR_WARN ? LOG_LEVEL_NOTICE
				       : LOG_LEVEL_INFO,
		"doctor", "checks done verdict=%s checks=%zu ok=%zu warn=%zu fail=%zu%s%s",
		doctor_verdict_name(worst), r->n, r->counts[DOCTOR_OK], r->counts[DOCTOR_WARN],
		r->counts[DOCTOR_FAIL], failed[0] ? " failed=" : "", failed);
	return HATCH_OK;
}

/* ------------------------------------------------------------------ */

enum hatch_err doctor_capture(char *const argv[], int timeout_s, struct buf *out, int *status)
{
	*status = -1;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return HATCH_OK;
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa) != 0) {
		close(fds[0]);
		close(fds[1]);
		return HATCH_ERR_NOMEM;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return HATCH_OK;
	}
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	bool killed = false, nomem = false;
	char chunk[4096];
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = (long)timeout_s * 1000 - ((now.tv_sec - start.tv_sec) * 1000 +
						      (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		struct pollfd pfd = {fds[0], POLLIN, 0};
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		ssize_t n = read(fds[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Past the cap, the rest is read and dropped, so that the
		 * program is not left blocked on a full pipe. */
		size_t room = out->max - out->len, take = (size_t)n < room ? (size_t)n : room;
		if (take && !nomem && buf_add(out, chunk, take) != HATCH_OK)
			nomem = true;
	}
	close(fds[0]);
	int ws = 0;
	pid_t w;
	while ((w = waitpid(pid, &ws, 0)) < 0 && errno == EINTR)
		;
	if (w == pid && !killed && WIFEXITED(ws))
		*status = WEXITSTATUS(ws);
	/* Where posix_spawnp cannot report a program that did not start (as
	 * under AddressSanitizer's own spawn), its child exits 127, the
	 * shell's "not found". */
	if (*status == 127)
		*status = -1;
	return nomem ? HATCH_ERR_NOMEM : HATCH_OK;
}
