/* hatch fleet: what the kiosk reports to the council's monitoring
 * (sync/fleet.h), for technicians and for cron or a systemd timer on a
 * device whose kiosk does not run: the figures as a table, --print as
 * Prometheus's text format, and --once writing [fleet] metrics_file and
 * sending one heartbeat. Prints counts, times and destination names only:
 * never a payload or anything else a citizen typed. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "base/mem.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "store/store.h"
#include "sync/fleet.h"

static const char fleet_help[] =
    "Usage: hatch fleet [--once] [--print] [--config FILE] [--db FILE]\n"
    "\n"
    "Shows what the kiosk reports to the council's monitoring: its device id and\n"
    "version, how long it has been up, the submissions waiting and refused, the\n"
    "age of the oldest waiting, the last delivery, the free space, and when the\n"
    "certificates of its destinations expire (each destination is probed as\n"
    "hatch doctor does: nothing is delivered). See docs/fleet.md.\n"
    "\n"
    "  --print         print the figures in Prometheus's text format, as\n"
    "                  [fleet] metrics_file gets them, instead of the table\n"
    "  --once          write [fleet] metrics_file and send one heartbeat to\n"
    "                  [fleet] heartbeat_url (whichever the configuration has),\n"
    "                  as the kiosk does every heartbeat_interval; exit 1 if\n"
    "                  either fails\n"
    "  --config FILE   the device configuration (see docs/configuration.md)\n"
    "  --db FILE       the database (default: the configuration's, else $HATCH_DB\n"
    "                  or ~/.local/share/hatch/hatch.db)\n"
    "\n"
    "The process uptime is that of the program reporting: the kiosk's when the\n"
    "kiosk sends it, this command's here.\n";

static void utc(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "%lld", t);
}

/* "2 d 3 h", "3 h 5 min", "4 min", "30 s". */
static void age(long long secs, char *out, size_t size)
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

/* "1.2 GiB", "830 MiB". */
static void bytes(unsigned long long n, char *out, size_t size)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof unit / sizeof *unit) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* A time as "2026-...Z (3 h ago)", or "never" / "unknown". */
static void when(long long t, long long now, const char *none, char *out, size_t size)
{
	char at[32], ago[32];
	if (t <= 0) {
		snprintf(out, size, "%s", none);
		return;
	}
	utc(t, at, sizeof at);
	age(t > now ? t - now : now - t, ago, sizeof ago);
	snprintf(out, size, "%s (%s %s)", at, t > now ? "in" : ago,
	         t > now ? ago : "ago");
}

/* Names come from journeys and the configuration: no control character
 * reaches the terminal. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void print_table(struct fleet_figures *fig)
{
	char a[128], b[128];
	printable(fig->device);
	printf("Device:         %s\n", fig->device);
	printf("Version:        %s\n", fig->version);
	/* The process uptime is this command's: only the device's says much. */
	age(fig->system_uptime, a, sizeof a);
	printf("Device up:      %s\n", fig->system_uptime >= 0 ? a : "unknown");
	printf("Outbox:         %zu queued, %zu sending, %zu dead\n", fig->queued,
	       fig->sending, fig->dead);
	if (fig->oldest_waiting)
		age(fig->time - fig->oldest_waiting, a, sizeof a);
	printf("Oldest waiting: %s\n", fig->oldest_waiting ? a : "none waiting");
	when(fig->last_delivery, fig->time, "none", a, sizeof a);
	printf("Last delivery:  %s\n", a);
	if (fig->disk_known) {
		bytes(fig->disk_free, a, sizeof a);
		bytes(fig->disk_total, b, sizeof b);
		printf("Free space:     %s of %s\n", a, b);
	} else {
		printf("Free space:     unknown\n");
	}
	if (!fig->ndest)
		return;
	printf("\n%-24s %7s %7s %5s  %-10s %-34s %s\n", "DESTINATION", "QUEUED",
	       "SENDING", "DEAD", "OLDEST", "LAST DELIVERY", "CERTIFICATE EXPIRES");
	for (size_t i = 0; i < fig->ndest; i++) {
		struct fleet_destination *d = &fig->dest[i];
		char old[32] = "-", last[128], cert[128];
		printable(d->name);
		if (d->oldest_waiting)
			age(fig->time - d->oldest_waiting, old, sizeof old);
		when(d->last_delivery, fig->time, "none", last, sizeof last);
		when(d->cert_expires, fig->time,
		     d->configured ? "unknown" : "not configured", cert, sizeof cert);
		printf("%-24s %7zu %7zu %5zu  %-10s %-34s %s\n", d->name, d->queued,
		       d->sending, d->dead, old, last, cert);
	}
	if (fig->dest_dropped)
		printf("(%zu more destinations not listed)\n", fig->dest_dropped);
}

int cmd_fleet(int argc, char **argv)
{
	const char *config_path = NULL, *db = NULL;
	bool once = false, print = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (app_is_help(a)) {
			fputs(fleet_help, stdout);
			return 0;
		} else if (!strcmp(a, "--once")) {
			once = true;
		} else if (!strcmp(a, "--print")) {
			print = true;
		} else if (!strcmp(a, "--config") || !strcmp(a, "--db")) {
			if (i + 1 == argc)
				return app_usage_error("fleet: %s needs a value", a);
			if (!strcmp(a, "--config"))
				config_path = argv[++i];
			else
				db = argv[++i];
		} else {
			return app_usage_error("fleet: unknown option '%s'", a);
		}
	}
	int status = 1;
	struct hatch_error e = {""};
	struct store *s = NULL;
	struct fleet *f = NULL;
	char *text = NULL;
	/* Large (every destination's paths): not for the stack. */
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	struct fleet_figures *fig = mem_calloc(1, sizeof *fig);
	if (!cfg || !fig) {
		fputs("hatch: fleet: out of memory\n", stderr);
		goto out;
	}
	if (!app_config_read(config_path, cfg))
		goto out;
	const char *metrics = cfg->fleet.metrics_file;
	bool beat = cfg->fleet.heartbeat.url[0] != '\0';
	if (once && !metrics[0] && !beat) {
		fputs("hatch: fleet: the configuration has neither [fleet] heartbeat_url "
		      "nor "
		      "metrics_file: nothing to send or write (see docs/fleet.md)\n",
		      stderr);
		goto out;
	}
	char path[4096];
	if (!(db = app_db_path(db, cfg, "fleet", path, sizeof path)))
		goto out;
	if (store_open(db, &s, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		goto out;
	}
	if (fleet_create(&f, &e) != HATCH_OK ||
	    fleet_probe_certs(f, cfg, &e) != HATCH_OK ||
	    fleet_figures_gather(f, s, cfg, HATCH_VERSION, platform_now(), fig, &e) !=
	        HATCH_OK) {
		fprintf(stderr, "hatch: fleet: %s\n", e.msg);
		goto out;
	}
	status = 0;
	/* The heartbeat first, so that the metrics file has what it showed. */
	if (once && beat) {
		struct fleet_result r;
		if (fleet_heartbeat_send(f, cfg, fig, &r, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: fleet: %s\n", e.msg);
			status = 1;
		} else {
			printf("heartbeat sent: HTTP %ld in %ld ms\n", r.status, r.ms);
			fig->heartbeat_last_ok = fig->time;
		}
		if (r.cert_expires)
			fig->heartbeat_cert_expires = r.cert_expires;
	}
	if (once && metrics[0]) {
		if (fleet_metrics_write(metrics, fig, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: fleet: %s\n", e.msg);
			status = 1;
		} else {
			printf("metrics written to %s\n", metrics);
		}
	}
	if (print) {
		size_t len;
		if (fleet_metrics_format(fig, &text, &len, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: fleet: %s\n", e.msg);
			status = 1;
		} else {
			fwrite(text, 1, len, stdout);
		}
	} else if (!once) {
		print_table(fig);
	}
out:
	mem_free(text);
	fleet_destroy(f);
	store_close(s);
	mem_free(cfg);
	mem_free(fig);
	return status;
}
