#!/usr/bin/env bash
# libgsf is loaded only when an .xls is opened (src/read/xls_gsf.c): the
# binary has no DT_NEEDED on libgsf, GLib, GObject or GIO; the loader never
# maps them for a CSV or an xlsx (LD_DEBUG=files lists every object it
# loads), and does for an .xls (the check can see them); --version reports
# the loaded library's versions. With SHEETLOAD_LIBGSF naming a missing file
# or a library without libgsf's symbols, an .xls is one line of error naming
# the Debian package (exit 1, as any unreadable file; cat and import), and
# --version says the library is not available.
set -u
. "$SL_SRC/tests/lib.sh"
command -v readelf >/dev/null || skip "no readelf (binutils)"
xls="$SL_SRC/tests/corpus/xls/gn-biff5.xls"
unset SHEETLOAD_LIBGSF

# ---- not linked --------------------------------------------------------------------
readelf -d "$SHEETLOAD" >"$T/dyn" || fail "readelf -d $SHEETLOAD"
grep -q NEEDED "$T/dyn" || fail "readelf shows no NEEDED entries: $(cat "$T/dyn")"
grep NEEDED "$T/dyn" | grep -Ei 'gsf|glib|gobject|gio-' && fail "the binary links the libraries above"

# ---- not loaded for CSV and xlsx, loaded for .xls ----------------------------------
printf 'a,b\n1,2\n' >"$T/in.csv"
"$SHEETLOAD" gen --rows 50 --seed 7 -o "$T/in.xlsx" >/dev/null || fail "gen"
loads() { # FILE: cat it with the loader's file log in $T/ld; its exit code
  LD_DEBUG=files "$SHEETLOAD" cat "$1" -o "$T/out.csv" 2>"$T/ld"
}
for f in "$T/in.csv" "$T/in.xlsx"; do
  loads "$f"
  check_rc 0 $? "cat $(basename "$f"): $(grep -v 'file=\|^ *[0-9]*: *$' "$T/ld" | head -3)"
  grep -q 'file=libc\.so' "$T/ld" || fail "LD_DEBUG=files logged no libc: $(head -5 "$T/ld")"
  grep -Ei 'file=[^ ]*(gsf|glib|gobject)' "$T/ld" && fail "cat $(basename "$f") loaded the libraries above"
done
loads "$xls"
check_rc 0 $? "cat gn-biff5.xls"
cmp -s "$T/out.csv" "$SL_SRC/tests/corpus/xls/gn-biff5.1.expected.csv" || fail "gn-biff5.xls differs"
grep -q 'file=libgsf-1\.so' "$T/ld" || fail "cat .xls did not load libgsf: $(grep 'file=' "$T/ld" | head)"
grep -q 'file=libglib-2\.0\.so' "$T/ld" || fail "cat .xls did not load GLib"
"$SHEETLOAD" --version >"$T/version" || fail "--version exited $?"
grep -Eq '^libgsf [0-9]+\.[0-9]+\.[0-9]+$' "$T/version" || fail "--version: $(cat "$T/version")"
grep -Eq '^GLib [0-9]+\.[0-9]+\.[0-9]+$' "$T/version" || fail "--version: $(cat "$T/version")"

# ---- not loadable ------------------------------------------------------------------
unreadable() { # WHAT LIB TEXT
  SHEETLOAD_LIBGSF=$2 "$SHEETLOAD" cat "$xls" >"$T/out" 2>"$T/err"
  check_rc 1 $? "$1: cat"
  one_line "$1" "$T/err" "cannot read .xls files: the library libgsf ($2) cannot be loaded" \
    "install the Debian package libgsf-1-114" "$3"
  [ -s "$T/out" ] && fail "$1: printed rows"
  SHEETLOAD_LIBGSF=$2 "$SHEETLOAD" import "$xls" --db "sqlite:$T/x.db" >"$T/out" 2>"$T/err"
  rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "$1: import exited $rc"
  grep -qF "install the Debian package libgsf-1-114" "$T/err" || fail "$1: import: $(cat "$T/err")"
  not_available "$1" SHEETLOAD_LIBGSF "$2" libgsf "$3"
  grep -q '^GLib ' "$T/version" && fail "$1: --version names GLib: $(cat "$T/version")"
  # A CSV does not care.
  SHEETLOAD_LIBGSF=$2 "$SHEETLOAD" cat "$T/in.csv" >/dev/null || fail "$1: cat CSV exited $?"
  return 0
}
unreadable "missing" "$T/no/libgsf-1.so.114" "cannot open shared object file"
unreadable "not libgsf" "libz.so.1" "undefined symbol: gsf_init"
done_ok
