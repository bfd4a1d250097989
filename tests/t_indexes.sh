#!/usr/bin/env bash
# "Load first, index after" end to end (PostgreSQL and SQLite): an import
# into a new table ends with exactly the indexes the table is created with;
# a kill -9 in the middle of the load leaves the definitions saved in
# sheetload_deferred_indexes and the resumed import ends with every index
# built; a non-empty table, --indexes keep (--keep-indexes) and a small file
# under --indexes auto keep their indexes throughout.
#
# Nothing here samples while an import runs. PostgreSQL event triggers log
# every index created (with the rows the table held at that moment) and every
# index dropped, so "throughout" is checked on the whole history; the test
# first proves that the log sees a deferred build. The kills land mid-load
# whatever the machine's speed: a trigger holds the third batch back.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
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
# audit WHAT: how many indexes of 'businesses' the log saw created on a table
# with rows (created_full), on an empty one (created_empty), or dropped.
audit() {
  case $1 in
  created_full) q "SELECT count(*) FROM idx_audit WHERE tag = 'create' AND nrows > 0" ;;
  created_empty) q "SELECT count(*) FROM idx_audit WHERE tag = 'create' AND nrows = 0" ;;
  dropped) q "SELECT count(*) FROM idx_audit WHERE tag = 'drop'" ;;
  esac
}
# wait_rows ROWS_FN PID WHAT: waits until the running import has committed
# rows (the gate holds the rest back, so this comes whatever the speed).
wait_rows() {
  for _ in $(seq 1 2400); do
    [ "$($1)" -gt 0 ] && return 0
    kill -0 "$2" 2>/dev/null || fail "$3: the import ended before the gate ($(cat "$T/err"))"
    sleep 0.05
  done
  fail "$3: no row committed in 120 s"
}

# The reference: the table as sheetload creates it, indexes kept (the alias).
imp "$T/tiny.csv" --db "$DB" --keep-indexes; check_rc 0 $? "reference import ($(cat "$T/err"))"
pg_defs >"$T/ref"
[ "$(grep -c . "$T/ref")" -ge 7 ] || fail "want the primary key and 6 indexes, got: $(cat "$T/ref")"
q "DROP TABLE businesses"

# The log of index creation and removal.
q "CREATE TABLE idx_audit (tag text, obj text, nrows bigint);
CREATE FUNCTION audit_create() RETURNS event_trigger LANGUAGE plpgsql AS \$\$
DECLARE r record; n bigint;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    IF r.object_identity LIKE '%businesses%' THEN
      EXECUTE 'SELECT count(*) FROM businesses' INTO n;
      INSERT INTO idx_audit VALUES ('create', r.object_identity, n);
    END IF;
  END LOOP;
END \$\$;
CREATE FUNCTION audit_drop() RETURNS event_trigger LANGUAGE plpgsql AS \$\$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE object_type = 'index' LOOP
    INSERT INTO idx_audit VALUES ('drop', r.object_identity, NULL);
  END LOOP;
END \$\$;
CREATE EVENT TRIGGER audit_create ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION audit_create();
CREATE EVENT TRIGGER audit_drop ON sql_drop EXECUTE FUNCTION audit_drop();" >/dev/null ||
  fail "event triggers"

# 1. A new table, --indexes defer: loaded without its secondary indexes, all
# 6 built after the load (the log sees them built on a full table).
imp "$T/a.csv" --db "$DB" --batch-size 1000 --indexes defer
check_rc 0 $? "import into a new table ($(cat "$T/err"))"
[ "$(pg_rows)" = $N ] || fail "want $N rows, got $(pg_rows)"
pg_defs >"$T/got"
diff "$T/ref" "$T/got" >&2 || fail "indexes after an import into a new table differ"
[ "$(pg_pending)" = 0 ] || fail "definitions left in sheetload_deferred_indexes"
[ "$(audit created_full)" = 6 ] || fail "the log saw $(audit created_full) indexes built after the load, want 6"

# 2. kill -9 in the middle of the load, then the same command again. The
# third batch's ledger row waits in the database; the kill comes while it
# waits, and the waiting session is ended with it.
q "DROP TABLE businesses"
q "CREATE FUNCTION gate() RETURNS trigger LANGUAGE plpgsql AS \$\$
   BEGIN IF NEW.batch_no >= 3 THEN PERFORM pg_sleep(600); END IF; RETURN NEW; END \$\$;
   CREATE TRIGGER gate BEFORE INSERT ON sheetload_batches FOR EACH ROW EXECUTE FUNCTION gate()"
"$SHEETLOAD" import "$T/c.csv" --db "$DB" --method batch --batch-size 50 --workers 1 --indexes defer \
  --quiet >/dev/null 2>"$T/err" &
pid=$!
wait_rows pg_rows $pid "kill -9"
kill -9 $pid
wait $pid 2>/dev/null
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
   WHERE datname = current_database() AND pid <> pg_backend_pid()" >/dev/null
q "DROP TRIGGER gate ON sheetload_batches"
rows=$(pg_rows)
[ "$rows" -gt 0 ] && [ "$rows" -lt $N ] || fail "killed import left $rows rows; want some, not all"
[ "$(pg_nidx)" = 1 ] || fail "during the load the table should have only its primary key: $(pg_defs)"
[ "$(pg_pending)" = 6 ] || fail "want the 6 definitions saved, got $(pg_pending)"
imp "$T/c.csv" --db "$DB" --method batch --batch-size 50 --workers 1 --indexes defer
check_rc 0 $? "resumed import ($(cat "$T/err"))"
[ "$(pg_rows)" = $N ] || fail "after the resume: want $N rows, got $(pg_rows)"
[ "$(q "SELECT count(DISTINCT email) FROM businesses")" = $N ] || fail "rows twice after the resume"
pg_defs >"$T/got"
diff "$T/ref" "$T/got" >&2 || fail "indexes after kill -9 and resume differ"
[ "$(pg_pending)" = 0 ] || fail "definitions left after the resume"

# 3. A non-empty table keeps its indexes throughout, even with --indexes
# defer: the log sees no index dropped or built.
q "TRUNCATE idx_audit"
imp "$T/b.csv" --db "$DB" --method batch --batch-size 20 --workers 1 --indexes defer
check_rc 0 $? "import into a non-empty table ($(cat "$T/err"))"
[ "$(pg_rows)" = $((N + 2000)) ] || fail "want $((N + 2000)) rows, got $(pg_rows)"
[ "$(pg_pending)" = 0 ] || fail "definitions saved for a non-empty table"
[ "$(audit dropped)$(audit created_full)$(audit created_empty)" = 000 ] ||
  fail "a non-empty table's indexes changed during the load: $(q 'SELECT * FROM idx_audit')"
[ "$(pg_nidx)" = 7 ] || fail "want 7 indexes after the load: $(pg_defs)"

# 4. --indexes keep, and a small file under --indexes auto (below the 16 MiB
# threshold: dropping and rebuilding would cost more than it saves), create
# the indexes with the new table, before any row, and never drop them.
for how in "--indexes keep" "--indexes auto" ""; do
  q "DROP TABLE businesses; TRUNCATE idx_audit"
  # shellcheck disable=SC2086
  imp "$T/b.csv" --db "$DB" $how --method batch --batch-size 20 --workers 1 --force
  check_rc 0 $? "import '$how' ($(cat "$T/err"))"
  [ "$(audit created_empty)" = 6 ] && [ "$(audit dropped)$(audit created_full)" = 00 ] ||
    fail "'$how': want 6 indexes made on the empty table and none dropped: $(q 'SELECT * FROM idx_audit')"
  [ "$(pg_pending)" = 0 ] || fail "'$how' saved definitions"
  pg_defs >"$T/got"
  diff "$T/ref" "$T/got" >&2 || fail "'$how': indexes differ"
done

# 5. SQLite: the same for a new table and a kill -9 with resume. SQLite has
# no sleep: the gate makes the third batch's ledger row count to 10^9 first.
imp "$T/tiny.csv" --db "sqlite:$SQ" --keep-indexes; check_rc 0 $? "SQLite reference ($(cat "$T/err"))"
sq_defs >"$T/sqref"
[ "$(grep -c . "$T/sqref")" = 6 ] || fail "want 6 SQLite indexes, got: $(cat "$T/sqref")"
sqlite3 "$SQ" "DROP TABLE businesses;
  CREATE TRIGGER gate BEFORE INSERT ON sheetload_batches WHEN NEW.batch_no >= 3 BEGIN
    SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c
      WHERE x < 1000000000) SELECT x FROM c);
  END;" || fail "SQLite gate"
"$SHEETLOAD" import "$T/a.csv" --db "sqlite:$SQ" --method batch --batch-size 20 --indexes defer \
  --quiet >/dev/null 2>"$T/err" &
pid=$!
wait_rows sq_rows $pid "SQLite kill -9"
kill -9 $pid
wait $pid 2>/dev/null
sqlite3 "$SQ" "DROP TRIGGER gate" || fail "drop the SQLite gate"
rows=$(sq_rows)
[ "$rows" -gt 0 ] && [ "$rows" -lt $N ] || fail "killed SQLite import left $rows rows"
[ -z "$(sq_defs)" ] || fail "during the load the SQLite table should have no secondary index: $(sq_defs)"
[ "$(sq_pending)" = 6 ] || fail "want the 6 SQLite definitions saved, got $(sq_pending)"
imp "$T/a.csv" --db "sqlite:$SQ" --method batch --batch-size 20 --indexes defer
check_rc 0 $? "SQLite resumed import ($(cat "$T/err"))"
[ "$(sq_rows)" = $N ] || fail "SQLite after the resume: want $N rows, got $(sq_rows)"
sq_defs >"$T/got"
diff "$T/sqref" "$T/got" >&2 || fail "SQLite indexes after kill -9 and resume differ"
[ "$(sq_pending)" = 0 ] || fail "SQLite definitions left after the resume"
[ "$(sqlite3 "$SQ" "PRAGMA integrity_check")" = ok ] || fail "SQLite integrity_check"
done_ok
