#!/usr/bin/env bash
# End to end over HTTPS into BigQuery: fake-servicebus (IRIS-shaped,
# double-encoded fixture messages, plus a malformed body and an unknown
# dataset) → iris-ingest --once --warehouse bigquery:P/D → fake-google
# (token endpoint + BigQuery), configured the way production is:
# GOOGLE_APPLICATION_CREDENTIALS, GBPM_GOOGLE_TOKEN_URL, GBPM_BIGQUERY_URL,
# GBPM_CA_FILE. Rows are checked by querying the fake BigQuery with a token
# of our own (a JWT signed with openssl); the queue and dead-letter queue end
# empty; the staging store is drained; a second run ships nothing new.
#   iris_ingest_bigquery_test.sh IRIS_INGEST FAKE_SERVICEBUS FAKE_GOOGLE
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ingest=$1
fake_sb=$2
fake_google=$3
fixtures="${GBPM_FIXTURES:?GBPM_FIXTURES must point at tests/fixtures}/elexon/iris"
need curl jq openssl python3 sqlite3
make_work
isolate_env

email=ingest@gbpm-test.iam.gserviceaccount.com
make_service_account "$email"
start_fake servicebus "$fake_sb"
sb_url=$fake_url
start_fake google "$fake_google" --key-file "$work/sa.json" --state "$work/google-state"
g_url=$fake_url

sb_send_fixtures "$sb_url" "$fixtures"
printf '[{"dataset":"NEWTHING","value":1}]' >"$work/unknown"
sb_send "$sb_url" NEWTHING NEWTHING_1.json "$work/unknown"

printf 'fake-servicebus-secret\n' >"$work/secret"
use_fake_google "$g_url"
export GBPM_SERVICEBUS_URL="$sb_url" GBPM_AZURE_AUTHORITY_URL="$sb_url" \
  GBPM_IRIS_CLIENT_ID=11111111-2222-3333-4444-555555555555 GBPM_IRIS_CLIENT_SECRET_FILE="$work/secret"
run_ingest() {
  "$ingest" --source servicebus:fake/iris.test --once --warehouse bigquery:gbpm-test/iris_e2e 2>"$work/err"
}
set +e
run_ingest
rc=$?
set -e
check "exit 0" 0 "$rc"
[[ $rc -eq 0 ]] || cat "$work/err"

# Our own token for reading the fake BigQuery back: a JWT-bearer grant.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT","kid":"0123456789abcdef"}' | b64url)
claims=$(jq -cn --arg e "$email" --argjson n "$now" \
  '{iss:$e, scope:"https://www.googleapis.com/auth/bigquery", aud:"https://oauth2.googleapis.com/token",
    iat:$n, exp:($n + 600)}' | b64url)
signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign "$work/key.pem" | b64url)
token=$(fake_curl "$g_url/token" \
  --data-urlencode grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer \
  --data-urlencode "assertion=$header.$claims.$signature" | jq -r .access_token)
[[ -n "$token" && "$token" != null ]] || die "no token from fake-google"
bqq() {  # SQL → the first cell of the first row
  jq -n --arg q "$1" '{query:$q, useLegacySql:false}' >"$work/query.json"
  fake_curl -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary @"$work/query.json" "$g_url/bigquery/v2/projects/gbpm-test/queries" | tee "$work/query.out" |
    jq -r '.rows[0].f[0].v // "none"'
}
t() { echo "\`gbpm-test.iris_e2e.$1\`"; }
check "FUELINST rows" 19 "$(bqq "SELECT count(*) FROM $(t bmrs_fuelinst_iris)")"
check "FREQ rows" 2 "$(bqq "SELECT count(*) FROM $(t bmrs_freq_iris)")"
check "MELS rows" 2 "$(bqq "SELECT count(*) FROM $(t bmrs_mels_iris)")"
check "BOALF rows" 1 "$(bqq "SELECT count(*) FROM $(t bmrs_boalf_iris)")"
check "FREQ value" 50.017 \
  "$(bqq "SELECT frequency FROM $(t bmrs_freq_iris) WHERE measurement_time = TIMESTAMP '2026-05-07 23:59:45+00:00'")"
check "FUELINST CCGT" 15842 "$(bqq "SELECT generation FROM $(t bmrs_fuelinst_iris) WHERE fuel_type = 'CCGT'")"
check "lineage" "IRIS FUELINST_202510271650_1.json" \
  "$(bqq "SELECT CONCAT(source, ' ', message_id) FROM $(t bmrs_fuelinst_iris) LIMIT 1")"
check "malformed quarantined" 1 "$(bqq "SELECT count(*) FROM $(t quarantine) WHERE source_ref = 'servicebus:FREQ_bad.json'")"
check "unknown dataset kept raw" 1 "$(bqq "SELECT count(*) FROM $(t raw_messages) WHERE dataset = 'NEWTHING'")"
table=$(fake_curl -H "Authorization: Bearer $token" \
  "$g_url/bigquery/v2/projects/gbpm-test/datasets/iris_e2e/tables/bmrs_fuelinst_iris")
check "partitioned by day on settlement_date" "DAY settlement_date" \
  "$(jq -r '"\(.timePartitioning.type) \(.timePartitioning.field)"' <<<"$table")"
check "clustered on the key" "start_time,fuel_type" "$(jq -r '.clustering.fields | join(",")' <<<"$table")"

read -r active dead < <(sb_counts "$sb_url")
check "queue empty" 0 "$active"
check "dead-letter empty" 0 "$dead"
staging="$GBPM_HOME/bigquery/gbpm-test.iris_e2e.db"
check "staging store exists" yes "$([[ -f "$staging" ]] && echo yes || echo no)"
check "outbox drained" 0 "$(sqlite3 "$staging" 'SELECT count(*) FROM outbox')"
for secret in fake-servicebus-secret "$(sed -n 2p "$work/key.pem")"; do
  if grep -qF -- "$secret" "$work/err"; then fail "a secret in the log"; fi
done

# The same messages again: stored once, nothing new shipped.
for ds in FUELINST FREQ; do sb_send "$sb_url" "$ds" "${ds}_202510271650_1.json" "$work/$ds.wire"; done
set +e
run_ingest
rc=$?
set -e
check "replay exit 0" 0 "$rc"
# FREQ is immutable: a replay is ignored in staging and never re-shipped.
check "FREQ rows after replay" 2 "$(bqq "SELECT count(*) FROM $(t bmrs_freq_iris)")"
# FUELINST keeps the latest arrival of an equal version, so the replay's rows
# (same values, later received_at) are shipped again; readers de-duplicate by
# key and version, as the market queries do.
check "FUELINST keys after replay" 19 \
  "$(bqq "SELECT count(*) FROM (SELECT start_time, fuel_type FROM $(t bmrs_fuelinst_iris) GROUP BY start_time, fuel_type) k")"
check "FUELINST values after replay" 15842 \
  "$(bqq "SELECT MAX(generation) FROM $(t bmrs_fuelinst_iris) WHERE fuel_type = 'CCGT'")"
finish "iris-ingest bigquery"
