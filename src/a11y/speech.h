/* Speech output: text said aloud with espeak-ng, in the voice of the
 * language shown. a11y_speak only queues and returns at once; a worker
 * thread of its own synthesises one utterance at a time and hands the
 * sound (16-bit mono PCM at espeak-ng's rate) to an output callback, which
 * the program wires to an audio device (sdl/audio.h). An interrupting
 * utterance drops what was queued, cuts short what is being made and asks
 * the output to flush what it still holds.
 *
 * What is said may be a citizen's answer: it is never logged, never in a
 * report, and each utterance's copy is wiped once said or dropped.
 *
 * espeak-ng keeps its state in globals, so there is one speech output per
 * process at a time; it is started by the first and left running, idle,
 * when that output stops (espeak-ng 1.51 cannot be started twice). Library code: never prints; problems (a missing
 * voice) go to a report callback, with no spoken text in them.
 * Depends on base/, libespeak-ng and POSIX threads; never on SDL, ui/,
 * core/ or app/. */
#ifndef HATCH_A11Y_SPEECH_H
#define HATCH_A11Y_SPEECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* A little slower than espeak-ng's 175 words a minute: clearer for people
 * listening in a second language or in a noisy library. */
#define A11Y_SPEECH_RATE_DEFAULT 150

/* The voice used when the one asked for is not installed. */
#define A11Y_SPEECH_FALLBACK_VOICE "en-gb"

/* The longest text said at once, in bytes; a longer one is cut at a
 * character boundary. A page's announcement is at most 4 KiB (ui/). */
#define A11Y_SPEECH_MAX_TEXT 8192

/* Utterances waiting at most: when more arrive without an interrupt, the
 * oldest waiting is dropped (what was typed last matters most). */
#define A11Y_SPEECH_MAX_QUEUED 32

struct a11y_speech_options {
	void *user;
	/* Sound made: N samples of 16-bit mono PCM at RATE samples a second.
	 * Called on the speech thread only; must not block for long. */
	void (*out)(void *user, const int16_t *pcm, size_t n, int rate);
	/* Drop whatever sound OUT was given and has not played yet. Called on
	 * the speech thread only, after an interrupt. May be NULL. */
	void (*flush)(void *user);
	/* A problem worth a line in the log (a voice missing, synthesis
	 * failing), never with spoken text in it. Called on the speech thread
	 * once per problem. May be NULL. */
	void (*report)(void *user, const char *problem);
	/* Words a minute; 0: A11Y_SPEECH_RATE_DEFAULT. Kept within espeak-ng's
	 * 80 to 450. */
	int words_per_minute;
	/* The directory holding espeak-ng-data; NULL: espeak-ng's own. Only
	 * the first output of a process starts espeak-ng. */
	const char *data_path;
};

struct a11y_speech;

/* Starts espeak-ng and the speech thread. O is copied. *OUT is NULL on
 * failure: HATCH_ERR_IO (espeak-ng's data cannot be read), HATCH_ERR_STATE
 * (another speech output is running), HATCH_ERR_NOMEM (no memory or no
 * thread). */
enum hatch_err a11y_speech_create(const struct a11y_speech_options *o, struct a11y_speech **out,
				  struct hatch_error *e) HATCH_MUST_CHECK;

/* Stops at once: what is being said is cut short, what waits is dropped
 * and wiped, and the thread is joined (espeak-ng is left idle, for the
 * next output). Accepts NULL. */
void a11y_speech_destroy(struct a11y_speech *sp);

/* The sample rate of the sound OUT is given (espeak-ng's: 22050). */
int a11y_speech_rate(const struct a11y_speech *sp);

/* Queues TEXT (UTF-8) to be said in VOICE (an espeak-ng voice name such as
 * "cy"; NULL or unknown: A11Y_SPEECH_FALLBACK_VOICE, reported once per
 * name). With INTERRUPT, everything queued is dropped and what is being
 * said is cut short first. Copies TEXT; never blocks on synthesis or
 * sound. Speech is best effort: with no memory the text is not said. */
void a11y_speak(struct a11y_speech *sp, const char *voice, const char *text, bool interrupt);

/* Waits up to TIMEOUT_MS for everything queued to have been made and
 * handed to OUT. True when it was (tests, a clean shutdown). */
bool a11y_speech_wait_idle(struct a11y_speech *sp, long timeout_ms);

#endif
