/* A session: one citizen's pass through a journey. It holds the answers,
 * the current step, the errors of the last attempt to continue, and at the
 * end builds the submission record. Ending it (destroy) wipes every answer.
 * No I/O, no clock: the caller supplies today's date and the record's time,
 * UUID and reference. Depends on base/ and jansson. */
#ifndef HATCH_CORE_SESSION_H
#define HATCH_CORE_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "core/answer.h"
#include "core/journey.h"
#include "base/msg.h"
#include "core/validate.h"

struct session;

struct session_error {
	size_t part;          /* the box the message belongs beside */
	enum step_rule rule;
	char message[512];    /* in the language shown (session_set_translation) */
};

/* One row of check your answers. */
struct session_row {
	size_t step;
	const char *label;    /* borrowed from the journey */
	char *value;          /* owned by the row list; "" when not answered */
};

struct session_rows {
	struct session_row *v;
	size_t n;
};

/* What the record needs from outside the core. */
struct session_meta {
	const char *uuid;      /* 36 characters, from uuid_format() */
	const char *reference; /* from reference_make() */
	const char *language;  /* BCP 47, "en", "cy" */
	bool assisted;
	const char *staff_id;  /* when assisted */
	long long created;     /* seconds since 1970-01-01 UTC */
};

/* A new session at the first shown step of J, which must outlive it. NULL
 * when out of memory. */
struct session *session_create(const struct journey *j,
			       const struct cdate *today);
/* Wipes every answer and frees the session; accepts NULL. */
void session_destroy(struct session *s);

const struct journey *session_journey(const struct session *s);
size_t session_current(const struct session *s);
const struct journey_step *session_step(const struct session *s);
/* The stored (normalised) answer to STEP; unanswered when none. */
const struct answer *session_answer(const struct session *s, size_t step);

/* Checks PARTS against the current step and, when they pass, keeps them and
 * moves on. Pages (information) take no parts. HATCH_ERR_INPUT: the answer
 * breaks a rule, see session_errors(); the session stays on the step.
 * HATCH_ERR_STATE: nothing to continue to (stop page, check answers, the
 * confirmation). */
enum hatch_err session_continue(struct session *s, const char *const *parts,
				size_t nparts) HATCH_MUST_CHECK;

/* The errors of the last session_continue(), in box order. */
size_t session_errors(const struct session *s, const struct session_error **out);

/* Goes to the previous step on the path (or back to check your answers when
 * changing an answer). False at the first step or after submission. */
bool session_back(struct session *s);

/* From check your answers: go to STEP to change it; continuing returns to
 * check your answers (after any new questions the change brings).
 * HATCH_ERR_STATE when not at check your answers or STEP is not a question
 * on the path. */
enum hatch_err session_change(struct session *s, size_t step) HATCH_MUST_CHECK;
bool session_changing(const struct session *s);

/* Where the current step stands among the questions on the path as it is
 * now: 1-based INDEX of TOTAL (0 of N on pages). */
void session_progress(const struct session *s, size_t *index, size_t *total);

/* What the session shows (error messages, dates, option labels and units
 * in check your answers) is translated by TR from now on, which must
 * outlive the session or be replaced; NULL shows English. The messages of
 * errors already shown are made again, so a change of language reaches
 * them. The record is always English, whatever TR. */
void session_set_translation(struct session *s, const struct msg_tr *tr);

/* The rows of check your answers, in path order. */
enum hatch_err session_summary(const struct session *s,
			       struct session_rows *rows) HATCH_MUST_CHECK;
void session_rows_cleanup(struct session_rows *rows);

/* The display text of an answer ("3 November 2025", option labels). *OUT is
 * owned by the caller (mem_free_wiped). */
enum hatch_err session_display(const struct session *s, size_t step,
			       char **out) HATCH_MUST_CHECK;

/* At check your answers: builds the submission record (canonical JSON:
 * sorted keys, no spaces) into *RECORD (caller frees with mem_free_wiped)
 * from the answers on the path. The session does not move: the caller saves
 * the record and then calls session_confirm(). HATCH_ERR_STATE when not at
 * check your answers, or a required answer is missing (the session moves to
 * it). */
enum hatch_err session_record(struct session *s, const struct session_meta *meta,
			      char **record) HATCH_MUST_CHECK;

/* After the record is saved: drops the answers of steps off the path, keeps
 * REFERENCE for the confirmation and moves to it. */
enum hatch_err session_confirm(struct session *s,
			       const char *reference) HATCH_MUST_CHECK;

/* session_record() then session_confirm(), for callers with nothing to save
 * in between (the terminal walk, tests). */
enum hatch_err session_submit(struct session *s, const struct session_meta *meta,
			      char **record) HATCH_MUST_CHECK;

/* The destination the routes pick for the answers so far, or NULL. */
const char *session_destination(const struct session *s);
/* The reference given at submission, or NULL. */
const char *session_reference(const struct session *s);
/* True at a stop page or the confirmation: nothing more to ask. */
bool session_finished(const struct session *s);

#endif
