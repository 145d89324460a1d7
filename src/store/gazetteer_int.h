/* Inside the gazetteer: turning one CSV record of a format into the row
 * the database keeps (gaz_row.c), for gazetteer.c. Depends on base/ and
 * libc only. */
#ifndef HATCH_STORE_GAZETTEER_INT_H
#define HATCH_STORE_GAZETTEER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/postcode.h"
#include "store/csv.h"
#include "store/gazetteer.h"

/* The columns the formats may name; which header names stand for each is
 * in gaz_row.c. */
enum gaz_col {
	GC_UPRN, GC_ADDRESS, GC_TOWN, GC_POSTCODE, GC_LAT, GC_LON, GC_EAST, GC_NORTH,
	GC_ORGANISATION, GC_SUB_BUILDING, GC_BUILDING_NAME, GC_BUILDING_NUMBER,
	GC_DEP_THOROUGHFARE, GC_THOROUGHFARE, GC_DEP_LOCALITY, GC_POST_TOWN,
	GC_SAO_START, GC_SAO_START_SUFFIX, GC_SAO_END, GC_SAO_END_SUFFIX, GC_SAO_TEXT,
	GC_PAO_START, GC_PAO_START_SUFFIX, GC_PAO_END, GC_PAO_END_SUFFIX, GC_PAO_TEXT,
	GC_STREET, GC_LOCALITY,
	GC_COUNT
};

/* Where each column is in a file's records; -1 when absent. */
struct gaz_cols {
	int at[GC_COUNT];
	size_t nfields;  /* fields in the header */
};

/* One address ready to insert. */
struct gaz_row {
	long long uprn;
	char lines[256];
	char town[64];
	char postcode[POSTCODE_SIZE];
	char sort_key[256];
	bool has_coords;
	double lat, lon;
};

/* Finds FORMAT's columns in the header record HDR. False when one it needs
 * is missing, with the reason in WHY ("has no column POSTCODE"). */
bool gaz_row_columns(enum gaz_format format, struct csv *hdr, struct gaz_cols *cols,
		     char *why, size_t size);

/* Builds ROW from the record REC (whose fields it may rewrite in place).
 * False when the record is rejected, with the reason in WHY. */
bool gaz_row_build(enum gaz_format format, const struct gaz_cols *cols, struct csv *rec,
		   struct gaz_row *row, char *why, size_t size);

/* The WGS84 latitude and longitude of the OSGB36 National Grid point E, N
 * (metres): OS's transverse Mercator inverse on the Airy 1830 ellipsoid,
 * then the OS's published seven-parameter Helmert transformation, good to
 * about 5 metres (docs/gazetteer.md). False when E, N lie off the grid. */
bool gaz_osgb_to_wgs84(double e, double n, double *lat, double *lon);

#endif
