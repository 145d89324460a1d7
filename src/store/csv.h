/* An RFC 4180 CSV reader for the gazetteer's imports, store/'s own: quoted
 * fields with commas, doubled quotes, line breaks inside quotes, CRLF or LF
 * line ends. Streams from a FILE in constant memory: a record longer than
 * CSV_RECORD_MAX bytes or with more than CSV_FIELDS_MAX fields is reported
 * and skipped whole. Depends on libc only; never prints. */
#ifndef HATCH_STORE_CSV_H
#define HATCH_STORE_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* An AddressBase Plus record has 77 fields; room for twice that. */
#define CSV_FIELDS_MAX 160
/* A whole record's text; the longest address record is well under 2 KiB. */
#define CSV_RECORD_MAX 16384

enum csv_result {
	CSV_RECORD,  /* a record is in the reader */
	CSV_BAD,     /* a malformed record, skipped; csv.why says why */
	CSV_END,     /* no more records */
	CSV_IOERR,   /* reading failed (errno is set) */
};

struct csv {
	FILE *in;
	unsigned long line;        /* the line the next record starts on */
	unsigned long long bytes;  /* bytes read so far */
	/* The last record: LINE where it began, NFIELDS fields, each
	 * NUL-terminated inside TEXT. */
	unsigned long record_line;
	size_t nfields;
	const char *field[CSV_FIELDS_MAX];
	size_t len[CSV_FIELDS_MAX];
	const char *why;           /* for CSV_BAD */
	bool nul;                  /* the record held a NUL byte */
	char text[CSV_RECORD_MAX];
};

void csv_init(struct csv *c, FILE *in);

/* Reads the next record. */
enum csv_result csv_next(struct csv *c);

#endif
