#!/usr/bin/env bash
# make test: build and run every test in the Release, ASan+UBSan and TSan
# builds, against one throwaway PostgreSQL that is stopped whatever happens,
# then a short fuzz run of every target, and a Release build without ISA-L
# (zlib inflates) running the reader's tests only. Ends with the summary of
# each run.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
opts=()
[ "${CI:-}" = true ] && opts+=(-DSL_WERROR=ON)
summary=()
pass=0 fail=0

eval "$(scripts/pg-test.sh start)" || { echo "test: could not start PostgreSQL" >&2; exit 1; }
trap 'scripts/pg-test.sh stop' EXIT

run_build() { # name dir cmake-args...
  local name=$1 dir=$2; shift 2
  echo "=== $name: build ($dir)"
  if ! { cmake -S . -B "$dir" "$@" "${opts[@]}" >/dev/null && cmake --build "$dir" -j"$jobs" >"$dir.build.log" 2>&1; }; then
    cat "$dir.build.log" >&2
    summary+=("$name: BUILD FAILED"); fail=$((fail + 1)); return
  fi
  echo "=== $name: ctest"
  local out
  out=$(cd "$dir" && ctest --output-on-failure -j"${SL_TEST_JOBS:-2}" ${CTEST_REGEX:+-R "$CTEST_REGEX"} 2>&1)
  echo "$out"
  local line; line=$(echo "$out" | grep -E 'tests passed, [0-9]+ tests failed out of' | tail -1)
  summary+=("$name: ${line:-no ctest summary}")
  local n f; n=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/'); f=$(echo "$line" | sed -E 's/.*, ([0-9]+) tests failed.*/\1/')
  [[ "$n" =~ ^[0-9]+$ && "$f" =~ ^[0-9]+$ ]] || { n=1; f=1; }
  pass=$((pass + n - f)); fail=$((fail + f))
}

only=${SL_TEST_ONLY:-release asan tsan fuzz noisal}
for b in $only; do
  case $b in
  release) run_build release build -DCMAKE_BUILD_TYPE=Release ;;
  asan) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
          run_build asan build-asan -DCMAKE_BUILD_TYPE=Debug -DSL_SANITIZE=address ;;
  tsan) TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
          run_build tsan build-tsan -DCMAKE_BUILD_TYPE=Debug -DSL_SANITIZE=thread ;;
  noisal) CTEST_REGEX='read_|t_cat|xlsx' \
          run_build noisal build-noisal -DCMAKE_BUILD_TYPE=Release -DSL_ISAL=OFF ;;
  fuzz)
    if ls fuzz/fuzz_*.c >/dev/null 2>&1; then
      echo "=== fuzz: short run of every target on its seed corpus"
      if CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSL_FUZZ=ON "${opts[@]}" >/dev/null &&
         cmake --build build-fuzz -j"$jobs" >build-fuzz.build.log 2>&1 &&
         bash fuzz/run.sh "${SL_FUZZ_SECONDS:-15}"; then
        summary+=("fuzz: every target ran clean"); pass=$((pass + 1))
      else
        tail -50 build-fuzz.build.log >&2
        summary+=("fuzz: FAILED"); fail=$((fail + 1))
      fi
    fi ;;
  esac
done

echo
echo "=== summary"
for s in "${summary[@]}"; do echo "$s"; done
echo "total: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
