#!/usr/bin/env bash
# Installs the Debian packages sheetload needs to build, test, fuzz and bench,
# and does nothing when every one of them is already there.
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libexpat1-dev zlib1g-dev libzip-dev libisal-dev libpq-dev libsqlite3-dev
  libmicrohttpd-dev libjansson-dev libxlsxwriter-dev
  postgresql-15 postgresql-client-15 sqlite3 curl unzip python3 procps util-linux
  valgrind hyperfine time jq
  scdoc man-db groff-base bash-completion systemd dpkg-dev
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
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
