#!/usr/bin/env bash
# run.sh SECONDS - runs every libFuzzer target for SECONDS each (default 60)
# on its seeds, dictionary and a work corpus kept between runs (not in git),
# with ASan+UBSan. Any crash, leak, timeout or out-of-memory is copied into
# fuzz/regress/<target>/ (replayed by tests/test_read_fuzz_regress.c in
# every normal build) and makes the run fail.
# Build first: make fuzz-build (or CC=clang cmake -DSL_FUZZ=ON -B build-fuzz).
# Environment: SL_FUZZ_BUILD (default build-fuzz), SL_FUZZ_WORK (default
# $SL_FUZZ_BUILD/fuzz-work), SL_FUZZ_TARGETS (default: all of them).
set -uo pipefail
secs=${1:-60}
[[ "$secs" =~ ^[0-9]+$ ]] || { echo "usage: fuzz/run.sh SECONDS" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SL_FUZZ_BUILD:-$root/build-fuzz}
work=${SL_FUZZ_WORK:-$build/fuzz-work}
targets=${SL_FUZZ_TARGETS:-fuzz_xlsx fuzz_xls fuzz_csv fuzz_cellfmt fuzz_scan}
corpus_xlsx="$root/../shared/corpus/xlsx"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in $targets; do
  bin="$build/fuzz/$t"
  [ -x "$bin" ] || { echo "fuzz: $bin not built; run 'make fuzz-build'" >&2; exit 1; }
  case $t in
  fuzz_xlsx) dict=xlsx.dict max_len=65536 ;;
  fuzz_xls) dict=xls.dict max_len=65536 ;;
  fuzz_csv) dict=csv.dict max_len=8192 ;;
  fuzz_cellfmt) dict=cellfmt.dict max_len=256 ;;
  fuzz_scan) dict=scan.dict max_len=4096 ;;
  *) dict="" max_len=4096 ;;
  esac
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts" "$root/fuzz/regress/$t"
  # Seeds made at run time from the shared corpus (small files only).
  if [ "$t" = fuzz_xlsx ] && [ -d "$corpus_xlsx" ]; then
    find "$corpus_xlsx" -maxdepth 1 -name '*.xlsx' -size -64k -exec cp -n {} "$work/$t/corpus/" \;
  fi
  if [ "$t" = fuzz_xls ]; then
    find "$root/tests/corpus/xls" -maxdepth 1 -name '*.xls' -size -64k -exec cp -n {} "$work/$t/corpus/" \;
  fi
  echo "=== fuzz: $t for ${secs}s"
  "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=$max_len \
    ${dict:+-dict="$root/fuzz/$dict"} -artifact_prefix="$work/$t/artifacts/" -print_final_stats=1 \
    "$work/$t/corpus" "$root/fuzz/seeds/$t" "$root/fuzz/regress/$t" >"$work/$t/log" 2>&1
  rc=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$work/$t/log" | tr '\n' ' '
  echo
  shopt -s nullglob
  found=("$work/$t/artifacts/"{crash,leak,timeout,oom,slow-unit}-*)
  shopt -u nullglob
  if [ $rc -ne 0 ] || [ ${#found[@]} -gt 0 ]; then
    mkdir -p "$root/fuzz/regress/$t"
    for f in "${found[@]}"; do cp "$f" "$root/fuzz/regress/$t/"; rm -f "$f"; done
    echo "fuzz: $t FAILED (exit $rc); ${#found[@]} input(s) saved in fuzz/regress/$t/:" >&2
    grep -E 'ERROR|SUMMARY|runtime error' "$work/$t/log" | head -10 >&2
    failed=$((failed + 1))
  fi
done
[ $failed -eq 0 ] && echo "fuzz: every target ran clean" || { echo "fuzz: $failed target(s) failed" >&2; exit 1; }
