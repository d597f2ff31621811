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
webhook=$1 lookup=$2 fake_pc=$3 fx=$4
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

export GBPM_HOME="$work/home"
export GBPM_WAREHOUSE="sqlite:$work/gbpm.db"
unset GBPM_DNO_SHEET GBPM_SHEET GBPM_DNO_WAREHOUSE GBPM_CONFIG GBPM_DNO_LISTEN
"$lookup" load-tariffs "$fx/rates.csv" "$fx/bands.csv" 2>"$work/err" || { echo "load-tariffs failed" >&2; exit 1; }

mkdir -p "$work/pc"
"$fake_pc" --ca-out "$work/pc.ca.pem" --state "$work/pc" >"$work/pc/out" 2>"$work/pc/err" &
pids+=($!)
url_pc=
for _ in $(seq 1 200); do
  url_pc=$(head -n 1 "$work/pc/out" 2>/dev/null)
  [ -n "$url_pc" ] && break
  sleep 0.05
done
[ -n "$url_pc" ] || { echo "fake-postcodes did not start" >&2; exit 1; }
export GBPM_CA_FILE="$work/pc.ca.pem" GBPM_POSTCODES_URL="$url_pc" GBPM_DNO_AREAS="$fx/areas_27700.geojson"
pc_requests() { curl -sS --cacert "$work/pc.ca.pem" "$url_pc/_fake/requests" | jq -r .count; }

# No secret: a config error before listening.
GBPM_DNO_SHEET="dir:$work/wb" "$webhook" --listen 127.0.0.1:0 2>"$work/err"
rc=$?
[ $rc -eq 78 ] && ok "no secret → 78" || fail "no secret: exit $rc"

secret=0123456789abcdef0123456789abcdef
printf '%s\n' "$secret" >"$work/secret"
chmod 600 "$work/secret"
# A broken licence-area file is a config error at start, not a 500 per click.
printf '{"type":"FeatureCollection","features":[]}' >"$work/empty.geojson"
GBPM_DNO_AREAS="$work/empty.geojson" GBPM_DNO_SECRET_FILE="$work/secret" GBPM_DNO_SHEET="dir:$work/wb" \
  "$webhook" --listen 127.0.0.1:0 2>"$work/err"
rc=$?
[ $rc -eq 78 ] && ok "bad GBPM_DNO_AREAS → 78 at start" || fail "bad GBPM_DNO_AREAS: exit $rc"

printf '%s\n' "$secret" >"$work/secret"
chmod 600 "$work/secret"
GBPM_DNO_SECRET_FILE="$work/secret" GBPM_DNO_SHEET="dir:$work/wb" "$webhook" --listen 127.0.0.1:0 2>"$work/log" &
wpid=$!
pids+=($wpid)
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/.*msg=listening.*address=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "dno-webhook did not start: $(cat "$work/log")" >&2; exit 1; }
base="http://127.0.0.1:$port"
post() {  # BODY [curl args...] → "STATUS BODY"
  local body=$1
  shift
  curl -sS -o "$work/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$body" \
    "$@" "$base/trigger-dno-lookup"
}
sig() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1; }

[ "$(curl -sS "$base/health")" = '{"status":"ok"}' ] && ok "GET /health" || fail "GET /health"

body='{"postcode":"B1 1AA","voltage":"LV"}'
n0=$(pc_requests)
code=$(post "$body")
[ "$code" = 401 ] && ok "no credentials → 401" || fail "no credentials: HTTP $code $(cat "$work/resp")"
code=$(post "$body" -H "Authorization: Bearer wrong$secret")
[ "$code" = 401 ] && ok "wrong bearer → 401" || fail "wrong bearer: HTTP $code"
code=$(post "$body" -H "X-Gbpm-Signature: sha256=00")
[ "$code" = 401 ] && ok "wrong signature → 401" || fail "wrong signature: HTTP $code"
code=$(post '{"postcode":"M1 1AE"}' -H "X-Gbpm-Signature: sha256=$(sig "$body")")
[ "$code" = 401 ] && ok "401 for a signature of another body" || fail "signature of another body: HTTP $code"
[ "$(pc_requests)" = "$n0" ] && ok "nothing ran for unauthenticated requests" || fail "Postcodes.io was called"
[ -e "$work/wb/BESS.csv" ] && fail "the sheet was written by an unauthenticated request" || ok "no sheet written"

auth=(-H "Authorization: Bearer $secret")
code=$(post "$(head -c 20000 /dev/zero | tr '\0' ' ')" "${auth[@]}")
[ "$code" = 413 ] && ok "oversize body → 413" || fail "oversize: HTTP $code"
code=$(post '{"postcode":' "${auth[@]}")
[ "$code" = 400 ] && ok "malformed JSON → 400" || fail "malformed JSON: HTTP $code"
grep -q '"error"' "$work/resp" || fail "no JSON error body: $(cat "$work/resp")"
code=$(post '[1,2]' "${auth[@]}")
[ "$code" = 400 ] && ok "non-object JSON → 400" || fail "array: HTTP $code"
code=$(post '{"postcode":5}' "${auth[@]}")
[ "$code" = 400 ] && ok "wrong field type → 400" || fail "postcode:5: HTTP $code"
code=$(post '{"voltage":"LV"}' "${auth[@]}")
[ "$code" = 400 ] && ok "no postcode or MPAN → 400" || fail "no input: HTTP $code"
code=$(post '{"mpan_id":"1400000000002"}' "${auth[@]}")
[ "$code" = 400 ] && ok "bad MPAN → 400" || fail "bad MPAN: HTTP $code"
code=$(post '{"postcode":"ZZ9 9ZZ"}' "${auth[@]}")
[ "$code" = 422 ] && grep -q "ZZ9 9ZZ" "$work/resp" && ok "unknown postcode → 422 naming it" ||
  fail "unknown postcode: HTTP $code $(cat "$work/resp")"
grep -q "$work" "$work/resp" && fail "a response leaks a path: $(cat "$work/resp")"
raw=$(printf 'POST /trigger-dno-lookup HTTP/1.1\r\nContent-Length: x\r\n\r\n' |
  timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; cat <&3" | head -n 1 | tr -d '\r')
[[ "$raw" == "HTTP/1.1 400"* ]] && ok "malformed HTTP → 400" || fail "malformed HTTP: $raw"
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$base/nope")" = 404 ] && ok "unknown path → 404" || fail "unknown path"
[ -e "$work/wb/BESS.csv" ] && fail "a refused request wrote the sheet"

# Bearer, then HMAC: 200, and the tab equals what dno-lookup writes.
code=$(post "$body" "${auth[@]}")
[ "$code" = 200 ] && [ "$(jq -r .distributor_id "$work/resp")" = 14 ] && ok "bearer → 200, distributor 14" ||
  fail "bearer: HTTP $code $(cat "$work/resp")"
code=$(post '{"mpan_id":1600000000000}' -H "X-Gbpm-Signature: sha256=$(sig '{"mpan_id":1600000000000}')")
[ "$code" = 200 ] && [ "$(jq -r .distributor_id "$work/resp")" = 16 ] && ok "HMAC, numeric mpan_id → 200, distributor 16" ||
  fail "HMAC: HTTP $code $(cat "$work/resp")"
"$lookup" --postcode 'B1 1AA' --sheet "dir:$work/seq" 2>"$work/err" || fail "sequential dno-lookup failed"

# 20 concurrent clicks on a fresh workbook → only 200/409, sheet = one sequential lookup.
kill "$wpid"
wait "$wpid"
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM → exit 0" || fail "SIGTERM: exit $rc"
GBPM_DNO_SECRET_FILE="$work/secret" GBPM_DNO_SHEET="dir:$work/wb2" "$webhook" --listen "127.0.0.1:$port" 2>"$work/log2" &
wpid=$!
pids+=($wpid)
for _ in $(seq 1 200); do
  curl -s -o /dev/null "$base/health" && break
  sleep 0.05
done
clicks=()
for i in $(seq 1 20); do
  curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $secret" --data-binary "$body" \
    "$base/trigger-dno-lookup" >"$work/click.$i" &
  clicks+=($!)
done
wait "${clicks[@]}"
statuses=$(cat "$work"/click.* | sort | uniq -c | tr -s ' ' | tr '\n' ';')
bad=$(cat "$work"/click.* | grep -v -x -e 200 -e 409 | wc -l)
[ "$bad" -eq 0 ] && grep -q -x 200 "$work"/click.* && ok "20 clicks: $statuses" || fail "20 clicks: $statuses"
cmp -s "$work/wb2/BESS.csv" "$work/seq/BESS.csv" && ok "sheet after 20 clicks = one sequential lookup" ||
  fail "sheet after 20 clicks differs: $(diff "$work/seq/BESS.csv" "$work/wb2/BESS.csv" | head)"
lines=$(grep -c 'msg=request' "$work/log2")
[ "$lines" -ge 21 ] && ok "one log line per request ($lines)" || fail "request log lines: $lines"
grep -q "$secret" "$work/log" "$work/log2" && fail "the secret is in the log"
kill "$wpid"
wait "$wpid"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "all dno-webhook checks passed"
