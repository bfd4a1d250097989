#!/usr/bin/env bash
# Ambiguous COMMITs: through a proxy that lets a COMMIT commit on the server
# and then cuts the connection before the answer, for every method. The
# import must finish by itself (exit 0) with every good row exactly once:
# a batch whose COMMIT was lost is checked against the ledger, not resent.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
python3 "$SL_SRC/tests/fault/commit_cut.py" "$DB" "$T" || fail "ambiguous-commit cases failed (see above)"
done_ok
