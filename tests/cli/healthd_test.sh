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
healthd=$(realpath "$1")
unit=$2
command -v curl >/dev/null || { echo "curl not installed; skipping"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed; skipping"; exit 77; }

work=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f "$work/err" ]] && { echo "--- healthd stderr:"; tail -20 "$work/err"; }; exit 1; }

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
"$healthd" --help | grep "Examples:" >/dev/null || fail "--help has no examples"
set +e
GBPM_HOME="$home" "$healthd" --listen nowhere:80 --crontab "$work/cron" 2>"$work/bad"
rc=$?
set -e
[[ $rc -eq 78 ]] || fail "--listen nowhere:80 exited $rc, expected 78"

# Data freshness needs a warehouse: left out here (tested with fixtures in
# health_tests); disk and memory limits at 0 so the host does not matter.
export GBPM_HOME="$home" GBPM_HEALTH_DATASETS="" GBPM_HEALTH_DISK_WARN_MB=0 GBPM_HEALTH_DISK_FAIL_MB=0 \
  GBPM_HEALTH_MEMORY_WARN_MB=0 GBPM_HEALTH_MEMORY_FAIL_MB=0
"$healthd" --listen 127.0.0.1:0 --crontab "$work/cron" --interval 300ms 2>"$work/err" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*msg=ready listen=\[127.0.0.1\]:\([0-9]*\).*/\1/p' "$work/err" | head -1)
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || fail "healthd did not report ready"
base="http://127.0.0.1:$port"

# status_of PATH → "CODE" ; body in $work/body
status_of() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
# wait_for CODE: polls /health until it answers CODE (checks run every 300 ms).
wait_for() {
  for _ in $(seq 50); do
    [[ $(status_of "$base/health") == "$1" ]] && return 0
    sleep 0.1
  done
  fail "/health never answered $1; last body: $(cat "$work/body")"
}
json() { python3 -c "import json,sys; d=json.load(open('$work/body')); print($1)"; }

wait_for 200
[[ $(json 'd["status"]') == healthy ]] || fail "200 without status healthy: $(cat "$work/body")"
[[ $(json 'd["checks"]["run:layout-update"]["status"]') == pass ]] || fail "layout-update not pass"
echo "ok   all fresh → 200 healthy"

[[ $(status_of "$base/livez") == 200 ]] || fail "/livez"
[[ $(status_of "$base/metrics") == 200 ]] || fail "/metrics"
grep -q "^gbpm_tool_last_success_timestamp_seconds{tool=\"layout-update\"} $now\$" "$work/body" \
  || fail "/metrics has no last-success sample for layout-update at $now"
grep -q '^gbpm_ingest_messages_total{outcome="quarantined"} 2$' "$work/body" || fail "/metrics: ingest counters"
[[ $(status_of -I "$base/health") == 200 ]] || fail "HEAD /health"
echo "ok   /livez, /metrics, HEAD"

[[ $(status_of -X POST -d 'x=1' "$base/health") == 405 ]] || fail "POST /health not 405"
curl -s -D - -o /dev/null -X PUT "$base/metrics" | grep -i '^Allow: GET, HEAD' >/dev/null || fail "405 without Allow"
[[ $(status_of "$base/nope") == 404 ]] || fail "/nope not 404"
big=$(head -c 20000 /dev/zero | tr '\0' a)
[[ $(status_of -H "X-Big: $big" "$base/health") == 431 ]] || fail "20 kB header not 431"
echo "ok   405 with Allow, 404, 431"

# A tool whose last success predates its due slots → 503 naming it.
run_record layout-update $((now - 3600))
wait_for 503
[[ $(json 'd["status"]') == unhealthy ]] || fail "stale tool: status not unhealthy"
[[ $(json 'd["checks"]["run:layout-update"]["status"]') == fail ]] || fail "stale tool not failed"
json 'd["checks"]["run:layout-update"]["message"]' | grep "layout-update is stale" >/dev/null || fail "message does not name the tool"
echo "ok   stale run record → 503 naming layout-update"

run_record layout-update "$(date +%s)"
ingest_status "$(date +%s)"
wait_for 200
ingest_status $(($(date +%s) - 120))
wait_for 503
[[ $(json 'd["checks"]["ingest:heartbeat"]["status"]') == fail ]] || fail "old heartbeat not failed"
echo "ok   iris-ingest heartbeat 120 s old → 503"

kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=""
[[ $rc -eq 0 ]] || fail "SIGTERM: exit $rc, expected 0"
grep -q "msg=stopped" "$work/err" || fail "no stopped log line"
echo "ok   SIGTERM → exit 0"

# The unit file.
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not installed; unit not checked"
  exit 0
fi
sed "s#^ExecStart=/usr/local/bin/healthd#ExecStart=$healthd#" "$unit" >"$work/healthd.service"
for key in Type=notify WatchdogSec= Restart=on-failure ProtectSystem=strict NoNewPrivileges=yes StateDirectory=gbpm \
  ReadWritePaths= ReadOnlyPaths= 'CapabilityBoundingSet=$' GBPM_HOME=/var/lib/gbpm GBPM_HEALTH_LISTEN=; do
  grep -q -- "$key" "$work/healthd.service" || fail "unit: $key missing"
done
if grep -q '^ProcSubset=pid' "$work/healthd.service"; then fail "unit: ProcSubset=pid hides /proc/meminfo"; fi
if ! out=$(systemd-analyze verify "$work/healthd.service" 2>&1) || [[ -n "$out" ]]; then
  fail "systemd-analyze verify: $out"
fi
echo "ok   systemd-analyze verify"
if sec=$(systemd-analyze security --offline=yes "$work/healthd.service" 2>&1); then
  score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$sec")
  echo "exposure score: $score"
  [[ -n "$score" ]] || fail "no exposure score"
  awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }' || fail "exposure $score > 2.5"
else
  echo "systemd-analyze security --offline unsupported here; exposure not checked"
fi
