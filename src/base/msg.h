/* N_() marks an English program string for the message catalogs without
 * translating it where it is written; it is translated where it is shown.
 * Every user-facing string in the program goes through this mark. */
#ifndef HATCH_BASE_MSG_H
#define HATCH_BASE_MSG_H

#define N_(s) s

#endif
