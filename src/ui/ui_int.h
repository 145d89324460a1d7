/* Internal to ui/: the kiosk's state and the helpers its files share. */
#ifndef HATCH_UI_UI_INT_H
#define HATCH_UI_UI_INT_H

#include "core/reference.h"
#include "ui/ui.h"

#define UI_FIELD_MAX 16384   /* bytes in one box: 4,000 characters of any script */
#define UI_MAX_BOXES 5       /* an address: its four lines, and the box to find it */
#define UI_ADDR_QUERY 4      /* the box a postcode or words to find an address go in */
#define UI_ADDR_MAX 100      /* addresses listed at once: more than any postcode has */
#define UI_GUARD_MS 400      /* taps ignored after a page changes: no double submits */
#define UI_DRAG_PX 12        /* movement that turns a tap into a drag */

struct ui_field {
	char text[UI_FIELD_MAX];
	size_t len;
	size_t caret, anchor;   /* byte offsets; a selection runs between them */
	int scroll_x;           /* pixels the text is moved left to show the caret */
	int scroll_y;           /* long text: pixels scrolled */
};

/* The address step's three faces: find it (a postcode, or words), pick it
 * from the addresses found, or type it in. With no gazetteer only the last. */
enum ui_addr_mode { UI_ADDR_FIND, UI_ADDR_PICK, UI_ADDR_MANUAL };

struct ui_addr {
	enum ui_addr_mode mode;
	bool by_text;            /* finding by words, not by postcode */
	bool manual_from_find;   /* typed in after finding: Back returns to finding */
	struct ui_address *found;   /* UI_ADDR_MAX of them, while a session runs */
	size_t nfound;
	int chosen;              /* the row picked, or -1 */
	char searched[128];      /* what was looked for, as shown */
	/* Why the last search found nothing to pick: the message's English
	 * (translated when shown), and the message as shown. */
	const char *problem;
	const char *lookup_rule;  /* the last lookup's failure, as an event's rule */
	struct session_error error;
};

enum ui_kbd_layout { KBD_LETTERS, KBD_SYMBOLS, KBD_EMAIL, KBD_UPPER, KBD_DIGITS };

enum ui_kbd_special {
	KEY_CHAR,      /* inserts its text */
	KEY_SHIFT,
	KEY_BACKSPACE,
	KEY_SPACE,
	KEY_TO_SYMBOLS,
	KEY_TO_LETTERS,
	KEY_DONE,
};

struct ui_key_def {
	const char *label;
	const char *insert;
	enum ui_kbd_special special;
	int span;               /* width in quarter keys */
};

/* The keys of LAYOUT, row by row: ROWS[r] has COUNTS[r] keys. */
size_t ui_kbd_rows(enum ui_kbd_layout layout, bool shift,
		   const struct ui_key_def *const **rows, const size_t **counts);

/* Style: sizes in pixels for the current display and text scale. */
struct ui_style {
	int unit;        /* 1 dp */
	int target;      /* minimum touch target */
	int pad;
	int body_px, heading_px, caption_px, button_px, title_px;
	int header_h, footer_h;
	int key_h, key_px;  /* the on-screen keyboard's keys: fixed, whatever the text size */
};

struct ui {
	struct ui_config cfg;
	struct ui_host host;
	const struct journey *const *journeys;
	size_t njourneys;

	enum ui_screen screen, help_from;
	struct session *session;
	const struct journey *journey;
	const char *language;
	bool rtl;                /* the language is written right to left */
	bool typed_text;         /* text being drawn is what a citizen typed: its own direction */
	struct ui_prefs prefs;

	/* Speech: what to say at the next layout, when the widgets are known. */
	bool say_page, say_focus;
	int explored;            /* touch-and-hear: the widget touched once, or -1 */

	/* What is typed or chosen on the current step, until Continue. */
	size_t field_step;
	struct ui_field fields[UI_MAX_BOXES];
	size_t nfields;
	bool chosen[JOURNEY_MAX_OPTIONS];
	bool errors;             /* the error summary is showing */
	struct ui_addr addr;     /* the address step */

	/* Staff: who is signed in (assisting), the sign-in's boxes (apart from
	 * the citizen's, which stay as they were), where sign-in was opened
	 * from, and the hidden corner's taps. */
	struct ui_staff_host staff;
	bool has_staff;
	char staff_id[33];
	bool staff_paused;       /* the inactivity timeout paused by staff */
	enum ui_screen staff_from;
	bool staff_from_dialog;
	struct ui_field staff_fields[2];
	const char *staff_problem;   /* "wrong" or "locked": why sign-in failed */
	long staff_wait;             /* minutes, for a lock */
	/* What the last retry or delivery did: which message, and how many. */
	enum { UI_NOTE_NONE, UI_NOTE_RETRIED, UI_NOTE_RETRY_FAILED, UI_NOTE_DELIVERING,
	       UI_NOTE_NO_DESTINATION } staff_note;
	long staff_note_count;
	struct ui_dashboard *dash;   /* while the dashboard shows */
	struct ui_check_row *checks; /* while the technician's screen shows */
	size_t nchecks;
	bool checks_running;
	int corner_taps;
	uint64_t corner_since;

	/* Anonymous events: where they go, when the journey and the step
	 * shown began, and the survey's answer. */
	void (*event)(void *user, const struct ui_event *ev);
	void *event_user;
	uint64_t journey_since, step_since;
	size_t step_shown;       /* the step the time is running for, or -1 */
	int satisfaction;        /* the survey's answer on the confirmation, 0 none */
	char reference[REFERENCE_SIZE];

	/* Focus is kept by what a widget does, so it survives a relayout. */
	bool has_focus;
	enum ui_action focus_action;
	int focus_arg;
	bool reveal_focus;       /* scroll the focused widget into view */
	bool focus_visible;      /* keys are in use: show the focus ring */
	bool header_hidden;      /* the keyboard took the header's room */

	int scroll, content_h, body_h, scroll_max;
	bool kbd_visible, kbd_shift;
	enum ui_kbd_layout kbd_layout;

	bool dialog_timeout, dialog_save_failed;
	/* Where focus was when the timeout dialog opened. */
	bool saved_has_focus, saved_kbd_visible;
	enum ui_action saved_focus_action;
	int saved_focus_arg;
	uint64_t dialog_deadline, last_input, guard_until, now;

	/* A press in progress. */
	bool pressing, dragging;
	int press_widget, press_x, press_y, press_scroll;

	/* The last layout. */
	int width, height;
	struct ui_metrics metrics;
	bool have_metrics;
	struct ui_style st;
	struct ui_widget *w;
	size_t nw, capw;
	struct ui_draw_list draw;
	struct ui_rect body;
	bool nomem;
};

/* Says TEXT when speech is on (ui.c). */
void ui_say(struct ui *ui, const char *text, bool interrupt);
/* What speech says of widget I: its name, role, state, value and any error
 * (ui.c), into OUT. */
void ui_describe(const struct ui *ui, size_t i, char *out, size_t size);
/* After a layout: the page and the focus, said when they changed (ui.c). */
void ui_announce(struct ui *ui);
/* The idle timeout and the countdown now, with "more time" (ui.c). */
int ui_idle_seconds(const struct ui *ui);
int ui_warning_seconds(const struct ui *ui);

const char *ui_tr(const struct ui *ui, const char *english);
/* How long staff stay signed in without a touch, in milliseconds. */
uint64_t staff_ms(const struct ui *ui);
/* Staff sign-in, the dashboard or the technician's checks. */
bool ui_staff_screen(const struct ui *ui);
/* The form of SINGULAR/PLURAL (NP_) for N, translated. */
const char *ui_ntr(const struct ui *ui, const char *singular, const char *plural, long n);
/* TMPL with {count} replaced by N, into OUT. */
void ui_fill_count(char *out, size_t size, const char *tmpl, long n);

/* Draw list and widgets (draw.c). Failures set ui->nomem. */
void ui_draw_reset(struct ui_draw_list *d);
void ui_draw_free(struct ui_draw_list *d);
int ui_push_cmd(struct ui *ui, const struct ui_cmd *c);
/* C as the citizen's theme shows it (high contrast maps the palette). */
struct ui_color ui_theme_color(const struct ui *ui, struct ui_color c);
size_t ui_push_bytes(struct ui *ui, const void *p, size_t n);
void ui_rect_cmd(struct ui *ui, struct ui_rect r, struct ui_color c, int widget);
void ui_border_cmd(struct ui *ui, struct ui_rect r, struct ui_color c, int thickness,
		   int widget);
void ui_clip_cmd(struct ui *ui, const struct ui_rect *r);
int ui_add_widget(struct ui *ui, enum ui_role role, enum ui_action action, int arg,
		  struct ui_rect r, const char *label, bool focusable);

/* Text (draw.c). */
int ui_text_width(struct ui *ui, enum ui_font f, int px, const char *s, size_t n);
int ui_line_height(struct ui *ui, enum ui_font f, int px);
/* One line at X, Y. */
void ui_text_cmd(struct ui *ui, int x, int y, enum ui_font f, int px, struct ui_color c,
		 const char *s, size_t n, int widget);
/* Wraps TEXT into lines no wider than W from (X, Y); emits them when EMIT;
 * returns the height used. Words longer than a line are broken. */
int ui_paragraph(struct ui *ui, int x, int y, int w, enum ui_font f, int px,
		 struct ui_color c, const char *text, bool emit, int widget);

/* Colours of the GOV.UK palette. */
extern const struct ui_color UI_BLACK, UI_WHITE, UI_GREY, UI_MID_GREY, UI_LIGHT_GREY,
	UI_BLUE, UI_GREEN, UI_RED, UI_YELLOW, UI_DARK_GREEN, UI_SHADE;

/* Screens (screens.c). */
void ui_build(struct ui *ui);

/* State changes (ui.c) used by the screens. */
bool ui_is_focused(const struct ui *ui, enum ui_action a, int arg);
struct ui_field *ui_focused_field(struct ui *ui);
enum ui_kbd_layout ui_field_layout(const struct ui *ui, int box);
const struct journey_step *ui_current_step(const struct ui *ui);
/* The errors the page shows: the last Continue's, or the address finder's
 * (ui_addr_prepare() makes its message in the language shown). */
size_t ui_errors(const struct ui *ui, const struct session_error **out);
/* True on the address step while it is finding or picking (not typing). */
bool ui_addr_finding(const struct ui *ui);
void ui_addr_prepare(struct ui *ui);

#endif
