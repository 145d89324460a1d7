/* Unit tests for the text of sdl/: lines drawn through the real view on an
 * off-screen surface, read back as pixels. Right-to-left lines keep a
 * postcode, digits and an email reading left to right in place; brackets
 * are mirrored in right-to-left runs; every shipped language's sentence is
 * drawn as wide as it was measured, inside its line box, in its script's
 * face (Nastaliq for Urdu, Naskh for Arabic, Noto Sans Gurmukhi for
 * Panjabi) with no missing glyphs; the caches tell directions and
 * languages apart. The strings are test fixtures, not program text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <SDL.h>
#include <SDL_image.h>

#include "support.h"

#include "platform/platform.h"
#include "sdl/sdl.h"
#include "ui/ui.h"

#define W 1200
#define H 200
#define PX 28

static struct sdl_view *view;
static char png[512];

/* "Address" in Arabic letters, then a Latin postcode. */
#define AR_ADDRESS "\xD8\xA7\xD9\x84\xD8\xB9\xD9\x86\xD9\x88\xD8\xA7\xD9\x86"
#define AR_HOUSE "\xD8\xA7\xD9\x84\xD9\x85\xD9\x86\xD8\xB2\xD9\x84"
#define POSTCODE "SW1A 2AA"

struct sample {
	const char *lang;
	enum ui_dir dir;
	const char *text;
	const char *family; /* the face its letters must be set in */
};

/* One sentence per shipped language ("What is the address of the
 * property?" or near it), with each language's own letters. */
static const struct sample samples[] = {
	{"en", UI_DIR_LTR, "What is the address of the property?", "Noto Sans"},
	{"cy", UI_DIR_LTR, "Beth yw cyfeiriad yr eiddo? \xC5\xB4 \xC5\xB5 \xC5\xB7 \xC3\xA2", "Noto Sans"},
	{"pl", UI_DIR_LTR,
	 "Jaki jest adres nieruchomo\xC5\x9B\x63i? Za\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 "
	 "g\xC4\x99\xC5\x9Bl\xC4\x85 ja\xC5\xBA\xC5\x84",
	 "Noto Sans"},
	{"ro", UI_DIR_LTR,
	 "Care este adresa propriet\xC4\x83\xC8\x9Bii? \xC8\x98\xC8\x99 \xC8\x9A\xC8\x9B "
	 "\xC3\xAE\xC3\xA2",
	 "Noto Sans"},
	{"pa", UI_DIR_LTR,
	 "\xE0\xA8\x9C\xE0\xA8\xBE\xE0\xA8\x87\xE0\xA8\xA6\xE0\xA8\xBE\xE0\xA8\xA6 "
	 "\xE0\xA8\xA6\xE0\xA8\xBE \xE0\xA8\xAA\xE0\xA8\xA4\xE0\xA8\xBE "
	 "\xE0\xA8\x95\xE0\xA9\x80 \xE0\xA8\xB9\xE0\xA9\x88?",
	 "Noto Sans Gurmukhi"},
	{"ur", UI_DIR_RTL,
	 "\xD8\xAC\xD8\xA7\xD8\xA6\xDB\x8C\xD8\xAF\xD8\xA7\xD8\xAF \xDA\xA9\xD8\xA7 "
	 "\xD9\xBE\xD8\xAA\xDB\x81 \xDA\xA9\xDB\x8C\xD8\xA7 \xDB\x81\xDB\x92\xD8\x9F",
	 "Noto Nastaliq Urdu"},
	{"ar", UI_DIR_RTL,
	 "\xD9\x85\xD8\xA7 \xD9\x87\xD9\x88 \xD8\xB9\xD9\x86\xD9\x88\xD8\xA7\xD9\x86 "
	 "\xD8\xA7\xD9\x84\xD8\xB9\xD9\x82\xD8\xA7\xD8\xB1\xD8\x9F",
	 "Noto Naskh Arabic"},
};

static int setup(void **state)
{
	if (support_dir_setup(state) != 0)
		return -1;
	snprintf(png, sizeof png, "%s/line.png", support_dir);
	return (view = support_view(W, H)) ? 0 : -1;
}

static int teardown(void **state)
{
	sdl_view_destroy(view);
	return support_dir_teardown(state);
}

/* ---- drawing lines and reading them back ---- */

struct pixels {
	SDL_Surface *s; /* ARGB8888 */
};

static int measure(const char *lang, enum ui_font f, const char *s)
{
	sdl_view_set_language(view, lang);
	const struct ui_metrics *m = sdl_view_metrics(view);
	return m->text_width(m->user, f, PX, s, strlen(s));
}

static int line_height(const char *lang, enum ui_font f)
{
	sdl_view_set_language(view, lang);
	const struct ui_metrics *m = sdl_view_metrics(view);
	return m->line_height(m->user, f, PX);
}

/* Draws S in LANG with base direction DIR, its top-left at X, Y, black on
 * white, as a TEXT command measured for LANG; returns the screen. */
static struct pixels draw(const char *lang, enum ui_dir dir, enum ui_font f, int x, int y,
			  const char *s)
{
	char arena[1024];
	size_t n = strlen(s);
	assert_true(n < sizeof arena);
	memcpy(arena, s, n);
	struct ui_cmd c = {.kind = UI_CMD_TEXT, .color = {0, 0, 0, 255}, .font = f, .px = PX,
			   .dir = dir, .text = 0, .len = n, .widget = -1};
	c.r = (struct ui_rect){x, y, measure(lang, f, s), line_height(lang, f)};
	struct ui_draw_list d = {&c, 1, 1, arena, n, sizeof arena, ""};
	snprintf(d.lang, sizeof d.lang, "%s", lang);
	struct hatch_error e = {""};
	assert_int_equal(sdl_view_render(view, &d, &e), HATCH_OK);
	assert_int_equal(sdl_view_save_png(view, png, &e), HATCH_OK);
	SDL_Surface *raw = IMG_Load(png);
	assert_non_null(raw);
	struct pixels p = {SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0)};
	SDL_FreeSurface(raw);
	assert_non_null(p.s);
	return p;
}

static uint32_t at(const struct pixels *p, int x, int y)
{
	return ((const uint32_t *)((const uint8_t *)p->s->pixels + y * p->s->pitch))[x] & 0xFFFFFF;
}

/* The box holding every pixel that is not white. */
static struct ui_rect ink(const struct pixels *p)
{
	int x0 = p->s->w, y0 = p->s->h, x1 = -1, y1 = -1;
	for (int y = 0; y < p->s->h; y++)
		for (int x = 0; x < p->s->w; x++)
			if (at(p, x, y) != 0xFFFFFF) {
				x0 = x < x0 ? x : x0;
				x1 = x > x1 ? x : x1;
				y0 = y < y0 ? y : y0;
				y1 = y > y1 ? y : y1;
			}
	if (x1 < 0)
		return (struct ui_rect){0, 0, 0, 0};
	return (struct ui_rect){x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

/* Whether the W x H block at AX, AY of A is pixel for pixel the one at
 * BX, BY of B. */
static bool same_block(const struct pixels *a, int ax, int ay, const struct pixels *b, int bx,
		       int by, int w, int h)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			if (at(a, ax + x, ay + y) != at(b, bx + x, by + y))
				return false;
	return true;
}

static void done(struct pixels *p)
{
	SDL_FreeSurface(p->s);
	p->s = NULL;
}

/* The run of S (in visual order, from RUNS) whose bytes are exactly SUB. */
static const struct sdl_run *run_of(const char *s, const struct sdl_run *runs, size_t n,
				    const char *sub)
{
	for (size_t i = 0; i < n; i++)
		if (runs[i].len == strlen(sub) && !memcmp(s + runs[i].start, sub, runs[i].len))
			return &runs[i];
	return NULL;
}

/* ---- tests ---- */

static void rtl_line_keeps_postcode_left_to_right(void **state)
{
	(void)state;
	const char *line = AR_ADDRESS " " POSTCODE;
	struct sdl_run runs[8];
	size_t n = sdl_view_text_runs(view, "ar", UI_DIR_RTL, UI_FONT_REGULAR, PX, line,
				      strlen(line), runs, 8);
	assert_true(n >= 2 && n <= 8);
	/* The postcode is one left-to-right run, leftmost: it ends the line
	 * logically, and a right-to-left line ends on the left. */
	const struct sdl_run *pc = run_of(line, runs, n, POSTCODE);
	assert_non_null(pc);
	assert_int_equal(pc->level % 2, 0);
	assert_ptr_equal(pc, &runs[0]);
	assert_string_equal(pc->family, "Noto Sans");
	/* The Arabic word (with the space after it) is right to left, on the
	 * right. */
	const struct sdl_run *word = &runs[n - 1];
	assert_int_equal(word->start, 0);
	assert_int_equal(word->level % 2, 1);
	assert_true(word->x > pc->x);

	/* In pixels: the postcode drawn alone, left to right, is found
	 * unchanged, glyph for glyph, where its run lies in the Arabic line. */
	struct pixels alone = draw("ar", UI_DIR_LTR, UI_FONT_REGULAR, 20, 20, POSTCODE);
	struct ui_rect a = ink(&alone);
	assert_true(a.w > 0);
	struct pixels mixed = draw("ar", UI_DIR_RTL, UI_FONT_REGULAR, 100, 20, line);
	assert_true(same_block(&alone, a.x, a.y, &mixed, 100 + pc->x + (a.x - 20), a.y, a.w, a.h));
	/* ... and not mirrored: drawn right to left it would not match. */
	struct pixels back = draw("ar", UI_DIR_RTL, UI_FONT_REGULAR, 20, 20, "2AA SW1A");
	assert_false(same_block(&alone, a.x, a.y, &back, a.x, a.y, a.w, a.h));
	done(&alone);
	done(&mixed);
	done(&back);
}

static void rtl_line_with_postcode_in_the_middle(void **state)
{
	(void)state;
	/* "house SW1A 2AA address": the Arabic words swap sides, the postcode
	 * stays one left-to-right run between them. */
	const char *line = AR_HOUSE " " POSTCODE " " AR_ADDRESS;
	struct sdl_run runs[8];
	size_t n = sdl_view_text_runs(view, "ar", UI_DIR_RTL, UI_FONT_REGULAR, PX, line,
				      strlen(line), runs, 8);
	assert_true(n >= 3 && n <= 8);
	const struct sdl_run *pc = run_of(line, runs, n, POSTCODE);
	assert_non_null(pc);
	assert_int_equal(pc->level % 2, 0);
	const char *first = strstr(line, AR_HOUSE), *last = strstr(line, AR_ADDRESS);
	int first_x = -1, last_x = -1;
	for (size_t i = 0; i < n; i++) {
		if (line + runs[i].start <= first && first < line + runs[i].start + runs[i].len)
			first_x = runs[i].x;
		if (line + runs[i].start <= last && last < line + runs[i].start + runs[i].len)
			last_x = runs[i].x;
	}
	assert_true(last_x >= 0 && last_x < pc->x);
	assert_true(first_x > pc->x);
	/* The runs tile the line: each starts where the one on its left ends. */
	for (size_t i = 1; i < n; i++)
		assert_int_equal(runs[i].x, runs[i - 1].x + runs[i - 1].w);
	assert_int_equal(runs[n - 1].x + runs[n - 1].w, measure("ar", UI_FONT_REGULAR, line));
}

static void digits_and_email_in_rtl_keep_their_order(void **state)
{
	(void)state;
	/* Numbers without spaces: the algorithm gives a space between two
	 * numbers the paragraph's direction, so space-separated groups are
	 * laid out right to left as groups (a caller wanting otherwise
	 * isolates them, or gives the line UI_DIR_AUTO). */
	static const char *const pieces[] = {"01614960000", "name@example.org",
					     "\xD9\xA1\xD9\xA2\xD9\xA3"}; /* Arabic-Indic 123 */
	for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
		char line[128];
		snprintf(line, sizeof line, "%s %s %s", AR_HOUSE, pieces[k], AR_ADDRESS);
		struct sdl_run runs[16];
		size_t n = sdl_view_text_runs(view, "ur", UI_DIR_RTL, UI_FONT_REGULAR, PX, line,
					      strlen(line), runs, 16);
		assert_true(n >= 3 && n <= 16);
		const struct sdl_run *r = run_of(line, runs, n, pieces[k]);
		assert_non_null(r);
		assert_int_equal(r->level % 2, 0);
		assert_int_equal(r->missing, 0);
	}
}

static void auto_direction_follows_the_first_strong_letter(void **state)
{
	(void)state;
	/* A typed answer on a mirrored page: Latin first reads left to right. */
	const char *latin = POSTCODE " " AR_HOUSE;
	struct sdl_run runs[8];
	size_t n = sdl_view_text_runs(view, "ar", UI_DIR_AUTO, UI_FONT_REGULAR, PX, latin,
				      strlen(latin), runs, 8);
	assert_true(n >= 2 && n <= 8);
	assert_int_equal(runs[0].level, 0);
	assert_int_equal(memcmp(latin + runs[0].start, POSTCODE, strlen(POSTCODE)), 0);
	const char *arabic = AR_HOUSE " " POSTCODE;
	n = sdl_view_text_runs(view, "ar", UI_DIR_AUTO, UI_FONT_REGULAR, PX, arabic,
			       strlen(arabic), runs, 8);
	assert_true(n >= 2 && n <= 8);
	const struct sdl_run *pc = run_of(arabic, runs, n, POSTCODE);
	assert_non_null(pc);
	assert_ptr_equal(pc, &runs[0]);
	assert_int_equal(pc->level, 2);
}

static void brackets_mirror_in_rtl_runs(void **state)
{
	(void)state;
	/* "(" at a right-to-left level is drawn as ")" is left to right. */
	struct pixels open_rtl = draw("ar", UI_DIR_RTL, UI_FONT_REGULAR, 20, 20, "(");
	struct pixels close_ltr = draw("ar", UI_DIR_LTR, UI_FONT_REGULAR, 20, 20, ")");
	struct pixels open_ltr = draw("ar", UI_DIR_LTR, UI_FONT_REGULAR, 20, 20, "(");
	struct ui_rect r = ink(&close_ltr);
	assert_true(r.w > 0);
	assert_true(same_block(&open_rtl, r.x, r.y, &close_ltr, r.x, r.y, r.w, r.h));
	assert_false(same_block(&open_ltr, r.x, r.y, &close_ltr, r.x, r.y, r.w, r.h));
	done(&open_rtl);
	done(&close_ltr);
	done(&open_ltr);

	/* In a sentence: Arabic, then a bracketed Arabic word; the brackets
	 * are in a right-to-left run and in a face that has them. */
	const char *line = AR_ADDRESS " (" AR_HOUSE ")";
	struct sdl_run runs[8];
	size_t n = sdl_view_text_runs(view, "ar", UI_DIR_RTL, UI_FONT_REGULAR, PX, line,
				      strlen(line), runs, 8);
	assert_true(n >= 1 && n <= 8);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(runs[i].level, 1);
		assert_int_equal(runs[i].missing, 0);
	}
}

static void every_language_in_its_face_without_missing_glyphs(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof samples / sizeof *samples; k++) {
		const struct sample *s = &samples[k];
		for (int f = 0; f < UI_FONT_COUNT; f++) {
			struct sdl_run runs[16];
			size_t n = sdl_view_text_runs(view, s->lang, s->dir, (enum ui_font)f, PX,
						      s->text, strlen(s->text), runs, 16);
			assert_true(n >= 1 && n <= 16);
			bool letters = false;
			for (size_t i = 0; i < n; i++) {
				if (runs[i].missing)
					fail_msg("%s: %zu missing glyphs in '%.*s' (%s)", s->lang,
						 runs[i].missing, (int)runs[i].len,
						 s->text + runs[i].start, runs[i].family);
				letters |= !strcmp(runs[i].family, s->family);
			}
			if (!letters)
				fail_msg("%s: no run in %s", s->lang, s->family);
			/* Right to left languages in one right-to-left run, the
			 * others left to right. */
			if (s->dir == UI_DIR_RTL) {
				assert_int_equal(runs[0].level % 2, 1);
			} else {
				for (size_t i = 0; i < n; i++)
					assert_int_equal(runs[i].level, 0);
			}
		}
	}
	/* Urdu is Nastaliq and Arabic Naskh, even for the same letters. */
	const char *word = AR_HOUSE;
	struct sdl_run r;
	assert_int_equal(sdl_view_text_runs(view, "ur", UI_DIR_RTL, UI_FONT_BOLD, PX, word,
					    strlen(word), &r, 1), 1);
	assert_string_equal(r.family, "Noto Nastaliq Urdu");
	assert_int_equal(sdl_view_text_runs(view, "ar", UI_DIR_RTL, UI_FONT_BOLD, PX, word,
					    strlen(word), &r, 1), 1);
	assert_string_equal(r.family, "Noto Naskh Arabic");
	/* On an English page (the language buttons of Welcome) too: Naskh. */
	assert_int_equal(sdl_view_text_runs(view, "en", UI_DIR_LTR, UI_FONT_REGULAR, PX, word,
					    strlen(word), &r, 1), 1);
	assert_string_equal(r.family, "Noto Naskh Arabic");
	assert_int_equal(r.missing, 0);
}

static void drawn_as_wide_as_measured_inside_the_line_box(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof samples / sizeof *samples; k++) {
		const struct sample *s = &samples[k];
		for (int f = 0; f < UI_FONT_COUNT; f++) {
			int w = measure(s->lang, (enum ui_font)f, s->text);
			int lh = line_height(s->lang, (enum ui_font)f);
			struct sdl_run runs[16];
			size_t n = sdl_view_text_runs(view, s->lang, s->dir, (enum ui_font)f, PX,
						      s->text, strlen(s->text), runs, 16);
			assert_true(n >= 1 && n <= 16);
			assert_int_equal(runs[n - 1].x + runs[n - 1].w, w);
			int x = 40, y = 40;
			struct pixels p = draw(s->lang, s->dir, (enum ui_font)f, x, y, s->text);
			struct ui_rect r = ink(&p);
			done(&p);
			if (r.x < x || r.x + r.w > x + w || r.w < w - PX / 2)
				fail_msg("%s %s: ink %d..%d, measured %d..%d", s->lang,
					 f ? "bold" : "regular", r.x, r.x + r.w, x, x + w);
			/* Inside its line box, so lines do not overlap. */
			if (r.y < y || r.y + r.h > y + lh)
				fail_msg("%s %s: ink rows %d..%d, line box %d..%d", s->lang,
					 f ? "bold" : "regular", r.y, r.y + r.h, y, y + lh);
		}
	}
}

static void line_height_fits_the_language_faces(void **state)
{
	(void)state;
	int en = line_height("en", UI_FONT_REGULAR);
	/* English is as it was: Noto Sans's own line skip at 28 px. */
	assert_int_equal(en, line_height("cy", UI_FONT_REGULAR));
	assert_int_equal(en, line_height("pl", UI_FONT_REGULAR));
	assert_int_equal(en, line_height("ro", UI_FONT_REGULAR));
	int pa = line_height("pa", UI_FONT_REGULAR);
	int ar = line_height("ar", UI_FONT_REGULAR);
	int ur = line_height("ur", UI_FONT_REGULAR);
	assert_true(pa >= en);
	assert_true(ar > en);
	/* Nastaliq's stacked letters need far more room than Naskh. */
	assert_true(ur > ar);
	assert_true(line_height("ur", UI_FONT_BOLD) >= ur);
	/* A Latin word on an Urdu page sits on the Urdu baseline: inside the
	 * taller line box, lower than on an English page. */
	struct pixels latin_en = draw("en", UI_DIR_LTR, UI_FONT_REGULAR, 20, 20, POSTCODE);
	struct pixels latin_ur = draw("ur", UI_DIR_RTL, UI_FONT_REGULAR, 20, 20, POSTCODE);
	struct ui_rect a = ink(&latin_en), b = ink(&latin_ur);
	assert_int_equal(a.w, b.w);
	assert_int_equal(a.x, b.x);
	assert_true(b.y > a.y && b.y + b.h <= 20 + ur);
	done(&latin_en);
	done(&latin_ur);
}

static void language_change_is_measured_for_the_next_layout(void **state)
{
	(void)state;
	sdl_view_set_language(view, "en");
	const struct ui_metrics *m = sdl_view_metrics(view);
	int en = m->line_height(m->user, UI_FONT_REGULAR, PX);
	/* A draw list in Urdu, laid out before the view knew: drawn with the
	 * faces it was measured with, and the next layout measures Urdu. */
	char arena[] = "x";
	struct ui_cmd c = {.kind = UI_CMD_TEXT, .color = {0, 0, 0, 255}, .px = PX,
			   .dir = UI_DIR_RTL, .len = 1, .widget = -1};
	c.r = (struct ui_rect){10, 10, m->text_width(m->user, UI_FONT_REGULAR, PX, "x", 1), en};
	struct ui_draw_list d = {&c, 1, 1, arena, 1, sizeof arena, "ur"};
	struct hatch_error e = {""};
	assert_int_equal(sdl_view_render(view, &d, &e), HATCH_OK);
	assert_true(m->line_height(m->user, UI_FONT_REGULAR, PX) > en);
	sdl_view_set_language(view, "en");
	assert_int_equal(m->line_height(m->user, UI_FONT_REGULAR, PX), en);
}

static void caches_tell_directions_and_languages_apart(void **state)
{
	(void)state;
	/* The same bytes, left to right and then right to left: the Arabic
	 * word is on the left, then on the right. */
	const char *line = AR_HOUSE " " POSTCODE;
	for (int round = 0; round < 2; round++) {
		struct pixels ltr = draw("ar", UI_DIR_LTR, UI_FONT_REGULAR, 20, 20, line);
		struct pixels rtl = draw("ar", UI_DIR_RTL, UI_FONT_REGULAR, 20, 20, line);
		struct ui_rect a = ink(&ltr), b = ink(&rtl);
		assert_true(a.w > 0 && b.w > 0);
		assert_false(same_block(&ltr, 0, 0, &rtl, 0, 0, W, H));
		done(&ltr);
		done(&rtl);
	}
	/* The same Arabic word measured for Urdu and for Arabic. */
	assert_int_not_equal(measure("ur", UI_FONT_REGULAR, AR_ADDRESS),
			     measure("ar", UI_FONT_REGULAR, AR_ADDRESS));
	struct pixels ur = draw("ur", UI_DIR_RTL, UI_FONT_REGULAR, 20, 20, AR_ADDRESS);
	struct pixels ar = draw("ar", UI_DIR_RTL, UI_FONT_REGULAR, 20, 20, AR_ADDRESS);
	struct ui_rect a = ink(&ur), b = ink(&ar);
	assert_true(a.h > b.h);
	done(&ur);
	done(&ar);
}

static void odd_input_is_drawn_safely(void **state)
{
	(void)state;
	/* Malformed UTF-8, bidi controls, lone marks and a long mixed line:
	 * measured and drawn without a crash, as wide as measured. */
	static const char *const lines[] = {
		"\xFF\xFE broken \xC3",
		"\xE2\x80\xAE" "override\xE2\x80\xAC and \xE2\x81\xA7isolate\xE2\x81\xA9",
		"\xCC\x81\xD9\x8E start with marks",
		"\xD8\xA8\xE2\x80\x8C\xD8\xA8 zwnj",
		"a\xD8\xA8" "b\xD8\xAA" "c\xD8\xAB" "d\xD8\xAC" "e\xD8\xAD" "f\xD8\xAE" "g\xD8\xAF",
		"   ",
	};
	for (size_t k = 0; k < sizeof lines / sizeof *lines; k++)
		for (int dir = UI_DIR_LTR; dir <= UI_DIR_AUTO; dir++) {
			int w = measure("ur", UI_FONT_REGULAR, lines[k]);
			struct sdl_run runs[32];
			size_t n = sdl_view_text_runs(view, "ur", (enum ui_dir)dir, UI_FONT_REGULAR,
						      PX, lines[k], strlen(lines[k]), runs, 32);
			assert_true(n >= 1 && n <= 32);
			struct pixels p = draw("ur", (enum ui_dir)dir, UI_FONT_REGULAR, 40, 40,
					       lines[k]);
			struct ui_rect r = ink(&p);
			done(&p);
			if (r.w)
				assert_true(r.x >= 40 && r.x + r.w <= 40 + w);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rtl_line_keeps_postcode_left_to_right),
		cmocka_unit_test(rtl_line_with_postcode_in_the_middle),
		cmocka_unit_test(digits_and_email_in_rtl_keep_their_order),
		cmocka_unit_test(auto_direction_follows_the_first_strong_letter),
		cmocka_unit_test(brackets_mirror_in_rtl_runs),
		cmocka_unit_test(every_language_in_its_face_without_missing_glyphs),
		cmocka_unit_test(drawn_as_wide_as_measured_inside_the_line_box),
		cmocka_unit_test(line_height_fits_the_language_faces),
		cmocka_unit_test(language_change_is_measured_for_the_next_layout),
		cmocka_unit_test(caches_tell_directions_and_languages_apart),
		cmocka_unit_test(odd_input_is_drawn_safely),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
