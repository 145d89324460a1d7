/* Sound out through SDL's audio: 16-bit mono PCM (speech, a11y/speech.h)
 * queued to an audio device with SDL_QueueAudio. The device is opened when
 * there is something to play and closed again a few seconds after the
 * last sound has played, so that an idle kiosk has no audio thread
 * running (an open SDL device plays silence, and costs CPU, even when
 * paused). Initialises SDL's audio subsystem itself; the view (sdl.h)
 * needs to know nothing of it. Library code: never prints.
 * Depends on base/ and SDL2. */
#ifndef HATCH_SDL_AUDIO_H
#define HATCH_SDL_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* How long an open device waits, after the last sound has played, before
 * it is closed: long enough that the next few words of someone moving
 * through a page do not each pay for opening the device again. */
#define SDL_AUDIO_LINGER_MS 3000

/* After a device fails to open, sound is dropped (not retried) for this
 * long: speech arrives in chunks many times a second. */
#define SDL_AUDIO_RETRY_MS 5000

struct sdl_audio;

/* Starts SDL's audio and opens a device for mono 16-bit sound at RATE
 * samples a second, to be sure there is one. *OUT is NULL on failure:
 * HATCH_ERR_IO (no audio device, E says why), HATCH_ERR_NOMEM. Must be
 * called on the thread that set SDL up, and destroyed before SDL_Quit
 * (sdl_view_destroy). */
enum hatch_err sdl_audio_create(int rate, struct sdl_audio **out,
				struct hatch_error *e) HATCH_MUST_CHECK;

/* Closes the device, stops SDL's audio; accepts NULL. */
void sdl_audio_destroy(struct sdl_audio *a);

/* Queues N samples of PCM at RATE to be played after what is queued,
 * opening the device (again, or at another rate) when needed. Copies PCM;
 * returns at once. Any thread; accepts a NULL A (no sound). Sound is best
 * effort: when the device cannot be opened it is dropped. */
void sdl_audio_play(struct sdl_audio *a, const int16_t *pcm, size_t n, int rate);

/* Drops everything queued and not yet played. Any thread; accepts NULL. */
void sdl_audio_flush(struct sdl_audio *a);

/* True while a device is open (tests). */
bool sdl_audio_is_open(struct sdl_audio *a);

#endif
