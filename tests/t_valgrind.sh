#!/usr/bin/env bash
# The main paths are valgrind-clean: cat of an xlsx, a csv and some .xls
# (BIFF8, BIFF5, a truncated one), an import into
# SQLite and into PostgreSQL (copy and batch), with any memory error or leak
# failing the test. Valgrind cannot run sanitizer builds: there the test says
# so and is reported as skipped, since those builds check the same paths
# themselves.
set -u
. "$SL_SRC/tests/lib.sh"
[ -z "${SL_SANITIZE:-}" ] || skip "the $SL_SANITIZE build (valgrind cannot run sanitized binaries)"
command -v valgrind >/dev/null || fail "valgrind is not installed (scripts/deps.sh installs it)"
pg_fresh_db
cd "$T" || fail cd
"$SHEETLOAD" gen --rows 1500 --bad 6 --seed 11 -o v.xlsx >/dev/null || fail "gen xlsx"
"$SHEETLOAD" gen --rows 1500 --bad 6 --seed 11 -o v.csv >/dev/null || fail "gen csv"
vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$SHEETLOAD" "$@"; }
vg cat v.xlsx >/dev/null; check_rc 0 $? "valgrind cat xlsx"
vg cat v.csv >/dev/null; check_rc 0 $? "valgrind cat csv"
for x in lo-mixed gen-business gn-biff5; do
  vg cat "$SL_SRC/tests/corpus/xls/$x.xls" >/dev/null; check_rc 0 $? "valgrind cat $x.xls"
done
vg cat --sheet 2 "$SL_SRC/tests/corpus/xls/gn-mixed.xls" >/dev/null; check_rc 0 $? "valgrind cat xls sheet 2"
head -c 9000 "$SL_SRC/tests/corpus/xls/lo-mixed.xls" >cut.xls
vg cat cut.xls >/dev/null 2>&1; check_rc 1 $? "valgrind cat of a truncated xls"
vg import v.xlsx --db "sqlite:$T/v.db" --quiet >/dev/null; check_rc 0 $? "valgrind import sqlite"
vg import v.xlsx --db "$DB" --method copy --quiet >/dev/null; check_rc 0 $? "valgrind import pg copy"
vg import v.csv --db "$DB" --method batch --batch-size 100 --quiet >/dev/null; check_rc 0 $? "valgrind import pg batch"
vg cat /etc/hostname.nope >/dev/null 2>&1; check_rc 1 $? "valgrind cat of a missing file"
done_ok
