#!/usr/bin/env bash
# Crash consistency and poison handling of iris-ingest's servicebus: source,
# reduced for CI: the servicebus: half of tests/bench/ingest_crash_full.sh
# with MESSAGES messages and KILLS kills.
# fake-servicebus (HTTPS, SAS auth, short locks) is fed IRIS-shaped
# double-encoded messages of FREQ and FUELINST with unique keys, plus poison
# (1% malformed bodies, 0.5% records with a wrongly typed field) and 0.5%
# unknown datasets; iris-ingest is killed with -9 mid-drain KILLS times and
# restarted, then drained. Afterwards every valid message's records are
# present exactly once by natural key, the unknown ones are kept raw, only the
# poison is quarantined (with its error), the queue and the dead-letter queue
# are empty, and the SAS key is in no log.
#   iris_ingest_servicebus_crash_test.sh IRIS_INGEST FAKE_SERVICEBUS [MESSAGES=1500] [KILLS=4]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need sqlite3 python3 curl
CRASH_PROGRESS_OPTIONAL=1 exec bash "$(dirname "${BASH_SOURCE[0]}")/../bench/ingest_crash_full.sh" --only servicebus \
  --ingest "$1" --fake-servicebus "$2" "${3:-1500}" "${4:-4}"
