#!/usr/bin/env bash
# make run: set up, build, generate a sample workbook and import it into the
# embedded default (sqlite:businesses.db). Each stage prints one line; a
# stage that fails prints its full log and the script exits non-zero. Then
# the import's summary and three next steps.
# Environment: ROWS (sample rows, 10000), JOBS (build jobs), CMAKE_OPTS.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=build/sheetload
logs=build/logs
mkdir -p "$logs"

# stage NAME LOG COMMAND...: runs COMMAND with its output in $logs/LOG.log.
stage() {
  local name=$1 log=$logs/$2.log
  shift 2
  printf '%-30s' "$name"
  local t0=$SECONDS rc=0
  "$@" >"$log" 2>&1 || rc=$?
  if [ $rc -eq 0 ]; then
    echo "ok ($((SECONDS - t0))s)"
    return 0
  fi
  echo "FAILED (exit $rc)"
  echo "---- $log" >&2
  cat "$log" >&2
  echo "----" >&2
  echo "make run: '$name' failed (exit $rc); its log is above and in $log" >&2
  exit 1
}

# shellcheck disable=SC2086
stage "installing packages" deps bash scripts/deps.sh
# shellcheck disable=SC2086
stage "configuring (Release)" configure cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${CMAKE_OPTS:-}
stage "building" build cmake --build build -j"${JOBS:-$(nproc)}"
stage "generating sample_data.xlsx" gen "$bin" gen --rows "${ROWS:-10000}" --bad 10 --seed 1 -o sample_data.xlsx
stage "importing" import "$bin" import sample_data.xlsx --force --quiet
echo
cat "$logs/import.log"
cat <<EOM

Next:
  1. Look at the rows:          sqlite3 businesses.db 'SELECT name, city, country FROM businesses LIMIT 5'
  2. Serve uploads:             $bin serve --db sqlite:businesses.db   then open http://127.0.0.1:8080/
                                or: curl -F file=@sample_data.xlsx http://127.0.0.1:8080/upload
  3. Import into PostgreSQL:    $bin import sample_data.xlsx --db postgres://USER@HOST/DBNAME
EOM
