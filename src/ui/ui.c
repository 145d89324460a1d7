/* The kiosk's state machine: screens, the citizen's session, typing,
 * focus, scrolling and timers. Input arrives as ui_input from sdl/; the
 * screens are laid out by screens.c. Knows no SDL. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/msg.h"
#include "base/postcode.h"
#include "base/utf8.h"
#include "ui/ui_int.h"

int ui_min_target(int dpi)
{
	/* 9 mm: 48 px at 96 dpi, as the issue of touch targets is physical. */
	return (48 * (dpi > 0 ? dpi : 96) + 95) / 96;
}

bool ui_staff_screen(const struct ui *ui)
{
	return ui->screen == UI_SCREEN_STAFF_SIGN_IN || ui->screen == UI_SCREEN_STAFF ||
	       ui->screen == UI_SCREEN_TECHNICIAN;
}

const char *ui_tr(const struct ui *ui, const char *english)
{
	return msg_text(&ui->host.tr, english);
}

const char *ui_ntr(const struct ui *ui, const char *singular, const char *plural, long n)
{
	return msg_ntext(&ui->host.tr, singular, plural, n < 0 ? (unsigned long)-n : (unsigned long)n);
}

void ui_fill_count(char *out, size_t size, const char *tmpl, long n)
{
	char num[32];
	snprintf(num, sizeof num, "%ld", n);
	static const char *const keys[] = {"count"};
	const char *const vals[] = {num};
	msg_fill(out, size, tmpl, keys, vals, 1);
}

/* Shows the language at INDEX of the configured ones (the first when out
 * of range; English when there are none), with its direction; errors on
 * the page are said again in it. */
/* ---- anonymous events ---- */

void ui_set_events(struct ui *ui, void (*event)(void *user, const struct ui_event *ev),
		   void *user)
{
	ui->event = event;
	ui->event_user = user;
}

static void emit(struct ui *ui, struct ui_event ev)
{
	if (!ui->event)
		return;
	if (!ev.journey)
		ev.journey = ui->journey && ui->session ? ui->journey->id : "";
	ev.assisted = ui->staff_id[0] != '\0';
	ui->event(ui->event_user, &ev);
}

/* The time spent on the step being left. */
static void step_left(struct ui *ui)
{
	if (ui->session && ui->journey && ui->step_shown < ui->journey->nsteps)
		emit(ui, (struct ui_event){.kind = UI_EV_STEP_TIME,
					   .step = ui->journey->steps[ui->step_shown].id,
					   .duration_ms = (long)(ui->now - ui->step_since)});
	ui->step_shown = (size_t)-1;
}

/* A journey given up before its end (not after its confirmation or a stop
 * page): by the timeout, or by the citizen or staff. */
static void abandoned(struct ui *ui, bool timeout)
{
	if (!ui->session || session_finished(ui->session) || !ui->journey)
		return;
	const char *last = ui->step_shown < ui->journey->nsteps
				   ? ui->journey->steps[ui->step_shown].id
				   : "";
	step_left(ui);
	emit(ui, (struct ui_event){.kind = UI_EV_ABANDONED, .step = last, .timeout = timeout});
}

static void set_language(struct ui *ui, size_t index)
{
	if (!ui->cfg.nlanguages) {
		ui->language = "en";
		ui->rtl = false;
		return;
	}
	if (index >= ui->cfg.nlanguages)
		index = 0;
	ui->language = ui->cfg.languages[index].code;
	ui->rtl = ui->cfg.languages[index].rtl;
	if (ui->session)
		session_set_translation(ui->session, &ui->host.tr);
}

struct ui *ui_create(const struct ui_config *cfg, const struct ui_host *host,
		     const struct journey *const *journeys, size_t n)
{
	struct ui *ui = mem_calloc(1, sizeof *ui);
	if (!ui)
		return NULL;
	ui->cfg = *cfg;
	if (ui->cfg.idle_seconds <= 0)
		ui->cfg.idle_seconds = 120;
	if (ui->cfg.warning_seconds <= 0)
		ui->cfg.warning_seconds = 30;
	if (ui->cfg.dpi <= 0)
		ui->cfg.dpi = 96;
	ui->host = *host;
	ui->journeys = journeys;
	ui->njourneys = n;
	set_language(ui, 0);
	ui->prefs = (struct ui_prefs){100, false, false, false};
	ui->explored = -1;
	ui->field_step = (size_t)-1;
	ui->step_shown = (size_t)-1;
	ui->screen = UI_SCREEN_WELCOME;
	return ui;
}

/* Forgets the address step's search and choice; the list's memory stays
 * for the next one, wiped. */
static void addr_reset(struct ui *ui)
{
	struct ui_address *keep = ui->addr.found;
	if (keep)
		mem_wipe(keep, UI_ADDR_MAX * sizeof *keep);
	mem_wipe(&ui->addr, sizeof ui->addr);
	ui->addr.found = keep;
	ui->addr.chosen = -1;
}

static void wipe_fields(struct ui *ui)
{
	mem_wipe(ui->fields, sizeof ui->fields);
	addr_reset(ui);
	memset(ui->chosen, 0, sizeof ui->chosen);
	ui->nfields = 0;
	ui->field_step = (size_t)-1;
	ui->errors = false;
}

/* Ends the citizen's session: every answer and every typed box is wiped,
 * the language goes back to the first, and Welcome shows. */
static void staff_wipe(struct ui *ui)
{
	mem_wipe(ui->staff_fields, sizeof ui->staff_fields);
	mem_wipe(ui->staff_id, sizeof ui->staff_id);
	ui->staff_paused = false;
	ui->staff_problem = NULL;
	mem_free(ui->dash);
	ui->dash = NULL;
	mem_free(ui->checks);
	ui->checks = NULL;
	ui->nchecks = 0;
}

static void end_session(struct ui *ui)
{
	abandoned(ui, false);
	ui->step_shown = (size_t)-1;
	ui->satisfaction = 0;
	/* Whoever was assisting is signed out too: the kiosk is never left
	 * signed in for the next person. */
	staff_wipe(ui);
	session_destroy(ui->session);
	ui->session = NULL;
	ui->journey = NULL;
	wipe_fields(ui);
	mem_wipe(ui->reference, sizeof ui->reference);
	set_language(ui, 0);
	ui->prefs = (struct ui_prefs){100, false, false, false};
	ui->explored = -1;
	ui->screen = UI_SCREEN_WELCOME;
	ui->dialog_timeout = ui->dialog_save_failed = false;
	ui->kbd_visible = false;
	ui->has_focus = false;
	ui->scroll = 0;
	ui->scroll_max = 0;
	if (ui->draw.arena)
		mem_wipe(ui->draw.arena, ui->draw.arena_cap);
}

void ui_destroy(struct ui *ui)
{
	if (!ui)
		return;
	end_session(ui);
	mem_free(ui->addr.found);
	ui_draw_free(&ui->draw);
	mem_free(ui->w);
	mem_free(ui);
}

const struct ui_draw_list *ui_draw(const struct ui *ui)
{
	return &ui->draw;
}

const struct ui_widget *ui_widgets(const struct ui *ui, size_t *n)
{
	*n = ui->nw;
	return ui->w;
}

const char *ui_widget_label(const struct ui *ui, const struct ui_widget *w)
{
	return ui->draw.arena ? ui->draw.arena + w->label : "";
}

int ui_focus(const struct ui *ui)
{
	for (size_t i = 0; ui->has_focus && i < ui->nw; i++)
		if (ui->w[i].focusable && ui->w[i].action == ui->focus_action &&
		    ui->w[i].arg == ui->focus_arg)
			return (int)i;
	return -1;
}

enum ui_screen ui_screen_get(const struct ui *ui)
{
	return ui->screen;
}

const struct session *ui_session(const struct ui *ui)
{
	return ui->session;
}

const char *ui_language(const struct ui *ui)
{
	return ui->language;
}

bool ui_is_focused(const struct ui *ui, enum ui_action a, int arg)
{
	return ui->has_focus && ui->focus_action == a && ui->focus_arg == arg;
}

const struct journey_step *ui_current_step(const struct ui *ui)
{
	return ui->session ? session_step(ui->session) : NULL;
}

struct ui_field *ui_focused_field(struct ui *ui)
{
	if (ui->screen == UI_SCREEN_STAFF_SIGN_IN && ui->has_focus &&
	    ui->focus_action == UI_ACT_STAFF_FIELD && ui->focus_arg >= 0 && ui->focus_arg < 2)
		return &ui->staff_fields[ui->focus_arg];
	if (ui->screen == UI_SCREEN_STEP && ui->has_focus &&
	    ui->focus_action == UI_ACT_FIELD && ui->focus_arg >= 0 &&
	    (size_t)ui->focus_arg < ui->nfields)
		return &ui->fields[ui->focus_arg];
	return NULL;
}

enum ui_kbd_layout ui_field_layout(const struct ui *ui, int box)
{
	if (ui->screen == UI_SCREEN_STAFF_SIGN_IN)
		return box == 1 ? KBD_DIGITS : KBD_LETTERS;
	const struct journey_step *st = ui_current_step(ui);
	if (!st)
		return KBD_LETTERS;
	switch (st->kind) {
	case STEP_EMAIL: return KBD_EMAIL;
	case STEP_POSTCODE:
	case STEP_NINO:
	case STEP_VEHICLE_REG: return KBD_UPPER;
	case STEP_NUMBER:
	case STEP_PHONE:
	case STEP_DATE: return KBD_DIGITS;
	case STEP_ADDRESS:
		if (box == UI_ADDR_QUERY)
			return ui->addr.by_text ? KBD_LETTERS : KBD_UPPER;
		return box == ADDR_POSTCODE ? KBD_UPPER : KBD_LETTERS;
	default: return KBD_LETTERS;
	}
}

static void set_focus(struct ui *ui, enum ui_action a, int arg)
{
	if (!ui->has_focus || ui->focus_action != a || ui->focus_arg != arg)
		ui->say_focus = true;
	ui->has_focus = true;
	ui->focus_action = a;
	ui->focus_arg = arg;
	ui->reveal_focus = true;
	if (a == UI_ACT_FIELD || a == UI_ACT_STAFF_FIELD) {
		ui->kbd_visible = true;
		ui->kbd_shift = false;
		ui->kbd_layout = ui_field_layout(ui, arg);
	}
}

static void field_set(struct ui_field *f, const char *text)
{
	size_t n = strlen(text);
	if (n >= sizeof f->text)
		n = sizeof f->text - 1;
	mem_wipe(f->text, sizeof f->text);
	memcpy(f->text, text, n);
	f->len = n;
	f->caret = f->anchor = n;
	f->scroll_x = f->scroll_y = 0;
}

static size_t boxes_for(const struct journey_step *st)
{
	switch (st->kind) {
	case STEP_DATE: return DATE_PARTS;
	case STEP_ADDRESS: return UI_MAX_BOXES;
	case STEP_SINGLE_CHOICE:
	case STEP_MULTIPLE_CHOICE:
	case STEP_YES_NO:
	case STEP_INFO:
	case STEP_CHECK_ANSWERS:
	case STEP_CONFIRMATION: return 0;
	default: return 1;
	}
}

/* ---- the address step ---- */

bool ui_addr_finding(const struct ui *ui)
{
	const struct journey_step *st = ui_current_step(ui);
	return st && st->kind == STEP_ADDRESS && ui->addr.mode != UI_ADDR_MANUAL;
}

size_t ui_errors(const struct ui *ui, const struct session_error **out)
{
	if (ui_addr_finding(ui)) {
		*out = &ui->addr.error;
		return ui->addr.problem && ui->addr.error.message[0] ? 1 : 0;
	}
	return ui->session ? session_errors(ui->session, out) : 0;
}

void ui_addr_prepare(struct ui *ui)
{
	struct ui_addr *ad = &ui->addr;
	ad->error.message[0] = '\0';
	if (!ad->problem)
		return;
	static const char *const keys[] = {"query"};
	const char *const vals[] = {ad->searched};
	msg_fill(ad->error.message, sizeof ad->error.message, ui_tr(ui, ad->problem), keys, vals,
		 1);
	ad->error.part = ad->mode == UI_ADDR_PICK ? 0 : UI_ADDR_QUERY;
	ad->error.rule = RULE_INVALID;
}

/* The finder's problem PROBLEM (English, with {query}) goes in the error
 * summary, which takes focus, as a Continue's errors do. */
static void addr_fail(struct ui *ui, const char *problem, const char *field, const char *rule)
{
	const struct journey_step *st = ui_current_step(ui);
	if (st)
		emit(ui, (struct ui_event){.kind = UI_EV_VALIDATION_ERROR,
					   .step = st->id,
					   .field = field,
					   .rule = rule});
	ui->addr.problem = problem;
	ui->errors = true;
	ui->scroll = 0;
	set_focus(ui, UI_ACT_ERROR_LINK, -1);
	ui->kbd_visible = false;
}

/* Looks for QUERY (by words when BY_TEXT); true when something was found,
 * which is then listed to pick from. */
static bool addr_lookup(struct ui *ui, const char *query, bool by_text, const char **problem)
{
	struct ui_addr *ad = &ui->addr;
	ad->nfound = 0;
	ad->chosen = -1;
	ad->lookup_rule = NULL;
	/* A whole postcode is shown as it is written: "ZY1 1AA". */
	char pc[POSTCODE_SIZE];
	snprintf(ad->searched, sizeof ad->searched, "%s",
		 !by_text && postcode_normalise(query, pc, sizeof pc) ? pc : query);
	if (!ad->found)
		ad->found = mem_calloc(UI_ADDR_MAX, sizeof *ad->found);
	size_t n = 0;
	enum hatch_err rc = ad->found ? ui->host.find_address(ui->host.user, query, by_text,
							     ad->found, UI_ADDR_MAX, &n)
				      : HATCH_ERR_NOMEM;
	ad->lookup_rule = rc == HATCH_ERR_INPUT ? "invalid"
			  : rc != HATCH_OK	  ? "unavailable"
						  : NULL;
	if (rc == HATCH_ERR_INPUT)
		*problem = N_("Enter a real postcode, like ZY1 2AB, or search by street or place name");
	else if (rc != HATCH_OK)
		*problem = N_("The list of addresses cannot be searched at the moment. Enter the "
			      "address yourself");
	else if (!n)
		*problem = by_text ? N_("No addresses match \"{query}\". Try fewer words, or enter "
					"the address yourself")
				   : N_("No addresses found for {query}. Check the postcode, or "
					"enter the address yourself");
	if (rc != HATCH_OK || !n)
		return false;
	ad->nfound = n < UI_ADDR_MAX ? n : UI_ADDR_MAX;
	ad->mode = UI_ADDR_PICK;
	ad->problem = NULL;
	return true;
}

/* Continue while finding: looks for what is in the box and lists it. */
static void addr_search(struct ui *ui)
{
	struct ui_addr *ad = &ui->addr;
	const char *q = ui->fields[UI_ADDR_QUERY].text;
	while (*q == ' ')
		q++;
	/* A longer query than fits finds nothing more: cut it at a character. */
	char query[sizeof ad->searched];
	size_t len = strnlen(q, sizeof query - 1);
	while (len && q[len] && ((unsigned char)q[len] & 0xC0) == 0x80)
		len--;
	memcpy(query, q, len);
	query[len] = '\0';
	for (size_t n = strlen(query); n && query[n - 1] == ' ';)
		query[--n] = '\0';
	ad->lookup_rule = NULL;
	const char *problem = NULL, *rule = "not_found";
	if (!query[0]) {
		problem = ad->by_text ? N_("Enter a street, building or place name")
				      : N_("Enter a postcode");
		rule = "required";
	}
	else if (!addr_lookup(ui, query, ad->by_text, &problem)) {
		/* keeps the problem */
	} else {
		ui->errors = false;
		ui->scroll = 0;
		ui->say_page = true;
		ui->kbd_visible = false;
		set_focus(ui, UI_ACT_ADDR_PICK, 0);
		ui->guard_until = ui->now + UI_GUARD_MS;
	}
	mem_wipe(query, sizeof query);
	if (problem)
		addr_fail(ui, problem, ad->by_text ? "words" : "postcode",
			  ad->lookup_rule ? ad->lookup_rule : rule);
}

/* The address step opens finding, or with the address already given:
 * listed again with it picked when it came from the gazetteer, typed in
 * when it was typed. Without a gazetteer it is typed. */
static void addr_enter(struct ui *ui, const struct answer *a)
{
	struct ui_addr *ad = &ui->addr;
	bool picked = a->nparts == ADDR_PARTS && *a->parts[ADDR_UPRN];
	if (!ui->host.find_address) {
		ad->mode = UI_ADDR_MANUAL;
		return;
	}
	if (!answer_given(a)) {
		ad->mode = UI_ADDR_FIND;
		set_focus(ui, UI_ACT_FIELD, UI_ADDR_QUERY);
		return;
	}
	ad->mode = UI_ADDR_MANUAL;
	const char *problem = NULL;
	if (picked && addr_lookup(ui, a->parts[ADDR_POSTCODE], false, &problem)) {
		field_set(&ui->fields[UI_ADDR_QUERY], a->parts[ADDR_POSTCODE]);
		for (size_t i = 0; i < ad->nfound; i++)
			if (!strcmp(ad->found[i].uprn, a->parts[ADDR_UPRN]))
				ad->chosen = (int)i;
		if (ad->chosen >= 0) {
			/* Its lines are the gazetteer's: "not listed" starts
			 * the typing afresh. */
			for (size_t i = 0; i < ADDR_LINES; i++)
				field_set(&ui->fields[i], "");
			ui->kbd_visible = false;
			set_focus(ui, UI_ACT_ADDR_PICK, ad->chosen);
			return;
		}
	}
	/* Typed in, or no longer in the gazetteer: the lines as given. */
	addr_reset(ui);
	ad->mode = UI_ADDR_MANUAL;
	set_focus(ui, UI_ACT_FIELD, 0);
}

/* "My address is not listed" (or "Enter the address yourself"): the lines,
 * with the postcode looked for when it was a whole one. */
static void addr_manual(struct ui *ui)
{
	struct ui_addr *ad = &ui->addr;
	char pc[POSTCODE_SIZE];
	if (!ad->by_text && !ui->fields[ADDR_POSTCODE].len &&
	    postcode_normalise(ui->fields[UI_ADDR_QUERY].text, pc, sizeof pc))
		field_set(&ui->fields[ADDR_POSTCODE], pc);
	ad->mode = UI_ADDR_MANUAL;
	ad->manual_from_find = true;
	ad->problem = NULL;
	ui->errors = false;
	ui->scroll = 0;
	ui->say_page = true;
	set_focus(ui, UI_ACT_FIELD, 0);
}

/* Back on the address step goes back through its faces first. */
static bool addr_back(struct ui *ui)
{
	struct ui_addr *ad = &ui->addr;
	const struct journey_step *st = ui_current_step(ui);
	if (!st || st->kind != STEP_ADDRESS)
		return false;
	if (ad->mode == UI_ADDR_PICK || (ad->mode == UI_ADDR_MANUAL && ad->manual_from_find)) {
		ad->mode = ad->mode == UI_ADDR_MANUAL && ad->nfound ? UI_ADDR_PICK : UI_ADDR_FIND;
		ad->manual_from_find = false;
		ad->problem = NULL;
		ui->errors = false;
		ui->scroll = 0;
		ui->say_page = true;
		ui->guard_until = ui->now + UI_GUARD_MS;
		if (ad->mode == UI_ADDR_PICK)
			set_focus(ui, UI_ACT_ADDR_PICK, ad->chosen >= 0 ? ad->chosen : 0);
		else
			set_focus(ui, UI_ACT_FIELD, UI_ADDR_QUERY);
		return true;
	}
	return false;
}

/* A new page: the boxes hold the answer already given (after Back or
 * Change), focus goes to the first control, the page scrolls to the top. */
static void enter_step(struct ui *ui)
{
	ui->say_page = true;
	ui->explored = -1;
	const struct journey_step *st = session_step(ui->session);
	size_t cur = session_current(ui->session);
	if (cur != ui->step_shown) {
		step_left(ui);
		ui->step_shown = cur;
		ui->step_since = ui->now;
		emit(ui, (struct ui_event){.kind = UI_EV_STEP_SHOWN, .step = st->id});
		if (st->stop)
			emit(ui, (struct ui_event){.kind = UI_EV_STOP_PAGE, .step = st->id});
	}
	wipe_fields(ui);
	ui->field_step = cur;
	ui->nfields = boxes_for(st);
	const struct answer *a = session_answer(ui->session, cur);
	for (size_t i = 0; i < ui->nfields; i++)
		field_set(&ui->fields[i], i < a->nparts && (st->kind != STEP_ADDRESS || i < ADDR_LINES)
						  ? a->parts[i]
						  : "");
	if (st->kind == STEP_SINGLE_CHOICE || st->kind == STEP_MULTIPLE_CHOICE)
		for (size_t k = 0; k < st->noptions; k++)
			ui->chosen[k] = answer_has(a, st->options[k].value);
	if (st->kind == STEP_YES_NO) {
		ui->chosen[0] = answer_has(a, "yes");
		ui->chosen[1] = answer_has(a, "no");
	}
	ui->scroll = 0;
	ui->scroll_max = 0;
	ui->kbd_visible = false;
	ui->has_focus = false;
	ui->guard_until = ui->now + UI_GUARD_MS;
	if (ui->nfields)
		set_focus(ui, UI_ACT_FIELD, 0);
	else if (journey_kind_is_question(st->kind))
		set_focus(ui, UI_ACT_OPTION, 0);
	else
		set_focus(ui, st->kind == STEP_CHECK_ANSWERS ? UI_ACT_SEND
			      : session_finished(ui->session) ? UI_ACT_FINISH
							      : UI_ACT_CONTINUE,
			  0);
	/* A new page opens at its top, heading first; only a box the
	 * keyboard would cover, or keys in use, scroll to the focus. */
	if (!ui->nfields && !ui->focus_visible)
		ui->reveal_focus = false;
	ui->screen = UI_SCREEN_STEP;
	if (st->kind == STEP_ADDRESS)
		addr_enter(ui, a);
}

static void go_screen(struct ui *ui, enum ui_screen s)
{
	ui->say_page = true;
	ui->explored = -1;
	ui->screen = s;
	ui->scroll = 0;
	ui->scroll_max = 0;
	ui->kbd_visible = false;
	ui->guard_until = ui->now + UI_GUARD_MS;
	ui->has_focus = false;
	switch (s) {
	case UI_SCREEN_WELCOME: set_focus(ui, UI_ACT_START, 0); break;
	case UI_SCREEN_SERVICES: set_focus(ui, UI_ACT_SERVICE, 0); break;
	case UI_SCREEN_HELP:
	case UI_SCREEN_SETTINGS: set_focus(ui, UI_ACT_HELP_RETURN, 0); break;
	case UI_SCREEN_STAFF_SIGN_IN: set_focus(ui, UI_ACT_STAFF_FIELD, 0); break;
	case UI_SCREEN_STAFF: set_focus(ui, UI_ACT_STAFF_ASSIST, 0); break;
	case UI_SCREEN_TECHNICIAN: set_focus(ui, UI_ACT_BACK, 0); break;
	case UI_SCREEN_STEP: break;
	}
	if (!ui->focus_visible)
		ui->reveal_focus = false;
}

/* ---- staff ---- */

void ui_set_finder(struct ui *ui,
		   enum hatch_err (*find)(void *user, const char *query, bool by_text,
					  struct ui_address *out, size_t max, size_t *n))
{
	ui->host.find_address = find;
}

void ui_set_staff(struct ui *ui, const struct ui_staff_host *h)
{
	ui->staff = *h;
	if (ui->staff.session_seconds <= 0)
		ui->staff.session_seconds = 600;
	ui->has_staff = h->sign_in != NULL;
}

const char *ui_staff_id(const struct ui *ui)
{
	return ui->staff_id[0] ? ui->staff_id : NULL;
}

static void staff_dashboard_load(struct ui *ui)
{
	if (!ui->dash)
		ui->dash = mem_calloc(1, sizeof *ui->dash);
	if (!ui->dash)
		return;
	memset(ui->dash, 0, sizeof *ui->dash);
	if (ui->staff.dashboard)
		ui->staff.dashboard(ui->staff.user, ui->dash);
}

static void staff_checks_load(struct ui *ui)
{
	if (!ui->checks)
		ui->checks = mem_calloc(UI_CHECK_ROWS, sizeof *ui->checks);
	long n = ui->checks && ui->staff.checks
			 ? ui->staff.checks(ui->staff.user, ui->checks, UI_CHECK_ROWS)
			 : 0;
	ui->checks_running = n < 0;
	ui->nchecks = n < 0 ? 0 : (size_t)n;
}

uint64_t staff_ms(const struct ui *ui)
{
	return (uint64_t)(ui->staff.session_seconds > 0 ? ui->staff.session_seconds : 600) * 1000;
}

bool ui_staff_refresh(struct ui *ui)
{
	if (ui->screen == UI_SCREEN_TECHNICIAN && ui->checks_running) {
		staff_checks_load(ui);
		if (!ui->checks_running)
			ui->say_page = true;
		return !ui->checks_running;
	}
	return false;
}

/* Staff screens are opened over whatever was showing, which comes back as
 * it was (the citizen's boxes untouched) when they are left. */
static void staff_go(struct ui *ui, enum ui_screen s)
{
	if (!ui_staff_screen(ui)) {
		ui->staff_from = ui->screen;
		ui->staff_from_dialog = ui->dialog_timeout;
	}
	ui->dialog_timeout = ui->dialog_save_failed = false;
	if (s == UI_SCREEN_STAFF) {
		ui->staff_note = UI_NOTE_NONE;
		staff_dashboard_load(ui);
	}
	if (s == UI_SCREEN_TECHNICIAN)
		staff_checks_load(ui);
	go_screen(ui, s);
}

void ui_open_staff(struct ui *ui)
{
	if (!ui->has_staff || ui_staff_screen(ui))
		return;
	mem_wipe(ui->staff_fields, sizeof ui->staff_fields);
	ui->staff_problem = NULL;
	staff_go(ui, ui_staff_id(ui) ? UI_SCREEN_STAFF : UI_SCREEN_STAFF_SIGN_IN);
}

void ui_staff_force(struct ui *ui, const char *id, enum ui_screen screen)
{
	snprintf(ui->staff_id, sizeof ui->staff_id, "%s", id);
	staff_go(ui, screen);
}

/* Back to what staff opened their screens over. */
static void staff_leave(struct ui *ui)
{
	mem_wipe(ui->staff_fields, sizeof ui->staff_fields);
	enum ui_screen to = ui->staff_from;
	if (to == UI_SCREEN_STEP && !ui->session)
		to = UI_SCREEN_WELCOME;
	ui->screen = to;
	ui->guard_until = ui->now + UI_GUARD_MS;
	ui->has_focus = false;
	ui->kbd_visible = false;
	ui->say_page = true;
	ui->explored = -1;
	ui->last_input = ui->now;
}

static void staff_sign_in(struct ui *ui)
{
	const char *id = ui->staff_fields[0].text, *pin = ui->staff_fields[1].text;
	long wait = 0;
	enum ui_staff_verdict v = *id && *pin ? ui->staff.sign_in(ui->staff.user, id, pin, &wait)
					      : UI_STAFF_WRONG;
	/* The PIN goes at once, whatever the verdict. */
	mem_wipe(&ui->staff_fields[1], sizeof ui->staff_fields[1]);
	if (v == UI_STAFF_OK) {
		snprintf(ui->staff_id, sizeof ui->staff_id, "%.32s", id);
		mem_wipe(&ui->staff_fields[0], sizeof ui->staff_fields[0]);
		ui->staff_problem = NULL;
		staff_go(ui, UI_SCREEN_STAFF);
		return;
	}
	/* The same words for an unknown ID as for a wrong PIN. */
	ui->staff_problem = v == UI_STAFF_LOCKED ? "locked" : "wrong";
	ui->staff_wait = (wait + 59) / 60;
	ui->say_page = true;
	set_focus(ui, UI_ACT_STAFF_FIELD, 1);
}

/* A new session for the citizen staff are helping: what was there before
 * is wiped, staff stay signed in. */
static void end_session_keep_staff(struct ui *ui)
{
	char id[sizeof ui->staff_id];
	memcpy(id, ui->staff_id, sizeof id);
	bool paused = ui->staff_paused;
	end_session(ui);
	memcpy(ui->staff_id, id, sizeof id);
	ui->staff_paused = paused;
	mem_wipe(id, sizeof id);
}

/* Hand back: everything the citizen and staff typed is wiped, and the
 * kiosk is ready for the next person. */
static void hand_back(struct ui *ui)
{
	end_session(ui);
	go_screen(ui, UI_SCREEN_WELCOME);
}

static void staff_activate(struct ui *ui, const struct ui_widget *w)
{
	long n;
	switch (w->action) {
	case UI_ACT_STAFF_FIELD: set_focus(ui, UI_ACT_STAFF_FIELD, w->arg); break;
	case UI_ACT_STAFF_SIGN_IN: staff_sign_in(ui); break;
	case UI_ACT_STAFF_ASSIST:
		/* An assisted session starts where a citizen's does. */
		end_session_keep_staff(ui);
		go_screen(ui, UI_SCREEN_SERVICES);
		break;
	case UI_ACT_STAFF_RETRY:
		if (!ui->dash || !ui->staff.retry)
			break;
		if (w->arg >= 0 && (size_t)w->arg < ui->dash->ndead)
			n = ui->staff.retry(ui->staff.user, ui->dash->dead[w->arg].reference);
		else
			n = ui->staff.retry(ui->staff.user, NULL);
		ui->staff_note = n < 0 ? UI_NOTE_RETRY_FAILED : UI_NOTE_RETRIED;
		ui->staff_note_count = n;
		staff_dashboard_load(ui);
		ui->say_page = true;
		break;
	case UI_ACT_STAFF_DELIVER:
		n = ui->staff.deliver_now ? ui->staff.deliver_now(ui->staff.user) : -1;
		ui->staff_note = n < 0 ? UI_NOTE_NO_DESTINATION : UI_NOTE_DELIVERING;
		ui->staff_note_count = n;
		staff_dashboard_load(ui);
		ui->say_page = true;
		break;
	case UI_ACT_STAFF_TECH: staff_go(ui, UI_SCREEN_TECHNICIAN); break;
	case UI_ACT_STAFF_PAUSE:
		ui->staff_paused = w->arg != 0 && ui->staff.may_pause;
		set_focus(ui, UI_ACT_STAFF_PAUSE, !ui->staff_paused);
		break;
	case UI_ACT_STAFF_DASH: staff_go(ui, UI_SCREEN_STAFF); break;
	case UI_ACT_HAND_BACK: hand_back(ui); break;
	default: break;
	}
}

static bool start_journey(struct ui *ui, size_t i)
{
	if (i >= ui->njourneys)
		return false;
	/* The date comes from the host each time: a kiosk runs for days. */
	struct cdate today = ui->host.today(ui->host.user);
	session_destroy(ui->session);
	ui->journey = ui->journeys[i];
	ui->session = session_create(ui->journey, &today);
	if (ui->session)
		session_set_translation(ui->session, &ui->host.tr);
	if (!ui->session) {
		ui->journey = NULL;
		return false;
	}
	ui->journey_since = ui->now;
	ui->step_shown = (size_t)-1;
	ui->satisfaction = 0;
	emit(ui, (struct ui_event){.kind = UI_EV_STARTED, .language = ui->language});
	enter_step(ui);
	return true;
}

/* The parts of the current step as typed or chosen. */
static size_t gather(struct ui *ui, const char **parts)
{
	const struct journey_step *st = session_step(ui->session);
	size_t n = 0;
	if (st->kind == STEP_SINGLE_CHOICE || st->kind == STEP_MULTIPLE_CHOICE) {
		for (size_t k = 0; k < st->noptions; k++)
			if (ui->chosen[k])
				parts[n++] = st->options[k].value;
	} else if (st->kind == STEP_YES_NO) {
		if (ui->chosen[0])
			parts[n++] = "yes";
		if (ui->chosen[1])
			parts[n++] = "no";
	} else if (st->kind == STEP_ADDRESS) {
		for (size_t i = 0; i < ADDR_LINES; i++)
			parts[n++] = ui->fields[i].text;
	} else {
		for (size_t i = 0; i < ui->nfields; i++)
			parts[n++] = ui->fields[i].text;
	}
	return n;
}

/* Continue with an address picked from the list: its lines, UPRN and
 * place. If the journey will not take it as it is (a rule the gazetteer's
 * text breaks), it is shown typed in, with the errors, to put right. */
static void addr_continue(struct ui *ui)
{
	struct ui_addr *ad = &ui->addr;
	if (ad->chosen < 0 || (size_t)ad->chosen >= ad->nfound) {
		addr_fail(ui, N_("Select an address, or select \"My address is not listed\""), "list",
			  "required");
		return;
	}
	const struct ui_address *r = &ad->found[ad->chosen];
	char lat[32] = "", lon[32] = "";
	if (r->lat != 0 || r->lon != 0) {
		snprintf(lat, sizeof lat, "%.6f", r->lat);
		snprintf(lon, sizeof lon, "%.6f", r->lon);
	}
	const char *parts[ADDR_PARTS] = {r->lines, "", r->town, r->postcode, r->uprn, lat, lon};
	enum hatch_err rc = session_continue(ui->session, parts, ADDR_PARTS);
	if (rc == HATCH_ERR_INPUT) {
		field_set(&ui->fields[ADDR_LINE1], r->lines);
		field_set(&ui->fields[ADDR_LINE2], "");
		field_set(&ui->fields[ADDR_TOWN], r->town);
		field_set(&ui->fields[ADDR_POSTCODE], r->postcode);
		ad->mode = UI_ADDR_MANUAL;
		ad->manual_from_find = true;
		ui->errors = true;
		ui->scroll = 0;
		set_focus(ui, UI_ACT_ERROR_LINK, -1);
		ui->kbd_visible = false;
	} else if (rc == HATCH_OK) {
		enter_step(ui);
	}
}

/* Which box of its step a part is, by name: a date's or an address's
 * parts; "" for a step with one. */
static const char *part_name(const struct journey_step *st, size_t part)
{
	static const char *const date[] = {"day", "month", "year"};
	static const char *const addr[] = {"line1", "line2", "town", "postcode"};
	if (st->kind == STEP_DATE && part < 3)
		return date[part];
	if (st->kind == STEP_ADDRESS && part < 4)
		return addr[part];
	return "";
}

/* The errors a Continue found, as events: which box and which rule. */
static void validation_events(struct ui *ui)
{
	const struct session_error *errs;
	size_t n = session_errors(ui->session, &errs);
	const struct journey_step *st = session_step(ui->session);
	for (size_t i = 0; i < n; i++)
		emit(ui, (struct ui_event){.kind = UI_EV_VALIDATION_ERROR,
					   .step = st->id,
					   .field = part_name(st, errs[i].part),
					   .rule = journey_rule_name(errs[i].rule)});
}

static void do_continue(struct ui *ui)
{
	if (ui_addr_finding(ui)) {
		if (ui->addr.mode == UI_ADDR_FIND)
			addr_search(ui);
		else
			addr_continue(ui);
		return;
	}
	const char *parts[ANSWER_MAX_PARTS];
	size_t n = gather(ui, parts);
	enum hatch_err rc = session_continue(ui->session, parts, n);
	if (rc == HATCH_ERR_INPUT)
		validation_events(ui);
	if (rc == HATCH_ERR_INPUT) {
		/* The error summary takes focus, at the top of the page. */
		ui->errors = true;
		ui->scroll = 0;
		set_focus(ui, UI_ACT_ERROR_LINK, -1);
		ui->kbd_visible = false;
		return;
	}
	if (rc == HATCH_OK)
		enter_step(ui);
}

static void do_send(struct ui *ui)
{
	char ref[REFERENCE_SIZE] = "";
	enum hatch_err rc = HATCH_ERR_STATE;
	if (ui->host.submit)
		rc = ui->host.submit(ui->host.user, ui->session, ui->language, ref);
	if (rc == HATCH_OK)
		rc = session_confirm(ui->session, ref);
	if (rc != HATCH_OK) {
		/* Nothing is lost: the answers stay, and staff are asked for. */
		if (session_step(ui->session)->kind != STEP_CHECK_ANSWERS)
			enter_step(ui); /* a required answer went missing */
		else
			ui->dialog_save_failed = true;
		set_focus(ui, UI_ACT_DISMISS, 0);
		return;
	}
	memcpy(ui->reference, ref, sizeof ui->reference);
	emit(ui, (struct ui_event){.kind = UI_EV_COMPLETED,
				   .duration_ms = (long)(ui->now - ui->journey_since)});
	enter_step(ui);
}

static void do_back(struct ui *ui)
{
	switch (ui->screen) {
	case UI_SCREEN_SERVICES: go_screen(ui, UI_SCREEN_WELCOME); break;
	case UI_SCREEN_STAFF_SIGN_IN:
	case UI_SCREEN_STAFF: staff_leave(ui); break;
	case UI_SCREEN_TECHNICIAN: staff_go(ui, UI_SCREEN_STAFF); break;
	case UI_SCREEN_HELP:
	case UI_SCREEN_SETTINGS:
		ui->screen = ui->help_from;
		ui->guard_until = ui->now + UI_GUARD_MS;
		ui->say_page = true;
		ui->explored = -1;
		break;
	case UI_SCREEN_STEP:
		if (addr_back(ui))
			break;
		if (session_back(ui->session))
			enter_step(ui);
		else {
			abandoned(ui, false);
			session_destroy(ui->session);
			ui->session = NULL;
			wipe_fields(ui);
			go_screen(ui, UI_SCREEN_SERVICES);
		}
		break;
	case UI_SCREEN_WELCOME: break;
	}
}

static void toggle_option(struct ui *ui, int k)
{
	const struct journey_step *st = ui_current_step(ui);
	if (!st || k < 0)
		return;
	if (st->kind == STEP_MULTIPLE_CHOICE) {
		if ((size_t)k >= st->noptions)
			return;
		ui->chosen[k] = !ui->chosen[k];
		/* "None of these" clears the others, and they clear it. */
		if (ui->chosen[k])
			for (size_t i = 0; i < st->noptions; i++)
				if ((int)i != k &&
				    (st->options[k].exclusive || st->options[i].exclusive))
					ui->chosen[i] = false;
	} else {
		size_t n = st->kind == STEP_YES_NO ? 2 : st->noptions;
		if ((size_t)k >= n)
			return;
		for (size_t i = 0; i < n; i++)
			ui->chosen[i] = (int)i == k;
	}
}

/* ---- text editing ---- */

static size_t prev_char(const struct ui_field *f, size_t at)
{
	if (!at)
		return 0;
	at--;
	while (at && ((unsigned char)f->text[at] & 0xC0) == 0x80)
		at--;
	return at;
}

static size_t next_char(const struct ui_field *f, size_t at)
{
	if (at >= f->len)
		return f->len;
	at++;
	while (at < f->len && ((unsigned char)f->text[at] & 0xC0) == 0x80)
		at++;
	return at;
}

static void delete_selection(struct ui_field *f)
{
	size_t a = f->anchor < f->caret ? f->anchor : f->caret;
	size_t b = f->anchor < f->caret ? f->caret : f->anchor;
	if (a == b)
		return;
	memmove(f->text + a, f->text + b, f->len - b + 1);
	f->len -= b - a;
	mem_wipe(f->text + f->len, sizeof f->text - f->len);
	f->caret = f->anchor = a;
}

static void insert_text(struct ui *ui, struct ui_field *f, const char *s)
{
	const struct journey_step *st = ui_current_step(ui);
	size_t n = strlen(s);
	if (!utf8_valid(s, n))
		return;
	/* One line boxes take no line breaks. */
	if (st && st->kind != STEP_LONG_TEXT && strchr(s, '\n'))
		return;
	delete_selection(f);
	if (n > sizeof f->text - 1 - f->len)
		return; /* full: a hard cap, never an overflow */
	memmove(f->text + f->caret + n, f->text + f->caret, f->len - f->caret + 1);
	memcpy(f->text + f->caret, s, n);
	f->len += n;
	f->caret += n;
	f->anchor = f->caret;
}

static bool edit_key(struct ui *ui, struct ui_field *f, const struct ui_input *in)
{
	size_t to;
	switch (in->key) {
	case UI_KEY_BACKSPACE:
		if (f->caret == f->anchor)
			f->anchor = prev_char(f, f->caret);
		delete_selection(f);
		return true;
	case UI_KEY_DELETE:
		if (f->caret == f->anchor)
			f->anchor = next_char(f, f->caret);
		delete_selection(f);
		return true;
	case UI_KEY_LEFT:
	case UI_KEY_RIGHT:
	case UI_KEY_HOME:
	case UI_KEY_END:
		to = in->key == UI_KEY_LEFT    ? prev_char(f, f->caret)
		     : in->key == UI_KEY_RIGHT ? next_char(f, f->caret)
		     : in->key == UI_KEY_HOME  ? 0
					       : f->len;
		f->caret = to;
		if (!in->shift)
			f->anchor = to;
		return true;
	case UI_KEY_SELECT_ALL:
		f->anchor = 0;
		f->caret = f->len;
		return true;
	default:
		(void)ui;
		return false;
	}
}

static void press_key(struct ui *ui, int index)
{
	const struct ui_key_def *const *rows;
	const size_t *counts;
	size_t nrows = ui_kbd_rows(ui->kbd_layout, ui->kbd_shift, &rows, &counts);
	int k = index;
	const struct ui_key_def *key = NULL;
	for (size_t r = 0; r < nrows && !key; r++) {
		if ((size_t)k < counts[r])
			key = &rows[r][k];
		else
			k -= (int)counts[r];
	}
	struct ui_field *f = ui_focused_field(ui);
	if (!key)
		return;
	/* Pressing a key keeps focus in the box being typed in. */
	switch (key->special) {
	case KEY_CHAR:
	case KEY_SPACE:
		if (f) {
			insert_text(ui, f, key->insert);
			if (ui->kbd_shift && ui->kbd_layout != KBD_UPPER)
				ui->kbd_shift = false;
		}
		break;
	case KEY_SHIFT: ui->kbd_shift = !ui->kbd_shift; break;
	case KEY_BACKSPACE:
		if (f) {
			struct ui_input bk = {.kind = UI_IN_KEY, .key = UI_KEY_BACKSPACE};
			edit_key(ui, f, &bk);
		}
		break;
	case KEY_TO_SYMBOLS: ui->kbd_layout = KBD_SYMBOLS; break;
	case KEY_TO_LETTERS:
		ui->kbd_layout = ui_field_layout(ui, ui->focus_arg);
		if (ui->kbd_layout == KBD_SYMBOLS || ui->kbd_layout == KBD_DIGITS)
			ui->kbd_layout = KBD_LETTERS;
		break;
	case KEY_DONE:
		/* Done: the keyboard goes, and Continue is next. */
		set_focus(ui, UI_ACT_CONTINUE, 0);
		ui->kbd_visible = false;
		break;
	}
	if (key->special != KEY_DONE && f)
		ui->reveal_focus = true;
}

/* "Yes, I need more time": back to where the citizen was, focus and
 * keyboard as they left them. */
static void close_timeout(struct ui *ui)
{
	ui->dialog_timeout = false;
	ui->has_focus = ui->saved_has_focus;
	ui->focus_action = ui->saved_focus_action;
	ui->focus_arg = ui->saved_focus_arg;
	ui->kbd_visible = ui->saved_kbd_visible;
	ui->reveal_focus = true;
}

/* ---- actions ---- */

static void activate(struct ui *ui, const struct ui_widget *w)
{
	switch (w->action) {
	case UI_ACT_START: go_screen(ui, UI_SCREEN_SERVICES); break;
	case UI_ACT_LANGUAGE:
		if (w->arg >= 0 && (size_t)w->arg < ui->cfg.nlanguages) {
			set_language(ui, (size_t)w->arg);
			emit(ui, (struct ui_event){.kind = UI_EV_LANGUAGE, .language = ui->language});
			set_focus(ui, w->action, w->arg);
			ui->say_focus = true;
		}
		break;
	case UI_ACT_SERVICE: start_journey(ui, (size_t)w->arg); break;
	case UI_ACT_CONTINUE:
		if (ui->screen == UI_SCREEN_STEP)
			do_continue(ui);
		break;
	case UI_ACT_BACK: do_back(ui); break;
	case UI_ACT_HELP:
	case UI_ACT_SETTINGS: {
		enum ui_screen to = w->action == UI_ACT_HELP ? UI_SCREEN_HELP : UI_SCREEN_SETTINGS;
		if (ui->screen == to)
			break;
		/* From one of the two to the other, Done still goes back to
		 * where the citizen was. */
		if (ui->screen != UI_SCREEN_HELP && ui->screen != UI_SCREEN_SETTINGS)
			ui->help_from = ui->screen;
		go_screen(ui, to);
		break;
	}
	case UI_ACT_HELP_RETURN:
		ui->screen = ui->help_from;
		ui->guard_until = ui->now + UI_GUARD_MS;
		ui->has_focus = false;
		ui->say_page = true;
		ui->explored = -1;
		break;
	case UI_ACT_LANG_SWITCH:
		if (w->arg >= 0 && (size_t)w->arg < ui->cfg.nlanguages) {
			set_language(ui, (size_t)w->arg);
			emit(ui, (struct ui_event){.kind = UI_EV_LANGUAGE, .language = ui->language});
			ui->say_page = true;
		}
		break;
	case UI_ACT_TEXT_SIZE:
		ui->prefs.text_percent = w->arg == 150 || w->arg == 200 ? w->arg : 100;
		emit(ui, (struct ui_event){.kind = UI_EV_PREFERENCE,
					   .pref = "text_size",
					   .value = ui->prefs.text_percent == 200   ? "200"
						    : ui->prefs.text_percent == 150 ? "150"
										    : "100"});
		set_focus(ui, w->action, w->arg);
		break;
	case UI_ACT_CONTRAST:
		ui->prefs.high_contrast = w->arg != 0;
		emit(ui, (struct ui_event){.kind = UI_EV_PREFERENCE,
					   .pref = "contrast",
					   .value = w->arg ? "high" : "standard"});
		set_focus(ui, w->action, w->arg);
		break;
	case UI_ACT_SPEECH:
		ui->prefs.speech = w->arg != 0;
		emit(ui, (struct ui_event){.kind = UI_EV_PREFERENCE,
					   .pref = "speech",
					   .value = w->arg ? "on" : "off"});
		set_focus(ui, w->action, w->arg);
		ui->say_focus = true;
		break;
	case UI_ACT_EXTRA_TIME:
		ui->prefs.more_time = w->arg != 0;
		emit(ui, (struct ui_event){.kind = UI_EV_PREFERENCE,
					   .pref = "more_time",
					   .value = w->arg ? "on" : "off"});
		set_focus(ui, w->action, w->arg);
		break;
	case UI_ACT_FIELD: set_focus(ui, UI_ACT_FIELD, w->arg); break;
	case UI_ACT_OPTION:
		toggle_option(ui, w->arg);
		set_focus(ui, UI_ACT_OPTION, w->arg);
		break;
	case UI_ACT_CHANGE:
		if (session_change(ui->session, (size_t)w->arg) == HATCH_OK)
			enter_step(ui);
		break;
	case UI_ACT_SEND: do_send(ui); break;
	case UI_ACT_FINISH:
	case UI_ACT_START_AGAIN:
		end_session(ui);
		go_screen(ui, UI_SCREEN_WELCOME);
		break;
	case UI_ACT_ERROR_LINK:
		if (w->arg >= 0 && ui_addr_finding(ui)) {
			if (ui->addr.mode == UI_ADDR_PICK)
				set_focus(ui, UI_ACT_ADDR_PICK, 0);
			else
				set_focus(ui, UI_ACT_FIELD, UI_ADDR_QUERY);
		} else if (w->arg >= 0) {
			const struct journey_step *st = ui_current_step(ui);
			if (st && boxes_for(st))
				set_focus(ui, UI_ACT_FIELD, w->arg);
			else
				set_focus(ui, UI_ACT_OPTION, 0);
		}
		break;
	case UI_ACT_KEY: press_key(ui, w->arg); break;
	case UI_ACT_ADDR_PICK:
		if (w->arg >= 0 && (size_t)w->arg < ui->addr.nfound) {
			ui->addr.chosen = w->arg;
			set_focus(ui, UI_ACT_ADDR_PICK, w->arg);
			ui->say_focus = true;
		}
		break;
	case UI_ACT_ADDR_MANUAL: addr_manual(ui); break;
	case UI_ACT_ADDR_BY_TEXT:
		/* The other way of finding: the box empties, and its keyboard
		 * changes (letters for words, capitals and digits for a
		 * postcode). */
		ui->addr.by_text = w->arg != 0;
		ui->addr.mode = UI_ADDR_FIND;
		ui->addr.problem = NULL;
		ui->errors = false;
		field_set(&ui->fields[UI_ADDR_QUERY], "");
		ui->say_page = true;
		set_focus(ui, UI_ACT_FIELD, UI_ADDR_QUERY);
		break;
	case UI_ACT_ADDR_CHANGE:
		ui->addr.mode = UI_ADDR_FIND;
		ui->addr.problem = NULL;
		ui->errors = false;
		ui->say_page = true;
		set_focus(ui, UI_ACT_FIELD, UI_ADDR_QUERY);
		break;
	case UI_ACT_SCROLL_UP: ui->scroll -= ui->body_h * 3 / 4; break;
	case UI_ACT_SCROLL_DOWN: ui->scroll += ui->body_h * 3 / 4; break;
	case UI_ACT_MORE_TIME: close_timeout(ui); break;
	case UI_ACT_DISMISS:
		ui->dialog_save_failed = false;
		set_focus(ui, UI_ACT_SEND, 0);
		break;
	case UI_ACT_STAFF_FIELD:
	case UI_ACT_STAFF_SIGN_IN:
	case UI_ACT_STAFF_ASSIST:
	case UI_ACT_STAFF_RETRY:
	case UI_ACT_STAFF_DELIVER:
	case UI_ACT_STAFF_TECH:
	case UI_ACT_STAFF_PAUSE:
	case UI_ACT_STAFF_DASH:
	case UI_ACT_HAND_BACK: staff_activate(ui, w); break;
	case UI_ACT_SATISFACTION:
		/* Once: the survey becomes its thanks. */
		if (w->arg >= 1 && w->arg <= 5 && !ui->satisfaction && ui->session &&
		    session_finished(ui->session)) {
			ui->satisfaction = w->arg;
			emit(ui, (struct ui_event){.kind = UI_EV_SATISFACTION, .satisfaction = w->arg});
			set_focus(ui, UI_ACT_FINISH, 0);
			ui->say_page = true;
		}
		break;
	case UI_ACT_NONE: break;
	}
}

/* ---- input ---- */

static bool idle_applies(const struct ui *ui)
{
	if (ui->staff_paused)
		return false;
	return ui->staff_id[0] || ui_staff_screen(ui) || ui->screen != UI_SCREEN_WELCOME || ui->session ||
	       (ui->cfg.nlanguages && strcmp(ui->language, ui->cfg.languages[0].code)) ||
	       ui->prefs.text_percent != 100 || ui->prefs.high_contrast || ui->prefs.speech ||
	       ui->prefs.more_time;
}

static bool inside(const struct ui_rect *r, int x, int y)
{
	return x >= r->x && y >= r->y && x < r->x + r->w && y < r->y + r->h;
}

/* A widget of the page takes taps only where the page shows it: not under
 * the header, the footer or the keyboard. */
static bool hit(const struct ui *ui, const struct ui_widget *w, int x, int y)
{
	return w->visible && inside(&w->rect, x, y) && (!w->in_body || inside(&ui->body, x, y));
}

/* The topmost widget that takes a tap at X, Y: a dialog's own first. */
static int widget_at(const struct ui *ui, int x, int y)
{
	bool dialog = ui->dialog_timeout || ui->dialog_save_failed;
	for (size_t i = ui->nw; i-- > 0;) {
		const struct ui_widget *w = &ui->w[i];
		if (w->action == UI_ACT_NONE && w->role != UI_ROLE_DIALOG)
			continue;
		if (!hit(ui, w, x, y))
			continue;
		if (dialog && w->role == UI_ROLE_DIALOG)
			return -1; /* inside the dialog but on nothing */
		if (dialog && w->action != UI_ACT_MORE_TIME &&
		    w->action != UI_ACT_START_AGAIN && w->action != UI_ACT_DISMISS)
			continue;
		if (w->action != UI_ACT_NONE)
			return (int)i;
	}
	return -1;
}

/* Places the caret of a box where it was tapped. */
static void caret_at(struct ui *ui, const struct ui_widget *w, int x)
{
	struct ui_field *f = ui_focused_field(ui);
	if (!f || !ui->have_metrics || w->role != UI_ROLE_TEXTBOX)
		return;
	const struct journey_step *st = ui_current_step(ui);
	if (st && st->kind == STEP_LONG_TEXT) {
		f->caret = f->anchor = f->len;
		return;
	}
	int rel = x - w->rect.x - ui->st.pad / 2 + f->scroll_x;
	size_t at = 0;
	while (at < f->len) {
		size_t nx = next_char(f, at);
		int mid = (ui_text_width(ui, UI_FONT_REGULAR, ui->st.body_px, f->text, at) +
			   ui_text_width(ui, UI_FONT_REGULAR, ui->st.body_px, f->text, nx)) / 2;
		if (rel < mid)
			break;
		at = nx;
	}
	f->caret = f->anchor = at;
}

static bool move_focus(struct ui *ui, int dir)
{
	int n = (int)ui->nw, cur = ui_focus(ui);
	bool dialog = ui->dialog_timeout || ui->dialog_save_failed;
	for (int step = 1; step <= n; step++) {
		int i = cur < 0 ? (dir > 0 ? step - 1 : n - step)
				: ((cur + dir * step) % n + n) % n;
		const struct ui_widget *w = &ui->w[i];
		if (!w->focusable)
			continue;
		if (dialog && w->action != UI_ACT_MORE_TIME &&
		    w->action != UI_ACT_START_AGAIN && w->action != UI_ACT_DISMISS)
			continue;
		set_focus(ui, w->action, w->arg);
		if (w->action != UI_ACT_FIELD && w->action != UI_ACT_KEY)
			ui->kbd_visible = false;
		return true;
	}
	return false;
}

static bool handle_key(struct ui *ui, const struct ui_input *in)
{
	struct ui_field *f = ui_focused_field(ui);
	int fi = ui_focus(ui);
	const struct ui_widget *fw = fi >= 0 ? &ui->w[fi] : NULL;
	bool dialog = ui->dialog_timeout || ui->dialog_save_failed;
	if (f && !dialog && edit_key(ui, f, in))
		return true;
	switch (in->key) {
	case UI_KEY_TAB: return move_focus(ui, in->shift ? -1 : 1);
	case UI_KEY_DOWN:
	case UI_KEY_RIGHT: return move_focus(ui, 1);
	case UI_KEY_UP:
	case UI_KEY_LEFT: return move_focus(ui, -1);
	case UI_KEY_PAGE_DOWN: ui->scroll += ui->body_h * 3 / 4; return true;
	case UI_KEY_PAGE_UP: ui->scroll -= ui->body_h * 3 / 4; return true;
	case UI_KEY_ENTER:
	case UI_KEY_SPACE:
		if (f && !dialog && ui->screen == UI_SCREEN_STAFF_SIGN_IN) {
			if (in->key == UI_KEY_SPACE)
				return false;
			if (ui->focus_arg == 0)
				set_focus(ui, UI_ACT_STAFF_FIELD, 1);
			else
				staff_sign_in(ui);
			return true;
		}
		if (f && !dialog) {
			const struct journey_step *st = ui_current_step(ui);
			if (st && st->kind == STEP_LONG_TEXT && in->key == UI_KEY_ENTER) {
				insert_text(ui, f, "\n");
				return true;
			}
			if (in->key == UI_KEY_SPACE)
				return false;
			/* Enter in a box: on to the next box, or Continue. An
			 * address's last line is its postcode; its finder has
			 * one box. */
			size_t boxes = st && st->kind == STEP_ADDRESS
					       ? (ui_addr_finding(ui) ? 0 : ADDR_LINES)
					       : ui->nfields;
			if ((size_t)ui->focus_arg + 1 < boxes)
				set_focus(ui, UI_ACT_FIELD, ui->focus_arg + 1);
			else
				do_continue(ui);
			return true;
		}
		if (fw) {
			activate(ui, fw);
			return true;
		}
		return false;
	case UI_KEY_STAFF:
		if (ui->staff.by_keys)
			ui_open_staff(ui);
		return true;
	case UI_KEY_HELP:
		if (!dialog && ui->screen != UI_SCREEN_HELP && !ui_staff_screen(ui)) {
			struct ui_widget hw = {.action = UI_ACT_HELP};
			activate(ui, &hw);
		}
		return true;
	case UI_KEY_ESCAPE:
		if (ui->dialog_timeout) {
			close_timeout(ui);
			return true;
		}
		if (ui->dialog_save_failed) {
			ui->dialog_save_failed = false;
			return true;
		}
		do_back(ui);
		return true;
	default: return false;
	}
}

/* The staff's hidden way in: five taps within five seconds on the corner
 * above the council's name (top left, or top right when mirrored), where
 * nothing else takes a tap. True when the fifth opened staff sign-in. */
static bool corner_tap(struct ui *ui, const struct ui_input *in)
{
	int size = ui_min_target(ui->cfg.dpi);
	bool rtl = ui->rtl && !ui_staff_screen(ui);
	bool in_corner = in->y < size && (rtl ? in->x >= ui->width - size : in->x < size);
	if (!ui->has_staff || !ui->staff.by_corner || !in_corner || ui->header_hidden) {
		ui->corner_taps = 0;
		return false;
	}
	if (!ui->corner_taps || in->ms > ui->corner_since + 5000) {
		ui->corner_taps = 0;
		ui->corner_since = in->ms;
	}
	if (++ui->corner_taps < 5)
		return false;
	ui->corner_taps = 0;
	ui_open_staff(ui);
	return ui_staff_screen(ui);
}

bool ui_handle(struct ui *ui, const struct ui_input *in)
{
	ui->now = in->ms;
	if (in->kind == UI_IN_TICK) {
		if (ui->dialog_timeout) {
			if (in->ms >= ui->dialog_deadline) {
				abandoned(ui, true);
				end_session(ui);
				go_screen(ui, UI_SCREEN_WELCOME);
			}
			return true; /* the countdown moved */
		}
		/* Staff left signed in and gone: everything is wiped, timeout
		 * paused or not. */
		if (ui->staff_id[0] && in->ms >= ui->last_input + staff_ms(ui)) {
			abandoned(ui, true);
			hand_back(ui);
			return true;
		}
		if (idle_applies(ui) &&
		    in->ms >= ui->last_input + (uint64_t)ui_idle_seconds(ui) * 1000) {
			ui_show_timeout(ui, in->ms);
			return true;
		}
		return false;
	}
	ui->last_input = in->ms;
	bool was_visible = ui->focus_visible;
	ui->focus_visible = in->kind == UI_IN_KEY || (in->kind == UI_IN_TEXT && ui->focus_visible);
	bool dialog = ui->dialog_timeout || ui->dialog_save_failed;
	if (was_visible != ui->focus_visible && in->kind == UI_IN_KEY) {
		/* The first key shows the ring: redraw whatever the key did. */
		handle_key(ui, in);
		return true;
	}
	switch (in->kind) {
	case UI_IN_DOWN:
		if (corner_tap(ui, in)) {
			ui->pressing = false;
			return true;
		}
		ui->pressing = true;
		ui->dragging = false;
		ui->press_widget = widget_at(ui, in->x, in->y);
		ui->press_x = in->x;
		ui->press_y = in->y;
		ui->press_scroll = ui->scroll;
		return false;
	case UI_IN_MOVE:
		if (!ui->pressing || dialog)
			return false;
		if (!ui->dragging && (abs(in->y - ui->press_y) > UI_DRAG_PX) &&
		    in->y >= ui->body.y && in->y < ui->body.y + ui->body.h)
			ui->dragging = true;
		if (ui->dragging) {
			ui->scroll = ui->press_scroll - (in->y - ui->press_y);
			return true;
		}
		return false;
	case UI_IN_UP: {
		if (!ui->pressing)
			return false;
		ui->pressing = false;
		if (ui->dragging || in->ms < ui->guard_until)
			return ui->dragging;
		int i = widget_at(ui, in->x, in->y);
		if (i < 0 || i != ui->press_widget)
			return false;
		struct ui_widget w = ui->w[i];
		if (ui->prefs.speech && i != ui->explored) {
			/* Touch and hear: the first touch says what is there
			 * and puts focus on it; a second touch on it acts. */
			ui->explored = i;
			if (w.focusable)
				set_focus(ui, w.action, w.arg);
			ui->say_focus = true;
			if (w.action != UI_ACT_FIELD)
				ui->kbd_visible = ui->kbd_visible && w.action == UI_ACT_KEY;
			return true;
		}
		ui->explored = -1;
		activate(ui, &w);
		if (w.action == UI_ACT_FIELD)
			caret_at(ui, &w, in->x);
		else if (w.action != UI_ACT_KEY && ui->screen == UI_SCREEN_STEP &&
			 w.action != UI_ACT_FIELD)
			ui->kbd_visible = ui->kbd_visible && ui_focused_field(ui);
		return true;
	}
	case UI_IN_KEY: return handle_key(ui, in);
	case UI_IN_TEXT: {
		struct ui_field *f = ui_focused_field(ui);
		if (f && !dialog) {
			insert_text(ui, f, in->text);
			ui->reveal_focus = true;
			ui_say(ui, in->text, true);
			return true;
		}
		if (!strcmp(in->text, " ")) {
			struct ui_input sp = *in;
			sp.kind = UI_IN_KEY;
			sp.key = UI_KEY_SPACE;
			return handle_key(ui, &sp);
		}
		return false;
	}
	case UI_IN_TICK: break;
	}
	return false;
}

long ui_next_timer(const struct ui *ui, uint64_t now)
{
	if (ui->dialog_timeout) {
		if (now >= ui->dialog_deadline)
			return 0;
		/* Wake as the countdown's second changes. */
		long left = (long)(ui->dialog_deadline - now);
		long r = left % 1000;
		return r ? r : 1000;
	}
	uint64_t at = UINT64_MAX;
	if (idle_applies(ui))
		at = ui->last_input + (uint64_t)ui_idle_seconds(ui) * 1000;
	if (ui->staff_id[0] && ui->last_input + staff_ms(ui) < at)
		at = ui->last_input + staff_ms(ui);
	if (at == UINT64_MAX)
		return -1;
	return at > now ? (long)(at - now) : 0;
}

void ui_show_timeout(struct ui *ui, uint64_t now)
{
	ui->now = now;
	ui->saved_has_focus = ui->has_focus;
	ui->saved_focus_action = ui->focus_action;
	ui->saved_focus_arg = ui->focus_arg;
	ui->saved_kbd_visible = ui->kbd_visible;
	ui->dialog_timeout = true;
	ui->dialog_deadline = now + (uint64_t)ui_warning_seconds(ui) * 1000;
	ui->say_page = true;
	ui->kbd_visible = false;
	set_focus(ui, UI_ACT_MORE_TIME, 0);
}

const struct ui_prefs *ui_prefs(const struct ui *ui)
{
	return &ui->prefs;
}

void ui_set_prefs(struct ui *ui, const struct ui_prefs *p)
{
	/* Speech turned on says where the citizen is. */
	if (p->speech && !ui->prefs.speech)
		ui->say_page = true;
	ui->prefs = *p;
	if (p->text_percent != 150 && p->text_percent != 200)
		ui->prefs.text_percent = 100;
}

int ui_idle_seconds(const struct ui *ui)
{
	return ui->cfg.idle_seconds * (ui->prefs.more_time ? 2 : 1);
}

int ui_warning_seconds(const struct ui *ui)
{
	return ui->cfg.warning_seconds * (ui->prefs.more_time ? 2 : 1);
}

void ui_say(struct ui *ui, const char *text, bool interrupt)
{
	if (ui->prefs.speech && ui->host.speak && text && *text)
		ui->host.speak(ui->host.user, ui->language, text, interrupt);
}

/* Appends ", TEXT" (or TEXT first) to OUT. */
static void add_part(char *out, size_t size, const char *text)
{
	if (!text || !*text)
		return;
	size_t o = strlen(out);
	if (o + 3 >= size)
		return;
	snprintf(out + o, size - o, "%s%s", o ? ", " : "", text);
}

static const char *role_name(const struct ui *ui, enum ui_role r)
{
	switch (r) {
	case UI_ROLE_BUTTON: return ui_tr(ui, N_("button"));
	case UI_ROLE_LINK: return ui_tr(ui, N_("link"));
	case UI_ROLE_TEXTBOX: return ui_tr(ui, N_("edit box"));
	case UI_ROLE_RADIO: return ui_tr(ui, N_("option"));
	case UI_ROLE_CHECKBOX: return ui_tr(ui, N_("tick box"));
	case UI_ROLE_KEY: return ui_tr(ui, N_("key"));
	case UI_ROLE_TILE: return ui_tr(ui, N_("service"));
	case UI_ROLE_HEADING: return ui_tr(ui, N_("heading"));
	case UI_ROLE_ALERT: return ui_tr(ui, N_("alert"));
	case UI_ROLE_DIALOG: return ui_tr(ui, N_("dialog"));
	case UI_ROLE_TEXT:
	case UI_ROLE_IMAGE: return "";
	}
	return "";
}

void ui_describe(const struct ui *ui, size_t i, char *out, size_t size)
{
	const struct ui_widget *w = &ui->w[i];
	out[0] = '\0';
	add_part(out, size, ui_widget_label(ui, w));
	add_part(out, size, role_name(ui, w->role));
	if (w->role == UI_ROLE_RADIO || w->role == UI_ROLE_CHECKBOX)
		add_part(out, size, w->checked ? ui_tr(ui, N_("selected")) : ui_tr(ui, N_("not selected")));
	if (w->role == UI_ROLE_TEXTBOX && w->action == UI_ACT_STAFF_FIELD) {
		/* A PIN is never said, only how many digits are in. */
		const struct ui_field *f = &ui->staff_fields[w->arg ? 1 : 0];
		char n[64];
		snprintf(n, sizeof n, "%zu", f->len);
		add_part(out, size, w->arg ? (f->len ? n : "blank") : (f->len ? f->text : "blank"));
	} else if (w->role == UI_ROLE_TEXTBOX && w->arg >= 0 && (size_t)w->arg < ui->nfields) {
		const struct ui_field *f = &ui->fields[w->arg];
		add_part(out, size, f->len ? f->text : ui_tr(ui, N_("blank")));
	}
	if (ui->session && ui->screen == UI_SCREEN_STEP &&
	    (w->role == UI_ROLE_TEXTBOX || w->role == UI_ROLE_RADIO || w->role == UI_ROLE_CHECKBOX)) {
		const struct session_error *errs;
		size_t n = ui->errors ? ui_errors(ui, &errs) : 0;
		for (size_t k = 0; k < n; k++)
			if (w->role != UI_ROLE_TEXTBOX || errs[k].part == (size_t)w->arg) {
				char e[600];
				snprintf(e, sizeof e, "%s: %s", ui_tr(ui, N_("Error")), errs[k].message);
				add_part(out, size, e);
				break;
			}
		const struct journey_step *st = ui_current_step(ui);
		if (st && st->hint && w->role == UI_ROLE_TEXTBOX)
			add_part(out, size, ui_tr(ui, st->hint));
	}
}

void ui_announce(struct ui *ui)
{
	if (!ui->prefs.speech || !ui->host.speak) {
		ui->say_page = ui->say_focus = false;
		return;
	}
	char text[4096] = "";
	if (ui->say_page) {
		/* The page: its headings, alerts and dialog, in reading order,
		 * then the hint of a question. */
		for (size_t i = 0; i < ui->nw; i++) {
			const struct ui_widget *w = &ui->w[i];
			bool dialog = ui->dialog_timeout || ui->dialog_save_failed;
			if ((w->role == UI_ROLE_HEADING && !dialog) || w->role == UI_ROLE_ALERT ||
			    w->role == UI_ROLE_DIALOG || (dialog && w->role == UI_ROLE_TEXT))
				add_part(text, sizeof text, ui_widget_label(ui, w));
		}
		const struct journey_step *st = ui->screen == UI_SCREEN_STEP ? ui_current_step(ui) : NULL;
		if (st && st->hint && !ui->dialog_timeout)
			add_part(text, sizeof text, ui_tr(ui, st->hint));
	}
	int fi = ui_focus(ui);
	if ((ui->say_focus || ui->say_page) && fi >= 0) {
		char d[1024];
		ui_describe(ui, (size_t)fi, d, sizeof d);
		add_part(text, sizeof text, d);
	} else if (ui->say_focus && ui->explored >= 0 && (size_t)ui->explored < ui->nw) {
		char d[1024];
		ui_describe(ui, (size_t)ui->explored, d, sizeof d);
		add_part(text, sizeof text, d);
	}
	ui->say_page = ui->say_focus = false;
	if (text[0])
		ui->host.speak(ui->host.user, ui->language, text, true);
	mem_wipe(text, sizeof text);
}

void ui_select_language(struct ui *ui, const char *code)
{
	for (size_t i = 0; i < ui->cfg.nlanguages; i++)
		if (!strcmp(ui->cfg.languages[i].code, code))
			set_language(ui, i);
}

void ui_show_screen(struct ui *ui, enum ui_screen screen)
{
	if ((screen == UI_SCREEN_HELP || screen == UI_SCREEN_SETTINGS) &&
	    ui->screen != UI_SCREEN_HELP && ui->screen != UI_SCREEN_SETTINGS)
		ui->help_from = ui->screen;
	go_screen(ui, screen);
}

/* Copies one answer as typed from JSON: a string, or a list of strings. */
static enum hatch_err answer_parts(json_t *v, const char **parts, size_t *n)
{
	*n = 0;
	if (json_is_string(v)) {
		parts[(*n)++] = json_string_value(v);
		return HATCH_OK;
	}
	if (!json_is_array(v) || json_array_size(v) > ANSWER_MAX_PARTS)
		return HATCH_ERR_INPUT;
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *p = json_array_get(v, i);
		if (!json_is_string(p))
			return HATCH_ERR_INPUT;
		parts[(*n)++] = json_string_value(p);
	}
	return HATCH_OK;
}

enum hatch_err ui_show_step(struct ui *ui, const char *journey_id, const char *step_id,
			    const char *answers_json, struct hatch_error *e)
{
	size_t ji = 0;
	while (ji < ui->njourneys && strcmp(ui->journeys[ji]->id, journey_id))
		ji++;
	if (ji == ui->njourneys)
		return err_set(e, HATCH_ERR_NOTFOUND, "no journey has the id \"%s\"", journey_id);
	const struct journey *j = ui->journeys[ji];
	long target = journey_find_step(j, step_id);
	if (target < 0)
		return err_set(e, HATCH_ERR_NOTFOUND, "journey \"%s\" has no step \"%s\"",
			       journey_id, step_id);
	json_t *answers = NULL;
	if (answers_json) {
		json_error_t je;
		answers = json_loads(answers_json, JSON_REJECT_DUPLICATES, &je);
		if (!answers || !json_is_object(answers)) {
			json_decref(answers);
			return err_set(e, HATCH_ERR_INPUT, "answers: line %d: %s", je.line,
				       answers ? "must be an object of step id: answer" : je.text);
		}
	}
	if (!start_journey(ui, ji)) {
		json_decref(answers);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	/* Walk forward with the given answers until the step is reached. */
	enum hatch_err rc = HATCH_OK;
	while (session_current(ui->session) != (size_t)target) {
		const struct journey_step *st = session_step(ui->session);
		if (session_finished(ui->session)) {
			rc = err_set(e, HATCH_ERR_INPUT,
				     "the answers lead to \"%s\", which ends the journey before \"%s\"",
				     st->id, step_id);
			break;
		}
		if (st->kind == STEP_CHECK_ANSWERS) {
			if (j->steps[target].kind != STEP_CONFIRMATION) {
				rc = err_set(e, HATCH_ERR_INPUT,
					     "the answers do not lead to \"%s\"", step_id);
				break;
			}
			do_send(ui);
			if (session_step(ui->session)->kind != STEP_CONFIRMATION)
				rc = err_set(e, HATCH_ERR_IO, "the record could not be saved");
			break;
		}
		const char *parts[ANSWER_MAX_PARTS];
		size_t n = 0;
		json_t *v = answers ? json_object_get(answers, st->id) : NULL;
		if (v && answer_parts(v, parts, &n) != HATCH_OK) {
			rc = err_set(e, HATCH_ERR_INPUT,
				     "answers: \"%s\" must be a string or a list of strings", st->id);
			break;
		}
		if (journey_kind_is_question(st->kind) && !v && st->required) {
			rc = err_set(e, HATCH_ERR_INPUT,
				     "answers: \"%s\" needs an answer to reach \"%s\"", st->id,
				     step_id);
			break;
		}
		if (session_continue(ui->session, parts, n) != HATCH_OK) {
			const struct session_error *errs;
			size_t ne = session_errors(ui->session, &errs);
			rc = err_set(e, HATCH_ERR_INPUT, "answers: \"%s\": %s", st->id,
				     ne ? errs[0].message : "not accepted");
			break;
		}
	}
	/* The address step's answer as a string is what was looked for:
	 * a postcode, or else words. */
	json_t *q = answers && rc == HATCH_OK ? json_object_get(answers, step_id) : NULL;
	if (rc == HATCH_OK)
		enter_step(ui);
	if (json_is_string(q) && ui_addr_finding(ui)) {
		char pc[POSTCODE_PREFIXES][POSTCODE_SIZE];
		ui->addr.by_text = !postcode_prefixes(json_string_value(q), pc);
		field_set(&ui->fields[UI_ADDR_QUERY], json_string_value(q));
		addr_search(ui);
	}
	json_decref(answers);
	return rc;
}
