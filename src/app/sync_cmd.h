/* hatch sync: the delivery worker on its own, for cron, tests and
 * technicians. Only app/ and main.c include this. */
#ifndef HATCH_APP_SYNC_CMD_H
#define HATCH_APP_SYNC_CMD_H

/* Delivers the outbox of the database (--db PATH, else the configuration's,
 * else the default path) to the destinations of the configuration
 * (--config FILE). With --once, drains what is due and returns; else
 * keeps draining until SIGTERM or SIGINT. Returns an exit code: 0 success,
 * 1 failure, 2 usage. */
int cmd_sync(int argc, char **argv);

#endif
