/* Translation through struct msg_tr, and placeholders filled by name. */
#include <string.h>

#include "base/msg.h"

const char *msg_text(const struct msg_tr *t, const char *s)
{
	if (!s || !t || !t->text)
		return s;
	const char *r = t->text(t->user, s);
	return r && *r ? r : s;
}

const char *msg_ntext(const struct msg_tr *t, const char *singular, const char *plural,
		      unsigned long n)
{
	if (t && t->ntext) {
		const char *r = t->ntext(t->user, singular, plural, n);
		if (r && *r)
			return r;
	}
	return n == 1 ? singular : plural;
}

void msg_fill(char *out, size_t size, const char *tmpl, const char *const *keys,
	      const char *const *vals, size_t n)
{
	if (!size)
		return;
	size_t o = 0;
	while (*tmpl) {
		const char *add = tmpl;
		size_t len = 1;
		/* A literal character is copied whole, never half of one. */
		while (((unsigned char)tmpl[len] & 0xC0) == 0x80)
			len++;
		size_t skip = len;
		if (*tmpl == '{') {
			for (size_t i = 0; i < n; i++) {
				size_t kl = strlen(keys[i]);
				if (!strncmp(tmpl + 1, keys[i], kl) && tmpl[1 + kl] == '}') {
					add = vals[i];
					len = strlen(vals[i]);
					skip = kl + 2;
					break;
				}
			}
		}
		if (o + len >= size) {
			/* Cut at a character boundary. */
			size_t room = size - 1 - o;
			while (room > 0 && ((unsigned char)add[room] & 0xC0) == 0x80)
				room--;
			memcpy(out + o, add, room);
			o += room;
			break;
		}
		memcpy(out + o, add, len);
		o += len;
		tmpl += skip;
	}
	out[o] = '\0';
}
