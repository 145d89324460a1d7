/* The edge of the kiosk: the only module that includes SDL. It opens the
 * window (fullscreen on the device through KMSDRM, a window on a desktop)
 * or an off-screen surface, turns SDL events into ui_input, measures text
 * for ui/ and draws its draw lists with SDL_Renderer and SDL2_ttf
 * (HarfBuzz shaping) after the Unicode bidirectional algorithm (FriBidi)
 * and a font for each script, with glyph-run, width and icon caches. */
#ifndef HATCH_SDL_SDL_H
#define HATCH_SDL_SDL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "ui/ui.h"

struct sdl_view;

struct sdl_options {
	const char *assets;   /* directory with fonts/ and icons/ */
	bool headless;        /* draw into memory, no display (screenshots) */
	bool fullscreen;
	int width, height;    /* the window or surface; 0: the display's size */
	const char *title;
};

enum hatch_err sdl_view_create(const struct sdl_options *o, struct sdl_view **out,
			       struct hatch_error *e) HATCH_MUST_CHECK;
void sdl_view_destroy(struct sdl_view *v);

/* Text is measured for one language at a time: its script's face (Noto
 * Nastaliq Urdu for "ur", Noto Naskh Arabic for "ar", Noto Sans Gurmukhi for
 * "pa") sets the line height and the widths. The metrics answer for the
 * language last set here or last drawn; a draw list is drawn with the
 * faces it was measured with, so it always fits its layout. */
const struct ui_metrics *sdl_view_metrics(struct sdl_view *v);
/* Makes the metrics answer for LANG (BCP 47). Call it before ui_layout
 * when the language shown may have changed (ui_language()): otherwise the
 * first frame in a new script is measured and drawn in the previous one's
 * faces, and a window view asks for a redraw (SDL_VIEW_REDRAW). */
void sdl_view_set_language(struct sdl_view *v, const char *lang);
void sdl_view_size(const struct sdl_view *v, int *w, int *h);
/* From any thread: the view's sdl_view_wait returns SDL_VIEW_REDRAW soon
 * (work done elsewhere has something to show). Does nothing headless. */
void sdl_view_wake(struct sdl_view *v);

/* Draws D and shows it. */
enum hatch_err sdl_view_render(struct sdl_view *v, const struct ui_draw_list *d,
			       struct hatch_error *e) HATCH_MUST_CHECK;

/* One run of a line of text as the view sets it: a stretch of one bidi
 * level, drawn in one face. */
struct sdl_run {
	size_t start, len;    /* its bytes in the line, in logical order */
	int level;            /* bidi embedding level: odd is right to left */
	int x, w;             /* where it is drawn, from the line's left edge */
	char family[48];      /* the face: "Noto Nastaliq Urdu" */
	size_t missing;       /* characters the face has no glyph for */
};

/* Lays out the line S (N bytes) as a TEXT command in FONT at PX with base
 * direction DIR would be on a page in LANG, and writes its runs in visual
 * order, left to right, at most MAX of them, to OUT. Returns how many
 * there are (0 on failure). For tests and diagnostics. */
size_t sdl_view_text_runs(struct sdl_view *v, const char *lang, enum ui_dir dir,
			  enum ui_font font, int px, const char *s, size_t n,
			  struct sdl_run *out, size_t max);

/* Writes what was last drawn to PATH as PNG. */
enum hatch_err sdl_view_save_png(struct sdl_view *v, const char *path,
				 struct hatch_error *e) HATCH_MUST_CHECK;

enum sdl_event {
	SDL_VIEW_INPUT,    /* *IN holds an input */
	SDL_VIEW_REDRAW,   /* the window was resized or uncovered */
	SDL_VIEW_TIMEOUT,  /* TIMEOUT_MS passed without an event */
	SDL_VIEW_QUIT,
	SDL_VIEW_IGNORED,  /* an event that means nothing to the kiosk */
};

/* Sleeps until an event or TIMEOUT_MS (-1: no limit) and translates it. */
enum sdl_event sdl_view_wait(struct sdl_view *v, long timeout_ms, struct ui_input *in);

/* Monotonic milliseconds. */
uint64_t sdl_view_ticks(void);

#endif
