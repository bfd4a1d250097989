#!/usr/bin/env bash
# libxlsxwriter is loaded only when 'gen --inline-strings' writes a workbook
# or --version prints its line (src/cli/gen_lxw.c): the binary has no
# DT_NEEDED on libxlsxwriter or libminizip; the loader never maps them for
# cat of a CSV or an xlsx, an import or the default (shared-strings) gen
# (LD_DEBUG=files lists every object it loads), and does for gen
# --inline-strings (the check can see it). With SHEETLOAD_LIBXLSXWRITER
# naming a missing file or a library without libxlsxwriter's symbols, gen
# --inline-strings is one line of error naming the Debian package (exit 1,
# as any gen that cannot write) and leaves no file; the default gen still
# works; --version says the library is not available.
set -u
. "$SL_SRC/tests/lib.sh"
command -v readelf >/dev/null || skip "no readelf (binutils)"
unset SHEETLOAD_LIBXLSXWRITER

# ---- not linked --------------------------------------------------------------------
readelf -d "$SHEETLOAD" >"$T/dyn" || fail "readelf -d $SHEETLOAD"
grep -q NEEDED "$T/dyn" || fail "readelf shows no NEEDED entries: $(cat "$T/dyn")"
grep NEEDED "$T/dyn" | grep -Ei 'xlsxwriter|minizip' && fail "the binary links the libraries above"

# ---- not loaded but by gen --inline-strings ----------------------------------------
printf 'a,b\n1,2\n' >"$T/in.csv"
not_loaded() { # WHAT ARGS...
  ld_run "$@"
  grep -Ei 'file=[^ ]*(xlsxwriter|minizip)' "$T/ld" && fail "$1 loaded the libraries above"
  return 0
}
not_loaded "gen" gen --rows 200 --bad 2 --seed 7 -o "$T/shared.xlsx"
not_loaded "gen csv" gen --rows 20 --seed 7 -o "$T/g.csv"
not_loaded "cat csv" cat "$T/in.csv" -o "$T/csv.out"
not_loaded "cat xlsx" cat "$T/shared.xlsx" -o "$T/shared.csv"
not_loaded "import" import "$T/shared.xlsx" --db "sqlite:$T/x.db"
ld_run "gen --inline-strings" gen --rows 200 --bad 2 --seed 7 --inline-strings -o "$T/inline.xlsx"
grep -q 'file=libxlsxwriter\.so' "$T/ld" ||
  fail "gen --inline-strings did not load libxlsxwriter: $(grep 'file=' "$T/ld" | head)"
"$SHEETLOAD" cat "$T/inline.xlsx" -o "$T/inline.csv" || fail "cat inline.xlsx exited $?"
cmp -s "$T/inline.csv" "$T/shared.csv" || fail "the inline-strings workbook's rows differ"
ld_run "--version" --version
grep -q 'file=libxlsxwriter\.so' "$T/ld" || fail "--version did not load libxlsxwriter"
grep -Eq '^libxlsxwriter [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || fail "--version: $(cat "$T/out")"

# ---- not loadable ------------------------------------------------------------------
unloadable() { # WHAT LIB TEXT
  mkdir "$T/$1"
  SHEETLOAD_LIBXLSXWRITER=$2 "$SHEETLOAD" gen --rows 20 --inline-strings -o "$T/$1/i.xlsx" \
    >"$T/out" 2>"$T/err"
  check_rc 1 $? "$1: gen --inline-strings"
  one_line "$1" "$T/err" \
    "sheetload gen: cannot write '$T/$1/i.xlsx': --inline-strings: the library libxlsxwriter ($2) cannot be loaded" \
    "install the Debian package libxlsxwriter4" "$3"
  [ -z "$(ls -A "$T/$1")" ] || fail "$1: gen left $(ls -A "$T/$1")"
  SHEETLOAD_LIBXLSXWRITER=$2 "$SHEETLOAD" gen --rows 20 -o "$T/$1/s.xlsx" ||
    fail "$1: the default gen exited $?"
  not_available "$1" SHEETLOAD_LIBXLSXWRITER "$2" libxlsxwriter "$3"
}
unloadable "missing" "$T/no/libxlsxwriter.so.4" "$T/no/libxlsxwriter.so.4: cannot open shared object file"
unloadable "not-libxlsxwriter" "libz.so.1" "undefined symbol: workbook_new_opt"
done_ok
