#!/usr/bin/env bash
# t_man_render.sh - every generated man page (build/man/*.1) renders with
# man -l at a fixed width without a single groff warning, and has the
# sections a user looks for.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v man >/dev/null || fail "man is missing: install man-db (scripts/deps.sh)"
export MANWIDTH=80 LC_ALL=C.UTF-8 MAN_DISABLE_SECCOMP=1
# groff's warning name for "all" is w (man-db ignores "all").
render() { man --warnings=w -l "$1" >"$T/out" 2>"$T/err"; }
n=0
for src in "$SL_SRC"/docs/man/*.1.scd; do
  name=$(basename "$src" .scd)
  page="$SL_BUILD/man/$name"
  [ -s "$page" ] || fail "$page was not generated from $src (the 'man' target of the build)"
  [ -s "$page.gz" ] || fail "$page.gz was not generated"
  render "$page" || fail "man -l $page exited $?: $(cat "$T/err")"
  [ -s "$T/err" ] && fail "man -l $page wrote to stderr (fix $src): $(cat "$T/err")"
  for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
    grep -q "^$s\$" "$T/out" || fail "$name has no $s section (add '# $s' to $src)"
  done
  head -1 "$T/out" | grep -q "^${name%.1}(1) " || fail "$name: header is '$(head -1 "$T/out")'"
  if awk 'length($0) > 80 { bad = 1 } END { exit !bad }' "$T/out"; then
    fail "$name has lines wider than MANWIDTH=80: $(awk 'length($0) > 80' "$T/out" | head -3)"
  fi
  n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "only $n man pages in docs/man (want sheetload and one per command)"
# The check must see groff's complaints: a page with an unknown macro warns.
printf '.TH X 1\n.SH NAME\nx\n.BOGUSMACRO\n' >"$T/bad.1"
render "$T/bad.1" || true
[ -s "$T/err" ] || fail "man --warnings=w -l printed no warning for an unknown macro; the check is blind"
done_ok
