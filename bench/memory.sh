#!/usr/bin/env bash
# bench/memory.sh - peak RSS, wall and CPU time of 'sheetload cat' and
# 'sheetload import' (--dry-run, SQLite and PostgreSQL) against rows and
# distinct shared strings, for memory budgets of 64, 128 and 256 MiB and
# unbounded (issue 18), and the issue's targets checked. Every budgeted
# output is compared with the unbounded one: cat's CSV with cmp, an import's
# table by the SHA-256 of its rows in id order. Prints markdown on stdout,
# progress on stderr. Run by bench/run.sh (BENCH_ONLY=memory) or alone:
#   bench/memory.sh [BUILD_DIR]
# Environment:
#   MEM_SHAPES="9:100000 9:1000000 30:100000 30:1000000"  C:N = N
#              rows of C text columns (gen --text-columns C when C > 9)
#   MEM_BUDGETS="unlimited 256MiB 128MiB 64MiB"   cat and import --dry-run
#   MEM_DB_BUDGETS="unlimited 256MiB 128MiB"  the imports into SQLite and PostgreSQL
#   MEM_PG=URL  PostgreSQL for the imports (default $SHEETLOAD_TEST_PG; none:
#              the PostgreSQL rows are skipped)
#   MEM_FILES=DIR  keep the generated workbooks there and reuse them (gen is
#              deterministic); default: a temporary directory
#   TMPDIR     where the spill files (and the temporary directory) go
# Took 9 min with the default shapes on the shared 2-core machine (load
# average 9-13) with the workbooks already generated (MEM_FILES), plus about
# 3 min to generate them (the 1M x 30 workbook: 2 min); about 11 runs of
# the 1M x 30 workbook at 10-35 s each are most of it.
set -u
BUILD=${1:-build}
S=${SHEETLOAD:-$BUILD/sheetload}
[ -x "$S" ] || { echo "memory.sh: no binary at $S" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sl-membench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FILES=${MEM_FILES:-$WORK}
mkdir -p "$FILES"
SHAPES=${MEM_SHAPES:-"9:100000 9:1000000 30:100000 30:1000000"}
BUDGETS=${MEM_BUDGETS:-"unlimited 256MiB 128MiB 64MiB"}
DB_BUDGETS=${MEM_DB_BUDGETS:-"unlimited 256MiB 128MiB"}
PG=${MEM_PG:-${SHEETLOAD_TEST_PG:-}}
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
TARGETS=()

say() { echo "memory.sh: $*" >&2; }

# The columns of a C-column shape, as gen's header names them.
columns() {
  local c=$1 cols="name,category,phone,email,address,city,country,website,description" i
  for ((i = 10; i <= c; i++)); do cols="$cols,note$i"; done
  echo "$cols"
}

# A table for the shape's columns (9: the default businesses table, made by
# the import itself).
make_table() { # db cols
  local db=$1 cols=$2 ddl
  [ "$cols" -gt 9 ] || return 0
  ddl="CREATE TABLE mem$cols (id BIGSERIAL PRIMARY KEY, $(columns "$cols" | sed 's/,/ TEXT, /g') TEXT)"
  if [ "$db" = pg ]; then
    PGOPTIONS="-c client_min_messages=warning" psql "$PG" -XqAt -c "DROP TABLE IF EXISTS mem$cols" -c "$ddl" >/dev/null
  else
    sqlite3 "$WORK/x.db" "${ddl/BIGSERIAL/INTEGER}" >/dev/null
  fi
}

# The SHA-256 of the imported rows in email order (unique; the writers
# commit batches in any order, so ids are not the file's order).
table_sum() { # db cols table
  local sel="SELECT $(columns "$2") FROM $3 ORDER BY email"
  if [ "$1" = pg ]; then
    sel="$sel COLLATE \"C\""
    psql "$PG" -XqAt -F $'\t' -c "$sel" | sha256sum | cut -c1-16
  else
    sqlite3 -separator $'\t' "$WORK/x.db" "$sel" | sha256sum | cut -c1-16
  fi
}

# Clears the target before an import.
fresh() { # db cols
  if [ "$1" = pg ]; then
    PGOPTIONS="-c client_min_messages=warning" psql "$PG" -XqAt -c "DROP TABLE IF EXISTS businesses" >/dev/null 2>&1
  else
    rm -f "$WORK/x.db" "$WORK/x.db-wal" "$WORK/x.db-shm"
  fi
  make_table "$1" "$2"
}

# Runs one measured command; sets RSS (MiB), WALL, CPU (s).
measure() { # what -- command...
  local what=$1
  shift 2
  /usr/bin/time -f '%M %e %U %S' -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" ||
    { say "$what failed: $(tail -3 "$WORK/err")"; exit 1; }
  read -r kb WALL u s <"$WORK/t"
  RSS=$(awk -v k="$kb" 'BEGIN {printf "%.0f", k / 1024}')
  CPU=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
}

# One command at each budget: a table row, and the targets at 128MiB.
row() { # shape cols file cmd budgets...
  local sh=$1 cols=$2 f=$3 cmd=$4
  shift 4
  local line="| $sh | $UNIQ | $SSTM | $cmd |" same=yes base_wall="" base_cpu="" base_sum="" b sum
  for b in $BUDGETS; do
    if [[ " $* " != *" $b "* ]]; then
      line="$line · |"
      continue
    fi
    local target=() table=businesses
    [ "$cols" -gt 9 ] && table=mem$cols && target=(--table "$table")
    case $cmd in
    cat) measure "cat $sh $b" -- "$S" cat --max-memory "$b" "$f" -o "$WORK/out.csv"
      sum=$(sha256sum <"$WORK/out.csv" | cut -c1-16) ;;
    dry-run) fresh sqlite "$cols"
      measure "import --dry-run $sh $b" -- "$S" import "$f" --dry-run --quiet \
        --max-memory "$b" --db "sqlite:$WORK/x.db" "${target[@]}"
      sum="" ;;
    sqlite) fresh sqlite "$cols"
      measure "import sqlite $sh $b" -- "$S" import "$f" --quiet --force --max-memory "$b" \
        --db "sqlite:$WORK/x.db" "${target[@]}"
      sum=$(table_sum sqlite "$cols" "$table") ;;
    pg) fresh pg "$cols"
      measure "import pg $sh $b" -- "$S" import "$f" --quiet --force --max-memory "$b" \
        --db "$PG" "${target[@]}"
      sum=$(table_sum pg "$cols" "$table") ;;
    esac
    [ "$b" = unlimited ] && base_wall=$WALL && base_cpu=$CPU && base_sum=$sum
    [ "$b" != unlimited ] && [ "$sum" != "$base_sum" ] && same=NO
    line="$line $RSS / $WALL / $CPU |"
    if [ "$b" = 128MiB ] && [ "$cols" -gt 9 ] || { [ "$b" = 256MiB ] && [ "$cols" = 9 ]; }; then
      local lim=160 ratio
      ratio=$(awk -v a="$WALL" -v b="${base_wall:-0}" -v c="$CPU" -v d="${base_cpu:-0}" \
        'BEGIN {printf "%.2f / %.2f", (b > 0 ? a / b : 0), (d > 0 ? c / d : 0)}')
      TARGETS+=("| $sh | $cmd | $b | $RSS $([ "$RSS" -le $lim ] && echo met || echo MISSED) | $ratio |")
    fi
  done
  [ "$cmd" = dry-run ] && same="-"
  echo "$line $same |"
  rm -f "$WORK/out.csv"
}

cmds="cat dry-run sqlite"
[ -n "$PG" ] && cmds="$cmds pg"
echo "### Peak RSS against rows, distinct strings and --max-memory"
echo
echo 'Shape C:N = N data rows of C text columns (`sheetload gen --seed 7`, plus `--text-columns C` for C > 9: the note columns are distinct in every cell, so the shared-strings table grows with the sheet). "strings" is the table'"'"'s uniqueCount, "sst MiB" its part'"'"'s inflated size. Each cell: peak RSS MiB (/usr/bin/time %M) / wall s / CPU s (user + sys); "·" = not run at that budget. Commands: `cat -o FILE`; `import --dry-run` (the whole pipeline but the database); `import` into SQLite and into PostgreSQL (`--force`, a fresh table of the shape'"'"'s columns: `businesses` for 9, `memC` of C text columns otherwise). "same": every budgeted output equals the unbounded one (cat: the CSV'"'"'s SHA-256; imports: the SHA-256 of the rows in email order). Spill files go to $TMPDIR.'
echo
printf '| shape | strings | sst MiB | command |'
for b in $BUDGETS; do printf ' %s |' "$b"; done
echo ' same |'
printf '|---|---:|---:|---|'
for b in $BUDGETS; do printf -- '---:|'; done
echo '---|'
for sh in $SHAPES; do
  cols=${sh%%:*} rows=${sh##*:}
  f="$FILES/m_${cols}_${rows}.xlsx"
  extra=()
  [ "$cols" -gt 9 ] && extra=(--text-columns "$cols")
  if [ ! -s "$f" ]; then
    say "gen $sh"
    "$S" gen --seed 7 -n "$rows" "${extra[@]}" -o "$f" >/dev/null 2>&1 || { say "gen $sh failed"; exit 1; }
  fi
  UNIQ=$(unzip -p "$f" xl/sharedStrings.xml | head -c 400 | grep -o 'uniqueCount="[0-9]*"' | grep -o '[0-9]*')
  sstb=$(unzip -lv "$f" | awk '$NF == "xl/sharedStrings.xml" {print $1}')
  SSTM=$(awk -v b="$sstb" 'BEGIN {printf "%.0f", b / 1048576}')
  for cmd in $cmds; do
    say "$cmd $sh"
    case $cmd in
    cat | dry-run) row "$sh" "$cols" "$f" "$cmd" $BUDGETS ;;
    *) row "$sh" "$cols" "$f" "$cmd" $DB_BUDGETS ;;
    esac
  done
  [ -n "${MEM_FILES:-}" ] || rm -f "$f"
done
if [ -z "$PG" ]; then
  echo
  echo "(No PostgreSQL: set MEM_PG or SHEETLOAD_TEST_PG for its rows.)"
fi
echo
echo "#### Issue 18's targets"
echo
echo "Peak RSS at most 160 MiB (the 30-column shapes at --max-memory 128MiB: the budget + 32 MiB; the 9-column ones at the default 256MiB: 160 MiB), and wall time at most 1.3 x the unbounded run's (\"x unbounded\": wall, then CPU seconds, which a busy machine disturbs less)."
echo
echo "| shape | command | budget | peak RSS MiB | x unbounded (wall / CPU) |"
echo "|---|---|---|---:|---:|"
for t in "${TARGETS[@]}"; do echo "$t"; done
echo
echo "Took $(($(date +%s) - T0)) s; load average $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end ($(nproc) CPUs)."
