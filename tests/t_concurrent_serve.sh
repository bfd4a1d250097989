#!/usr/bin/env bash
# Several servers, one service (issue 10): two 'sheetload serve' processes
# on one PostgreSQL database. /health names each node; into the empty
# database 4 different files at once, two to each node: four 200; the same
# file 4 times at once to one node: one 200, three 409; the same file
# uploaded to both at once, 5 rounds (3 under a sanitizer): one 200, one 409 (naming the running
# import and its /imports/ID link, or saying it was imported), the table
# exact; GET /imports/ID and /imports/ID/rejects by ledger id on both
# nodes; DELETE /imports/ID on one node stops an import running on the
# other (held at a gate until the cancel flag is set), which ends
# 'cancelled' with the table, the ledger and its statistics agreeing.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
python3 "$SL_SRC/tests/fault/concurrent.py" serve pg "$DB" "$T" || fail "two servers failed (see above)"
done_ok
