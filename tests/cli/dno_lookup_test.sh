#!/usr/bin/env bash
# Black-box tests of dno-lookup against fake-postcodes and fake-google (over
# HTTPS, configured as a user configures production) and the synthetic
# licence areas and tariffs in tests/fixtures/dno.
#   dno_lookup_test.sh DNO_LOOKUP FAKE_POSTCODES FAKE_GOOGLE FIXTURES_DIR EXPECTED_DIR
# Checked: a postcode and an MPAN give the expected BESS cells byte for byte
# (rendered by the fake as --dry-run renders them, and as the dir: workbook's
# CSV), in exactly one write; stale band rows are cleared; Postcodes.io 404 →
# 65 naming the postcode, 500 storm and timeout → 75, each with the sheet
# unchanged; a point outside every area → 65; bad MPANs → 64; MPAN beats a
# disagreeing postcode with a warning; rates in effect on --as-of (a future
# row never used); CSV errors name FILE:LINE and store nothing; a bigquery:
# tariff warehouse and a missing GBPM_DNO_AREAS are config errors (78).
set -u
lookup=$1 fake_pc=$2 fake_google=$3 fx=$4 expected=$5
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
check_rc() { [ "$1" -eq "$2" ] && ok "$3 → $2" || fail "$3: exit $1, expected $2 ($(tail -n 3 "$work/err" 2>/dev/null))"; }

start_fake() {  # NAME BINARY ARGS... → sets url_NAME
  local name=$1 bin=$2 u=
  shift 2
  mkdir -p "$work/$name"
  "$bin" --ca-out "$work/$name.ca.pem" --state "$work/$name" "$@" >"$work/$name/out" 2>"$work/$name/err" &
  pids+=($!)
  for _ in $(seq 1 200); do
    u=$(head -n 1 "$work/$name/out" 2>/dev/null)
    [ -n "$u" ] && break
    sleep 0.05
  done
  [ -n "$u" ] || { echo "$name did not start: $(cat "$work/$name/err")" >&2; exit 1; }
  printf -v "url_$name" '%s' "$u"
}

export GBPM_HOME="$work/home"
export GBPM_WAREHOUSE="sqlite:$work/gbpm.db"
unset GBPM_DNO_SHEET GBPM_DNO_WAREHOUSE GBPM_CONFIG
asof=2026-06-01

# --- tariffs --------------------------------------------------------------------------
"$lookup" load-tariffs "$fx/rates.csv" "$fx/bands.csv" 2>"$work/err"
check_rc $? 0 "load-tariffs fixtures"
printf 'distributor_id,voltage,tariff,band,p_per_kwh,effective_from,effective_to\n14,LV,,Red,50,2026-05-01,\n14,LV,,Blue,1,2026-05-01,\n' >"$work/bad.csv"
"$lookup" load-tariffs "$work/bad.csv" 2>"$work/err"
check_rc $? 65 "load-tariffs bad row"
grep -q "bad.csv:3: band .*Blue" "$work/err" && ok "CSV error names FILE:LINE" || fail "CSV error: $(cat "$work/err")"
"$lookup" load-tariffs "$work/missing.csv" 2>"$work/err"
check_rc $? 64 "load-tariffs missing file"

# Rates in effect: the 2027 Red row is never used before 2027-04-01 (and the bad file stored nothing).
red() { "$lookup" --distributor 14 --as-of "$1" --json 2>"$work/err" | jq -r .rates_p_per_kwh.red; }
[ "$(red 2026-06-01)" = 10.456 ] && ok "Red on 2026-06-01 is 10.456 (bad CSV stored nothing)" || fail "Red 2026-06-01: $(red 2026-06-01)"
[ "$(red 2027-03-31)" = 10.456 ] && ok "Red on 2027-03-31 ignores the 2027-04-01 row" || fail "Red 2027-03-31: $(red 2027-03-31)"
[ "$(red 2027-04-01)" = 99.999 ] && ok "Red from 2027-04-01 is the new row" || fail "Red 2027-04-01: $(red 2027-04-01)"
[ "$(red 2025-06-01)" = 9.123 ] && ok "Red on 2025-06-01 is the 2025 row" || fail "Red 2025-06-01: $(red 2025-06-01)"

# --- MPANs ----------------------------------------------------------------------------
"$lookup" --mpan 1400000000002 2>"$work/err" >/dev/null
check_rc $? 64 "MPAN with a bad check digit"
grep -q "check digit" "$work/err" || fail "bad check digit not explained: $(cat "$work/err")"
"$lookup" --mpan 9912345678906 2>"$work/err" >/dev/null
check_rc $? 64 "MPAN with distributor id 99"
"$lookup" --mpan "S 05 801 A01 1400000000001" --as-of $asof --json >"$work/full.json" 2>"$work/err"
check_rc $? 0 "full 21-character MPAN"
[ "$(jq -r '[.distributor_id, .llfc, .rates_p_per_kwh.red] | @tsv' "$work/full.json")" = $'14\tA01\t11' ] &&
  ok "full MPAN: id 14, its LLFC A01's rates" || fail "full MPAN: $(cat "$work/full.json")"

# --- fakes ----------------------------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/key.pem" 2>/dev/null || exit 1
email=dno@gbpm-test.iam.gserviceaccount.com
jq -n --rawfile k "$work/key.pem" --arg e "$email" \
  '{type:"service_account", project_id:"gbpm-test", private_key_id:"0123456789abcdef", private_key:$k,
    client_email:$e, client_id:"112233", token_uri:"https://oauth2.invalid/token"}' >"$work/sa.json"
chmod 600 "$work/sa.json"
start_fake pc "$fake_pc"
start_fake google "$fake_google" --key-file "$work/sa.json"
cat "$work/pc.ca.pem" "$work/google.ca.pem" >"$work/ca.pem"
export GBPM_CA_FILE="$work/ca.pem" GBPM_POSTCODES_URL="$url_pc"
export GOOGLE_APPLICATION_CREDENTIALS="$work/sa.json" GBPM_GOOGLE_TOKEN_URL="$url_google/token"
export GBPM_SHEETS_URL="$url_google" GCE_METADATA_HOST=127.0.0.1:9
export GBPM_DNO_AREAS="$fx/areas_27700.geojson"
admin() { curl -sS --cacert "$work/ca.pem" "$@"; }
new_sheet() { admin -X POST "$url_google/_fake/sheets" -d '{"title":"bess","sheets":["BESS"]}' | jq -r .spreadsheetId; }
render() { admin "$url_google/_fake/sheets/$1/render?range=BESS%21A1%3AH20"; }
content() { admin "$url_google/_fake/sheets/$1" | jq -S .sheets; }
writes() { admin "$url_google/_fake/sheets/$1/stats" | jq -r .writeRequests; }
pc_requests() { admin "$url_pc/_fake/requests" | jq -r .count; }
fault() { admin -X POST "$url_pc/_fake/faults" -d "$1" >/dev/null; }
clear_faults() { admin -X DELETE "$url_pc/_fake/faults" >/dev/null; }

# --- postcode and MPAN → BESS cells, byte for byte --------------------------------------
id=$(new_sheet)
"$lookup" --postcode 'b1 1aa' --as-of $asof --sheet "gsheets:$id" 2>"$work/err"
check_rc $? 0 "postcode B1 1AA → gsheets"
[ "$(writes "$id")" = 1 ] && ok "one write request" || fail "write requests: $(writes "$id")"
render "$id" >"$work/b1.txt"
cmp -s "$work/b1.txt" "$expected/dno_bess_b1.txt" && ok "BESS cells for B1 1AA" ||
  fail "BESS cells for B1 1AA differ: $(diff "$expected/dno_bess_b1.txt" "$work/b1.txt" | head -n 12)"
# The same sheet, then an MPAN in area 16 (3 bands): the 6 rows of 14 are cleared.
"$lookup" --mpan 1600000000000 --as-of $asof --sheet "gsheets:$id" 2>"$work/err"
check_rc $? 0 "MPAN 1600000000000 → gsheets"
render "$id" >"$work/m16.txt"
cmp -s "$work/m16.txt" "$expected/dno_bess_mpan16.txt" && ok "BESS cells for the MPAN (old band rows cleared)" ||
  fail "BESS cells for the MPAN differ: $(diff "$expected/dno_bess_mpan16.txt" "$work/m16.txt" | head -n 12)"
[ "$(jq -r .exit_code "$GBPM_HOME/runs/dno-lookup.json")" = 0 ] || fail "run record exit code"
# The dir: workbook gets the same cells.
"$lookup" --postcode 'B1 1AA' --as-of $asof --sheet "dir:$work/wb" 2>"$work/err"
check_rc $? 0 "postcode B1 1AA → dir:"
cmp -s "$work/wb/BESS.csv" "$expected/dno_bess_b1.csv" && ok "BESS.csv for B1 1AA" ||
  fail "BESS.csv differs: $(diff "$expected/dno_bess_b1.csv" "$work/wb/BESS.csv" | head -n 12)"

# --- failures leave the sheet unchanged ------------------------------------------------
before=$(content "$id")
n0=$(pc_requests)
"$lookup" --postcode 'ZZ9 9ZZ' --as-of $asof --sheet "gsheets:$id" 2>"$work/err"
check_rc $? 65 "unknown postcode"
grep -q "ZZ9 9ZZ" "$work/err" && ok "the error names the postcode" || fail "unknown postcode error: $(cat "$work/err")"
[ "$(content "$id")" = "$before" ] && ok "sheet unchanged after 404" || fail "sheet changed after 404"
fault '{"method":"GET","path_prefix":"/postcodes/","count":10,"status":500,"body":"{\"status\":500,\"error\":\"boom\"}"}'
GBPM_RETRY_ATTEMPTS=2 "$lookup" --postcode 'B1 1AA' --as-of $asof --sheet "gsheets:$id" 2>"$work/err"
check_rc $? 75 "Postcodes.io 500"
[ "$(content "$id")" = "$before" ] && ok "sheet unchanged after 500" || fail "sheet changed after 500"
clear_faults
fault '{"method":"GET","path_prefix":"/postcodes/","count":3,"delay_ms":4000}'
GBPM_RETRY_ATTEMPTS=1 GBPM_HTTP_TIMEOUT=1s "$lookup" --postcode 'B1 1AA' --as-of $asof --sheet "gsheets:$id" 2>"$work/err"
check_rc $? 75 "Postcodes.io timeout"
[ "$(content "$id")" = "$before" ] && ok "sheet unchanged after a timeout" || fail "sheet changed after a timeout"
clear_faults
[ "$(pc_requests)" -gt "$n0" ] || fail "fake-postcodes saw no requests"
"$lookup" --postcode 'TR21 0HE' --as-of $asof 2>"$work/err" >/dev/null
check_rc $? 65 "postcode outside every area"
grep -q "outside every GB licence area" "$work/err" || fail "outside: $(cat "$work/err")"
"$lookup" --postcode 'BT1 1AA' --as-of $asof 2>"$work/err" >/dev/null
check_rc $? 65 "Northern Ireland postcode"

# --- MPAN wins; WGS84 areas; config errors ------------------------------------------------
"$lookup" --mpan 1600000000000 --postcode 'B1 1AA' --as-of $asof --json >"$work/both.json" 2>"$work/err"
check_rc $? 0 "MPAN and a disagreeing postcode"
[ "$(jq -r .distributor_id "$work/both.json")" = 16 ] && ok "the MPAN decides" || fail "both: $(cat "$work/both.json")"
grep -q "the MPAN decides" "$work/err" && ok "with a warning" || fail "no warning: $(cat "$work/err")"
for pc in 'B1 1AA:14' 'M1 1AE:16' 'SW1A 1AA:12'; do
  got=$(GBPM_DNO_AREAS="$fx/areas_4326.geojson" "$lookup" --postcode "${pc%:*}" --as-of $asof --json 2>"$work/err" |
    jq -r .distributor_id)
  [ "$got" = "${pc#*:}" ] && ok "WGS84 areas: ${pc%:*} → $got" || fail "WGS84 areas: ${pc%:*} → $got"
done
GBPM_DNO_AREAS= "$lookup" --postcode 'B1 1AA' 2>"$work/err" >/dev/null
check_rc $? 78 "postcode without GBPM_DNO_AREAS"
"$lookup" --distributor 14 --warehouse bigquery:gbpm-test/uk_energy 2>"$work/err" >/dev/null
check_rc $? 78 "bigquery: tariff warehouse"
grep -q "SQLite warehouse only" "$work/err" || fail "bigquery error: $(cat "$work/err")"
GBPM_POSTCODES_URL=http://example.com "$lookup" --distributor 14 2>"$work/err" >/dev/null
check_rc $? 78 "plain-http Postcodes.io URL"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "all dno-lookup checks passed"
