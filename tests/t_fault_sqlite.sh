#!/usr/bin/env bash
# Exactly once under kill -9 (SQLite): seeded trials over the four methods
# and batch sizes; each killed import is rerun until it exits 0; the table
# must hold every good row exactly once and PRAGMA integrity_check say ok.
# SL_FAULT_SEED=S reproduces a run, SL_FAULT_TRIAL=K one trial of it.
set -u
. "$SL_SRC/tests/lib.sh"
python3 "$SL_SRC/tests/fault/kill_trials.py" sqlite - "$T" || fail "kill trials failed (see above)"
done_ok
