/* Journey definitions: a council service as data. journey_load() parses a
 * JSON journey (jansson), checks its meaning (kinds, ids, conditions, loops,
 * routes on every path) and returns an immutable definition that sessions
 * run. No I/O: the caller reads the file. Depends on base/ and jansson. */
#ifndef HATCH_CORE_JOURNEY_H
#define HATCH_CORE_JOURNEY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* Limits: a journey file is outside input, so every size is capped. */
#define JOURNEY_MAX_BYTES (1024 * 1024)
#define JOURNEY_MAX_STEPS 200
#define JOURNEY_MAX_OPTIONS 50
#define JOURNEY_MAX_ID 64
#define JOURNEY_MAX_LABEL 300   /* titles, questions, labels */
#define JOURNEY_MAX_PARA 2000   /* hints, paragraphs, error messages */
#define JOURNEY_MAX_PARAS 30
#define JOURNEY_MAX_COND_DEPTH 16
#define JOURNEY_MAX_LONG_TEXT 4000
#define JOURNEY_MAX_DIAGS 100

enum step_kind {
	STEP_TEXT,
	STEP_LONG_TEXT,
	STEP_NUMBER,
	STEP_DATE,
	STEP_EMAIL,
	STEP_PHONE,
	STEP_POSTCODE,
	STEP_NINO,
	STEP_VEHICLE_REG,
	STEP_ADDRESS,
	STEP_SINGLE_CHOICE,
	STEP_MULTIPLE_CHOICE,
	STEP_YES_NO,
	STEP_INFO,
	STEP_CHECK_ANSWERS,
	STEP_CONFIRMATION,
	STEP_KIND_COUNT
};

/* The rules a question's answer is checked against; each can carry its own
 * message in the journey's "errors". */
enum step_rule {
	RULE_REQUIRED,
	RULE_INVALID,
	RULE_INCOMPLETE,
	RULE_TOO_SHORT,
	RULE_TOO_LONG,
	RULE_PATTERN,
	RULE_WHOLE,
	RULE_MIN,
	RULE_MAX,
	RULE_TOWN,
	RULE_POSTCODE,
	RULE_EXCLUSIVE,
	RULE_COUNT
};

/* A calendar date; also used for "today", which the caller supplies. */
struct cdate {
	int year, month, day;
};

/* A date fixed in the journey, or relative to the day of answering. */
struct date_value {
	bool relative;
	int years, months, days;  /* the date itself, or the offsets */
};

enum cond_op {
	COND_EQUALS,
	COND_ONE_OF,
	COND_INCLUDES,
	COND_ANSWERED,
	COND_LT,
	COND_LE,
	COND_GT,
	COND_GE,
	COND_ALL,
	COND_ANY,
	COND_NOT,
};

struct cond {
	enum cond_op op;
	size_t step;          /* the step looked at (leaf conditions) */
	char **values;        /* EQUALS (1), ONE_OF (n), INCLUDES (1) */
	size_t nvalues;
	bool answered;        /* ANSWERED */
	double number;        /* LT.. on a number step */
	struct date_value date; /* LT.. on a date step */
	struct cond *sub;     /* ALL, ANY (n), NOT (1) */
	size_t nsub;
};

struct journey_option {
	char *value;
	char *label;
	char *hint;
	bool exclusive;
};

struct journey_next {
	struct cond *when;
	size_t target;
};

struct journey_route {
	struct cond *when;    /* NULL: always */
	char *destination;
};

struct journey_step {
	char *id;
	enum step_kind kind;
	char *question;       /* questions */
	char *hint;
	char *summary_label;  /* NULL: the question */
	char *title;          /* info, check answers, confirmation */
	char **body;
	size_t nbody;
	char **bullets;
	size_t nbullets;
	char *button;         /* check answers */
	char *unit;           /* number */
	char *example;        /* a valid sample answer */
	bool required;
	bool stop;            /* info page that ends the journey */
	bool whole;           /* number */
	bool has_min, has_max;
	double min, max;      /* number */
	struct date_value date_min, date_max;
	bool has_date_min, has_date_max;
	long min_length, max_length; /* text, long text (code points) */
	char *pattern;        /* text: POSIX ERE the whole answer matches */
	struct journey_option *options;
	size_t noptions;
	char *errors[RULE_COUNT];
	struct cond *show_when;
	struct journey_next *next;
	size_t nnext;
};

struct journey {
	char *id;
	long version;
	char *title;
	char *description;
	char *group;
	char *icon;
	struct journey_step *steps;
	size_t nsteps;
	struct journey_route *routes;
	size_t nroutes;
};

/* One problem found in a journey file. WHERE is "line L, column C" for
 * syntax errors and a JSON path ("steps[3].options[1].value") for meaning. */
struct journey_diag {
	int line, column;     /* 0 when the problem has a path instead */
	char *path;           /* NULL for syntax errors */
	char *reason;
};

struct journey_diags {
	struct journey_diag *v;
	size_t n, cap;
	size_t dropped;       /* problems past JOURNEY_MAX_DIAGS */
	bool nomem;           /* a problem could not be recorded */
};

void journey_diags_init(struct journey_diags *d);
void journey_diags_cleanup(struct journey_diags *d);

/* Parses and checks DATA[0..LEN). On success *OUT owns a new journey. On
 * HATCH_ERR_INPUT or HATCH_ERR_LIMIT every problem found is in DIAGS and
 * *OUT is NULL; on HATCH_ERR_NOMEM *OUT is NULL and DIAGS may be partial.
 * TODAY anchors relative dates while paths are checked. */
enum hatch_err journey_load(const char *data, size_t len,
			    const struct cdate *today, struct journey **out,
			    struct journey_diags *diags) HATCH_MUST_CHECK;

void journey_destroy(struct journey *j);

/* Index of the step with ID, or -1. */
long journey_find_step(const struct journey *j, const char *id);

/* The kind's name as written in journey files ("single_choice"). */
const char *journey_kind_name(enum step_kind k);
/* The rule's name as a journey's "errors" keys it ("required", "too_long",
 * "postcode"), or "" for a value outside the enum. */
const char *journey_rule_name(enum step_rule r);

/* True for kinds the citizen answers. */
bool journey_kind_is_question(enum step_kind k);

/* The page heading of STEP: its question or its title (may be NULL for a
 * check answers page without a title). */
const char *journey_step_heading(const struct journey_step *s);

/* Calls FN(U, PATH, TEXT) for every text of J a person reads, in file
 * order: the English source of the journey's translations. PATH is where it
 * is in the file ("steps[2].options[1].label"). */
void journey_each_string(const struct journey *j,
			 void (*fn)(void *u, const char *path, const char *text), void *u);

/* The label of the option VALUE in STEP, or NULL. */
const struct journey_option *journey_option_find(const struct journey_step *s,
						 const char *value);

#endif
