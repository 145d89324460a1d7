/* The kiosk's screens without a screen: ui/ turns the kiosk's state (which
 * screen, a citizen's session, what is typed and focused) into a widget tree
 * and a draw list, and turns ui_input (already translated from touch, mouse
 * and keys by sdl/) into changes. It asks the renderer for text widths
 * through callbacks, as microui does, and knows no SDL, curl or SQLite.
 * Depends on base/, core/. */
#ifndef HATCH_UI_UI_H
#define HATCH_UI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/msg.h"
#include "core/journey.h"
#include "core/session.h"

struct ui_rect {
	int x, y, w, h;
};

struct ui_color {
	uint8_t r, g, b, a;
};

enum ui_font { UI_FONT_REGULAR, UI_FONT_BOLD, UI_FONT_COUNT };

/* Text measurement, answered by the renderer (shaped text). */
struct ui_metrics {
	void *user;
	int (*text_width)(void *user, enum ui_font font, int px, const char *s, size_t n);
	int (*line_height)(void *user, enum ui_font font, int px);
};

/* ---- the draw list ---- */

enum ui_cmd_kind {
	UI_CMD_RECT,   /* filled rectangle */
	UI_CMD_BORDER, /* rectangle outline THICKNESS wide, inside R */
	UI_CMD_TEXT,   /* one line of text with its top-left at R.x, R.y */
	UI_CMD_QR,     /* QR modules: QR_WIDTH squared bytes, 1 = dark */
	UI_CMD_ICON,   /* a named icon fitted into R */
	UI_CMD_CLIP,   /* later commands are clipped to R */
	UI_CMD_UNCLIP,
};

/* The base direction of a text run, for the bidirectional algorithm: a
 * right-to-left page's runs are RTL, with any Latin words and numbers in
 * them still read left to right; typed answers take the direction of their
 * first strong letter. */
enum ui_dir { UI_DIR_LTR, UI_DIR_RTL, UI_DIR_AUTO };

struct ui_cmd {
	enum ui_cmd_kind kind;
	struct ui_rect r;
	struct ui_color color;
	int thickness;
	enum ui_font font;
	int px;
	enum ui_dir dir;   /* TEXT */
	size_t text, len;  /* TEXT: bytes in the list's arena; ICON: the name */
	size_t qr_width;   /* QR: modules a side; the modules are at TEXT */
	int widget;        /* the widget it belongs to, or -1 */
};

struct ui_draw_list {
	struct ui_cmd *cmds;
	size_t n, cap;
	char *arena;
	size_t arena_len, arena_cap;
	/* The language shown (BCP 47): the renderer picks the faces of its
	 * script by it (Nastaliq for Urdu, Naskh for Arabic). */
	char lang[16];
};

/* The bytes of a TEXT, ICON or QR command. */
const char *ui_cmd_data(const struct ui_draw_list *d, const struct ui_cmd *c);

/* ---- widgets ---- */

enum ui_role {
	UI_ROLE_BUTTON,
	UI_ROLE_LINK,
	UI_ROLE_TEXTBOX,
	UI_ROLE_RADIO,
	UI_ROLE_CHECKBOX,
	UI_ROLE_KEY,
	UI_ROLE_TILE,
	UI_ROLE_HEADING,
	UI_ROLE_TEXT,
	UI_ROLE_ALERT,
	UI_ROLE_IMAGE,
	UI_ROLE_DIALOG,
};

enum ui_action {
	UI_ACT_NONE,
	UI_ACT_START,
	UI_ACT_LANGUAGE,
	UI_ACT_SERVICE,
	UI_ACT_CONTINUE,
	UI_ACT_BACK,
	UI_ACT_HELP,
	UI_ACT_HELP_RETURN,
	UI_ACT_FIELD,
	UI_ACT_OPTION,
	UI_ACT_CHANGE,
	UI_ACT_SEND,
	UI_ACT_FINISH,
	UI_ACT_ERROR_LINK,
	UI_ACT_KEY,
	UI_ACT_SCROLL_UP,
	UI_ACT_SCROLL_DOWN,
	UI_ACT_MORE_TIME,
	UI_ACT_START_AGAIN,
	UI_ACT_DISMISS,
	UI_ACT_SETTINGS,     /* opens the settings page */
	UI_ACT_LANG_SWITCH,  /* the header's one-tap language: ARG is the language */
	UI_ACT_TEXT_SIZE,    /* ARG: 100, 150 or 200 (per cent) */
	UI_ACT_CONTRAST,     /* ARG: 1 high contrast, 0 standard */
	UI_ACT_SPEECH,       /* ARG: 1 on, 0 off */
	UI_ACT_EXTRA_TIME,   /* ARG: 1 on (timeouts doubled), 0 off */
	UI_ACT_ADDR_PICK,    /* an address found: ARG is its row */
	UI_ACT_ADDR_MANUAL,  /* "My address is not listed": type it in */
	UI_ACT_ADDR_BY_TEXT, /* ARG: 1 find by street or place name, 0 by postcode */
	UI_ACT_ADDR_CHANGE,  /* look for another postcode or words */
	UI_ACT_STAFF_FIELD,  /* staff sign-in's boxes: ARG 0 the ID, 1 the PIN */
	UI_ACT_STAFF_SIGN_IN,
	UI_ACT_STAFF_ASSIST, /* start an assisted session */
	UI_ACT_STAFF_RETRY,  /* send a dead submission again: ARG its row, -1 all */
	UI_ACT_STAFF_DELIVER,/* deliver now */
	UI_ACT_STAFF_TECH,   /* the technician's checks */
	UI_ACT_STAFF_PAUSE,  /* ARG: 1 pause the inactivity timeout, 0 resume it */
	UI_ACT_STAFF_DASH,   /* the staff dashboard, from the assisted banner */
	UI_ACT_HAND_BACK,    /* wipe everything, sign out, back to Welcome */
	UI_ACT_SATISFACTION, /* the survey's answer: ARG 5 very satisfied .. 1 very dissatisfied */
};

struct ui_widget {
	enum ui_role role;
	enum ui_action action;
	int arg;               /* which option, box, row, key, service, language */
	struct ui_rect rect;   /* where it is on the screen now */
	size_t label;          /* accessible name: offset in the draw arena */
	bool focusable;
	bool checked;          /* radios and checkboxes */
	bool in_body;          /* scrolls with the page */
	bool visible;          /* on screen now (not scrolled away) */
};

/* ---- input ---- */

enum ui_key {
	UI_KEY_NONE,
	UI_KEY_TAB,
	UI_KEY_UP,
	UI_KEY_DOWN,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_PAGE_UP,
	UI_KEY_PAGE_DOWN,
	UI_KEY_ENTER,
	UI_KEY_SPACE,
	UI_KEY_ESCAPE,
	UI_KEY_BACKSPACE,
	UI_KEY_DELETE,
	UI_KEY_SELECT_ALL,
	UI_KEY_HELP,   /* a keypad's Help key: "Get help from staff" */
	UI_KEY_STAFF,  /* the staff key combination: staff sign-in */
};

enum ui_input_kind {
	UI_IN_DOWN,   /* finger or button down at X, Y */
	UI_IN_MOVE,   /* finger or mouse moved while down */
	UI_IN_UP,
	UI_IN_KEY,    /* a navigation or editing key */
	UI_IN_TEXT,   /* typed text (UTF-8) from a physical keyboard */
	UI_IN_TICK,   /* time passed: timers */
};

struct ui_input {
	enum ui_input_kind kind;
	int x, y;
	enum ui_key key;
	bool shift;
	char text[32];
	uint64_t ms;   /* monotonic milliseconds */
};

/* ---- the kiosk ---- */

enum ui_screen {
	UI_SCREEN_WELCOME,
	UI_SCREEN_SERVICES,
	UI_SCREEN_STEP,      /* a page of the journey (question, info, check, confirmation) */
	UI_SCREEN_HELP,
	UI_SCREEN_SETTINGS,  /* text size, contrast, speech, more time, language */
	UI_SCREEN_STAFF_SIGN_IN, /* staff ID and PIN */
	UI_SCREEN_STAFF,     /* the staff dashboard: the outbox, retries, assisted sessions */
	UI_SCREEN_TECHNICIAN,/* the device's checks and its identity for enrolment */
};

struct ui_language {
	const char *code;    /* "cy" */
	const char *name;    /* in its own language and script: "Cymraeg" */
	bool rtl;            /* written right to left: the screens are mirrored */
};

struct ui_config {
	const char *council;        /* "Demonstration District Council" */
	struct ui_color brand;      /* the header's colour */
	const char *tracking_url;   /* with {reference} in it; NULL: no QR */
	int idle_seconds;           /* before "Do you need more time?" */
	int warning_seconds;        /* the countdown in it */
	int dpi;                    /* of the display: 96 by default */
	const struct ui_language *languages;
	size_t nlanguages;
};

/* An address in the council's gazetteer, as the address step lists it. */
struct ui_address {
	char uprn[16];      /* the council's Unique Property Reference Number */
	char lines[256];    /* "Flat 2, 14 Mill Lane" */
	char town[64];
	char postcode[9];   /* "AB1 2CD" */
	double lat, lon;    /* WGS84; both 0 when unknown */
};

/* What the kiosk needs from the program around it. */
struct ui_host {
	void *user;
	/* Saves the session's record (store/) and returns HATCH_OK, or an
	 * error after which the citizen is asked to get help and stays on
	 * check your answers. On success *REFERENCE (REFERENCE_SIZE) holds the
	 * reference given. */
	enum hatch_err (*submit)(void *user, struct session *s, const char *language,
				 char *reference);
	/* Today's local date, for the date questions of a new session. */
	struct cdate (*today)(void *user);
	/* Translates program and journey text into the language shown
	 * (ui_language()); its functions may be NULL: English. */
	struct msg_tr tr;
	/* With speech on: says TEXT in the language shown, at once, cutting
	 * short what was being said when INTERRUPT. Must not block. NULL:
	 * no speech output. */
	void (*speak)(void *user, const char *language, const char *text, bool interrupt);
	/* Finds addresses for the address step in the council's gazetteer:
	 * those whose postcode starts with QUERY (a whole or part postcode), or
	 * when BY_TEXT those matching its words; at most MAX into OUT, how many
	 * in *N. HATCH_ERR_INPUT: QUERY cannot start a postcode; any other
	 * error: the gazetteer could not be read (the citizen types the
	 * address). Must be quick (it runs between frames). NULL: there is no
	 * gazetteer, and the address step asks for the lines only. */
	enum hatch_err (*find_address)(void *user, const char *query, bool by_text,
				       struct ui_address *out, size_t max, size_t *n);
};

/* A citizen's settings, chosen on the settings page (reachable from every
 * screen) and reset when the session ends. */
struct ui_prefs {
	int text_percent;    /* 100, 150 or 200: every text, and what holds it, grows */
	bool high_contrast;  /* every text at least 7:1 against its background */
	bool speech;         /* pages and focus read aloud; touch once to hear, twice to act */
	bool more_time;      /* the inactivity timeout and its countdown doubled */
};

/* ---- anonymous usage events ---- */

/* What the kiosk tells the council about how it is used: never who, never
 * what was typed. Names are the journey's own identifiers. */
enum ui_event_kind {
	UI_EV_STARTED,          /* JOURNEY, LANGUAGE, ASSISTED */
	UI_EV_STEP_SHOWN,       /* JOURNEY, STEP */
	UI_EV_VALIDATION_ERROR, /* JOURNEY, STEP, FIELD ("" for a one-box step), RULE */
	UI_EV_COMPLETED,        /* JOURNEY, DURATION_MS, ASSISTED */
	UI_EV_STOP_PAGE,        /* JOURNEY, STEP */
	UI_EV_ABANDONED,        /* JOURNEY, STEP (the last shown), TIMEOUT, ASSISTED */
	UI_EV_LANGUAGE,         /* LANGUAGE; JOURNEY or "" */
	UI_EV_PREFERENCE,       /* PREF, VALUE; JOURNEY or "" */
	UI_EV_STEP_TIME,        /* JOURNEY, STEP, DURATION_MS */
	UI_EV_SATISFACTION,     /* JOURNEY, SATISFACTION 1 (very dissatisfied) .. 5 */
};

struct ui_event {
	enum ui_event_kind kind;
	const char *journey, *step, *field, *rule, *language, *pref, *value;
	bool timeout;       /* abandoned: the idle timeout, not a choice */
	bool assisted;
	long duration_ms;
	int satisfaction;
};


/* ---- staff ---- */

enum ui_staff_verdict { UI_STAFF_OK, UI_STAFF_WRONG, UI_STAFF_LOCKED };

#define UI_DASH_ROWS 16
/* One destination's submissions, for the dashboard. */
struct ui_outbox_row {
	char destination[65];
	long queued, sending, dead;
	long oldest_minutes;   /* how long the oldest waiting one has waited; -1: none */
};
/* One submission refused for good: its reference and the reason given,
 * never its contents. */
struct ui_dead_row {
	char reference[16];
	char destination[65];
	char reason[256];
};
/* The usage figures of a period, for the dashboard's charts. */
#define UI_FIGURE_ROWS 8
struct ui_figure_row {
	char journey[65];   /* the journey's id */
	char step[65];      /* drop-off rows: the step's id */
	long a, b;          /* journeys: started, completed; drop-offs: abandoned */
};
struct ui_period {
	struct ui_figure_row journeys[UI_FIGURE_ROWS];
	size_t njourneys;
	struct ui_figure_row dropoffs[UI_FIGURE_ROWS];
	size_t ndropoffs;
};

struct ui_dashboard {
	/* Today's figures, and the last seven days' (today included). */
	struct ui_period today, week;
	struct ui_outbox_row dest[UI_DASH_ROWS];
	size_t ndest;
	struct ui_dead_row dead[UI_DASH_ROWS];
	size_t ndead;          /* shown: the oldest UI_DASH_ROWS */
	long dead_total;
	bool unreadable;       /* the outbox could not be read (the reason is logged) */
};

#define UI_CHECK_ROWS 32
/* One of the technician's checks (hatch doctor's). */
struct ui_check_row {
	char name[64];
	int level;             /* 0 ok, 1 warning, 2 failure */
	char detail[200];
};

/* What the staff screens need from the program around them. */
struct ui_staff_host {
	void *user;
	/* Checks ID and PIN (never kept by ui/); *RETRY_AFTER seconds when
	 * locked. Must not say whether ID exists. */
	enum ui_staff_verdict (*sign_in)(void *user, const char *id, const char *pin,
					 long *retry_after);
	/* The outbox now, into OUT. */
	void (*dashboard)(void *user, struct ui_dashboard *out);
	/* Sends the dead submission REFERENCE again (NULL: every dead one);
	 * how many will be, or -1 when they could not be (logged). */
	long (*retry)(void *user, const char *reference);
	/* Makes every waiting submission due and wakes delivery; how many, or
	 * -1 when no destination is configured. */
	long (*deliver_now)(void *user);
	/* The technician's checks into OUT (at most MAX): how many, or -1
	 * while they are still running (they are started when asked for, and
	 * ui_staff_refresh shows them once done). NULL: none. */
	long (*checks)(void *user, struct ui_check_row *out, size_t max);
	/* The device's identity for enrolment, shown as a QR code and as text;
	 * NULL: not provisioned. */
	const char *identity;
	/* The discreet ways in ([staff] entry): five taps on the corner,
	 * and the key combination. */
	bool by_corner, by_keys;
	/* Staff may pause the inactivity timeout ([staff] pause_timeout). */
	bool may_pause;
	/* Staff are signed out (everything wiped) after this long without a
	 * touch, paused or not ([staff] session_timeout); 0: 600. */
	int session_seconds;
};

struct ui;

/* A kiosk showing Welcome. JOURNEYS (N) outlive it. NULL on no memory. */
struct ui *ui_create(const struct ui_config *cfg, const struct ui_host *host,
		     const struct journey *const *journeys, size_t n);
/* Wipes any session and frees; accepts NULL. */
void ui_destroy(struct ui *ui);

/* Lays the current screen out at W x H and rebuilds the widgets and the
 * draw list. NOW is monotonic milliseconds (for countdowns). */
enum hatch_err ui_layout(struct ui *ui, int w, int h, const struct ui_metrics *m,
			 uint64_t now) HATCH_MUST_CHECK;

const struct ui_draw_list *ui_draw(const struct ui *ui);
const struct ui_widget *ui_widgets(const struct ui *ui, size_t *n);
/* The widget's accessible name. */
const char *ui_widget_label(const struct ui *ui, const struct ui_widget *w);
/* Index of the focused widget, or -1. */
int ui_focus(const struct ui *ui);

/* Applies one input. Returns true when the screen must be redrawn. */
bool ui_handle(struct ui *ui, const struct ui_input *in);

/* Milliseconds from NOW until a timer needs ui_handle(UI_IN_TICK), or -1
 * when nothing is waiting: the caller may sleep until input. */
long ui_next_timer(const struct ui *ui, uint64_t now);

/* Puts the kiosk on a screen directly (screenshots, tests): a journey's
 * step with ANSWERS (a JSON object of step id -> answer as typed: a string,
 * or a list of strings for dates, addresses and multiple choices). */
enum hatch_err ui_show_step(struct ui *ui, const char *journey_id, const char *step_id,
			    const char *answers_json, struct hatch_error *e) HATCH_MUST_CHECK;
void ui_show_screen(struct ui *ui, enum ui_screen screen);
/* Chooses the language with CODE, as its button on Welcome does. */
void ui_select_language(struct ui *ui, const char *code);
/* Opens the "Do you need more time?" dialog as if the kiosk had been idle. */
void ui_show_timeout(struct ui *ui, uint64_t now);

enum ui_screen ui_screen_get(const struct ui *ui);
const struct session *ui_session(const struct ui *ui);
const char *ui_language(const struct ui *ui);

const struct ui_prefs *ui_prefs(const struct ui *ui);
/* Sets every setting at once, as the settings page would (screenshots,
 * tests). A text size other than 100, 150 or 200 is taken as 100. */
void ui_set_prefs(struct ui *ui, const struct ui_prefs *p);

/* Where events go: called on the screen thread, must not block. */
void ui_set_events(struct ui *ui, void (*event)(void *user, const struct ui_event *ev),
		   void *user);
/* Gives the address step its finder (as ui_host's find_address) once the
 * gazetteer is open, which may be after the first frame; NULL: none. */
void ui_set_finder(struct ui *ui,
		   enum hatch_err (*find)(void *user, const char *query, bool by_text,
					  struct ui_address *out, size_t max, size_t *n));
/* Lets staff in: with no staff host (the default) the hidden way in does
 * nothing. H is copied; its strings must outlive UI. */
void ui_set_staff(struct ui *ui, const struct ui_staff_host *h);
/* The staff member signed in (assisting), or NULL. Submissions made
 * meanwhile are recorded as assisted, with this ID. */
const char *ui_staff_id(const struct ui *ui);
/* Opens staff sign-in as the hidden way in does (five taps in the corner
 * above the council's name, or the staff key combination). */
void ui_open_staff(struct ui *ui);
/* Reads the dashboard or the technician's checks again when one shows
 * (the host has news for it); true when the screen must be drawn again. */
bool ui_staff_refresh(struct ui *ui);
/* Signs ID in without a PIN (screenshots and tests of the screens that
 * follow); then shows SCREEN. */
void ui_staff_force(struct ui *ui, const char *id, enum ui_screen screen);

/* The minimum touch target for DPI: 9 mm, 48 px at 96 dpi. */
int ui_min_target(int dpi);

#endif
