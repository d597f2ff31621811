#!/usr/bin/env bash
# Black-box tests of layout-update and outages-update: real processes, a
# fixture warehouse, the dir: workbook and stdout.
#   dashboard_test.sh DASHBOARD_FIXTURE LAYOUT_UPDATE OUTAGES_UPDATE
set -u
fixture=$1 layout=$2 outages=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GBPM_HOME="$work/home"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check_rc() { [ "$1" -eq "$2" ] || fail "$3: exit $1, expected $2"; }

"$fixture" "$work/gbpm.db" || { echo "fixture failed" >&2; exit 1; }
wh="sqlite:$work/gbpm.db"
asof=2025-10-26T01:20:00Z

# 1. layout-update into a dir: workbook, then read the CSV.
"$layout" --warehouse "$wh" --sheet "dir:$work/wb" --as-of "$asof" 2>"$work/err"
check_rc $? 0 "layout-update"
csv="$work/wb/Dashboard.csv"
[ -f "$csv" ] || fail "no Dashboard.csv"
[ -f "$work/wb/index.html" ] || fail "no index.html"
line() { sed -n "${1}p" "$csv" | tr -d '\r'; }
[ "$(line 1)" = "GB DASHBOARD - Power,,,,,,," ] || [ "$(line 1)" = "GB DASHBOARD - Power" ] || [[ "$(line 1)" == "GB DASHBOARD - Power"* ]] || fail "row 1: $(line 1)"
[[ "$(line 2)" == "⏰ Last updated: 2025-10-26 01:20 GMT,Generation data: 2025-10-26 01:10 GMT"* ]] || fail "row 2: $(line 2)"
[[ "$(line 3)" == "Data freshness:,✅ FUELINST 5 min,"* ]] || fail "row 3: $(line 3)"
# Generation 26.5 GW, supply 27.2 GW, renewables (12000+1500)/26500 %.
[[ "$(line 5)" == "Total Generation (GW),26.5,Supply (GW),27.2,Renewables (%),50.94339622641"* ]] || fail "row 5: $(line 5)"
[[ "$(line 8)" == "💨 Wind,12,"* ]] || fail "row 8: $(line 8)"
[[ "$(line 8)" == *"🇫🇷 IFA (France),1000,Import"* ]] || fail "row 8 IC: $(line 8)"
[[ "$(line 30)" == "Asset,BM Unit,Fuel,Normal (MW),Unavailable (MW),% offline,Cause,Start (UK time)"* ]] || fail "row 30: $(line 30)"
grep -q "GB DASHBOARD - Power" "$work/wb/index.html" || fail "index.html lacks the title"
grep -q "<svg" "$work/wb/index.html" || fail "index.html lacks the fuel-mix chart"
[ -f "$GBPM_HOME/runs/layout-update.json" ] || fail "no run record"

# 2. outages-update into the same workbook: layout rows survive, TOTAL on row 58.
"$outages" --warehouse "$wh" --sheet "dir:$work/wb" --as-of "$asof" 2>"$work/err"
check_rc $? 0 "outages-update"
[[ "$(line 1)" == "GB DASHBOARD - Power"* ]] || fail "outages-update lost row 1"
[[ "$(line 31)" == "🔥 T_UNIT-0,T_UNIT-0,Fossil Gas,1000,500,50,\"'=1+1, \"\"quoted\"\"\",2025-10-25 01:00 BST" ]] \
  || fail "row 31: $(line 31)"
[ -z "$(line 57 | tr -d ,)" ] || fail "row 57 not blank: $(line 57)"
[[ "$(line 58)" == "TOTAL UNAVAILABLE CAPACITY,,26 outages,,12675"* ]] || fail "row 58: $(line 58)"

# 3. --dry-run prints the grid and writes nothing.
out=$("$layout" --warehouse "$wh" --sheet "dir:$work/dry" --as-of "$asof" --dry-run 2>/dev/null)
check_rc $? 0 "dry run"
[ ! -e "$work/dry" ] || fail "--dry-run created the workbook"
grep -q "^== Dashboard!A1:H17 ==" <<<"$out" || fail "--dry-run did not print the grid"
grep -q "^ 1 | GB DASHBOARD - Power" <<<"$out" || fail "--dry-run grid lacks row 1: $out"

# 4. --sheet - prints the grid on stdout.
out=$("$outages" --warehouse "$wh" --sheet - --as-of "$asof" 2>/dev/null)
check_rc $? 0 "stdout sink"
grep -q "^58 | TOTAL UNAVAILABLE CAPACITY" <<<"$out" || fail "stdout grid lacks the TOTAL row"

# 5. Errors: no warehouse → 78; gsheets not wired → 78; bad sheet URI → 78.
"$layout" --warehouse "sqlite:$work/none.db" --sheet - 2>/dev/null
check_rc $? 78 "missing warehouse"
"$layout" --warehouse "$wh" --sheet gsheets:abc 2>/dev/null
check_rc $? 78 "gsheets"
"$layout" --warehouse "$wh" --sheet xls:abc 2>/dev/null
check_rc $? 78 "bad sheet URI"

# 6. Both tools concurrently on one workbook, repeatedly: no lost update.
rm -rf "$work/cc"
for i in $(seq 1 10); do
  "$layout" --warehouse "$wh" --sheet "dir:$work/cc" --as-of "$asof" 2>/dev/null &
  p1=$!
  "$outages" --warehouse "$wh" --sheet "dir:$work/cc" --as-of "$asof" 2>/dev/null &
  p2=$!
  wait $p1 || fail "concurrent layout-update run $i"
  wait $p2 || fail "concurrent outages-update run $i"
  c="$work/cc/Dashboard.csv"
  [[ "$(sed -n 1p "$c")" == "GB DASHBOARD - Power"* ]] || fail "run $i: layout rows lost"
  [[ "$(sed -n 58p "$c")" == "TOTAL UNAVAILABLE CAPACITY"* ]] || fail "run $i: outage rows lost"
done

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "dashboard CLI tests passed"
