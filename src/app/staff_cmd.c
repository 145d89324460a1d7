/* hatch staff: the staff accounts a technician or manager keeps on a
 * device: add (the PIN typed twice without echo, or one line on standard
 * input with --pin-stdin), list, remove, a new PIN, unlock, and check a
 * PIN as the kiosk would (for scripts and tests). Never prints a PIN or a
 * hash, and a check says no more than the kiosk does: "wrong PIN or unknown
 * staff ID". Prints; store/staff does the work. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "app/app.h"
#include "base/mem.h"
#include "platform/platform.h"
#include "store/staff.h"
#include "store/store.h"

static const char staff_help[] =
	"Usage: hatch staff add ID [--name NAME] [--pin-stdin] [--db PATH]\n"
	"       hatch staff list [--db PATH]\n"
	"       hatch staff remove ID [--db PATH]\n"
	"       hatch staff pin ID [--pin-stdin] [--db PATH]\n"
	"       hatch staff unlock ID [--db PATH]\n"
	"       hatch staff check ID [--pin-stdin] [--db PATH]\n"
	"\n"
	"Keeps the staff accounts that may sign in to assisted digital sessions at\n"
	"this kiosk. An ID is 1 to 32 letters, digits, '.', '_' or '-'. A PIN is 4\n"
	"to 12 digits, not one digit repeated (0000) nor digits in order (1234,\n"
	"9876); it is kept only as an Argon2id hash.\n"
	"\n"
	"  add     a new staff member; the PIN is asked for twice, without echo\n"
	"  list    every staff member, with whether they are locked out\n"
	"  remove  a staff member\n"
	"  pin     a new PIN for a staff member (this also unlocks them)\n"
	"  unlock  lets a locked-out staff member try again at once\n"
	"  check   checks a PIN as the kiosk does: prints \"ok\" (exit 0), or\n"
	"          \"wrong PIN or unknown staff ID\" or \"locked, try again in N s\"\n"
	"          (exit 1). Five wrong PINs in a row lock an ID for five minutes.\n"
	"\n"
	"  --name NAME   the name the kiosk shows for the staff member\n"
	"  --pin-stdin   read the PIN from one line of standard input (for scripts)\n"
	"  --db PATH     the database (default: $HATCH_DB, else\n"
	"                $XDG_DATA_HOME/hatch/hatch.db, else\n"
	"                ~/.local/share/hatch/hatch.db)\n";

/* The longest line read for a PIN: more than any PIN, so that one a little
 * too long is refused by the PIN rules rather than cut. */
#define PIN_LINE 64

/* The terminal's settings while echo is off, to put back on a signal. */
static struct termios saved_tty;
static volatile sig_atomic_t echo_off;

static void restore_echo(void)
{
	if (echo_off) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
		echo_off = 0;
	}
}

static void on_signal(int sig)
{
	restore_echo();
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int echo_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* Reads one line from standard input into PIN (SIZE bytes), a byte at a
 * time so that no copy is left in a stdio buffer. With PROMPT, standard
 * input is a terminal: the prompt goes to stderr and echo is off while the
 * line is typed. 0 with the line (without its end), 1 at the end of input
 * with nothing read, -1 when the line is too long or cannot be read (the
 * reason printed). */
static int read_pin(const char *cmd, const char *prompt, char *pin, size_t size)
{
	struct sigaction sa, old[sizeof echo_signals / sizeof echo_signals[0]];
	if (prompt) {
		if (tcgetattr(STDIN_FILENO, &saved_tty) != 0) {
			fprintf(stderr, "hatch: staff %s: cannot read the terminal: %s\n", cmd,
				strerror(errno));
			return -1;
		}
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof echo_signals / sizeof echo_signals[0]; i++)
			sigaction(echo_signals[i], &sa, &old[i]);
		struct termios quiet = saved_tty;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_off = 1;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fputs(prompt, stderr);
		fflush(stderr);
	}
	/* Zeroed whole, so that two PINs compare byte for byte. */
	memset(pin, 0, size);
	size_t n = 0;
	bool too_long = false, got = false;
	int rc = 0;
	for (;;) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "hatch: staff %s: cannot read the PIN: %s\n", cmd,
				strerror(errno));
			rc = -1;
			break;
		}
		if (r == 0)
			break;
		got = true;
		if (c == '\n')
			break;
		if (n + 1 < size)
			pin[n++] = c;
		else
			too_long = true;
	}
	if (n && pin[n - 1] == '\r')
		n--;
	pin[n] = '\0';
	if (prompt) {
		restore_echo();
		for (size_t i = 0; i < sizeof echo_signals / sizeof echo_signals[0]; i++)
			sigaction(echo_signals[i], &old[i], NULL);
		fputc('\n', stderr);
	}
	if (rc == 0 && too_long) {
		fprintf(stderr, "hatch: staff %s: the PIN is longer than any PIN can be\n", cmd);
		rc = -1;
	}
	if (rc == 0 && !got) {
		rc = 1;
	}
	if (rc != 0)
		sodium_memzero(pin, size);
	return rc;
}

/* Gets the PIN into PIN (PIN_LINE bytes): from standard input with
 * FROM_STDIN, else from the terminal, twice when TWICE (a new PIN), its
 * rules checked first when TWICE. 0, or an exit code. */
static int get_pin(const char *cmd, const char *id, bool from_stdin, bool twice, char *pin)
{
	char prompt[96];
	if (from_stdin) {
		int r = read_pin(cmd, NULL, pin, PIN_LINE);
		if (r > 0)
			fprintf(stderr, "hatch: staff %s: no PIN on standard input\n", cmd);
		return r ? 1 : 0;
	}
	if (!isatty(STDIN_FILENO))
		return app_usage_error("staff %s: no terminal to type the PIN on; give it on "
				       "standard input with --pin-stdin",
				       cmd);
	snprintf(prompt, sizeof prompt, "%s for %s: ", twice ? "New PIN" : "PIN", id);
	int r = read_pin(cmd, prompt, pin, PIN_LINE);
	if (r > 0)
		fprintf(stderr, "hatch: staff %s: no PIN was typed\n", cmd);
	if (r)
		return 1;
	if (!twice)
		return 0;
	struct hatch_error e;
	if (staff_pin_check(pin, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: staff %s: %s\n", cmd, e.msg);
		sodium_memzero(pin, PIN_LINE);
		return 1;
	}
	char again[PIN_LINE];
	r = read_pin(cmd, "The same PIN again: ", again, sizeof again);
	bool same = r == 0 && sodium_memcmp(pin, again, PIN_LINE) == 0;
	sodium_memzero(again, sizeof again);
	if (r == 0 && !same)
		fprintf(stderr, "hatch: staff %s: the two PINs differ; nothing was changed\n",
			cmd);
	if (r > 0)
		fprintf(stderr, "hatch: staff %s: no PIN was typed\n", cmd);
	if (!same) {
		sodium_memzero(pin, PIN_LINE);
		return 1;
	}
	return 0;
}

/* Opens DB, which must exist unless CREATE (a mistyped path would
 * otherwise look like a device with no staff). 0, or an exit code. */
static int open_db(const char *cmd, const char *db, bool create, struct store **s)
{
	struct hatch_error e;
	struct stat st;
	*s = NULL;
	if (!create && stat(db, &st) != 0) {
		fprintf(stderr, "hatch: staff %s: no database at %s\n", cmd, db);
		return 1;
	}
	if (store_open(db, s, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: staff %s: %s\n", cmd, e.msg);
		return 1;
	}
	return 0;
}

/* Names come from the database; a control character must not reach the
 * terminal as such. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int list(const char *db)
{
	struct stat st;
	if (stat(db, &st) != 0) {
		printf("No database at %s, so there are no staff accounts.\n", db);
		return 0;
	}
	struct store *s;
	if (open_db("list", db, false, &s))
		return 1;
	struct staff_row *rows;
	size_t n;
	struct hatch_error e;
	long long now = platform_now();
	enum hatch_err rc = staff_list(s, now, &rows, &n, &e);
	store_close(s);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: staff list: %s\n", e.msg);
		return 1;
	}
	if (!n) {
		printf("No staff accounts. Add one with: hatch staff add ID --name NAME\n");
		return 0;
	}
	int wi = (int)strlen("ID"), wn = (int)strlen("NAME");
	for (size_t i = 0; i < n; i++) {
		printable(rows[i].name);
		int l = (int)strlen(rows[i].id);
		wi = l > wi ? l : wi;
		l = (int)strlen(rows[i].name);
		wn = l > wn ? l : wn;
	}
	printf("%-*s  %-*s  %-20s  %s\n", wi, "ID", wn, "NAME", "CREATED", "STATE");
	for (size_t i = 0; i < n; i++) {
		const struct staff_row *r = &rows[i];
		char created[32], state[64];
		time_t t = (time_t)r->created;
		struct tm tm;
		if (!gmtime_r(&t, &tm) || !strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm))
			snprintf(created, sizeof created, "%lld", r->created);
		if (r->locked)
			snprintf(state, sizeof state, "locked, %lld s left", r->retry_after);
		else if (r->failures)
			snprintf(state, sizeof state, "%d wrong PIN%s", r->failures,
				 r->failures == 1 ? "" : "s");
		else
			snprintf(state, sizeof state, "can sign in");
		printf("%-*s  %-*s  %-20s  %s\n", wi, r->id, wn, r->name[0] ? r->name : "-",
		       created, state);
	}
	printf("%zu staff account%s.\n", n, n == 1 ? "" : "s");
	mem_free(rows);
	return 0;
}

static int add(const char *db, const char *id, const char *name, bool from_stdin)
{
	struct hatch_error e;
	if (staff_name_check(name, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: staff add: %s\n", e.msg);
		return 1;
	}
	struct store *s;
	if (open_db("add", db, true, &s))
		return 1;
	/* A taken ID is said before the PIN is typed, not after. */
	struct staff_row *rows;
	size_t n;
	enum hatch_err rc = staff_list(s, platform_now(), &rows, &n, &e);
	bool taken = false;
	for (size_t i = 0; rc == HATCH_OK && i < n; i++)
		taken = taken || !strcmp(rows[i].id, id);
	mem_free(rows);
	if (rc != HATCH_OK || taken) {
		if (taken)
			fprintf(stderr, "hatch: staff add: there is already a staff member %s\n", id);
		else
			fprintf(stderr, "hatch: staff add: %s\n", e.msg);
		store_close(s);
		return 1;
	}
	char pin[PIN_LINE];
	int x = get_pin("add", id, from_stdin, true, pin);
	if (x) {
		store_close(s);
		return x;
	}
	rc = staff_add(s, id, name, pin, platform_now(), &e);
	sodium_memzero(pin, sizeof pin);
	store_close(s);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: staff add: %s\n", e.msg);
		return 1;
	}
	printf("Added %s.\n", id);
	return 0;
}

static int set_pin(const char *db, const char *id, bool from_stdin)
{
	struct store *s;
	if (open_db("pin", db, false, &s))
		return 1;
	char pin[PIN_LINE];
	int x = get_pin("pin", id, from_stdin, true, pin);
	if (x) {
		store_close(s);
		return x;
	}
	struct hatch_error e;
	enum hatch_err rc = staff_set_pin(s, id, pin, &e);
	sodium_memzero(pin, sizeof pin);
	store_close(s);
	if (rc == HATCH_ERR_NOTFOUND) {
		fprintf(stderr, "hatch: staff pin: there is no staff member %s\n", id);
		return 1;
	}
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: staff pin: %s\n", e.msg);
		return 1;
	}
	printf("The PIN of %s is changed.\n", id);
	return 0;
}

/* remove and unlock. */
static int change(const char *cmd, const char *db, const char *id)
{
	struct store *s;
	if (open_db(cmd, db, false, &s))
		return 1;
	struct hatch_error e;
	bool remove = !strcmp(cmd, "remove");
	enum hatch_err rc = remove ? staff_remove(s, id, &e) : staff_unlock(s, id, &e);
	store_close(s);
	if (rc == HATCH_ERR_NOTFOUND) {
		fprintf(stderr, "hatch: staff %s: there is no staff member %s\n", cmd, id);
		return 1;
	}
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: staff %s: %s\n", cmd, e.msg);
		return 1;
	}
	printf(remove ? "Removed %s.\n" : "%s is unlocked.\n", id);
	return 0;
}

static int check(const char *db, const char *id, bool from_stdin)
{
	struct store *s;
	if (open_db("check", db, false, &s))
		return 1;
	char pin[PIN_LINE];
	int x = get_pin("check", id, from_stdin, false, pin);
	if (x) {
		store_close(s);
		return x;
	}
	enum staff_verdict v;
	long long retry;
	struct hatch_error e;
	enum hatch_err rc =
		staff_check(s, id, pin, platform_now(), &v, &retry, NULL, 0, &e);
	sodium_memzero(pin, sizeof pin);
	store_close(s);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: staff check: %s\n", e.msg);
		return 1;
	}
	if (v == STAFF_OK)
		printf("ok\n");
	else if (v == STAFF_LOCKED)
		printf("locked, try again in %lld s\n", retry);
	else
		printf("wrong PIN or unknown staff ID\n");
	return v == STAFF_OK ? 0 : 1;
}

int cmd_staff(int argc, char **argv)
{
	static const char *const cmds[] = {"add", "list", "remove", "pin", "unlock", "check"};
	for (int i = 1; i < argc; i++)
		if (app_is_help(argv[i])) {
			fputs(staff_help, stdout);
			return 0;
		}
	if (argc < 2)
		return app_usage_error("staff: name a command: add, list, remove, pin, unlock or "
				       "check (try hatch staff --help)");
	const char *cmd = argv[1];
	bool known = false;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		known = known || !strcmp(cmd, cmds[i]);
	if (!known)
		return app_usage_error("staff: unknown command '%s' (try hatch staff --help)", cmd);
	const char *db = NULL, *id = NULL, *name = NULL;
	bool from_stdin = false;
	bool takes_pin = !strcmp(cmd, "add") || !strcmp(cmd, "pin") || !strcmp(cmd, "check");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--db")) {
			if (++i == argc)
				return app_usage_error("staff %s: --db needs a path", cmd);
			db = argv[i];
		} else if (!strcmp(cmd, "add") && !strcmp(argv[i], "--name")) {
			if (++i == argc)
				return app_usage_error("staff add: --name needs a name");
			name = argv[i];
		} else if (takes_pin && !strcmp(argv[i], "--pin-stdin")) {
			from_stdin = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return app_usage_error("staff %s: unknown option '%s'", cmd, argv[i]);
		} else if (!id && strcmp(cmd, "list")) {
			id = argv[i];
		} else {
			return app_usage_error("staff %s: unexpected argument '%s'", cmd, argv[i]);
		}
	}
	struct hatch_error e;
	if (strcmp(cmd, "list")) {
		if (!id)
			return app_usage_error("staff %s: name the staff ID", cmd);
		if (staff_id_check(id, &e) != HATCH_OK)
			return app_usage_error("staff %s: %s", cmd, e.msg);
	}
	char def[4096];
	if (!db) {
		if (store_default_path(def, sizeof def, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: staff %s: %s\n", cmd, e.msg);
			return 1;
		}
		db = def;
	}
	if (!strcmp(cmd, "list"))
		return list(db);
	if (!strcmp(cmd, "add"))
		return add(db, id, name, from_stdin);
	if (!strcmp(cmd, "pin"))
		return set_pin(db, id, from_stdin);
	if (!strcmp(cmd, "check"))
		return check(db, id, from_stdin);
	return change(cmd, db, id);
}
