#!/usr/bin/env bash
# Installs the Debian packages sheetload needs to build, test, fuzz and bench,
# and does nothing when every one of them is already there.
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
  libexpat1-dev zlib1g-dev libzip-dev libisal-dev libpq-dev libsqlite3-dev
  libmicrohttpd-dev libjansson-dev libxlsxwriter-dev libgsf-1-dev nettle-dev
  postgresql-15 postgresql-client-15 sqlite3 curl unzip python3 procps util-linux
  valgrind hyperfine time jq
  scdoc man-db groff-base bash-completion systemd dpkg-dev lintian
  nodejs chromium
)
missing=()
# Debian's npm, unless a node that brings its own npm (NodeSource) is there.
command -v npm >/dev/null || pkgs+=(npm)
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The browser test's driver (puppeteer-core, pinned by the committed
# package-lock.json) drives Debian's /usr/bin/chromium: nothing downloads a
# browser. npm ci runs again only when the lock file changed.
browser_deps() {
  local dir; dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
  [ -f "$dir/package-lock.json" ] || return 0
  cmp -s "$dir/package-lock.json" "$dir/node_modules/.sl-lock" 2>/dev/null && return 0
  echo "deps: npm ci in $dir" >&2
  (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2) &&
    cp "$dir/package-lock.json" "$dir/node_modules/.sl-lock"
}
if [ ${#missing[@]} -eq 0 ]; then
  browser_deps
  exit 0
fi
echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# The server package must not start a cluster of its own on a CI machine.
if [ -n "$sudo" ] || [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
browser_deps
