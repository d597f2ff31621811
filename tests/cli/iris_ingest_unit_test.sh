#!/usr/bin/env bash
# Checks crontab/systemd/iris-ingest.service with `systemd-analyze verify`
# (ExecStart pointed at the built binary) and reports the exposure score of
# `systemd-analyze security --offline=yes`, failing above 2.5 (the most
# exposure a gbpm unit may have). Skips (77) without systemd-analyze.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
unit=$1
binary=$2
need systemd-analyze
make_work
check_unit "$unit" "$binary" Type=notify WatchdogSec= Restart=on-failure ProtectSystem=strict ProtectHome=yes \
  NoNewPrivileges=yes PrivateTmp=yes StateDirectory=gbpm GBPM_HOME=/var/lib/gbpm 'CapabilityBoundingSet=$' \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' SystemCallFilter=@system-service LoadCredential= \
  EnvironmentFile=-/etc/gbpm/gbpm.env
