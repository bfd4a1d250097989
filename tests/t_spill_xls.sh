#!/usr/bin/env bash
# t_spill_xls.sh - an .xls's shared strings past --max-memory go to a
# temporary file (xls_sst.c over read/spill.c), as an .xlsx's do: the output
# is byte-identical to an unbudgeted run, the file is open (without a name)
# while the reader is, gone after success and SIGINT, and a file that cannot
# grow is the clear "no space" error with nothing printed.
. "$SL_SRC/tests/lib.sh"
S=$SHEETLOAD
x="$SL_SRC/tests/corpus/xls/gen-business.xls"
exp="$SL_SRC/tests/corpus/xls/gen-business.1.expected.csv"
sp="$T/spill"
mkdir "$sp"
empty() { [ -z "$(ls -A "$sp")" ] || fail "$1: files left in the spill dir: $(ls -A "$sp")"; }

for m in unlimited 1MiB; do
  TMPDIR=$sp "$S" cat --max-memory $m "$x" >"$T/$m.csv" 2>"$T/err" || fail "cat at $m: $(cat "$T/err")"
  cmp -s "$T/$m.csv" "$exp" || fail "cat at $m differs from gen-business.1.expected.csv"
done
TMPDIR=$sp SHEETLOAD_MAX_MEMORY=1MiB "$S" cat --sheet 1 "$SL_SRC/tests/corpus/xls/lo-mixed.xls" |
  cmp -s - "$SL_SRC/tests/corpus/xls/lo-mixed.1.expected.csv" || fail "lo-mixed at 1MiB"
empty "success"

# The spill is open while the reader is: cat has read the workbook and
# blocks opening its output, a FIFO no one reads; then SIGINT.
mkfifo "$T/fifo"
TMPDIR=$sp env --default-signal=INT "$S" cat -m 1MiB "$x" -o "$T/fifo" &
pid=$!
holds_file_in $pid "$sp" || { kill -KILL $pid; fail "cat never opened a spill in $sp"; }
empty "while open (O_TMPFILE: no name)"
kill -INT $pid
wait $pid
[ $? -ne 0 ] || fail "SIGINT: cat exited 0"
empty "SIGINT"
# Unbudgeted, nothing is spilled.
TMPDIR=$sp "$S" cat -m unlimited "$x" -o "$T/fifo" &
pid=$!
exec 3<"$T/fifo"
ls -l "/proc/$pid/fd" 2>/dev/null | grep -qF "$sp/" && fail "an unbudgeted cat spilled"
cat <&3 >/dev/null
exec 3<&-
wait $pid || fail "unbudgeted cat through the FIFO"

# A file that cannot grow (RLIMIT_FSIZE 4 KiB; SIGXFSZ ignored as a shell
# may): the first write of text fails, a clear error, no rows printed.
( trap '' XFSZ; ulimit -f 4; TMPDIR=$sp exec "$S" cat -m 1MiB "$x" -o "$T/none.csv" ) 2>"$T/err"
check_rc 1 $? "cat with a 4 KiB file size limit"
grep -qF "no space left in $sp for the shared-strings spill (need " "$T/err" ||
  fail "file size limit: $(cat "$T/err")"
[ ! -s "$T/none.csv" ] || fail "rows printed after the spill failed"
empty "write failure"
done_ok
