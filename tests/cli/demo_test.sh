#!/usr/bin/env bash
# scripts/demo end to end with an existing build (--no-deps --build-dir), into
# a temporary --var: exit 0; the printed Dashboard tab (title, synthetic-data
# banner, fuel rows, freshness from the demo day, the outage TOTAL row) and
# the printed index.html path, which exists and renders the tabs; the drop
# labelled synthetic; Daily_Chart_Data with the 50 periods of 2025-10-26; a
# re-run gives the same Dashboard byte for byte; a missing tool fails with a
# message naming it.
#   demo_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
src=$1
build=$2
make_work
var="$work/var"
rc=0
"$src/scripts/demo" --no-deps --build-dir "$build" --var "$var" >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -eq 0 ]] || die "scripts/demo exited $rc"$'\n'"$(tail -n 30 "$work/out" "$work/err")"
ok "scripts/demo exits 0"

# The Dashboard tab as printed.
has "prints the Dashboard tab" "$work/out" "== Dashboard!A1:"
has "title row" "$work/out" "GB DASHBOARD - Power"
has "fuel rows" "$work/out" "Wind"
has "interconnector rows" "$work/out" "Moyle"
has "outage total row" "$work/out" "TOTAL UNAVAILABLE CAPACITY"
has "outages are the demo's" "$work/out" "DEMO:"
has "generator says the data is synthetic" "$work/out" "SYNTHETIC"
# As of 18:00 GMT FUELINST was published 0 minutes ago: fresh, not "no data".
has "FUELINST fresh as of the demo instant" "$work/out" "✅ FUELINST"
# The index.html path, printed and real.
html=$(sed -n 's/^Open the workbook: //p' "$work/out")
if [[ "$html" == "$var/dashboard/index.html" ]]; then
  ok "prints the index.html path"
else
  fail "index.html path: '$html'"
fi
if [[ -s "$html" ]]; then ok "index.html exists"; else fail "no $html"; fi
for text in "GB DASHBOARD - Power" "TOTAL UNAVAILABLE CAPACITY" "<svg"; do has "index.html has $text" "$html" "$text"; done
for tab in Dashboard Daily_Chart_Data Live_Raw_Gen GSP; do
  if [[ -s "$var/dashboard/$tab.csv" ]]; then ok "tab $tab written"; else fail "tab $tab missing"; fi
done
# 2025-10-26 has 50 settlement periods: one Daily_Chart_Data row each (+ header).
rows=$(grep -c '^2025-10-26,' "$var/dashboard/Daily_Chart_Data.csv" || true)
if [[ $rows -eq 50 ]]; then
  ok "Daily_Chart_Data: 50 periods"
else
  fail "Daily_Chart_Data has $rows rows for 2025-10-26"
fi
has "drop labelled synthetic" "$var/drop/README.txt" "SYNTHETIC DEMO DATA"
if [[ -z "$(find "$var/drop" -mindepth 2 -name 'demo-*.json' -not -path '*/.*' | head -1)" ]]; then
  ok "drop ingested"
else
  fail "messages left in the drop"
fi

# Re-runnable and deterministic.
cp "$var/dashboard/Dashboard.csv" "$work/first.csv"
rc=0
"$src/scripts/demo" --no-deps --build-dir "$build" --var "$var" >"$work/out2" 2>"$work/err2" || rc=$?
if [[ $rc -eq 0 ]]; then ok "second run exits 0"; else fail "second run exited $rc"; tail -n 20 "$work/err2"; fi
if cmp -s "$work/first.csv" "$var/dashboard/Dashboard.csv"; then
  ok "second run: same Dashboard"
else
  fail "second run changed the Dashboard: $(diff "$work/first.csv" "$var/dashboard/Dashboard.csv" | head -6)"
fi

# A build without one of the five tools: a clear failure naming it.
mkdir -p "$work/partial/tools" "$work/partial/scripts/demo-data"
for f in "$build"/tools/*; do [[ -f "$f" && -x "$f" ]] && ln -s "$f" "$work/partial/tools/"; done
rm -f "$work/partial/tools/gsp-update"
ln -s "$build/scripts/demo-data/gbpm-demo-data" "$work/partial/scripts/demo-data/"
rc=0
"$src/scripts/demo" --no-deps --build-dir "$work/partial" --var "$work/var2" >"$work/out3" 2>"$work/err3" || rc=$?
if [[ $rc -ne 0 ]]; then ok "missing tool: non-zero exit"; else fail "missing tool: exit 0"; fi
has "missing tool named" "$work/err3" "'gsp-update' is not built"

finish demo
