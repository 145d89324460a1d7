/* hatch queue: what is waiting in the outbox, for staff and technicians.
 * Only app/ and main.c include this. */
#ifndef HATCH_APP_QUEUE_H
#define HATCH_APP_QUEUE_H

/* Prints the outbox of the database (--db PATH, else the default path) as
 * a table without personal data, then the count in each state. Returns an
 * exit code: 0 success, 1 failure, 2 usage. */
int cmd_queue(int argc, char **argv);

#endif
