/* Linux implementations of files, paths, clock and randomness. */
#include "platform/platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"

#ifndef HATCH_DATADIR
#define HATCH_DATADIR "/usr/local/share/hatch"
#endif

enum hatch_err platform_read_file(const char *path, size_t max, char **data,
				  size_t *len, struct hatch_error *e)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno == ENOENT ? HATCH_ERR_NOTFOUND : HATCH_ERR_IO,
			       "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, HATCH_ERR_IO, "is a directory, not a file");
	}
	struct buf b;
	buf_init(&b, max);
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			close(fd);
			buf_cleanup(&b);
			return err_set(e, HATCH_ERR_IO, "cannot read: %s", strerror(saved));
		}
		if (n == 0)
			break;
		enum hatch_err rc = buf_add(&b, chunk, (size_t)n);
		if (rc == HATCH_ERR_LIMIT) {
			close(fd);
			return err_set(e, rc, "is larger than %zu bytes, the limit", max);
		}
		if (rc != HATCH_OK) {
			close(fd);
			return err_set(e, rc, "out of memory reading it");
		}
	}
	close(fd);
	size_t l = b.len;
	char *d = buf_take(&b);
	if (!d)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory reading it");
	*data = d;
	*len = l;
	return HATCH_OK;
}

enum hatch_err platform_random(void *buf, size_t n, struct hatch_error *e)
{
	unsigned char *p = buf;
	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(e, HATCH_ERR_IO, "no random numbers: %s",
				       strerror(errno));
		p += r;
		n -= (size_t)r;
	}
	return HATCH_OK;
}

long long platform_now(void)
{
	return (long long)time(NULL);
}

struct cdate platform_today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	return (struct cdate){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

enum hatch_err platform_assets_dir(char *out, size_t size, struct hatch_error *e)
{
	const char *env = getenv("HATCH_ASSETS");
	if (env && *env) {
		if (!is_dir(env))
			return err_set(e, HATCH_ERR_NOTFOUND,
				       "HATCH_ASSETS names %s, which is not a directory", env);
		snprintf(out, size, "%s", env);
		return HATCH_OK;
	}
	/* Running from a build tree (build/hatch, or a test program deeper in
	 * build/tests/): the nearest parent with assets/journeys in it. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int depth = 0; depth < 5; depth++) {
			char *slash = strrchr(exe, '/');
			if (!slash || slash == exe)
				break;
			*slash = '\0';
			char cand[PATH_MAX + 32];
			snprintf(cand, sizeof cand, "%s/assets/journeys", exe);
			if (is_dir(cand)) {
				snprintf(out, size, "%s/assets", exe);
				return HATCH_OK;
			}
		}
	}
	if (is_dir(HATCH_DATADIR)) {
		snprintf(out, size, "%s", HATCH_DATADIR);
		return HATCH_OK;
	}
	return err_set(e, HATCH_ERR_NOTFOUND,
		       "cannot find the bundled assets (set HATCH_ASSETS, or install to %s)",
		       HATCH_DATADIR);
}

enum hatch_err platform_locales_dir(char *out, size_t size, struct hatch_error *e)
{
	char assets[PATH_MAX];
	enum hatch_err rc = platform_assets_dir(assets, sizeof assets, e);
	if (rc != HATCH_OK)
		return rc;
	/* Installed: beside the journeys. A source tree: locales/ at the top,
	 * beside assets/. */
	char cand[PATH_MAX + 32];
	snprintf(cand, sizeof cand, "%s/locales", assets);
	if (!is_dir(cand))
		snprintf(cand, sizeof cand, "%s/../locales", assets);
	if (!is_dir(cand))
		return err_set(e, HATCH_ERR_NOTFOUND, "no locales directory beside %s", assets);
	if ((size_t)snprintf(out, size, "%s", cand) >= size)
		return err_set(e, HATCH_ERR_LIMIT, "the locales path is too long");
	return HATCH_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void platform_list_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mem_free(names[i]);
	mem_free(names);
}

enum hatch_err platform_list_dir(const char *dir, const char *suffix,
				 char ***names, size_t *n, struct hatch_error *e)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return err_set(e, errno == ENOENT ? HATCH_ERR_NOTFOUND : HATCH_ERR_IO,
			       "%s: %s", dir, strerror(errno));
	size_t cap = 0;
	char **v = NULL;
	struct dirent *de;
	size_t sl = strlen(suffix);
	enum hatch_err rc = HATCH_OK;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l <= sl || strcmp(de->d_name + l - sl, suffix))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = mem_realloc(v, cap * sizeof *nv);
			if (!nv) {
				rc = HATCH_ERR_NOMEM;
				break;
			}
			v = nv;
		}
		struct buf b;
		buf_init(&b, PATH_MAX);
		if (buf_addf(&b, "%s/%s", dir, de->d_name) != HATCH_OK ||
		    !(v[*n] = buf_take(&b))) {
			rc = HATCH_ERR_NOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (rc != HATCH_OK) {
		platform_list_free(v, *n);
		*n = 0;
		return err_set(e, rc, "out of memory listing %s", dir);
	}
	if (*n)
		qsort(v, *n, sizeof *v, cmp_str);
	*names = v;
	return HATCH_OK;
}
