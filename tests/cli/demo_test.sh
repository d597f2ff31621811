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
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
has() {  # NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then ok "$1"; else fail "$1: '$3' not in $2"; fi
}
var="$work/var"
rc=0
"$src/scripts/demo" --no-deps --build-dir "$build" --var "$var" >"$work/out" 2>"$work/err" || rc=$?
if [[ $rc -ne 0 ]]; then
  echo "FAIL scripts/demo exited $rc"
  tail -n 30 "$work/out" "$work/err"
  exit 1
fi
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
[[ "$html" == "$var/dashboard/index.html" ]] && ok "prints the index.html path" || fail "index.html path: '$html'"
[[ -s "$html" ]] && ok "index.html exists" || fail "no $html"
for text in "GB DASHBOARD - Power" "TOTAL UNAVAILABLE CAPACITY" "<svg"; do has "index.html has $text" "$html" "$text"; done
for tab in Dashboard Daily_Chart_Data Live_Raw_Gen GSP; do
  [[ -s "$var/dashboard/$tab.csv" ]] && ok "tab $tab written" || fail "tab $tab missing"
done
# 2025-10-26 has 50 settlement periods: one Daily_Chart_Data row each (+ header).
rows=$(grep -c '^2025-10-26,' "$var/dashboard/Daily_Chart_Data.csv" || true)
[[ $rows -eq 50 ]] && ok "Daily_Chart_Data: 50 periods" || fail "Daily_Chart_Data has $rows rows for 2025-10-26"
has "drop labelled synthetic" "$var/drop/README.txt" "SYNTHETIC DEMO DATA"
[[ -z "$(find "$var/drop" -mindepth 2 -name 'demo-*.json' -not -path '*/.*' | head -1)" ]] && ok "drop ingested" ||
  fail "messages left in the drop"

# Re-runnable and deterministic.
cp "$var/dashboard/Dashboard.csv" "$work/first.csv"
rc=0
"$src/scripts/demo" --no-deps --build-dir "$build" --var "$var" >"$work/out2" 2>"$work/err2" || rc=$?
[[ $rc -eq 0 ]] && ok "second run exits 0" || { fail "second run exited $rc"; tail -n 20 "$work/err2"; }
cmp -s "$work/first.csv" "$var/dashboard/Dashboard.csv" && ok "second run: same Dashboard" ||
  fail "second run changed the Dashboard: $(diff "$work/first.csv" "$var/dashboard/Dashboard.csv" | head -6)"

# A build without one of the five tools: a clear failure naming it.
mkdir -p "$work/partial/tools" "$work/partial/scripts/demo-data"
for f in "$build"/tools/*; do [[ -f "$f" && -x "$f" ]] && ln -s "$f" "$work/partial/tools/"; done
rm -f "$work/partial/tools/gsp-update"
ln -s "$build/scripts/demo-data/gbpm-demo-data" "$work/partial/scripts/demo-data/"
rc=0
"$src/scripts/demo" --no-deps --build-dir "$work/partial" --var "$work/var2" >"$work/out3" 2>"$work/err3" || rc=$?
[[ $rc -ne 0 ]] && ok "missing tool: non-zero exit" || fail "missing tool: exit 0"
has "missing tool named" "$work/err3" "'gsp-update' is not built"

[[ $failures -eq 0 ]] || { echo "$failures failure(s)"; exit 1; }
echo "all demo checks passed"
