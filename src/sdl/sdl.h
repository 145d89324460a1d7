/* The edge of the kiosk: the only module that includes SDL. It opens the
 * window (fullscreen on the device through KMSDRM, a window on a desktop)
 * or an off-screen surface, turns SDL events into ui_input, measures text
 * for ui/ and draws its draw lists with SDL_Renderer and SDL2_ttf
 * (HarfBuzz shaping), with glyph-run, width and icon caches. */
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

const struct ui_metrics *sdl_view_metrics(struct sdl_view *v);
void sdl_view_size(const struct sdl_view *v, int *w, int *h);

/* Draws D and shows it. */
enum hatch_err sdl_view_render(struct sdl_view *v, const struct ui_draw_list *d,
			       struct hatch_error *e) HATCH_MUST_CHECK;

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
