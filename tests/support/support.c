/* Shared helpers for the test and benchmark programs. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "base/mem.h"
#include "platform/platform.h"
#include "sdl/sdl.h"
#include "store/gazetteer.h"
#include "store/store.h"
#include "ui/ui.h"

char support_dir[256];

int support_dir_setup(void **state)
{
	(void)state;
	return support_tmpdir_create(support_dir, sizeof support_dir);
}

int support_dir_teardown(void **state)
{
	(void)state;
	return support_tmpdir_remove(support_dir);
}

int support_tmpdir_create(char *dir, size_t size)
{
	if (snprintf(dir, size, "/tmp/hatch-test-XXXXXX") >= (int)size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

int support_tmpdir_remove(const char *dir)
{
	char cmd[600];
	if (snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s'; rm -rf '%s'", dir, dir) >=
	    (int)sizeof cmd)
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

size_t support_load_journeys(const struct cdate *today, struct journey **out, size_t max)
{
	char dir[4096];
	struct hatch_error e;
	if (platform_assets_dir(dir, sizeof dir - 16, &e) != HATCH_OK) {
		fprintf(stderr, "%s\n", e.msg);
		return 0;
	}
	strncat(dir, "/journeys", sizeof dir - strlen(dir) - 1);
	char **files;
	size_t nfiles, n = 0;
	if (platform_list_dir(dir, ".json", &files, &nfiles, &e) != HATCH_OK) {
		fprintf(stderr, "%s\n", e.msg);
		return 0;
	}
	bool ok = true;
	for (size_t i = 0; i < nfiles && n < max && ok; i++) {
		char *data;
		size_t len;
		ok = platform_read_file(files[i], JOURNEY_MAX_BYTES, &data, &len, &e) == HATCH_OK;
		if (!ok) {
			fprintf(stderr, "%s: %s\n", files[i], e.msg);
			break;
		}
		struct journey_diags d;
		journey_diags_init(&d);
		ok = journey_load(data, len, today, &out[n], &d) == HATCH_OK;
		for (size_t k = 0; k < d.n; k++)
			fprintf(stderr, "%s: %s: %s\n", files[i], d.v[k].path ? d.v[k].path : "",
				d.v[k].reason);
		journey_diags_cleanup(&d);
		mem_free(data);
		if (ok)
			n++;
	}
	platform_list_free(files, nfiles);
	if (!ok) {
		while (n)
			journey_destroy(out[--n]);
	}
	return n;
}

json_t *support_path_answers(const struct journey *j, const struct journey_path *p,
			     size_t upto)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < upto && i < p->n; i++) {
		const struct answer *a = p->steps[i].answer;
		if (!a)
			continue;
		const struct journey_step *st = &j->steps[p->steps[i].step];
		json_t *v;
		if (st->kind == STEP_DATE || st->kind == STEP_ADDRESS ||
		    st->kind == STEP_MULTIPLE_CHOICE) {
			v = json_array();
			for (size_t k = 0; k < a->nparts; k++)
				json_array_append_new(v, json_string(a->parts[k]));
		} else {
			v = json_string(a->nparts ? a->parts[0] : "");
		}
		json_object_set_new(o, st->id, v);
	}
	return o;
}

double support_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double support_percentile(double *v, size_t n, double p)
{
	qsort(v, n, sizeof *v, cmp_double);
	size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* ---- every screen ---- */

struct screen_walk {
	const struct support_screens *s;
	const struct journey *j;
	bool seen[JOURNEY_MAX_STEPS];
	size_t visited, summaries;
};

static void tap(struct ui *ui, enum ui_action a, uint64_t ms)
{
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	for (size_t i = 0; i < n; i++)
		if (ws[i].action == a) {
			struct ui_input down = {.kind = UI_IN_DOWN, .x = ws[i].rect.x + 2,
						.y = ws[i].rect.y + 2, .ms = ms};
			struct ui_input up = down;
			up.kind = UI_IN_UP;
			ui_handle(ui, &down);
			ui_handle(ui, &up);
			return;
		}
	fprintf(stderr, "support_each_screen: no widget for action %d\n", (int)a);
	abort();
}

/* Moves focus with Tab to the first control that does A and presses Enter
 * on it, as a keypad would: it need not be on screen. */
static void press(struct ui *ui, enum ui_action a, uint64_t ms)
{
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	for (size_t k = 0; k <= n; k++) {
		int f = ui_focus(ui);
		struct ui_input in = {.kind = UI_IN_KEY, .ms = ms};
		if (f >= 0 && ws[f].action == a) {
			in.key = UI_KEY_ENTER;
			ui_handle(ui, &in);
			return;
		}
		in.key = UI_KEY_TAB;
		ui_handle(ui, &in);
	}
	fprintf(stderr, "support_each_screen: no control for action %d\n", (int)a);
	abort();
}

static void visit(struct screen_walk *w, struct ui *ui, const char *what)
{
	w->s->visit(w->s->user, ui, what);
	w->visited++;
}

/* The address step ST's other faces, reached with the answers O before it
 * and QUERY looked for; DO, when not UI_ACT_NONE, pressed after. */
static void visit_face(struct screen_walk *w, json_t *o, const struct journey_step *st,
		       const char *query, enum ui_action act, const char *what)
{
	json_t *a = json_deep_copy(o);
	json_object_set_new(a, st->id, json_string(query));
	char *text = json_dumps(a, 0);
	struct ui *ui = w->s->make(w->s->user);
	struct hatch_error e;
	if (!ui || ui_show_step(ui, w->j->id, st->id, text, &e) != HATCH_OK) {
		fprintf(stderr, "%s: cannot reach %s: %s\n", w->j->id, st->id,
			ui ? e.msg : "no kiosk");
		abort();
	}
	char name[200];
	snprintf(name, sizeof name, "%s/%s %s", w->j->id, st->id, what);
	visit(w, ui, name);
	if (act != UI_ACT_NONE) {
		press(ui, act, 20000);
		snprintf(name, sizeof name, "%s/%s %s, then action %d", w->j->id, st->id, what,
			 (int)act);
		visit(w, ui, name);
	}
	ui_destroy(ui);
	free(text);
	json_decref(a);
}

static void visit_finder(struct screen_walk *w, json_t *o, const struct journey_step *st)
{
	/* Listed, then Continue with none picked. */
	visit_face(w, o, st, "ZY1 1AA", UI_ACT_CONTINUE, "listing ZY1 1AA");
	/* Not listed: typed in, then Continue with the lines blank. */
	visit_face(w, o, st, "ZY2 3BD", UI_ACT_ADDR_MANUAL, "listing ZY2 3BD");
	/* Found by words; nothing found. */
	visit_face(w, o, st, "Heol", UI_ACT_NONE, "listing what \"Heol\" finds");
	visit_face(w, o, st, "ZY9 9ZZ", UI_ACT_NONE, "finding nothing");
}

static bool walk_path(void *user, const struct journey_path *p)
{
	struct screen_walk *w = user;
	const struct journey *j = w->j;
	for (size_t i = 0; i < p->n; i++) {
		size_t step = p->steps[i].step;
		const struct journey_step *st = &j->steps[step];
		bool last = st->kind == STEP_CHECK_ANSWERS;
		if (last && w->s->summaries && w->summaries >= w->s->summaries)
			break;
		if (w->seen[step] && !last)
			continue;
		w->summaries += last;
		w->seen[step] = true;
		json_t *o = support_path_answers(j, p, i);
		char *text = json_dumps(o, 0);
		struct ui *ui = w->s->make(w->s->user);
		struct hatch_error e;
		if (!ui || ui_show_step(ui, j->id, st->id, text, &e) != HATCH_OK) {
			fprintf(stderr, "%s: cannot reach %s: %s\n", j->id, st->id,
				ui ? e.msg : "no kiosk");
			abort();
		}
		char what[200];
		snprintf(what, sizeof what, "%s/%s", j->id, st->id);
		/* A first layout places the widgets that the taps below find. */
		visit(w, ui, what);
		if (journey_kind_is_question(st->kind) && st->required) {
			/* The answers lead up to the step, not into it: Continue
			 * shows the page with its errors. */
			tap(ui, UI_ACT_CONTINUE, 6000);
			snprintf(what, sizeof what, "%s/%s after Continue", j->id, st->id);
			visit(w, ui, what);
		}
		if (st->kind == STEP_ADDRESS && w->s->addresses)
			visit_finder(w, o, st);
		if (last) {
			tap(ui, UI_ACT_SEND, 9000);
			snprintf(what, sizeof what, "%s/confirmation", j->id);
			visit(w, ui, what);
		}
		ui_destroy(ui);
		free(text);
		json_decref(o);
		if (last)
			break;
	}
	return true;
}

size_t support_each_screen(struct journey *const *js, size_t n, const struct cdate *today,
			   const struct support_screens *s)
{
	struct screen_walk w = {.s = s};
	struct ui *ui = s->make(s->user);
	if (!ui)
		abort();
	visit(&w, ui, "welcome");
	ui_show_screen(ui, UI_SCREEN_SERVICES);
	visit(&w, ui, "services");
	ui_show_screen(ui, UI_SCREEN_HELP);
	visit(&w, ui, "help");
	ui_show_screen(ui, UI_SCREEN_SETTINGS);
	visit(&w, ui, "settings");
	ui_show_screen(ui, UI_SCREEN_SERVICES);
	ui_show_timeout(ui, 1000);
	visit(&w, ui, "the timeout dialog");
	ui_destroy(ui);
	if (s->staff) {
		static const struct {
			enum ui_screen screen;
			const char *id, *what;
		} staff[] = {
			{UI_SCREEN_STAFF_SIGN_IN, "", "staff sign-in"},
			{UI_SCREEN_STAFF, "demo-staff", "the staff dashboard"},
			{UI_SCREEN_TECHNICIAN, "demo-staff", "the technician's checks"},
		};
		for (size_t i = 0; i < sizeof staff / sizeof *staff; i++) {
			if (!(ui = s->make(s->user)))
				abort();
			ui_staff_force(ui, staff[i].id, staff[i].screen);
			visit(&w, ui, staff[i].what);
			ui_destroy(ui);
		}
		if (!(ui = s->make(s->user)))
			abort();
		ui_staff_force(ui, "demo-staff", UI_SCREEN_SERVICES);
		visit(&w, ui, "services in an assisted session");
		ui_destroy(ui);
	}
	for (size_t i = 0; i < n; i++) {
		w.j = js[i];
		w.summaries = 0;
		memset(w.seen, 0, sizeof w.seen);
		struct journey_paths_result res;
		if (journey_paths(js[i], today, 1000000, walk_path, &w, NULL, &res) != HATCH_OK)
			abort();
		mem_free(res.reached);
		for (size_t k = 0; k + 1 < js[i]->nsteps; k++)
			if (!w.seen[k]) {
				fprintf(stderr, "%s: step %s was not reached\n", js[i]->id,
					js[i]->steps[k].id);
				abort();
			}
	}
	return w.visited;
}

void support_submission(json_t *rec, const char *payload, struct store_submission *sub)
{
	json_t *j = json_object_get(rec, "journey");
	*sub = (struct store_submission){
		.uuid = json_string_value(json_object_get(rec, "uuid")),
		.reference = json_string_value(json_object_get(rec, "reference")),
		.journey_id = json_string_value(json_object_get(j, "id")),
		.journey_version = (long)json_integer_value(json_object_get(j, "version")),
		.destination = json_string_value(json_object_get(rec, "destination")),
		.language = json_string_value(json_object_get(rec, "language")),
		.channel = json_string_value(json_object_get(rec, "channel")),
		.payload = payload,
		.created = platform_now(),
	};
}

struct sdl_view *support_view(int w, int h)
{
	char dir[4096];
	struct hatch_error e = {""};
	struct sdl_view *v = NULL;
	if (platform_assets_dir(dir, sizeof dir, &e) != HATCH_OK) {
		fprintf(stderr, "%s\n", e.msg);
		return NULL;
	}
	struct sdl_options o = {dir, true, false, w, h, NULL};
	if (sdl_view_create(&o, &v, &e) != HATCH_OK) {
		fprintf(stderr, "%s\n", e.msg);
		return NULL;
	}
	return v;
}

uint64_t support_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* ---- a gazetteer ---- */

static struct gaz *support_gaz;

int support_gazetteer_open(const char *dir)
{
	char csv[4096], db[4096];
	snprintf(csv, sizeof csv, "%s/addresses.csv", dir);
	snprintf(db, sizeof db, "%s/gazetteer.db", dir);
	FILE *f = fopen(csv, "w+");
	if (!f)
		return -1;
	fputs("uprn,address,town,postcode,lat,long\n", f);
	static const char *const streets[] = {"Venavine Grove", "Corondle Road"};
	for (int i = 1; i <= 29; i++)
		fprintf(f, "%ld,%d %s,Exampleton,ZY1 1AA,52.79%04d,-1.60%04d\n", 100090000100L + i,
			i, streets[i % 2], i * 7, i * 5);
	fputs("100090000200,\"Flat 12, The Old Co-operative Buildings, 147-149 Tamurrel "
	      "Road\",Exampleton,ZY1 1AA,52.7931,-1.6049\n"
	      "100090000301,1 Heol y Felin,Sampleford,ZY2 3BD,52.8010,-1.6120\n"
	      "100090000302,2 Heol y Felin,Sampleford,ZY2 3BD,52.8011,-1.6121\n",
	      f);
	rewind(f);
	struct gaz_import_options opt = {.format = GAZ_SIMPLE};
	struct gaz_import_report rep;
	struct hatch_error e = {""};
	enum hatch_err rc = gaz_import(db, f, csv, &opt, &rep, &e);
	fclose(f);
	if (rc == HATCH_OK && rep.rejected) {
		fprintf(stderr, "support_gazetteer_open: line %lu: %s\n", rep.first[0].line,
			rep.first[0].reason);
		return -1;
	}
	if (rc == HATCH_OK)
		rc = gaz_open(db, &support_gaz, &e);
	if (rc != HATCH_OK)
		fprintf(stderr, "support_gazetteer_open: %s\n", e.msg);
	return rc == HATCH_OK ? 0 : -1;
}

void support_gazetteer_close(void)
{
	gaz_close(support_gaz);
	support_gaz = NULL;
}

enum hatch_err support_find_address(void *user, const char *query, bool by_text,
				    struct ui_address *out, size_t max, size_t *n)
{
	(void)user;
	return app_find_address(support_gaz, query, by_text, out, max, n);
}

/* ---- a dashboard ---- */

static void figure(struct ui_figure_row *r, const char *journey, const char *step, long a, long b)
{
	snprintf(r->journey, sizeof r->journey, "%s", journey);
	snprintf(r->step, sizeof r->step, "%s", step);
	r->a = a;
	r->b = b;
}

void support_dashboard(void *user, struct ui_dashboard *out)
{
	(void)user;
	snprintf(out->dest[0].destination, sizeof out->dest[0].destination, "waste-services");
	out->dest[0].queued = 3;
	out->dest[0].dead = 1;
	out->dest[0].oldest_minutes = 12;
	snprintf(out->dest[1].destination, sizeof out->dest[1].destination, "case-hook");
	out->dest[1].sending = 1;
	out->dest[1].oldest_minutes = -1;
	out->ndest = 2;
	out->dead_total = 1;
	out->ndead = 1;
	snprintf(out->dead[0].reference, sizeof out->dead[0].reference, "K7QM-2D9X-J");
	snprintf(out->dead[0].destination, sizeof out->dead[0].destination, "waste-services");
	snprintf(out->dead[0].reason, sizeof out->dead[0].reason, "400 unknown service code");
	figure(&out->today.journeys[0], "missed-bin", "", 9, 7);
	figure(&out->today.journeys[1], "complaint", "", 2, 0);
	out->today.njourneys = 2;
	figure(&out->today.dropoffs[0], "missed-bin", "address", 2, 0);
	out->today.ndropoffs = 1;
	figure(&out->week.journeys[0], "missed-bin", "", 41, 35);
	figure(&out->week.journeys[1], "blue-badge", "", 12, 8);
	figure(&out->week.journeys[2], "complaint", "", 6, 5);
	out->week.njourneys = 3;
	figure(&out->week.dropoffs[0], "blue-badge", "who", 3, 0);
	figure(&out->week.dropoffs[1], "missed-bin", "address", 2, 0);
	out->week.ndropoffs = 2;
}
