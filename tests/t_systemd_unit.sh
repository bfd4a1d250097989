#!/usr/bin/env bash
# t_systemd_unit.sh - systemd-analyze verify accepts the unit the build makes
# (packaging/sheetload.service.in), its man: links included, rates its
# hardening at most 2.0 with systemd-analyze security, and rejects a copy
# whose ExecStart names a missing binary (so the check is not blind).
# Skipped (exit 77) where systemd-analyze is absent.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIPPED: systemd-analyze is not installed"
  exit 77
fi
unit=$SL_BUILD/packaging/sheetload.service
[ -s "$unit" ] || fail "$unit was not generated"
grep -q '^ExecStart=/[^ ]*/sheetload serve --shutdown-timeout ${SHEETLOAD_SHUTDOWN_TIMEOUT} $SHEETLOAD_OPTS$' "$unit" ||
  fail "unexpected ExecStart: $(grep ExecStart "$unit")"
for k in DynamicUser=yes ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes \
  'EnvironmentFile=-/' TimeoutStopSec= TasksMax= LimitNOFILE= MemoryMax=; do
  grep -q "^$k" "$unit" || fail "the unit has no $k"
done
# The stop timeout must exceed the server's default shutdown timeout.
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
grace=$(sed -n 's/^Environment=SHEETLOAD_SHUTDOWN_TIMEOUT=\([0-9]*\)s$/\1/p' "$unit")
[ -n "$stop" ] && [ -n "$grace" ] && [ "$stop" -gt "$grace" ] ||
  fail "TimeoutStopSec ($stop) must exceed SHEETLOAD_SHUTDOWN_TIMEOUT ($grace)"
# verify checks that ExecStart is executable and that man: pages exist: point
# it at this build's binary and pages.
mkdir -p "$T/unit" "$T/man/man1"
ln -s "$SL_BUILD"/man/*.1 "$T/man/man1/"
sed "s|^ExecStart=[^ ]*/sheetload |ExecStart=$SHEETLOAD |" "$unit" >"$T/unit/sheetload.service"
MANPATH=$T/man systemd-analyze verify "$T/unit/sheetload.service" >"$T/out" 2>&1 ||
  fail "systemd-analyze verify: $(cat "$T/out")"
[ -s "$T/out" ] && fail "systemd-analyze verify warned: $(cat "$T/out")"
# The hardening, as systemd rates it: exposure at most 2.0 of 10 (it is 1.5);
# a copy without its dynamic user, read-only system and syscall filter is not.
MANPATH=$T/man systemd-analyze security --offline=yes --threshold=20 "$T/unit/sheetload.service" >"$T/out" 2>&1 ||
  fail "systemd-analyze security rates the unit above 2.0: $(tail -1 "$T/out")"
sed '/^DynamicUser=/d; /^ProtectSystem=/d; /^SystemCallFilter=/d' "$T/unit/sheetload.service" >"$T/unit/weak.service"
if MANPATH=$T/man systemd-analyze security --offline=yes --threshold=20 "$T/unit/weak.service" >"$T/out" 2>&1; then
  fail "systemd-analyze security --threshold=20 passed a weakened unit: the check is blind"
fi
sed "s|^ExecStart=[^ ]*/sheetload |ExecStart=$T/missing/sheetload |" "$unit" >"$T/unit/sheetload.service"
if MANPATH=$T/man systemd-analyze verify "$T/unit/sheetload.service" >"$T/out" 2>&1; then
  fail "systemd-analyze verify accepted a unit whose binary is missing"
fi
done_ok
