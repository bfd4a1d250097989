#!/usr/bin/env bash
# bench/memory.sh - peak RSS of 'sheetload cat' and 'sheetload import
# --dry-run' against rows and distinct shared strings, for memory budgets
# of 64, 128 and 256 MiB and unbounded (issue 18); every budgeted output is
# compared with the unbounded one (cmp). Prints a markdown section on stdout.
# Run by bench/run.sh (BENCH_ONLY=memory) or alone:
#   bench/memory.sh [BUILD_DIR]   (MEM_SHAPES="9:100000 30:20000 ..." to choose)
set -u
BUILD=${1:-build}
S=${SHEETLOAD:-$BUILD/sheetload}
[ -x "$S" ] || { echo "memory.sh: no binary at $S" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sl-membench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SHAPES=${MEM_SHAPES:-"9:100000 9:300000 9:1000000 30:50000 30:150000"}
BUDGETS=${MEM_BUDGETS:-"unlimited 256MiB 128MiB 64MiB"}

echo "### Peak RSS against rows, distinct strings and --max-memory"
echo
echo 'Shape C:N = N data rows of C text columns (`sheetload gen --seed 7`, plus `--text-columns 30` for C = 30: every note cell distinct). "strings" is the shared-strings table'"'"'s uniqueCount, "sst MiB" its part'"'"'s inflated size. Each cell: peak RSS MiB (/usr/bin/time %M) / wall s; "same" = the budgeted CSV is byte-identical to the unbounded one; "import" is `import --dry-run` (the whole pipeline but the database). The spill file went to $TMPDIR.'
echo
printf '| shape | strings | sst MiB | command |'
for b in $BUDGETS; do printf ' %s |' "$b"; done
echo ' same |'
printf '|---|---:|---:|---|'
for b in $BUDGETS; do printf -- '---:|'; done
echo '---|'
for sh in $SHAPES; do
  cols=${sh%%:*} rows=${sh##*:}
  f="$WORK/m_${cols}_${rows}.xlsx"
  extra=()
  [ "$cols" -gt 9 ] && extra=(--text-columns "$cols")
  "$S" gen --seed 7 -n "$rows" "${extra[@]}" -o "$f" >/dev/null 2>&1 || { echo "memory.sh: gen $sh failed" >&2; exit 1; }
  uniq=$(unzip -p "$f" xl/sharedStrings.xml | head -c 400 | grep -o 'uniqueCount="[0-9]*"' | grep -o '[0-9]*')
  sstb=$(unzip -lv "$f" | awk '$NF == "xl/sharedStrings.xml" {print $1}')
  sstm=$(awk -v b="$sstb" 'BEGIN {printf "%.0f", b / 1048576}')
  for cmd in cat import; do
    row="| $cols:$rows | $uniq | $sstm | $cmd |"
    same=yes
    for b in $BUDGETS; do
      if [ "$cmd" = cat ]; then
        /usr/bin/time -f '%M %e' -o "$WORK/t" "$S" cat --max-memory "$b" "$f" -o "$WORK/out.$b.csv" 2>"$WORK/err" ||
          { echo "memory.sh: cat $sh $b failed: $(cat "$WORK/err")" >&2; exit 1; }
        [ "$b" = unlimited ] || cmp -s "$WORK/out.unlimited.csv" "$WORK/out.$b.csv" || same=NO
      else
        /usr/bin/time -f '%M %e' -o "$WORK/t" "$S" import "$f" --dry-run --quiet --max-memory "$b" \
            --db "sqlite:$WORK/x.db" >/dev/null 2>"$WORK/err" ||
          { echo "memory.sh: import $sh $b failed: $(cat "$WORK/err")" >&2; exit 1; }
      fi
      read -r kb s <"$WORK/t"
      row="$row $(awk -v k="$kb" 'BEGIN {printf "%.0f", k / 1024}') / $s |"
    done
    [ "$cmd" = cat ] || same="-"
    echo "$row $same |"
  done
  rm -f "$f" "$WORK"/out.*.csv
done
