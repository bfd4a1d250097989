#!/usr/bin/env bash
# t_page.sh - the web page in a real browser: Debian's headless Chromium,
# driven by puppeteer-core (tests/browser, installed by scripts/deps.sh),
# against a real 'sheetload serve' with a token and the throwaway
# PostgreSQL: a wrong token, a PDF named .xlsx, the whole flow on a
# 2,000-row workbook with 10 bad rows (change a mapping, dry run, import,
# statistics, fix two rows in the table, import them once), the history,
# and a cancel during an import that then continues to the exact count.
# tests/browser/page.mjs checks the page and the database at each step and
# saves a screenshot of each in $SL_BUILD/page-screenshots. Skipped only
# when Chromium or node is not installed at all.
. "$SL_SRC/tests/lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM (scripts/deps.sh installs it)"
command -v node >/dev/null || skip "no node (scripts/deps.sh installs nodejs)"
B="$SL_SRC/tests/browser"
[ -d "$B/node_modules/puppeteer-core" ] || fail "puppeteer-core is not installed: run scripts/deps.sh (npm ci in tests/browser)"
ART="$SL_BUILD/page-screenshots"
rm -rf "$ART"
mkdir -p "$ART"

need_pg
pg_fresh_db
. "$SL_SRC/tests/serve/lib.sh" # after pg_fresh_db: both clean up at exit
export HOME="$T" # Chromium's profile and crash dumps stay in the temp dir

"$SHEETLOAD" gen --rows 2000 --bad 10 -o "$T/directory.xlsx" >/dev/null 2>&1 || fail "gen xlsx"
"$SHEETLOAD" gen --rows 30000 --seed 2 -o "$T/big.csv" >/dev/null 2>&1 || fail "gen csv"
printf '%%PDF-1.4\n%% a report, not a spreadsheet\n' >"$T/report.xlsx"
TOKEN=page-test-token-5d1c
SHEETLOAD_TOKEN=$TOKEN serve_start "$T/serve.log" --db "$DB"

env URL="$URL" ART="$ART" DB="$DB" TOKEN="$TOKEN" FILE="$T/directory.xlsx" BIGFILE="$T/big.csv" \
  NOTSHEET="$T/report.xlsx" WAIT_MS=$((WAIT * 1000)) CHROMIUM="$CHROMIUM" \
  STEPS=token,notsheet,flow,history,cancel node "$B/page.mjs" ||
  { tail -20 "$T/serve.log" >&2; fail "the page failed (screenshots in $ART)"; }
serve_stop
done_ok
