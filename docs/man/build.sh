#!/usr/bin/env bash
# build.sh SCDOC IN OUT VERSION - one man page from its scdoc source: the
# version goes into the footer, hyphenation is turned off (a page name such
# as sheetload-import(1) must not be split), and OUT.gz is written beside OUT.
set -euo pipefail
scdoc=$1 in=$2 out=$3 version=$4
sed "1s/\$/ \"sheetload $version\" \"sheetload manual\"/" "$in" | "$scdoc" |
  sed 's/^\.TH /.nr HY 0\n&/' >"$out.tmp"
mv "$out.tmp" "$out"
gzip -9n <"$out" >"$out.gz"
