#!/usr/bin/env bash
# t_man_options.sh - every man page (docs/man/*.scd) documents exactly the
# options its command accepts (its --help and its getopt_long table); the
# failure names the option and the page file to edit.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
python3 "$SL_SRC/tests/man_options.py" "$SHEETLOAD" "$SL_SRC" || fail "a man page and its command disagree (see above)"
# The check itself must catch a missing option: a copy of the pages with
# --db removed from sheetload-import.1.scd must fail and name that file.
mkdir -p "$T/src/docs/man" "$T/src/src"
cp "$SL_SRC"/docs/man/*.scd "$T/src/docs/man/"
cp -r "$SL_SRC/src/cli" "$T/src/src/"
sed -i '/^\*--db\*/d' "$T/src/docs/man/sheetload-import.1.scd"
if python3 "$SL_SRC/tests/man_options.py" "$SHEETLOAD" "$T/src" >"$T/out" 2>&1; then
  fail "the check passed with --db removed from sheetload-import.1.scd"
fi
grep -q 'option --db .*missing from docs/man/sheetload-import.1.scd' "$T/out" ||
  fail "the failure does not name --db and the page: $(cat "$T/out")"
done_ok
