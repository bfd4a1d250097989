#!/usr/bin/env bash
# Real spreadsheets from real people (issue 17): every case of
# tests/corpus/headers/ (files saved by LibreOffice and Gnumeric: title rows,
# synonyms, reordered and extra columns, units, a two-row header, no header,
# a header that names nothing, another language with --map) and of
# tests/corpus/encodings/ (CSV in Windows-1252, Mac Roman, UTF-16) is
# imported into SQLite and into PostgreSQL, and, when the case has a
# table.sql, with --table into that typed table. A case holds:
#   input.*            the file
#   args               options (may name files of the case as $CASE/...)
#   expect.csv         the whole businesses table afterwards, in id order
#   expect.err         or: exit 1, this text on stderr, and nothing written
#   expect.json        lines that the --json statistics must contain
#   table.sql, table.args, table.query, table.expect[.pg|.sqlite].csv,
#   table.expect.json  the same for the typed table
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
BIZ="select name, category, phone, email, address, city, country, website, description from businesses order by id"
n=0
# The same rows as minimal CSV (sqlite3 -csv quotes more than psql --csv).
csvnorm() {
  python3 -c 'import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
for r in csv.reader(open(sys.argv[1], newline="")): w.writerow(r)' "$1"
}

# run_case DIR TARGET(sqlite|pg) VARIANT("" or "table.")
run_case() {
  local dir=$1 target=$2 v=$3 name db out args=() extra=() PGOPTIONS=
  name="$(basename "$dir") [$target${v:+ table}]"
  n=$((n + 1))
  if [ "$target" = sqlite ]; then
    db="sqlite:$T/c$n.db"
  else
    # A schema of its own per case (made below), found through search_path.
    db="$DB${DB_SEP}options=-csearch_path%3Dc$n"
    PGOPTIONS="-csearch_path=c$n"
  fi
  local input
  input=$(ls "$dir"/input.* | head -1)
  CASE=$dir
  [ -f "$dir/args" ] && eval "args=($(cat "$dir/args"))"
  if [ -n "$v" ]; then
    [ -f "$dir/table.args" ] && eval "extra=($(cat "$dir/table.args"))"
    local ddl=$dir/table.sql
    [ -f "$dir/table.$target.sql" ] && ddl=$dir/table.$target.sql
    if [ "$target" = sqlite ]; then sqlite3 "$T/c$n.db" "$(cat "$ddl")" || fail "$name: create"
    else PGOPTIONS=$PGOPTIONS psql "$DB" -XqAt -v ON_ERROR_STOP=1 -c "$(cat "$ddl")" || fail "$name: create"; fi
  fi
  "$SHEETLOAD" import "$input" --db "$db" --json --rejects "$T/rej$n.csv" "${args[@]}" "${extra[@]}" \
    >"$T/out" 2>"$T/err"
  local rc=$?
  local query=$BIZ
  [ -n "$v" ] && query=$(cat "$dir/table.query")
  if [ -f "$dir/${v}expect.err" ]; then
    check_rc 1 $rc "$name"
    grep -qF -- "$(cat "$dir/${v}expect.err")" "$T/err" || fail "$name: message: $(cat "$T/err")"
    # Nothing written: no table, or an empty one.
    if [ "$target" = sqlite ]; then
      if [ -n "$v" ]; then [ "$(sqlite3 "$T/c$n.db" "select count(*) from (${query})")" = 0 ] || fail "$name: rows written"
      else [ ! -e "$T/c$n.db" ] || fail "$name: the database file was created"; fi
    else
      local t=businesses
      [ -n "$v" ] && t=$(sed -E 's/.*from ([a-z_]+).*/\1/' <<<"$query")
      [ "$(PGOPTIONS=$PGOPTIONS psql "$DB" -XqAt -c "select coalesce((select count(*) from $t), 0)" 2>/dev/null || echo 0)" = 0 ] ||
        fail "$name: rows written"
    fi
    return
  fi
  check_rc 0 $rc "$name: $(cat "$T/err")"
  local want=$dir/${v}expect.csv
  [ -f "$dir/${v}expect.$target.csv" ] && want=$dir/${v}expect.$target.csv
  if [ "$target" = sqlite ]; then
    sqlite3 -csv "$T/c$n.db" "$query" >"$T/got.csv" || fail "$name: query"
  else
    PGOPTIONS=$PGOPTIONS psql "$DB" -XqAt --csv -c "$query" >"$T/got.csv" || fail "$name: query"
  fi
  diff -u <(csvnorm "$want") <(csvnorm "$T/got.csv") >"$T/diff" || fail "$name: table differs:
$(cat "$T/diff")
stderr: $(cat "$T/err")"
  if [ -f "$dir/${v}expect.json" ]; then
    while IFS= read -r line; do
      grep -qF -- "$line" "$T/out" || fail "$name: statistics lack $line: $(cat "$T/out")"
    done <"$dir/${v}expect.json"
  fi
  [ ! -e "$T/rej$n.csv" ] || fail "$name: rows rejected: $(cat "$T/rej$n.csv")"
}

case "$DB" in *\?*) DB_SEP='&' ;; *) DB_SEP='?' ;; esac
psql "$DB" -XqAt -v ON_ERROR_STOP=1 -c "$(for i in $(seq 1 200); do echo "create schema c$i;"; done)" >/dev/null ||
  fail "schemas"
cases=0
for dir in "$SL_SRC"/tests/corpus/headers/*/ "$SL_SRC"/tests/corpus/encodings/*/; do
  dir=${dir%/}
  [ -e "$dir"/input.* ] 2>/dev/null || ls "$dir"/input.* >/dev/null 2>&1 || continue
  cases=$((cases + 1))
  for target in sqlite pg; do
    run_case "$dir" $target ""
    [ -f "$dir/table.sql" ] && run_case "$dir" $target "table."
  done
done
[ $cases -ge 15 ] || fail "only $cases cases found"
done_ok
