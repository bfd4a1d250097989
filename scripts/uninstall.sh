#!/usr/bin/env bash
# uninstall.sh LIST SHIPPED_ENV - removes the files 'make install' wrote, as
# listed (DESTDIR included) in LIST, then the directories of sheetload's own
# that are left empty. An environment file that differs from the shipped one
# (SHIPPED_ENV) holds the administrator's settings and is kept.
set -euo pipefail
list=$1 shipped=$2
if [ ! -f "$list" ]; then
  echo "uninstall: $list not found: nothing was installed from this build ('make install' writes it)" >&2
  exit 1
fi
dirs=()
while IFS= read -r f || [ -n "$f" ]; do # (the manifest has no final newline)
  [ -n "$f" ] || continue
  case $f in
  */sheetload/serve.env)
    if [ -f "$f" ] && ! cmp -s "$f" "$shipped"; then
      echo "-- Keeping: $f (edited; remove it yourself)"
      continue
    fi
    ;;
  esac
  if [ -e "$f" ] || [ -L "$f" ]; then
    rm -f -- "$f"
    echo "-- Removed: $f"
  fi
  d=$(dirname "$f")
  [ "$(basename "$d")" = sheetload ] && dirs+=("$d")
done <"$list"
for d in "${dirs[@]}"; do
  rmdir --ignore-fail-on-non-empty "$d" 2>/dev/null || true
done
rm -f -- "$list"
