#!/usr/bin/env bash
# t_spill.sh - an .xlsx's shared strings past --max-memory go to a temporary
# file: the output is byte-identical to an unbudgeted run; the file is gone
# after success, failure, SIGINT and SIGKILL (it has no name: O_TMPFILE);
# leftovers of a dead sheetload (the mkstemp fallback) are swept; a disk too
# small is the clear "no space" error, and the ledger and table agree.
. "$SL_SRC/tests/lib.sh"
S=$SHEETLOAD
"$S" gen -n 6000 -b 60 -o "$T/g.xlsx" >/dev/null || fail "gen"
sp="$T/spill"
mkdir "$sp"
empty() { [ -z "$(ls -A "$sp")" ] || fail "$1: files left in the spill dir: $(ls -A "$sp")"; }

# Identical output; nothing left.
TMPDIR=$sp "$S" cat --max-memory unlimited "$T/g.xlsx" >"$T/a.csv" || fail "cat unbounded"
TMPDIR=$sp "$S" cat --max-memory 1MiB "$T/g.xlsx" >"$T/b.csv" || fail "cat at 1MiB"
cmp -s "$T/a.csv" "$T/b.csv" || fail "cat at 1MiB differs from the unbounded run"
TMPDIR=$sp SHEETLOAD_MAX_MEMORY=2MiB "$S" cat "$T/g.xlsx" >"$T/c.csv" || fail "cat, env budget"
cmp -s "$T/a.csv" "$T/c.csv" || fail "cat at SHEETLOAD_MAX_MEMORY=2MiB differs"
empty "success"
# The strings the sheet reads again (gen's names, cities, categories) come
# from the cache of copies, not the file (SL_SST_STATS: a test hook).
TMPDIR=$sp SL_SST_STATS=1 "$S" cat --max-memory 1MiB "$T/g.xlsx" 2>"$T/err" >"$T/d.csv" ||
  fail "cat at 1MiB with stats"
cmp -s "$T/a.csv" "$T/d.csv" || fail "cat at 1MiB with stats differs"
hits=$(sed -nE 's/^shared strings: ([0-9]+) read again from the cache, ([0-9]+) from the file.*/\1/p' "$T/err")
miss=$(sed -nE 's/^shared strings: ([0-9]+) read again from the cache, ([0-9]+) from the file.*/\2/p' "$T/err")
[ -n "$hits" ] && [ -n "$miss" ] || fail "no stats line: $(cat "$T/err")"
[ "$hits" -gt "$miss" ] && [ "$miss" -gt 0 ] ||
  fail "the cache kept nothing: $hits hits, $miss misses"
"$S" cat --max-memory 12 "$T/g.xlsx" >/dev/null 2>&1
check_rc 2 $? "--max-memory 12 (under 1MiB)"

# SIGINT and SIGKILL while the spill is open: cat has read the workbook
# (the table is loading) and blocks opening its output, a FIFO no one reads.
mkfifo "$T/fifo"
for sig in INT KILL; do
  # (env: a script's background job starts with SIGINT ignored)
  TMPDIR=$sp env --default-signal=INT "$S" cat -m 1MiB "$T/g.xlsx" -o "$T/fifo" &
  pid=$!
  holds_file_in $pid "$sp" || { kill -KILL $pid; fail "SIG$sig: cat never opened a spill in $sp"; }
  kill -$sig $pid
  wait $pid
  [ $? -ne 0 ] || fail "SIG$sig: cat exited 0"
  empty "SIG$sig"
done

# Leftovers: a dead process's fallback file goes, a live one's stays.
sh -c 'exit 0' &
dead=$!
wait $dead
touch "$sp/sheetload-sst.$dead.abcdef" "$sp/sheetload-sst.$$.abcdef" "$sp/other.$dead.abcdef"
TMPDIR=$sp "$S" cat -m 1MiB "$T/g.xlsx" >/dev/null || fail "cat with leftovers"
[ ! -e "$sp/sheetload-sst.$dead.abcdef" ] || fail "a dead process's spill was not swept"
[ -e "$sp/sheetload-sst.$$.abcdef" ] || fail "a live process's spill was swept"
[ -e "$sp/other.$dead.abcdef" ] || fail "a file not ours was swept"
rm -f "$sp"/*

# A file that cannot grow (RLIMIT_FSIZE; SIGXFSZ ignored as a shell may):
# the first write fails, a clear error, no rows printed past the failure.
( trap '' XFSZ; ulimit -f 64; TMPDIR=$sp exec "$S" cat -m 1MiB "$T/g.xlsx" -o /dev/null ) 2>"$T/err"
check_rc 1 $? "cat with a 64 KiB file size limit"
grep -qF "no space left in $sp for the shared-strings spill (need " "$T/err" ||
  fail "file size limit: $(cat "$T/err")"
empty "write failure"

# A disk too small: a 256 KiB tmpfs when this runs as root and may mount
# (CI does), else the file size limit again. The import fails with the
# clear error and the ledger says so: nothing completed, rows = table.
small="$T/small"
mkdir "$small"
how=tmpfs
if ! mount -t tmpfs -o size=256k,mode=0700 sl-spill-test "$small" 2>/dev/null; then how=fsize; fi
[ $how = tmpfs ] && trap 'umount "$small" 2>/dev/null; rm -rf "$T"' EXIT
DB="sqlite:$T/db.sqlite"
if [ $how = tmpfs ]; then
  TMPDIR=$small "$S" import "$T/g.xlsx" --db "$DB" --max-memory 1MiB --json >"$T/out" 2>"$T/err"
else
  ( trap '' XFSZ; ulimit -f 1024; TMPDIR=$small exec "$S" import "$T/g.xlsx" --db "$DB" \
      --max-memory 1MiB --json ) >"$T/out" 2>"$T/err"
fi
check_rc 1 $? "import into a full $how"
grep -qE "no space left in $small for the shared-strings spill \(need [0-9]+ MiB\)" "$T/err" ||
  fail "full $how: $(cat "$T/err")"
q() { sqlite3 "$T/db.sqlite" "$1" 2>/dev/null; }
done_n=$(q "select count(*) from sheetload_imports where status = 'completed'")
[ "${done_n:-0}" = 0 ] || fail "full $how: the ledger records a completed import"
led=$(q "select coalesce(sum(success_count), 0) from sheetload_imports")
tab=$(q "select count(*) from businesses")
[ "${led:-0}" = "${tab:-0}" ] || fail "full $how: ledger says ${led:-0} rows, table has ${tab:-0}"
[ -z "$(ls -A "$small")" ] || fail "full $how: files left: $(ls -A "$small")"
echo "full disk tested with $how"

# The same import with room succeeds, as the unbudgeted one does.
TMPDIR=$sp "$S" import "$T/g.xlsx" --db "$DB" --max-memory 1MiB --json >"$T/out" 2>"$T/err" ||
  fail "import at 1MiB: $(cat "$T/err")"
[ "$(q "select count(*) from businesses")" = "$(q "select sum(success_count) from sheetload_imports where status = 'completed'")" ] ||
  fail "import at 1MiB: table and ledger disagree"
empty "import"
done_ok
