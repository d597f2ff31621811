#!/usr/bin/env bash
# Black-box tests of dno-webhook with fake-postcodes and a dir: workbook.
#   dno_webhook_test.sh DNO_WEBHOOK DNO_LOOKUP FAKE_POSTCODES FIXTURES_DIR
# Checked: GET /health; unauthenticated, wrong-bearer and wrongly signed
# requests are 401 with nothing run (no Postcodes.io request, no sheet
# write); oversize bodies 413, malformed HTTP and JSON 400, bad fields 400,
# an unknown postcode 422 with the reason and no internals; bearer and HMAC
# both work and write the BESS tab exactly as dno-lookup does; 20 concurrent
# clicks give only 200/409 answers and leave the sheet equal to one
# sequential lookup; one log line per request, the secret never logged;
# SIGTERM → exit 0; no secret → 78.
set -u
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
webhook=$1 lookup=$2 fake_pc=$3 fx=$4
make_work
isolate_env
export GBPM_WAREHOUSE="sqlite:$work/gbpm.db"
"$lookup" load-tariffs "$fx/rates.csv" "$fx/bands.csv" 2>"$work/err" || die "load-tariffs failed: $(cat "$work/err")"

start_fake pc "$fake_pc" --state "$work/pc"
url_pc=$fake_url
export GBPM_CA_FILE="$work/ca.pem" GBPM_POSTCODES_URL="$url_pc" GBPM_DNO_AREAS="$fx/areas_27700.geojson"
pc_requests() { fake_curl "$url_pc/_fake/requests" | jq -r .count; }

# No secret: a config error before listening.
GBPM_DNO_SHEET="dir:$work/wb" "$webhook" --listen 127.0.0.1:0 2>"$work/err"
check_rc $? 78 "no secret → 78"

secret=0123456789abcdef0123456789abcdef
printf '%s\n' "$secret" >"$work/secret"
chmod 600 "$work/secret"
# A broken licence-area file is a config error at start, not a 500 per click.
printf '{"type":"FeatureCollection","features":[]}' >"$work/empty.geojson"
GBPM_DNO_AREAS="$work/empty.geojson" GBPM_DNO_SECRET_FILE="$work/secret" GBPM_DNO_SHEET="dir:$work/wb" \
  "$webhook" --listen 127.0.0.1:0 2>"$work/err"
check_rc $? 78 "bad GBPM_DNO_AREAS → 78 at start"

printf '%s\n' "$secret" >"$work/secret"
chmod 600 "$work/secret"
GBPM_DNO_SECRET_FILE="$work/secret" GBPM_DNO_SHEET="dir:$work/wb" "$webhook" --listen 127.0.0.1:0 2>"$work/log" &
wpid=$!
port=
listening() {  # sets port once the webhook has logged the address it listens on
  port=$(sed -n 's/.*msg=listening.*address=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log" | head -n 1)
  [ -n "$port" ]
}
wait_until 10 listening || die "dno-webhook did not start: $(cat "$work/log")"
base="http://127.0.0.1:$port"
post() {  # BODY [curl args...] → "STATUS BODY"
  local body=$1
  shift
  curl -sS -o "$work/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$body" \
    "$@" "$base/trigger-dno-lookup"
}
sig() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1; }

check "GET /health" '{"status":"ok"}' "$(curl -sS "$base/health")"

body='{"postcode":"B1 1AA","voltage":"LV"}'
n0=$(pc_requests)
code=$(post "$body")
if [ "$code" = 401 ]; then ok "no credentials → 401"; else fail "no credentials: HTTP $code $(cat "$work/resp")"; fi
code=$(post "$body" -H "Authorization: Bearer wrong$secret")
check "wrong bearer → 401" 401 "$code"
code=$(post "$body" -H "X-Gbpm-Signature: sha256=00")
check "wrong signature → 401" 401 "$code"
code=$(post '{"postcode":"M1 1AE"}' -H "X-Gbpm-Signature: sha256=$(sig "$body")")
check "401 for a signature of another body" 401 "$code"
check "nothing ran for unauthenticated requests (Postcodes.io requests)" "$n0" "$(pc_requests)"
if [ -e "$work/wb/BESS.csv" ]; then fail "the sheet was written by an unauthenticated request"; else ok "no sheet written"; fi

auth=(-H "Authorization: Bearer $secret")
code=$(post "$(head -c 20000 /dev/zero | tr '\0' ' ')" "${auth[@]}")
check "oversize body → 413" 413 "$code"
code=$(post '{"postcode":' "${auth[@]}")
check "malformed JSON → 400" 400 "$code"
contains "a JSON error body" "$(cat "$work/resp")" '"error"'
code=$(post '[1,2]' "${auth[@]}")
check "non-object JSON → 400" 400 "$code"
code=$(post '{"postcode":5}' "${auth[@]}")
check "wrong field type → 400" 400 "$code"
code=$(post '{"voltage":"LV"}' "${auth[@]}")
check "no postcode or MPAN → 400" 400 "$code"
code=$(post '{"mpan_id":"1400000000002"}' "${auth[@]}")
check "bad MPAN → 400" 400 "$code"
code=$(post '{"postcode":"ZZ9 9ZZ"}' "${auth[@]}")
if [ "$code" = 422 ] && grep -q "ZZ9 9ZZ" "$work/resp"; then
  ok "unknown postcode → 422 naming it"
else
  fail "unknown postcode: HTTP $code $(cat "$work/resp")"
fi
lacks "the response leaks no path" "$(cat "$work/resp")" "$work"
raw=$(printf 'POST /trigger-dno-lookup HTTP/1.1\r\nContent-Length: x\r\n\r\n' |
  timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; cat <&3" | head -n 1 | tr -d '\r')
if [[ "$raw" == "HTTP/1.1 400"* ]]; then ok "malformed HTTP → 400"; else fail "malformed HTTP: $raw"; fi
check "unknown path → 404" 404 "$(curl -sS -o /dev/null -w '%{http_code}' "$base/nope")"
if [ -e "$work/wb/BESS.csv" ]; then fail "a refused request wrote the sheet"; else ok "no refused request wrote the sheet"; fi

# Bearer, then HMAC: 200, and the tab equals what dno-lookup writes.
code=$(post "$body" "${auth[@]}")
if [ "$code" = 200 ] && [ "$(jq -r .distributor_id "$work/resp")" = 14 ]; then
  ok "bearer → 200, distributor 14"
else
  fail "bearer: HTTP $code $(cat "$work/resp")"
fi
code=$(post '{"mpan_id":1600000000000}' -H "X-Gbpm-Signature: sha256=$(sig '{"mpan_id":1600000000000}')")
if [ "$code" = 200 ] && [ "$(jq -r .distributor_id "$work/resp")" = 16 ]; then
  ok "HMAC, numeric mpan_id → 200, distributor 16"
else
  fail "HMAC: HTTP $code $(cat "$work/resp")"
fi
"$lookup" --postcode 'B1 1AA' --sheet "dir:$work/seq" 2>"$work/err" || fail "sequential dno-lookup failed"

# 20 concurrent clicks on a fresh workbook → only 200/409, sheet = one sequential lookup.
kill "$wpid"
wait "$wpid"
check "SIGTERM → exit 0" 0 "$?"
GBPM_DNO_SECRET_FILE="$work/secret" GBPM_DNO_SHEET="dir:$work/wb2" "$webhook" --listen "127.0.0.1:$port" 2>"$work/log2" &
wpid=$!
wait_until 10 curl -s -o /dev/null "$base/health" || die "dno-webhook did not restart: $(cat "$work/log2")"
clicks=()
for i in $(seq 1 20); do
  curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $secret" --data-binary "$body" \
    "$base/trigger-dno-lookup" >"$work/click.$i" &
  clicks+=("$!")
done
wait "${clicks[@]}"
statuses=$(cat "$work"/click.* | sort | uniq -c | tr -s ' ' | tr '\n' ';')
bad=$(cat "$work"/click.* | grep -c -v -x -e 200 -e 409)
if [ "$bad" -eq 0 ] && grep -q -x 200 "$work"/click.*; then ok "20 clicks: $statuses"; else fail "20 clicks: $statuses"; fi
if cmp -s "$work/wb2/BESS.csv" "$work/seq/BESS.csv"; then
  ok "sheet after 20 clicks = one sequential lookup"
else
  fail "sheet after 20 clicks differs: $(diff "$work/seq/BESS.csv" "$work/wb2/BESS.csv" | head)"
fi
lines=$(grep -c 'msg=request' "$work/log2")
if [ "$lines" -ge 21 ]; then ok "one log line per request ($lines)"; else fail "request log lines: $lines"; fi
lacks "the secret is not in the log" "$(cat "$work/log" "$work/log2")" "$secret"
kill "$wpid"
wait "$wpid"

finish dno-webhook
