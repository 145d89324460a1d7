/* SDL2 window, events and drawing for the kiosk. The only file besides
 * text.c that includes SDL. Text is measured and drawn through text.c
 * (bidirectional order, a face for each script, HarfBuzz shaping) with a
 * width cache and a texture cache in front of it, both keyed on the
 * language's faces and the run's direction. */
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "sdl/sdl.h"
#include "sdl/text.h"

#define TEXT_CACHE 1024
#define WIDTH_CACHE 8192
#define ICON_CACHE 64
#define CLIP_DEPTH 8

struct text_entry {
	uint64_t hash;
	SDL_Texture *tex;
	int w, h;
	int dy;          /* the texture's top below the line box's top */
	uint64_t used;
};

struct width_entry {
	uint64_t hash;
	int w;
};

struct icon_entry {
	char name[32];
	int w, h;
	SDL_Texture *tex;
	uint64_t used;
};

struct sdl_view {
	SDL_Window *win;
	SDL_Surface *surface;     /* headless */
	SDL_Renderer *r;
	int w, h;
	struct sdl_text text;
	/* The language the metrics answer for, and its faces and direction:
	 * what a draw list laid out now was measured with. */
	char lang[16];
	struct sdl_page page;
	Uint32 redraw_event;  /* ours, to lay out again; 0 when headless */
	struct text_entry text_cache[TEXT_CACHE];
	struct width_entry widths[WIDTH_CACHE];
	struct icon_entry icons[ICON_CACHE];
	uint64_t clock;
	char assets[1024];
	struct ui_metrics metrics;
	SDL_Rect clips[CLIP_DEPTH];
	int nclips;
};

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The page's faces and direction as one number, for cache keys. */
static int page_key(struct sdl_page p)
{
	return (int)p.face * 2 + (p.rtl ? 1 : 0);
}

/* Font sizes are in pixels: SDL2_ttf's point sizes are at 72 dpi, where a
 * point is a pixel. Widths are measured with the base direction of the
 * language's pages: ui/ gives every run on a page that direction but a
 * text box's (UI_DIR_AUTO), and a line's width changes with its direction
 * only when a space between scripts joins a run on its other side, by the
 * pixel or two a glyph overhangs its run's edge. */
static int text_width(void *user, enum ui_font style, int px, const char *s, size_t n)
{
	struct sdl_view *v = user;
	uint64_t h = fnv(s, n, fnv(&px, sizeof px, fnv(&style, sizeof style, 0xcbf29ce484222325ull)));
	int key = page_key(v->page);
	h = fnv(&key, sizeof key, h);
	struct width_entry *e = &v->widths[h % WIDTH_CACHE];
	if (e->hash == h && h)
		return e->w;
	int w = sdl_text_width(&v->text, style, px, v->page, v->page.rtl ? UI_DIR_RTL : UI_DIR_LTR,
			       s, n);
	e->hash = h;
	e->w = w;
	return w;
}

static int line_height(void *user, enum ui_font style, int px)
{
	struct sdl_view *v = user;
	int baseline;
	return sdl_text_line_height(&v->text, style, px, v->page, &baseline);
}

void sdl_view_set_language(struct sdl_view *v, const char *lang)
{
	snprintf(v->lang, sizeof v->lang, "%s", lang ? lang : "");
	v->page = sdl_text_page(&v->text, v->lang);
}

size_t sdl_view_text_runs(struct sdl_view *v, const char *lang, enum ui_dir dir,
			  enum ui_font font, int px, const char *s, size_t n,
			  struct sdl_run *out, size_t max)
{
	return sdl_text_runs(&v->text, font, px, sdl_text_page(&v->text, lang), dir, s, n, out,
			     max);
}

enum hatch_err sdl_view_create(const struct sdl_options *o, struct sdl_view **out,
			       struct hatch_error *e)
{
	*out = NULL;
	struct sdl_view *v = mem_calloc(1, sizeof *v);
	if (!v)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	snprintf(v->assets, sizeof v->assets, "%s", o->assets);
	Uint32 flags = o->headless ? 0 : SDL_INIT_VIDEO | SDL_INIT_EVENTS | SDL_INIT_TIMER;
	if (SDL_Init(flags) != 0 || TTF_Init() != 0) {
		err_set(e, HATCH_ERR_IO, "cannot start SDL: %s", SDL_GetError());
		mem_free(v);
		return HATCH_ERR_IO;
	}
	IMG_Init(IMG_INIT_PNG);
	enum hatch_err rc = sdl_text_init(&v->text, v->assets, e);
	if (rc != HATCH_OK)
		goto fail;
	sdl_view_set_language(v, "en");
	if (o->headless) {
		v->w = o->width > 0 ? o->width : 800;
		v->h = o->height > 0 ? o->height : 480;
		v->surface = SDL_CreateRGBSurfaceWithFormat(0, v->w, v->h, 32,
							    SDL_PIXELFORMAT_XRGB8888);
		v->r = v->surface ? SDL_CreateSoftwareRenderer(v->surface) : NULL;
	} else {
		SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
		/* With the software renderer, copy frames to the window directly:
		 * through OpenGL it would load a GL stack several times our size
		 * and take longer to start than everything else together. */
		const char *drv = SDL_GetHint(SDL_HINT_RENDER_DRIVER);
		if (drv && !strcmp(drv, "software"))
			SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
		Uint32 wf = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
		int w = o->width > 0 ? o->width : 800, h = o->height > 0 ? o->height : 480;
		if (o->fullscreen)
			wf |= SDL_WINDOW_FULLSCREEN_DESKTOP;
		v->win = SDL_CreateWindow(o->title ? o->title : "Hatch", SDL_WINDOWPOS_CENTERED,
					  SDL_WINDOWPOS_CENTERED, w, h, wf);
		v->r = v->win ? SDL_CreateRenderer(v->win, -1, SDL_RENDERER_PRESENTVSYNC) : NULL;
		if (v->win && !v->r)
			v->r = SDL_CreateRenderer(v->win, -1, 0);
		if (v->r)
			SDL_GetRendererOutputSize(v->r, &v->w, &v->h);
		if (o->fullscreen)
			SDL_ShowCursor(SDL_DISABLE);
		SDL_StartTextInput();
		Uint32 ev = SDL_RegisterEvents(1);
		v->redraw_event = ev == (Uint32)-1 ? 0 : ev;
	}
	if (!v->r) {
		rc = err_set(e, HATCH_ERR_IO, "cannot open the display: %s", SDL_GetError());
		goto fail;
	}
	SDL_SetRenderDrawBlendMode(v->r, SDL_BLENDMODE_BLEND);
	v->metrics = (struct ui_metrics){v, text_width, line_height};
	*out = v;
	return HATCH_OK;
fail:
	sdl_view_destroy(v);
	return rc;
}

void sdl_view_destroy(struct sdl_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < TEXT_CACHE; i++)
		if (v->text_cache[i].tex)
			SDL_DestroyTexture(v->text_cache[i].tex);
	for (size_t i = 0; i < ICON_CACHE; i++)
		if (v->icons[i].tex)
			SDL_DestroyTexture(v->icons[i].tex);
	sdl_text_cleanup(&v->text);
	if (v->r)
		SDL_DestroyRenderer(v->r);
	if (v->surface)
		SDL_FreeSurface(v->surface);
	if (v->win)
		SDL_DestroyWindow(v->win);
	IMG_Quit();
	TTF_Quit();
	SDL_Quit();
	mem_free(v);
}

const struct ui_metrics *sdl_view_metrics(struct sdl_view *v)
{
	return &v->metrics;
}

void sdl_view_size(const struct sdl_view *v, int *w, int *h)
{
	*w = v->w;
	*h = v->h;
}

static void set_color(struct sdl_view *v, struct ui_color c)
{
	/* Opaque fills are copied, not blended: blending every pixel is most
	 * of a software frame's time. */
	SDL_SetRenderDrawBlendMode(v->r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
	SDL_SetRenderDrawColor(v->r, c.r, c.g, c.b, c.a);
}

static void fill(struct sdl_view *v, int x, int y, int w, int h)
{
	SDL_Rect r = {x, y, w, h};
	SDL_RenderFillRect(v->r, &r);
}

/* A TEXT command's texture, from the cache or rendered now with the faces
 * of the page it was measured for. */
static struct text_entry *text_tex(struct sdl_view *v, const struct ui_cmd *c, const char *s)
{
	uint64_t h = fnv(s, c->len, 0xcbf29ce484222325ull);
	h = fnv(&c->px, sizeof c->px, h);
	h = fnv(&c->font, sizeof c->font, h);
	h = fnv(&c->color, sizeof c->color, h);
	int key = page_key(v->page) * 4 + (int)c->dir;
	h = fnv(&key, sizeof key, h);
	if (!h)
		h = 1;
	struct text_entry *e = &v->text_cache[h % TEXT_CACHE];
	if (e->hash == h && e->tex) {
		e->used = ++v->clock;
		return e;
	}
	SDL_Color col = {c->color.r, c->color.g, c->color.b, c->color.a};
	int dy = 0;
	SDL_Surface *surf = sdl_text_render(&v->text, c->font, c->px, v->page, c->dir, s, c->len,
					    col, &dy);
	if (!surf)
		return NULL;
	SDL_Texture *t = SDL_CreateTextureFromSurface(v->r, surf);
	int w = surf->w, hh = surf->h;
	SDL_FreeSurface(surf);
	if (!t)
		return NULL;
	if (e->tex)
		SDL_DestroyTexture(e->tex);
	*e = (struct text_entry){h, t, w, hh, dy, ++v->clock};
	return e;
}

static SDL_Texture *icon_tex(struct sdl_view *v, const char *name, int w, int h)
{
	struct icon_entry *slot = &v->icons[0];
	for (size_t i = 0; i < ICON_CACHE; i++) {
		struct icon_entry *e = &v->icons[i];
		if (e->tex && e->w == w && e->h == h && !strcmp(e->name, name)) {
			e->used = ++v->clock;
			return e->tex;
		}
		if (!e->tex || e->used < slot->used)
			slot = e;
	}
	char path[1200];
	if (snprintf(path, sizeof path, "%s/icons/%s.svg", v->assets, name) >= (int)sizeof path)
		return NULL;
	SDL_RWops *rw = SDL_RWFromFile(path, "rb");
	if (!rw)
		return NULL;
	SDL_Surface *s = IMG_LoadSizedSVG_RW(rw, w, h);
	SDL_RWclose(rw);
	if (!s)
		return NULL;
	SDL_Texture *t = SDL_CreateTextureFromSurface(v->r, s);
	SDL_FreeSurface(s);
	if (!t)
		return NULL;
	if (slot->tex)
		SDL_DestroyTexture(slot->tex);
	snprintf(slot->name, sizeof slot->name, "%s", name);
	slot->w = w;
	slot->h = h;
	slot->tex = t;
	slot->used = ++v->clock;
	return t;
}

static void apply_clip(struct sdl_view *v)
{
	if (!v->nclips) {
		SDL_RenderSetClipRect(v->r, NULL);
		return;
	}
	SDL_Rect r = v->clips[0];
	for (int i = 1; i < v->nclips; i++) {
		SDL_Rect out;
		if (!SDL_IntersectRect(&r, &v->clips[i], &out))
			out = (SDL_Rect){0, 0, 0, 0};
		r = out;
	}
	if (r.w <= 0 || r.h <= 0)
		r = (SDL_Rect){-1, -1, 1, 1};
	SDL_RenderSetClipRect(v->r, &r);
}

enum hatch_err sdl_view_render(struct sdl_view *v, const struct ui_draw_list *d,
			       struct hatch_error *e)
{
	/* A draw list is drawn in the faces it was measured with; when its
	 * language needs others, the metrics change to them and a window asks
	 * to be laid out again. */
	struct sdl_page page = sdl_text_page(&v->text, d->lang);
	bool relayout = page.face != v->page.face || page.rtl != v->page.rtl;
	v->nclips = 0;
	SDL_RenderSetClipRect(v->r, NULL);
	SDL_SetRenderDrawColor(v->r, 255, 255, 255, 255);
	SDL_RenderClear(v->r);
	for (size_t i = 0; i < d->n; i++) {
		const struct ui_cmd *c = &d->cmds[i];
		switch (c->kind) {
		case UI_CMD_RECT:
			set_color(v, c->color);
			fill(v, c->r.x, c->r.y, c->r.w, c->r.h);
			break;
		case UI_CMD_BORDER: {
			int t = c->thickness;
			set_color(v, c->color);
			fill(v, c->r.x, c->r.y, c->r.w, t);
			fill(v, c->r.x, c->r.y + c->r.h - t, c->r.w, t);
			fill(v, c->r.x, c->r.y + t, t, c->r.h - 2 * t);
			fill(v, c->r.x + c->r.w - t, c->r.y + t, t, c->r.h - 2 * t);
			break;
		}
		case UI_CMD_TEXT: {
			struct text_entry *t = text_tex(v, c, ui_cmd_data(d, c));
			if (t) {
				SDL_Rect dst = {c->r.x, c->r.y + t->dy, t->w, t->h};
				SDL_RenderCopy(v->r, t->tex, NULL, &dst);
			}
			break;
		}
		case UI_CMD_QR: {
			const unsigned char *m = (const unsigned char *)ui_cmd_data(d, c);
			int mod = c->thickness, n = (int)c->qr_width;
			set_color(v, c->color);
			for (int y = 0; y < n; y++)
				for (int x = 0; x < n; x++)
					if (m[y * n + x])
						fill(v, c->r.x + x * mod, c->r.y + y * mod, mod, mod);
			break;
		}
		case UI_CMD_ICON: {
			SDL_Texture *t = icon_tex(v, ui_cmd_data(d, c), c->r.w, c->r.h);
			if (t) {
				SDL_Rect dst = {c->r.x, c->r.y, c->r.w, c->r.h};
				SDL_RenderCopy(v->r, t, NULL, &dst);
			}
			break;
		}
		case UI_CMD_CLIP:
			if (v->nclips < CLIP_DEPTH)
				v->clips[v->nclips] = (SDL_Rect){c->r.x, c->r.y, c->r.w, c->r.h};
			v->nclips++;
			apply_clip(v);
			break;
		case UI_CMD_UNCLIP:
			if (v->nclips > 0)
				v->nclips--;
			apply_clip(v);
			break;
		}
	}
	SDL_RenderSetClipRect(v->r, NULL);
	SDL_RenderPresent(v->r);
	if (strcmp(d->lang, v->lang) && *d->lang) {
		sdl_view_set_language(v, d->lang);
		if (relayout && v->redraw_event) {
			SDL_Event ev = {.type = v->redraw_event};
			SDL_PushEvent(&ev);
		}
	}
	(void)e;
	return HATCH_OK;
}

enum hatch_err sdl_view_save_png(struct sdl_view *v, const char *path, struct hatch_error *e)
{
	SDL_Surface *s = v->surface;
	SDL_Surface *tmp = NULL;
	if (!s) {
		tmp = SDL_CreateRGBSurfaceWithFormat(0, v->w, v->h, 32, SDL_PIXELFORMAT_XRGB8888);
		if (!tmp || SDL_RenderReadPixels(v->r, NULL, SDL_PIXELFORMAT_XRGB8888, tmp->pixels,
						 tmp->pitch) != 0) {
			SDL_FreeSurface(tmp);
			return err_set(e, HATCH_ERR_IO, "cannot read the screen: %s", SDL_GetError());
		}
		s = tmp;
	}
	int rc = IMG_SavePNG(s, path);
	SDL_FreeSurface(tmp);
	if (rc != 0)
		return err_set(e, HATCH_ERR_IO, "cannot write %s: %s", path, IMG_GetError());
	return HATCH_OK;
}

uint64_t sdl_view_ticks(void)
{
	return SDL_GetTicks64();
}

static enum ui_key map_key(const SDL_KeyboardEvent *k, bool *shift)
{
	*shift = (k->keysym.mod & KMOD_SHIFT) != 0;
	bool ctrl = (k->keysym.mod & KMOD_CTRL) != 0;
	switch (k->keysym.sym) {
	case SDLK_TAB: return UI_KEY_TAB;
	case SDLK_UP: return UI_KEY_UP;
	case SDLK_DOWN: return UI_KEY_DOWN;
	case SDLK_LEFT: return UI_KEY_LEFT;
	case SDLK_RIGHT: return UI_KEY_RIGHT;
	case SDLK_HOME: return UI_KEY_HOME;
	case SDLK_END: return UI_KEY_END;
	case SDLK_PAGEUP: return UI_KEY_PAGE_UP;
	case SDLK_PAGEDOWN: return UI_KEY_PAGE_DOWN;
	case SDLK_RETURN:
	case SDLK_KP_ENTER:
	case SDLK_RETURN2: return UI_KEY_ENTER;
	case SDLK_ESCAPE:
	case SDLK_AC_BACK: return UI_KEY_ESCAPE;
	/* A keypad's Help key, and F1 on a keyboard: help from staff. */
	case SDLK_HELP:
	case SDLK_F1: return UI_KEY_HELP;
	case SDLK_BACKSPACE: return UI_KEY_BACKSPACE;
	case SDLK_DELETE: return UI_KEY_DELETE;
	case SDLK_a: return ctrl ? UI_KEY_SELECT_ALL : UI_KEY_NONE;
	/* Ctrl+Alt+S: staff sign-in, the keyboard's way to the corner's. */
	case SDLK_s: return ctrl && (k->keysym.mod & KMOD_ALT) ? UI_KEY_STAFF : UI_KEY_NONE;
	default: return UI_KEY_NONE;
	}
}

void sdl_view_wake(struct sdl_view *v)
{
	if (!v || !v->redraw_event)
		return;
	/* SDL_PushEvent is safe from any thread. */
	SDL_Event ev = {.type = v->redraw_event};
	SDL_PushEvent(&ev);
}

enum sdl_event sdl_view_wait(struct sdl_view *v, long timeout_ms, struct ui_input *in)
{
	SDL_Event ev;
	int got = timeout_ms < 0 ? SDL_WaitEvent(&ev)
				 : SDL_WaitEventTimeout(&ev, timeout_ms > 0x7fffffff ? 0x7fffffff
										     : (int)timeout_ms);
	memset(in, 0, sizeof *in);
	in->ms = SDL_GetTicks64();
	if (!got)
		return SDL_VIEW_TIMEOUT;
	if (v->redraw_event && ev.type == v->redraw_event)
		return SDL_VIEW_REDRAW;
	switch (ev.type) {
	case SDL_QUIT: return SDL_VIEW_QUIT;
	case SDL_WINDOWEVENT:
		if (ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
			SDL_GetRendererOutputSize(v->r, &v->w, &v->h);
			return SDL_VIEW_REDRAW;
		}
		if (ev.window.event == SDL_WINDOWEVENT_EXPOSED)
			return SDL_VIEW_REDRAW;
		return SDL_VIEW_IGNORED;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		/* Touches arrive as finger events; their mouse echoes are dropped
		 * so nothing is pressed twice. */
		if (ev.button.which == SDL_TOUCH_MOUSEID || ev.button.button != SDL_BUTTON_LEFT)
			return SDL_VIEW_IGNORED;
		in->kind = ev.type == SDL_MOUSEBUTTONDOWN ? UI_IN_DOWN : UI_IN_UP;
		in->x = ev.button.x;
		in->y = ev.button.y;
		return SDL_VIEW_INPUT;
	case SDL_MOUSEMOTION:
		if (ev.motion.which == SDL_TOUCH_MOUSEID || !(ev.motion.state & SDL_BUTTON_LMASK))
			return SDL_VIEW_IGNORED;
		in->kind = UI_IN_MOVE;
		in->x = ev.motion.x;
		in->y = ev.motion.y;
		return SDL_VIEW_INPUT;
	case SDL_FINGERDOWN:
	case SDL_FINGERUP:
	case SDL_FINGERMOTION:
		in->kind = ev.type == SDL_FINGERDOWN ? UI_IN_DOWN
			   : ev.type == SDL_FINGERUP ? UI_IN_UP
						     : UI_IN_MOVE;
		in->x = (int)(ev.tfinger.x * (float)v->w);
		in->y = (int)(ev.tfinger.y * (float)v->h);
		return SDL_VIEW_INPUT;
	case SDL_KEYDOWN:
		in->kind = UI_IN_KEY;
		in->key = map_key(&ev.key, &in->shift);
		return in->key == UI_KEY_NONE ? SDL_VIEW_IGNORED : SDL_VIEW_INPUT;
	case SDL_TEXTINPUT:
		in->kind = UI_IN_TEXT;
		snprintf(in->text, sizeof in->text, "%s", ev.text.text);
		return SDL_VIEW_INPUT;
	default: return SDL_VIEW_IGNORED;
	}
}
