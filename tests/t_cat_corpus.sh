#!/usr/bin/env bash
# 'sheetload cat' over the shared xlsx corpus: every file with an
# .expected.csv must print exactly that (cmp); every other file must be read
# with exit 0. New corpus files are covered without a code change.
set -u
. "$SL_SRC/tests/lib.sh"

[ -x "$SHEETLOAD" ] || fail "no binary at $SHEETLOAD"
dir="$CORPUS/xlsx"
[ -d "$dir" ] || skip "no corpus at $dir"
pass=0 failed=0 total=0
for f in "$dir"/*.xlsx; do
  [ -e "$f" ] || continue
  total=$((total + 1))
  name=$(basename "$f" .xlsx)
  exp="$dir/$name.expected.csv"
  "$SHEETLOAD" cat "$f" >"$T/out.csv" 2>"$T/err"
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $name: exit $rc: $(head -1 "$T/err")" >&2
    failed=$((failed + 1))
    continue
  fi
  if [ -s "$T/err" ]; then
    echo "FAIL $name: exit 0 but stderr: $(head -1 "$T/err")" >&2
    failed=$((failed + 1))
    continue
  fi
  if [ -f "$exp" ] && ! cmp -s "$T/out.csv" "$exp"; then
    echo "FAIL $name: output differs from $name.expected.csv:" >&2
    diff <(head -c 100000 "$exp") <(head -c 100000 "$T/out.csv") | head -6 >&2
    failed=$((failed + 1))
    continue
  fi
  pass=$((pass + 1))
done
echo "cat corpus: $pass of $total files passed"
[ "$total" -gt 0 ] || fail "no .xlsx files in $dir"
[ "$failed" -eq 0 ] || fail "$failed of $total corpus files failed"
done_ok
