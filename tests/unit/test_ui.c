/* Unit tests for ui/: every screen of every bundled journey, at 800x480 and
 * 1920x1080 (and portrait 1080x1920), laid out with the real fonts and
 * checked through its widget tree and draw list: every control is in the
 * focus order with a label, targets are big enough and do not overlap,
 * nothing lies outside the screen and no text is cut. Then input: keys,
 * taps, the on-screen keyboard, the error summary, timeouts, double taps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"
#include <jansson.h>

#include "base/mem.h"
#include "core/paths.h"
#include "platform/platform.h"
#include "sdl/sdl.h"
#include "store/staff.h"
#include "store/store.h"
#include "ui/ui.h"

static const struct cdate today = {2026, 6, 15};
static struct sdl_view *view;
static struct journey *journeys[32];
static size_t njourneys;
static int submits;
static bool fail_submit;

static const struct ui_language langs[] = {
	{"en", "English", false}, {"cy", "Cymraeg", false}, {"pl", "Polski", false},
	{"ro", "Rom\xC3\xA2n\xC4\x83", false},
	{"pa", "\xE0\xA8\xAA\xE0\xA9\xB0\xE0\xA8\x9C\xE0\xA8\xBE\xE0\xA8\xAC\xE0\xA9\x80", false},
	{"ur", "\xD8\xA7\xD8\xB1\xD8\xAF\xD9\x88", true},
	{"ar", "\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9", true},
};

static enum hatch_err submit(void *user, struct session *s, const char *language, char *ref)
{
	(void)user;
	(void)language;
	if (fail_submit)
		return HATCH_ERR_IO;
	struct session_meta meta = {"0b7e3c1e-4a5f-4d2b-9c1a-7a6f2b1c9d3e", "K7QM-2D9X-J",
				    "en", false, NULL, 1781524800};
	char *record;
	enum hatch_err rc = session_record(s, &meta, &record);
	if (rc == HATCH_OK) {
		submits++;
		mem_free_wiped(record);
		memcpy(ref, "K7QM-2D9X-J", 12);
	}
	return rc;
}

static struct cdate host_today(void *user)
{
	(void)user;
	return today;
}

/* A kiosk with no gazetteer (addresses typed in), or with the support
 * gazetteer when FINDER. */
static struct ui *make_kiosk(int idle, bool finder)
{
	struct ui_config cfg = {"Demonstration District Council", {29, 112, 184, 255},
				"https://council.example/track/{reference}", idle, 30, 96, langs,
				sizeof langs / sizeof *langs};
	struct ui_host host = {NULL, submit, host_today, {NULL, NULL, NULL}, NULL,
			       finder ? support_find_address : NULL};
	struct ui *ui = ui_create(&cfg, &host, (const struct journey *const *)journeys, njourneys);
	assert_non_null(ui);
	return ui;
}

static struct ui *make_ui(int idle)
{
	return make_kiosk(idle, false);
}

static int setup(void **state)
{
	(void)state;
	if (!(view = support_view(1920, 1920)))
		return -1;
	njourneys = support_load_journeys(&today, journeys, 32);
	if (support_dir_setup(state) || support_gazetteer_open(support_dir))
		return -1;
	return njourneys ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < njourneys; i++)
		journey_destroy(journeys[i]);
	sdl_view_destroy(view);
	support_gazetteer_close();
	return support_dir_teardown(state);
}

/* ---- the checks every screen must pass ---- */

static bool overlap(const struct ui_rect *a, const struct ui_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h &&
	       b->y < a->y + a->h;
}

static bool inside(const struct ui_rect *in, const struct ui_rect *out)
{
	return in->x >= out->x && in->y >= out->y && in->x + in->w <= out->x + out->w &&
	       in->y + in->h <= out->y + out->h;
}

static size_t screens_checked;

static void check_screen(struct ui *ui, int w, int h, const char *what)
{
	sdl_view_set_language(view, ui_language(ui));
	assert_int_equal(ui_layout(ui, w, h, sdl_view_metrics(view), 1000), HATCH_OK);
	screens_checked++;
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	const int target = ui_min_target(96);
	const struct ui_rect screen = {0, 0, w, h};
	bool dialog = false;
	for (size_t i = 0; i < n; i++)
		dialog |= ws[i].role == UI_ROLE_DIALOG;
	for (size_t i = 0; i < n; i++) {
		const struct ui_widget *a = &ws[i];
		const char *label = ui_widget_label(ui, a);
		bool interactive = a->action != UI_ACT_NONE;
		if (interactive && !a->focusable)
			fail_msg("%s: %s \"%s\" is not in the focus order", what, "widget", label);
		if (a->focusable && !*label)
			fail_msg("%s: a focusable widget (action %d) has no label", what, a->action);
		/* Everything fits across the screen; fixed parts fit within it. */
		if (a->rect.x < 0 || a->rect.x + a->rect.w > w)
			fail_msg("%s: \"%s\" runs off the side (%d+%d of %d)", what, label, a->rect.x,
				 a->rect.w, w);
		if (!a->in_body && !inside(&a->rect, &screen))
			fail_msg("%s: \"%s\" lies outside the screen", what, label);
		if (!interactive || a->role == UI_ROLE_ALERT)
			continue;
		if (a->rect.w < target || a->rect.h < target)
			fail_msg("%s: \"%s\" is %dx%d, smaller than the %d px target", what, label,
				 a->rect.w, a->rect.h, target);
		for (size_t k = i + 1; k < n; k++) {
			const struct ui_widget *b = &ws[k];
			if (b->action == UI_ACT_NONE || b->role == UI_ROLE_ALERT)
				continue;
			/* Under a dialog the page is covered, not competing. */
			if (dialog && a->in_body != b->in_body)
				continue;
			if (a->in_body && b->in_body && (!a->visible || !b->visible))
				;
			else if (a->in_body != b->in_body)
				continue; /* the body scrolls under the fixed parts */
			if (overlap(&a->rect, &b->rect))
				fail_msg("%s: \"%s\" overlaps \"%s\"", what, label,
					 ui_widget_label(ui, b));
		}
	}
	/* No text is cut: every run fits its widget across, and the screen. */
	const struct ui_draw_list *d = ui_draw(ui);
	for (size_t i = 0; i < d->n; i++) {
		const struct ui_cmd *c = &d->cmds[i];
		if (c->kind != UI_CMD_TEXT)
			continue;
		char text[200];
		snprintf(text, sizeof text, "%.*s", (int)(c->len < 150 ? c->len : 150),
			 ui_cmd_data(d, c));
		if (c->widget >= 0 && (size_t)c->widget < n) {
			const struct ui_widget *o = &ws[c->widget];
			if (o->role == UI_ROLE_TEXTBOX)
				continue; /* typed text slides inside its box */
			if (c->r.x < o->rect.x || c->r.x + c->r.w > o->rect.x + o->rect.w)
				fail_msg("%s: \"%s\" is cut by its widget (%d+%d outside %d+%d)", what,
					 text, c->r.x, c->r.w, o->rect.x, o->rect.w);
		}
		if (c->r.x < 0 || c->r.x + c->r.w > w)
			fail_msg("%s: \"%s\" runs off the screen (%d+%d of %d)", what, text, c->r.x,
				 c->r.w, w);
	}
}

static const int sizes[][2] = {{800, 480}, {1920, 1080}, {1080, 1920}, {1024, 600}, {1280, 800}};

static void check_all_sizes(struct ui *ui, const char *what)
{
	char name[300];
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		snprintf(name, sizeof name, "%s at %dx%d", what, sizes[s][0], sizes[s][1]);
		check_screen(ui, sizes[s][0], sizes[s][1], name);
	}
}

/* Every screen of the kiosk and every step of every journey, reached by a
 * path's own answers, each at every size. */
static struct ui *make_default(void *user)
{
	(void)user;
	struct ui *ui = make_kiosk(120, true);
	struct ui_staff_host sh = {.dashboard = support_dashboard, .may_pause = true};
	ui_set_staff(ui, &sh);
	return ui;
}

static void visit_all_sizes(void *user, struct ui *ui, const char *what)
{
	(void)user;
	check_all_sizes(ui, what);
}

static void every_step_of_every_journey(void **state)
{
	(void)state;
	struct support_screens s = {make_default, visit_all_sizes, NULL, 0, true, true};
	size_t n = support_each_screen(journeys, njourneys, &today, &s);
	print_message("# %zu screens checked\n", screens_checked);
	assert_true(n > 100);
}

/* ---- input ---- */

static int find(struct ui *ui, enum ui_action a, int arg)
{
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	for (size_t i = 0; i < n; i++)
		if (ws[i].action == a && (arg < 0 || ws[i].arg == arg))
			return (int)i;
	return -1;
}

static int find_key(struct ui *ui, const char *label)
{
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	for (size_t i = 0; i < n; i++)
		if (ws[i].action == UI_ACT_KEY && !strcmp(ui_widget_label(ui, &ws[i]), label))
			return (int)i;
	return -1;
}

static uint64_t clock_ms = 100000;

static void relayout(struct ui *ui)
{
	sdl_view_set_language(view, ui_language(ui));
	assert_int_equal(ui_layout(ui, 800, 480, sdl_view_metrics(view), clock_ms), HATCH_OK);
}

static void tap(struct ui *ui, int index)
{
	assert_true(index >= 0);
	size_t n;
	const struct ui_widget *w = &ui_widgets(ui, &n)[index];
	assert_true(w->visible);
	/* Near the top: a tile may run under the footer, where it takes no
	 * taps. */
	int dy = w->rect.h / 2 < 12 ? w->rect.h / 2 : 12;
	struct ui_input in = {.kind = UI_IN_DOWN, .x = w->rect.x + w->rect.w / 2,
			      .y = w->rect.y + dy, .ms = clock_ms};
	ui_handle(ui, &in);
	in.kind = UI_IN_UP;
	in.ms = clock_ms += 80;
	ui_handle(ui, &in);
	clock_ms += 500; /* past the guard after a page change */
	relayout(ui);
}

static void key(struct ui *ui, enum ui_key k, bool shift)
{
	struct ui_input in = {.kind = UI_IN_KEY, .key = k, .shift = shift, .ms = clock_ms += 50};
	ui_handle(ui, &in);
	relayout(ui);
}

static void type(struct ui *ui, const char *text)
{
	struct ui_input in = {.kind = UI_IN_TEXT, .ms = clock_ms += 50};
	snprintf(in.text, sizeof in.text, "%s", text);
	ui_handle(ui, &in);
	relayout(ui);
}

static const char *step_id(struct ui *ui)
{
	return session_step(ui_session(ui))->id;
}

static size_t journey_index(const char *id)
{
	for (size_t i = 0; i < njourneys; i++)
		if (!strcmp(journeys[i]->id, id))
			return i;
	fail_msg("no journey %s", id);
	return 0;
}

static void touch_and_keys_through_a_journey(void **state)
{
	(void)state;
	struct ui *ui = make_ui(120);
	relayout(ui);
	tap(ui, find(ui, UI_ACT_START, -1));
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_SERVICES);
	tap(ui, find(ui, UI_ACT_SERVICE, (int)journey_index("blue-badge")));
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STEP);
	const struct journey_step *first = session_step(ui_session(ui));
	assert_int_equal(first->kind, STEP_SINGLE_CHOICE);

	/* An empty Continue: the error summary takes focus and lists the
	 * problem, and the message also stands beside the field. */
	tap(ui, find(ui, UI_ACT_CONTINUE, -1));
	int alert = find(ui, UI_ACT_ERROR_LINK, -1);
	assert_true(alert >= 0);
	assert_int_equal(ui_focus(ui), alert);
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	assert_string_equal(ui_widget_label(ui, &ws[alert]), "There is a problem");
	const struct ui_draw_list *d = ui_draw(ui);
	int found = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->cmds[i].kind == UI_CMD_TEXT &&
		    !strncmp(ui_cmd_data(d, &d->cmds[i]), first->errors[RULE_REQUIRED],
			     d->cmds[i].len))
			found++;
	assert_true(found >= 2); /* in the summary and beside the field */

	/* Keys: Tab to the first option, Space chooses it, Enter continues. */
	key(ui, UI_KEY_TAB, false);
	key(ui, UI_KEY_TAB, false);
	int fi = ui_focus(ui);
	assert_true(fi >= 0);
	ws = ui_widgets(ui, &n);
	if (ws[fi].action != UI_ACT_OPTION) {
		/* The error link comes first: one more Tab. */
		key(ui, UI_KEY_TAB, false);
		fi = ui_focus(ui);
		ws = ui_widgets(ui, &n);
	}
	assert_int_equal(ws[fi].action, UI_ACT_OPTION);
	type(ui, " ");
	ws = ui_widgets(ui, &n);
	assert_true(ws[ui_focus(ui)].checked);
	const char *before = step_id(ui);
	key(ui, UI_KEY_TAB, true);
	key(ui, UI_KEY_TAB, false);
	/* Continue from the footer with Enter. */
	int cont = find(ui, UI_ACT_CONTINUE, -1);
	while (ui_focus(ui) != cont) {
		key(ui, UI_KEY_TAB, false);
		cont = find(ui, UI_ACT_CONTINUE, -1);
	}
	key(ui, UI_KEY_ENTER, false);
	assert_string_not_equal(step_id(ui), before);

	/* Escape is Back. */
	key(ui, UI_KEY_ESCAPE, false);
	assert_string_equal(step_id(ui), before);
	ui_destroy(ui);
}

static void on_screen_keyboard_and_text_editing(void **state)
{
	(void)state;
	struct ui *ui = make_ui(120);
	struct hatch_error e;
	assert_int_equal(ui_show_step(ui, "complaint", "name", "{\"service\":\"council-tax\",\"what\":\"x\",\"outcome\":\"y\",\"before\":\"no\"}", &e) == HATCH_OK ||
			 ui_show_step(ui, "foi-request", "name", NULL, &e) != HATCH_OK, true);
	ui_destroy(ui);

	ui = make_ui(120);
	/* A text question of the missed bin journey: the name. */
	const char *answers = "{\"bin\":\"refuse\",\"date\":[\"14\",\"6\",\"2026\"],"
			      "\"address\":[\"1 Example Street\",\"\",\"Exampletown\",\"AB1 0AA\"],"
			      "\"on-time\":\"yes\",\"side-waste\":\"no\",\"tag\":\"no\",\"details\":\"\"}";
	assert_int_equal(ui_show_step(ui, "missed-bin", "name", answers, &e), HATCH_OK);
	relayout(ui);
	/* The box has focus and the keyboard is up. */
	int box = find(ui, UI_ACT_FIELD, 0);
	assert_int_equal(ui_focus(ui), box);
	assert_true(find_key(ui, "q") >= 0);
	tap(ui, find_key(ui, "Shift"));
	tap(ui, find_key(ui, "S"));
	tap(ui, find_key(ui, "a"));   /* shift lasts one letter */
	tap(ui, find_key(ui, "m"));
	type(ui, " Examplx");         /* and the physical keyboard */
	key(ui, UI_KEY_BACKSPACE, false);
	tap(ui, find_key(ui, "e"));
	key(ui, UI_KEY_HOME, false);
	key(ui, UI_KEY_RIGHT, true);  /* select the S */
	type(ui, "P");
	key(ui, UI_KEY_END, false);
	tap(ui, find_key(ui, "Delete"));
	tap(ui, find_key(ui, "e"));
	tap(ui, find_key(ui, "Done"));
	assert_int_equal(find_key(ui, "q"), -1);
	tap(ui, find(ui, UI_ACT_CONTINUE, -1));
	const struct session *s = ui_session(ui);
	long name = journey_find_step(session_journey(s), "name");
	assert_string_equal(answer_value(session_answer(s, (size_t)name)), "Pam Example");
	ui_destroy(ui);
}

/* Found driving the kiosk under X: Welcome kept a footer after a session,
 * and a tap on the footer's bare background reached the tile under it. */
static void welcome_stays_clean_and_footer_covers_the_page(void **state)
{
	(void)state;
	struct ui *ui = make_ui(120);
	relayout(ui);
	assert_int_equal(find(ui, UI_ACT_SCROLL_DOWN, -1), -1);
	tap(ui, find(ui, UI_ACT_START, -1));
	assert_true(find(ui, UI_ACT_SCROLL_DOWN, -1) >= 0); /* services overflow */
	tap(ui, find(ui, UI_ACT_BACK, -1));
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	assert_int_equal(find(ui, UI_ACT_SCROLL_DOWN, -1), -1);
	tap(ui, find(ui, UI_ACT_START, -1));
	/* Some tile runs under the footer; tap the footer beside its buttons,
	 * over the tile. */
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	int back = find(ui, UI_ACT_BACK, -1);
	int y = ws[back].rect.y + 2;
	for (size_t i = 0; i < n; i++)
		if (ws[i].action == UI_ACT_SERVICE && ws[i].rect.y < y &&
		    ws[i].rect.y + ws[i].rect.h > y) {
			int x = ws[i].rect.x + ws[i].rect.w / 2;
			bool on_button = false;
			for (size_t k = 0; k < n; k++)
				on_button |= !ws[k].in_body && ws[k].action != UI_ACT_NONE &&
					     x >= ws[k].rect.x && x < ws[k].rect.x + ws[k].rect.w &&
					     y >= ws[k].rect.y && y < ws[k].rect.y + ws[k].rect.h;
			if (on_button)
				continue;
			struct ui_input in = {.kind = UI_IN_DOWN, .x = x, .y = y, .ms = clock_ms += 600};
			ui_handle(ui, &in);
			in.kind = UI_IN_UP;
			in.ms = clock_ms += 50;
			ui_handle(ui, &in);
			relayout(ui);
			assert_int_equal(ui_screen_get(ui), UI_SCREEN_SERVICES);
			break;
		}
	ui_destroy(ui);
}

static void timeout_wipes_and_more_time_keeps(void **state)
{
	(void)state;
	struct ui *ui = make_ui(120);
	relayout(ui);
	assert_int_equal(ui_next_timer(ui, clock_ms), -1); /* Welcome: sleep */
	tap(ui, find(ui, UI_ACT_START, -1));
	tap(ui, find(ui, UI_ACT_SERVICE, (int)journey_index("foi-request")));
	long t = ui_next_timer(ui, clock_ms);
	assert_true(t > 0 && t <= 120000);
	/* Idle: the dialog, with a countdown that wakes each second. */
	struct ui_input tick = {.kind = UI_IN_TICK, .ms = clock_ms + 120001};
	assert_true(ui_handle(ui, &tick));
	clock_ms = tick.ms;
	relayout(ui);
	assert_true(find(ui, UI_ACT_MORE_TIME, -1) >= 0);
	t = ui_next_timer(ui, clock_ms);
	assert_true(t > 0 && t <= 1000);
	tap(ui, find(ui, UI_ACT_MORE_TIME, -1));
	assert_int_equal(find(ui, UI_ACT_MORE_TIME, -1), -1);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STEP);
	/* Focus is back where it was, so typing goes on where it left off. */
	assert_true(ui_focus(ui) >= 0);
	/* Idle again, and no answer this time: back to Welcome, nothing kept. */
	tick.ms = clock_ms + 120001;
	ui_handle(ui, &tick);
	tick.ms += 30001;
	ui_handle(ui, &tick);
	clock_ms = tick.ms;
	relayout(ui);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	assert_null(ui_session(ui));
	assert_int_equal(ui_next_timer(ui, clock_ms), -1);
	ui_destroy(ui);
}

static void double_tap_sends_once_and_failure_keeps_answers(void **state)
{
	(void)state;
	struct ui *ui = make_ui(120);
	struct hatch_error e;
	const char *answers = "{\"permit-type\":\"visitor\",\"address\":[\"1 Example Street\",\"\",\"Exampletown\",\"AB1 0AA\"],"
			      "\"books\":\"2\",\"name\":\"Sam Example\",\"email\":\"sam@example.com\"}";
	if (ui_show_step(ui, "parking-permit", "check", answers, &e) != HATCH_OK)
		fail_msg("%s", e.msg);
	relayout(ui);
	/* The save fails: a message, and the answers stay. */
	fail_submit = true;
	tap(ui, find(ui, UI_ACT_SEND, -1));
	assert_true(find(ui, UI_ACT_DISMISS, -1) >= 0);
	assert_string_equal(step_id(ui), "check");
	tap(ui, find(ui, UI_ACT_DISMISS, -1));
	fail_submit = false;
	/* Two quick taps on Send: one submission. */
	int send = find(ui, UI_ACT_SEND, -1);
	size_t n;
	struct ui_widget w = ui_widgets(ui, &n)[send];
	submits = 0;
	for (int i = 0; i < 2; i++) {
		struct ui_input in = {.kind = UI_IN_DOWN, .x = w.rect.x + 5, .y = w.rect.y + 5,
				      .ms = clock_ms += 40};
		ui_handle(ui, &in);
		in.kind = UI_IN_UP;
		in.ms = clock_ms += 40;
		ui_handle(ui, &in);
		relayout(ui);
	}
	assert_int_equal(submits, 1);
	assert_int_equal(session_step(ui_session(ui))->kind, STEP_CONFIRMATION);
	/* A QR code with a quiet zone, at least 3 px a module. */
	const struct ui_draw_list *d = ui_draw(ui);
	bool qr = false;
	for (size_t i = 0; i < d->n; i++)
		if (d->cmds[i].kind == UI_CMD_QR) {
			qr = true;
			assert_true(d->cmds[i].thickness >= 3);
			const struct ui_widget *img = &ui_widgets(ui, &n)[d->cmds[i].widget];
			assert_true(d->cmds[i].r.x - img->rect.x >= 4 * d->cmds[i].thickness);
		}
	assert_true(qr);
	/* A tap just after the page changed is taken as part of the double
	 * tap and ignored; a later one finishes. */
	tap(ui, find(ui, UI_ACT_FINISH, -1));
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STEP);
	tap(ui, find(ui, UI_ACT_FINISH, -1));
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	assert_null(ui_session(ui));
	ui_destroy(ui);
}

/* ---- settings, speech, languages, keypad ---- */

static char spoken[8][2048];
static size_t nspoken;

static void speak(void *user, const char *language, const char *text, bool interrupt)
{
	(void)user;
	(void)interrupt;
	snprintf(spoken[nspoken % 8], sizeof spoken[0], "%s|%s", language, text);
	nspoken++;
}

/* Taps the first control that does A with ARG, scrolling the page down to
 * it first as a citizen would. */
static void tap_on(struct ui *ui, enum ui_action a, int arg)
{
	for (int i = 0; i < 20; i++) {
		int k = find(ui, a, arg);
		assert_true(k >= 0);
		size_t n;
		const struct ui_widget *w = &ui_widgets(ui, &n)[k];
		/* Wholly in view, so that the tap cannot land on the header. */
		/* The part in view: in the page's clip (below the header, above
		 * the footer), which the draw list's first clip gives. */
		int top = w->rect.y, bot = w->rect.y + w->rect.h, btop = 0, bbot = 480;
		const struct ui_draw_list *d = ui_draw(ui);
		for (size_t c = 0; c < d->n; c++)
			if (d->cmds[c].kind == UI_CMD_CLIP) {
				btop = d->cmds[c].r.y;
				bbot = btop + d->cmds[c].r.h;
				break;
			}
		if (w->in_body) {
			top = top > btop ? top : btop;
			bot = bot < bbot ? bot : bbot;
		}
		if (w->visible && bot > top) {
			/* A person's pause, past the guard after a page change. */
			struct ui_input in = {.kind = UI_IN_DOWN, .x = w->rect.x + w->rect.w / 2,
					      .y = (top + bot) / 2, .ms = clock_ms += 500};
			ui_handle(ui, &in);
			in.kind = UI_IN_UP;
			in.ms = clock_ms += 80;
			ui_handle(ui, &in);
			clock_ms += 500;
			relayout(ui);
			return;
		}
		bool above = w->rect.y <= btop;
		struct ui_input in = {.kind = UI_IN_KEY,
				      .key = above ? UI_KEY_PAGE_UP : UI_KEY_PAGE_DOWN,
				      .ms = clock_ms += 50};
		ui_handle(ui, &in);
		relayout(ui);
	}
	fail_msg("action %d never scrolled into view", (int)a);
}

static const char *last_spoken(void)
{
	return nspoken ? spoken[(nspoken - 1) % 8] : "";
}

static void settings_speech_languages_and_help_key(void **state)
{
	(void)state;
	struct ui_config cfg = {"Demonstration District Council", {29, 112, 184, 255}, NULL,
				120, 30, 96, langs, sizeof langs / sizeof *langs};
	struct ui_host host = {NULL, submit, host_today, {NULL, NULL, NULL}, speak, NULL};
	struct ui *ui = ui_create(&cfg, &host, (const struct journey *const *)journeys, njourneys);
	assert_non_null(ui);
	relayout(ui);
	/* Speech is off until chosen: nothing is said. */
	nspoken = 0;
	tap_on(ui, UI_ACT_START, -1);
	assert_int_equal(nspoken, 0);
	/* The header's one tap: English to Welsh and back. */
	tap_on(ui, UI_ACT_LANG_SWITCH, 1);
	assert_string_equal(ui_language(ui), "cy");
	tap_on(ui, UI_ACT_LANG_SWITCH, 0);
	assert_string_equal(ui_language(ui), "en");
	/* Settings from the header; Done goes back to where the citizen was. */
	tap_on(ui, UI_ACT_SETTINGS, -1);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_SETTINGS);
	tap_on(ui, UI_ACT_TEXT_SIZE, 200);
	tap_on(ui, UI_ACT_CONTRAST, 1);
	tap_on(ui, UI_ACT_EXTRA_TIME, 1);
	tap_on(ui, UI_ACT_LANGUAGE, 5);
	assert_string_equal(ui_language(ui), "ur");
	const struct ui_prefs *p = ui_prefs(ui);
	assert_int_equal(p->text_percent, 200);
	assert_true(p->high_contrast);
	assert_true(p->more_time);
	/* Right to left: the settings page's Done is on the left now. */
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	int done = find(ui, UI_ACT_HELP_RETURN, -1);
	assert_true(ws[done].rect.x < 400);
	tap_on(ui, UI_ACT_SPEECH, 1);
	assert_true(ui_prefs(ui)->speech);
	/* Turning speech on says what is focused, in the language shown. */
	assert_true(nspoken > 0);
	assert_memory_equal(last_spoken(), "ur|", 3);
	/* With speech on a touch first says what it is, and changes nothing... */
	size_t before = nspoken;
	tap_on(ui, UI_ACT_LANGUAGE, 0);
	assert_string_equal(ui_language(ui), "ur");
	assert_true(nspoken > before);
	assert_non_null(strstr(last_spoken(), "English, option, not selected"));
	/* ...a second touch on it acts. */
	tap_on(ui, UI_ACT_LANGUAGE, 0);
	assert_string_equal(ui_language(ui), "en");
	tap_on(ui, UI_ACT_HELP_RETURN, -1);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_SETTINGS);
	assert_non_null(strstr(last_spoken(), "Done, button"));
	tap_on(ui, UI_ACT_HELP_RETURN, -1);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_SERVICES);
	/* A new page is said: its heading first. */
	assert_non_null(strstr(last_spoken(), "en|What do you need to do?"));
	/* More time doubles the wait before "Do you need more time?". */
	assert_true(ui_next_timer(ui, clock_ms) > 200000);
	/* A keypad's Help key asks for staff from anywhere. */
	key(ui, UI_KEY_HELP, false);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_HELP);
	key(ui, UI_KEY_ESCAPE, false);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_SERVICES);
	/* Typing is said character by character. */
	tap_on(ui, UI_ACT_SERVICE, (int)journey_index("foi-request"));
	tap_on(ui, UI_ACT_SERVICE, (int)journey_index("foi-request"));
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STEP);
	/* Past the information page to the first question, a long text. */
	tap_on(ui, UI_ACT_CONTINUE, -1);
	tap_on(ui, UI_ACT_CONTINUE, -1);
	assert_true(find(ui, UI_ACT_FIELD, 0) >= 0);
	type(ui, "Q");
	assert_string_equal(last_spoken(), "en|Q");
	/* The session ends: every setting and the language reset. */
	ui_show_timeout(ui, clock_ms);
	struct ui_input tick = {.kind = UI_IN_TICK, .ms = clock_ms + 120000};
	ui_handle(ui, &tick);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	p = ui_prefs(ui);
	assert_int_equal(p->text_percent, 100);
	assert_false(p->high_contrast || p->speech || p->more_time);
	assert_string_equal(ui_language(ui), "en");
	ui_destroy(ui);
}

/* The address step with a gazetteer: a postcode typed on the postcode
 * keyboard finds the addresses, which are read out as rows; the row picked
 * goes with its UPRN and place; Back, "not listed", words and Change from
 * check your answers each go where a citizen expects. */
static void address_found_picked_or_typed(void **state)
{
	(void)state;
	struct ui_config cfg = {"Demonstration District Council", {29, 112, 184, 255}, NULL,
				120, 30, 96, langs, sizeof langs / sizeof *langs};
	struct ui_host host = {NULL, submit, host_today, {NULL, NULL, NULL}, speak,
			       support_find_address};
	struct ui *ui = ui_create(&cfg, &host, (const struct journey *const *)journeys, njourneys);
	assert_non_null(ui);
	struct hatch_error e;
	static const char answers[] =
		"{\"service\":\"other\",\"what-happened\":\"The light is out.\",\"when\":[\"1\",\"3\",\"2026\"],"
		"\"outcome\":\"Fix it\",\"before\":\"no\",\"name\":\"Sam Example\",\"contact-by\":\"post\"}";
	assert_int_equal(ui_show_step(ui, "complaint", "address", answers, &e), HATCH_OK);
	relayout(ui);
	/* Finding: the box for the postcode has focus and the postcode
	 * keyboard (capitals and digits) is up. */
	int f = ui_focus(ui);
	assert_true(f >= 0);
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	assert_int_equal(ws[f].action, UI_ACT_FIELD);
	assert_int_equal(ws[f].arg, 4);
	assert_true(find_key(ui, "Z") >= 0 && find_key(ui, "1") >= 0);
	/* Nothing typed: the error says what to do. */
	tap_on(ui, UI_ACT_CONTINUE, -1);
	assert_true(find(ui, UI_ACT_ERROR_LINK, 4) >= 0);
	assert_string_equal(ui_widget_label(ui, &ui_widgets(ui, &n)[find(ui, UI_ACT_ERROR_LINK, 4)]),
			    "Enter a postcode");
	/* A postcode with no addresses says so, naming it. */
	tap_on(ui, UI_ACT_FIELD, 4);
	type(ui, "zy9 9zz");
	key(ui, UI_KEY_ENTER, false);
	assert_string_equal(ui_widget_label(ui, &ui_widgets(ui, &n)[find(ui, UI_ACT_ERROR_LINK, 4)]),
			    "No addresses found for ZY9 9ZZ. Check the postcode, or enter the address yourself");
	tap_on(ui, UI_ACT_FIELD, 4);
	key(ui, UI_KEY_SELECT_ALL, false);
	type(ui, "ZY1 1AA");
	/* With speech on, the list is announced and each row read out. */
	struct ui_prefs p = *ui_prefs(ui);
	p.speech = true;
	ui_set_prefs(ui, &p);
	key(ui, UI_KEY_ENTER, false);
	assert_non_null(strstr(last_spoken(), "30 addresses found for ZY1 1AA"));
	assert_non_null(strstr(last_spoken(), "1 Corondle Road, Exampleton, ZY1 1AA, option, not selected"));
	/* Continue without picking asks for one (with speech on, a touch
	 * reads a control and a second acts). */
	tap_on(ui, UI_ACT_CONTINUE, -1);
	tap_on(ui, UI_ACT_CONTINUE, -1);
	assert_true(find(ui, UI_ACT_ERROR_LINK, 0) >= 0);
	/* The keypad moves down the rows; Space picks. */
	key(ui, UI_KEY_DOWN, false);  /* from the summary to its link */
	key(ui, UI_KEY_ENTER, false); /* which goes to the first row */
	key(ui, UI_KEY_DOWN, false);
	key(ui, UI_KEY_SPACE, false);
	f = ui_focus(ui);
	ws = ui_widgets(ui, &n);
	assert_int_equal(ws[f].action, UI_ACT_ADDR_PICK);
	assert_int_equal(ws[f].arg, 1);
	assert_true(ws[f].checked);
	assert_non_null(strstr(last_spoken(), "3 Corondle Road, Exampleton, ZY1 1AA, option, selected"));
	p.speech = false;
	ui_set_prefs(ui, &p);
	/* Back goes to the postcode, still there; finding again lists again. */
	key(ui, UI_KEY_ESCAPE, false);
	assert_string_equal(step_id(ui), "address");
	assert_true(find(ui, UI_ACT_FIELD, 4) >= 0);
	tap_on(ui, UI_ACT_CONTINUE, -1);
	assert_true(find(ui, UI_ACT_ADDR_PICK, 29) >= 0);
	assert_true(find(ui, UI_ACT_ADDR_PICK, 30) < 0);
	tap_on(ui, UI_ACT_ADDR_PICK, 15); /* the long one, between the streets, below the fold */
	tap_on(ui, UI_ACT_CONTINUE, -1);
	assert_string_equal(step_id(ui), "check");
	const struct answer *a = session_answer(ui_session(ui), journey_find_step(session_journey(ui_session(ui)), "address"));
	assert_int_equal(a->nparts, ADDR_PARTS);
	assert_string_equal(a->parts[ADDR_LINE1], "Flat 12, The Old Co-operative Buildings, 147-149 Tamurrel Road");
	assert_string_equal(a->parts[ADDR_UPRN], "100090000200");
	assert_string_equal(a->parts[ADDR_LAT], "52.793100");
	assert_string_equal(a->parts[ADDR_LON], "-1.604900");
	/* Change: the list again, with that address picked. */
	tap_on(ui, UI_ACT_CHANGE, (int)journey_find_step(session_journey(ui_session(ui)), "address"));
	f = ui_focus(ui);
	ws = ui_widgets(ui, &n);
	assert_int_equal(ws[f].action, UI_ACT_ADDR_PICK);
	assert_int_equal(ws[f].arg, 15);
	assert_true(ws[f].checked);
	/* Not listed: the lines to type, the postcode already in. */
	tap_on(ui, UI_ACT_ADDR_MANUAL, 0);
	assert_true(find(ui, UI_ACT_FIELD, ADDR_LINE1) >= 0);
	assert_true(find(ui, UI_ACT_ADDR_PICK, -1) < 0);
	tap_on(ui, UI_ACT_CONTINUE, -1);
	assert_true(find(ui, UI_ACT_ERROR_LINK, ADDR_LINE1) >= 0);
	/* Back from typing returns to the list. */
	tap_on(ui, UI_ACT_BACK, -1);
	assert_true(find(ui, UI_ACT_ADDR_PICK, 0) >= 0);
	/* Words instead of a postcode: the letters keyboard, and what the
	 * words match. */
	tap_on(ui, UI_ACT_ADDR_CHANGE, 0);
	tap_on(ui, UI_ACT_ADDR_BY_TEXT, 1);
	assert_true(find_key(ui, "q") >= 0);
	type(ui, "heol y fel");
	tap_on(ui, UI_ACT_CONTINUE, -1);
	assert_true(find(ui, UI_ACT_ADDR_PICK, 1) >= 0);
	assert_true(find(ui, UI_ACT_ADDR_PICK, 2) < 0);
	tap_on(ui, UI_ACT_ADDR_PICK, 0);
	tap_on(ui, UI_ACT_CONTINUE, -1);
	assert_string_equal(step_id(ui), "check");
	a = session_answer(ui_session(ui), journey_find_step(session_journey(ui_session(ui)), "address"));
	assert_string_equal(a->parts[ADDR_LINE1], "1 Heol y Felin");
	assert_string_equal(a->parts[ADDR_POSTCODE], "ZY2 3BD");
	ui_destroy(ui);
}

/* ---- staff ---- */

static struct store *staff_store;

static enum ui_staff_verdict staff_sign_in_real(void *user, const char *id, const char *pin,
						long *retry_after)
{
	(void)user;
	enum staff_verdict v;
	long long wait = 0;
	struct hatch_error e;
	enum hatch_err rc = staff_check(staff_store, id, pin, platform_now(), &v, &wait, NULL, 0, &e);
	*retry_after = (long)wait;
	return rc != HATCH_OK ? UI_STAFF_WRONG : v == STAFF_OK ? UI_STAFF_OK
					     : v == STAFF_LOCKED ? UI_STAFF_LOCKED
								 : UI_STAFF_WRONG;
}

static void staff_dashboard_fixed(void *user, struct ui_dashboard *out)
{
	(void)user;
	out->ndest = 1;
	snprintf(out->dest[0].destination, sizeof out->dest[0].destination, "waste-services");
	out->dest[0].queued = 3;
	out->dest[0].dead = 1;
	out->dest[0].oldest_minutes = 12;
	out->dead_total = 1;
	out->ndead = 1;
	snprintf(out->dead[0].reference, sizeof out->dead[0].reference, "K7QM-2D9X-J");
	snprintf(out->dead[0].destination, sizeof out->dead[0].destination, "waste-services");
	snprintf(out->dead[0].reason, sizeof out->dead[0].reason, "400 unknown service code");
}

static char retried[32];
static long staff_retry_one(void *user, const char *reference)
{
	(void)user;
	snprintf(retried, sizeof retried, "%s", reference ? reference : "(all)");
	return 1;
}

/* Whether any text the screen draws contains S. */
static bool drawn(struct ui *ui, const char *s)
{
	const struct ui_draw_list *d = ui_draw(ui);
	size_t n = strlen(s);
	for (size_t i = 0; i < d->n; i++) {
		const char *t = ui_cmd_data(d, &d->cmds[i]);
		for (size_t k = 0; d->cmds[i].kind == UI_CMD_TEXT && k + n <= d->cmds[i].len; k++)
			if (!memcmp(t + k, s, n))
				return true;
	}
	return false;
}

static void corner_taps(struct ui *ui, int n)
{
	for (int i = 0; i < n; i++) {
		struct ui_input in = {.kind = UI_IN_DOWN, .x = 10, .y = 10, .ms = clock_ms += 300};
		ui_handle(ui, &in);
		in.kind = UI_IN_UP;
		in.ms = clock_ms += 60;
		ui_handle(ui, &in);
	}
	relayout(ui);
}

static const char *alert_text(struct ui *ui)
{
	size_t n;
	const struct ui_widget *ws = ui_widgets(ui, &n);
	for (size_t i = 0; i < n; i++)
		if (ws[i].role == UI_ROLE_ALERT)
			return ui_widget_label(ui, &ws[i]);
	return "";
}

/* Staff get in by the hidden corner, sign in with ID and PIN (never shown,
 * never said), lock after five wrong PINs whether the ID exists or not,
 * assist a citizen (banner, paused timeout, the submission marked) and
 * hand the kiosk back wiped. */
static void staff_sign_in_assist_hand_back(void **state)
{
	(void)state;
	char db[4200];
	struct hatch_error e;
	snprintf(db, sizeof db, "%s/staff.db", support_dir);
	assert_int_equal(store_open(db, &staff_store, &e), HATCH_OK);
	/* Cheap hashes: this tests the screens, test_staff the hashing. */
	struct staff_limits cheap = {1, 8192};
	assert_int_equal(staff_set_limits(staff_store, &cheap, &e), HATCH_OK);
	assert_int_equal(staff_add(staff_store, "sam", "Sam", "4827", platform_now(), &e), HATCH_OK);
	assert_int_equal(staff_add(staff_store, "kim", "Kim", "5093", platform_now(), &e), HATCH_OK);

	struct ui_config cfg = {"Demonstration District Council", {29, 112, 184, 255}, NULL,
				120, 30, 96, langs, sizeof langs / sizeof *langs};
	struct ui_host host = {NULL, submit, host_today, {NULL, NULL, NULL}, speak, NULL};
	struct ui *ui = ui_create(&cfg, &host, (const struct journey *const *)journeys, njourneys);
	assert_non_null(ui);
	/* No staff host: the corner does nothing. */
	relayout(ui);
	corner_taps(ui, 5);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	struct ui_staff_host sh = {NULL, staff_sign_in_real, staff_dashboard_fixed,
				   staff_retry_one, NULL, NULL, "{\"device\":\"demo-1\"}",
				   true, true, true, 900};
	ui_set_staff(ui, &sh);
	/* Four taps, then a pause, then four more: not five within 5 s. */
	corner_taps(ui, 4);
	clock_ms += 6000;
	corner_taps(ui, 4);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	corner_taps(ui, 1);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STAFF_SIGN_IN);
	/* The ID on letters, then Enter: the PIN on the number pad. */
	type(ui, "sam");
	key(ui, UI_KEY_ENTER, false);
	assert_true(find_key(ui, "5") >= 0);
	assert_true(find_key(ui, "q") < 0);
	type(ui, "1111");
	assert_false(drawn(ui, "1111"));
	struct ui_prefs p = *ui_prefs(ui);
	p.speech = true;
	ui_set_prefs(ui, &p);
	key(ui, UI_KEY_TAB, true);
	key(ui, UI_KEY_TAB, false);
	assert_null(strstr(last_spoken(), "1111"));
	assert_non_null(strstr(last_spoken(), "PIN, edit box, 4"));
	p.speech = false;
	ui_set_prefs(ui, &p);
	key(ui, UI_KEY_ENTER, false);
	const char wrong[] = "The staff ID or PIN is not right";
	assert_string_equal(alert_text(ui), wrong);
	/* An ID that does not exist gets the same words. */
	tap_on(ui, UI_ACT_STAFF_FIELD, 0);
	key(ui, UI_KEY_SELECT_ALL, false);
	type(ui, "nobody");
	tap_on(ui, UI_ACT_STAFF_FIELD, 1);
	type(ui, "1111");
	tap_on(ui, UI_ACT_STAFF_SIGN_IN, -1);
	assert_string_equal(alert_text(ui), wrong);
	/* Four more wrong PINs for kim lock kim; then even the right one is
	 * refused, saying for how long. */
	tap_on(ui, UI_ACT_STAFF_FIELD, 0);
	key(ui, UI_KEY_SELECT_ALL, false);
	type(ui, "kim");
	for (int i = 0; i < 5; i++) {
		tap_on(ui, UI_ACT_STAFF_FIELD, 1);
		type(ui, "2222");
		tap_on(ui, UI_ACT_STAFF_SIGN_IN, -1);
	}
	assert_string_equal(alert_text(ui), "Too many wrong PINs. Try again in 5 minutes.");
	tap_on(ui, UI_ACT_STAFF_FIELD, 1);
	type(ui, "5093");
	tap_on(ui, UI_ACT_STAFF_SIGN_IN, -1);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STAFF_SIGN_IN);
	/* Cancel goes back to where staff came in. */
	tap_on(ui, UI_ACT_BACK, -1);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	/* The keyboard's way in, and sam's right PIN: the dashboard. */
	key(ui, UI_KEY_STAFF, false);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STAFF_SIGN_IN);
	type(ui, "sam");
	key(ui, UI_KEY_ENTER, false);
	type(ui, "4827");
	key(ui, UI_KEY_ENTER, false);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STAFF);
	assert_string_equal(ui_staff_id(ui), "sam");
	assert_true(drawn(ui, "waste-services: 3 queued, 0 sending, 1 refused"));
	assert_true(drawn(ui, "K7QM-2D9X-J, waste-services: 400 unknown service code"));
	tap_on(ui, UI_ACT_STAFF_RETRY, 0);
	assert_string_equal(retried, "K7QM-2D9X-J");
	assert_true(drawn(ui, "1 submission will be sent again now."));
	tap_on(ui, UI_ACT_STAFF_RETRY, -1);
	assert_string_equal(retried, "(all)");
	tap_on(ui, UI_ACT_STAFF_TECH, 0);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_TECHNICIAN);
	assert_true(find(ui, UI_ACT_NONE, -1) >= 0);
	tap_on(ui, UI_ACT_BACK, -1);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STAFF);
	/* Pause the timeout, start a session: the banner, and no timeout. */
	tap_on(ui, UI_ACT_STAFF_PAUSE, 1);
	tap_on(ui, UI_ACT_STAFF_ASSIST, 0);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_SERVICES);
	assert_true(drawn(ui, "Assisted session with staff member sam"));
	tap_on(ui, UI_ACT_SERVICE, (int)journey_index("missed-bin"));
	struct ui_input tick = {.kind = UI_IN_TICK, .ms = clock_ms += 600000};
	ui_handle(ui, &tick);
	relayout(ui);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STEP);
	assert_true(find(ui, UI_ACT_MORE_TIME, -1) < 0);
	assert_string_equal(ui_staff_id(ui), "sam");
	/* Hand back: Welcome, nobody signed in, no session. */
	tap_on(ui, UI_ACT_HAND_BACK, 0);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	assert_null(ui_staff_id(ui));
	assert_null(ui_session(ui));
	/* Signed in but not paused, the timeout signs staff out as well. */
	ui_staff_force(ui, "sam", UI_SCREEN_STAFF);
	relayout(ui);
	tap_on(ui, UI_ACT_STAFF_ASSIST, 0);
	tick.ms = clock_ms += 200000;
	ui_handle(ui, &tick);
	tick.ms = clock_ms += 60000;
	ui_handle(ui, &tick);
	relayout(ui);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	assert_null(ui_staff_id(ui));
	/* Paused, staff are still signed out after the session timeout (900 s
	 * here) without a touch. */
	ui_staff_force(ui, "sam", UI_SCREEN_STAFF);
	relayout(ui);
	tap_on(ui, UI_ACT_STAFF_PAUSE, 1);
	tap_on(ui, UI_ACT_STAFF_ASSIST, 0);
	assert_true(ui_next_timer(ui, clock_ms) > 890000);
	tick.ms = clock_ms += 899000;
	ui_handle(ui, &tick);
	assert_string_equal(ui_staff_id(ui), "sam");
	tick.ms = clock_ms += 2000;
	ui_handle(ui, &tick);
	relayout(ui);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	assert_null(ui_staff_id(ui));
	/* With the corner turned off ([staff] entry = keys), five taps do
	 * nothing; the keys still work. */
	sh.by_corner = false;
	ui_set_staff(ui, &sh);
	corner_taps(ui, 5);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_WELCOME);
	key(ui, UI_KEY_STAFF, false);
	assert_int_equal(ui_screen_get(ui), UI_SCREEN_STAFF_SIGN_IN);
	ui_destroy(ui);
	store_close(staff_store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_step_of_every_journey),
		cmocka_unit_test(touch_and_keys_through_a_journey),
		cmocka_unit_test(on_screen_keyboard_and_text_editing),
		cmocka_unit_test(welcome_stays_clean_and_footer_covers_the_page),
		cmocka_unit_test(timeout_wipes_and_more_time_keeps),
		cmocka_unit_test(double_tap_sends_once_and_failure_keeps_answers),
		cmocka_unit_test(settings_speech_languages_and_help_key),
		cmocka_unit_test(address_found_picked_or_typed),
		cmocka_unit_test(staff_sign_in_assist_hand_back),
	};
	return cmocka_run_group_tests_name("ui", tests, setup, teardown);
}
