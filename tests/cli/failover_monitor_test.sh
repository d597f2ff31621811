#!/usr/bin/env bash
# failover-monitor end to end with real processes and short intervals: a
# scripted fake primary on loopback (python3), a test crontab whose jobs are
# small scripts, and GBPM_FAILOVER_TIME_SCALE=60 so one scheduled minute lasts
# one second. Checks: healthy primary → STANDBY and no jobs; 503 with the
# host's port open → still a failure → ACTIVE after `fall` checks; while
# ACTIVE a */1 job runs every scheduled minute (not once) and a slow job is
# skipped rather than doubled; SIGTERM → exit 0 and no child left; a restart
# while ACTIVE stays ACTIVE; recovery → STANDBY after `rise` checks and the
# hold-down, and no more job runs; `status` reports all of it. Then the unit
# file: `systemd-analyze verify` clean and the security exposure reported.
#   failover_monitor_test.sh FAILOVER_MONITOR [UNIT_FILE]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
monitor=$(realpath "$1")
unit=${2:-}
need python3
make_work
monitor_pid=""
# The monitor first (so it starts no more jobs), then the jobs' own processes
# (slow.sh and its grandchild), which are not this shell's jobs.
stop_monitor_and_jobs() {
  local f
  [[ -z $monitor_pid ]] || kill -9 "$monitor_pid" 2>/dev/null || true
  for f in "$work"/*.pid; do
    if [[ -f $f ]]; then kill -9 "$(cat "$f")" 2>/dev/null || true; fi
  done
}
at_exit stop_monitor_and_jobs
diagnostics() { echo "--- monitor log"; cat "$work"/monitor*.log || true; }

isolate_env
export GBPM_LOG_LEVEL=debug
mkdir -p "$GBPM_HOME"

# The fake primary: /health answers from the mode file (healthy | degraded).
echo healthy > "$work/mode"
python3 - "$work/mode" > "$work/primary.port" <<'PY' &
import http.server, sys
mode_file = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        mode = open(mode_file).read().strip()
        code, body = (200, b'{"status":"healthy","checks":{}}') if mode == "healthy" else \
                     (503, b'{"status":"degraded","checks":{"realtime-dashboard":{"result":"fail"}}}')
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
PY
wait_file "$work/primary.port" 5 || true
port=$(cat "$work/primary.port")
[[ -n $port ]] || die "fake primary did not start"

# Jobs: a stamp per run, and a slow job (with a grandchild) that outlives its minute.
cat > "$work/stamp.sh" <<'SH'
#!/bin/sh
date +%s.%N >> "$1"
echo "stamp run"
SH
cat > "$work/slow.sh" <<'SH'
#!/bin/sh
echo $$ >> "$1.starts"
sleep 600 &
echo $! > "$1.child.pid"
echo $$ > "$1.pid"
wait
SH
chmod +x "$work/stamp.sh" "$work/slow.sh"
cat > "$work/test.crontab" <<EOF2
# test crontab for failover-monitor
PATH=/usr/bin:/bin
*/1 * * * * $(id -un) $work/stamp.sh $work/stamps >>$work/stamp.log 2>&1
*/1 * * * * $(id -un) $work/slow.sh $work/slow >>$work/slow.log 2>&1
EOF2

export GBPM_FAILOVER_PRIMARY_URL="http://127.0.0.1:$port/health"
export GBPM_FAILOVER_CRONTAB="$work/test.crontab"
export GBPM_FAILOVER_INTERVAL=300ms GBPM_FAILOVER_TIMEOUT=250ms GBPM_FAILOVER_FALL=3 GBPM_FAILOVER_RISE=2
export GBPM_FAILOVER_HOLD_DOWN=2s GBPM_FAILOVER_TCP_PORT=$port GBPM_FAILOVER_TIME_SCALE=60
export GBPM_FAILOVER_JOB_TIMEOUT=60m GBPM_FAILOVER_STOP_GRACE=2m

start_monitor() {
  "$monitor" > "$work/$1.out" 2> "$work/$1.log" &
  monitor_pid=$!
}
status_shows() { "$monitor" status 2>/dev/null | grep "$1" >/dev/null; }
# Waits until `status` prints a line matching $1 (10 s at most).
wait_status() {
  wait_until 10 status_shows "$1" && return 0
  "$monitor" status || true
  die "status never showed '$1'"
}
count() { [[ -f $1 ]] && wc -l < "$1" || echo 0; }
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
# The job's group got SIGKILL before the monitor exited; give the kernel a moment to finish them.
gone() { for _ in $(seq 20); do [[ -z $(pgrep -g "$1" 2>/dev/null || true) ]] && return 0; sleep 0.1; done; return 1; }
stop_monitor() {
  kill -TERM "$monitor_pid"
  local rc=0
  wait "$monitor_pid" || rc=$?
  monitor_pid=""
  [[ $rc -eq 0 ]] || die "failover-monitor exited $rc after SIGTERM"
}

# 1. A healthy primary: STANDBY, no jobs.
"$monitor" status | grep "state: unknown" >/dev/null || die "status before the first run should say unknown"
start_monitor monitor1
wait_status "last probe: healthy"
sleep 1.5
"$monitor" status | grep "state: STANDBY" >/dev/null || die "not STANDBY with a healthy primary"
[[ $(count "$work/stamps") -eq 0 ]] || die "jobs ran while STANDBY"

# 2. 503 while the host's port is open: still a failure; ACTIVE after exactly `fall` failures.
echo degraded > "$work/mode"
wait_status "state: ACTIVE"
grep -q "primary check failed.*HTTP 503.*class=service_degraded" "$work/monitor1.log" || die "503 not logged as service_degraded"
[[ $(grep -c "takeover: STANDBY -> ACTIVE" "$work/monitor1.log") -eq 1 ]] || die "expected exactly one takeover"
before_takeover=$(grep -n "takeover" "$work/monitor1.log" | head -1 | cut -d: -f1)
[[ $(head -n "$before_takeover" "$work/monitor1.log" | grep -c "primary check failed") -eq 3 ]] ||
  die "takeover was not at the third failure"

# 3. While ACTIVE: the */1 job runs every scheduled minute (one per second here); the slow one is skipped.
sleep 5.5
stamps=$(count "$work/stamps")
[[ $stamps -ge 4 && $stamps -le 7 ]] || die "expected 4..7 runs of the */1 job in ~5.5 scheduled minutes, got $stamps"
python3 - "$work/stamps" <<'PY' || die "runs of the */1 job were not one per scheduled minute"
import sys
t = [float(x) for x in open(sys.argv[1])]
gaps = [b - a for a, b in zip(t, t[1:])]
assert all(0.5 < g < 1.6 for g in gaps), gaps
PY
logged=$(count "$work/stamp.log")  # a run may be in flight: the script stamps, then prints
[[ $logged -ge $((stamps - 1)) && $logged -le $(count "$work/stamps") ]] || die "job output not appended to its log"
[[ $(count "$work/slow.starts") -eq 1 ]] || die "the slow job ran $(count "$work/slow.starts") times; it must not overlap itself"
grep -q "job skipped: previous run still going.*job=slow.sh" "$work/monitor1.log" || die "skip not logged"
"$monitor" status | grep "job slow.sh (\*/1 \* \* \* \*): started 1, skipped [1-9]" >/dev/null || die "status lacks job counters"

# 4. SIGTERM: exit 0, the slow job and its grandchild are gone, nothing left in the job's group.
slow_pid=$(cat "$work/slow.pid")
slow_child=$(cat "$work/slow.child.pid")
alive "$slow_pid" || die "slow job should be running before SIGTERM"
stop_monitor
alive "$slow_pid" && die "job $slow_pid survived the monitor's SIGTERM"
gone "$slow_pid" || die "processes left in the job's process group: $(ps -o pid,stat,cmd -g "$slow_pid" || true)"
alive "$slow_child" && die "grandchild $slow_child survived the monitor's SIGTERM"
"$monitor" status | grep "state: ACTIVE" >/dev/null || die "state after SIGTERM should still be ACTIVE"

# 5. Restart while ACTIVE stays ACTIVE at once (before any failed check) and says so.
stamps_before=$(count "$work/stamps")
start_monitor monitor2
wait_until 5 grep -q "restarted while ACTIVE" "$work/monitor2.log" || true
grep -q "restarted while ACTIVE" "$work/monitor2.log" || die "restart while ACTIVE not logged"
grep -q "takeover" "$work/monitor2.log" && die "a restart while ACTIVE must not count as a new takeover"
sleep 2.5
[[ $(count "$work/stamps") -gt $stamps_before ]] || die "jobs did not resume after the restart"

# 6. Recovery: STANDBY after `rise` healthy checks (hold-down long over), then no more runs.
echo healthy > "$work/mode"
wait_status "state: STANDBY"
grep -q "failback: ACTIVE -> STANDBY.*2 consecutive healthy checks" "$work/monitor2.log" || die "failback not logged"
sleep 0.5
settled=$(count "$work/stamps")
sleep 2.5
[[ $(count "$work/stamps") -eq $settled ]] || die "jobs kept running after STANDBY"
"$monitor" status | grep "failbacks: 1" >/dev/null || die "status lacks the failback"
slow_pid=$(cat "$work/slow.pid")
stop_monitor
alive "$slow_pid" && die "job $slow_pid survived the monitor's SIGTERM"
gone "$slow_pid" || die "processes left in the job's process group"
[[ -z $(pgrep -f "$work/slow.sh" || true) ]] || die "a slow.sh process is left over"

# 7. The unit file: `systemd-analyze verify` clean, exposure reported (<= 2.5).
if [[ -n $unit ]] && command -v systemd-analyze >/dev/null; then
  check_unit "$unit" "$monitor" Type=notify WatchdogSec= Restart=on-failure ProtectSystem=strict NoNewPrivileges=yes \
    StateDirectory=gbpm KillMode=control-group LogsDirectory=gbpm GBPM_HOME=/var/lib/gbpm
fi
echo "failover-monitor CLI test passed"
