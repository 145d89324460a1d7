/* Laying out the kiosk's screens: header, a scrolling body, a footer with
 * Back and the page's main button, and the on-screen keyboard, as widgets
 * and a draw list. GOV.UK patterns and colours. Knows no SDL. */
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "base/msg.h"
#include "base/utf8.h"
#include "ui/ui_int.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static int S(const struct ui *ui, int v)
{
	return (v * ui->cfg.dpi + 48) / 96;
}

static void compute_style(struct ui *ui)
{
	struct ui_style *st = &ui->st;
	bool narrow = ui->width < 1000;
	st->unit = MAX(1, S(ui, 1));
	st->target = ui_min_target(ui->cfg.dpi);
	st->pad = S(ui, narrow ? 16 : 24);
	/* The citizen's text size scales every text; what holds text grows
	 * with it (buttons, rows and boxes are sized from their text). */
	int pct = ui->prefs.text_percent;
	st->body_px = S(ui, narrow ? 22 : 26) * pct / 100;
	st->caption_px = S(ui, narrow ? 19 : 22) * pct / 100;
	st->button_px = S(ui, narrow ? 22 : 26) * pct / 100;
	st->heading_px = S(ui, narrow ? 30 : 44) * pct / 100;
	st->title_px = S(ui, narrow ? 22 : 28) * pct / 100;
	st->target = MAX(st->target, ui_line_height(ui, UI_FONT_BOLD, st->button_px) + st->pad / 2);
	/* The keyboard keeps its size whatever the text size: at 200% on a
	 * 7-inch screen, bigger keys would leave no room for the question. */
	st->key_h = ui_min_target(ui->cfg.dpi);
	st->key_px = S(ui, narrow ? 22 : 26);
	st->header_h = MAX(st->target, ui_line_height(ui, UI_FONT_BOLD, st->title_px)) +
		       st->pad / 2 * 2;
	st->footer_h = st->target + st->pad;
}

/* ---- building blocks ---- */

struct col {
	int x, w;   /* the content column */
	int y;      /* the next free line, in body coordinates */
};

static int text_h(struct ui *ui, const struct col *c, enum ui_font f, int px,
		  const char *s, int w)
{
	(void)c;
	return ui_paragraph(ui, 0, 0, w, f, px, UI_BLACK, s, false, -1);
}

static void para(struct ui *ui, struct col *c, enum ui_font f, int px, struct ui_color col,
		 const char *s, int gap_after)
{
	if (!s || !*s)
		return;
	c->y += ui_paragraph(ui, c->x, c->y, c->w, f, px, col, s, true, -1);
	c->y += gap_after;
}

/* A button: filled, with its label centred (wrapped when narrow). */
static int button(struct ui *ui, struct ui_rect r, const char *label, enum ui_action a,
		  int arg, bool primary)
{
	const struct ui_style *st = &ui->st;
	int inner = r.w - st->pad;
	int th = ui_paragraph(ui, 0, 0, inner, UI_FONT_BOLD, st->button_px, UI_BLACK, label,
			      false, -1);
	if (r.h < th + st->pad / 2)
		r.h = th + st->pad / 2;
	int wi = ui_add_widget(ui, UI_ROLE_BUTTON, a, arg, r, label, true);
	struct ui_color bg = primary ? UI_GREEN : UI_LIGHT_GREY;
	struct ui_color fg = primary ? UI_WHITE : UI_BLACK;
	ui_rect_cmd(ui, r, bg, wi);
	/* GOV.UK's shadow under a button. */
	ui_rect_cmd(ui, (struct ui_rect){r.x, r.y + r.h - 2 * st->unit, r.w, 2 * st->unit},
		    primary ? UI_DARK_GREEN : UI_GREY, wi);
	if (!primary)
		ui_border_cmd(ui, r, UI_GREY, st->unit, wi);
	/* Centre each wrapped line. */
	int y = r.y + (r.h - th) / 2;
	const char *p = label;
	size_t start = ui->draw.n;
	ui_paragraph(ui, r.x + st->pad / 2, y, inner, UI_FONT_BOLD, st->button_px, fg, p, true,
		     wi);
	for (size_t i = start; i < ui->draw.n; i++) {
		struct ui_cmd *cmd = &ui->draw.cmds[i];
		cmd->r.x = r.x + (r.w - cmd->r.w) / 2;
	}
	return r.h;
}

static int button_width(struct ui *ui, const char *label)
{
	return MAX(ui->st.target * 2,
		   ui_text_width(ui, UI_FONT_BOLD, ui->st.button_px, label, strlen(label)) +
			   2 * ui->st.pad);
}

static void icon(struct ui *ui, struct ui_rect r, const char *name, int widget)
{
	struct ui_cmd cmd = {.kind = UI_CMD_ICON, .r = r, .widget = widget};
	cmd.text = ui_push_bytes(ui, name, strlen(name));
	cmd.len = strlen(name);
	ui_push_cmd(ui, &cmd);
}

/* ---- header, footer, keyboard ---- */

/* A header button: optional icon, then a label (or the icon alone when
 * COMPACT). Returns its width for WIDTH_ONLY. */
static int header_button(struct ui *ui, int x, const char *icon_name, const char *label,
			 const char *name, enum ui_action a, int arg, bool compact, bool width_only)
{
	const struct ui_style *st = &ui->st;
	int is = st->target * 2 / 3;
	bool text = !compact || !icon_name;
	int tw = text ? ui_text_width(ui, UI_FONT_BOLD, st->button_px, label, strlen(label)) : 0;
	int w = st->pad / 2 + (icon_name ? is : 0) + (icon_name && text ? st->pad / 3 : 0) + tw +
		st->pad / 2;
	w = MAX(w, st->target);
	if (width_only)
		return w;
	struct ui_rect r = {x, (st->header_h - st->target) / 2, w, st->target};
	int wi = ui_add_widget(ui, UI_ROLE_BUTTON, a, arg, r, name, true);
	ui_rect_cmd(ui, r, UI_WHITE, wi);
	int ix = r.x + (text ? st->pad / 2 : (w - is) / 2);
	if (icon_name)
		icon(ui, (struct ui_rect){ix, r.y + (r.h - is) / 2, is, is}, icon_name, wi);
	if (text) {
		int lh = ui_line_height(ui, UI_FONT_BOLD, st->button_px);
		int lx = icon_name ? ix + is + st->pad / 3 : r.x + (w - tw) / 2;
		ui_text_cmd(ui, lx, r.y + (r.h - lh) / 2, UI_FONT_BOLD, st->button_px, UI_BLACK,
			    label, strlen(label), wi);
	}
	return w;
}

/* The header: the council's name, then the controls every screen has: the
 * one-tap switch between the first two languages (English and Welsh in
 * Wales), the settings (text size, contrast, speech, more time, every
 * language), and help from staff. Labels give way to icons when the room
 * runs out (large text on a small screen); their names stay for speech. */
static void header(struct ui *ui)
{
	const struct ui_style *st = &ui->st;
	struct ui_rect r = {0, 0, ui->width, st->header_h};
	ui_rect_cmd(ui, r, ui->cfg.brand, -1);
	const char *help = ui_tr(ui, N_("Get help"));
	const char *settings = ui_tr(ui, N_("Settings"));
	const char *help_name = ui_tr(ui, N_("Get help from staff"));
	const char *settings_name = ui_tr(ui, N_("Settings: text size, colours, speech and language"));
	/* The language to switch to: the second when the first is shown, else
	 * the first. Its name is in its own language. */
	const struct ui_language *other = NULL;
	int other_i = 0;
	if (ui->cfg.nlanguages >= 2) {
		other_i = strcmp(ui->language, ui->cfg.languages[0].code) ? 0 : 1;
		other = &ui->cfg.languages[other_i];
	}
	/* Staff screens have none of the citizen's buttons. */
	bool staff = ui_staff_screen(ui);
	bool show_help = ui->screen != UI_SCREEN_HELP && !staff;
	bool show_settings = ui->screen != UI_SCREEN_SETTINGS && !staff;
	if (staff)
		other = NULL;
	int gap = st->pad / 2;
	bool compact = false;
	int need = 0;
	for (int pass = 0; pass < 2; pass++) {
		compact = pass == 1;
		need = 0;
		if (show_help)
			need += header_button(ui, 0, "help", help, help_name, UI_ACT_HELP, 0, compact,
					      true) + gap;
		if (show_settings)
			need += header_button(ui, 0, "settings", settings, settings_name,
					      UI_ACT_SETTINGS, 0, compact, true) + gap;
		if (other)
			need += header_button(ui, 0, NULL, other->name, other->name,
					      UI_ACT_LANG_SWITCH, other_i, compact, true) + gap;
		if (need + st->pad + S(ui, 120) <= ui->width)
			break;
	}
	/* Right-aligned, made left to right so that focus moves in reading
	 * order. */
	int x = ui->width - st->pad - need + gap;
	if (other)
		x += header_button(ui, x, NULL, other->name, other->name, UI_ACT_LANG_SWITCH,
				   other_i, compact, false) + gap;
	if (show_settings)
		x += header_button(ui, x, "settings", settings, settings_name, UI_ACT_SETTINGS, 0,
				   compact, false) + gap;
	if (show_help)
		header_button(ui, x, "help", help, help_name, UI_ACT_HELP, 0, compact, false);
	x = ui->width - st->pad - need;
	/* The council's name, cut to the room left. */
	int room = x - st->pad;
	const char *name = ui->cfg.council ? ui->cfg.council : "";
	size_t n = strlen(name);
	while (n && ui_text_width(ui, UI_FONT_BOLD, st->title_px, name, n) > room)
		n--;
	while (n && ((unsigned char)name[n] & 0xC0) == 0x80)
		n--;
	/* Cut at a word when it is cut at all. */
	if (n < strlen(name)) {
		size_t sp = n;
		while (sp && name[sp] != ' ')
			sp--;
		if (sp)
			n = sp;
	}
	int th = ui_line_height(ui, UI_FONT_BOLD, st->title_px);
	if (room > 0)
		ui_text_cmd(ui, st->pad, (st->header_h - th) / 2, UI_FONT_BOLD, st->title_px,
			    UI_WHITE, name, n, -1);
}

struct footer_spec {
	const char *back;       /* NULL: no Back */
	const char *primary;    /* NULL: none */
	enum ui_action primary_action;
};

static void footer(struct ui *ui, struct ui_rect r, const struct footer_spec *f)
{
	const struct ui_style *st = &ui->st;
	ui_rect_cmd(ui, r, UI_LIGHT_GREY, -1);
	ui_rect_cmd(ui, (struct ui_rect){r.x, r.y, r.w, st->unit}, UI_MID_GREY, -1);
	int y = r.y + (r.h - st->target) / 2;
	int left = st->pad, right = r.w - st->pad;
	if (f->back) {
		int bw = button_width(ui, f->back);
		button(ui, (struct ui_rect){left, y, bw, st->target}, f->back, UI_ACT_BACK, 0,
		       false);
		left += bw + st->pad;
	}
	/* The scroll buttons are icons: the minimum target, whatever the text
	 * size. */
	int sb = ui_min_target(ui->cfg.dpi);
	/* The main button's place is kept first; it is made last, so that
	 * focus moves left to right across the footer. */
	struct ui_rect prim = {0, y, 0, st->target};
	if (f->primary) {
		int pw = MIN(button_width(ui, f->primary) + st->pad * 2, right - left);
		if (ui->scroll_max > 0)
			pw = MIN(pw, right - left - 2 * (sb + st->pad / 2) - st->pad);
		prim.x = right - pw;
		prim.w = pw;
		right -= pw + st->pad;
	}
	if (ui->header_hidden && !ui_staff_screen(ui)) {
		/* The header gave way to the keyboard: help comes here, as a
		 * word when there is room, else as its icon. */
		const char *help = ui_tr(ui, N_("Get help"));
		int scroll_w = ui->scroll_max > 0 ? 2 * (sb + st->pad / 2) + st->pad / 2 + st->pad : 0;
		int room = right - left - scroll_w;
		int hw = button_width(ui, help);
		bool word = hw <= room;
		if (!word)
			hw = sb;
		if (hw <= room) {
			int hy = word ? y : r.y + (r.h - sb) / 2;
			struct ui_rect hb = {left, hy, hw, word ? st->target : sb};
			int wi = ui_add_widget(ui, UI_ROLE_BUTTON, UI_ACT_HELP, 0, hb,
					       ui_tr(ui, N_("Get help from staff")), true);
			ui_rect_cmd(ui, hb, UI_WHITE, wi);
			ui_border_cmd(ui, hb, UI_GREY, st->unit, wi);
			if (word) {
				int lh = ui_line_height(ui, UI_FONT_BOLD, st->button_px);
				int tw = ui_text_width(ui, UI_FONT_BOLD, st->button_px, help, strlen(help));
				ui_text_cmd(ui, hb.x + (hw - tw) / 2, y + (st->target - lh) / 2,
					    UI_FONT_BOLD, st->button_px, UI_BLACK, help, strlen(help), wi);
			} else {
				icon(ui, (struct ui_rect){hb.x + 4, hb.y + 4, hb.w - 8, hb.h - 8}, "help",
				     wi);
			}
			left += hw + st->pad;
		}
		/* And the settings, as their icon, so that they too stay one
		 * touch away. */
		if (sb <= right - left - scroll_w && ui->screen != UI_SCREEN_SETTINGS) {
			struct ui_rect sr = {left, r.y + (r.h - sb) / 2, sb, sb};
			int wi = ui_add_widget(
				ui, UI_ROLE_BUTTON, UI_ACT_SETTINGS, 0, sr,
				ui_tr(ui, N_("Settings: text size, colours, speech and language")), true);
			ui_rect_cmd(ui, sr, UI_WHITE, wi);
			ui_border_cmd(ui, sr, UI_GREY, st->unit, wi);
			icon(ui, (struct ui_rect){sr.x + 4, sr.y + 4, sr.w - 8, sr.h - 8}, "settings", wi);
			left += sb + st->pad;
		}
	}
	if (ui->scroll_max > 0) {
		/* Big buttons to scroll, as well as dragging. */
		int bw = sb + st->pad / 2;
		int sy = r.y + (r.h - sb) / 2;
		struct ui_rect up = {right - 2 * bw - st->pad / 2, sy, bw, sb};
		struct ui_rect down = {right - bw, sy, bw, sb};
		if (up.x < left)
			up.x = left, down.x = left + bw + st->pad / 2;
		int wi = ui_add_widget(ui, UI_ROLE_BUTTON, UI_ACT_SCROLL_UP, 0, up,
				       ui_tr(ui, N_("Scroll up")), true);
		ui_rect_cmd(ui, up, UI_WHITE, wi);
		ui_border_cmd(ui, up, UI_GREY, st->unit, wi);
		icon(ui, (struct ui_rect){up.x + 4, up.y + 4, up.w - 8, up.h - 8}, "up", wi);
		wi = ui_add_widget(ui, UI_ROLE_BUTTON, UI_ACT_SCROLL_DOWN, 0, down,
				   ui_tr(ui, N_("Scroll down")), true);
		ui_rect_cmd(ui, down, UI_WHITE, wi);
		ui_border_cmd(ui, down, UI_GREY, st->unit, wi);
		icon(ui, (struct ui_rect){down.x + 4, down.y + 4, down.w - 8, down.h - 8}, "down",
		     wi);
	}
	if (f->primary)
		button(ui, prim, f->primary, f->primary_action, 0, true);
}

static int keyboard_height(struct ui *ui)
{
	const struct ui_key_def *const *rows;
	const size_t *counts;
	size_t n = ui_kbd_rows(ui->kbd_layout, ui->kbd_shift, &rows, &counts);
	int gap = S(ui, 6);
	return (int)n * (ui->st.key_h + gap) + gap;
}

static void keyboard(struct ui *ui, struct ui_rect r)
{
	const struct ui_style *st = &ui->st;
	const struct ui_key_def *const *rows;
	const size_t *counts;
	size_t nrows = ui_kbd_rows(ui->kbd_layout, ui->kbd_shift, &rows, &counts);
	int gap = S(ui, 6);
	ui_rect_cmd(ui, r, (struct ui_color){222, 224, 226, 255}, -1);
	/* One quarter-key width for every row, from the widest row, so keys
	 * line up; a number pad is kept to a comfortable width. */
	int kw = ui->kbd_layout == KBD_DIGITS ? MIN(r.w - 2 * gap, S(ui, 560)) : r.w - 2 * gap;
	int quarter = 1 << 30;
	for (size_t i = 0; i < nrows; i++) {
		int span = 0;
		for (size_t k = 0; k < counts[i]; k++)
			span += rows[i][k].span;
		int q = (kw - gap * (int)(counts[i] - 1)) / span;
		quarter = MIN(quarter, q);
	}
	int index = 0;
	for (size_t i = 0; i < nrows; i++) {
		int span = 0;
		for (size_t k = 0; k < counts[i]; k++)
			span += rows[i][k].span;
		int roww = span * quarter + gap * (int)(counts[i] - 1);
		int x = r.x + (r.w - roww) / 2;
		int y = r.y + gap + (int)i * (st->key_h + gap);
		for (size_t k = 0; k < counts[i]; k++, index++) {
			const struct ui_key_def *key = &rows[i][k];
			int w = key->span * quarter;
			struct ui_rect kr = {x, y, w, st->key_h};
			/* The keys that switch layouts show symbols ("?123",
			 * "ABC") and are named in words for speech. */
			bool to_sym = key->special == KEY_TO_SYMBOLS,
			     to_abc = key->special == KEY_TO_LETTERS;
			const char *label = key->special == KEY_CHAR || to_sym || to_abc
						    ? key->label
						    : ui_tr(ui, key->label);
			const char *name = to_sym   ? ui_tr(ui, N_("Numbers and symbols"))
					   : to_abc ? ui_tr(ui, N_("Letters"))
						    : label;
			bool on = key->special == KEY_SHIFT && ui->kbd_shift;
			int wi = ui_add_widget(ui, UI_ROLE_KEY, UI_ACT_KEY, index, kr, name, true);
			ui_rect_cmd(ui, kr, on ? UI_BLACK : UI_WHITE, wi);
			ui_rect_cmd(ui, (struct ui_rect){kr.x, kr.y + kr.h - 2 * st->unit, kr.w,
							 2 * st->unit},
				    UI_MID_GREY, wi);
			int px = key->special == KEY_CHAR ? st->key_px : st->key_px * 5 / 6;
			enum ui_font f = key->special == KEY_CHAR ? UI_FONT_REGULAR : UI_FONT_BOLD;
			size_t ln = strlen(label);
			while (ln > 1 && ui_text_width(ui, f, px, label, ln) > w - 4)
				px = px * 9 / 10;
			int tw = ui_text_width(ui, f, px, label, ln);
			int th = ui_line_height(ui, f, px);
			ui_text_cmd(ui, kr.x + (w - tw) / 2, kr.y + (kr.h - th) / 2, f, px,
				    on ? UI_WHITE : UI_BLACK, label, ln, wi);
			x += w + gap;
		}
	}
}

/* ---- body pieces ---- */

static void heading(struct ui *ui, struct col *c, const char *text)
{
	if (!text)
		return;
	int h = text_h(ui, c, UI_FONT_BOLD, ui->st.heading_px, text, c->w);
	ui_add_widget(ui, UI_ROLE_HEADING, UI_ACT_NONE, 0, (struct ui_rect){c->x, c->y, c->w, h},
		      text, false);
	para(ui, c, UI_FONT_BOLD, ui->st.heading_px, UI_BLACK, text, ui->st.pad);
}

static void error_summary(struct ui *ui, struct col *c)
{
	const struct ui_style *st = &ui->st;
	const struct session_error *errs;
	size_t n = ui_errors(ui, &errs);
	if (!ui->errors || !n)
		return;
	int top = c->y;
	int inner = c->w - 2 * st->pad - 4 * st->unit;
	const char *title = ui_tr(ui, N_("There is a problem"));
	int h = st->pad + text_h(ui, c, UI_FONT_BOLD, st->heading_px * 3 / 4, title, inner) +
		st->pad / 2;
	for (size_t i = 0; i < n; i++)
		h += MAX(st->target,
			 text_h(ui, c, UI_FONT_BOLD, st->body_px, errs[i].message, inner));
	h += st->pad;
	struct ui_rect box = {c->x, top, c->w, h};
	int wi = ui_add_widget(ui, UI_ROLE_ALERT, UI_ACT_ERROR_LINK, -1, box, title, true);
	ui_border_cmd(ui, box, UI_RED, 4 * st->unit, wi);
	int y = top + st->pad;
	y += ui_paragraph(ui, c->x + st->pad, y, inner, UI_FONT_BOLD, st->heading_px * 3 / 4,
			  UI_BLACK, title, true, wi);
	y += st->pad / 2;
	for (size_t i = 0; i < n; i++) {
		const char *m = errs[i].message;
		int th = text_h(ui, c, UI_FONT_BOLD, st->body_px, m, inner);
		struct ui_rect lr = {c->x + st->pad, y, inner, MAX(st->target, th)};
		int li = ui_add_widget(ui, UI_ROLE_LINK, UI_ACT_ERROR_LINK, (int)errs[i].part, lr,
				       m, true);
		ui_paragraph(ui, lr.x, y + (lr.h - th) / 2, inner, UI_FONT_BOLD, st->body_px,
			     UI_RED, m, true, li);
		y += lr.h;
	}
	c->y = top + h + st->pad;
}

/* The message beside a box, when the last Continue found one. */
static void field_error(struct ui *ui, struct col *c, size_t part, bool any_part)
{
	const struct session_error *errs;
	size_t n = ui_errors(ui, &errs);
	for (size_t i = 0; ui->errors && i < n; i++)
		if (any_part || errs[i].part == part) {
			para(ui, c, UI_FONT_BOLD, ui->st.body_px, UI_RED,
			     errs[i].message, ui->st.pad / 3);
			return;
		}
}

static bool part_has_error(struct ui *ui, size_t part)
{
	const struct session_error *errs;
	size_t n = ui_errors(ui, &errs);
	for (size_t i = 0; ui->errors && i < n; i++)
		if (errs[i].part == part)
			return true;
	return false;
}

static void text_box(struct ui *ui, struct col *c, int box, int w, const char *label,
		     bool multiline)
{
	const struct ui_style *st = &ui->st;
	struct ui_field *f = &ui->fields[box];
	int lh = ui_line_height(ui, UI_FONT_REGULAR, st->body_px);
	int lines = multiline ? 5 : 1;
	struct ui_rect r = {c->x, c->y, MIN(w, c->w), MAX(st->target, lines * lh + st->pad / 2)};
	int wi = ui_add_widget(ui, UI_ROLE_TEXTBOX, UI_ACT_FIELD, box, r, label, true);
	bool bad = part_has_error(ui, (size_t)box);
	ui_rect_cmd(ui, r, UI_WHITE, wi);
	ui_border_cmd(ui, r, bad ? UI_RED : UI_BLACK, 2 * st->unit, wi);
	struct ui_rect inner = {r.x + st->pad / 2, r.y + 2 * st->unit, r.w - st->pad,
				r.h - 4 * st->unit};
	bool focused = ui_is_focused(ui, UI_ACT_FIELD, box);
	size_t a = f->anchor < f->caret ? f->anchor : f->caret;
	size_t b = f->anchor < f->caret ? f->caret : f->anchor;
	ui_clip_cmd(ui, &inner);
	if (!multiline) {
		int caret_x = ui_text_width(ui, UI_FONT_REGULAR, st->body_px, f->text, f->caret);
		/* Keep the caret in view: the text slides left under the box. */
		if (caret_x - f->scroll_x > inner.w - 4)
			f->scroll_x = caret_x - inner.w + 4;
		if (caret_x < f->scroll_x)
			f->scroll_x = caret_x;
		int tx = inner.x - f->scroll_x, ty = r.y + (r.h - lh) / 2;
		if (focused && a != b) {
			int sx = ui_text_width(ui, UI_FONT_REGULAR, st->body_px, f->text, a);
			int ex = ui_text_width(ui, UI_FONT_REGULAR, st->body_px, f->text, b);
			ui_rect_cmd(ui, (struct ui_rect){tx + sx, ty, ex - sx, lh},
				    (struct ui_color){180, 210, 245, 255}, wi);
		}
		ui_text_cmd(ui, tx, ty, UI_FONT_REGULAR, st->body_px, UI_BLACK, f->text, f->len,
			    wi);
		if (focused)
			ui_rect_cmd(ui, (struct ui_rect){tx + caret_x, ty, 2 * st->unit, lh},
				    UI_BLACK, wi);
	} else {
		/* Wrapped lines; the caret sits at the end of the text, where
		 * typing goes, and the area scrolls to keep it in view. */
		int total = ui_paragraph(ui, 0, 0, inner.w, UI_FONT_REGULAR, st->body_px, UI_BLACK,
					 f->len ? f->text : " ", false, -1);
		int sy = MAX(0, total - inner.h);
		size_t first = ui->draw.n;
		if (f->len)
			ui_paragraph(ui, inner.x, inner.y - sy, inner.w, UI_FONT_REGULAR,
				     st->body_px, UI_BLACK, f->text, true, wi);
		if (focused) {
			int cx = inner.x, cy = inner.y - sy;
			if (ui->draw.n > first) {
				const struct ui_cmd *last = &ui->draw.cmds[ui->draw.n - 1];
				cx = last->r.x + last->r.w;
				cy = last->r.y;
				if (f->len && f->text[f->len - 1] == '\n')
					cx = inner.x, cy += lh;
			}
			ui_rect_cmd(ui, (struct ui_rect){cx, cy, 2 * st->unit, lh}, UI_BLACK, wi);
		}
	}
	ui_clip_cmd(ui, NULL);
	c->y += r.h + st->pad / 2;
}

/* A box with its label above it, and its own error message between them
 * when OWN_ERROR (a date's boxes share one message, above all three). */
static void labelled_box(struct ui *ui, struct col *c, int box, const char *label, int w,
			 const char *question, bool own_error)
{
	const struct ui_style *st = &ui->st;
	para(ui, c, UI_FONT_BOLD, st->body_px, UI_BLACK, label, st->unit * 4);
	if (own_error)
		field_error(ui, c, (size_t)box, false);
	char name[600];
	snprintf(name, sizeof name, "%s: %s", question, label);
	text_box(ui, c, box, w, name, false);
	c->y += st->pad / 2;
}

static void choice_rows(struct ui *ui, struct col *c, const struct journey_step *s)
{
	const struct ui_style *st = &ui->st;
	bool multi = s->kind == STEP_MULTIPLE_CHOICE;
	size_t n = s->kind == STEP_YES_NO ? 2 : s->noptions;
	int mark = MAX(S(ui, 40), st->target * 3 / 4);
	int textw = c->w - mark - st->pad;
	for (size_t k = 0; k < n; k++) {
		const char *label = s->kind == STEP_YES_NO ? ui_tr(ui, k ? N_("No") : N_("Yes"))
							   : ui_tr(ui, s->options[k].label);
		const char *hint = s->kind == STEP_YES_NO ? NULL : s->options[k].hint;
		if (hint)
			hint = ui_tr(ui, hint);
		int lh = text_h(ui, c, UI_FONT_REGULAR, st->body_px, label, textw);
		int hh = hint ? text_h(ui, c, UI_FONT_REGULAR, st->caption_px, hint, textw) : 0;
		int h = MAX(st->target, lh + hh + st->pad / 2);
		struct ui_rect r = {c->x, c->y, c->w, h};
		int wi = ui_add_widget(ui, multi ? UI_ROLE_CHECKBOX : UI_ROLE_RADIO, UI_ACT_OPTION,
				       (int)k, r, label, true);
		ui->w[wi].checked = ui->chosen[k];
		if (ui->chosen[k])
			ui_rect_cmd(ui, r, (struct ui_color){232, 241, 248, 255}, wi);
		icon(ui, (struct ui_rect){r.x, r.y + (h - mark) / 2, mark, mark},
		     multi ? (ui->chosen[k] ? "checkbox-on" : "checkbox-off")
			   : (ui->chosen[k] ? "radio-on" : "radio-off"),
		     wi);
		int ty = r.y + (h - lh - hh) / 2;
		ui_paragraph(ui, r.x + mark + st->pad, ty, textw, UI_FONT_REGULAR, st->body_px,
			     UI_BLACK, label, true, wi);
		if (hint)
			ui_paragraph(ui, r.x + mark + st->pad, ty + lh, textw, UI_FONT_REGULAR,
				     st->caption_px, UI_GREY, hint, true, wi);
		c->y += h + st->pad / 3;
		/* GOV.UK's "or" before an exclusive "None of these". */
		if (multi && k + 1 < n && s->options[k + 1].exclusive) {
			para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK, ui_tr(ui, N_("or")),
			     st->pad / 3);
		}
	}
}

static int char_w(struct ui *ui, int chars)
{
	return ui_text_width(ui, UI_FONT_REGULAR, ui->st.body_px, "0000000000", 10) * chars / 10 +
	       ui->st.pad + 4 * ui->st.unit;
}

/* A link in the body: underlined blue text on a target of its own. */
static void body_link(struct ui *ui, struct col *c, const char *label, enum ui_action a, int arg)
{
	const struct ui_style *st = &ui->st;
	int th = text_h(ui, c, UI_FONT_REGULAR, st->body_px, label, c->w);
	int lh = ui_line_height(ui, UI_FONT_REGULAR, st->body_px);
	struct ui_rect r = {c->x, c->y, c->w, MAX(st->target, th + st->pad / 2)};
	int tw = MIN(c->w, ui_text_width(ui, UI_FONT_REGULAR, st->body_px, label, strlen(label)));
	/* The target is as wide as the words, so a tap beside them misses. */
	if (th <= lh)
		r.w = MIN(c->w, MAX(tw + st->pad / 2, st->target));
	int wi = ui_add_widget(ui, UI_ROLE_LINK, a, arg, r, label, true);
	int ty = r.y + (r.h - th) / 2;
	size_t first = ui->draw.n;
	ui_paragraph(ui, r.x, ty, c->w, UI_FONT_REGULAR, st->body_px, UI_BLUE, label, true, wi);
	for (size_t i = first; i < ui->draw.n; i++) {
		const struct ui_cmd *t = &ui->draw.cmds[i];
		if (t->kind == UI_CMD_TEXT)
			ui_rect_cmd(ui, (struct ui_rect){t->r.x, t->r.y + lh - 2 * st->unit, t->r.w,
							st->unit},
				    UI_BLUE, wi);
	}
	c->y += r.h + st->pad / 3;
}

/* The address step finding: a postcode (or words) and how else to go on. */
static void address_find(struct ui *ui, struct col *c, const char *q)
{
	const struct ui_style *st = &ui->st;
	bool words = ui->addr.by_text;
	const char *label = ui_tr(ui, words ? N_("Street, building or place name") : N_("Postcode"));
	para(ui, c, UI_FONT_BOLD, st->body_px, UI_BLACK, label, st->unit * 4);
	if (words)
		para(ui, c, UI_FONT_REGULAR, st->caption_px, UI_GREY,
		     ui_tr(ui, N_("For example, 14 Mill Lane or Riverside Library")), st->unit * 4);
	field_error(ui, c, UI_ADDR_QUERY, false);
	char name[600];
	snprintf(name, sizeof name, "%s: %s", q, label);
	text_box(ui, c, UI_ADDR_QUERY, words ? c->w : char_w(ui, 10), name, false);
	c->y += st->pad / 2;
	body_link(ui, c,
		  ui_tr(ui, words ? N_("Search by postcode instead")
				  : N_("I do not know the postcode: search by street or place name")),
		  UI_ACT_ADDR_BY_TEXT, !words);
	body_link(ui, c, ui_tr(ui, N_("Enter the address yourself")), UI_ACT_ADDR_MANUAL, 0);
}

/* The addresses found, as large rows to pick one from. */
static void address_pick(struct ui *ui, struct col *c)
{
	const struct ui_style *st = &ui->st;
	const struct ui_addr *ad = &ui->addr;
	char count[32], title[300];
	snprintf(count, sizeof count, "%zu", ad->nfound);
	static const char *const keys[] = {"count", "query"};
	const char *const vals[] = {count, ad->searched};
	msg_fill(title, sizeof title,
		 ui_ntr(ui, NP_("{count} address found for {query}", "{count} addresses found for {query}"),
			(long)ad->nfound),
		 keys, vals, 2);
	int h = text_h(ui, c, UI_FONT_BOLD, st->body_px, title, c->w);
	ui_add_widget(ui, UI_ROLE_HEADING, UI_ACT_NONE, 0, (struct ui_rect){c->x, c->y, c->w, h},
		      title, false);
	ui->typed_text = true;
	para(ui, c, UI_FONT_BOLD, st->body_px, UI_BLACK, title, st->unit * 4);
	ui->typed_text = false;
	body_link(ui, c, ui_tr(ui, ad->by_text ? N_("Change what to search for") : N_("Change postcode")),
		  UI_ACT_ADDR_CHANGE, 0);
	if (ad->nfound >= UI_ADDR_MAX)
		para(ui, c, UI_FONT_REGULAR, st->caption_px, UI_GREY,
		     ui_tr(ui, N_("Only the first addresses are shown. Add more words, or the whole "
				  "postcode, to find yours.")),
		     st->pad / 2);
	field_error(ui, c, 0, true);
	int mark = MAX(S(ui, 40), st->target * 3 / 4);
	int textw = c->w - mark - st->pad;
	ui_rect_cmd(ui, (struct ui_rect){c->x, c->y, c->w, st->unit}, UI_MID_GREY, -1);
	for (size_t k = 0; k < ad->nfound; k++) {
		const struct ui_address *a = &ad->found[k];
		char line[400], name[400];
		snprintf(line, sizeof line, "%s, %s", a->lines, a->town);
		snprintf(name, sizeof name, "%s, %s, %s", a->lines, a->town, a->postcode);
		ui->typed_text = true;
		int lh = text_h(ui, c, UI_FONT_REGULAR, st->body_px, line, textw);
		/* Rows a finger cannot miss: a third taller than a target. */
		int rh = MAX(st->target * 4 / 3, lh + st->pad);
		struct ui_rect r = {c->x, c->y + st->unit, c->w, rh};
		bool on = ad->chosen == (int)k;
		int wi = ui_add_widget(ui, UI_ROLE_RADIO, UI_ACT_ADDR_PICK, (int)k, r, name, true);
		ui->w[wi].checked = on;
		if (on)
			ui_rect_cmd(ui, r, (struct ui_color){232, 241, 248, 255}, wi);
		icon(ui, (struct ui_rect){r.x, r.y + (rh - mark) / 2, mark, mark},
		     on ? "radio-on" : "radio-off", wi);
		ui_paragraph(ui, r.x + mark + st->pad, r.y + (rh - lh) / 2, textw, UI_FONT_REGULAR,
			     st->body_px, UI_BLACK, line, true, wi);
		ui->typed_text = false;
		c->y = r.y + rh;
		ui_rect_cmd(ui, (struct ui_rect){c->x, c->y, c->w, st->unit}, UI_MID_GREY, -1);
	}
	c->y += st->pad;
	body_link(ui, c, ui_tr(ui, N_("My address is not listed")), UI_ACT_ADDR_MANUAL, 0);
}

static void address(struct ui *ui, struct col *c, const struct journey_step *s)
{
	const char *q = ui_tr(ui, s->question);
	switch (ui->addr.mode) {
	case UI_ADDR_FIND: address_find(ui, c, q); return;
	case UI_ADDR_PICK: address_pick(ui, c); return;
	case UI_ADDR_MANUAL: break;
	}
	static const char *const parts[] = {N_("Building and street"),
					    N_("Building and street line 2 (optional)"),
					    N_("Town or city"), N_("Postcode")};
	for (int i = 0; i < ADDR_LINES; i++)
		labelled_box(ui, c, i, ui_tr(ui, parts[i]),
			     i == ADDR_POSTCODE ? char_w(ui, 10) : c->w, q, true);
	if (ui->host.find_address)
		body_link(ui, c, ui_tr(ui, N_("Find the address by postcode")), UI_ACT_ADDR_BY_TEXT,
			  0);
}

static void question(struct ui *ui, struct col *c, const struct journey_step *s)
{
	const struct ui_style *st = &ui->st;
	const char *q = ui_tr(ui, s->question);
	switch (s->kind) {
	case STEP_DATE: {
		static const char *const parts[] = {N_("Day"), N_("Month"), N_("Year")};
		static const int widths[] = {3, 5, 5};
		field_error(ui, c, 0, true);
		int x0 = c->x, y0 = c->y, bottom = c->y;
		for (int i = 0; i < DATE_PARTS; i++) {
			/* As wide as its digits need, or as its label: a label is
			 * never broken inside a word ("Blwyddyn"). */
			const char *label = ui_tr(ui, parts[i]);
			int lw = ui_text_width(ui, UI_FONT_BOLD, st->body_px, label, strlen(label));
			struct col sub = {c->x, MAX(char_w(ui, widths[i]), MIN(lw, c->w)), y0};
			if (sub.x + sub.w > x0 + c->w) /* narrow: stack them */
				sub.x = x0, sub.y = bottom, y0 = bottom;
			labelled_box(ui, &sub, i, label, sub.w, q, false);
			c->x = sub.x + sub.w + st->pad;
			bottom = MAX(bottom, sub.y);
		}
		c->x = x0;
		c->y = bottom;
		break;
	}
	case STEP_ADDRESS: address(ui, c, s); break;
	case STEP_SINGLE_CHOICE:
	case STEP_MULTIPLE_CHOICE:
	case STEP_YES_NO:
		if (s->kind == STEP_MULTIPLE_CHOICE && !s->hint)
			para(ui, c, UI_FONT_REGULAR, st->caption_px, UI_GREY,
			     ui_tr(ui, N_("Select all that apply.")), st->pad / 2);
		field_error(ui, c, 0, true);
		choice_rows(ui, c, s);
		break;
	case STEP_LONG_TEXT: {
		field_error(ui, c, 0, true);
		text_box(ui, c, 0, c->w, q, true);
		if (s->max_length > 0) {
			long left = s->max_length - (long)utf8_length(ui->fields[0].text);
			char msg[200];
			const char *fmt =
				left >= 0
					? ui_ntr(ui,
						 NP_("You have {count} character remaining",
						     "You have {count} characters remaining"),
						 left)
					: ui_ntr(ui,
						 NP_("You have {count} character too many",
						     "You have {count} characters too many"),
						 -left);
			ui_fill_count(msg, sizeof msg, fmt, left >= 0 ? left : -left);
			para(ui, c, UI_FONT_REGULAR, st->caption_px, left >= 0 ? UI_GREY : UI_RED,
			     msg, st->pad / 2);
		}
		break;
	}
	default: {
		field_error(ui, c, 0, true);
		int w = s->kind == STEP_POSTCODE || s->kind == STEP_VEHICLE_REG ? char_w(ui, 10)
			: s->kind == STEP_NINO					  ? char_w(ui, 14)
			: s->kind == STEP_NUMBER				  ? char_w(ui, 8)
			: s->kind == STEP_PHONE					  ? char_w(ui, 16)
										  : c->w;
		int y = c->y;
		text_box(ui, c, 0, w, q, false);
		if (s->unit) {
			int lh = ui_line_height(ui, UI_FONT_REGULAR, st->body_px);
			const char *u = ui_tr(ui, s->unit);
			ui_text_cmd(ui, c->x + MIN(w, c->w) + st->pad / 2,
				    y + (MAX(st->target, lh + st->pad / 2) - lh) / 2, UI_FONT_REGULAR,
				    st->body_px, UI_BLACK, u, strlen(u), -1);
		}
		break;
	}
	}
}

static void paragraphs(struct ui *ui, struct col *c, const struct journey_step *s,
		       struct ui_color color)
{
	const struct ui_style *st = &ui->st;
	for (size_t i = 0; i < s->nbody; i++)
		para(ui, c, UI_FONT_REGULAR, st->body_px, color, ui_tr(ui, s->body[i]), st->pad / 2);
	int bullet = ui_text_width(ui, UI_FONT_REGULAR, st->body_px, "\xE2\x80\xA2", 3);
	for (size_t i = 0; i < s->nbullets; i++) {
		ui_text_cmd(ui, c->x + st->pad / 2, c->y, UI_FONT_REGULAR, st->body_px, color,
			    "\xE2\x80\xA2", 3, -1);
		struct col sub = {c->x + st->pad + bullet, c->w - st->pad - bullet, c->y};
		para(ui, &sub, UI_FONT_REGULAR, st->body_px, color, ui_tr(ui, s->bullets[i]),
		     st->pad / 3);
		c->y = sub.y;
	}
	if (s->nbody || s->nbullets)
		c->y += st->pad / 2;
}

static void check_answers(struct ui *ui, struct col *c, const struct journey_step *s)
{
	const struct ui_style *st = &ui->st;
	struct session_rows rows;
	if (session_summary(ui->session, &rows) != HATCH_OK) {
		ui->nomem = true;
		return;
	}
	const char *change = ui_tr(ui, N_("Change"));
	int cw = button_width(ui, change);
	bool wide = c->w >= S(ui, 700);
	int textw = wide ? c->w - cw - st->pad : c->w;
	for (size_t i = 0; i < rows.n; i++) {
		int top = c->y;
		const char *label = ui_tr(ui, rows.v[i].label);
		const char *value = *rows.v[i].value ? rows.v[i].value : ui_tr(ui, N_("Not answered"));
		struct col sub = {c->x, textw, c->y};
		para(ui, &sub, UI_FONT_BOLD, st->body_px, UI_BLACK, label, st->unit * 4);
		/* An answer reads in its own direction: a Latin address stays
		 * "1 Example Street" on an Urdu page. */
		ui->typed_text = true;
		para(ui, &sub, UI_FONT_REGULAR, st->body_px, UI_BLACK, value, 0);
		ui->typed_text = false;
		char name[700];
		snprintf(name, sizeof name, "%s %s", change, label);
		struct ui_rect lr = wide ? (struct ui_rect){c->x + c->w - cw, top, cw, st->target}
					 : (struct ui_rect){c->x, sub.y + st->pad / 3, cw, st->target};
		int wi = ui_add_widget(ui, UI_ROLE_LINK, UI_ACT_CHANGE, (int)rows.v[i].step, lr,
				       name, true);
		int lh = ui_line_height(ui, UI_FONT_REGULAR, st->body_px);
		int tw = ui_text_width(ui, UI_FONT_REGULAR, st->body_px, change, strlen(change));
		int tx = lr.x + (wide ? lr.w - tw : 0), ty = lr.y + (lr.h - lh) / 2;
		ui_text_cmd(ui, tx, ty, UI_FONT_REGULAR, st->body_px, UI_BLUE, change,
			    strlen(change), wi);
		ui_rect_cmd(ui, (struct ui_rect){tx, ty + lh - 2 * st->unit, tw, st->unit}, UI_BLUE,
			    wi);
		c->y = MAX(sub.y, lr.y + lr.h) + st->pad / 2;
		ui_rect_cmd(ui, (struct ui_rect){c->x, c->y, c->w, st->unit}, UI_MID_GREY, -1);
		c->y += st->pad / 2;
	}
	session_rows_cleanup(&rows);
	c->y += st->pad / 2;
	paragraphs(ui, c, s, UI_BLACK);
}

/* The tracking link: the template with {reference} replaced. */
static void tracking_link(const struct ui *ui, char *url, size_t size)
{
	size_t n = 0;
	for (const char *p = ui->cfg.tracking_url; *p && n + 1 < size;) {
		if (!strncmp(p, "{reference}", 11)) {
			size_t rl = strlen(ui->reference);
			if (n + rl >= size)
				break;
			memcpy(url + n, ui->reference, rl);
			n += rl;
			p += 11;
		} else {
			url[n++] = *p++;
		}
	}
	url[n] = '\0';
}

/* Draws the QR code of the tracking link with its top-left corner at X, Y,
 * modules MODULE px, a quiet zone of four modules; returns its side in px
 * (0 when there is none). With MEASURE nothing is drawn. */
static int qr_text(struct ui *ui, const char *text, const char *label, int x, int y, int module,
		   bool measure);

static int qr_code(struct ui *ui, int x, int y, int module, bool measure)
{
	if (!ui->cfg.tracking_url || !*ui->cfg.tracking_url)
		return 0;
	char url[1024];
	tracking_link(ui, url, sizeof url);
	return qr_text(ui, url, ui_tr(ui, N_("A code to scan with your phone")), x, y, module,
		       measure);
}

/* TEXT as a QR code named LABEL, as qr_code() draws the tracking link. */
static int qr_text(struct ui *ui, const char *text, const char *label, int x, int y, int module,
		   bool measure)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return 0;
	int quiet = 4, px = (qr->width + 2 * quiet) * module;
	unsigned char *mods = measure ? NULL : mem_alloc((size_t)qr->width * (size_t)qr->width);
	if (mods) {
		for (int i = 0; i < qr->width * qr->width; i++)
			mods[i] = qr->data[i] & 1;
		struct ui_rect r = {x, y, px, px};
		int wi = ui_add_widget(ui, UI_ROLE_IMAGE, UI_ACT_NONE, 0, r, label, false);
		ui_rect_cmd(ui, r, UI_WHITE, wi);
		/* Dark modules on light, as every phone's camera expects. */
		struct ui_cmd cmd = {.kind = UI_CMD_QR, .color = UI_BLACK, .widget = wi};
		cmd.r = (struct ui_rect){x + quiet * module, y + quiet * module,
					 qr->width * module, qr->width * module};
		cmd.text = ui_push_bytes(ui, mods, (size_t)qr->width * (size_t)qr->width);
		cmd.qr_width = (size_t)qr->width;
		cmd.thickness = module;
		ui_push_cmd(ui, &cmd);
		mem_free(mods);
	} else if (!measure) {
		ui->nomem = true;
	}
	QRcode_free(qr);
	return px;
}

/* The one optional question at the end (the GOV.UK satisfaction
 * survey's), five answers as large buttons, or the thanks once answered.
 * Skipping it is just Finish. */
static void satisfaction(struct ui *ui, struct col *c)
{
	const struct ui_style *st = &ui->st;
	c->y += st->pad / 2;
	ui_rect_cmd(ui, (struct ui_rect){c->x, c->y, c->w, st->unit}, UI_MID_GREY, -1);
	c->y += st->pad;
	if (ui->satisfaction) {
		const char *t = ui_tr(ui, N_("Thank you for your feedback."));
		int h = text_h(ui, c, UI_FONT_BOLD, st->body_px, t, c->w);
		ui_add_widget(ui, UI_ROLE_HEADING, UI_ACT_NONE, 0, (struct ui_rect){c->x, c->y, c->w, h},
			      t, false);
		para(ui, c, UI_FONT_BOLD, st->body_px, UI_BLACK, t, st->pad);
		return;
	}
	const char *q =
		ui_tr(ui, N_("Overall, how did you feel about the service you received today?"));
	int h = text_h(ui, c, UI_FONT_BOLD, st->heading_px * 3 / 4, q, c->w);
	ui_add_widget(ui, UI_ROLE_HEADING, UI_ACT_NONE, 0, (struct ui_rect){c->x, c->y, c->w, h}, q,
		      false);
	para(ui, c, UI_FONT_BOLD, st->heading_px * 3 / 4, UI_BLACK, q, st->unit * 4);
	para(ui, c, UI_FONT_REGULAR, st->caption_px, UI_GREY,
	     ui_tr(ui, N_("This is optional. Your answer is anonymous.")), st->pad / 2);
	static const char *const answers[] = {
		N_("Very satisfied"), N_("Satisfied"), N_("Neither satisfied or dissatisfied"),
		N_("Dissatisfied"), N_("Very dissatisfied")};
	for (int i = 0; i < 5; i++) {
		const char *a = ui_tr(ui, answers[i]);
		c->y += button(ui, (struct ui_rect){c->x, c->y, MIN(c->w, S(ui, 520)), st->target}, a,
			       UI_ACT_SATISFACTION, 5 - i, false) +
			st->pad / 3;
	}
	c->y += st->pad / 2;
}

static void confirmation(struct ui *ui, struct col *c, const struct journey_step *s)
{
	const struct ui_style *st = &ui->st;
	/* At least 3 px a module, more where there is room; beside the panel
	 * when the screen is wide enough, so a small screen shows both. */
	int module = MAX(3, S(ui, 5));
	int qr = qr_code(ui, 0, 0, module, true);
	bool beside = qr && c->w - qr - st->pad >= S(ui, 360);
	int pw = beside ? c->w - qr - st->pad : c->w;
	int inner = pw - 2 * st->pad;
	const char *title = ui_tr(ui, s->title);
	const char *yours = ui_tr(ui, N_("Your reference number"));
	int ref_px = st->heading_px * 5 / 4;
	int h = st->pad + text_h(ui, c, UI_FONT_BOLD, st->heading_px, title, inner) + st->pad / 2 +
		text_h(ui, c, UI_FONT_REGULAR, st->body_px, yours, inner) +
		text_h(ui, c, UI_FONT_BOLD, ref_px, ui->reference, inner) + st->pad;
	if (beside && h < qr)
		h = qr;
	struct ui_rect panel = {c->x, c->y, pw, h};
	char label[400];
	snprintf(label, sizeof label, "%s. %s %s", title, yours, ui->reference);
	int wi = ui_add_widget(ui, UI_ROLE_HEADING, UI_ACT_NONE, 0, panel, label, false);
	ui_rect_cmd(ui, panel, UI_GREEN, wi);
	struct col in = {c->x + st->pad, inner, c->y + st->pad};
	para(ui, &in, UI_FONT_BOLD, st->heading_px, UI_WHITE, title, st->pad / 2);
	para(ui, &in, UI_FONT_REGULAR, st->body_px, UI_WHITE, yours, 0);
	para(ui, &in, UI_FONT_BOLD, ref_px, UI_WHITE, ui->reference, 0);
	if (beside) {
		qr_code(ui, c->x + c->w - qr, c->y, module, false);
		c->y += h + st->pad / 2;
	} else {
		c->y += h + st->pad;
		if (qr) {
			qr_code(ui, c->x, c->y, module, false);
			c->y += qr + st->pad / 2;
		}
	}
	if (qr)
		para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK,
		     ui_tr(ui, N_("Scan the code with your phone's camera to keep your reference and check progress.")),
		     st->pad);
	para(ui, c, UI_FONT_BOLD, st->heading_px * 3 / 4, UI_BLACK,
	     ui_tr(ui, N_("What happens next")), st->pad / 2);
	paragraphs(ui, c, s, UI_BLACK);
	satisfaction(ui, c);
}

/* ---- screens ---- */

static void welcome(struct ui *ui, struct col *c)
{
	const struct ui_style *st = &ui->st;
	heading(ui, c, ui_tr(ui, N_("Welcome")));
	para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK,
	     ui_tr(ui, N_("Report a problem, apply for something or ask us a question, one question at a time.")),
	     st->pad);
	const char *start = ui_tr(ui, N_("Start"));
	int bw = MIN(c->w, MAX(button_width(ui, start) * 2, S(ui, 320)));
	c->y += button(ui, (struct ui_rect){c->x, c->y, bw, st->target * 3 / 2}, start,
		       UI_ACT_START, 0, true) +
		st->pad * 3 / 2;
	if (ui->cfg.nlanguages < 2)
		return;
	int cols = MAX(1, MIN((int)ui->cfg.nlanguages, c->w / S(ui, 180)));
	int gap = st->pad / 2;
	int w = (c->w - gap * (cols - 1)) / cols;
	for (size_t i = 0; i < ui->cfg.nlanguages; i++) {
		int col = (int)i % cols;
		struct ui_rect r = {c->x + col * (w + gap), c->y, w, st->target};
		const struct ui_language *l = &ui->cfg.languages[i];
		bool on = !strcmp(l->code, ui->language);
		int wi = ui_add_widget(ui, UI_ROLE_RADIO, UI_ACT_LANGUAGE, (int)i, r, l->name, true);
		ui->w[wi].checked = on;
		ui_rect_cmd(ui, r, on ? UI_BLUE : UI_WHITE, wi);
		ui_border_cmd(ui, r, on ? UI_BLUE : UI_GREY, 2 * st->unit, wi);
		int lh = ui_line_height(ui, UI_FONT_REGULAR, st->body_px);
		int tw = ui_text_width(ui, UI_FONT_REGULAR, st->body_px, l->name, strlen(l->name));
		ui_text_cmd(ui, r.x + (r.w - tw) / 2, r.y + (r.h - lh) / 2, on ? UI_FONT_BOLD : UI_FONT_REGULAR,
			    st->body_px, on ? UI_WHITE : UI_BLACK, l->name, strlen(l->name), wi);
		if (col == cols - 1 || i + 1 == ui->cfg.nlanguages)
			c->y += st->target + gap;
	}
}

static void services(struct ui *ui, struct col *c)
{
	const struct ui_style *st = &ui->st;
	heading(ui, c, ui_tr(ui, N_("What do you need to do?")));
	int cols = MAX(1, c->w / S(ui, 380));
	int gap = st->pad;
	int w = (c->w - gap * (cols - 1)) / cols;
	int is = st->target;
	/* Tiles grouped by their journeys' group, groups in order of first
	 * appearance. */
	bool *done = mem_calloc(ui->njourneys ? ui->njourneys : 1, sizeof *done);
	if (!done) {
		ui->nomem = true;
		return;
	}
	for (size_t g = 0; g < ui->njourneys; g++) {
		if (done[g])
			continue;
		const char *group = ui->journeys[g]->group;
		if (group)
			para(ui, c, UI_FONT_BOLD, st->body_px, UI_GREY, ui_tr(ui, group), st->pad / 2);
		int col = 0, row_h = 0, row_y = c->y;
		for (size_t i = g; i < ui->njourneys; i++) {
			const struct journey *j = ui->journeys[i];
			bool same = group ? j->group && !strcmp(j->group, group) : !j->group;
			if (done[i] || !same)
				continue;
			done[i] = true;
			int tw = w - is - 5 * st->pad / 2;
			const char *title = ui_tr(ui, j->title), *desc = ui_tr(ui, j->description);
			int h = st->pad + text_h(ui, c, UI_FONT_BOLD, st->body_px, title, tw) +
				text_h(ui, c, UI_FONT_REGULAR, st->caption_px, desc, tw) + st->pad;
			h = MAX(h, st->target + st->pad);
			struct ui_rect r = {c->x + col * (w + gap), row_y, w, h};
			int wi = ui_add_widget(ui, UI_ROLE_TILE, UI_ACT_SERVICE, (int)i, r, title, true);
			ui_rect_cmd(ui, r, UI_WHITE, wi);
			ui_border_cmd(ui, r, UI_GREY, 2 * st->unit, wi);
			ui_rect_cmd(ui, (struct ui_rect){r.x, r.y, 6 * st->unit, r.h}, ui->cfg.brand, wi);
			icon(ui, (struct ui_rect){r.x + st->pad, r.y + st->pad, is, is},
			     j->icon ? j->icon : "document", wi);
			int tx = r.x + st->pad + is + st->pad / 2;
			int y = r.y + st->pad;
			y += ui_paragraph(ui, tx, y, tw, UI_FONT_BOLD, st->body_px, UI_BLUE, title,
					  true, wi);
			ui_paragraph(ui, tx, y, tw, UI_FONT_REGULAR, st->caption_px, UI_BLACK, desc,
				     true, wi);
			row_h = MAX(row_h, h);
			if (++col == cols) {
				col = 0;
				row_y += row_h + gap;
				row_h = 0;
			}
		}
		c->y = row_y + (col ? row_h + gap : 0) + st->pad / 2;
	}
	mem_free(done);
}

static void help_page(struct ui *ui, struct col *c)
{
	const struct ui_style *st = &ui->st;
	heading(ui, c, ui_tr(ui, N_("Get help from staff")));
	para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK,
	     ui_tr(ui, N_("Please ask a member of staff to help you. They can sit with you and fill this in with you, or answer your questions.")),
	     st->pad / 2);
	para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK,
	     ui_tr(ui, N_("Your answers are kept while you wait. If nobody uses the screen for a few minutes, they are cleared for your privacy.")),
	     st->pad);
	const char *back = ui_tr(ui, N_("Go back to where you were"));
	c->y += button(ui, (struct ui_rect){c->x, c->y, MIN(c->w, button_width(ui, back) + 2 * st->pad), st->target},
		       back, UI_ACT_HELP_RETURN, 0, true) + st->pad;
}

/* One setting: its name, a hint, and its choices as a row of big toggles
 * (wrapping onto more rows when narrow). */
static void setting(struct ui *ui, struct col *c, const char *title, const char *hint,
		    const char *const *labels, const int *args, size_t n, enum ui_action a,
		    int current)
{
	const struct ui_style *st = &ui->st;
	para(ui, c, UI_FONT_BOLD, st->body_px, UI_BLACK, title, st->unit * 4);
	if (hint)
		para(ui, c, UI_FONT_REGULAR, st->caption_px, UI_GREY, hint, st->pad / 2);
	int gap = st->pad / 2;
	int widest = 0;
	for (size_t i = 0; i < n; i++)
		widest = MAX(widest, button_width(ui, labels[i]));
	int cols = MAX(1, MIN((int)n, (c->w + gap) / (widest + gap)));
	int w = (c->w - gap * (cols - 1)) / cols;
	int lh = ui_line_height(ui, UI_FONT_BOLD, st->button_px);
	int h = MAX(st->target, lh + st->pad / 2);
	for (size_t i = 0; i < n; i++) {
		int col = (int)i % cols;
		struct ui_rect r = {c->x + col * (w + gap), c->y, w, h};
		bool on = args[i] == current;
		int wi = ui_add_widget(ui, UI_ROLE_RADIO, a, args[i], r, labels[i], true);
		ui->w[wi].checked = on;
		ui_rect_cmd(ui, r, on ? UI_BLUE : UI_WHITE, wi);
		ui_border_cmd(ui, r, on ? UI_BLUE : UI_GREY, 2 * st->unit, wi);
		int tw = ui_text_width(ui, UI_FONT_BOLD, st->button_px, labels[i], strlen(labels[i]));
		ui_text_cmd(ui, r.x + (r.w - tw) / 2, r.y + (r.h - lh) / 2, UI_FONT_BOLD,
			    st->button_px, on ? UI_WHITE : UI_BLACK, labels[i], strlen(labels[i]), wi);
		if (col == cols - 1 || i + 1 == n)
			c->y += h + gap;
	}
	c->y += st->pad / 2;
}

static void settings_page(struct ui *ui, struct col *c, struct footer_spec *f)
{
	const struct ui_prefs *p = &ui->prefs;
	heading(ui, c, ui_tr(ui, N_("Settings")));
	static const int sizes[] = {100, 150, 200}, off_on[] = {0, 1};
	const char *size_labels[] = {"100%", "150%", "200%"};
	setting(ui, c, ui_tr(ui, N_("Text size")), NULL, size_labels, sizes, 3, UI_ACT_TEXT_SIZE,
		p->text_percent);
	const char *contrast[] = {ui_tr(ui, N_("Standard")), ui_tr(ui, N_("High contrast"))};
	setting(ui, c, ui_tr(ui, N_("Colours")), NULL, contrast, off_on, 2, UI_ACT_CONTRAST,
		p->high_contrast);
	const char *onoff[] = {ui_tr(ui, N_("Off")), ui_tr(ui, N_("On"))};
	setting(ui, c, ui_tr(ui, N_("Read the screen aloud")),
		ui_tr(ui, N_("When this is on, touch something once to hear it, and twice to choose it.")),
		onoff, off_on, 2, UI_ACT_SPEECH, p->speech);
	setting(ui, c, ui_tr(ui, N_("More time")),
		ui_tr(ui, N_("Doubles the time before the kiosk asks if you need more time.")), onoff,
		off_on, 2, UI_ACT_EXTRA_TIME, p->more_time);
	if (ui->cfg.nlanguages > 1) {
		const char *names[16];
		int idx[16];
		size_t n = MIN(ui->cfg.nlanguages, 16);
		int current = 0;
		for (size_t i = 0; i < n; i++) {
			names[i] = ui->cfg.languages[i].name;
			idx[i] = (int)i;
			if (!strcmp(ui->cfg.languages[i].code, ui->language))
				current = (int)i;
		}
		setting(ui, c, ui_tr(ui, N_("Language")), NULL, names, idx, n, UI_ACT_LANGUAGE,
			current);
	}
	f->primary = ui_tr(ui, N_("Done"));
	f->primary_action = UI_ACT_HELP_RETURN;
}

static void step_page(struct ui *ui, struct col *c, struct footer_spec *f)
{
	const struct ui_style *st = &ui->st;
	const struct journey_step *s = session_step(ui->session);
	f->back = ui_tr(ui, N_("Back"));
	f->primary = ui_tr(ui, N_("Continue"));
	f->primary_action = UI_ACT_CONTINUE;
	if (s->kind == STEP_ADDRESS) {
		ui_addr_prepare(ui);
		if (ui->addr.mode == UI_ADDR_FIND)
			f->primary = ui_tr(ui, N_("Find address"));
	}
	if (journey_kind_is_question(s->kind)) {
		size_t at, total;
		session_progress(ui->session, &at, &total);
		char prog[160], a[24], t[24];
		snprintf(a, sizeof a, "%zu", at);
		snprintf(t, sizeof t, "%zu", total);
		static const char *const keys[] = {"index", "total"};
		const char *const vals[] = {a, t};
		msg_fill(prog, sizeof prog, ui_tr(ui, N_("Question {index} of {total}")), keys, vals, 2);
		error_summary(ui, c);
		para(ui, c, UI_FONT_REGULAR, st->caption_px, UI_GREY, prog, st->unit * 4);
		heading(ui, c, ui_tr(ui, s->question));
		if (s->hint)
			para(ui, c, UI_FONT_REGULAR, st->body_px, UI_GREY, ui_tr(ui, s->hint), st->pad);
		question(ui, c, s);
		return;
	}
	switch (s->kind) {
	case STEP_CHECK_ANSWERS:
		heading(ui, c, s->title ? ui_tr(ui, s->title)
					: ui_tr(ui, N_("Check your answers before sending")));
		check_answers(ui, c, s);
		f->primary = s->button ? ui_tr(ui, s->button) : ui_tr(ui, N_("Send"));
		f->primary_action = UI_ACT_SEND;
		break;
	case STEP_CONFIRMATION:
		confirmation(ui, c, s);
		f->back = NULL;
		f->primary = ui_tr(ui, N_("Finish"));
		f->primary_action = UI_ACT_FINISH;
		break;
	default:
		heading(ui, c, ui_tr(ui, s->title));
		paragraphs(ui, c, s, UI_BLACK);
		if (s->stop) {
			f->primary = ui_tr(ui, N_("Finish"));
			f->primary_action = UI_ACT_FINISH;
		}
		break;
	}
}

static void dialog(struct ui *ui)
{
	const struct ui_style *st = &ui->st;
	ui_rect_cmd(ui, (struct ui_rect){0, 0, ui->width, ui->height}, UI_SHADE, -1);
	int w = MIN(ui->width - 2 * st->pad, S(ui, 640));
	struct col c = {(ui->width - w) / 2 + st->pad, w - 2 * st->pad, 0};
	const char *title, *text, *yes, *no = NULL;
	char msg[300];
	if (ui->dialog_timeout) {
		long left = (long)((ui->dialog_deadline > ui->now ? ui->dialog_deadline - ui->now : 0) +
				   999) / 1000;
		title = ui_tr(ui, N_("Do you need more time?"));
		ui_fill_count(msg, sizeof msg,
			      ui_ntr(ui,
				     NP_("For your privacy, your answers will be cleared in {count} second.",
					 "For your privacy, your answers will be cleared in {count} seconds."),
				     left),
			      left);
		text = msg;
		yes = ui_tr(ui, N_("Yes, I need more time"));
		no = ui_tr(ui, N_("No, clear my answers"));
	} else {
		title = ui_tr(ui, N_("Your answers could not be saved"));
		text = ui_tr(ui, N_("Please ask a member of staff for help. Your answers are still here and nothing has been lost."));
		yes = ui_tr(ui, N_("OK"));
	}
	int h = st->pad + text_h(ui, &c, UI_FONT_BOLD, st->heading_px * 3 / 4, title, c.w) +
		st->pad / 2 + text_h(ui, &c, UI_FONT_REGULAR, st->body_px, text, c.w) + st->pad +
		(st->target + st->pad) * (no ? 2 : 1) + st->pad / 2;
	struct ui_rect box = {(ui->width - w) / 2, MAX(0, (ui->height - h) / 2), w, h};
	int wi = ui_add_widget(ui, UI_ROLE_DIALOG, UI_ACT_NONE, 0, box, title, false);
	ui_rect_cmd(ui, box, UI_WHITE, wi);
	ui_border_cmd(ui, box, UI_BLACK, 3 * st->unit, wi);
	c.y = box.y + st->pad;
	para(ui, &c, UI_FONT_BOLD, st->heading_px * 3 / 4, UI_BLACK, title, st->pad / 2);
	int th = text_h(ui, &c, UI_FONT_REGULAR, st->body_px, text, c.w);
	ui_add_widget(ui, UI_ROLE_TEXT, UI_ACT_NONE, 0, (struct ui_rect){c.x, c.y, c.w, th}, text,
		      false);
	para(ui, &c, UI_FONT_REGULAR, st->body_px, UI_BLACK, text, st->pad);
	c.y += button(ui, (struct ui_rect){c.x, c.y, c.w, st->target}, yes,
		      ui->dialog_timeout ? UI_ACT_MORE_TIME : UI_ACT_DISMISS, 0, true) + st->pad;
	if (no)
		button(ui, (struct ui_rect){c.x, c.y, c.w, st->target}, no, UI_ACT_START_AGAIN, 0,
		       false);
}

static void focus_ring(struct ui *ui)
{
	int fi = ui_focus(ui);
	/* The ring shows once keys are in use; a text box shows its caret. */
	if (fi < 0 || !ui->w[fi].visible || (!ui->focus_visible && ui->w[fi].role != UI_ROLE_TEXTBOX))
		return;
	const struct ui_widget *w = &ui->w[fi];
	int u = ui->st.unit;
	struct ui_rect r = w->rect;
	if (w->in_body)
		ui_clip_cmd(ui, &ui->body);
	ui_border_cmd(ui, (struct ui_rect){r.x - 4 * u, r.y - 4 * u, r.w + 8 * u, r.h + 8 * u},
		      UI_YELLOW, 4 * u, fi);
	ui_border_cmd(ui, (struct ui_rect){r.x - u, r.y - u, r.w + 2 * u, r.h + 2 * u}, UI_BLACK,
		      3 * u, fi);
	if (w->in_body)
		ui_clip_cmd(ui, NULL);
}

/* ---- staff ---- */

/* One of sign-in's two boxes: the ID, or the PIN shown as dots. */
static void staff_box(struct ui *ui, struct col *c, int box, const char *label, int w)
{
	const struct ui_style *st = &ui->st;
	const struct ui_field *f = &ui->staff_fields[box];
	para(ui, c, UI_FONT_BOLD, st->body_px, UI_BLACK, label, st->unit * 4);
	int lh = ui_line_height(ui, UI_FONT_REGULAR, st->body_px);
	struct ui_rect r = {c->x, c->y, MIN(w, c->w), MAX(st->target, lh + st->pad / 2)};
	int wi = ui_add_widget(ui, UI_ROLE_TEXTBOX, UI_ACT_STAFF_FIELD, box, r, label, true);
	ui_rect_cmd(ui, r, UI_WHITE, wi);
	ui_border_cmd(ui, r, ui->staff_problem ? UI_RED : UI_BLACK, 2 * st->unit, wi);
	char dots[64 * 3 + 1] = "";
	const char *text = f->text;
	size_t n = f->len;
	if (box == 1) {
		size_t k = 0;
		for (; k < f->len && k < 64; k++)
			memcpy(dots + 3 * k, "\xE2\x80\xA2", 3);
		dots[3 * k] = '\0';
		text = dots;
		n = 3 * k;
	}
	struct ui_rect inner = {r.x + st->pad / 2, r.y, r.w - st->pad, r.h};
	ui_clip_cmd(ui, &inner);
	int ty = r.y + (r.h - lh) / 2;
	ui_text_cmd(ui, inner.x, ty, UI_FONT_REGULAR, st->body_px, UI_BLACK, text, n, wi);
	if (ui_is_focused(ui, UI_ACT_STAFF_FIELD, box))
		ui_rect_cmd(ui, (struct ui_rect){inner.x + ui_text_width(ui, UI_FONT_REGULAR,
									 st->body_px, text, n),
						 ty, 2 * st->unit, lh},
			    UI_BLACK, wi);
	ui_clip_cmd(ui, NULL);
	c->y += r.h + st->pad;
}

static void staff_sign_in_page(struct ui *ui, struct col *c, struct footer_spec *f)
{
	const struct ui_style *st = &ui->st;
	if (ui->staff_problem) {
		char msg[200];
		if (!strcmp(ui->staff_problem, "locked"))
			ui_fill_count(msg, sizeof msg,
				      ui_ntr(ui, NP_("Too many wrong PINs. Try again in {count} minute.",
						     "Too many wrong PINs. Try again in {count} minutes."),
					     ui->staff_wait),
				      ui->staff_wait);
		else
			snprintf(msg, sizeof msg, "%s", ui_tr(ui, N_("The staff ID or PIN is not right")));
		int h = text_h(ui, c, UI_FONT_BOLD, st->body_px, msg, c->w - 2 * st->pad) + st->pad;
		struct ui_rect box = {c->x, c->y, c->w, h};
		int wi = ui_add_widget(ui, UI_ROLE_ALERT, UI_ACT_NONE, 0, box, msg, false);
		ui_border_cmd(ui, box, UI_RED, 4 * st->unit, wi);
		ui_paragraph(ui, c->x + st->pad, c->y + st->pad / 2, c->w - 2 * st->pad, UI_FONT_BOLD,
			     st->body_px, UI_RED, msg, true, wi);
		c->y += h + st->pad;
	}
	heading(ui, c, ui_tr(ui, N_("Staff sign in")));
	staff_box(ui, c, 0, ui_tr(ui, N_("Staff ID")), char_w(ui, 16));
	staff_box(ui, c, 1, ui_tr(ui, N_("PIN")), char_w(ui, 12));
	f->back = ui_tr(ui, N_("Cancel"));
	f->primary = ui_tr(ui, N_("Sign in"));
	f->primary_action = UI_ACT_STAFF_SIGN_IN;
}

/* A button as wide as the column. */
static void wide_button(struct ui *ui, struct col *c, const char *label, enum ui_action a, int arg,
			bool primary)
{
	c->y += button(ui, (struct ui_rect){c->x, c->y, MIN(c->w, button_width(ui, label) + 2 * ui->st.pad),
					    ui->st.target},
		       label, a, arg, primary) +
		ui->st.pad / 2;
}

/* A journey's title, or its id when it is not one of the kiosk's. */
static const struct journey *journey_by_id(const struct ui *ui, const char *id)
{
	for (size_t i = 0; i < ui->njourneys; i++)
		if (!strcmp(ui->journeys[i]->id, id))
			return ui->journeys[i];
	return NULL;
}

/* A bar of FRACTION (0..1) of the column's width, on its track. */
static void bar(struct ui *ui, struct col *c, double fraction, struct ui_color colour)
{
	const struct ui_style *st = &ui->st;
	int h = MAX(6 * st->unit, st->body_px / 2);
	ui_rect_cmd(ui, (struct ui_rect){c->x, c->y, c->w, h}, UI_LIGHT_GREY, -1);
	int w = (int)(c->w * (fraction < 0 ? 0 : fraction > 1 ? 1 : fraction));
	if (w > 0)
		ui_rect_cmd(ui, (struct ui_rect){c->x, c->y, w, h}, colour, -1);
	c->y += h + st->pad / 2;
}

/* One period's figures: each journey's completions out of its starts, as
 * words and a bar; then where journeys were given up, the most first. */
static void figures(struct ui *ui, struct col *c, const char *title, const struct ui_period *p)
{
	const struct ui_style *st = &ui->st;
	para(ui, c, UI_FONT_BOLD, st->heading_px * 3 / 4, UI_BLACK, title, st->pad / 2);
	if (!p->njourneys) {
		para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK,
		     ui_tr(ui, N_("No journeys were started.")), st->pad / 2);
		return;
	}
	char line[400], a[24], b[24], pc[24];
	for (size_t i = 0; i < p->njourneys; i++) {
		const struct ui_figure_row *r = &p->journeys[i];
		const struct journey *j = journey_by_id(ui, r->journey);
		snprintf(a, sizeof a, "%ld", r->b);
		snprintf(b, sizeof b, "%ld", r->a);
		snprintf(pc, sizeof pc, "%ld", r->a ? (r->b * 100 + r->a / 2) / r->a : 0);
		static const char *const keys[] = {"journey", "completed", "started", "percent"};
		const char *const vals[] = {j && j->title ? ui_tr(ui, j->title) : r->journey, a, b, pc};
		msg_fill(line, sizeof line,
			 ui_tr(ui, N_("{journey}: {completed} of {started} completed ({percent}%)")),
			 keys, vals, 4);
		para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK, line, st->unit * 2);
		bar(ui, c, r->a ? (double)r->b / (double)r->a : 0, UI_GREEN);
	}
	if (!p->ndropoffs)
		return;
	para(ui, c, UI_FONT_BOLD, st->body_px, UI_BLACK,
	     ui_tr(ui, N_("Where journeys were given up")), st->unit * 4);
	long most = p->dropoffs[0].a > 0 ? p->dropoffs[0].a : 1;
	for (size_t i = 0; i < p->ndropoffs; i++) {
		const struct ui_figure_row *r = &p->dropoffs[i];
		const struct journey *j = journey_by_id(ui, r->journey);
		long k = j ? journey_find_step(j, r->step) : -1;
		const struct journey_step *stp = k >= 0 ? &j->steps[k] : NULL;
		const char *step = stp && stp->question ? ui_tr(ui, stp->question)
				   : stp && stp->title	  ? ui_tr(ui, stp->title)
							  : r->step;
		snprintf(a, sizeof a, "%ld", r->a);
		static const char *const keys[] = {"journey", "step", "count"};
		const char *const vals[] = {j && j->title ? ui_tr(ui, j->title) : r->journey, step, a};
		msg_fill(line, sizeof line, ui_tr(ui, N_("{journey}, \"{step}\": {count}")), keys, vals,
			 3);
		para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK, line, st->unit * 2);
		bar(ui, c, (double)r->a / (double)most, UI_RED);
	}
}

static void staff_page(struct ui *ui, struct col *c, struct footer_spec *f)
{
	const struct ui_style *st = &ui->st;
	char line[400];
	static const char *const id_key[] = {"id"};
	const char *const id_val[] = {ui->staff_id};
	msg_fill(line, sizeof line, ui_tr(ui, N_("Signed in: {id}")), id_key, id_val, 1);
	heading(ui, c, line);
	para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK,
	     ui_tr(ui, N_("Submissions sent while you are signed in are recorded as assisted, "
			  "with your staff ID.")),
	     st->pad / 2);
	wide_button(ui, c, ui_tr(ui, N_("Start an assisted session")), UI_ACT_STAFF_ASSIST, 0, true);
	if (ui->staff.may_pause)
		wide_button(ui, c,
			    ui->staff_paused ? ui_tr(ui, N_("Restart the inactivity timeout"))
					     : ui_tr(ui, N_("Pause the inactivity timeout")),
			    UI_ACT_STAFF_PAUSE, !ui->staff_paused, false);
	c->y += st->pad / 2;
	heading(ui, c, ui_tr(ui, N_("Outbox")));
	const struct ui_dashboard *d = ui->dash;
	if (d && d->unreadable)
		para(ui, c, UI_FONT_BOLD, st->body_px, UI_RED,
		     ui_tr(ui, N_("The outbox cannot be read. See the log.")), st->pad / 2);
	else if (!d || !d->ndest)
		para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK,
		     ui_tr(ui, N_("Nothing is waiting to be sent.")), st->pad / 2);
	for (size_t i = 0; d && i < d->ndest; i++) {
		const struct ui_outbox_row *r = &d->dest[i];
		char q[24], sn[24], dd[24];
		snprintf(q, sizeof q, "%ld", r->queued);
		snprintf(sn, sizeof sn, "%ld", r->sending);
		snprintf(dd, sizeof dd, "%ld", r->dead);
		static const char *const keys[] = {"destination", "queued", "sending", "dead"};
		const char *const vals[] = {r->destination, q, sn, dd};
		msg_fill(line, sizeof line,
			 ui_tr(ui, N_("{destination}: {queued} queued, {sending} sending, {dead} refused")),
			 keys, vals, 4);
		para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK, line, st->pad / 3);
		if (r->oldest_minutes >= 0) {
			ui_fill_count(line, sizeof line,
				      ui_ntr(ui, NP_("The oldest has waited {count} minute.",
						     "The oldest has waited {count} minutes."),
					     r->oldest_minutes),
				      r->oldest_minutes);
			para(ui, c, UI_FONT_REGULAR, st->caption_px, UI_GREY, line, st->pad / 3);
		}
	}
	line[0] = '\0';
	switch (ui->staff_note) {
	case UI_NOTE_RETRIED:
		ui_fill_count(line, sizeof line,
			      ui_ntr(ui, NP_("{count} submission will be sent again now.",
					     "{count} submissions will be sent again now."),
				     ui->staff_note_count),
			      ui->staff_note_count);
		break;
	case UI_NOTE_DELIVERING:
		ui_fill_count(line, sizeof line,
			      ui_ntr(ui, NP_("Delivery started for {count} waiting submission.",
					     "Delivery started for {count} waiting submissions."),
				     ui->staff_note_count),
			      ui->staff_note_count);
		break;
	case UI_NOTE_RETRY_FAILED:
		snprintf(line, sizeof line, "%s",
			 ui_tr(ui, N_("It could not be sent again. See the log.")));
		break;
	case UI_NOTE_NO_DESTINATION:
		snprintf(line, sizeof line, "%s",
			 ui_tr(ui, N_("Nothing is delivered: no destination is configured.")));
		break;
	case UI_NOTE_NONE: break;
	}
	if (line[0]) {
		int h = text_h(ui, c, UI_FONT_BOLD, st->body_px, line, c->w);
		ui_add_widget(ui, UI_ROLE_ALERT, UI_ACT_NONE, 0, (struct ui_rect){c->x, c->y, c->w, h},
			      line, false);
		para(ui, c, UI_FONT_BOLD, st->body_px, UI_BLACK, line, st->pad / 2);
	}
	wide_button(ui, c, ui_tr(ui, N_("Deliver now")), UI_ACT_STAFF_DELIVER, 0, false);
	if (d && d->dead_total) {
		c->y += st->pad / 2;
		ui_fill_count(line, sizeof line, ui_tr(ui, N_("Refused submissions: {count}")),
			      d->dead_total);
		heading(ui, c, line);
		wide_button(ui, c, ui_tr(ui, N_("Send every refused one again")), UI_ACT_STAFF_RETRY,
			    -1, false);
		for (size_t i = 0; i < d->ndead; i++) {
			const struct ui_dead_row *r = &d->dead[i];
			/* The back end's reason is its own words. */
			snprintf(line, sizeof line, "%s, %s: %s", r->reference, r->destination,
				 r->reason);
			ui->typed_text = true;
			para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK, line, st->unit * 4);
			ui->typed_text = false;
			char name[200];
			static const char *const rk[] = {"reference"};
			const char *const rv[] = {r->reference};
			msg_fill(name, sizeof name, ui_tr(ui, N_("Send {reference} again")), rk, rv, 1);
			int h = button(ui, (struct ui_rect){c->x, c->y,
							    MIN(c->w, button_width(ui, name) + st->pad),
							    st->target},
				       name, UI_ACT_STAFF_RETRY, (int)i, false);
			c->y += h + st->pad / 2;
		}
	}
	c->y += st->pad / 2;
	if (d) {
		heading(ui, c, ui_tr(ui, N_("How the kiosk is used")));
		figures(ui, c, ui_tr(ui, N_("Today")), &d->today);
		figures(ui, c, ui_tr(ui, N_("The last 7 days")), &d->week);
	}
	wide_button(ui, c, ui_tr(ui, N_("Technician checks")), UI_ACT_STAFF_TECH, 0, false);
	f->back = ui_tr(ui, N_("Back"));
	f->primary = ui_tr(ui, N_("Hand back"));
	f->primary_action = UI_ACT_HAND_BACK;
}

static void technician_page(struct ui *ui, struct col *c, struct footer_spec *f)
{
	const struct ui_style *st = &ui->st;
	heading(ui, c, ui_tr(ui, N_("Technician checks")));
	static const char *const levels[] = {N_("OK"), N_("Warning"), N_("Failure")};
	static const struct ui_color *const colours[] = {&UI_DARK_GREEN, &UI_BLACK, &UI_RED};
	if (ui->checks_running) {
		const char *t = ui_tr(ui, N_("The checks are running. This can take a minute."));
		int h = text_h(ui, c, UI_FONT_BOLD, st->body_px, t, c->w);
		ui_add_widget(ui, UI_ROLE_ALERT, UI_ACT_NONE, 0, (struct ui_rect){c->x, c->y, c->w, h}, t,
			      false);
		para(ui, c, UI_FONT_BOLD, st->body_px, UI_BLACK, t, st->pad / 2);
	} else if (!ui->nchecks) {
		para(ui, c, UI_FONT_REGULAR, st->body_px, UI_BLACK,
		     ui_tr(ui, N_("No checks could be run.")), st->pad / 2);
	}
	for (size_t i = 0; ui->checks && i < ui->nchecks; i++) {
		const struct ui_check_row *r = &ui->checks[i];
		int lv = r->level < 0 ? 0 : r->level > 2 ? 2 : r->level;
		char line[400];
		/* The check's name and detail are the technician's own
		 * words (hatch doctor's), as the log has them. */
		snprintf(line, sizeof line, "%s: %s", ui_tr(ui, levels[lv]), r->name);
		ui->typed_text = true;
		para(ui, c, UI_FONT_BOLD, st->body_px, *colours[lv], line, st->unit * 2);
		para(ui, c, UI_FONT_REGULAR, st->caption_px, UI_BLACK, r->detail, st->pad / 2);
		ui->typed_text = false;
	}
	if (ui->staff.identity && *ui->staff.identity) {
		c->y += st->pad / 2;
		heading(ui, c, ui_tr(ui, N_("Device identity, to enrol this kiosk")));
		int module = MAX(4, S(ui, 4));
		c->y += qr_text(ui, ui->staff.identity,
				ui_tr(ui, N_("The device identity as a code to scan")), c->x, c->y,
				module, false) +
			st->pad / 2;
		ui->typed_text = true;
		para(ui, c, UI_FONT_REGULAR, st->caption_px, UI_BLACK, ui->staff.identity, st->pad);
		ui->typed_text = false;
	}
	f->back = ui_tr(ui, N_("Back"));
}

/* While staff assist: who, and the way back to their menu and to hand the
 * kiosk back, at the top of every page. */
static void assisted_banner(struct ui *ui, struct col *c)
{
	const struct ui_style *st = &ui->st;
	char line[200];
	static const char *const keys[] = {"id"};
	const char *const vals[] = {ui->staff_id};
	msg_fill(line, sizeof line, ui_tr(ui, N_("Assisted session with staff member {id}")), keys,
		 vals, 1);
	const char *menu = ui_tr(ui, N_("Staff menu"));
	const char *back = ui_tr(ui, N_("Hand back"));
	int inner = c->w - st->pad;
	int th = text_h(ui, c, UI_FONT_BOLD, st->body_px, line, inner);
	int h = st->pad / 2 + th + st->pad / 2 + st->target + st->pad / 2;
	struct ui_rect r = {c->x, c->y, c->w, h};
	int wi = ui_add_widget(ui, UI_ROLE_TEXT, UI_ACT_NONE, 0, r, line, false);
	ui_rect_cmd(ui, r, UI_BLUE, wi);
	ui_paragraph(ui, c->x + st->pad / 2, c->y + st->pad / 2, inner, UI_FONT_BOLD, st->body_px,
		     UI_WHITE, line, true, wi);
	int by = c->y + st->pad / 2 + th + st->pad / 2;
	int mw = MIN(button_width(ui, menu), inner / 2 - st->pad / 4);
	int bw = MIN(button_width(ui, back), inner / 2 - st->pad / 4);
	button(ui, (struct ui_rect){c->x + st->pad / 2, by, mw, st->target}, menu, UI_ACT_STAFF_DASH,
	       0, false);
	button(ui, (struct ui_rect){c->x + st->pad / 2 + mw + st->pad / 2, by, bw, st->target}, back,
	       UI_ACT_HAND_BACK, 0, false);
	c->y += h + st->pad;
}

void ui_build(struct ui *ui)
{
	const struct ui_style *st = &ui->st;
	ui->nw = 0;
	ui_draw_reset(&ui->draw);
	ui->nomem = false;
	ui_rect_cmd(ui, (struct ui_rect){0, 0, ui->width, ui->height}, UI_WHITE, -1);
	bool kbd = ui->kbd_visible && ui_focused_field(ui) && !ui->dialog_timeout &&
		   !ui->dialog_save_failed;
	int kh = kbd ? keyboard_height(ui) : 0;
	/* On a short screen the keyboard leaves little room: the header makes
	 * way, and its help button moves into the footer. */
	ui->header_hidden = kbd && ui->height - kh - st->footer_h - st->header_h < S(ui, 240);
	int top = ui->header_hidden ? 0 : st->header_h;
	if (!ui->header_hidden)
		header(ui);
	/* Welcome has nothing in its footer unless it must scroll. */
	bool no_footer = ui->screen == UI_SCREEN_WELCOME && ui->scroll_max == 0 && !kbd;
	int fy = ui->height - kh - (no_footer ? 0 : st->footer_h);
	ui->body = (struct ui_rect){0, top, ui->width, MAX(0, fy - top)};
	ui->body_h = ui->body.h;

	/* The body, in its own coordinates first (y from 0), then moved into
	 * place once its height and the scroll are known. */
	/* A readable line length, which grows with the text. */
	int maxw = ui->width >= 1400 ? MIN(ui->width, S(ui, 1100) * ui->prefs.text_percent / 100)
				     : ui->width;
	int cw = MIN(ui->width - 2 * st->pad, maxw - 2 * st->pad);
	struct col c = {(ui->width - cw) / 2, cw, st->pad};
	size_t w0 = ui->nw;
	ui_clip_cmd(ui, &ui->body);
	size_t c0 = ui->draw.n;
	struct footer_spec f = {0};
	if (ui->staff_id[0] && !ui_staff_screen(ui))
		assisted_banner(ui, &c);
	switch (ui->screen) {
	case UI_SCREEN_WELCOME: welcome(ui, &c); break;
	case UI_SCREEN_SERVICES:
		services(ui, &c);
		f.back = ui_tr(ui, N_("Back"));
		break;
	case UI_SCREEN_HELP: help_page(ui, &c); break;
	case UI_SCREEN_SETTINGS: settings_page(ui, &c, &f); break;
	case UI_SCREEN_STEP: step_page(ui, &c, &f); break;
	case UI_SCREEN_STAFF_SIGN_IN: staff_sign_in_page(ui, &c, &f); break;
	case UI_SCREEN_STAFF: staff_page(ui, &c, &f); break;
	case UI_SCREEN_TECHNICIAN: technician_page(ui, &c, &f); break;
	}
	size_t c1 = ui->draw.n, w1 = ui->nw;
	ui_clip_cmd(ui, NULL);
	ui->content_h = c.y + st->pad;
	ui->scroll_max = MAX(0, ui->content_h - ui->body.h);
	if (ui->reveal_focus) {
		int fi = ui_focus(ui);
		if (fi >= (int)w0 && fi < (int)w1) {
			const struct ui_rect *r = &ui->w[fi].rect;
			int margin = 6 * st->unit;
			if (r->y + r->h + margin > ui->scroll + ui->body.h)
				ui->scroll = r->y + r->h + margin - ui->body.h;
			if (r->y - margin < ui->scroll)
				ui->scroll = r->y - margin;
		}
		ui->reveal_focus = false;
	}
	ui->scroll = MAX(0, MIN(ui->scroll, ui->scroll_max));
	int dy = ui->body.y - ui->scroll;
	for (size_t i = c0; i < c1; i++)
		if (ui->draw.cmds[i].kind != UI_CMD_CLIP && ui->draw.cmds[i].kind != UI_CMD_UNCLIP)
			ui->draw.cmds[i].r.y += dy;
		else if (ui->draw.cmds[i].kind == UI_CMD_CLIP)
			ui->draw.cmds[i].r.y += dy;
	for (size_t i = w0; i < w1; i++) {
		struct ui_widget *w = &ui->w[i];
		w->rect.y += dy;
		w->in_body = true;
		w->visible = w->rect.y + w->rect.h > ui->body.y &&
			     w->rect.y < ui->body.y + ui->body.h;
	}
	/* Nested clips (a text box inside the body) are intersected by the
	 * renderer with the body's own. */

	if (!no_footer)
		footer(ui, (struct ui_rect){0, fy, ui->width, st->footer_h}, &f);
	if (kbd)
		keyboard(ui, (struct ui_rect){0, fy + st->footer_h, ui->width, kh});
	if (ui->dialog_timeout || ui->dialog_save_failed)
		dialog(ui);
	focus_ring(ui);
}

/* A right-to-left language's screen is the left-to-right one mirrored:
 * alignment, the order of Back and Continue, lists and columns. Two things
 * keep their own direction: the on-screen keyboard (its keys stay where a
 * keyboard has them) and what is typed into a box, which moves with its box
 * but reads in the direction of its own letters (a postcode, an email). */
static void mirror(struct ui *ui)
{
	int W = ui->width;
	for (size_t i = 0; i < ui->draw.n; i++) {
		struct ui_cmd *c = &ui->draw.cmds[i];
		const struct ui_widget *w = c->widget >= 0 && (size_t)c->widget < ui->nw
						    ? &ui->w[c->widget]
						    : NULL;
		if (w && w->role == UI_ROLE_KEY)
			continue;
		if (w && w->role == UI_ROLE_TEXTBOX) {
			c->r.x += (W - w->rect.x - w->rect.w) - w->rect.x;
			if (c->kind == UI_CMD_TEXT)
				c->dir = UI_DIR_AUTO;
			continue;
		}
		c->r.x = W - c->r.x - c->r.w;
	}
	for (size_t i = 0; i < ui->nw; i++)
		if (ui->w[i].role != UI_ROLE_KEY)
			ui->w[i].rect.x = W - ui->w[i].rect.x - ui->w[i].rect.w;
}

enum hatch_err ui_layout(struct ui *ui, int w, int h, const struct ui_metrics *m,
			 uint64_t now)
{
	ui->width = w;
	ui->height = h;
	ui->metrics = *m;
	ui->have_metrics = true;
	ui->now = now;
	if (ui->screen == UI_SCREEN_STEP && ui->session &&
	    session_current(ui->session) != ui->field_step)
		return HATCH_ERR_STATE;
	compute_style(ui);
	snprintf(ui->draw.lang, sizeof ui->draw.lang, "%s", ui->language);
	ui_build(ui);
	if (!ui->nomem && ui->scroll_max > 0 && ui->nw) {
		/* The footer's scroll buttons take room once the body
		 * overflows; the first pass could not know, so lay out again. */
		ui_build(ui);
	}
	if (!ui->nomem && ui->rtl)
		mirror(ui);
	if (!ui->nomem)
		ui_announce(ui);
	return ui->nomem ? HATCH_ERR_NOMEM : HATCH_OK;
}
