#!/usr/bin/env bash
# 'sheetload bench': a tiny run into the scratch SQLite default, an explicit
# SQLite file and the test PostgreSQL prints the tutorial's table and exits 0;
# it refuses to drop a table that holds rows unless --force; usage errors exit
# 2; nothing is left in the temporary directory. No timing is asserted.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

check_table() { # file methods...
    local f=$1 m
    shift
    grep -qE '^\| Method +\| +Time \| Records/sec \| +Speedup \| +peak RSS \|$' "$f" ||
        fail "no table header in: $(cat "$f")"
    for m in "$@"; do
        grep -qE "^\| $m +\| +[0-9]+\.[0-9]{2} s \| +[0-9,]+ \| +[0-9]+\.[0-9]x \| +[0-9.]+ MiB \|$" "$f" ||
            fail "no row for $m in: $(cat "$f")"
    done
    [ "$(grep -c '^| [a-z]' "$f")" -eq $# ] || fail "want $# method rows in: $(cat "$f")"
    grep -q '^| sequential .* 1\.0x ' "$f" || [ "$1" != sequential ] || fail "sequential speedup is not 1.0x"
}

# The default target: a scratch SQLite file, removed afterwards.
"$SHEETLOAD" bench --rows 300 >"$T/out" 2>"$T/err"
check_rc 0 $? "bench into the scratch SQLite file ($(tail -3 "$T/err"))"
check_table "$T/out" sequential concurrent batch copy
grep -q "300 rows of" "$T/out" || fail "the header line does not name the row count"
[ -z "$(ls -A "$TMPDIR")" ] || fail "bench left files behind: $(ls -A "$TMPDIR")"

# An explicit SQLite file, two methods, two runs each (the median).
"$SHEETLOAD" bench --rows 300 --db "sqlite:$T/b.db" --methods batch,copy --repeat 2 >"$T/out" 2>"$T/err"
check_rc 0 $? "bench into sqlite:$T/b.db ($(tail -3 "$T/err"))"
check_table "$T/out" batch copy
grep -q "median of 2 runs" "$T/out" || fail "no 'median of 2 runs'"
grep -q "Speedup against batch" "$T/out" || fail "no note on the speedup base without sequential"
[ "$(sqlite3 "$T/b.db" "SELECT count(*) FROM sqlite_master WHERE name = 'businesses'")" = 0 ] ||
    fail "bench left its businesses table in sqlite:$T/b.db"

# PostgreSQL, every method.
"$SHEETLOAD" bench --rows 300 --db "$DB" >"$T/out" 2>"$T/err"
check_rc 0 $? "bench into PostgreSQL ($(tail -3 "$T/err"))"
check_table "$T/out" sequential concurrent batch copy
[ "$(psql "$DB" -XtAq -c "SELECT count(*) FROM pg_tables WHERE tablename = 'businesses'")" = 0 ] ||
    fail "bench left its businesses table in PostgreSQL"

# A businesses table with rows is not dropped without --force.
psql "$DB" -XtAq -c "CREATE TABLE businesses (id int); INSERT INTO businesses VALUES (1)" || fail "psql"
"$SHEETLOAD" bench --rows 300 --db "$DB" --methods copy >"$T/out" 2>"$T/err"
check_rc 1 $? "bench into a table with rows"
grep -q "table 'businesses' in '.*' holds 1 rows" "$T/err" || fail "no refusal message: $(cat "$T/err")"
[ "$(psql "$DB" -XtAq -c "SELECT count(*) FROM businesses")" = 1 ] || fail "the refused bench touched the table"
"$SHEETLOAD" bench --rows 300 --db "$DB" --methods copy --force --keep-indexes >"$T/out" 2>"$T/err"
check_rc 0 $? "bench --force ($(tail -3 "$T/err"))"
check_table "$T/out" copy

# Usage errors.
"$SHEETLOAD" bench --methods nope >/dev/null 2>"$T/err"; check_rc 2 $? "--methods nope"
grep -q "unknown method 'nope'" "$T/err" || fail "no message for --methods nope"
"$SHEETLOAD" bench --rows 0 >/dev/null 2>"$T/err"; check_rc 2 $? "--rows 0"
"$SHEETLOAD" bench --repeat >/dev/null 2>"$T/err"; check_rc 2 $? "--repeat without a value"
# The import's own bounds (sheetload.h), not looser ones of bench's.
"$SHEETLOAD" bench --workers 65 >/dev/null 2>"$T/err"; check_rc 2 $? "--workers 65"
grep -q "from 1 to 64" "$T/err" || fail "--workers 65: $(cat "$T/err")"
"$SHEETLOAD" bench --batch-size 1000001 >/dev/null 2>"$T/err"; check_rc 2 $? "--batch-size 1000001"
grep -q "from 1 to 1000000" "$T/err" || fail "--batch-size 1000001: $(cat "$T/err")"
"$SHEETLOAD" import x.csv --workers 65 >/dev/null 2>"$T/err"; check_rc 2 $? "import --workers 65"
grep -q "from 1 to 64" "$T/err" || fail "import --workers 65: $(cat "$T/err")"
"$SHEETLOAD" bench --file "$T/missing.xlsx" >/dev/null 2>"$T/err"; check_rc 1 $? "--file missing"
grep -q "cannot read '.*missing.xlsx'" "$T/err" || fail "no message for a missing --file"
[ -z "$(ls -A "$TMPDIR")" ] || fail "bench left files behind: $(ls -A "$TMPDIR")"
done_ok
