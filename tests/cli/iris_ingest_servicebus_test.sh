#!/usr/bin/env bash
# End to end over HTTPS: fake-servicebus (standalone, its own CA) holding
# IRIS-shaped double-encoded messages → iris-ingest --source servicebus:...
# --once (Entra client credentials, the secret from a credentials file) →
# SQLite. Rows checked with sqlite3; the queue and dead-letter queue end empty.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ingest=$1
fake=$2
fixtures="${GBPM_FIXTURES:?GBPM_FIXTURES must point at tests/fixtures}/elexon/iris"
need sqlite3 curl python3
make_work
isolate_env
start_fake servicebus "$fake"
url=$fake_url
sb_send_fixtures "$url" "$fixtures"

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
read -r active dead < <(sb_counts "$url")
check "queue empty" 0 "$active"
check "dead-letter empty" 0 "$dead"
if grep -q fake-servicebus-secret "$work/err"; then fail "secret in the log"; fi
finish "iris-ingest servicebus"
