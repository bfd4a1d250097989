#!/usr/bin/env bash
# bench/rss.sh - peak RSS of two sheetload binaries side by side: `cat` and
# `import --dry-run` (and, with RSS_PG, an import into PostgreSQL) of the
# same generated files, from a 2-line CSV to 1M rows, as medians of REPS
# runs taken in turn (old, new, old, new...) so that a change of the
# machine's state touches both alike. Issue 13's "peak RSS no higher than
# before at any size" is read from its table: build the older commit in a
# worktree and give its binary first.
#   bench/rss.sh OLD_BINARY [NEW_BINARY]      (NEW: build/sheetload)
# Environment:
#   RSS_REPS=5            runs of each command and binary
#   RSS_SIZES="10000 100000 1000000"  rows of the xlsx files (shared strings;
#                         inline strings up to 100,000)
#   RSS_FILES=DIR         keep the generated files there and reuse them
#   RSS_PG=URL            also `import --db URL`: a throwaway database, whose
#                         businesses and sheetload_* tables are dropped before each run
# Prints markdown on stdout: KiB, and new minus old.
set -u
OLD=${1:?usage: bench/rss.sh OLD_BINARY [NEW_BINARY]}
NEW=${2:-build/sheetload}
REPS=${RSS_REPS:-5}
SIZES=${RSS_SIZES:-"10000 100000 1000000"}
for b in "$OLD" "$NEW"; do
  [ -x "$b" ] || { echo "rss.sh: no binary at $b" >&2; exit 1; }
done
OLD=$(realpath "$OLD")
NEW=$(realpath "$NEW")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sl-rss.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FILES=${RSS_FILES:-$WORK}
mkdir -p "$FILES" && FILES=$(realpath "$FILES")
cd "$WORK" || exit 1 # the dry runs name businesses.db; nothing is written

say() { echo "rss.sh: $*" >&2; }

# A new PostgreSQL table and ledger for the next run (the binaries' ledgers may differ).
pg_reset() {
  [ -n "${RSS_PG:-}" ] || return 0
  PGOPTIONS="-c client_min_messages=warning" psql "$RSS_PG" -XqAt -c \
    "DROP TABLE IF EXISTS businesses, sheetload_batches, sheetload_claims, sheetload_imports, sheetload_rejects CASCADE" >/dev/null
}

# gen's files (deterministic: --seed 7), made once.
gen() { # out rows [gen options]
  local out=$1 n=$2
  shift 2
  [ -s "$out" ] && return 0
  say "generating $out"
  "$NEW" gen --rows "$n" --seed 7 "$@" -o "$out.tmp.${out##*.}" >/dev/null &&
    mv "$out.tmp.${out##*.}" "$out"
}

# Peak RSS in KiB of one run of the command.
peak() {
  /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
}

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# One row of the table: the command's words after the binary, for both.
row() { # label words...
  local label=$1 i o n
  shift
  : >"$WORK/o"
  : >"$WORK/n"
  for ((i = 0; i < REPS; i++)); do
    pg_reset
    peak "$OLD" "$@" >>"$WORK/o"
    pg_reset
    peak "$NEW" "$@" >>"$WORK/n"
  done
  o=$(median <"$WORK/o")
  n=$(median <"$WORK/n")
  printf '| %s | %s | %s | %+d |\n' "$label" "$o" "$n" $((n - o))
  echo "$((n - o))" >>"$WORK/diffs"
}

printf 'name,city\nAcme,Oslo\n' >"$FILES/two.csv"
list=("two.csv|2-line CSV")
for n in $SIZES; do
  gen "$FILES/g$n.xlsx" "$n" || exit 1
  list+=("g$n.xlsx|$n rows, shared strings")
done
for n in $SIZES; do
  [ "$n" -le 100000 ] || continue
  gen "$FILES/i$n.xlsx" "$n" --inline-strings || exit 1
  list+=("i$n.xlsx|$n rows, inline strings")
done

echo "Peak RSS in KiB, median of $REPS runs each (\`/usr/bin/time -f %M\`), taken in turn;"
echo "old: \`$OLD\` ($("$OLD" --version 2>/dev/null | head -1)),"
echo "new: \`$NEW\` ($("$NEW" --version 2>/dev/null | head -1))."
echo
echo "| command | old | new | new − old |"
echo "|---|---:|---:|---:|"
for e in "${list[@]}"; do
  f=$FILES/${e%%|*}
  what=${e#*|}
  say "$what"
  row "cat, $what" cat "$f" -o /dev/null
  row "import --dry-run, $what" import "$f" --dry-run
  [ -n "${RSS_PG:-}" ] && row "import into PostgreSQL, $what" import "$f" --db "$RSS_PG" --quiet
done
echo
awk '$1 > 0 {n++; if ($1 > m) m = $1} END {
  if (n) printf "new above old in %d of %d rows, at most %d KiB\n", n, NR, m
  else printf "new at or below old in all %d rows\n", NR }' "$WORK/diffs"
