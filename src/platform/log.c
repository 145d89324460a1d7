/* The program's log (log.h): one line per event to stderr, with journald's
 * priority prefix under systemd, else plain and also into a small rotating
 * file beside the database. Depends on libc and base/ only. */
#include "platform/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The file, when one is kept. Set at start-up by log_init, read by every
 * log_msg; the mutex keeps two threads from rotating it at once. */
static char file_path[4096];
static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;

bool log_to_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	if (!v || !*v)
		return false;
	unsigned long long dev, ino;
	char extra;
	if (sscanf(v, "%llu:%llu%c", &dev, &ino, &extra) != 2)
		return false;
	struct stat st;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *dir)
{
	pthread_mutex_lock(&file_lock);
	file_path[0] = '\0';
	if (dir && *dir && !log_to_journal()) {
		int n = snprintf(file_path, sizeof file_path, "%s/%s", dir, LOG_FILE_NAME);
		if (n < 0 || (size_t)n >= sizeof file_path)
			file_path[0] = '\0';
	}
	pthread_mutex_unlock(&file_lock);
}

const char *log_file_path(void)
{
	return file_path;
}

/* Appends the printable form of S to OUT[*AT..SIZE): control characters
 * become '?', so that an event is one line whatever it holds. */
static void put_clean(char *out, size_t size, size_t *at, const char *s)
{
	for (; *s && *at + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;
		out[(*at)++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[*at] = '\0';
}

/* The end of the last whole UTF-8 character in OUT[FROM..AT): AT, or less
 * when the text there ends inside a character. */
static size_t whole_chars(const char *out, size_t from, size_t at)
{
	size_t s = at;
	while (s > from && ((unsigned char)out[s - 1] & 0xc0) == 0x80)
		s--;
	if (s == from)
		return at == from ? at : from;
	unsigned char lead = (unsigned char)out[s - 1];
	size_t need = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	return s - 1 + need <= at ? at : s - 1;
}

size_t log_format(char *out, size_t size, bool journal, enum log_level level,
		  const char *module, const char *fmt, va_list ap)
{
	static const char ellipsis[] = "...";
	char msg[LOG_LINE_MAX];
	int m = vsnprintf(msg, sizeof msg, fmt, ap);
	if (m < 0)
		snprintf(msg, sizeof msg, "(unprintable message)");
	/* At most 95 bytes, so that SIZE >= 128 leaves room for the message. */
	char prefix[96];
	if ((int)level < 0 || (int)level > 7)
		level = LOG_LEVEL_ERR;
	if (journal)
		snprintf(prefix, sizeof prefix, "<%d>hatch %s: ", (int)level,
			 module && *module ? module : "-");
	else if (module && *module)
		snprintf(prefix, sizeof prefix, "hatch: %s: ", module);
	else
		snprintf(prefix, sizeof prefix, "hatch: ");
	/* Room for the newline and the NUL; when cut, the ellipsis too. */
	size_t most = size - 2;
	size_t at = 0;
	out[0] = '\0';
	put_clean(out, most + 1, &at, prefix);
	size_t before = at;
	put_clean(out, most + 1, &at, msg);
	bool cut = (m >= 0 && (size_t)m >= sizeof msg) || strlen(msg) > at - before;
	if (cut) {
		size_t keep = most - (sizeof ellipsis - 1);
		if (at > keep)
			at = keep;
		at = whole_chars(out, before, at);
		memcpy(out + at, ellipsis, sizeof ellipsis - 1);
		at += sizeof ellipsis - 1;
	}
	out[at++] = '\n';
	out[at] = '\0';
	return at;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* One line into the file, with its time (the journal adds its own). The
 * file is opened for each line, so that a line never goes into a
 * generation another process has just moved aside. */
static void to_file(const char *line, size_t len)
{
	pthread_mutex_lock(&file_lock);
	if (!file_path[0]) {
		pthread_mutex_unlock(&file_lock);
		return;
	}
	char stamp[40];
	time_t now = time(NULL);
	struct tm tm;
	size_t sl = 0;
	if (gmtime_r(&now, &tm))
		sl = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", &tm);
	int fd = open(file_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size + (off_t)(sl + len) > LOG_FILE_MAX) {
		char old[sizeof file_path + 2];
		snprintf(old, sizeof old, "%s.1", file_path);
		close(fd);
		fd = -1;
		if (rename(file_path, old) == 0)
			fd = open(file_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
				  0600);
	}
	if (fd >= 0) {
		/* One write for the whole line: lines of several processes
		 * appending at once stay whole. */
		char buf[LOG_LINE_MAX + 48];
		if (sl + len <= sizeof buf) {
			memcpy(buf, stamp, sl);
			memcpy(buf + sl, line, len);
			write_all(fd, buf, sl + len);
		}
		close(fd);
	}
	pthread_mutex_unlock(&file_lock);
}

void log_vmsg(enum log_level level, const char *module, const char *fmt, va_list ap)
{
	bool journal = log_to_journal();
	char line[LOG_LINE_MAX];
	size_t len = log_format(line, sizeof line, journal, level, module, fmt, ap);
	write_all(STDERR_FILENO, line, len);
	if (!journal)
		to_file(line, len);
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, module, fmt, ap);
	va_end(ap);
}
