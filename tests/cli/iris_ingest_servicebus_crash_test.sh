#!/usr/bin/env bash
# Crash consistency and poison handling of iris-ingest's servicebus: source
# (reduced for CI; the full run is
# tests/bench/ingest_crash_full.sh): fake-servicebus (HTTPS, SAS auth, short
# locks) holds N IRIS-shaped double-encoded messages of FREQ and FUELINST with
# unique keys, plus poison: 1% malformed bodies, 0.5% unknown datasets, 0.5%
# records with a wrongly typed field. iris-ingest is killed with -9 at random
# moments K times and restarted; then drained. Afterwards every valid
# message's records are present exactly once by natural key, the unknown ones
# are kept raw, only the poison is quarantined, the queue and the dead-letter
# queue are empty.
#   iris_ingest_servicebus_crash_test.sh IRIS_INGEST FAKE_SERVICEBUS [MESSAGES] [KILLS]
set -euo pipefail
ingest=$1
fake=$2
messages=${3:-1500}
kills=${4:-10}
lock_seconds=${LOCK_SECONDS:-3}
max_deliveries=${MAX_DELIVERIES:-10}
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI not installed; skipping"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed; skipping"; exit 77; }
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export GBPM_HOME="$work/home"
unset GBPM_CONFIG GBPM_WAREHOUSE GBPM_IRIS_SOURCE GBPM_LOG_LEVEL GBPM_LOG_FORMAT NOTIFY_SOCKET WATCHDOG_USEC \
  GBPM_IRIS_CLIENT_ID GBPM_IRIS_CLIENT_SECRET_FILE CREDENTIALS_DIRECTORY
db="$work/gbpm.db"

sas_key='c2FzLWtleS1mb3ItdGhlLWNyYXNoLXRlc3Q='
"$fake" --listen 127.0.0.1:0 --ca-out "$work/ca.pem" --sas-key "iris-listen=$sas_key" \
  --lock-duration "$lock_seconds" --max-delivery-count "$max_deliveries" >"$work/fake.out" 2>"$work/fake.err" &
for _ in $(seq 100); do [[ -s "$work/fake.out" && -s "$work/ca.pem" ]] && break; sleep 0.1; done
url=$(head -1 "$work/fake.out")
[[ "$url" == https://* ]] || { echo "FAIL: fake-servicebus did not start"; cat "$work/fake.err"; exit 1; }

# Enqueues the messages (wire form: a JSON string literal holding the
# records) over one kept-alive connection; prints the expected counts.
read -r want_freq want_fuel want_bad want_raw < <(python3 - "$url" "$work/ca.pem" "$messages" <<'PY'
import datetime, http.client, json, ssl, sys, urllib.parse
url, ca, n = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPSConnection(url.hostname, url.port, context=ssl.create_default_context(cafile=ca))
base = datetime.datetime(2026, 5, 1, tzinfo=datetime.timezone.utc)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
freq = fuel = bad = raw = 0
for i in range(n):
    if i % 100 == 42:
        ds, body, suffix = "FREQ", '[{"dataset":"FREQ","measurementTime":', "_bad"
        bad += 1
    elif i % 200 == 7:
        ds, body, suffix = "FREQ", json.dumps([{"dataset": "FREQ", "measurementTime": fmt(base), "frequency": "fast"}]), "_bad"
        bad += 1
    elif i % 200 == 99:
        ds, body, suffix = "ZZNEW", json.dumps([{"dataset": "ZZNEW", "n": i}]), ""
        raw += 1
    elif i % 2 == 0:
        ds, suffix = "FREQ", ""
        body = json.dumps([{"dataset": "FREQ", "measurementTime": fmt(base + datetime.timedelta(seconds=15 * (2 * i + k))),
                            "frequency": 50 + (i % 7) / 100} for k in range(2)])
        freq += 2
    else:
        ds, suffix = "FUELINST", ""
        start = base + datetime.timedelta(minutes=5 * i)
        body = json.dumps([{"dataset": "FUELINST", "publishTime": fmt(start + datetime.timedelta(minutes=5)),
                            "startTime": fmt(start), "settlementDate": start.strftime("%Y-%m-%d"),
                            "settlementPeriod": 1 + (start.hour * 60 + start.minute) // 30, "fuelType": f,
                            "generation": 1000 + i} for f in ("CCGT", "WIND", "NUCLEAR")])
        fuel += 3
    wire = json.dumps(body).encode()
    q = urllib.parse.urlencode({"label": ds, "id": f"{ds}_{i:06d}{suffix}.json"})
    conn.request("POST", f"/_fake/servicebus/queues/iris.test/messages?{q}", body=wire)
    r = conn.getresponse()
    r.read()
    if r.status >= 300:
        sys.exit(f"enqueue failed: HTTP {r.status}")
print(freq, fuel, bad, raw)
PY
)

printf '%s\n' "$sas_key" >"$work/sas-key"
export GBPM_SERVICEBUS_URL="$url" GBPM_CA_FILE="$work/ca.pem" GBPM_SERVICEBUS_SAS_KEY_NAME=iris-listen \
  GBPM_SERVICEBUS_SAS_KEY_FILE="$work/sas-key"
ingest_args=(--source servicebus:fake/iris.test --once --warehouse "sqlite:$db" -q)
queue_counts() {
  curl -sS --cacert "$work/ca.pem" "$url/_fake/servicebus/queues/iris.test" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["active"]), len(d["dead_letter"]))'
}

killed=0
runs=0
while ((killed < kills && runs < 4 * kills)); do
  read -r active _ < <(queue_counts)
  ((active > 0)) || break
  runs=$((runs + 1))
  # A simple command in the background: $! is iris-ingest itself.
  "$ingest" "${ingest_args[@]}" >/dev/null 2>"$work/err.$runs" &
  pid=$!
  # 1-4 s: a run must get past start-up (TLS, first receive) and commit
  # some batches, or every kill re-charges the same head messages a delivery
  # until the broker dead-letters them (as Service Bus would).
  delay_ms=$((1000 + RANDOM % 3000))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
done
read -r remaining _ < <(queue_counts)
# Locks held by the killed runs lapse after lock_seconds; drain until the
# queue is empty (each --once run ends at the first empty poll).
for attempt in $(seq 10); do
  read -r active _ < <(queue_counts)
  ((active > 0)) || break
  sleep "$lock_seconds"
  "$ingest" "${ingest_args[@]}" 2>"$work/err.final" || { echo "FAIL final drain"; cat "$work/err.final"; exit 1; }
done

failures=0
check() {
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
q() { sqlite3 "$db" "$1"; }
echo "killed $killed of $runs runs mid-drain ($messages messages, lock ${lock_seconds}s, max deliveries $max_deliveries);" \
  "$remaining left for the final drain"
check "killed runs made progress" yes "$( ((remaining < messages)) && echo yes || echo no)"
check "FREQ rows exactly once" "$want_freq" "$(q 'SELECT count(*) FROM bmrs_freq_iris')"
check "FREQ keys distinct" "$want_freq" "$(q 'SELECT count(DISTINCT measurement_time) FROM bmrs_freq_iris')"
check "FUELINST rows exactly once" "$want_fuel" "$(q 'SELECT count(*) FROM bmrs_fuelinst_iris')"
check "FUELINST keys distinct" "$want_fuel" "$(q 'SELECT count(*) FROM (SELECT DISTINCT start_time, fuel_type FROM bmrs_fuelinst_iris)')"
check "FUELINST values from their message" 0 "$(q "SELECT count(*) FROM bmrs_fuelinst_iris WHERE generation - 1000 != CAST(substr(message_id, 10, 6) AS INTEGER)")"
check "unknown datasets kept raw once" "$want_raw" "$(q "SELECT count(*) FROM raw_messages WHERE dataset = 'ZZNEW'")"
check "poison quarantined once each" "$want_bad" "$(q "SELECT count(*) FROM quarantine WHERE source_ref LIKE '%\_bad.json' ESCAPE '\\'")"
check "poison kept with its error" 0 "$(q "SELECT count(*) FROM quarantine WHERE error = '' OR body IS NULL")"
check "nothing valid quarantined" 0 "$(q "SELECT count(*) FROM quarantine WHERE source_ref NOT LIKE '%\_bad.json' ESCAPE '\\'")"
read -r active dead < <(queue_counts)
check "queue empty" 0 "$active"
check "dead-letter empty" 0 "$dead"
if grep -q "$sas_key" "$work"/err.* 2>/dev/null; then echo "FAIL the SAS key is in a log"; failures=$((failures + 1)); fi
[[ $failures -eq 0 ]]
