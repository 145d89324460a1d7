/* hatch provision: sets up a device in one command, from options, from a
 * provisioning file, or by asking on a terminal; refuses anything bad or
 * insecure with nothing written; then prints the device's identity as a
 * QR code a phone can scan off the terminal, and as text. Prints;
 * provision.c does the work, store/staff.h keeps the staff accounts. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "app/app.h"
#include "app/provision.h"
#include "base/buf.h"
#include "base/id.h"
#include "base/mem.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "store/staff.h"
#include "store/store.h"

#define PROVISION_DEFAULT_CONFIG "/etc/hatch/hatch.conf"
/* The most lines the options can make: far more than any device needs. */
#define INI_MAX_LINES 1024
/* The quiet zone around a QR code, in modules, as the standard asks. */
#define QR_QUIET 4
/* The longest answer read on the terminal. */
#define ANSWER_MAX 4096

static const char provision_help[] =
    "Usage: hatch provision [--config FILE] [--db FILE] --from PROVISIONING-FILE\n"
    "       hatch provision [--config FILE] [--db FILE] SETTINGS...\n"
    "       hatch provision [--config FILE] [--db FILE]     (asks, on a terminal)\n"
    "\n"
    "Sets up this device: its id, its council, the destinations submissions go\n"
    "to and their credentials, and staff accounts. Writes the configuration\n"
    "(default " PROVISION_DEFAULT_CONFIG ", 0640), copies each secret into\n"
    "DIR/secrets/ (0600, the kiosk user's) and each certificate into DIR/certs/,\n"
    "makes the device's identity key (DIR/" PROVISION_KEY_FILE ", Ed25519) unless\n"
    "there is one, and prints the identity as a QR code and as text for\n"
    "enrolment. Everything is checked first, as hatch config check does: with\n"
    "any problem or insecure setting (an http link, say) nothing is written.\n"
    "Running it again with the same settings gives the same files and keeps\n"
    "the identity key.\n"
    "\n"
    "  --config FILE          the configuration to write (an absolute path)\n"
    "  --from FILE            a provisioning file: hatch.conf's sections, plus\n"
    "                         api_key = / secret = given inline and [staff ID]\n"
    "                         sections (docs/configuration.md)\n"
    "  --db FILE              the database staff accounts go in (default: the\n"
    "                         configuration's [storage] database, else the\n"
    "                         kiosk user's default)\n"
    "\n"
    "Settings:\n"
    "  --device-id ID         the device's id (required): 1 to 64 letters,\n"
    "                         digits, '.', '_' and '-'\n"
    "  --council NAME         the council's name (required)\n"
    "  --colour #RRGGBB       the council's colour\n"
    "  --languages LIST       the languages offered, such as en, cy\n"
    "  --tracking-url URL     the confirmation's QR code link, with {reference}\n"
    "  --set SECTION.KEY=VALUE  any other setting, as --set kiosk.idle_timeout=180\n"
    "  --destination NAME     a destination; the options after it are its own:\n"
    "    --adapter open311|webhook  --url URL  --format json|xml\n"
    "    --api-key-file FILE  --secret-file FILE   (copied into DIR/secrets/)\n"
    "    --pin-sha256 sha256//BASE64 (one or more)  --ca-bundle FILE\n"
    "    --client-cert FILE --client-key FILE  --seal-key HEX\n"
    "    --service JOURNEY-ID=CODE (one or more)\n"
    "  --staff ID             a staff account; the options after it are its own:\n"
    "    --staff-name NAME  --staff-pin-file FILE (a file holding the PIN)\n"
    "\n"
    "Run as root, secrets and the identity key are given to the kiosk's user,\n"
    "$HATCH_SERVICE_USER or hatch, when there is one. Exit status 0 when the\n"
    "device is provisioned, 1 when it is not (nothing written), 2 for a\n"
    "mistake on the command line.\n";

/* ---- the settings as INI text, each line knowing where it came from ---- */

struct ini {
	struct buf b;
	int lines;
	const char *origin[INI_MAX_LINES + 1]; /* [LINE]: the option it came from */
	bool failed;
};

static void ini_add(struct ini *t, const char *origin, const char *fmt, ...)
    HATCH_PRINTF(3, 4);

static void ini_add(struct ini *t, const char *origin, const char *fmt, ...)
{
	if (t->failed)
		return;
	if (t->lines == INI_MAX_LINES) {
		t->failed = true;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	if (buf_vaddf(&t->b, fmt, ap) != HATCH_OK || buf_add(&t->b, "\n", 1) != HATCH_OK)
		t->failed = true;
	va_end(ap);
	t->origin[++t->lines] = origin;
}

/* KEY = VALUE as a line the configuration's parser reads back as VALUE;
 * false (with the reason printed) when no line can. */
static bool ini_value(struct ini *t, const char *origin, const char *key,
                      const char *value)
{
	size_t n = strlen(value);
	bool edge = n && (value[0] == ' ' || value[0] == '\t' || value[n - 1] == ' ' ||
	                  value[n - 1] == '\t');
	bool comment = false;
	for (size_t i = 1; i < n; i++)
		comment = comment || (value[i] == ';' &&
		                      (value[i - 1] == ' ' || value[i - 1] == '\t'));
	if (edge || comment || strchr(value, '\n') || strchr(value, '\r')) {
		fprintf(stderr,
		        "hatch: provision: %s: the value %s, which a configuration file "
		        "cannot "
		        "hold\n",
		        origin,
		        edge      ? "starts or ends with a space"
		        : comment ? "has a ';' after a space"
		                  : "has a line break in it");
		return false;
	}
	/* A value starting with ';' would be a comment after a space. */
	ini_add(t, origin, "%s =%s%s", key, value[0] == ';' || !value[0] ? "" : " ",
	        value);
	return true;
}

/* ---- options ---- */

struct dest_opts {
	const char *origin;
	char pins[1024];
	size_t npins;
};

/* The settings given as options, as INI text in T; -1 for a usage error
 * (printed), 0 when there are none, 1 when there are. */
static int options_to_ini(int argc, char **argv, struct ini *t, const char **config,
                          const char **from, const char **db)
{
	static const struct {
		const char *opt, *section, *key;
	} global[] = {
	    {"--device-id", "device", "id"},
	    {"--council", "council", "name"},
	    {"--colour", "council", "colour"},
	    {"--color", "council", "colour"},
	    {"--languages", "kiosk", "languages"},
	    {"--tracking-url", "kiosk", "tracking_url"},
	};
	static const struct {
		const char *opt, *key;
	} dest[] = {
	    {"--adapter", "adapter"},           {"--url", "url"},
	    {"--api-key-file", "api_key_file"}, {"--secret-file", "secret_file"},
	    {"--ca-bundle", "ca_bundle"},       {"--client-cert", "client_cert"},
	    {"--client-key", "client_key"},     {"--format", "format"},
	    {"--seal-key", "seal_key"},
	};
	int settings = 0;
	bool in_dest = false, in_staff = false;
	struct dest_opts d = {0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1]) {
			app_usage_error(
			    "provision: unexpected argument '%s' (try hatch provision "
			    "--help)",
			    a);
			return -1;
		}
		if (i + 1 >= argc) {
			app_usage_error("provision: %s needs a value", a);
			return -1;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--config")) {
			*config = v;
			continue;
		}
		if (!strcmp(a, "--from")) {
			*from = v;
			continue;
		}
		if (!strcmp(a, "--db")) {
			*db = v;
			continue;
		}
		settings = 1;
		bool done = false;
		for (size_t g = 0; g < sizeof global / sizeof *global && !done; g++) {
			if (strcmp(a, global[g].opt))
				continue;
			ini_add(t, a, "[%s]", global[g].section);
			if (!ini_value(t, a, global[g].key, v))
				return -2;
			done = true;
		}
		if (done)
			continue;
		if (!strcmp(a, "--set")) {
			const char *dot = strchr(v, '.'), *eq = strchr(v, '=');
			if (!dot || !eq || dot > eq || dot == v || eq == dot + 1) {
				app_usage_error(
				    "provision: --set takes SECTION.KEY=VALUE, as in "
				    "--set kiosk.idle_timeout=180");
				return -1;
			}
			ini_add(t, a, "[%.*s]", (int)(dot - v), v);
			char key[128];
			snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
			if (!ini_value(t, a, key, eq + 1))
				return -2;
			continue;
		}
		if (!strcmp(a, "--destination") || !strcmp(a, "--staff")) {
			if (in_dest && d.npins)
				ini_add(t, d.origin, "pinned_keys = %s", d.pins);
			in_dest = !strcmp(a, "--destination");
			in_staff = !in_dest;
			d.origin = a;
			d.npins = 0;
			d.pins[0] = '\0';
			ini_add(t, a, "[%s %s]", in_dest ? "destination" : "staff", v);
			continue;
		}
		for (size_t k = 0; k < sizeof dest / sizeof *dest && !done; k++) {
			if (strcmp(a, dest[k].opt))
				continue;
			if (!in_dest) {
				app_usage_error(
				    "provision: %s belongs to a destination: give "
				    "--destination NAME before it",
				    a);
				return -1;
			}
			if (!ini_value(t, a, dest[k].key, v))
				return -2;
			done = true;
		}
		if (done)
			continue;
		if (!strcmp(a, "--pin-sha256") || !strcmp(a, "--service")) {
			if (!in_dest) {
				app_usage_error(
				    "provision: %s belongs to a destination: give "
				    "--destination NAME before it",
				    a);
				return -1;
			}
			if (!strcmp(a, "--service")) {
				const char *eq = strchr(v, '=');
				if (!eq || eq == v) {
					app_usage_error(
					    "provision: --service takes JOURNEY-ID=CODE, "
					    "as in --service missed-bin=4");
					return -1;
				}
				char key[128];
				snprintf(key, sizeof key, "service.%.*s", (int)(eq - v),
				         v);
				if (!ini_value(t, a, key, eq + 1))
					return -2;
			} else {
				size_t o = strlen(d.pins);
				int w = snprintf(d.pins + o, sizeof d.pins - o, "%s%s",
				                 d.npins ? ";" : "", v);
				if (w < 0 || (size_t)w >= sizeof d.pins - o) {
					app_usage_error(
					    "provision: too many --pin-sha256");
					return -1;
				}
				d.npins++;
			}
			continue;
		}
		if (!strcmp(a, "--staff-name") || !strcmp(a, "--staff-pin-file")) {
			if (!in_staff) {
				app_usage_error(
				    "provision: %s belongs to a staff account: give "
				    "--staff ID before it",
				    a);
				return -1;
			}
			if (!ini_value(t, a,
			               !strcmp(a, "--staff-name") ? "name" : "pin_file",
			               v))
				return -2;
			continue;
		}
		app_usage_error("provision: unknown option '%s'", a);
		return -1;
	}
	if (in_dest && d.npins)
		ini_add(t, d.origin, "pinned_keys = %s", d.pins);
	return settings;
}

/* ---- the terminal ---- */

static struct termios saved_tty;
static volatile sig_atomic_t echo_off;

static void restore_echo(void)
{
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
		echo_off = 0;
	}
}

static void on_signal(int sig)
{
	restore_echo();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Asks QUESTION, showing DEF (when not NULL or "") as what Enter keeps.
 * The answer, without its spaces at either end, goes into OUT (SIZE
 * bytes); DEF when it is empty. False at the end of input. With SECRET the
 * answer is not echoed. */
static bool ask(const char *question, const char *def, char *out, size_t size,
                bool secret)
{
	struct termios quiet;
	/* Echo goes off before the question, so that nothing typed after it
	 * is shown (and nothing typed ahead is thrown away). */
	if (secret && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		quiet = saved_tty;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		echo_off = 1;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (def && *def)
		printf("%s [%s]: ", question, def);
	else
		printf("%s: ", question);
	fflush(stdout);
	bool got = fgets(out, (int)size, stdin) != NULL;
	if (secret) {
		restore_echo();
		putchar('\n');
	}
	if (!got)
		return false;
	size_t n = strlen(out);
	bool whole = n && out[n - 1] == '\n';
	if (!whole && n + 1 == size) {
		/* Far too long: the rest of the line is dropped with it. */
		int c;
		while ((c = getchar()) != EOF && c != '\n')
			;
		out[0] = '\0';
		printf("That is too long.\n");
		return ask(question, def, out, size, secret);
	}
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ' ||
	             out[n - 1] == '\t'))
		out[--n] = '\0';
	size_t lead = strspn(out, " \t");
	memmove(out, out + lead, n - lead + 1);
	if (!out[0] && def)
		snprintf(out, size, "%s", def);
	return true;
}

/* Whether VALUE is good for KEY in [SECTION] (a destination's after its
 * ADAPTER): the problem config_parse finds with it, if any, in WHY. When
 * good and OUT is not NULL, OUT holds the defaults with it set. */
static bool answer_parse(const char *section, const char *adapter, const char *key,
                         const char *value, char *why, size_t size, struct config *out)
{
	struct ini *t = mem_calloc(1, sizeof *t);
	struct config *c = out ? out : mem_alloc(sizeof *c);
	struct config_problems *p = mem_alloc(sizeof *p);
	snprintf(why, size, "out of memory");
	bool ok = t && c && p;
	if (ok) {
		buf_init(&t->b, CONFIG_FILE_MAX);
		ini_add(t, NULL, "[%s]", section);
		if (adapter)
			ini_add(t, NULL, "adapter = %s", adapter);
		int line = t->lines + 1;
		/* Quietly: the reason is said as the answer's. */
		size_t n = strlen(value);
		bool plain = !(n && (value[0] == ' ' || value[n - 1] == ' '));
		for (size_t i = 1; plain && i < n; i++)
			plain = !(value[i] == ';' &&
			          (value[i - 1] == ' ' || value[i - 1] == '\t'));
		if (!plain) {
			snprintf(why, size,
			         "A configuration file cannot hold a ';' after a space.");
			ok = false;
		} else {
			ini_add(t, NULL, "%s =%s%s", key,
			        value[0] == ';' || !value[0] ? "" : " ", value);
			ok = !t->failed;
		}
		if (ok && config_parse(buf_get(&t->b), t->b.len, c, p) != HATCH_OK) {
			for (size_t i = 0; i < p->n && ok; i++) {
				if (p->v[i].line == line) {
					snprintf(why, size, "%s", p->v[i].reason);
					ok = false;
				}
			}
		}
		buf_cleanup(&t->b);
	}
	if (c != out)
		mem_free(c);
	mem_free(p);
	mem_free(t);
	return ok;
}

static bool answer_ok(const char *section, const char *adapter, const char *key,
                      const char *value, char *why, size_t size)
{
	return answer_parse(section, adapter, key, value, why, size, NULL);
}

/* Asks until the answer is good for KEY in [SECTION]; false at the end of
 * input. EMPTY_OK: an empty answer is taken as it is. */
static bool ask_setting(const char *question, const char *def, const char *section,
                        const char *adapter, const char *key, bool empty_ok, char *out,
                        size_t size)
{
	char why[256];
	for (;;) {
		if (!ask(question, def, out, size, false))
			return false;
		if (empty_ok && !out[0])
			return true;
		if (answer_ok(section, adapter, key, out, why, sizeof why))
			return true;
		printf("  %s\n", why);
	}
}

static bool ask_yes(const char *question, bool def, bool *yes)
{
	char a[16];
	for (;;) {
		if (!ask(question, def ? "y" : "n", a, sizeof a, false))
			return false;
		if (a[0] == 'y' || a[0] == 'Y' || a[0] == 'n' || a[0] == 'N') {
			*yes = a[0] == 'y' || a[0] == 'Y';
			return true;
		}
		printf("  Answer y or n.\n");
	}
}

/* Asks for a file that must be readable now; false at the end of input. */
static bool ask_file(const char *question, const char *def, const char *section,
                     const char *adapter, const char *key, bool empty_ok, char *out,
                     size_t size)
{
	for (;;) {
		if (!ask_setting(question, def, section, adapter, key, empty_ok, out,
		                 size))
			return false;
		if (!out[0] || access(out, R_OK) == 0)
			return true;
		printf("  %s cannot be read: %s\n", out, strerror(errno));
	}
}

/* One destination asked for, appended to C; false at the end of input. */
static bool ask_destination(struct config *c)
{
	char name[ANSWER_MAX], adapter[32], section[128];
	for (;;) {
		if (!ask("Destination name, as the journeys name it", NULL, name,
		         sizeof name, false))
			return false;
		if (id_valid(name, strlen(name), 64) && !config_destination_find(c, name))
			break;
		printf("  %s\n",
		       config_destination_find(c, name)
		           ? "There is a destination of that name already."
		           : "Use 1 to 64 lower-case letters, digits and '-', such as "
		             "waste-services.");
	}
	snprintf(section, sizeof section, "destination %.64s", name);
	if (!ask_setting("Adapter, open311 or webhook", "open311", section, NULL,
	                 "adapter", false, adapter, sizeof adapter))
		return false;
	struct config_destination *d = &c->destinations[c->ndestinations];
	memset(d, 0, sizeof *d);
	snprintf(d->name, sizeof d->name, "%.64s", name);
	snprintf(d->format, sizeof d->format, "json");
	d->adapter =
	    strcmp(adapter, "webhook") ? CONFIG_ADAPTER_OPEN311 : CONFIG_ADAPTER_WEBHOOK;
	bool o311 = d->adapter == CONFIG_ADAPTER_OPEN311;
	if (!ask_setting(o311 ? "Open311 link (https://..., ending with /)"
	                      : "Webhook link (https://...)",
	                 NULL, section, adapter, "url", false, d->url, sizeof d->url))
		return false;
	if (!ask_file(
	        o311 ? "File holding the API key" : "File holding the webhook's secret",
	        NULL, section, adapter, o311 ? "api_key_file" : "secret_file", false,
	        o311 ? d->api_key_file : d->secret_file, sizeof d->api_key_file))
		return false;
	if (!ask_setting("Pinned server key, sha256//... (Enter for none)", NULL, section,
	                 adapter, "pinned_keys", true, d->pinned_keys,
	                 sizeof d->pinned_keys))
		return false;
	if (!ask_file("CA bundle file (Enter for the system's)", NULL, section, adapter,
	              "ca_bundle", true, d->ca_bundle, sizeof d->ca_bundle))
		return false;
	while (o311 && d->nservices < CONFIG_MAX_SERVICES) {
		char svc[ANSWER_MAX], why[256];
		if (!ask("Service code as JOURNEY-ID=CODE (Enter when done)", NULL, svc,
		         sizeof svc, false))
			return false;
		if (!svc[0])
			break;
		char *eq = strchr(svc, '=');
		char key[128];
		if (!eq || eq == svc || (size_t)(eq - svc) > 64) {
			printf("  Write it as missed-bin=4.\n");
			continue;
		}
		snprintf(key, sizeof key, "service.%.*s", (int)(eq - svc), svc);
		if (!answer_ok(section, adapter, key, eq + 1, why, sizeof why)) {
			printf("  %s\n", why);
			continue;
		}
		struct config_service *sv = &d->services[d->nservices++];
		snprintf(sv->journey, sizeof sv->journey, "%.*s", (int)(eq - svc), svc);
		snprintf(sv->code, sizeof sv->code, "%s", eq + 1);
	}
	c->ndestinations++;
	return true;
}

/* One staff account asked for, as a [staff ID] section added to T (its
 * PIN inline); false at the end of input. */
static bool ask_staff(struct ini *t)
{
	char id[ANSWER_MAX], name[ANSWER_MAX], pin[64], again[64];
	struct hatch_error e;
	for (;;) {
		if (!ask("Staff ID", NULL, id, sizeof id, false))
			return false;
		if (staff_id_check(id, &e) == HATCH_OK)
			break;
		printf("  %s\n", e.msg);
	}
	if (!ask("Their name, as the kiosk shows it (Enter for none)", NULL, name,
	         sizeof name, false))
		return false;
	bool ok = false;
	for (;;) {
		if (!ask("PIN (not shown)", NULL, pin, sizeof pin, true))
			break;
		if (staff_pin_check(pin, &e) != HATCH_OK) {
			printf("  %s\n", e.msg);
			continue;
		}
		if (!ask("The same PIN again", NULL, again, sizeof again, true))
			break;
		if (strcmp(pin, again)) {
			printf("  The two PINs differ; try again.\n");
			continue;
		}
		ini_add(t, NULL, "[staff %s]", id);
		if (name[0])
			ini_value(t, "the name", "name", name);
		ini_add(t, NULL, "pin = %s", pin);
		ok = true;
		break;
	}
	sodium_memzero(pin, sizeof pin);
	sodium_memzero(again, sizeof again);
	return ok;
}

/* Asks for the setting KEY of [SECTION] as ask_setting does, and sets it
 * in C (as the parser would); NONE, when not NULL, is an answer that means
 * empty. False at the end of input. */
static bool ask_into(struct config *c, const char *question, const char *def,
                     const char *section, const char *key, const char *none)
{
	char answer[ANSWER_MAX], why[256];
	struct config *got = mem_alloc(sizeof *got);
	if (!got)
		return false;
	for (;;) {
		if (!ask(question, def, answer, sizeof answer, false)) {
			mem_free(got);
			return false;
		}
		if (none && !strcmp(answer, none))
			answer[0] = '\0';
		if (answer_parse(section, NULL, key, answer, why, sizeof why, got))
			break;
		printf("  %s\n", why);
	}
	if (!strcmp(key, "id"))
		memcpy(c->device_id, got->device_id, sizeof c->device_id);
	else if (!strcmp(key, "name"))
		memcpy(c->council, got->council, sizeof c->council);
	else if (!strcmp(key, "colour"))
		c->brand = got->brand;
	else if (!strcmp(key, "tracking_url"))
		memcpy(c->tracking_url, got->tracking_url, sizeof c->tracking_url);
	else if (!strcmp(key, "languages")) {
		memcpy(c->languages, got->languages, sizeof c->languages);
		c->nlanguages = got->nlanguages;
	}
	mem_free(got);
	return true;
}

/* The settings asked for on the terminal, as INI text in T: the file at
 * CONFIG (if there is one) gives the answers Enter keeps, and its other
 * settings and destinations are kept. 0 when the technician says write
 * it, 1 when not or at the end of input. */
static int interview(const char *config, struct ini *t)
{
	int status = 1;
	struct config *c = mem_alloc(sizeof *c);
	struct config_problems *p = mem_alloc(sizeof *p);
	struct ini *staff = mem_calloc(1, sizeof *staff);
	char *text = NULL, *formatted = NULL;
	size_t len = 0, flen = 0;
	struct hatch_error e;
	char def[256], host[128];
	if (!c || !p || !staff) {
		fputs("hatch: provision: out of memory\n", stderr);
		goto out;
	}
	buf_init(&staff->b, CONFIG_FILE_MAX);
	config_defaults(c);
	if (platform_read_file(config, CONFIG_FILE_MAX, &text, &len, &e) == HATCH_OK) {
		/* Its good settings, whatever problems it has. */
		if (config_parse(text, len, c, p) != HATCH_OK)
			printf("%s has problems (hatch config check %s shows them); its "
			       "good "
			       "settings are the answers Enter keeps.\n",
			       config, config);
		printf("Provisioning again: Enter keeps what %s says.\n", config);
	} else {
		printf("Provisioning this device; the configuration will be %s.\n",
		       config);
		printf("Enter keeps the answer in [brackets].\n");
	}
	struct config d;
	config_defaults(&d);
	host[0] = '\0';
	if (!c->device_id[0] && gethostname(host, sizeof host) == 0) {
		host[sizeof host - 1] = '\0';
		if (!answer_ok("device", NULL, "id", host, def, sizeof def))
			host[0] = '\0';
	}
	if (!ask_into(c, "Device id", c->device_id[0] ? c->device_id : host, "device",
	              "id", NULL))
		goto eof;
	if (!ask_into(c, "Council's name",
	              strcmp(c->council, d.council) ? c->council : NULL, "council",
	              "name", NULL))
		goto eof;
	snprintf(def, sizeof def, "#%02x%02x%02x", c->brand.r, c->brand.g, c->brand.b);
	if (!ask_into(c, "Council's colour", def, "council", "colour", NULL))
		goto eof;
	def[0] = '\0';
	for (size_t i = 0; i < c->nlanguages; i++) {
		size_t o = strlen(def);
		snprintf(def + o, sizeof def - o, "%s%s", i ? ", " : "", c->languages[i]);
	}
	if (!ask_into(c, "Languages offered, the first one first", def, "kiosk",
	              "languages", NULL))
		goto eof;
	/* The demonstration council's link is not offered for a real one. */
	if (!ask_into(c, "Tracking link, with {reference} (none: no QR code)",
	              c->tracking_url[0] && strcmp(c->tracking_url, d.tracking_url)
	                  ? c->tracking_url
	                  : "none",
	              "kiosk", "tracking_url", "none"))
		goto eof;

	/* Destinations: each one there kept or not, then new ones. */
	size_t kept = 0;
	for (size_t i = 0; i < c->ndestinations; i++) {
		bool yes;
		char q[700];
		snprintf(q, sizeof q, "Keep the destination %s (%s)?",
		         c->destinations[i].name, c->destinations[i].url);
		if (!ask_yes(q, true, &yes))
			goto eof;
		if (yes && kept != i)
			c->destinations[kept] = c->destinations[i];
		kept += yes;
	}
	c->ndestinations = kept;
	for (;;) {
		bool yes;
		if (c->ndestinations == CONFIG_MAX_DESTINATIONS)
			break;
		if (!ask_yes(c->ndestinations ? "Add another destination?"
		                              : "Add a destination?",
		             false, &yes))
			goto eof;
		if (!yes)
			break;
		if (!ask_destination(c))
			goto eof;
	}
	for (;;) {
		bool yes;
		if (!ask_yes("Add a staff account?", false, &yes))
			goto eof;
		if (!yes)
			break;
		if (!ask_staff(staff))
			goto eof;
	}
	bool write;
	if (!ask_yes("Write the configuration and provision the device?", true, &write))
		goto eof;
	if (!write) {
		printf("Nothing was written.\n");
		goto out;
	}
	if (config_format(c, &formatted, &flen, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: provision: %s\n", e.msg);
		goto out;
	}
	if (buf_add(&t->b, formatted, flen) != HATCH_OK ||
	    buf_add(&t->b, buf_get(&staff->b), staff->b.len) != HATCH_OK ||
	    staff->failed) {
		fputs("hatch: provision: too many settings\n", stderr);
		goto out;
	}
	status = 0;
	goto out;
eof:
	printf("\nNo answer; nothing was written.\n");
out:
	mem_free(text);
	mem_free(formatted);
	mem_free(c);
	mem_free(p);
	if (staff) {
		buf_cleanup(&staff->b);
		mem_free(staff);
	}
	return status;
}

/* ---- the identity on the terminal ---- */

static bool dark(const struct provision_identity *id, int x, int y)
{
	return x >= 0 && y >= 0 && x < id->width && y < id->width &&
	       id->modules[(size_t)y * (size_t)id->width + (size_t)x];
}

/* The QR code, two modules to a character cell (UTF-8 half blocks), dark
 * glyphs on a light ground with its quiet zone: on a terminal the colours
 * are set (black on white) so that a dark terminal does not invert it. */
static void print_qr(FILE *out, const struct provision_identity *id, bool colour)
{
	int size = id->width + 2 * QR_QUIET;
	for (int y = 0; y < size; y += 2) {
		if (colour)
			fputs("\x1b[30;107m", out);
		for (int x = 0; x < size; x++) {
			bool top = dark(id, x - QR_QUIET, y - QR_QUIET);
			bool bottom = dark(id, x - QR_QUIET, y + 1 - QR_QUIET);
			fputs(top && bottom ? "\xE2\x96\x88"
			      : top         ? "\xE2\x96\x80"
			      : bottom      ? "\xE2\x96\x84"
			                    : " ",
			      out);
		}
		if (colour)
			fputs("\x1b[0m", out);
		fputc('\n', out);
	}
}

/* ---- staff accounts, in the kiosk user's database ---- */

/* Adds each of PLAN's staff accounts (or sets its PIN when there is one),
 * as the kiosk's user when run as root, in DB or the configuration's
 * database or that user's default. Returns an exit status. */
static int apply_staff(const struct provision_plan *plan, const char *db,
                       const struct config_owner *owner)
{
	if (!db && plan->config.database[0])
		db = plan->config.database;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "hatch: provision: cannot add the staff accounts: %s\n",
		        strerror(errno));
		return 1;
	}
	if (pid > 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
	/* The child: its database files are then the kiosk user's own. */
	int status = 1;
	struct store *s = NULL;
	struct hatch_error e = {""};
	char path[4096];
	if (geteuid() == 0 && owner->uid != 0) {
		struct passwd *pw = getpwuid(owner->uid);
		if (setgroups(0, NULL) != 0 || setgid(owner->gid) != 0 ||
		    setuid(owner->uid) != 0) {
			fprintf(stderr,
			        "hatch: provision: cannot become %s to add the staff "
			        "accounts: %s\n",
			        owner->name, strerror(errno));
			goto out;
		}
		if (pw && pw->pw_dir)
			setenv("HOME", pw->pw_dir, 1);
		unsetenv("XDG_DATA_HOME");
	}
	if (!db) {
		if (store_default_path(path, sizeof path, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: provision: %s\n", e.msg);
			goto out;
		}
		db = path;
	}
	if (store_open(db, &s, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: provision: %s\n", e.msg);
		goto out;
	}
	struct staff_row *rows = NULL;
	size_t nrows = 0;
	long long now = platform_now();
	if (staff_list(s, now, &rows, &nrows, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: provision: %s\n", e.msg);
		goto out;
	}
	status = 0;
	for (size_t i = 0; i < plan->nstaff; i++) {
		const struct provision_staff *a = &plan->staff[i];
		bool exists = false;
		for (size_t r = 0; r < nrows; r++)
			exists = exists || !strcmp(rows[r].id, a->id);
		enum hatch_err rc = exists
		                        ? staff_set_pin(s, a->id, a->pin, &e)
		                        : staff_add(s, a->id, a->name, a->pin, now, &e);
		if (rc != HATCH_OK) {
			fprintf(stderr, "hatch: provision: staff %s: %s\n", a->id, e.msg);
			status = 1;
		} else {
			printf("Staff account %s: %s (in %s).\n", a->id,
			       exists ? "PIN set" : "added", db);
		}
	}
	mem_free(rows);
out:
	store_close(s);
	fflush(stdout);
	fflush(stderr);
	_exit(status);
}

/* ---- the command ---- */

/* keep_existing's answer when there is no configuration yet. */
static struct config no_config;

/* The configuration at CONFIG as it is now (its good settings: P, whose
 * problems are not shown, is only scratch), to keep what the input does not
 * change; &no_config when there is none; NULL, with the reason printed, when
 * it is there but cannot be read. */
static struct config *keep_existing(const char *config, struct config_problems *p)
{
	char *text = NULL;
	size_t len = 0;
	struct hatch_error e;
	enum hatch_err rc = platform_read_file(config, CONFIG_FILE_MAX, &text, &len, &e);
	if (rc == HATCH_ERR_NOTFOUND)
		return &no_config;
	if (rc != HATCH_OK) {
		fprintf(stderr,
		        "hatch: provision: %s: %s; it would be replaced without what it "
		        "says, "
		        "so nothing was written\n",
		        config, rc == HATCH_ERR_LIMIT ? "the file is too large" : e.msg);
		return NULL;
	}
	struct config *c = mem_alloc(sizeof *c);
	if (c && config_parse(text, len, c, p) != HATCH_OK)
		fprintf(stderr,
		        "hatch: provision: warning: %s has problems; only its good "
		        "settings are "
		        "kept\n",
		        config);
	mem_wipe(text, len);
	mem_free(text);
	if (!c)
		fputs("hatch: provision: out of memory\n", stderr);
	return c;
}

/* Prints P's problems: as FILE:LINE: reason for a provisioning file, with
 * the option for options (T's origins), else as they are. */
static void print_problems(const struct config_problems *p, const char *file,
                           const struct ini *t)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct config_problem *pr = &p->v[i];
		if (file && pr->line)
			fprintf(stderr, "%s:%d: %s\n", file, pr->line, pr->reason);
		else if (file)
			fprintf(stderr, "%s: %s\n", file, pr->reason);
		else if (t && pr->line > 0 && pr->line <= t->lines && t->origin[pr->line])
			fprintf(stderr, "hatch: provision: %s: %s\n", t->origin[pr->line],
			        pr->reason);
		else
			fprintf(stderr, "hatch: provision: %s\n", pr->reason);
	}
	if (p->dropped)
		fprintf(stderr, "hatch: provision: and %zu more problems\n", p->dropped);
}

int cmd_provision(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (app_is_help(argv[i])) {
			fputs(provision_help, stdout);
			return 0;
		}
	}
	const char *config = PROVISION_DEFAULT_CONFIG, *from = NULL, *db = NULL;
	int status = 1;
	struct ini *t = mem_calloc(1, sizeof *t);
	struct config_problems *p = mem_calloc(1, sizeof *p);
	struct provision_plan *plan = NULL;
	struct config *keep = NULL;
	char *text = NULL;
	size_t len = 0;
	struct hatch_error e = {""};
	if (!t || !p) {
		fputs("hatch: provision: out of memory\n", stderr);
		goto out;
	}
	buf_init(&t->b, CONFIG_FILE_MAX);
	int settings = options_to_ini(argc, argv, t, &config, &from, &db);
	if (settings < 0) {
		status = settings == -1 ? EXIT_USAGE : 1;
		goto out;
	}
	if (from && settings) {
		status =
		    app_usage_error("provision: give --from FILE or settings, not both");
		goto out;
	}
	if (config[0] != '/') {
		status =
		    app_usage_error("provision: --config needs an absolute path, such as "
		                    "/etc/hatch/hatch.conf");
		goto out;
	}
	if (!from && !settings) {
		if (!isatty(STDIN_FILENO)) {
			status = app_usage_error(
			    "provision: give --from FILE or the settings as "
			    "options, or run it on a terminal to be asked "
			    "(try hatch provision --help)");
			goto out;
		}
		if (interview(config, t) != 0)
			goto out;
	}
	if (t->failed) {
		fputs("hatch: provision: too many settings\n", stderr);
		goto out;
	}
	if (from) {
		enum hatch_err rc =
		    platform_read_file(from, CONFIG_FILE_MAX, &text, &len, &e);
		if (rc != HATCH_OK) {
			fprintf(stderr, "%s: %s\n", from,
			        rc == HATCH_ERR_LIMIT
			            ? "the file is larger than 65536 bytes"
			            : e.msg);
			goto out;
		}
	}
	enum hatch_err rc;
	plan = provision_plan_create(config, &rc, &e);
	if (!plan) {
		fprintf(stderr, "hatch: provision: %s\n", e.msg);
		goto out;
	}
	const char *src = from ? text : buf_get(&t->b);
	size_t srclen = from ? len : t->b.len;
	const struct ini *origins = settings ? t : NULL;
	/* Options and a provisioning file change the configuration there is
	 * (the installer's database path, say); the questions asked already
	 * started from it. */
	if ((from || settings) && !(keep = keep_existing(config, p))) {
		status = 1;
		goto out;
	}
	rc = provision_read(plan, src, srclen, keep == &no_config ? NULL : keep, p);
	if (rc == HATCH_OK || rc == HATCH_ERR_INPUT) {
		/* Every problem at once, the files' too. */
		enum hatch_err frc = provision_read_files(plan, p);
		if (frc != HATCH_OK && rc == HATCH_OK)
			rc = frc;
		else if (frc == HATCH_ERR_NOMEM)
			rc = frc;
	}
	if (rc != HATCH_OK) {
		print_problems(p, from, origins);
		if (rc == HATCH_ERR_NOMEM)
			fputs("hatch: provision: out of memory\n", stderr);
		fprintf(stderr, "hatch: provision: nothing was written\n");
		goto out;
	}
	struct stat fst;
	if (from && plan->inline_secrets && stat(from, &fst) == 0 &&
	    (fst.st_mode & (S_IRGRP | S_IROTH)))
		fprintf(
		    stderr,
		    "hatch: provision: warning: %s holds secrets or PINs and other users "
		    "can read it; delete it once the device is provisioned\n",
		    from);
	struct config_owner owner;
	config_secret_owner(&owner);
	struct provision_done done;
	if (provision_commit(plan, &owner, &done, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: provision: %s\n", e.msg);
		fprintf(stderr, "hatch: provision: nothing was written\n");
		goto out;
	}
	/* The kiosk's own check of what was written. */
	struct config *loaded = mem_alloc(sizeof *loaded);
	if (!loaded) {
		fputs("hatch: provision: out of memory\n", stderr);
		goto out;
	}
	rc = config_load(config, loaded, p, &e);
	mem_free(loaded);
	if (rc != HATCH_OK) {
		print_problems(p, config, NULL);
		if (rc != HATCH_ERR_INPUT)
			fprintf(stderr, "%s: %s\n", config, e.msg);
		fprintf(stderr,
		        "hatch: provision: %s was written but does not pass its check\n",
		        config);
		goto out;
	}
	status = 0;
	struct provision_identity id;
	if (provision_identity_make(plan->config.device_id, plan->config.council,
	                            done.public_key, &id, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: provision: %s\n", e.msg);
		status = 1;
		goto out;
	}
	printf("Provisioned %s for %s.\n", id.device, id.council);
	printf("Configuration: %s (checked)\n", config);
	printf("Identity key:  %s (%s)\n", done.key_path,
	       done.key_created ? "new" : "kept");
	if (plan->no_tracking)
		printf("No tracking link was given (--tracking-url): the confirmation "
		       "shows no "
		       "QR code.\n");
	if (plan->nstaff && apply_staff(plan, db, &owner) != 0)
		status = 1;
	printf("\nScan to enrol this device:\n\n");
	print_qr(stdout, &id, isatty(STDOUT_FILENO));
	printf("\nDevice:   %s\nCouncil:  %s\nKey:      %s\nIdentity: %s\n", id.device,
	       id.council, id.key, id.json);
	provision_identity_cleanup(&id);
out:
	if (keep != &no_config)
		mem_free(keep);
	provision_plan_destroy(plan);
	if (text) {
		mem_wipe(text, len);
		mem_free(text);
	}
	if (t) {
		buf_cleanup(&t->b);
		mem_free(t);
	}
	mem_free(p);
	return status;
}
