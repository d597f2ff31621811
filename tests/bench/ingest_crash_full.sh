#!/usr/bin/env bash
# The full crash-consistency run of issue 6 (reliability-anchors §B.2.1), for
# both sources; CI runs reduced forms (cli.iris_ingest_crash,
# cli.iris_ingest_servicebus_crash). 10,000 messages each, 50 kill -9 with
# restarts, then every message's records exactly once by natural key, the
# drop/queue and dead-letter queue empty, nothing valid quarantined.
#
#   tests/bench/ingest_crash_full.sh BUILD_DIR [MESSAGES=10000] [KILLS=50]
#   e.g. tests/bench/ingest_crash_full.sh build-ingest
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: ingest_crash_full.sh BUILD_DIR [MESSAGES] [KILLS]}
messages=${2:-10000}
kills=${3:-50}
ingest="$build/tools/iris-ingest"
fake="$build/tests/fakes/fake-servicebus/fake-servicebus"
[[ -x "$ingest" ]] || { echo "no $ingest: build the iris-ingest target"; exit 2; }
[[ -x "$fake" ]] || { echo "no $fake: build the fake-servicebus target"; exit 2; }
export GBPM_FIXTURES=${GBPM_FIXTURES:-/work/shared/fixtures}
status=0
echo "== dir: $messages messages, $kills kills"
start=$SECONDS
bash "$here/../cli/iris_ingest_crash_test.sh" "$ingest" "$messages" "$kills" || status=1
echo "   ($((SECONDS - start)) s)"
echo "== servicebus: $messages messages, $kills kills"
start=$SECONDS
bash "$here/../cli/iris_ingest_servicebus_crash_test.sh" "$ingest" "$fake" "$messages" "$kills" || status=1
echo "   ($((SECONDS - start)) s)"
exit $status
