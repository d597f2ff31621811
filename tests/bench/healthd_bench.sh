#!/usr/bin/env bash
# healthd benchmark (not run by ctest):
#   1. wrk, 200 connections for 30 s on GET /health (healthy, 200): p50/p99
#      latency, requests/s, errors, healthd's RSS (VmRSS and peak VmHWM).
#      Goals: p99 < 5 ms, RSS < 15 MB, zero errors.
#   2. slowloris: 500 connections held open (half idle, half trickling a
#      request head) by healthd_slowloris.py while /health is timed on fresh
#      connections; compared with the same probe without them.
#
#   tests/bench/healthd_bench.sh [HEALTHD] [DURATION_S] [CONNECTIONS]
# Skips (exit 77) when wrk or python3 is missing (apt-get install wrk).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
healthd=$(realpath "${1:-$here/../../build-health/tools/healthd}")
duration=${2:-30}
connections=${3:-200}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk); skipping"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed; skipping"; exit 77; }

work=$(mktemp -d)
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A healthy fixture home: one every-minute tool that just succeeded, a
# running iris-ingest; no warehouse checks; host limits at 0.
home="$work/home"
mkdir -p "$home/runs"
echo '* * * * * gbpm /usr/local/bin/layout-update >>/var/log/gbpm/layout-update.log 2>&1' >"$work/cron"
write_fixture() {
  local t
  t=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
  cat >"$home/runs/layout-update.json" <<EOF
{"tool":"layout-update","version":"0.1.0","host":"bench","pid":1,"state":"ok","start":"$t","end":"$t","exit_code":0,
 "exit_name":"ok","error":"","rows_read":1,"rows_written":1,"api_calls":1,"bytes_scanned":0,"watermark":null,
 "last_success":"$t"}
EOF
  cat >"$home/runs/iris-ingest.status.json" <<EOF
{"tool":"iris-ingest","state":"running","source":"dir:/x","updated_at":"$t","started_at":"$t","messages":1,
 "newest_message_at":"$t","last_error":"","datasets":{}}
EOF
}
write_fixture
(while sleep 10; do write_fixture; done) &
refresher=$!
trap 'kill $refresher 2>/dev/null; cleanup' EXIT

export GBPM_HOME="$home" GBPM_HEALTH_DATASETS="" GBPM_HEALTH_DISK_WARN_MB=0 GBPM_HEALTH_DISK_FAIL_MB=0 \
  GBPM_HEALTH_MEMORY_WARN_MB=0 GBPM_HEALTH_MEMORY_FAIL_MB=0
"$healthd" --listen 127.0.0.1:0 --crontab "$work/cron" --interval 1s 2>"$work/err" &
pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*msg=ready listen=\[127.0.0.1\]:\([0-9]*\).*/\1/p' "$work/err" | head -1)
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { echo "healthd did not start"; cat "$work/err"; exit 1; }
url="http://127.0.0.1:$port/health"
for _ in $(seq 50); do [[ $(curl -s -o /dev/null -w '%{http_code}' "$url") == 200 ]] && break; sleep 0.1; done
echo "healthd pid $pid on port $port; /health: $(curl -s -o /dev/null -w '%{http_code}' "$url"), $(curl -s "$url" | wc -c) bytes"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== wrk -t2 -c$connections -d${duration}s --latency $url"
wrk -t2 -c"$connections" -d"${duration}s" --latency "$url" | tee "$work/wrk"
echo "healthd RSS after wrk: $(awk '/^VmRSS/ {print $2, $3}' /proc/$pid/status), peak $(awk '/^VmHWM/ {print $2, $3}' /proc/$pid/status)"
if grep -q "Socket errors\|Non-2xx" "$work/wrk"; then echo "ERRORS reported by wrk (see above)"; else echo "errors: none"; fi

echo
echo "== /health latency on fresh connections, no other load"
python3 "$here/healthd_slowloris.py" probe "$port" 100
echo
echo "== the same while 500 slowloris connections are held open"
python3 "$here/healthd_slowloris.py" hold "$port" 500 20 &
holder=$!
sleep 3
echo "open connections (server side): $(ss -tn state established "( sport = :$port )" | tail -n +2 | wc -l)"
python3 "$here/healthd_slowloris.py" probe "$port" 200
wait "$holder"
echo "healthd RSS after slowloris: $(awk '/^VmRSS/ {print $2, $3}' /proc/$pid/status), peak $(awk '/^VmHWM/ {print $2, $3}' /proc/$pid/status)"
curl -s "http://127.0.0.1:$port/metrics" | grep '^gbpm_healthd_' || true
