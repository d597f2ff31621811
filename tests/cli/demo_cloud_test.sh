#!/usr/bin/env bash
# scripts/demo --cloud end to end with an existing build: the production path
# (fake-servicebus -> iris-ingest -> BigQuery on fake-google -> the five tools
# -> Sheets on fake-google). Checks: exit 0; the queue drained with nothing
# dead-lettered; the spreadsheet printed back from fake-google has the title,
# fuel and interconnector rows, the demo outages and their TOTAL row, the
# Live_Raw_Gen and GSP tabs. Then the data that landed in BigQuery must answer
# exactly as the local path does: fake-google is restarted on the demo's saved
# BigQuery state and every tool's --dry-run against bigquery:demo-project/gbpm
# must equal, byte for byte, its --dry-run against the local demo's SQLite
# warehouse (dir drop -> iris-ingest -> SQLite), same --as-of.
#   demo_cloud_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
src=$1
build=$2
need curl openssl
make_work
run_demo() {  # VAR ARGS...
  local var=$1 rc=0
  shift
  "$src/scripts/demo" --no-deps --build-dir "$build" --var "$var" "$@" >"$var.out" 2>"$var.err" || rc=$?
  if [[ $rc -ne 0 ]]; then
    die "scripts/demo $* exited $rc"$'\n'"$(tail -n 30 "$var.out" "$var.err"; tail -n 20 "$var"/logs/*.log 2>/dev/null)"
  fi
}

cloud="$work/cloud"
run_demo "$cloud" --cloud
ok "scripts/demo --cloud exits 0"
out="$cloud.out"
has "queue drained, nothing dead-lettered" "$out" "ingested: queue drained, nothing dead-lettered"
for t in layout-update daily-kpi outages-update realtime-dashboard gsp-update; do has "$t ran" "$out" "ok  $t"; done
has "Dashboard read back from fake-google" "$out" "== Dashboard!A1:H70 =="
has "title row" "$out" "GB DASHBOARD - Power"
has "fuel rows" "$out" "Wind"
has "interconnector rows" "$out" "Moyle (Northern Ireland, UK)"
has "the demo's outages" "$out" "DEMO:"
has "outage total row" "$out" "TOTAL UNAVAILABLE CAPACITY"
has "market summary (daily-kpi)" "$out" "MARKET SUMMARY"
has "Live_Raw_Gen read back" "$out" "LIVE GENERATION — settlement day 2025-10-26 (50 periods)"
has "GSP read back" "$out" "BOUNDARY ZONES"
# Each tool's run record counts its BigQuery requests and bytes processed
# next to its Sheets calls (1 metadata read + 1 write at most).
for t in layout-update daily-kpi outages-update realtime-dashboard gsp-update; do
  record="$cloud/home/runs/$t.json"
  calls=$(sed -n 's/.*"api_calls":\([0-9]*\).*/\1/p' "$record" 2>/dev/null)
  bytes=$(sed -n 's/.*"bytes_scanned":\([0-9]*\).*/\1/p' "$record" 2>/dev/null)
  if [[ "${calls:-0}" -gt 2 && "${bytes:-0}" -gt 0 ]]; then
    ok "$t run record: $calls API calls, $bytes bytes processed"
  else
    fail "$t run record lacks BigQuery usage: api_calls=${calls:-?} bytes_scanned=${bytes:-?} ($record)"
  fi
done
if grep -qiE "secret|BEGIN (RSA )?PRIVATE KEY|Bearer " "$cloud"/logs/*.log; then
  fail "a log under $cloud/logs mentions a secret, key or token"
else
  ok "no secrets in the tools' logs"
fi

local_var="$work/local"
run_demo "$local_var"
ok "scripts/demo (local) exits 0"

# fake-google again, on the BigQuery state the demo left behind.
state="$cloud/cloud/fake-google"
[[ -s "$state/bigquery.db" ]] || die "no BigQuery state at $state/bigquery.db"
fake=$(tool_path "$build/tests/fakes" fake-google) || die "fake-google is not built in $build"
start_fake google "$fake" --state "$state" --key-file "$cloud/cloud/sa.json"
url=$fake_url

as_of=2025-10-26T18:00:00Z
dry() {  # TOOL WAREHOUSE [ENV...] -> the dry run on stdout
  local tool=$1 warehouse=$2
  shift 2
  env -i PATH=/usr/bin:/bin HOME="$work/home-$tool" LANG=C.UTF-8 TZ=UTC GBPM_HOME="$work/home-$tool" \
    GCE_METADATA_HOST=127.0.0.1:9 "$@" "$(tool_path "$build/tools" "$tool" || echo "missing-$tool")" \
    --warehouse "$warehouse" --sheet dir:"$work/unused" \
    --dry-run --as-of "$as_of"
}
for t in layout-update daily-kpi outages-update realtime-dashboard gsp-update; do
  mkdir -p "$work/home-$t"
  if ! dry "$t" "sqlite:$local_var/gbpm.db" >"$work/$t.sqlite" 2>"$work/$t.sqlite.err"; then
    fail "$t --dry-run on SQLite: $(tail -n 2 "$work/$t.sqlite.err")"
    continue
  fi
  if ! dry "$t" "bigquery:demo-project/gbpm" GOOGLE_APPLICATION_CREDENTIALS="$cloud/cloud/sa.json" \
    GBPM_GOOGLE_TOKEN_URL="$url/token" GBPM_BIGQUERY_URL="$url" GBPM_CA_FILE="$work/ca.pem" \
    >"$work/$t.bigquery" 2>"$work/$t.bigquery.err"; then
    fail "$t --dry-run on BigQuery: $(tail -n 2 "$work/$t.bigquery.err")"
    continue
  fi
  [[ -s "$work/$t.sqlite" ]] || { fail "$t: empty dry run"; continue; }
  if cmp -s "$work/$t.sqlite" "$work/$t.bigquery"; then
    ok "$t: BigQuery (via Service Bus) answers as SQLite (via the dir drop)"
  else
    fail "$t: the dry runs differ between the BigQuery and SQLite warehouses"
    diff "$work/$t.sqlite" "$work/$t.bigquery" | head -n 20 || true
  fi
done

finish "demo --cloud"
