#!/usr/bin/env bash
# The CLI skeleton: help, version, usage errors and their exit codes.
set -u
. "$SL_SRC/tests/lib.sh"
out=$("$SHEETLOAD" --help); check_rc 0 $? "--help"
for c in import serve cat gen bench; do
  echo "$out" | grep -q "^  $c " || fail "--help does not list $c"
  "$SHEETLOAD" $c --help >/dev/null; check_rc 0 $? "$c --help"
done
"$SHEETLOAD" --version | grep -qE '^sheetload [0-9]+\.[0-9]+' || fail "--version"
"$SHEETLOAD" nope >/dev/null 2>"$T/err"; check_rc 2 $? "unknown command"
grep -q "unknown command 'nope'" "$T/err" || fail "no message for unknown command"
grep -q "Usage:" "$T/err" || fail "no usage on stderr"
"$SHEETLOAD" >/dev/null 2>&1; check_rc 2 $? "no command"
done_ok
