#!/usr/bin/env bash
# libpq is loaded only when a PostgreSQL target is opened (src/sink/pq.c) and
# libmicrohttpd only when serve starts (src/http/mhd.c); --version loads
# both to print their versions. The binary has no DT_NEEDED on either (nor
# on what they bring: OpenSSL, GnuTLS, Kerberos, LDAP); the loader never
# maps them for cat, import --dry-run or an import into SQLite
# (LD_DEBUG=files lists every object it loads), maps libpq for an import
# into PostgreSQL and libmicrohttpd, not libpq, for serve over SQLite (the
# check can see them). With SHEETLOAD_LIBPQ naming a missing file or a
# library without libpq's symbols, an import into PostgreSQL is one line of
# error naming the Debian package, exits as a refused connection does (1)
# and leaves nothing behind (the same import then loads every row); serve
# over PostgreSQL answers an upload 503, logs that message and stops
# cleanly. With SHEETLOAD_LIBMICROHTTPD so, serve exits 1 at start (as any
# start-up failure) with one line naming libmicrohttpd12. --version says
# which library is not available.
set -u
. "$SL_SRC/tests/lib.sh"
command -v readelf >/dev/null || skip "no readelf (binutils)"
command -v curl >/dev/null || skip "no curl"
pg_fresh_db
. "$SL_SRC/tests/serve/lib.sh"
unset SHEETLOAD_LIBPQ SHEETLOAD_LIBMICROHTTPD
libs='libpq|libmicrohttpd|libgnutls|libssl|libgssapi|libkrb5|libldap'

# ---- not linked --------------------------------------------------------------------
readelf -d "$SHEETLOAD" >"$T/dyn" || fail "readelf -d $SHEETLOAD"
grep -q NEEDED "$T/dyn" || fail "readelf shows no NEEDED entries: $(cat "$T/dyn")"
grep NEEDED "$T/dyn" | grep -E "$libs" && fail "the binary links the libraries above"

# ---- not loaded but where used -----------------------------------------------------
printf 'name,city\nAda,London\n' >"$T/in.csv"
"$SHEETLOAD" gen --rows 30 --bad 2 --seed 7 -o "$T/in.xlsx" >/dev/null || fail "gen"
not_loaded() { # WHAT ARGS...
  ld_run "$@"
  grep -E "file=[^ ]*($libs)" "$T/ld" && fail "$1 loaded the libraries above"
  return 0
}
loaded() { # WHAT LIB
  grep -q "file=$2\.so" "$T/ld" || fail "$1 did not load $2: $(grep 'file=' "$T/ld" | head)"
}
not_loaded "cat csv" cat "$T/in.csv" -o "$T/csv.out"
not_loaded "cat xlsx" cat "$T/in.xlsx" -o "$T/xlsx.out"
not_loaded "import --dry-run" import "$T/in.xlsx" --dry-run
not_loaded "import --dry-run into PostgreSQL" import "$T/in.xlsx" --dry-run --db "$DB"
not_loaded "import into SQLite" import "$T/in.xlsx" --db "sqlite:$T/x.db"
[ "$(sqlite3 "$T/x.db" 'SELECT count(*) FROM businesses')" = 28 ] || fail "SQLite: not 28 rows"
pg_rows() { psql "$DB" -XtAq -c 'SELECT count(*) FROM businesses'; }
ld_run "import into PostgreSQL" import "$T/in.xlsx" --db "$DB"
loaded "import into PostgreSQL" libpq
[ "$(pg_rows)" = 28 ] || fail "PostgreSQL: $(pg_rows) rows, want 28"
ld_run "--version" --version
loaded "--version" libpq
loaded "--version" libmicrohttpd
grep -Eq '^libpq [0-9]+\.[0-9]+(\.[0-9]+)?$' "$T/out" || fail "--version: $(cat "$T/out")"
grep -Eq '^libmicrohttpd [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || fail "--version: $(cat "$T/out")"

# serve over SQLite: libmicrohttpd, never libpq. (The loader's log goes to
# $T/ld.PID, one file per process serve_start runs: the server's is read.)
LD_DEBUG=files LD_DEBUG_OUTPUT=$T/ld serve_start "$T/serve.log" --db "sqlite:$T/s.db" \
  --upload-dir "$T/up"
req -X POST "$URL/upload" -F "file=@$T/in.xlsx"
expect 200 "upload into SQLite"
serve_stop
mv "$T/ld.$SRV_PID" "$T/ld" || fail "no loader log of the server (pid $SRV_PID): $(ls "$T")"
loaded "serve" libmicrohttpd
grep -E 'file=[^ ]*libpq' "$T/ld" && fail "serve over SQLite loaded libpq"

# ---- not loadable ------------------------------------------------------------------
"$SHEETLOAD" import "$T/in.xlsx" --db "postgresql://sheetload@127.0.0.1:1/none" >/dev/null 2>&1
refused=$?
[ "$refused" -eq 1 ] || fail "an import into a refused connection exited $refused, want 1"
rows=28
no_libpq() { # WHAT LIB TEXT SEED (of a file not imported yet)
  mkdir "$T/$1"
  "$SHEETLOAD" gen --rows 30 --bad 2 --seed "$4" -o "$T/$1/in.xlsx" >/dev/null || fail "$1: gen"
  cp "$T/$1/in.xlsx" "$T/$1.keep"
  SHEETLOAD_LIBPQ=$2 "$SHEETLOAD" import "$T/$1/in.xlsx" --db "$DB" >"$T/out" 2>"$T/err"
  check_rc "$refused" $? "$1: import"
  one_line "$1" "$T/err" "cannot connect to PostgreSQL: the library libpq ($2) cannot be loaded" \
    "install the Debian package libpq5" "$3"
  cmp -s "$T/$1/in.xlsx" "$T/$1.keep" || fail "$1: the input changed"
  [ "$(ls -A "$T/$1")" = in.xlsx ] || fail "$1: import left $(ls -A "$T/$1")"
  [ "$(pg_rows)" = "$rows" ] || fail "$1: $(pg_rows) rows, want $rows"
  # Nothing recorded: the same file, with libpq, loads every row.
  "$SHEETLOAD" import "$T/$1/in.xlsx" --db "$DB" --json >"$T/stats.json" ||
    fail "$1: the import with libpq exited $?: $(cat "$T/stats.json")"
  grep -q '"success_count":28' "$T/stats.json" || fail "$1: stats: $(cat "$T/stats.json")"
  rows=$((rows + 28))
  [ "$(pg_rows)" = "$rows" ] || fail "$1: $(pg_rows) rows, want $rows"
  not_available "$1" SHEETLOAD_LIBPQ "$2" libpq "$3"
  # SQLite does not care.
  SHEETLOAD_LIBPQ=$2 "$SHEETLOAD" import "$T/in.csv" --db "sqlite:$T/$1.db" >/dev/null ||
    fail "$1: import into SQLite exited $?"
}
no_libpq "missing" "$T/no/libpq.so.5" "$T/no/libpq.so.5: cannot open shared object file" 11
no_libpq "notlibpq" "libz.so.1" "undefined symbol: PQconnectdbParams" 12

# serve over PostgreSQL without libpq: an upload is refused, the server stays up.
SHEETLOAD_LIBPQ=$T/no/libpq.so.5 serve_start "$T/serve-pg.log" --db "$DB" --upload-dir "$T/up2"
req -X POST "$URL/upload" -F "file=@$T/in.xlsx"
expect 503 "upload without libpq"
[ "$(pg_rows)" = "$rows" ] || fail "the refused upload: $(pg_rows) rows, want $rows"
req "$URL/health"
[ -n "$CODE" ] && [ "$CODE" != 000 ] || fail "no answer to /health after the refused upload"
serve_stop
grep -qF "install the Debian package libpq5" "$T/serve-pg.log" ||
  fail "the server's log does not say why: $(cat "$T/serve-pg.log")"

no_mhd() { # WHAT LIB TEXT
  local d=$T/serve-$1
  mkdir "$d"
  SHEETLOAD_LIBMICROHTTPD=$2 "$SHEETLOAD" serve --listen 127.0.0.1:0 --db "sqlite:$d/s.db" \
    --upload-dir "$d/up" >"$T/out" 2>"$T/err"
  check_rc 1 $? "$1: serve"
  one_line "$1" "$T/err" "cannot serve: the library libmicrohttpd ($2) cannot be loaded" \
    "install the Debian package libmicrohttpd12" "$3"
  [ -z "$(ls -A "$d")" ] || fail "$1: serve left $(ls -A "$d")"
  not_available "$1" SHEETLOAD_LIBMICROHTTPD "$2" libmicrohttpd "$3"
}
no_mhd "missing" "$T/no/libmicrohttpd.so.12" "$T/no/libmicrohttpd.so.12: cannot open shared object file"
no_mhd "notmhd" "libz.so.1" "undefined symbol: MHD_start_daemon"
done_ok
