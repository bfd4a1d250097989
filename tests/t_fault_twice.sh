#!/usr/bin/env bash
# The same file imported twice into the same target: the second import is
# refused (exit 3, the message names the earlier import) and writes nothing;
# --force imports it again (every good row twice, as asked). PostgreSQL and
# SQLite.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
dbq() { psql "$DB" -v ON_ERROR_STOP=1 -XtAq -c "$1"; }
"$SHEETLOAD" gen --rows 500 --bad 5 --seed 3 -o "$T/f.csv" >/dev/null 2>"$T/err" || fail "gen: $(cat "$T/err")"

json_field() { grep -oE "\"$1\": *[0-9]+" "$2" | head -1 | grep -oE '[0-9]+$'; }

for target in pg sqlite; do
  if [ $target = pg ]; then db=$DB; count() { dbq "select count(*) from businesses"; }
  else db="sqlite:$T/twice.db"; count() { sqlite3 "$T/twice.db" "select count(*) from businesses"; }; fi
  "$SHEETLOAD" import "$T/f.csv" --db "$db" --rejects "$T/rej.csv" --json --quiet >"$T/out1" 2>"$T/err"
  check_rc 0 $? "$target: first import (stderr: $(head -c 600 "$T/err"))"
  ok=$(json_field success_count "$T/out1"); id=$(json_field import_id "$T/out1")
  [ -n "$ok" ] && [ "$ok" -gt 0 ] || fail "$target: no success_count in $(cat "$T/out1")"
  [ -n "$id" ] && [ "$id" -gt 0 ] || fail "$target: no import_id in $(cat "$T/out1")"
  [ "$(count)" = "$ok" ] || fail "$target: $(count) rows after the first import, want $ok"

  "$SHEETLOAD" import "$T/f.csv" --db "$db" --rejects "$T/rej.csv" --json --quiet >"$T/out2" 2>"$T/err2"
  check_rc 3 $? "$target: second import of the same file (stderr: $(head -c 600 "$T/err2"))"
  grep -qw "$id" "$T/err2" || fail "$target: the refusal does not name import $id: $(cat "$T/err2")"
  grep -q -- '--force' "$T/err2" || fail "$target: the refusal does not say how to import anyway (--force): $(cat "$T/err2")"
  [ "$(wc -l <"$T/err2")" -le 2 ] || fail "$target: the refusal is not a short message: $(cat "$T/err2")"
  [ "$(count)" = "$ok" ] || fail "$target: the refused import changed the table: $(count) rows, want $ok"

  "$SHEETLOAD" import "$T/f.csv" --db "$db" --rejects "$T/rej.csv" --force --json --quiet >"$T/out3" 2>"$T/err"
  check_rc 0 $? "$target: --force import (stderr: $(head -c 600 "$T/err"))"
  id3=$(json_field import_id "$T/out3")
  [ -n "$id3" ] && [ "$id3" != "$id" ] || fail "$target: --force reused import id $id"
  [ "$(count)" = $((2 * ok)) ] || fail "$target: $(count) rows after --force, want $((2 * ok))"
  # every good row exactly twice
  if [ $target = pg ]; then
    d=$(dbq "select count(*) from (select email, count(*) c from businesses group by email having count(*) <> 2) x")
  else
    d=$(sqlite3 "$T/twice.db" "select count(*) from (select email, count(*) c from businesses group by email having count(*) <> 2)")
  fi
  [ "$d" = 0 ] || fail "$target: $d emails not present exactly twice after --force"
  # and a third plain import is refused again, naming the latest import
  "$SHEETLOAD" import "$T/f.csv" --db "$db" --rejects "$T/rej.csv" --quiet >/dev/null 2>"$T/err4"
  check_rc 3 $? "$target: import after --force"
done
[ "$(sqlite3 "$T/twice.db" 'PRAGMA integrity_check')" = ok ] || fail "sqlite integrity_check"
done_ok
