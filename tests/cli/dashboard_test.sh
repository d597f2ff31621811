#!/usr/bin/env bash
# Black-box golden tests of the five dashboard tools: real processes, one
# fixture warehouse (tests/cli/dashboard_fixture.cpp, 2025-10-26, the
# 50-period day), --as-of, the dir: workbook (CSV per tab) and stdout.
#   dashboard_test.sh DASHBOARD_FIXTURE LAYOUT_UPDATE OUTAGES_UPDATE DAILY_KPI REALTIME_DASHBOARD GSP_UPDATE
# Exit-code contract checked here: 0 for a run that wrote (also for an empty
# warehouse, which writes "no data" cells), 78 for a missing warehouse file or
# a bad --sheet URI.
set -u
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fixture=$1 layout=$2 outages=$3 daily=$4 realtime=$5 gsp=$6
tools=("$layout" "$outages" "$daily" "$realtime" "$gsp")
make_work
isolate_env
# line FILE N: line N of a CSV without its CR.
line() { sed -n "${2}p" "$1" | tr -d '\r'; }
# expect FILE N TEXT: line N is exactly TEXT.
expect() { [ "$(line "$1" "$2")" = "$3" ] || fail "$(basename "$1") row $2: got [$(line "$1" "$2")], expected [$3]"; }
# expect_prefix FILE N TEXT: line N starts with TEXT.
expect_prefix() { [[ "$(line "$1" "$2")" == "$3"* ]] || fail "$(basename "$1") row $2: got [$(line "$1" "$2")], expected [$3...]"; }
lines() { grep -c '' "$1"; }

"$fixture" "$work/gbpm.db" || die "fixture failed"
wh="sqlite:$work/gbpm.db"
asof=2025-10-26T01:20:00Z

# 1. All five tools into one dir: workbook, then the CSVs.
for t in "${tools[@]}"; do
  "$t" --warehouse "$wh" --sheet "dir:$work/wb" --as-of "$asof" 2>"$work/err"
  check_rc $? 0 "$(basename "$t")"
  [ -f "$GBPM_HOME/runs/$(basename "$t").json" ] || fail "no run record for $(basename "$t")"
done
dash="$work/wb/Dashboard.csv" chart="$work/wb/Daily_Chart_Data.csv" live="$work/wb/Live_Raw_Gen.csv" gspcsv="$work/wb/GSP.csv"
for f in "$dash" "$chart" "$live" "$gspcsv" "$work/wb/index.html"; do [ -f "$f" ] || fail "no $(basename "$f")"; done

# layout-update (rows 1-17, 30).
expect_prefix "$dash" 1 "GB DASHBOARD - Power"
expect_prefix "$dash" 2 "⏰ Last updated: 2025-10-26 01:20 GMT,Generation data: 2025-10-26 01:10 GMT"
expect_prefix "$dash" 3 "Data freshness:,✅ FUELINST 5 min,⚠️ FREQ 14 min,⚠️ MID 20 min,✅ INDO 5 min,✅ DISEBSP 4 min,🔴 REMIT 6 d"
# Generation 26.5 GW, supply 27.2 GW, renewables (12000+1500)/26500 %, the SP5 MID price.
expect "$dash" 5 "Total Generation (GW),26.5,Supply (GW),27.2,Renewables (%),50.943396226415096,\"Market price (£/MWh, SP5)\",85.25"
expect_prefix "$dash" 8 "💨 Wind,12,"
[[ "$(line "$dash" 8)" == *"🇫🇷 IFA (France),1000,Import"* ]] || fail "row 8 IC: $(line "$dash" 8)"
expect "$dash" 30 "Asset,BM Unit,Fuel,Normal (MW),Unavailable (MW),% offline,Cause,Start (UK time)"
grep -q "GB DASHBOARD - Power" "$work/wb/index.html" || fail "index.html lacks the title"
grep -q "<svg" "$work/wb/index.html" || fail "index.html lacks the charts"

# daily-kpi (rows 18-29): today = SP3 and SP5 of 2025-10-26; 30 days add SSP/SBP 50 on 2025-10-25.
expect "$dash" 18 "📈 MARKET SUMMARY,Today: 2025-10-26 (50 periods),,,30 days: 2025-09-27 to 2025-10-26,,,"
expect "$dash" 19 "Metric,Today avg,Today min,Today max,30-day avg,30-day min,30-day max,Unit"
expect "$dash" 20 "System sell price (SSP),95,90,100,80,50,100,£/MWh"
expect "$dash" 21 "System buy price (SBP),100,90,110,83.33333333333333,50,110,£/MWh"
expect "$dash" 22 "Market index price (APX MID),85.25,85.25,85.25,85.25,85.25,85.25,£/MWh"
expect "$dash" 23 "Demand (INDO),24000,24000,24000,24000,24000,24000,MW"
# Half-hour means: SP3 17000; SP5 (8000+9000)/2 + (11000+12000)/2 + 4000 + 1500 = 25500 (not the sum of instants).
expect "$dash" 24 "Generation,21250,17000,25500,21250,17000,25500,MW"
expect "$dash" 25 "Net interconnector import,600,600,600,600,600,600,MW (+ = import)"
expect "$dash" 26 "Frequency,50,50,50,50,50,50,Hz"
expect_prefix "$dash" 27 "Renewables share,54.9019607843137"
expect "$dash" 28 ",,,,,,,"
expect "$dash" 29 "📉 Per-period data for the charts: tab Daily_Chart_Data (50 rows for 2025-10-26),,,,,,,"
# Daily_Chart_Data: header + 50 periods; blanks (never 0) where data is missing.
[ "$(lines "$chart")" -eq 51 ] || fail "Daily_Chart_Data has $(lines "$chart") lines, expected 51"
expect "$chart" 1 "Date,SP,Start (UTC),SSP (£/MWh),SBP (£/MWh),Market index price (£/MWh),Demand (MW),Generation (MW),Net IC import (MW),Frequency (Hz)"
expect "$chart" 2 "2025-10-26,1,2025-10-25T23:00:00Z,,,,,,,"
expect "$chart" 4 "2025-10-26,3,2025-10-26T00:00:00Z,90,90,,,17000,,"
expect "$chart" 6 "2025-10-26,5,2025-10-26T01:00:00Z,100,110,85.25,24000,25500,600,50"
expect "$chart" 51 "2025-10-26,50,2025-10-26T23:30:00Z,,,,,,,"

# outages-update (rows 31-70): TOTAL on row 58.
expect "$dash" 31 "🔥 T_UNIT-0,T_UNIT-0,Fossil Gas,1000,500,50,\"'=1+1, \"\"quoted\"\"\",2025-10-25 01:00 BST"
[ -z "$(line "$dash" 57 | tr -d ,)" ] || fail "row 57 not blank: $(line "$dash" 57)"
expect_prefix "$dash" 58 "TOTAL UNAVAILABLE CAPACITY,,26 outages,,12675"

# realtime-dashboard: title, note, header, then one row per SP (50), the repeated 01:00 told apart.
[ "$(lines "$live")" -eq 53 ] || fail "Live_Raw_Gen has $(lines "$live") lines, expected 53"
expect_prefix "$live" 1 "⚡ LIVE GENERATION — settlement day 2025-10-26 (50 periods),"
expect_prefix "$live" 2 "Mean MW per settlement period of the 5-minute FUELINST readings"
expect "$live" 3 "SP,Start (UK),🔥 Gas (CCGT) (MW),🔥 Gas (OCGT) (MW),⛏️ Coal (MW),🛢️ Oil (MW),⚛️ Nuclear (MW),💨 Wind (MW),💧 Hydro (MW),🌱 Biomass (MW),🔋 Pumped storage (MW),⚡ Other (MW),Net imports (MW),Total generation (MW),Renewables (%),Source"
expect "$live" 4 "1,00:00 BST,,,,,,,,,,,,,,"
expect "$live" 6 "3,01:00 BST,7000,,,,,10000,,,,,,17000,58.8235294117647,FUELINST"
expect "$live" 8 "5,01:00 GMT,8500,,,,4000,11500,,1500,,,600,25500,50.98039215686274,FUELINST"
expect "$live" 53 "50,23:30 GMT,,,,,,,,,,,,,,"

# gsp-update: honest labels, N first, net = generation - demand, status by the ±100 MW band.
[ "$(lines "$gspcsv")" -eq 6 ] || fail "GSP has $(lines "$gspcsv") lines, expected 6"
expect_prefix "$gspcsv" 1 "\"🗺️ BOUNDARY ZONES — indicated generation and demand forecast (INDGEN/INDDEM); N = national, B1–B17 = transmission boundary zones, not GSPs\""
expect "$gspcsv" 2 "Settlement period 2025-10-26 SP5 (starts 2025-10-26 01:00 GMT); latest forecast published 2025-10-26 01:47 BST,,,,,,"
expect "$gspcsv" 3 "Zone,Description,Generation (MW),Demand (MW),Net (MW),Status,Published (UK)"
expect "$gspcsv" 4 "N,National (all GB),26000,25000,1000,🟢 Exporting,2025-10-26 01:47 BST"
expect "$gspcsv" 5 "B1,Transmission boundary zone,300,50,250,🟢 Exporting,2025-10-26 01:47 BST"
expect "$gspcsv" 6 "B6,Transmission boundary zone,1200,3000,-1800,🔴 Importing,2025-10-26 01:47 BST"

# 2. A 46-period day after the 50-period day: no stale rows in the owned tabs.
for t in "$daily" "$realtime"; do
  "$t" --warehouse "$wh" --sheet "dir:$work/wb" --as-of 2025-03-30T12:00:00Z 2>/dev/null
  check_rc $? 0 "$(basename "$t") on 2025-03-30"
done
[ "$(lines "$chart")" -eq 47 ] || fail "after 2025-03-30 Daily_Chart_Data has $(lines "$chart") lines, expected 47"
expect "$chart" 47 "2025-03-30,46,2025-03-30T22:30:00Z,,,,,,,"
grep -q "^2025-10-26" "$chart" && fail "stale 2025-10-26 rows left in Daily_Chart_Data"
[ "$(lines "$live")" -eq 49 ] || fail "after 2025-03-30 Live_Raw_Gen has $(lines "$live") lines, expected 49"
expect "$live" 6 "3,02:00 BST,,,,,,,,,,,,,,"
expect "$dash" 28 "⚠️ No market data in the warehouse for settlement day 2025-03-30 up to 2025-03-30 13:00 BST,,,,,,,"
expect_prefix "$dash" 58 "TOTAL UNAVAILABLE CAPACITY"  # other tools' rows untouched

# 3. An empty (but valid) warehouse: exit 0 and clear "no data" cells.
"$fixture" "$work/empty.db" --empty || die "fixture --empty failed"
for t in "${tools[@]}"; do
  "$t" --warehouse "sqlite:$work/empty.db" --sheet "dir:$work/empty" --as-of "$asof" 2>/dev/null
  check_rc $? 0 "$(basename "$t") on an empty warehouse"
done
e="$work/empty"
expect_prefix "$e/Dashboard.csv" 6 "⚠️ No generation data in the warehouse at or before 2025-10-26 01:20 GMT"
expect "$e/Dashboard.csv" 5 "Total Generation (GW),,Supply (GW),,Renewables (%),,Market price (£/MWh),"
expect "$e/Dashboard.csv" 20 "System sell price (SSP),,,,,,,£/MWh"
expect_prefix "$e/Dashboard.csv" 28 "⚠️ No market data in the warehouse for settlement day 2025-10-26 up to 2025-10-26 01:20 GMT"
expect_prefix "$e/Dashboard.csv" 31 "✅ No active outages of 100 MW or more"
expect_prefix "$e/Live_Raw_Gen.csv" 2 "⚠️ No generation data in the warehouse for settlement day 2025-10-26 up to 2025-10-26 01:20 GMT"
expect "$e/Live_Raw_Gen.csv" 8 "5,01:00 GMT,,,,,,,,,,,,,,"
expect_prefix "$e/GSP.csv" 2 "⚠️ No INDGEN/INDDEM forecast in the warehouse for 2025-10-26 SP5 published by 2025-10-26 01:20 GMT"
[ "$(lines "$e/GSP.csv")" -eq 3 ] || fail "empty GSP has $(lines "$e/GSP.csv") lines, expected 3"
expect "$e/Daily_Chart_Data.csv" 6 "2025-10-26,5,2025-10-26T01:00:00Z,,,,,,,"

# 4. --dry-run prints the grid and writes nothing.
for t in "${tools[@]}"; do
  out=$("$t" --warehouse "$wh" --sheet "dir:$work/dry" --as-of "$asof" --dry-run 2>/dev/null)
  check_rc $? 0 "$(basename "$t") --dry-run"
  grep -q "^== " <<<"$out" || fail "$(basename "$t") --dry-run did not print the grid"
done
[ ! -e "$work/dry" ] || fail "--dry-run created the workbook"
out=$("$layout" --warehouse "$wh" --sheet "dir:$work/dry" --as-of "$asof" --dry-run 2>/dev/null)
grep -q "^== Dashboard!A1:H17 ==" <<<"$out" || fail "--dry-run did not print the layout grid"
grep -q "^ 1 | GB DASHBOARD - Power" <<<"$out" || fail "--dry-run grid lacks row 1: $out"
out=$("$daily" --warehouse "$wh" --sheet - --as-of "$asof" --dry-run 2>/dev/null)
grep -q "^== Dashboard!A18:H29 ==" <<<"$out" || fail "daily-kpi --dry-run lacks Dashboard!A18:H29"
grep -q "^== Daily_Chart_Data!A1:J51 ==" <<<"$out" || fail "daily-kpi --dry-run lacks Daily_Chart_Data!A1:J51"

# 5. --sheet - prints the grid on stdout.
out=$("$outages" --warehouse "$wh" --sheet - --as-of "$asof" 2>/dev/null)
check_rc $? 0 "stdout sink"
grep -q "^58 | TOTAL UNAVAILABLE CAPACITY" <<<"$out" || fail "stdout grid lacks the TOTAL row"
out=$("$gsp" --warehouse "$wh" --sheet - --as-of "$asof" 2>/dev/null)
grep -q "^== GSP!A1:G27 ==" <<<"$out" || fail "gsp-update stdout grid lacks GSP!A1:G27: $out"

# 6. --help has examples and the exit codes.
for t in "${tools[@]}"; do
  h=$("$t" --help 2>&1)
  grep -q "^Examples:" <<<"$h" || fail "$(basename "$t") --help lacks examples"
  grep -q "^Exit codes: 0 written" <<<"$h" || fail "$(basename "$t") --help lacks the exit codes"
done

# 7. Errors: no warehouse file → 78; gsheets without credentials → 78; bad sheet URI → 78; bad classification → 78.
for t in "${tools[@]}"; do
  "$t" --warehouse "sqlite:$work/none.db" --sheet - 2>/dev/null
  check_rc $? 78 "$(basename "$t") missing warehouse"
  "$t" --warehouse "$wh" --sheet xls:abc 2>/dev/null
  check_rc $? 78 "$(basename "$t") bad sheet URI"
done
[ ! -e "$work/none.db" ] || fail "a read-only tool created the missing warehouse file"
GBPM_FUEL_CLASSES="renewable=CGT" "$daily" --warehouse "$wh" --sheet - 2>/dev/null
check_rc $? 78 "bad GBPM_FUEL_CLASSES"
env -u GOOGLE_APPLICATION_CREDENTIALS HOME="$work" GCE_METADATA_HOST=127.0.0.1:9 \
  "$layout" --warehouse "$wh" --sheet gsheets:abc 2>/dev/null
check_rc $? 78 "gsheets without credentials"

# 8. All five tools concurrently on one workbook, repeatedly: no lost update.
rm -rf "$work/cc"
for i in $(seq 1 10); do
  pids=()
  for t in "${tools[@]}"; do
    "$t" --warehouse "$wh" --sheet "dir:$work/cc" --as-of "$asof" 2>/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || fail "concurrent run $i: a tool failed"; done
  c="$work/cc"
  expect_prefix "$c/Dashboard.csv" 1 "GB DASHBOARD - Power"
  expect_prefix "$c/Dashboard.csv" 18 "📈 MARKET SUMMARY"
  expect_prefix "$c/Dashboard.csv" 58 "TOTAL UNAVAILABLE CAPACITY"
  expect "$c/Daily_Chart_Data.csv" 6 "2025-10-26,5,2025-10-26T01:00:00Z,100,110,85.25,24000,25500,600,50"
  expect_prefix "$c/Live_Raw_Gen.csv" 8 "5,01:00 GMT,8500,"
  expect_prefix "$c/GSP.csv" 4 "N,National (all GB),26000"
done

finish "dashboard CLI tests"
