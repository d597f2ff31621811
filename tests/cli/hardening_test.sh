#!/usr/bin/env bash
# Secrets never reach a log line, error text, alert or --print-config, and
# the configuration checks of issue 19 refuse what they should:
#   - every tool runs with planted secrets (URL user-info, a webhook URL whose
#     path is the secret, secret query parameters); ALL their stdout and
#     stderr is scanned for the planted strings, and each run is checked to
#     have shown the URL (redacted) or failed on it, so the scan is not vacuous;
#   - failover-monitor's webhook delivery fails (the proof of the review) and
#     its log line does not contain the URL's path;
#   - a crontab writable by group/other, or owned by another user, is refused (78);
#   - an http:// URL that would receive credentials is refused (78), loopback
#     http (the test fakes) is not.
#   hardening_test.sh BIN_DIR   (the directory holding the built tools)
set -euo pipefail
bindir=$1
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
make_work
unset GBPM_CONFIG GBPM_WAREHOUSE GBPM_IRIS_SOURCE GBPM_LOG_LEVEL GBPM_LOG_FORMAT NOTIFY_SOCKET WATCHDOG_USEC
export GBPM_HOME="$work/home"
mkdir -p "$work/logs"
# run NAME CMD...: stdout and stderr into logs/NAME.{out,err}; prints the exit code.
run() {
  local name=$1
  shift
  set +e
  timeout 60 "$@" >"$work/logs/$name.out" 2>"$work/logs/$name.err"
  local rc=$?
  set -e
  echo "$rc"
}
# A TCP port nothing listens on.
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

tag=$RANDOM$RANDOM
userpass="PLANTED-userpass-$tag"
hookpath="PLANTED-hookpath-$tag"
apikey="PLANTED-apikey-$tag"
secrets=("$userpass" "$hookpath" "$apikey")

# The planted configuration, as an operator might write it.
cat > "$work/gbpm.env" <<EOF
GBPM_FAILOVER_PRIMARY_URL=http://gbpm:$userpass@127.0.0.1:$closed_port/health
GBPM_FAILOVER_WEBHOOK_URL=http://127.0.0.1:$closed_port/services/T000/B000/$hookpath
GBPM_ELEXON_URL=http://127.0.0.1:$closed_port/bmrs/api/v1?apikey=$apikey
EOF
export GBPM_CONFIG="$work/gbpm.env"

# --- --print-config of every tool -------------------------------------------
for tool in iris-ingest bmrs-backfill layout-update daily-kpi outages-update realtime-dashboard gsp-update healthd \
  failover-monitor; do
  rc=$(run "print-$tool" "$bindir/$tool" --print-config)
  check "$tool --print-config exits 0" 0 "$rc"
  has "$tool --print-config shows the redacted URL" "$work/logs/print-$tool.out" \
    "GBPM_FAILOVER_PRIMARY_URL=http://127.0.0.1:$closed_port/health"
  has "$tool --print-config keeps the query, not its value" "$work/logs/print-$tool.out" "apikey=[REDACTED]"
done

# --- failover-monitor: a failed webhook delivery -----------------------------
printf '# no jobs\n' > "$work/crontab"
chmod 0644 "$work/crontab"
export GBPM_FAILOVER_CRONTAB="$work/crontab" GBPM_FAILOVER_INTERVAL=100ms GBPM_FAILOVER_TIMEOUT=100ms
export GBPM_FAILOVER_FALL=1 GBPM_FAILOVER_TCP_PORT=0 GBPM_FAILOVER_HOLD_DOWN=0
"$bindir/failover-monitor" >"$work/logs/monitor.out" 2>"$work/logs/monitor.err" &
monitor=$!
for _ in $(seq 100); do
  grep -F "webhook failed" "$work/logs/monitor.err" >/dev/null && break
  sleep 0.1
done
kill -TERM "$monitor"
wait "$monitor" || true
has "monitor: the takeover happened" "$work/logs/monitor.err" "takeover: STANDBY -> ACTIVE"
has "monitor: the webhook delivery failed and was logged" "$work/logs/monitor.err" "webhook failed"
# The webhook field is a secret setting (redacted whole by its name); the
# delivery error shows the host only, so the failure can still be traced.
has "monitor: the webhook field is redacted" "$work/logs/monitor.err" "webhook=[REDACTED]"
has "monitor: the delivery error names the webhook's host only" "$work/logs/monitor.err" \
  "POST http://127.0.0.1:$closed_port/[REDACTED]"

# --- crontab ownership and permissions -----------------------------------------
chmod 0666 "$work/crontab"
rc=$(run crontab-writable "$bindir/failover-monitor")
check "a world-writable crontab is refused (78)" 78 "$rc"
has "the refusal says why" "$work/logs/crontab-writable.err" "writable by group or others (mode 0666)"
chmod 0620 "$work/crontab"
check "a group-writable crontab is refused (78)" 78 "$(run crontab-group "$bindir/failover-monitor")"
chmod 0644 "$work/crontab"
if [[ $(id -u) -eq 0 ]]; then
  chown 65534 "$work/crontab"
  rc=$(run crontab-owner "$bindir/failover-monitor")
  check "a crontab owned by another user is refused (78)" 78 "$rc"
  has "the refusal names the owner" "$work/logs/crontab-owner.err" "owned by uid 65534"
  chown 0 "$work/crontab"
fi
unset GBPM_FAILOVER_CRONTAB

# --- https for URLs that receive credentials ------------------------------------
rc=$(run http-sheets env GBPM_SHEETS_URL=http://sheets.example.com/v4 "$bindir/layout-update" --sheet gsheets:abc)
check "http:// for the Sheets API is refused (78)" 78 "$rc"
has "the refusal says https" "$work/logs/http-sheets.err" "must be an https:// URL"
rc=$(run http-token env GBPM_GOOGLE_TOKEN_URL=http://oauth.example.com/token "$bindir/daily-kpi")
check "http:// for the token endpoint is refused (78)" 78 "$rc"
rc=$(run http-hook env GBPM_FAILOVER_WEBHOOK_URL="http://hooks.example.com/services/$hookpath" "$bindir/failover-monitor")
check "http:// for the webhook is refused (78)" 78 "$rc"
rc=$(run userinfo-sb env GBPM_SERVICEBUS_URL="https://sas:$userpass@127.0.0.1:$closed_port" \
  "$bindir/iris-ingest" --source servicebus:ns/q --once)
check "user:password@ in the Service Bus URL is refused (78)" 78 "$rc"
has "the refusal names the setting" "$work/logs/userinfo-sb.err" "GBPM_SERVICEBUS_URL"

# --- bmrs-backfill quotes its failing URL: the key stays out -----------------------
rc=$(run backfill "$bindir/bmrs-backfill" --dataset FREQ --from 2025-01-01 --to 2025-01-01)
check "backfill fails against a closed port (not 0)" yes "$([[ $rc -ne 0 ]] && echo yes || echo no)"
has "backfill names the endpoint" "$work/logs/backfill.err" "127.0.0.1:$closed_port"

# --- the scan: no planted secret anywhere -----------------------------------------
for secret in "${secrets[@]}"; do
  if found=$(grep -rlF -- "$secret" "$work/logs"); then
    echo "FAIL secret '$secret' leaked in:"
    for f in $found; do echo "--- $f"; grep -F -- "$secret" "$f"; done
    failures=$((failures + 1))
  else
    pass=$((pass + 1))
  fi
done
logs=("$work"/logs/*)
echo "scanned $(cat "${logs[@]}" | wc -l) lines of ${#logs[@]} outputs"
finish "hardening"
