/* The id rule shared by journeys and the configuration. libc only. */
#include "base/id.h"

bool id_valid(const char *s, size_t n, size_t max)
{
	if (n < 1 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
		if (!ok)
			return false;
	}
	return true;
}
