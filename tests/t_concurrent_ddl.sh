#!/usr/bin/env bash
# DDL under concurrency (issue 10): 4 different files imported at once into
# an empty PostgreSQL database with index deferral on (--indexes defer),
# rounds over the four methods: every import
# succeeds, the table holds the sum, all 7 indexes of businesses exist and
# are valid, no definition is left deferred.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
python3 "$SL_SRC/tests/fault/concurrent.py" ddl pg "$DB" "$T" || fail "rounds failed (see above)"
done_ok
