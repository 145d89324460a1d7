/* The draw list, the widget list and text layout (wrapping) for ui/.
 * Knows no SDL: widths come from the renderer's callbacks. */
#include <string.h>

#include "base/mem.h"
#include "ui/ui_int.h"

const struct ui_color UI_BLACK = {11, 12, 12, 255};
const struct ui_color UI_WHITE = {255, 255, 255, 255};
const struct ui_color UI_GREY = {80, 90, 95, 255};       /* secondary text, 7:1 */
const struct ui_color UI_MID_GREY = {177, 180, 182, 255}; /* borders */
const struct ui_color UI_LIGHT_GREY = {243, 242, 241, 255};
const struct ui_color UI_BLUE = {29, 112, 184, 255};
const struct ui_color UI_GREEN = {0, 112, 60, 255};
const struct ui_color UI_DARK_GREEN = {0, 90, 48, 255};
const struct ui_color UI_RED = {212, 53, 28, 255};
const struct ui_color UI_YELLOW = {255, 221, 0, 255};
const struct ui_color UI_SHADE = {11, 12, 12, 160};

const char *ui_cmd_data(const struct ui_draw_list *d, const struct ui_cmd *c)
{
	return d->arena + c->text;
}

void ui_draw_reset(struct ui_draw_list *d)
{
	d->n = 0;
	d->arena_len = 0;
}

void ui_draw_free(struct ui_draw_list *d)
{
	mem_free(d->cmds);
	if (d->arena)
		mem_wipe(d->arena, d->arena_cap);
	mem_free(d->arena);
	memset(d, 0, sizeof *d);
}

static bool same(struct ui_color a, struct ui_color b)
{
	return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

/* The high contrast theme: every text at least 7:1 against what it is on.
 * Black text and borders on white, black buttons with white text, darker
 * links and errors; the council's colour gives way to black. */
static const struct ui_color HC_BLUE = {0, 48, 120, 255};  /* links: 12.6:1 on white */
static const struct ui_color HC_RED = {148, 37, 20, 255};  /* errors: 8.6:1 on white */

struct ui_color ui_theme_color(const struct ui *ui, struct ui_color c)
{
	if (!ui->prefs.high_contrast)
		return c;
	if (same(c, UI_GREEN) || same(c, UI_DARK_GREEN) || same(c, UI_GREY) ||
	    same(c, UI_MID_GREY) || same(c, ui->cfg.brand))
		return UI_BLACK;
	if (same(c, UI_LIGHT_GREY))
		return UI_WHITE;
	if (same(c, UI_BLUE))
		return HC_BLUE;
	if (same(c, UI_RED))
		return HC_RED;
	return c;
}

int ui_push_cmd(struct ui *ui, const struct ui_cmd *c0)
{
	struct ui_cmd mapped = *c0;
	mapped.color = ui_theme_color(ui, c0->color);
	const struct ui_cmd *c = &mapped;
	struct ui_draw_list *d = &ui->draw;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		struct ui_cmd *v = mem_realloc(d->cmds, cap * sizeof *v);
		if (!v) {
			ui->nomem = true;
			return -1;
		}
		d->cmds = v;
		d->cap = cap;
	}
	d->cmds[d->n] = *c;
	return (int)d->n++;
}

size_t ui_push_bytes(struct ui *ui, const void *p, size_t n)
{
	struct ui_draw_list *d = &ui->draw;
	if (n + 1 > d->arena_cap - d->arena_len) {
		size_t cap = d->arena_cap ? d->arena_cap : 8192;
		while (cap - d->arena_len < n + 1)
			cap *= 2;
		char *a = mem_alloc(cap);
		if (!a) {
			ui->nomem = true;
			return 0;
		}
		/* Copy rather than realloc so an answer never lingers in a block
		 * that realloc freed without wiping. */
		if (d->arena) {
			memcpy(a, d->arena, d->arena_len);
			mem_wipe(d->arena, d->arena_cap);
			mem_free(d->arena);
		}
		d->arena = a;
		d->arena_cap = cap;
	}
	size_t at = d->arena_len;
	memcpy(d->arena + at, p, n);
	d->arena[at + n] = '\0';
	d->arena_len += n + 1;
	return at;
}

void ui_rect_cmd(struct ui *ui, struct ui_rect r, struct ui_color c, int widget)
{
	struct ui_cmd cmd = {.kind = UI_CMD_RECT, .r = r, .color = c, .widget = widget};
	ui_push_cmd(ui, &cmd);
}

void ui_border_cmd(struct ui *ui, struct ui_rect r, struct ui_color c, int thickness,
		   int widget)
{
	struct ui_cmd cmd = {.kind = UI_CMD_BORDER, .r = r, .color = c,
			     .thickness = thickness, .widget = widget};
	ui_push_cmd(ui, &cmd);
}

void ui_clip_cmd(struct ui *ui, const struct ui_rect *r)
{
	struct ui_cmd cmd = {.kind = r ? UI_CMD_CLIP : UI_CMD_UNCLIP, .widget = -1};
	if (r)
		cmd.r = *r;
	ui_push_cmd(ui, &cmd);
}

int ui_add_widget(struct ui *ui, enum ui_role role, enum ui_action action, int arg,
		  struct ui_rect r, const char *label, bool focusable)
{
	if (ui->nw == ui->capw) {
		size_t cap = ui->capw ? ui->capw * 2 : 64;
		struct ui_widget *v = mem_realloc(ui->w, cap * sizeof *v);
		if (!v) {
			ui->nomem = true;
			return -1;
		}
		ui->w = v;
		ui->capw = cap;
	}
	size_t l = ui_push_bytes(ui, label ? label : "", label ? strlen(label) : 0);
	ui->w[ui->nw] = (struct ui_widget){role, action, arg, r, l, focusable, false,
					   false, true};
	return (int)ui->nw++;
}

int ui_text_width(struct ui *ui, enum ui_font f, int px, const char *s, size_t n)
{
	if (!n)
		return 0;
	return ui->metrics.text_width(ui->metrics.user, f, px, s, n);
}

int ui_line_height(struct ui *ui, enum ui_font f, int px)
{
	return ui->metrics.line_height(ui->metrics.user, f, px);
}

void ui_text_cmd(struct ui *ui, int x, int y, enum ui_font f, int px, struct ui_color c,
		 const char *s, size_t n, int widget)
{
	if (!n)
		return;
	struct ui_cmd cmd = {.kind = UI_CMD_TEXT, .color = c, .font = f, .px = px,
			     .widget = widget,
			     .dir = ui->typed_text ? UI_DIR_AUTO : ui->rtl ? UI_DIR_RTL : UI_DIR_LTR};
	cmd.r = (struct ui_rect){x, y, ui_text_width(ui, f, px, s, n),
				 ui_line_height(ui, f, px)};
	cmd.text = ui_push_bytes(ui, s, n);
	cmd.len = n;
	ui_push_cmd(ui, &cmd);
}

/* Length of the UTF-8 sequence starting with byte C. */
static size_t seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

int ui_paragraph(struct ui *ui, int x, int y, int w, enum ui_font f, int px,
		 struct ui_color c, const char *text, bool emit, int widget)
{
	int lh = ui_line_height(ui, f, px);
	int space = ui_text_width(ui, f, px, " ", 1);
	int top = y;
	const char *p = text;
	while (*p) {
		/* One line: words while they fit; a word wider than the line is
		 * cut between characters. */
		const char *line = p, *end = p;
		int lw = 0;
		while (*p && *p != '\n') {
			const char *ws = p;
			while (*p && *p != ' ' && *p != '\n')
				p += seq_len((unsigned char)*p);
			int ww = ui_text_width(ui, f, px, ws, (size_t)(p - ws));
			int need = (end == line ? 0 : lw + space) + ww;
			if (need <= w || end == line) {
				if (end == line && ww > w) {
					/* Too long alone: take the characters that fit. */
					const char *q = ws, *fit = ws;
					while (q < p) {
						const char *nq = q + seq_len((unsigned char)*q);
						if (ui_text_width(ui, f, px, ws, (size_t)(nq - ws)) > w &&
						    fit > ws)
							break;
						fit = q = nq;
					}
					p = fit;
					end = fit;
					lw = ui_text_width(ui, f, px, ws, (size_t)(fit - ws));
					break;
				}
				lw = need;
				end = p;
				while (*p == ' ')
					p++;
			} else {
				p = ws;
				break;
			}
		}
		/* Words measured one by one can add up to less than the shaped
		 * line; give back words until the whole line fits. */
		while (end > line && ui_text_width(ui, f, px, line, (size_t)(end - line)) > w) {
			const char *sp = end;
			while (sp > line && sp[-1] != ' ')
				sp--;
			if (sp == line)
				break;
			p = sp;
			end = sp;
			while (end > line && end[-1] == ' ')
				end--;
		}
		if (emit)
			ui_text_cmd(ui, x, y, f, px, c, line, (size_t)(end - line), widget);
		y += lh;
		if (*p == '\n')
			p++;
		(void)lw;
	}
	if (y == top)
		y += lh;
	return y - top;
}
