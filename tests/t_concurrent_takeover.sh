#!/usr/bin/env bash
# Claim and fence (issue 10), PostgreSQL. The holder of a file's claim is
# stopped at a gate after some batches committed (a trigger that blocks its
# connections on an advisory lock the test holds) while a second importer
# waits with --wait:
#  1. kill -9 of the holder: the waiter takes the import over, resumes it,
#     and the table holds every good row once;
#  2. pg_terminate_backend of the holder's control connection (its claim):
#     the waiter takes over; when the gate opens the holder's writers find
#     themselves fenced, write nothing more and the holder exits non-zero
#     saying it lost its claim; no row twice;
#  3. the gate opens and the holder completes: the waiter exits 3 (already
#     imported), having written nothing;
#  4. as 2, with a per-row method stopped after its statement wrote a row
#     and its ledger row but before it committed: the taker waits for those
#     rows in flight before it reads the ledger (without that wait the
#     table gets them twice);
#  5. as 4, with kill -9 of the holder and --batch-size 1 (the kill trials'
#     concurrent/batch-size-1 case): its statements stopped at the gate
#     outlive it in their backends and commit after the takeover.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
python3 "$SL_SRC/tests/fault/concurrent.py" takeover pg "$DB" "$T" || fail "kill -9 takeover failed (see above)"
python3 "$SL_SRC/tests/fault/concurrent.py" fence pg "$DB" "$T" || fail "fencing failed (see above)"
python3 "$SL_SRC/tests/fault/concurrent.py" done pg "$DB" "$T" || fail "waiting for a holder that completes failed (see above)"
python3 "$SL_SRC/tests/fault/concurrent.py" inflight pg "$DB" "$T" || fail "a takeover with rows in flight failed (see above)"
python3 "$SL_SRC/tests/fault/concurrent.py" gone pg "$DB" "$T" || fail "an import whose ledger row vanished failed (see above)"
python3 "$SL_SRC/tests/fault/concurrent.py" inflight-kill pg "$DB" "$T" || fail "kill -9 with per-row statements in flight failed (see above)"
done_ok
