#!/usr/bin/env bash
# t_install.sh - 'cmake --install' into a DESTDIR gives a working tool: the
# installed binary reports its version and those of the libraries it runs
# with, imports into SQLite; the man pages, the completion, the unit, the
# environment file (0600, never overwritten) and the docs are where they
# belong; scripts/uninstall.sh removes all of it but an edited settings file.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cache=$SL_BUILD/CMakeCache.txt
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$cache")
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$cache")
[ -n "$prefix" ] && [ -n "$version" ] || fail "no prefix or version in $cache"
root=$T/root

DESTDIR=$root cmake --install "$SL_BUILD" >"$T/install.log" 2>&1 ||
  fail "cmake --install into $root: $(cat "$T/install.log")"
# The list the Makefile keeps for 'make uninstall' (DESTDIR included).
sed "s|^|$root|" "$SL_BUILD/install_manifest.txt" >"$T/installed-files.txt"

# ---- the binary, from its installed place ---------------------------------------
bin=$root$prefix/bin/sheetload
[ -x "$bin" ] || fail "no executable at $bin"
"$bin" --version >"$T/version" || fail "installed sheetload --version exited $?"
[ "$(head -1 "$T/version")" = "sheetload $version" ] ||
  fail "--version starts '$(head -1 "$T/version")', want 'sheetload $version'"
# Every library with the version it runs with: the run-time version equals
# the one pkg-config reports for the headers on this machine (Debian keeps
# -dev and the library in step).
for pair in libpq:libpq SQLite:sqlite3 libzip:libzip expat:expat zlib:zlib \
  libmicrohttpd:libmicrohttpd jansson:jansson libxlsxwriter: libgsf:libgsf-1 GLib:glib-2.0 nettle:nettle \
  $(grep -q '^SL_ISAL:BOOL=ON' "$cache" && echo ISA-L:libisal); do
  name=${pair%%:*} pc=${pair#*:}
  got=$(sed -n "s/^$name \([0-9][0-9.]*\)\$/\1/p" "$T/version")
  [ -n "$got" ] || fail "--version has no '$name X.Y' line: $(cat "$T/version")"
  if [ -n "$pc" ]; then
    want=$(pkg-config --modversion "$pc")
    # nettle tells only major.minor at run time: a prefix of the full version.
    [ "$got" = "$want" ] || [ "${want#"$got".}" != "$want" ] ||
      fail "--version says $name $got, pkg-config says $want"
  fi
done

cd "$T"
"$bin" gen --rows 300 --bad 3 -o "$T/s.xlsx" >/dev/null || fail "installed gen exited $?"
"$bin" import "$T/s.xlsx" --db "sqlite:$T/x.db" --json >"$T/stats.json" ||
  fail "installed import exited $?: $(cat "$T/stats.json")"
grep -q '"success_count":297' "$T/stats.json" || fail "import stats: $(cat "$T/stats.json")"
[ "$(sqlite3 "$T/x.db" 'SELECT count(*) FROM businesses')" = 297 ] || fail "businesses does not hold 297 rows"

# ---- man pages, completion, docs ---------------------------------------------------
mandir=$root$prefix/share/man
n=0
for src in "$SL_SRC"/docs/man/*.1.scd; do
  page=$mandir/man1/$(basename "$src" .scd).gz
  [ -s "$page" ] || fail "$page is not installed"
  MANWIDTH=80 man --warnings=w -l "$page" >"$T/out" 2>"$T/err" || fail "man -l $page exited $?"
  [ -s "$T/err" ] && fail "man -l $page: $(cat "$T/err")"
  n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "only $n man pages"
MANPATH=$mandir man -w sheetload-import >/dev/null || fail "man does not find sheetload-import under $mandir"
comp=$root$prefix/share/bash-completion/completions/sheetload
[ -s "$comp" ] || fail "no completion at $comp"
bash -n "$comp" || fail "$comp is not valid bash"
for f in README.md copyright changelog.gz; do
  [ -s "$root$prefix/share/doc/sheetload/$f" ] || fail "share/doc/sheetload/$f is not installed"
done

# ---- the unit and its settings -----------------------------------------------------
mapfile -t units < <(find "$root" -name sheetload.service)
[ "${#units[@]}" = 1 ] || fail "want one sheetload.service, found: ${units[*]}"
unit=${units[0]}
case $unit in
"$root$prefix"/lib/systemd/system/* | "$root"/lib/systemd/system/*) ;;
*) fail "unit in an odd place: $unit" ;;
esac
grep -q "^ExecStart=$prefix/bin/sheetload serve " "$unit" || fail "ExecStart does not run $prefix/bin/sheetload: $(grep ExecStart "$unit")"
env=$(sed -n 's/^EnvironmentFile=-//p' "$unit")
[ -f "$root$env" ] || fail "the unit reads $env, which is not installed"
[ "$(stat -c %a "$root$env")" = 600 ] || fail "$env has mode $(stat -c %a "$root$env"), want 600 (it may hold the token)"

# A second install keeps the administrator's settings.
echo "SHEETLOAD_TOKEN=mine" >>"$root$env"
DESTDIR=$root cmake --install "$SL_BUILD" >"$T/install2.log" 2>&1 || fail "second install: $(cat "$T/install2.log")"
grep -q '^SHEETLOAD_TOKEN=mine$' "$root$env" || fail "a second install overwrote $env"

# ---- uninstall: everything goes but the edited settings ------------------------------
bash "$SL_SRC/scripts/uninstall.sh" "$T/installed-files.txt" "$SL_SRC/packaging/serve.env" >"$T/un.log" ||
  fail "uninstall.sh exited $?: $(cat "$T/un.log")"
left=$(find "$root" -type f | grep -v "^$root$env\$" || true)
[ -z "$left" ] || fail "uninstall left: $left"
[ -f "$root$env" ] || fail "uninstall removed the edited $env"
grep -q "Keeping: $root$env" "$T/un.log" || fail "uninstall did not say it kept $env: $(cat "$T/un.log")"
[ ! -e "$root$prefix/share/doc/sheetload" ] || fail "uninstall left the empty share/doc/sheetload"
done_ok
