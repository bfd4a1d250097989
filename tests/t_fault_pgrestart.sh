#!/usr/bin/env bash
# The server goes away mid-import: pg_ctl restart -m fast of this test's own
# cluster, and pg_terminate_backend of the importer's connections, for every
# method. Each import must finish by itself (exit 0) with exact contents.
# SL_FAULT_CASE=NAME runs one case (names in tests/fault/pg_outage.py).
set -u
. "$SL_SRC/tests/lib.sh"
command -v psql >/dev/null || fail "psql not found"
OWN=$(mktemp -d /tmp/sl-pg.XXXXXX)
trap 'SL_PG_DIR=$OWN "$SL_SRC/scripts/pg-test.sh" stop; rm -rf "$T"' EXIT
env_out=$(SL_PG_DIR=$OWN "$SL_SRC/scripts/pg-test.sh" start) || fail "could not start a PostgreSQL cluster of its own"
eval "$env_out"
python3 "$SL_SRC/tests/fault/pg_outage.py" "$SHEETLOAD_TEST_PG" "$T" "$SL_SRC/scripts/pg-test.sh" ||
  fail "outage cases failed (see above)"
done_ok
