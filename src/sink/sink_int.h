/* sink_int.h - what sink.c needs from the two sinks (private to src/sink). */
#ifndef SL_SINK_SINK_INT_H
#define SL_SINK_SINK_INT_H

#include "base/err.h"
#include "sink/sink.h"

/* conninfo: a URL or keyword string, "" = libpq's PG* environment. */
int sl_pg_open(struct sl_sink **out, const char *conninfo, struct sl_error *err);
/* path: the database file, created if missing. */
int sl_sqlite_open(struct sl_sink **out, const char *path, struct sl_error *err);

/* The longest quoted identifier / table name the sinks build. */
#define SL_SINK_IDENT_MAX 520

#endif
