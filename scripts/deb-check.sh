#!/usr/bin/env bash
# deb-check.sh - what a user of the .deb sees, on this machine: installs
# build/sheetload_*.deb with apt-get (which pulls its Depends), runs the
# installed /usr/bin/sheetload (--version, gen, an import into SQLite), checks
# the man pages, the unit and the settings file, then removes and purges the
# package, after lintian has nothing to say about it. CI runs it after
# 'make deb'. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "deb-check: FAIL: $*" >&2; exit 1; }
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
shopt -s nullglob
debs=(build/sheetload_*.deb)
[ ${#debs[@]} -eq 1 ] || fail "want one build/sheetload_*.deb (run 'make deb'), found ${#debs[@]}"
if dpkg-query -W -f='${Status}' sheetload 2>/dev/null | grep -q 'install ok installed'; then
  fail "sheetload is already installed here; remove it first (apt-get remove sheetload)"
fi
t=$(mktemp -d "${TMPDIR:-/tmp}/sl-deb.XXXXXX")
cleanup() {
  if dpkg-query -W sheetload >/dev/null 2>&1; then
    $sudo apt-get purge -y -qq -o DPkg::Lock::Timeout=600 sheetload >/dev/null 2>&1 || true
  fi
  rm -rf "$t"
}
trap cleanup EXIT

echo "deb-check: $(dpkg-deb -f "${debs[0]}" Package Version Depends | tr '\n' ' ')"
# Debian's own checks of the package, warnings included.
if ! lintian --fail-on error,warning --tag-display-limit 0 "${debs[0]}" >"$t/lintian" 2>&1; then
  fail "lintian: $(grep -v 'root privileges' "$t/lintian")"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 "./${debs[0]}" >"$t/apt.log" 2>&1 ||
  fail "apt-get install ./${debs[0]}: $(cat "$t/apt.log")"
[ "$(command -v sheetload)" = /usr/bin/sheetload ] || fail "sheetload on PATH is '$(command -v sheetload)'"
/usr/bin/sheetload --version
/usr/bin/sheetload --version | grep -qE '^libpq [0-9]' || fail "--version names no libpq"

cd "$t"
/usr/bin/sheetload gen --rows 100 --bad 2 -o s.xlsx >/dev/null
/usr/bin/sheetload import s.xlsx --db "sqlite:$t/ci.db" --json >stats.json || fail "import: $(cat stats.json)"
grep -q '"success_count":98' stats.json || fail "import stats: $(cat stats.json)"
[ "$(sqlite3 "$t/ci.db" 'SELECT count(*) FROM businesses')" = 98 ] || fail "the table does not hold 98 rows"
cd - >/dev/null

[ "$(man -w sheetload-import)" = /usr/share/man/man1/sheetload-import.1.gz ] ||
  fail "man -w sheetload-import: '$(man -w sheetload-import 2>&1)'"
unit=$(dpkg -L sheetload | grep '/sheetload\.service$')
[ -f "$unit" ] || fail "no unit in the package"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
fi
[ "$(stat -c %a /etc/sheetload/serve.env)" = 600 ] || fail "/etc/sheetload/serve.env is not mode 600"
dpkg-query -W -f='${Conffiles}\n' sheetload | grep -q /etc/sheetload/serve.env ||
  fail "/etc/sheetload/serve.env is not a conffile"
[ -f /usr/share/bash-completion/completions/sheetload ] || fail "no bash completion"

$sudo apt-get remove -y -qq -o DPkg::Lock::Timeout=600 sheetload >"$t/apt.log" 2>&1 ||
  fail "apt-get remove sheetload: $(cat "$t/apt.log")"
[ ! -e /usr/bin/sheetload ] || fail "/usr/bin/sheetload is still there after remove"
$sudo apt-get purge -y -qq -o DPkg::Lock::Timeout=600 sheetload >/dev/null 2>&1
[ ! -e /etc/sheetload/serve.env ] || fail "/etc/sheetload/serve.env is still there after purge"
echo "deb-check: ok (installed, ran, removed, purged)"
