/* The on-screen keyboard's layouts: letters, symbols, an email layout, an
 * upper-case layout for postcodes and registrations, and a number pad.
 * Labels are what the key shows; specials are drawn as words. */
#include "base/msg.h"
#include "ui/ui_int.h"

#define C(s) {s, s, KEY_CHAR, 4}
#define W(s, span) {s, s, KEY_CHAR, span}
#define SHIFT {N_("Shift"), "", KEY_SHIFT, 6}
#define BKSP {N_("Delete"), "", KEY_BACKSPACE, 6}
#define SPACE {N_("Space"), " ", KEY_SPACE, 16}
#define TO_SYM {"?123", "", KEY_TO_SYMBOLS, 6}
#define TO_ABC {"ABC", "", KEY_TO_LETTERS, 6}
#define DONE {N_("Done"), "", KEY_DONE, 8}

static const struct ui_key_def lower1[] = {C("q"), C("w"), C("e"), C("r"), C("t"),
					   C("y"), C("u"), C("i"), C("o"), C("p")};
static const struct ui_key_def lower2[] = {C("a"), C("s"), C("d"), C("f"), C("g"),
					   C("h"), C("j"), C("k"), C("l"), W("'", 4)};
static const struct ui_key_def lower3[] = {SHIFT, C("z"), C("x"), C("c"), C("v"),
					   C("b"), C("n"), C("m"), BKSP};
static const struct ui_key_def upper1[] = {C("Q"), C("W"), C("E"), C("R"), C("T"),
					   C("Y"), C("U"), C("I"), C("O"), C("P")};
static const struct ui_key_def upper2[] = {C("A"), C("S"), C("D"), C("F"), C("G"),
					   C("H"), C("J"), C("K"), C("L"), W("'", 4)};
static const struct ui_key_def upper3[] = {SHIFT, C("Z"), C("X"), C("C"), C("V"),
					   C("B"), C("N"), C("M"), BKSP};
static const struct ui_key_def text4[] = {TO_SYM, W(",", 4), SPACE, W(".", 4), DONE};
static const struct ui_key_def email4[] = {TO_SYM, W("@", 4), W(".", 4), W("-", 4),
					   W("_", 4), W(".co.uk", 7), W(".com", 6), DONE};

static const struct ui_key_def digits0[] = {C("1"), C("2"), C("3"), C("4"), C("5"),
					    C("6"), C("7"), C("8"), C("9"), C("0")};
static const struct ui_key_def sym2[] = {C("-"), C("/"), C(":"), C(";"), C("("),
					 C(")"), C("&"), C("@"), C("\""), C("#")};
static const struct ui_key_def sym3[] = {C("."), C(","), C("?"), C("!"), C("'"),
					 C("+"), C("="), C("%"), BKSP};
static const struct ui_key_def sym4[] = {TO_ABC, SPACE, W("\xC2\xA3", 4), DONE};

/* Postcodes and registrations: capitals and digits, no shift needed. */
static const struct ui_key_def up3[] = {C("Z"), C("X"), C("C"), C("V"), C("B"),
					C("N"), C("M"), BKSP, DONE};

static const struct ui_key_def pad1[] = {C("1"), C("2"), C("3")};
static const struct ui_key_def pad2[] = {C("4"), C("5"), C("6")};
static const struct ui_key_def pad3[] = {C("7"), C("8"), C("9")};
static const struct ui_key_def pad4[] = {C("."), C("0"), C("-"), BKSP, DONE};

#define N(a) (sizeof a / sizeof *a)

/* Four rows at most, so that a question still shows above the keyboard on a
 * 480-pixel-high screen; digits are one key away. */
static const struct ui_key_def *const rows_lower[] = {lower1, lower2, lower3, text4};
static const struct ui_key_def *const rows_upper[] = {upper1, upper2, upper3, text4};
static const size_t counts_text[] = {N(lower1), N(lower2), N(lower3), N(text4)};
static const struct ui_key_def *const rows_email_l[] = {lower1, lower2, lower3, email4};
static const struct ui_key_def *const rows_email_u[] = {upper1, upper2, upper3, email4};
static const size_t counts_email[] = {N(lower1), N(lower2), N(lower3), N(email4)};
static const struct ui_key_def *const rows_sym[] = {digits0, sym2, sym3, sym4};
static const size_t counts_sym[] = {N(digits0), N(sym2), N(sym3), N(sym4)};
static const struct ui_key_def *const rows_up[] = {digits0, upper1, upper2, up3};
static const size_t counts_up[] = {N(digits0), N(upper1), N(upper2), N(up3)};
static const struct ui_key_def *const rows_pad[] = {pad1, pad2, pad3, pad4};
static const size_t counts_pad[] = {N(pad1), N(pad2), N(pad3), N(pad4)};

size_t ui_kbd_rows(enum ui_kbd_layout layout, bool shift,
		   const struct ui_key_def *const **rows, const size_t **counts)
{
	switch (layout) {
	case KBD_LETTERS:
		*rows = shift ? rows_upper : rows_lower;
		*counts = counts_text;
		return N(counts_text);
	case KBD_EMAIL:
		*rows = shift ? rows_email_u : rows_email_l;
		*counts = counts_email;
		return N(counts_email);
	case KBD_SYMBOLS:
		*rows = rows_sym;
		*counts = counts_sym;
		return N(counts_sym);
	case KBD_UPPER:
		*rows = rows_up;
		*counts = counts_up;
		return N(counts_up);
	case KBD_DIGITS:
		break;
	}
	*rows = rows_pad;
	*counts = counts_pad;
	return N(counts_pad);
}
