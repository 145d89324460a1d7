/* Inside i18n/: libgettextpo's reading and writing with its problems
 * collected, shared by the catalogs and the template writer. */
#ifndef HATCH_I18N_I18N_INT_H
#define HATCH_I18N_I18N_INT_H

#include <gettext-po.h>
#include <stdbool.h>

#include "i18n/i18n.h"

/* PATH read as a PO file; NULL when it cannot be read or has errors,
 * which are then in P (file, line, reason). */
po_file_t i18n_po_read(const char *path, struct i18n_problems *p);

/* FILE written to PATH; false with P saying why. */
bool i18n_po_write(po_file_t file, const char *path, struct i18n_problems *p);

#endif
