/* The RFC 4180 reader behind the gazetteer's imports (store/csv.h): a
 * small state machine over getc, so that memory stays the one record
 * buffer whatever the file's size. Depends on libc only. */
#include "store/csv.h"

#include <errno.h>
#include <string.h>

void csv_init(struct csv *c, FILE *in)
{
	c->in = in;
	c->line = 1;
	c->bytes = 0;
	c->record_line = 0;
	c->nfields = 0;
	c->why = NULL;
	c->nul = false;
}

/* One byte, counting bytes and lines. */
static int next(struct csv *c)
{
	int ch = getc_unlocked(c->in);
	if (ch != EOF) {
		c->bytes++;
		if (ch == '\n')
			c->line++;
	}
	return ch;
}

enum csv_result csv_next(struct csv *c)
{
	size_t n = 0;
	bool quoted = false, after_quote = false, in_field = false;
	const char *why = NULL;
	c->nfields = 0;
	c->nul = false;
	c->record_line = c->line;
	errno = 0;
	int ch = next(c);
	if (ch == EOF)
		return ferror(c->in) ? CSV_IOERR : CSV_END;
	size_t start = 0;
	for (;; ch = next(c)) {
		if (ch == EOF && ferror(c->in))
			return CSV_IOERR;
		if (quoted) {
			if (ch == EOF) {
				why = "a quoted field is not closed before the end of the file";
				break;
			}
			if (ch == '"') {
				int ch2 = next(c);
				if (ch2 == '"') {
					ch = '"';
				} else {
					quoted = false;
					after_quote = true;
					ch = ch2;
					goto plain;
				}
			}
			goto store;
		}
plain:
		if (ch == EOF || ch == '\n' || ch == ',' || ch == '\r') {
			if (ch == '\r') {
				int ch2 = next(c);
				if (ch2 != '\n') {
					/* A lone CR inside a record is taken as a line end
					 * only by old Macs; treat it as text. */
					if (ch2 != EOF) {
						ungetc(ch2, c->in);
						c->bytes--;
					}
					if (after_quote && !why)
						why = "text after a closing quote";
					after_quote = false;
					ch = '\r';
					goto store;
				}
			}
			/* End of a field. */
			if (c->nfields == CSV_FIELDS_MAX) {
				if (!why)
					why = "more fields than a record may have";
			} else if (!why) {
				c->field[c->nfields] = c->text + start;
				c->len[c->nfields] = n - start;
				c->nfields++;
			}
			if (n < sizeof c->text)
				c->text[n++] = '\0';
			else if (!why)
				why = "the record is too long";
			start = n;
			in_field = false;
			after_quote = false;
			if (ch == ',')
				continue;
			break;
		}
		if (after_quote) {
			if (!why)
				why = "text after a closing quote";
			after_quote = false;
		}
		if (ch == '"') {
			if (!in_field) {
				quoted = true;
				in_field = true;
				continue;
			}
			if (!why)
				why = "a quote inside a field that does not begin with one";
		}
store:
		in_field = true;
		if (ch == '\0')
			c->nul = true;
		if (n + 1 < sizeof c->text)
			c->text[n++] = (char)ch;
		else if (!why)
			why = "the record is too long";
	}
	if (why) {
		c->why = why;
		return CSV_BAD;
	}
	return CSV_RECORD;
}
