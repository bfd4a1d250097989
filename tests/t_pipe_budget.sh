#!/usr/bin/env bash
# t_pipe_budget.sh - the blocks in flight between the reader, the
# converters and the writers hold at most --max-memory / 16 bytes, or
# 16 MiB where that is under a quarter of the budget, else a quarter
# (pipeline.c), whatever the width of the rows, and an import at a tiny
# budget still inserts every row exactly once. The pipeline reports the
# most bytes it held at once when SL_PIPE_PEAK is set (a test hook).
. "$SL_SRC/tests/lib.sh"
S=$SHEETLOAD
"$S" gen -n 6000 --text-columns 30 -o "$T/w.xlsx" >/dev/null || fail "gen"
rows=$(( $("$S" cat "$T/w.xlsx" | wc -l) - 1 ))
[ "$rows" -eq 6000 ] || fail "the workbook has $rows data rows, want 6000"

# peak_ok ERRFILE LIMIT: the hook's line is there, its limit is LIMIT and
# the peak is within it, and not trivially (the blocks were in flight).
peak_ok() {
  local line peak lim
  line=$(grep '^pipeline: at most' "$1") || fail "no peak line: $(cat "$1")"
  peak=$(echo "$line" | sed -E 's/.*at most ([0-9]+) bytes.*/\1/')
  lim=$(echo "$line" | sed -E 's/.*\(limit ([0-9]+)\).*/\1/')
  [ "$lim" -eq "$2" ] || fail "limit $lim, want $2"
  [ "$peak" -le "$lim" ] || fail "$peak bytes in flight, past the limit $lim"
  [ "$peak" -gt $(( lim / 4 )) ] || fail "only $peak bytes in flight of $lim: the bound never bound"
}

# The reference: the rows of an unbounded import (sorted: with several
# converters, batches may commit in any order).
Q='select name, email, city from businesses'
"$S" import "$T/w.xlsx" --db "sqlite:$T/ref.db" --max-memory unlimited >/dev/null 2>&1 ||
  fail "unbounded import"
sqlite3 "$T/ref.db" "$Q" | LC_ALL=C sort >"$T/ref.txt"
[ "$(wc -l <"$T/ref.txt")" -eq 6000 ] || fail "unbounded import: $(wc -l <"$T/ref.txt") rows"

# 2 MiB: 512 KiB in flight (a quarter), blocks of 30 rows (~160 KiB each once
# charged: three fit, so the bound binds, and one alone is past a quarter of
# it, so the peak check holds however fast the writers are).
for w in 1 3; do
  rm -f "$T/a.db"
  SL_PIPE_PEAK=1 "$S" import "$T/w.xlsx" --db "sqlite:$T/a.db" --max-memory 2MiB \
    --batch-size 30 --workers $w >/dev/null 2>"$T/err" || fail "import at 2MiB: $(cat "$T/err")"
  peak_ok "$T/err" $(( 2 * 1024 * 1024 / 4 ))
  sqlite3 "$T/a.db" "$Q" | LC_ALL=C sort | cmp -s - "$T/ref.txt" || fail "sqlite at 2MiB: rows differ"
done

# 1 MiB (256 KiB in flight: every block of 700 rows goes alone) into PostgreSQL, with
# the writers' pool and COPY: every row once.
pg_fresh_db
SL_PIPE_PEAK=1 "$S" import "$T/w.xlsx" --db "$DB" --max-memory 1MiB --batch-size 700 \
  --workers 3 >/dev/null 2>"$T/err" || fail "import at 1MiB into PostgreSQL: $(cat "$T/err")"
grep -q '^pipeline: at most' "$T/err" || fail "no peak line: $(cat "$T/err")"
psql "$DB" -XtAq -F '|' -c "$Q" >"$T/pg.txt"
[ "$(wc -l <"$T/pg.txt")" -eq 6000 ] || fail "PostgreSQL at 1MiB: $(wc -l <"$T/pg.txt") rows, want 6000"
LC_ALL=C sort "$T/pg.txt" | cmp -s - "$T/ref.txt" || fail "PostgreSQL at 1MiB: rows differ"

# Unbounded: counted, no limit.
SL_PIPE_PEAK=1 "$S" import "$T/w.xlsx" --dry-run --max-memory unlimited 2>"$T/err" >/dev/null ||
  fail "dry run unbounded: $(cat "$T/err")"
grep -q '(limit 0)' "$T/err" || fail "unbounded: $(grep pipeline "$T/err")"
done_ok
