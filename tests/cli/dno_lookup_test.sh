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
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lookup=$1 fake_pc=$2 fake_google=$3 fx=$4 expected=$5
make_work
isolate_env
export GBPM_WAREHOUSE="sqlite:$work/gbpm.db"
asof=2026-06-01

# --- tariffs --------------------------------------------------------------------------
"$lookup" load-tariffs "$fx/rates.csv" "$fx/bands.csv" 2>"$work/err"
check_rc $? 0 "load-tariffs fixtures"
printf 'distributor_id,voltage,tariff,band,p_per_kwh,effective_from,effective_to\n14,LV,,Red,50,2026-05-01,\n14,LV,,Blue,1,2026-05-01,\n' >"$work/bad.csv"
"$lookup" load-tariffs "$work/bad.csv" 2>"$work/err"
check_rc $? 65 "load-tariffs bad row"
if grep -q "bad.csv:3: band .*Blue" "$work/err"; then ok "CSV error names FILE:LINE"; else fail "CSV error: $(cat "$work/err")"; fi
"$lookup" load-tariffs "$work/missing.csv" 2>"$work/err"
check_rc $? 64 "load-tariffs missing file"

# Rates in effect: the 2027 Red row is never used before 2027-04-01 (and the bad file stored nothing).
red() { "$lookup" --distributor 14 --as-of "$1" --json 2>"$work/err" | jq -r .rates_p_per_kwh.red; }
check "Red on 2026-06-01 is 10.456 (bad CSV stored nothing)" 10.456 "$(red 2026-06-01)"
check "Red on 2027-03-31 ignores the 2027-04-01 row" 10.456 "$(red 2027-03-31)"
check "Red from 2027-04-01 is the new row" 99.999 "$(red 2027-04-01)"
check "Red on 2025-06-01 is the 2025 row" 9.123 "$(red 2025-06-01)"

# --- MPANs ----------------------------------------------------------------------------
"$lookup" --mpan 1400000000002 2>"$work/err" >/dev/null
check_rc $? 64 "MPAN with a bad check digit"
contains "bad check digit explained" "$(cat "$work/err")" "check digit"
"$lookup" --mpan 9912345678906 2>"$work/err" >/dev/null
check_rc $? 64 "MPAN with distributor id 99"
"$lookup" --mpan "S 05 801 A01 1400000000001" --as-of $asof --json >"$work/full.json" 2>"$work/err"
check_rc $? 0 "full 21-character MPAN"
check "full MPAN: id 14, its LLFC A01's rates" $'14\tA01\t11' \
  "$(jq -r '[.distributor_id, .llfc, .rates_p_per_kwh.red] | @tsv' "$work/full.json")"

# --- fakes ----------------------------------------------------------------------------
make_service_account dno@gbpm-test.iam.gserviceaccount.com
start_fake pc "$fake_pc" --state "$work/pc"
url_pc=$fake_url
start_fake google "$fake_google" --key-file "$work/sa.json" --state "$work/google"
url_google=$fake_url
use_fake_google "$url_google"
export GBPM_POSTCODES_URL="$url_pc" GBPM_DNO_AREAS="$fx/areas_27700.geojson"
admin() { fake_curl "$@"; }
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
check "one write request" 1 "$(writes "$id")"
render "$id" >"$work/b1.txt"
if cmp -s "$work/b1.txt" "$expected/dno_bess_b1.txt"; then
  ok "BESS cells for B1 1AA"
else
  fail "BESS cells for B1 1AA differ: $(diff "$expected/dno_bess_b1.txt" "$work/b1.txt" | head -n 12)"
fi
# The same sheet, then an MPAN in area 16 (3 bands): the 6 rows of 14 are cleared.
"$lookup" --mpan 1600000000000 --as-of $asof --sheet "gsheets:$id" 2>"$work/err"
check_rc $? 0 "MPAN 1600000000000 → gsheets"
render "$id" >"$work/m16.txt"
if cmp -s "$work/m16.txt" "$expected/dno_bess_mpan16.txt"; then
  ok "BESS cells for the MPAN (old band rows cleared)"
else
  fail "BESS cells for the MPAN differ: $(diff "$expected/dno_bess_mpan16.txt" "$work/m16.txt" | head -n 12)"
fi
check "run record exit code" 0 "$(jq -r .exit_code "$GBPM_HOME/runs/dno-lookup.json")"
# The dir: workbook gets the same cells.
"$lookup" --postcode 'B1 1AA' --as-of $asof --sheet "dir:$work/wb" 2>"$work/err"
check_rc $? 0 "postcode B1 1AA → dir:"
if cmp -s "$work/wb/BESS.csv" "$expected/dno_bess_b1.csv"; then
  ok "BESS.csv for B1 1AA"
else
  fail "BESS.csv differs: $(diff "$expected/dno_bess_b1.csv" "$work/wb/BESS.csv" | head -n 12)"
fi

# --- failures leave the sheet unchanged ------------------------------------------------
before=$(content "$id")
n0=$(pc_requests)
"$lookup" --postcode 'ZZ9 9ZZ' --as-of $asof --sheet "gsheets:$id" 2>"$work/err"
check_rc $? 65 "unknown postcode"
contains "the error names the postcode" "$(cat "$work/err")" "ZZ9 9ZZ"
check "sheet unchanged after 404" "$before" "$(content "$id")"
fault '{"method":"GET","path_prefix":"/postcodes/","count":10,"status":500,"body":"{\"status\":500,\"error\":\"boom\"}"}'
GBPM_RETRY_ATTEMPTS=2 "$lookup" --postcode 'B1 1AA' --as-of $asof --sheet "gsheets:$id" 2>"$work/err"
check_rc $? 75 "Postcodes.io 500"
check "sheet unchanged after 500" "$before" "$(content "$id")"
clear_faults
fault '{"method":"GET","path_prefix":"/postcodes/","count":3,"delay_ms":4000}'
GBPM_RETRY_ATTEMPTS=1 GBPM_HTTP_TIMEOUT=1s "$lookup" --postcode 'B1 1AA' --as-of $asof --sheet "gsheets:$id" 2>"$work/err"
check_rc $? 75 "Postcodes.io timeout"
check "sheet unchanged after a timeout" "$before" "$(content "$id")"
clear_faults
if [ "$(pc_requests)" -gt "$n0" ]; then ok "fake-postcodes saw the requests"; else fail "fake-postcodes saw no requests"; fi
"$lookup" --postcode 'TR21 0HE' --as-of $asof 2>"$work/err" >/dev/null
check_rc $? 65 "postcode outside every area"
contains "outside explained" "$(cat "$work/err")" "outside every GB licence area"
"$lookup" --postcode 'BT1 1AA' --as-of $asof 2>"$work/err" >/dev/null
check_rc $? 65 "Northern Ireland postcode"

# --- MPAN wins; WGS84 areas; config errors ------------------------------------------------
"$lookup" --mpan 1600000000000 --postcode 'B1 1AA' --as-of $asof --json >"$work/both.json" 2>"$work/err"
check_rc $? 0 "MPAN and a disagreeing postcode"
check "the MPAN decides" 16 "$(jq -r .distributor_id "$work/both.json")"
contains "with a warning" "$(cat "$work/err")" "the MPAN decides"
for pc in 'B1 1AA:14' 'M1 1AE:16' 'SW1A 1AA:12'; do
  got=$(GBPM_DNO_AREAS="$fx/areas_4326.geojson" "$lookup" --postcode "${pc%:*}" --as-of $asof --json 2>"$work/err" |
    jq -r .distributor_id)
  check "WGS84 areas: ${pc%:*}" "${pc#*:}" "$got"
done
GBPM_DNO_AREAS='' "$lookup" --postcode 'B1 1AA' 2>"$work/err" >/dev/null
check_rc $? 78 "postcode without GBPM_DNO_AREAS"
"$lookup" --distributor 14 --warehouse bigquery:gbpm-test/uk_energy 2>"$work/err" >/dev/null
check_rc $? 78 "bigquery: tariff warehouse"
contains "bigquery error explained" "$(cat "$work/err")" "SQLite warehouse only"
GBPM_POSTCODES_URL=http://example.com "$lookup" --distributor 14 2>"$work/err" >/dev/null
check_rc $? 78 "plain-http Postcodes.io URL"

finish dno-lookup
