#!/usr/bin/env bash
# t_page.sh - the web page in a real browser: Debian's headless Chromium,
# driven by puppeteer-core (tests/browser, installed by scripts/deps.sh),
# against a real 'sheetload serve' and the throwaway PostgreSQL. Screenshots
# of every step go to $SL_BUILD/page-screenshots. Skipped only when
# Chromium or node is not installed at all.
. "$SL_SRC/tests/lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM (scripts/deps.sh installs it)"
command -v node >/dev/null || skip "no node (scripts/deps.sh installs nodejs)"
B="$SL_SRC/tests/browser"
[ -d "$B/node_modules/puppeteer-core" ] || fail "puppeteer-core is not installed: run scripts/deps.sh (npm ci in tests/browser)"
ART="$SL_BUILD/page-screenshots"
rm -rf "$ART"
mkdir -p "$ART"
export HOME="$T" # Chromium's profile and crash dumps stay in the temp dir

# browse STEPS [VAR=VALUE...]: runs tests/browser/page.mjs on the parts.
browse() {
  local steps=$1; shift
  env URL="$URL" ART="$ART" STEPS="$steps" WAIT_MS=$((${WAIT:-60} * 1000)) "$@" \
    node "$B/page.mjs" || fail "browser parts '$steps' failed (screenshots in $ART)"
}

need_pg
pg_fresh_db
. "$SL_SRC/tests/serve/lib.sh" # after pg_fresh_db: both clean up at exit
serve_start "$T/serve.log" --db "$DB"
browse smoke
serve_stop
done_ok
