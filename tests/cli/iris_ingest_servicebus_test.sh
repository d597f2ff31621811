#!/usr/bin/env bash
# End to end over HTTPS: fake-servicebus (standalone, its own CA) holding
# IRIS-shaped double-encoded messages → iris-ingest --source servicebus:...
# --once (Entra client credentials, the secret from a credentials file) →
# SQLite. Rows checked with sqlite3; the queue and dead-letter queue end empty.
set -euo pipefail
ingest=$1
fake=$2
fixtures="${GBPM_FIXTURES:?GBPM_FIXTURES must point at tests/fixtures}/elexon/iris"
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI not installed; skipping"; exit 77; }
command -v curl >/dev/null || { echo "curl CLI not installed; skipping"; exit 77; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export GBPM_HOME="$work/home"
unset GBPM_CONFIG GBPM_WAREHOUSE GBPM_IRIS_SOURCE GBPM_LOG_LEVEL GBPM_LOG_FORMAT NOTIFY_SOCKET WATCHDOG_USEC
failures=0
check() {
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
"$fake" --listen 127.0.0.1:0 --ca-out "$work/ca.pem" >"$work/fake.out" 2>"$work/fake.err" &
for _ in $(seq 100); do [[ -s "$work/fake.out" && -s "$work/ca.pem" ]] && break; sleep 0.1; done
url=$(head -1 "$work/fake.out")
[[ "$url" == https://* ]] || { echo "FAIL: fake-servicebus did not start"; cat "$work/fake.err"; exit 1; }
admin() { curl -sS --cacert "$work/ca.pem" "$@"; }
# The wire form: a JSON string literal holding the records, as IRIS sends them.
wire() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()), end="")' "$1"; }
for ds in FUELINST FREQ MELS BOALF; do
  wire "$fixtures/$ds.json" >"$work/$ds.wire"
  admin -X POST --data-binary @"$work/$ds.wire" \
    "$url/_fake/servicebus/queues/iris.test/messages?label=$ds&id=${ds}_202510271650_1.json" >/dev/null
done
printf '[{"dataset":"FREQ",' >"$work/bad"
admin -X POST --data-binary @"$work/bad" "$url/_fake/servicebus/queues/iris.test/messages?label=FREQ&id=FREQ_bad.json" >/dev/null

printf 'fake-servicebus-secret\n' >"$work/secret"
set +e
GBPM_SERVICEBUS_URL="$url" GBPM_AZURE_AUTHORITY_URL="$url" GBPM_CA_FILE="$work/ca.pem" \
  GBPM_IRIS_CLIENT_ID=11111111-2222-3333-4444-555555555555 GBPM_IRIS_CLIENT_SECRET_FILE="$work/secret" \
  "$ingest" --source servicebus:fake/iris.test --once --warehouse "sqlite:$work/gbpm.db" 2>"$work/err"
rc=$?
set -e
check "exit 0" 0 "$rc"
[[ $rc -eq 0 ]] || cat "$work/err"
q() { sqlite3 "$work/gbpm.db" "$1"; }
check "FUELINST rows" 19 "$(q 'SELECT count(*) FROM bmrs_fuelinst_iris')"
check "FREQ rows" 2 "$(q 'SELECT count(*) FROM bmrs_freq_iris')"
check "MELS rows" 2 "$(q 'SELECT count(*) FROM bmrs_mels_iris')"
check "BOALF rows" 1 "$(q 'SELECT count(*) FROM bmrs_boalf_iris')"
check "FREQ value" 50.017 "$(q "SELECT frequency FROM bmrs_freq_iris WHERE measurement_time LIKE '2026-05-07T23:59:45%'")"
check "malformed quarantined" 1 "$(q "SELECT count(*) FROM quarantine WHERE source_ref = 'servicebus:FREQ_bad.json'")"
state=$(admin "$url/_fake/servicebus/queues/iris.test")
check "queue empty" 0 "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["active"]))' "$state")"
check "dead-letter empty" 0 "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["dead_letter"]))' "$state")"
if grep -q fake-servicebus-secret "$work/err"; then echo "FAIL secret in the log"; failures=$((failures + 1)); fi
[[ $failures -eq 0 ]]
