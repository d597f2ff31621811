#!/usr/bin/env bash
# Black-box test of healthd: a real process on a loopback port over a fixture
# $GBPM_HOME (run records, iris-ingest status file, a one-job crontab).
#   fresh → 200 healthy; a stale run record → 503 naming the tool; a stale
#   iris-ingest heartbeat → 503; /livez, /metrics, HEAD; POST 405 with Allow;
#   a 20 kB header 431; other paths 404; SIGTERM → exit 0; a bad address → 78.
# Then crontab/systemd/healthd.service: `systemd-analyze verify` must be clean
# and the `systemd-analyze security` exposure is reported (must be <= 2.5).
#   healthd_test.sh HEALTHD UNIT_FILE
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
healthd=$(realpath "$1")
unit=$2
need curl python3
make_work
isolate_env
diagnostics() {
  if [[ -f "$work/err" ]]; then
    echo "--- healthd stderr:"
    tail -20 "$work/err"
  fi
}

home="$work/home"
mkdir -p "$home/runs"
cat >"$work/cron" <<'EOF'
GBPM_HOME=/var/lib/gbpm
* * * * * gbpm /usr/local/bin/layout-update --config /etc/gbpm/gbpm.env >>/var/log/gbpm/layout-update.log 2>&1
EOF

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000Z; }
# run_record TOOL LAST_SUCCESS_EPOCH
run_record() {
  local t
  t=$(iso "$2")
  cat >"$home/runs/$1.json.tmp" <<EOF
{"tool":"$1","version":"0.1.0","host":"test","pid":1,"state":"ok","start":"$t","end":"$t","exit_code":0,
 "exit_name":"ok","error":"","rows_read":1,"rows_written":1,"api_calls":1,"bytes_scanned":0,"watermark":null,
 "last_success":"$t"}
EOF
  mv "$home/runs/$1.json.tmp" "$home/runs/$1.json"
}
# ingest_status UPDATED_EPOCH
ingest_status() {
  local t
  t=$(iso "$1")
  cat >"$home/runs/iris-ingest.status.json.tmp" <<EOF
{"tool":"iris-ingest","state":"running","source":"dir:/x","updated_at":"$t","started_at":"$t","messages":42,
 "records":84,"bytes":1000,"batches":3,"kept_raw":1,"quarantined":2,"released":0,"store_failures":0,
 "receive_failures":0,"newest_message_at":"$t","last_batch_at":"$t","last_error":"",
 "datasets":{"FUELINST":{"messages":42,"records":84,"inserted":80,"updated":1,"ignored":3,"kept_raw":0,
 "quarantined":0,"released":0}}}
EOF
  mv "$home/runs/iris-ingest.status.json.tmp" "$home/runs/iris-ingest.status.json"
}

now=$(date +%s)
run_record layout-update "$now"
ingest_status "$now"

# --help documents examples; a bad address is a configuration error (78).
"$healthd" --help | grep "Examples:" >/dev/null || die "--help has no examples"
set +e
GBPM_HOME="$home" "$healthd" --listen nowhere:80 --crontab "$work/cron" 2>"$work/bad"
rc=$?
set -e
[[ $rc -eq 78 ]] || die "--listen nowhere:80 exited $rc, expected 78"

# Data freshness needs a warehouse: left out here (tested with fixtures in
# health_tests); disk and memory limits at 0 so the host does not matter.
export GBPM_HOME="$home" GBPM_HEALTH_DATASETS="" GBPM_HEALTH_DISK_WARN_MB=0 GBPM_HEALTH_DISK_FAIL_MB=0 \
  GBPM_HEALTH_MEMORY_WARN_MB=0 GBPM_HEALTH_MEMORY_FAIL_MB=0
"$healthd" --listen 127.0.0.1:0 --crontab "$work/cron" --interval 300ms 2>"$work/err" &
pid=$!
wait_until 10 grep -q 'msg=ready listen=' "$work/err" || true
port=$(sed -n 's/.*msg=ready listen=\[127.0.0.1\]:\([0-9]*\).*/\1/p' "$work/err" | head -1)
[[ -n "$port" ]] || die "healthd did not report ready"
base="http://127.0.0.1:$port"

# status_of PATH → "CODE" ; body in $work/body
status_of() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
# wait_for CODE: polls /health until it answers CODE (checks run every 300 ms).
health_is() { [[ $(status_of "$base/health") == "$1" ]]; }
wait_for() { wait_until 5 health_is "$1" || die "/health never answered $1; last body: $(cat "$work/body")"; }
json() { python3 -c "import json,sys; d=json.load(open('$work/body')); print($1)"; }

wait_for 200
[[ $(json 'd["status"]') == healthy ]] || die "200 without status healthy: $(cat "$work/body")"
[[ $(json 'd["checks"]["run:layout-update"]["status"]') == pass ]] || die "layout-update not pass"
echo "ok   all fresh → 200 healthy"

[[ $(status_of "$base/livez") == 200 ]] || die "/livez"
[[ $(status_of "$base/metrics") == 200 ]] || die "/metrics"
grep -q "^gbpm_tool_last_success_timestamp_seconds{tool=\"layout-update\"} $now\$" "$work/body" \
  || die "/metrics has no last-success sample for layout-update at $now"
grep -q '^gbpm_ingest_messages_total{outcome="quarantined"} 2$' "$work/body" || die "/metrics: ingest counters"
[[ $(status_of -I "$base/health") == 200 ]] || die "HEAD /health"
echo "ok   /livez, /metrics, HEAD"

[[ $(status_of -X POST -d 'x=1' "$base/health") == 405 ]] || die "POST /health not 405"
curl -s -D - -o /dev/null -X PUT "$base/metrics" | grep -i '^Allow: GET, HEAD' >/dev/null || die "405 without Allow"
[[ $(status_of "$base/nope") == 404 ]] || die "/nope not 404"
big=$(head -c 20000 /dev/zero | tr '\0' a)
[[ $(status_of -H "X-Big: $big" "$base/health") == 431 ]] || die "20 kB header not 431"
echo "ok   405 with Allow, 404, 431"

# A tool whose last success predates its due slots → 503 naming it.
run_record layout-update $((now - 3600))
wait_for 503
[[ $(json 'd["status"]') == unhealthy ]] || die "stale tool: status not unhealthy"
[[ $(json 'd["checks"]["run:layout-update"]["status"]') == fail ]] || die "stale tool not failed"
json 'd["checks"]["run:layout-update"]["message"]' | grep "layout-update is stale" >/dev/null || die "message does not name the tool"
echo "ok   stale run record → 503 naming layout-update"

run_record layout-update "$(date +%s)"
ingest_status "$(date +%s)"
wait_for 200
ingest_status $(($(date +%s) - 120))
wait_for 503
[[ $(json 'd["checks"]["ingest:heartbeat"]["status"]') == fail ]] || die "old heartbeat not failed"
echo "ok   iris-ingest heartbeat 120 s old → 503"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc -eq 0 ]] || die "SIGTERM: exit $rc, expected 0"
grep -q "msg=stopped" "$work/err" || die "no stopped log line"
echo "ok   SIGTERM → exit 0"

# The unit file.
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not installed; unit not checked"
  exit 0
fi
if grep -q '^ProcSubset=pid' "$unit"; then die "unit: ProcSubset=pid hides /proc/meminfo"; fi
check_unit "$unit" "$healthd" Type=notify WatchdogSec= Restart=on-failure ProtectSystem=strict NoNewPrivileges=yes \
  StateDirectory=gbpm ReadWritePaths= ReadOnlyPaths= 'CapabilityBoundingSet=$' GBPM_HOME=/var/lib/gbpm GBPM_HEALTH_LISTEN=
