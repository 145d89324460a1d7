/* Walking a journey on a terminal: for authors trying a journey, and for
 * tests that drive the engine end to end from a script. Lines starting with
 * ':' are commands (:back, :quit, :change N); everything else is an answer. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "base/mem.h"
#include "core/reference.h"
#include "core/session.h"
#include "platform/platform.h"

#define LINE_MAX_BYTES 8192

struct walk {
	const struct journey *j;
	struct session *s;
	FILE *in, *out;
	bool quiet;
	char line[LINE_MAX_BYTES];
};

static void say(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct walk *w, const char *fmt, ...)
{
	if (w->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(w->out, fmt, ap);
	va_end(ap);
}

enum input { IN_LINE, IN_EOF, IN_BACK, IN_QUIT, IN_CHANGE, IN_BAD };

/* Reads one line into w->line without its newline. */
static enum input read_line(struct walk *w, const char *prompt, long *arg)
{
	say(w, "%s", prompt);
	fflush(w->out);
	if (!fgets(w->line, sizeof w->line, w->in))
		return IN_EOF;
	size_t n = strlen(w->line);
	if (n && w->line[n - 1] != '\n' && !feof(w->in)) {
		/* Longer than a line can be: drop the rest and say so. */
		int c;
		while ((c = fgetc(w->in)) != EOF && c != '\n')
			;
		fprintf(stderr, "That line is too long (the limit is %d bytes).\n",
			LINE_MAX_BYTES - 2);
		return IN_BAD;
	}
	while (n && (w->line[n - 1] == '\n' || w->line[n - 1] == '\r'))
		w->line[--n] = '\0';
	if (w->line[0] != ':')
		return IN_LINE;
	if (!strcmp(w->line, ":back"))
		return IN_BACK;
	if (!strcmp(w->line, ":quit"))
		return IN_QUIT;
	if (!strncmp(w->line, ":change ", 8)) {
		char *end;
		*arg = strtol(w->line + 8, &end, 10);
		if (*end == '\0' && *arg > 0)
			return IN_CHANGE;
	}
	fprintf(stderr, "Unknown command %.40s (use :back, :quit, or :change N at check your answers).\n",
		w->line);
	return IN_BAD;
}

static void show_paragraphs(struct walk *w, const struct journey_step *st)
{
	for (size_t i = 0; i < st->nbody; i++)
		say(w, "  %s\n", st->body[i]);
	for (size_t i = 0; i < st->nbullets; i++)
		say(w, "   * %s\n", st->bullets[i]);
}

static void show_step(struct walk *w)
{
	const struct journey_step *st = session_step(w->s);
	size_t at, total;
	session_progress(w->s, &at, &total);
	say(w, "\n");
	if (at)
		say(w, "[Question %zu of %zu] ", at, total);
	say(w, "%s\n", journey_step_heading(st) ? journey_step_heading(st)
						: "Check your answers before sending");
	if (st->hint)
		say(w, "  %s\n", st->hint);
	if (!st->required && journey_kind_is_question(st->kind))
		say(w, "  (optional)\n");
	for (size_t i = 0; i < st->noptions; i++)
		say(w, "  %zu) %s%s%s\n", i + 1, st->options[i].label,
		    st->options[i].hint ? " - " : "",
		    st->options[i].hint ? st->options[i].hint : "");
	if (st->kind == STEP_YES_NO)
		say(w, "  1) Yes\n  2) No\n");
	show_paragraphs(w, st);
}

/* Maps a typed choice ("2", "pip", "Yes") to the option's value. */
static const char *choice_value(const struct journey_step *st, const char *t)
{
	while (isspace((unsigned char)*t))
		t++;
	if (st->kind == STEP_YES_NO) {
		if (!strcasecmp(t, "1") || !strcasecmp(t, "y") || !strcasecmp(t, "yes"))
			return "yes";
		if (!strcasecmp(t, "2") || !strcasecmp(t, "n") || !strcasecmp(t, "no"))
			return "no";
		return t;
	}
	char *end;
	long k = strtol(t, &end, 10);
	if (*t && *end == '\0' && k >= 1 && (size_t)k <= st->noptions)
		return st->options[k - 1].value;
	return t;
}

static void show_errors(struct walk *w)
{
	const struct session_error *errs;
	size_t n = session_errors(w->s, &errs);
	/* Errors go to stderr too when quiet, so a script sees why it stalled. */
	FILE *f = w->quiet ? stderr : w->out;
	fprintf(f, "There is a problem:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  - %s\n", errs[i].message);
}

/* Gathers the parts of the current question. Returns IN_LINE with the
 * parts filled, or the command that interrupted. */
static enum input ask(struct walk *w, char **parts, size_t *nparts)
{
	const struct journey_step *st = session_step(w->s);
	long arg;
	enum input r;
	*nparts = 0;
	static const char *const date_prompts[] = {"Day: ", "Month: ", "Year: "};
	static const char *const addr_prompts[] = {
		"Building and street: ", "Building and street line 2 (optional): ",
		"Town or city: ", "Postcode: "};
	size_t want = st->kind == STEP_DATE ? 3 : st->kind == STEP_ADDRESS ? 4 : 1;
	for (size_t i = 0; i < want; i++) {
		const char *prompt = st->kind == STEP_DATE      ? date_prompts[i]
				     : st->kind == STEP_ADDRESS ? addr_prompts[i]
				     : st->kind == STEP_MULTIPLE_CHOICE
					     ? "Choose (numbers separated by commas): "
					     : "> ";
		r = read_line(w, prompt, &arg);
		if (r != IN_LINE) {
			/* A command part way through: the boxes typed so far go. */
			for (size_t k = 0; k < *nparts; k++)
				mem_free_wiped(parts[k]);
			*nparts = 0;
			return r;
		}
		if (st->kind == STEP_MULTIPLE_CHOICE) {
			char *save = w->line, *tok;
			/* Comma-separated: split by hand (strtok is banned). */
			while (save && *nparts < ANSWER_MAX_PARTS) {
				tok = save;
				char *comma = strchr(save, ',');
				if (comma)
					*comma = '\0';
				save = comma ? comma + 1 : NULL;
				while (isspace((unsigned char)*tok))
					tok++;
				if (!*tok)
					continue;
				parts[(*nparts)++] = mem_strdup(choice_value(st, tok));
			}
			return IN_LINE;
		}
		const char *v = w->line;
		if (st->kind == STEP_SINGLE_CHOICE || st->kind == STEP_YES_NO)
			v = *v ? choice_value(st, v) : v;
		parts[(*nparts)++] = mem_strdup(v);
	}
	return IN_LINE;
}

static void free_parts(char **parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mem_free_wiped(parts[i]);
}

static int check_answers(struct walk *w, const char *language, char **record)
{
	struct session_rows rows;
	if (session_summary(w->s, &rows) != HATCH_OK) {
		fprintf(stderr, "hatch: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < rows.n; i++) {
		say(w, "  %zu. %s\n", i + 1, rows.v[i].label);
		const char *v = rows.v[i].value;
		if (!*v)
			v = "Not answered";
		say(w, "       ");
		for (; *v; v++) {
			say(w, "%c", *v);
			if (*v == '\n')
				say(w, "       ");
		}
		say(w, "\n");
	}
	const struct journey_step *st = session_step(w->s);
	long arg = 0;
	enum input r;
	for (;;) {
		r = read_line(w, st->button ? "Press Enter to send, or :change N: "
					    : "Press Enter to send, or :change N: ",
			      &arg);
		if (r != IN_BAD)
			break;
	}
	size_t nrows = rows.n;
	size_t change_step = arg > 0 && (size_t)arg <= nrows ? rows.v[arg - 1].step : 0;
	session_rows_cleanup(&rows);
	switch (r) {
	case IN_EOF: return -1;
	case IN_QUIT: return -2;
	case IN_BACK: (void)session_back(w->s); return 0;
	case IN_CHANGE:
		if (arg < 1 || (size_t)arg > nrows ||
		    session_change(w->s, change_step) != HATCH_OK)
			fprintf(stderr, "There is no answer %ld to change.\n", arg);
		return 0;
	default: break;
	}

	uint8_t rnd[16 + 16];
	struct hatch_error e;
	if (platform_random(rnd, sizeof rnd, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		return 1;
	}
	char uuid[UUID_SIZE], ref[REFERENCE_SIZE];
	uint64_t seq, key;
	memcpy(&seq, rnd + 16, 8);
	memcpy(&key, rnd + 24, 8);
	uuid_format(rnd, uuid);
	/* A walk sends nothing, so its reference comes from a random sequence
	 * number rather than the device's. */
	reference_make(seq % REFERENCE_SPACE, key, ref);
	struct session_meta meta = {uuid, ref, language, false, NULL, platform_now()};
	if (session_submit(w->s, &meta, record) != HATCH_OK) {
		fprintf(stderr, "hatch: the submission could not be made\n");
		return 1;
	}
	return 0;
}

int app_walk(const struct journey *j, FILE *in, FILE *out, bool record_only,
	     const char *language)
{
	struct cdate today = platform_today();
	struct walk w = {.j = j, .in = in, .out = out, .quiet = record_only};
	w.s = session_create(j, &today);
	if (!w.s) {
		fprintf(stderr, "hatch: out of memory\n");
		return 1;
	}
	say(&w, "%s\n%s\n", j->title, j->description);
	char *record = NULL;
	int status = 0;
	while (!session_finished(w.s)) {
		const struct journey_step *st = session_step(w.s);
		show_step(&w);
		if (st->kind == STEP_CHECK_ANSWERS) {
			int r = check_answers(&w, language, &record);
			if (r != 0) {
				status = r == -2 ? 0 : 1;
				if (r == -1)
					fprintf(stderr, "hatch: the input ended before the journey did\n");
				goto out;
			}
			continue;
		}
		char *parts[ANSWER_MAX_PARTS];
		size_t nparts = 0;
		long arg;
		enum input r;
		if (journey_kind_is_question(st->kind))
			r = ask(&w, parts, &nparts);
		else
			r = read_line(&w, "Press Enter to continue: ", &arg);
		for (size_t i = 0; i < nparts; i++)
			if (!parts[i]) {
				free_parts(parts, nparts);
				fprintf(stderr, "hatch: out of memory\n");
				status = 1;
				goto out;
			}
		switch (r) {
		case IN_EOF:
			fprintf(stderr, "hatch: the input ended before the journey did\n");
			status = 1;
			goto out;
		case IN_QUIT: goto out;
		case IN_BACK:
			if (!session_back(w.s))
				fprintf(stderr, "This is the first question.\n");
			continue;
		case IN_BAD:
		case IN_CHANGE:
			if (r == IN_CHANGE)
				fprintf(stderr, "Use :change at check your answers.\n");
			continue;
		case IN_LINE: break;
		}
		enum hatch_err rc =
			session_continue(w.s, (const char *const *)parts, nparts);
		free_parts(parts, nparts);
		if (rc == HATCH_ERR_INPUT)
			show_errors(&w);
		else if (rc != HATCH_OK) {
			fprintf(stderr, "hatch: %s\n", err_name(rc));
			status = 1;
			goto out;
		}
	}
	const struct journey_step *end = session_step(w.s);
	say(&w, "\n");
	if (end->stop) {
		say(&w, "%s\n", end->title);
		show_paragraphs(&w, end);
		say(&w, "\nNothing was sent.\n");
	} else {
		say(&w, "%s\nYour reference number: %s\n", end->title,
		    session_reference(w.s));
		show_paragraphs(&w, end);
		say(&w, "\nThe record that would be sent to \"%s\":\n",
		    session_destination(w.s));
		fprintf(out, "%s\n", record);
	}
out:
	mem_free_wiped(record);
	session_destroy(w.s);
	return status;
}
