#!/usr/bin/env bash
# "Load first, index after" end to end (PostgreSQL and SQLite): an import
# into a new table ends with exactly the indexes the table is created with;
# a kill -9 in the middle of the load leaves the definitions saved in
# sheetload_deferred_indexes and the resumed import ends with every index
# built; a non-empty table and --keep-indexes keep their indexes throughout.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
# These files are small: make them take the load-first path all the same.
export SHEETLOAD_DEFER_MIN_BYTES=0
N=20000
"$SHEETLOAD" gen --rows $N --seed 11 -o "$T/a.csv" >/dev/null || fail "gen a.csv"
"$SHEETLOAD" gen --rows 2000 --seed 12 -o "$T/b.csv" >/dev/null || fail "gen b.csv"
"$SHEETLOAD" gen --rows $N --seed 13 -o "$T/c.csv" >/dev/null || fail "gen c.csv"
head -21 "$T/a.csv" >"$T/tiny.csv"
SQ="$T/t.db"

q() { psql "$DB" -XtAq -v ON_ERROR_STOP=1 -c "$1"; }
pg_defs() { q "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE tablename = 'businesses' ORDER BY 1"; }
pg_nidx() { q "SELECT count(*) FROM pg_indexes WHERE tablename = 'businesses'"; }
pg_rows() { q "SELECT count(*) FROM businesses" 2>/dev/null || echo 0; }
pg_pending() { q "SELECT count(*) FROM sheetload_deferred_indexes WHERE table_name = 'businesses'"; }
sq_defs() { sqlite3 "$SQ" "SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'businesses' AND sql IS NOT NULL ORDER BY 1"; }
sq_rows() { sqlite3 "$SQ" "SELECT count(*) FROM businesses" 2>/dev/null || echo 0; }
sq_pending() { sqlite3 "$SQ" "SELECT count(*) FROM sheetload_deferred_indexes WHERE table_name = 'businesses'"; }
imp() { "$SHEETLOAD" import "$@" --quiet >"$T/out" 2>"$T/err"; }

# The reference: the table as sheetload creates it, indexes kept.
imp "$T/tiny.csv" --db "$DB" --keep-indexes; check_rc 0 $? "reference import ($(cat "$T/err"))"
pg_defs >"$T/ref"
[ "$(grep -c . "$T/ref")" -ge 7 ] || fail "want the primary key and 6 indexes, got: $(cat "$T/ref")"
q "DROP TABLE businesses"

# 1. A new table: loaded without its secondary indexes, all built after.
imp "$T/a.csv" --db "$DB" --batch-size 1000; check_rc 0 $? "import into a new table ($(cat "$T/err"))"
[ "$(pg_rows)" = $N ] || fail "want $N rows, got $(pg_rows)"
pg_defs >"$T/got"
diff "$T/ref" "$T/got" >&2 || fail "indexes after an import into a new table differ"
[ "$(pg_pending)" = 0 ] || fail "definitions left in sheetload_deferred_indexes"

# 2. kill -9 in the middle of the load, then the same command again.
q "DROP TABLE businesses"
"$SHEETLOAD" import "$T/c.csv" --db "$DB" --method batch --batch-size 50 --workers 1 --quiet \
    >/dev/null 2>"$T/err" &
pid=$!
for _ in $(seq 1 1200); do
    [ "$(pg_rows)" -gt 0 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
done
kill -9 $pid 2>/dev/null || fail "the import ended before it could be killed ($(cat "$T/err"))"
wait $pid 2>/dev/null
rows=$(pg_rows)
[ "$rows" -gt 0 ] && [ "$rows" -lt $N ] || fail "killed import left $rows rows; want some, not all"
[ "$(pg_nidx)" = 1 ] || fail "during the load the table should have only its primary key: $(pg_defs)"
[ "$(pg_pending)" = 6 ] || fail "want the 6 definitions saved, got $(pg_pending)"
imp "$T/c.csv" --db "$DB" --method batch --batch-size 50 --workers 1
check_rc 0 $? "resumed import ($(cat "$T/err"))"
[ "$(pg_rows)" = $N ] || fail "after the resume: want $N rows, got $(pg_rows)"
[ "$(q "SELECT count(DISTINCT email) FROM businesses")" = $N ] || fail "rows twice after the resume"
pg_defs >"$T/got"
diff "$T/ref" "$T/got" >&2 || fail "indexes after kill -9 and resume differ"
[ "$(pg_pending)" = 0 ] || fail "definitions left after the resume"

# 3. A non-empty table keeps its indexes throughout (sampled during the load).
"$SHEETLOAD" import "$T/b.csv" --db "$DB" --method batch --batch-size 20 --workers 1 --quiet >/dev/null 2>"$T/err" &
pid=$!
samples=0
while kill -0 $pid 2>/dev/null; do
    n=$(pg_nidx)
    [ "$n" = 7 ] || { kill $pid; fail "a non-empty table lost indexes during the load: $n"; }
    samples=$((samples + 1))
    sleep 0.02
done
wait $pid; check_rc 0 $? "import into a non-empty table ($(cat "$T/err"))"
[ "$(pg_rows)" = $((N + 2000)) ] || fail "want $((N + 2000)) rows, got $(pg_rows)"
[ "$(pg_pending)" = 0 ] || fail "definitions saved for a non-empty table"
echo "non-empty table: $samples samples, every one with all 7 indexes"

# 4. --keep-indexes keeps them on a new table too.
q "DROP TABLE businesses"
"$SHEETLOAD" import "$T/b.csv" --db "$DB" --keep-indexes --method batch --batch-size 20 --workers 1 --force \
    --quiet >/dev/null 2>"$T/err" &
pid=$!
while kill -0 $pid 2>/dev/null; do
    if [ "$(pg_rows)" -gt 0 ]; then
        n=$(pg_nidx)
        [ "$n" = 7 ] || { kill $pid; fail "--keep-indexes: the table has $n indexes during the load"; }
    fi
    sleep 0.02
done
wait $pid; check_rc 0 $? "import --keep-indexes ($(cat "$T/err"))"
[ "$(pg_pending)" = 0 ] || fail "--keep-indexes saved definitions"

# 4b. A file below the size threshold (16 MiB by default) keeps them too:
# dropping and rebuilding would cost more than it saves.
q "DROP TABLE businesses"
env -u SHEETLOAD_DEFER_MIN_BYTES "$SHEETLOAD" import "$T/b.csv" --db "$DB" --method batch \
    --batch-size 20 --workers 1 --force --quiet >/dev/null 2>"$T/err" &
pid=$!
while kill -0 $pid 2>/dev/null; do
    if [ "$(pg_rows)" -gt 0 ]; then
        n=$(pg_nidx)
        [ "$n" = 7 ] || { kill $pid; fail "small file: the table has $n indexes during the load"; }
    fi
    sleep 0.02
done
wait $pid; check_rc 0 $? "import of a small file ($(cat "$T/err"))"
[ "$(pg_pending)" = 0 ] || fail "a small file's import saved definitions"

# 5. SQLite: the same for a new table and a kill -9 with resume.
imp "$T/tiny.csv" --db "sqlite:$SQ" --keep-indexes; check_rc 0 $? "SQLite reference ($(cat "$T/err"))"
sq_defs >"$T/sqref"
[ "$(grep -c . "$T/sqref")" = 6 ] || fail "want 6 SQLite indexes, got: $(cat "$T/sqref")"
rm -f "$SQ" "$SQ-wal" "$SQ-shm"
"$SHEETLOAD" import "$T/a.csv" --db "sqlite:$SQ" --method batch --batch-size 20 --quiet >/dev/null 2>"$T/err" &
pid=$!
for _ in $(seq 1 1200); do
    [ "$(sq_rows)" -gt 0 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
done
kill -9 $pid 2>/dev/null || fail "the SQLite import ended before it could be killed ($(cat "$T/err"))"
wait $pid 2>/dev/null
rows=$(sq_rows)
[ "$rows" -gt 0 ] && [ "$rows" -lt $N ] || fail "killed SQLite import left $rows rows"
[ -z "$(sq_defs)" ] || fail "during the load the SQLite table should have no secondary index: $(sq_defs)"
[ "$(sq_pending)" = 6 ] || fail "want the 6 SQLite definitions saved, got $(sq_pending)"
imp "$T/a.csv" --db "sqlite:$SQ" --method batch --batch-size 20
check_rc 0 $? "SQLite resumed import ($(cat "$T/err"))"
[ "$(sq_rows)" = $N ] || fail "SQLite after the resume: want $N rows, got $(sq_rows)"
sq_defs >"$T/got"
diff "$T/sqref" "$T/got" >&2 || fail "SQLite indexes after kill -9 and resume differ"
[ "$(sq_pending)" = 0 ] || fail "SQLite definitions left after the resume"
[ "$(sqlite3 "$SQ" "PRAGMA integrity_check")" = ok ] || fail "SQLite integrity_check"
done_ok
