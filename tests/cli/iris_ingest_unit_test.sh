#!/usr/bin/env bash
# Checks crontab/systemd/iris-ingest.service with `systemd-analyze verify`
# (ExecStart pointed at the built binary) and reports the exposure score of
# `systemd-analyze security --offline=yes`, failing above 2.5 (the most
# exposure a gbpm unit may have). Skips (77) without systemd-analyze.
set -euo pipefail
unit=$1
binary=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed; skipping"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#^ExecStart=/usr/local/bin/iris-ingest#ExecStart=$binary#" "$unit" >"$work/iris-ingest.service"
grep -q "^ExecStart=$binary" "$work/iris-ingest.service" || { echo "FAIL: ExecStart not found in $unit"; exit 1; }
for key in Type=notify WatchdogSec= Restart=on-failure ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes \
  PrivateTmp=yes StateDirectory=gbpm GBPM_HOME=/var/lib/gbpm 'CapabilityBoundingSet=$' \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' SystemCallFilter=@system-service LoadCredential= \
  EnvironmentFile=-/etc/gbpm/gbpm.env; do
  grep -q -- "$key" "$work/iris-ingest.service" || { echo "FAIL: $key missing"; exit 1; }
done
if ! out=$(systemd-analyze verify "$work/iris-ingest.service" 2>&1); then
  echo "FAIL: systemd-analyze verify:"; echo "$out"; exit 1
fi
if [[ -n "$out" ]]; then echo "FAIL: systemd-analyze verify warned:"; echo "$out"; exit 1; fi
echo "ok   systemd-analyze verify"
if sec=$(systemd-analyze security --offline=yes "$work/iris-ingest.service" 2>&1); then
  score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$sec")
  echo "exposure score: $score"
  [[ -n "$score" ]] || { echo "FAIL: no exposure score in:"; echo "$sec"; exit 1; }
  awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }' || { echo "FAIL: exposure $score > 2.5"; exit 1; }
else
  echo "systemd-analyze security --offline unsupported here; exposure not checked"
fi
