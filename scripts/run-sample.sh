#!/usr/bin/env bash
# make run: generate a sample spreadsheet and import it into the embedded
# default (sqlite:businesses.db), printing the statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/sheetload
if ! "$bin" gen --help >/dev/null 2>&1 || ! "$bin" import --help 2>/dev/null | grep -q -- '--db'; then
  "$bin" --help
  exit 0
fi
"$bin" gen --rows "${ROWS:-10000}" --bad 10 --seed 1 -o sample_data.xlsx
"$bin" import sample_data.xlsx --force
