/* indexes.h - "load first, index after": drop a target table's secondary
 * indexes before a load into an empty table and build them again after it,
 * with the definitions kept in the database (sheetload_deferred_indexes) so
 * that whatever happens in between, the next import into that table (a
 * resume, or any other) builds them.
 *
 * sl_indexes_prepare is declared in load/load.h (the import calls it); this
 * header adds finish, which builds what prepare deferred.
 *
 * Which indexes: non-unique, valid indexes that back no constraint (a unique
 * index dropped during a load would let duplicates in that its rebuild would
 * then refuse, so unique ones always stay). PostgreSQL: of an ordinary table
 * only. SQLite: those made by CREATE INDEX (pragma index_list origin 'c').
 *
 * When: the table is empty at prepare and keep is 0 (a table the import has
 * just created is empty). A table that still has deferred indexes from an
 * earlier import that did not finish is loaded without them too, and finish
 * builds them. With keep, prepare builds any such leftovers before the load.
 *
 * Both functions must be called outside a transaction; prepare commits its
 * work (the saved definitions and the drops) in one transaction of its own.
 * finish is idempotent and safe to call on every way out of an import,
 * failed or cancelled ones included: an index that exists already is not
 * built again, and a saved definition is deleted only once its index exists.
 */
#ifndef SL_LOAD_INDEXES_H
#define SL_LOAD_INDEXES_H

#include "base/err.h"
#include "load/load.h"

/* The name of the table that keeps the definitions. */
#define SL_INDEXES_TABLE "sheetload_deferred_indexes"
/* maintenance_work_mem raised to (at least) this for an index build. */
#define SL_INDEXES_MAINT_MEM "256MB"

/* Builds the indexes prepare deferred (and any an earlier, killed import
 * left saved) and forgets their saved definitions. PostgreSQL builds them nconn at a time,
 * each on a connection of its own opened to target (as pg_restore --jobs
 * does); s does the bookkeeping. nconn <= 1, a NULL target or SQLite: one
 * after another on s. */
int sl_indexes_finish_parallel(struct sl_sink *s, const struct sl_plan *p, const char *target,
                               int nconn, struct sl_error *err);

/* How many saved (deferred, not yet rebuilt) definitions table has; for
 * tests and statistics. */
int sl_indexes_pending(struct sl_sink *s, const char *table, long long *n, struct sl_error *err);

#endif
