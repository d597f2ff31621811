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
ingest=$1
fake_sb=$2
fake_google=$3
fixtures="${GBPM_FIXTURES:?GBPM_FIXTURES must point at tests/fixtures}/elexon/iris"
for tool in curl jq openssl python3 sqlite3; do
  command -v "$tool" >/dev/null || { echo "$tool not installed; skipping"; exit 77; }
done
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export GBPM_HOME="$work/home"
unset GBPM_CONFIG GBPM_WAREHOUSE GBPM_IRIS_SOURCE GBPM_LOG_LEVEL GBPM_LOG_FORMAT NOTIFY_SOCKET WATCHDOG_USEC
unset GBPM_BIGQUERY_WRITE GBPM_BIGQUERY_SHIP_INTERVAL GBPM_BIGQUERY_SHIP_ROWS GBPM_BIGQUERY_JOBS_PER_DAY
failures=0
check() {
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
start_fake() {  # NAME OUT ARGS...
  local name=$1 out=$2
  shift 2
  "$@" --listen 127.0.0.1:0 --ca-out "$work/$name.ca.pem" >"$work/$name.out" 2>"$work/$name.err" &
  for _ in $(seq 200); do [[ -s "$work/$name.out" && -s "$work/$name.ca.pem" ]] && break; sleep 0.05; done
  local url
  url=$(head -1 "$work/$name.out")
  [[ "$url" == https://* ]] || { echo "FAIL: $name did not start"; cat "$work/$name.err"; exit 1; }
  printf -v "$out" '%s' "$url"
}

# A throwaway service-account key in Google's JSON key format.
email=ingest@gbpm-test.iam.gserviceaccount.com
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/key.pem" 2>/dev/null
jq -n --rawfile k "$work/key.pem" --arg e "$email" \
  '{type:"service_account", project_id:"gbpm-test", private_key_id:"0123456789abcdef", private_key:$k,
    client_email:$e, client_id:"112233", token_uri:"https://oauth2.invalid/token"}' >"$work/sa.json"
chmod 600 "$work/sa.json"

start_fake servicebus sb_url "$fake_sb"
start_fake google g_url "$fake_google" --key-file "$work/sa.json" --state "$work/google-state"
cat "$work/servicebus.ca.pem" "$work/google.ca.pem" >"$work/ca.pem"

sb() { curl -sS --cacert "$work/ca.pem" "$@"; }
# The wire form: a JSON string literal holding the records, as IRIS sends them.
wire() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()), end="")' "$1"; }
for ds in FUELINST FREQ MELS BOALF; do
  wire "$fixtures/$ds.json" >"$work/$ds.wire"
  sb -X POST --data-binary @"$work/$ds.wire" \
    "$sb_url/_fake/servicebus/queues/iris.test/messages?label=$ds&id=${ds}_202510271650_1.json" >/dev/null
done
printf '[{"dataset":"FREQ",' >"$work/bad"
sb -X POST --data-binary @"$work/bad" "$sb_url/_fake/servicebus/queues/iris.test/messages?label=FREQ&id=FREQ_bad.json" >/dev/null
printf '[{"dataset":"NEWTHING","value":1}]' >"$work/unknown"
sb -X POST --data-binary @"$work/unknown" \
  "$sb_url/_fake/servicebus/queues/iris.test/messages?label=NEWTHING&id=NEWTHING_1.json" >/dev/null

printf 'fake-servicebus-secret\n' >"$work/secret"
run_ingest() {
  GBPM_SERVICEBUS_URL="$sb_url" GBPM_AZURE_AUTHORITY_URL="$sb_url" GBPM_CA_FILE="$work/ca.pem" \
    GBPM_IRIS_CLIENT_ID=11111111-2222-3333-4444-555555555555 GBPM_IRIS_CLIENT_SECRET_FILE="$work/secret" \
    GOOGLE_APPLICATION_CREDENTIALS="$work/sa.json" GBPM_GOOGLE_TOKEN_URL="$g_url/token" GBPM_BIGQUERY_URL="$g_url" \
    GCE_METADATA_HOST=127.0.0.1:9 \
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
token=$(curl -sS --cacert "$work/ca.pem" "$g_url/token" \
  --data-urlencode grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer \
  --data-urlencode "assertion=$header.$claims.$signature" | jq -r .access_token)
[[ -n "$token" && "$token" != null ]] || { echo "FAIL: no token from fake-google"; exit 1; }
bqq() {  # SQL → the first cell of the first row
  jq -n --arg q "$1" '{query:$q, useLegacySql:false}' >"$work/query.json"
  curl -sS --cacert "$work/ca.pem" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
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
table=$(curl -sS --cacert "$work/ca.pem" -H "Authorization: Bearer $token" \
  "$g_url/bigquery/v2/projects/gbpm-test/datasets/iris_e2e/tables/bmrs_fuelinst_iris")
check "partitioned by day on settlement_date" "DAY settlement_date" \
  "$(jq -r '"\(.timePartitioning.type) \(.timePartitioning.field)"' <<<"$table")"
check "clustered on the key" "start_time,fuel_type" "$(jq -r '.clustering.fields | join(",")' <<<"$table")"

state=$(sb "$sb_url/_fake/servicebus/queues/iris.test")
check "queue empty" 0 "$(jq '.active | length' <<<"$state")"
check "dead-letter empty" 0 "$(jq '.dead_letter | length' <<<"$state")"
staging="$GBPM_HOME/bigquery/gbpm-test.iris_e2e.db"
check "staging store exists" yes "$([[ -f "$staging" ]] && echo yes || echo no)"
check "outbox drained" 0 "$(sqlite3 "$staging" 'SELECT count(*) FROM outbox')"
for secret in fake-servicebus-secret "$(sed -n 2p "$work/key.pem")"; do
  if grep -qF -- "$secret" "$work/err"; then echo "FAIL a secret in the log"; failures=$((failures + 1)); fi
done

# The same messages again: stored once, nothing new shipped.
for ds in FUELINST FREQ; do
  sb -X POST --data-binary @"$work/$ds.wire" \
    "$sb_url/_fake/servicebus/queues/iris.test/messages?label=$ds&id=${ds}_202510271650_1.json" >/dev/null
done
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
[[ $failures -eq 0 ]]
