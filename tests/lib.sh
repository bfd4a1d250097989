# lib.sh - helpers for the black-box test scripts (sourced).
# Gives: $T (a temp dir removed at exit), fail MSG, check_rc WANT GOT WHAT,
# done_ok, skip WHY, ld_run WHAT ARGS..., one_line WHAT FILE PHRASE...,
# not_available WHAT VAR FILE STEM TEXT, need_pg (fails, never skips, when
# no PostgreSQL was started), and pg_sql SQL (runs psql -tA against the
# throwaway cluster).
T=$(mktemp -d "${TMPDIR:-/tmp}/sl-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
: "${SHEETLOAD:?run through ctest (make test)}"
TEST_NAME=$(basename "$0" .sh)
fail() { echo "FAIL [$TEST_NAME]: $*" >&2; exit 1; }
check_rc() { [ "$2" -eq "$1" ] || fail "$3: exit code $2, want $1"; }
done_ok() { echo "ok [$TEST_NAME]"; exit 0; }
# skip WHY: the test cannot run here (ctest shows it as skipped: SKIP_RETURN_CODE 77).
skip() { echo "SKIPPED [$TEST_NAME]: $*"; exit 77; }
need_pg() {
  [ -n "${SHEETLOAD_TEST_PG:-}" ] || fail "SHEETLOAD_TEST_PG is not set: run the tests with 'make test', which starts PostgreSQL (scripts/pg-test.sh)"
}
pg_sql() { psql "$SHEETLOAD_TEST_PG" -v ON_ERROR_STOP=1 -XtAq -c "$1"; }
# A fresh database in the throwaway cluster for one test; sets DB.
pg_fresh_db() {
  need_pg
  local name="t_${TEST_NAME}_$$_$RANDOM"
  psql "$SHEETLOAD_TEST_PG" -XtAq -c "CREATE DATABASE $name" || fail "createdb $name"
  DB=$(echo "$SHEETLOAD_TEST_PG" | sed -E "s#/[^/?]+(\?|$)#/$name\1#")
  trap 'psql "$SHEETLOAD_TEST_PG" -XtAq -c "DROP DATABASE IF EXISTS '"$name"' WITH (FORCE)" >/dev/null 2>&1; rm -rf "$T"' EXIT
}
# ld_run WHAT ARGS...: runs sheetload ARGS with the dynamic loader's log of
# every object it loads (LD_DEBUG=files) in $T/ld and its output in $T/out;
# fails unless it exits 0 and the log names libc (so a library the log does
# not name was not loaded). The *_lazy tests' check of a dlopen()ed library.
ld_run() {
  local what=$1
  shift
  LD_DEBUG=files "$SHEETLOAD" "$@" >"$T/out" 2>"$T/ld"
  check_rc 0 $? "$what: $(grep -v 'file=\|^ *[0-9]*: *$' "$T/ld" | head -3)"
  grep -q 'file=libc\.so' "$T/ld" || fail "$what: LD_DEBUG=files logged no libc: $(head -5 "$T/ld")"
}
# one_line WHAT FILE PHRASE...: FILE (an error output) is one line holding
# every PHRASE.
one_line() {
  local what=$1 f=$2 p
  shift 2
  [ "$(wc -l <"$f")" -eq 1 ] || fail "$what: not one line: $(cat "$f")"
  for p in "$@"; do
    grep -qF -- "$p" "$f" || fail "$what: message lacks '$p': $(cat "$f")"
  done
}
# not_available WHAT VAR FILE STEM TEXT: with VAR=FILE (a library that
# cannot be loaded), --version exits 0 and its one STEM line says
# "STEM not available (...TEXT...)". The *_lazy tests' check of --version.
not_available() {
  env "$2=$3" "$SHEETLOAD" --version >"$T/version" || fail "$1: --version exited $?"
  grep "^$4 " "$T/version" >"$T/line"
  grep -qF "$4 not available (" "$T/line" && grep -qF -- "$5" "$T/line" &&
    [ "$(wc -l <"$T/line")" -eq 1 ] || fail "$1: --version: $(cat "$T/version")"
}
# The shared corpus, when it exists beside the checkout (SL_CORPUS overrides
# it: point it at an empty directory to see the corpus tests skip).
CORPUS="${SL_CORPUS:-$SL_SRC/../shared/corpus}"
# holds_file_in PID DIR: waits (30 s at most) until process PID holds a file
# under DIR open (a spill: it has no name, /proc shows where it was made);
# 1 if it never does.
holds_file_in() {
  local _
  for _ in $(seq 1500); do
    ls -l "/proc/$1/fd" 2>/dev/null | grep -qF "$2/" && return 0
    sleep 0.02
  done
  return 1
}
