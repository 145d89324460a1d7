/* The program's log: one line per event, in words and key=value pairs, for
 * technicians. Under systemd (stderr is the journal's stream, as
 * $JOURNAL_STREAM says) each line goes to stderr with the sd-daemon(3)
 * priority prefix journald reads ("<4>hatch sync: ..."); otherwise to
 * stderr as "hatch: sync: ..." and, once log_init() has named a directory,
 * also to a small rotating file there (LOG_FILE_NAME, at most
 * LOG_FILE_MAX bytes before it is moved to LOG_FILE_NAME.1), which is where
 * hatch doctor --bundle finds recent lines when there is no journal.
 *
 * Never personal data: a caller logs counts, states, reasons made of
 * identifiers and error codes, never an answer, a payload or a back end's
 * echo of one. The logger cannot tell; it only keeps each event to one
 * line (control characters become '?') of at most LOG_LINE_MAX bytes.
 *
 * This is the one part of the library that writes to stderr: that is its
 * purpose. Depends on libc only (and base/); never on any other module. */
#ifndef HATCH_PLATFORM_LOG_H
#define HATCH_PLATFORM_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* Syslog priorities (the numbers journald understands). */
enum log_level {
	LOG_LEVEL_ERR = 3,     /* something failed that needs a person */
	LOG_LEVEL_WARNING = 4, /* something is wrong but the kiosk copes */
	LOG_LEVEL_NOTICE = 5,  /* normal but worth seeing: start, stop, summaries */
	LOG_LEVEL_INFO = 6,    /* routine events */
	LOG_LEVEL_DEBUG = 7,
};

/* The longest line written, in bytes with its prefix and newline: a
 * longer event is cut (at a UTF-8 boundary) and ends in "...". */
#define LOG_LINE_MAX 1024

/* The log file's name inside log_init()'s directory, and its size limit:
 * 256 KiB holds some thousands of lines, enough for the last days of a
 * kiosk, and two generations of it cost half a megabyte of the data
 * partition at most. */
#define LOG_FILE_NAME "hatch.log"
#define LOG_FILE_MAX (256 * 1024)

/* Names the directory of the log file (the database's directory). Has no
 * effect under the journal (log_to_journal()), where journald keeps the
 * lines. NULL or "" turns the file off. The directory is not made here: a
 * missing one means no file, silently. Not for two threads at once; call
 * it at start-up. */
void log_init(const char *dir);

/* True when stderr is the journal's stream: $JOURNAL_STREAM names the
 * device and inode of what stderr is (sd-daemon(3), systemd.exec(5)). */
bool log_to_journal(void);

/* The log file in use ("" when none): borrowed, until the next log_init. */
const char *log_file_path(void);

/* Logs one event of MODULE ("sync", "doctor") at LEVEL: the message is FMT
 * formatted, by convention a few words and then key=value pairs, such as
 *   log_msg(LOG_LEVEL_WARNING, "sync", "delivery failed destination=%s
 *           status=%ld", name, status);
 * A write that fails (a full disk, a closed stderr) is dropped silently:
 * logging never fails the caller. Safe from several threads: each line is
 * one write(2). */
void log_msg(enum log_level level, const char *module, const char *fmt, ...) HATCH_PRINTF(3, 4);
void log_vmsg(enum log_level level, const char *module, const char *fmt, va_list ap)
	HATCH_PRINTF(3, 0);

/* The line log_msg writes, into OUT (SIZE bytes, at least 128), with its
 * newline: JOURNAL chooses the "<N>hatch MODULE: " prefix over
 * "hatch: MODULE: ". Returns its length. For log_msg and tests. */
size_t log_format(char *out, size_t size, bool journal, enum log_level level,
		  const char *module, const char *fmt, va_list ap) HATCH_PRINTF(6, 0);

#endif
