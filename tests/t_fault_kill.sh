#!/usr/bin/env bash
# Exactly once under kill -9 (PostgreSQL): at least 20 seeded trials over the
# four methods and batch sizes 1, 7, 100, 1000; each run of the importer is
# killed at a random moment and rerun until it exits 0; the table must then
# hold every good row exactly once, the rejects file exactly the bad rows.
# SL_FAULT_SEED=S reproduces a run, SL_FAULT_TRIAL=K one trial of it.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
python3 "$SL_SRC/tests/fault/kill_trials.py" pg "$DB" "$T" || fail "kill trials failed (see above)"
done_ok
