#!/usr/bin/env bash
# Exactly once when importers meet (issue 10): 4 CLI processes import the
# same file into the same table at once, rounds over the four methods, on
# PostgreSQL and on SQLite. Each round: exactly one exits 0 having inserted
# every good row; the other three exit 3 (the file is being imported, or
# already was) and insert nothing; the table holds every good row once.
# SL_CONC_ROUNDS=N sets the rounds (default 10 per database; 4 under a
# sanitizer, each method once).
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
python3 "$SL_SRC/tests/fault/concurrent.py" same pg "$DB" "$T" || fail "PostgreSQL rounds failed (see above)"
python3 "$SL_SRC/tests/fault/concurrent.py" same sqlite - "$T" || fail "SQLite rounds failed (see above)"
done_ok
