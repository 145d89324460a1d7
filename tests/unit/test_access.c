/* The accessibility checker: every screen of the kiosk and of every bundled
 * journey (support_each_screen), in every shipped language with its real
 * catalog, at 800x480 and 1920x1080, at 100% and 200% text, in the
 * standard and the high contrast theme, laid out with the real fonts and
 * shaping. On each it checks:
 *   - the contrast of every visible text run against what is under it
 *     (4.5:1 standard, 7:1 high contrast), and of every control's boundary
 *     and the focus ring against the page (3:1);
 *   - every control at least the minimum target, none overlapping;
 *   - every control in the focus order, which follows reading order (left
 *     to right, or right to left for Urdu and Arabic; header, page, footer,
 *     keyboard);
 *   - every control named, in the language shown: a catalog that
 *     translates every message of locales/hatch.pot must translate every
 *     string the screens ask it for;
 *   - no text cut by its control or running off the screen.
 * Prints the number of screens and checks and the worst contrast found;
 * any violation fails. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/mem.h"
#include "core/reference.h"
#include "i18n/i18n.h"
#include "i18n/i18n_int.h"
#include "platform/platform.h"
#include "sdl/sdl.h"
#include "support.h"
#include "ui/ui.h"

static struct sdl_view *view;
static struct journey *journeys[32];
static size_t njourneys;
static const struct cdate today = {2026, 6, 15};
static struct i18n *cats;
static struct ui_language langs[8];
static size_t nlangs;

/* What the screens are checked in now. */
static struct {
	size_t lang;
	struct ui_prefs prefs;
	bool complete;          /* the language's catalog translates all of hatch.pot */
	const struct i18n_catalog *cat;
} now;

static size_t screens, checks, violations;
static double worst = 100.0;
static char worst_what[600];

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
	if (violations++ < 40) {
		va_list ap;
		va_start(ap, fmt);
		fputs("# ", stdout);
		vprintf(fmt, ap);
		putchar('\n');
		va_end(ap);
	}
}

/* ---- translation through the real catalogs, with misses recorded ---- */

static const char *tr_text(void *user, const char *english)
{
	(void)user;
	checks++;
	if (now.complete && !i18n_has(now.cat, english))
		violation("[%s] untranslated: \"%.80s\"", langs[now.lang].code, english);
	return i18n_text(now.cat, english);
}

static const char *tr_ntext(void *user, const char *singular, const char *plural,
			    unsigned long n)
{
	(void)user;
	checks++;
	if (now.complete && !i18n_has(now.cat, singular))
		violation("[%s] untranslated: \"%.80s\"", langs[now.lang].code, singular);
	return i18n_ntext(now.cat, singular, plural, n);
}

static enum hatch_err submit(void *user, struct session *s, const char *language, char *ref)
{
	(void)user;
	(void)s;
	(void)language;
	snprintf(ref, REFERENCE_SIZE, "HDP4-19BC-P");
	return HATCH_OK;
}

static struct cdate host_today(void *user)
{
	(void)user;
	return today;
}

static struct ui *make(void *user)
{
	(void)user;
	struct ui_config cfg = {"Demonstration District Council", {29, 112, 184, 255},
				"https://council.example/track/{reference}", 120, 30, 96, langs,
				nlangs};
	struct ui_host host = {NULL, submit, host_today, {tr_text, tr_ntext, NULL}, NULL,
			       support_find_address};
	struct ui *ui = ui_create(&cfg, &host, (const struct journey *const *)journeys, njourneys);
	if (ui) {
		ui_select_language(ui, langs[now.lang].code);
		ui_set_prefs(ui, &now.prefs);
		/* The staff screens with something in every part. */
		struct ui_staff_host sh = {.dashboard = support_dashboard, .may_pause = true};
		ui_set_staff(ui, &sh);
	}
	return ui;
}

/* ---- colour ---- */

static double channel(int c)
{
	double v = c / 255.0;
	return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

static double luminance(struct ui_color c)
{
	return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

static double contrast(struct ui_color a, struct ui_color b)
{
	double la = luminance(a), lb = luminance(b);
	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

static struct ui_color over(struct ui_color top, struct ui_color under)
{
	double a = top.a / 255.0;
	return (struct ui_color){(uint8_t)lround(top.r * a + under.r * (1 - a)),
				 (uint8_t)lround(top.g * a + under.g * (1 - a)),
				 (uint8_t)lround(top.b * a + under.b * (1 - a)), 255};
}

static bool contains(const struct ui_rect *r, int x, int y)
{
	return x >= r->x && y >= r->y && x < r->x + r->w && y < r->y + r->h;
}

/* The colour at X, Y just before command UPTO is drawn, leaving out the
 * fills of widget SKIP (-2: none). */
static struct ui_color colour_at(const struct ui_draw_list *d, size_t upto, int x, int y,
				 int skip)
{
	struct ui_color c = {255, 255, 255, 255};
	struct ui_rect clip = {0, 0, 100000, 100000};
	for (size_t i = 0; i < upto && i < d->n; i++) {
		const struct ui_cmd *k = &d->cmds[i];
		if (k->kind == UI_CMD_CLIP)
			clip = k->r;
		else if (k->kind == UI_CMD_UNCLIP)
			clip = (struct ui_rect){0, 0, 100000, 100000};
		else if (k->kind == UI_CMD_RECT && k->widget != skip && contains(&k->r, x, y) &&
			 contains(&clip, x, y))
			c = over(k->color, c);
	}
	return c;
}

static void note_worst(double r, const char *what, const char *text, size_t len)
{
	if (r < worst) {
		worst = r;
		snprintf(worst_what, sizeof worst_what, "%s [%s]: \"%.*s\"", what,
			 langs[now.lang].code, (int)(len < 60 ? len : 60), text);
	}
}

/* ---- the checks ---- */

static bool overlap(const struct ui_rect *a, const struct ui_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h &&
	       b->y < a->y + a->h;
}

static bool is_dialog_action(enum ui_action a)
{
	return a == UI_ACT_MORE_TIME || a == UI_ACT_START_AGAIN || a == UI_ACT_DISMISS;
}

/* Header 0, page 1, footer 2, keyboard 3, dialog 4. */
static int region(const struct ui_widget *w, int body_top)
{
	if (is_dialog_action(w->action))
		return 4;
	if (w->role == UI_ROLE_KEY)
		return 3;
	if (w->in_body)
		return 1;
	return w->rect.y < body_top ? 0 : 2;
}

static void check_screen(struct ui *ui, int w, int h, const char *what)
{
	sdl_view_set_language(view, ui_language(ui));
	assert_int_equal(ui_layout(ui, w, h, sdl_view_metrics(view), 1000), HATCH_OK);
	screens++;
	bool rtl = langs[now.lang].rtl;
	double text_min = now.prefs.high_contrast ? 7.0 : 4.5;
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	const struct ui_draw_list *d = ui_draw(ui);
	const int target = ui_min_target(96);
	bool dialog = false;
	int body_top = h, body_bottom = 0;
	for (size_t i = 0; i < n; i++) {
		dialog |= ws[i].role == UI_ROLE_DIALOG;
		if (ws[i].in_body) {
			body_top = ws[i].rect.y < body_top ? ws[i].rect.y : body_top;
			body_bottom = ws[i].rect.y + ws[i].rect.h;
		}
	}
	/* The body starts below the header: the first body clip says where. */
	for (size_t i = 0; i < d->n; i++)
		if (d->cmds[i].kind == UI_CMD_CLIP) {
			body_top = d->cmds[i].r.y;
			break;
		}
	(void)body_bottom;

	/* Text: contrast, and nothing cut or off the screen. */
	struct ui_rect clip = {0, 0, w, h};
	for (size_t i = 0; i < d->n; i++) {
		const struct ui_cmd *c = &d->cmds[i];
		if (c->kind == UI_CMD_CLIP) {
			clip = c->r;
			continue;
		}
		if (c->kind == UI_CMD_UNCLIP) {
			clip = (struct ui_rect){0, 0, w, h};
			continue;
		}
		if (c->kind != UI_CMD_TEXT)
			continue;
		const char *text = ui_cmd_data(d, c);
		int cx = c->r.x + c->r.w / 2, cy = c->r.y + c->r.h / 2;
		if (!contains(&clip, cx, cy) || cy < 0 || cy >= h)
			continue; /* scrolled out of sight */
		checks++;
		struct ui_color bg = colour_at(d, i, cx, cy, -2);
		double r = contrast(c->color, bg);
		note_worst(r, what, text, c->len);
		if (r < text_min)
			violation("%s [%s]: \"%.*s\" has contrast %.2f:1 (needs %.1f)", what,
				  langs[now.lang].code, (int)(c->len < 60 ? c->len : 60), text, r,
				  text_min);
		checks++;
		if (c->r.x < 0 || c->r.x + c->r.w > w)
			violation("%s [%s]: \"%.*s\" runs off the screen", what, langs[now.lang].code,
				  (int)(c->len < 60 ? c->len : 60), text);
		if (c->widget >= 0 && (size_t)c->widget < n &&
		    ws[c->widget].role != UI_ROLE_TEXTBOX) {
			checks++;
			const struct ui_rect *o = &ws[c->widget].rect;
			if (c->r.x < o->x || c->r.x + c->r.w > o->x + o->w)
				violation("%s [%s]: \"%.*s\" is cut by its control", what,
					  langs[now.lang].code, (int)(c->len < 60 ? c->len : 60), text);
		}
	}

	/* Controls: named, in the focus order, big enough, apart, visible. */
	int focus = ui_focus(ui);
	int prev = -1;
	for (size_t i = 0; i < n; i++) {
		const struct ui_widget *a = &ws[i];
		const char *label = ui_widget_label(ui, a);
		bool interactive = a->action != UI_ACT_NONE;
		if (!interactive)
			continue;
		if (dialog && !is_dialog_action(a->action))
			continue; /* covered by the dialog */
		checks += 3;
		if (!a->focusable)
			violation("%s: \"%s\" is not in the focus order", what, label);
		if (!*label)
			violation("%s: a control (action %d) has no name", what, (int)a->action);
		if (a->role != UI_ROLE_ALERT && (a->rect.w < target || a->rect.h < target))
			violation("%s [%s]: \"%s\" is %dx%d, under the %d px target", what,
				  langs[now.lang].code, label, a->rect.w, a->rect.h, target);
		/* Reading order: regions in turn; within one, rows downwards and
		 * along each row in the language's direction. */
		if (a->focusable && prev >= 0 && (!a->in_body || a->visible)) {
			const struct ui_widget *b = &ws[prev];
			int ra = region(a, body_top), rb = region(b, body_top);
			checks++;
			bool same_row = a->rect.y < b->rect.y + b->rect.h && b->rect.y < a->rect.y + a->rect.h;
			/* The keyboard keeps its layout in every language. */
			bool row_rtl = rtl && ra != 3;
			bool ok = ra > rb ||
				  (ra == rb && (same_row ? (row_rtl ? a->rect.x + a->rect.w <= b->rect.x + b->rect.w
								    : a->rect.x >= b->rect.x)
							 : a->rect.y >= b->rect.y));
			if (!ok)
				violation("%s [%s]: focus goes from \"%s\" (%d,%d %dx%d) to \"%s\" (%d,%d %dx%d) against reading order",
					  what, langs[now.lang].code, ui_widget_label(ui, b), b->rect.x,
					  b->rect.y, b->rect.w, b->rect.h, label, a->rect.x, a->rect.y,
					  a->rect.w, a->rect.h);
		}
		if (a->focusable && (!a->in_body || a->visible))
			prev = (int)i;
		if (a->role == UI_ROLE_ALERT || (a->in_body && !a->visible))
			continue;
		for (size_t k = i + 1; k < n; k++) {
			const struct ui_widget *b = &ws[k];
			if (b->action == UI_ACT_NONE || b->role == UI_ROLE_ALERT ||
			    a->in_body != b->in_body || (b->in_body && !b->visible))
				continue;
			checks++;
			if (overlap(&a->rect, &b->rect))
				violation("%s: \"%s\" overlaps \"%s\"", what, label,
					  ui_widget_label(ui, b));
		}
		/* The control stands out from the page by 3:1: its fill, its
		 * border, or its icon (icons are drawn dark on light). */
		if (a->role == UI_ROLE_KEY || a->role == UI_ROLE_LINK)
			continue;
		int cx = a->rect.x + a->rect.w / 2, cy = a->rect.y + a->rect.h / 2;
		if (cy < 0 || cy >= h)
			continue;
		size_t first = d->n;
		for (size_t k = 0; k < d->n; k++)
			if (d->cmds[k].widget == (int)i) {
				first = k;
				break;
			}
		struct ui_color page = colour_at(d, first, cx, cy, (int)i);
		double best = 0;
		bool has_icon = false;
		for (size_t k = first; k < d->n; k++) {
			const struct ui_cmd *c = &d->cmds[k];
			if (c->widget != (int)i ||
			    (c->kind == UI_CMD_BORDER && c->r.x < a->rect.x &&
			     c->r.x + c->r.w > a->rect.x + a->rect.w))
				continue; /* the focus ring, checked below */
			if (c->kind == UI_CMD_RECT || c->kind == UI_CMD_BORDER) {
				double r = contrast(c->color, page);
				best = r > best ? r : best;
			}
			has_icon |= c->kind == UI_CMD_ICON;
		}
		checks++;
		if (!has_icon && best < 3.0)
			violation("%s [%s]: the control \"%s\" stands out by only %.2f:1", what,
				  langs[now.lang].code, label, best);
	}
	/* The focus ring, when it shows (keys in use, or a box being typed
	 * in): the borders drawn around the focused control, outside it; its
	 * dark line 3:1 against the page. */
	if (focus >= 0 && ws[focus].visible) {
		double best = 0;
		bool ring = false;
		const struct ui_rect *fr = &ws[focus].rect;
		int cx = fr->x - 2, cy = fr->y + fr->h / 2;
		struct ui_color page = colour_at(d, d->n, cx, cy, focus);
		for (size_t k = 0; k < d->n; k++) {
			const struct ui_cmd *c = &d->cmds[k];
			if (c->widget == focus && c->kind == UI_CMD_BORDER && c->r.x < fr->x &&
			    c->r.x + c->r.w > fr->x + fr->w) {
				double r = contrast(c->color, page);
				best = r > best ? r : best;
				ring = true;
			}
		}
		checks += ring;
		if (ring && best < 3.0)
			violation("%s [%s]: the focus ring stands out by only %.2f:1", what,
				  langs[now.lang].code, best);
	}
}

static const int sizes[][2] = {{800, 480}, {1920, 1080}};

static void visit(void *user, struct ui *ui, const char *what)
{
	(void)user;
	char name[400];
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		snprintf(name, sizeof name, "%s at %dx%d, %d%% text%s", what, sizes[s][0],
			 sizes[s][1], now.prefs.text_percent,
			 now.prefs.high_contrast ? ", high contrast" : "");
		check_screen(ui, sizes[s][0], sizes[s][1], name);
	}
}

/* True when the catalog for CODE translates every message of the
 * template. */
static bool complete(const char *pot, const struct i18n_catalog *c)
{
	if (!c)
		return false;
	struct i18n_problems p = {0};
	po_file_t f = i18n_po_read(pot, &p);
	assert_non_null(f);
	po_message_iterator_t it = po_message_iterator(f, NULL);
	po_message_t m;
	bool all = true;
	while ((m = po_next_message(it)) != NULL)
		if (*po_message_msgid(m) && !i18n_has(c, po_message_msgid(m)))
			all = false;
	po_message_iterator_free(it);
	po_file_free(f);
	return all;
}

static void every_screen_in_every_language(void **state)
{
	(void)state;
	char dir[4096], pot[4200];
	struct hatch_error e;
	assert_int_equal(platform_locales_dir(dir, sizeof dir, &e), HATCH_OK);
	snprintf(pot, sizeof pot, "%s/hatch.pot", dir);
	/* Check answers and confirmation for 24 paths of each journey: every
	 * kind of row, without the thousand paths test_ui walks. */
	struct support_screens s = {make, visit, NULL, 24, true, true};
	static const int texts[] = {100, 200};
	for (size_t l = 0; l < nlangs; l++) {
		now.lang = l;
		now.cat = i18n_catalog(cats, langs[l].code);
		now.complete = complete(pot, now.cat);
		print_message("# %s: %s\n", langs[l].code,
			      l == 0 ? "the source text"
			      : now.complete ? "complete catalog"
			      : now.cat ? "catalog incomplete (English where it lacks a string)"
					: "no catalog");
		for (size_t t = 0; t < 2; t++)
			for (int hc = 0; hc < 2; hc++) {
				now.prefs = (struct ui_prefs){texts[t], hc != 0, false, false};
				support_each_screen(journeys, njourneys, &today, &s);
			}
	}
	print_message("# %zu screens, %zu checks, %zu violations; worst contrast %.2f:1 (%s)\n",
		      screens, checks, violations, worst, worst_what);
	assert_int_equal(violations, 0);
}

static int setup(void **state)
{
	(void)state;
	struct hatch_error e;
	if (!(view = support_view(1920, 1920)))
		return -1;
	njourneys = support_load_journeys(&today, journeys, 32);
	if (support_dir_setup(state) || support_gazetteer_open(support_dir))
		return -1;
	char ldir[4096];
	struct i18n_problems p;
	if (platform_locales_dir(ldir, sizeof ldir, &e) != HATCH_OK ||
	    i18n_open(ldir, &cats, &p, &e) != HATCH_OK)
		return -1;
	for (size_t i = 0; i < p.n; i++)
		fprintf(stderr, "%s:%zu: %s\n", p.v[i].file, p.v[i].line, p.v[i].reason);
	if (p.n)
		return -1;
	size_t nl;
	const struct i18n_language *v = i18n_languages(&nl);
	for (size_t i = 0; i < nl && i < 8; i++)
		langs[nlangs++] = (struct ui_language){v[i].code, v[i].name, v[i].rtl};
	return njourneys ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < njourneys; i++)
		journey_destroy(journeys[i]);
	i18n_close(cats);
	sdl_view_destroy(view);
	support_gazetteer_close();
	return support_dir_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_screen_in_every_language),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
