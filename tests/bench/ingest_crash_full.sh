#!/usr/bin/env bash
# The full crash-consistency run of issue 6, for both sources: 10,000 messages each, 50 kill -9 that land mid-drain, with
# restarts, then every message's records exactly once by natural key, the
# drop/queue and dead-letter queue empty, nothing valid quarantined, only the
# poison quarantined. CI runs reduced forms: cli.iris_ingest_servicebus_crash
# is this script's servicebus: half with 1,500 messages and 4 kills;
# cli.iris_ingest_crash is a dir: test of its own.
#
# Pacing: the messages are not all handed over at once (a fast ingester
# drains 10,000 in a couple of seconds, so most kills would hit an idle or
# finished process). Before each run the backlog is topped up to a small wave
# (MESSAGES / KILLS files; MESSAGES / (2 × KILLS) queue messages, as every
# kill charges each locked message a delivery and the broker dead-letters a
# message after MAX_DELIVERIES), and the run is killed after a random delay in
# [0, D] ms. A kill "lands" when work was still outstanding at that moment
# (files in the drop / messages available or locked by this run); D adapts
# (shorter after a kill that found no work, longer after one that landed) so
# kills spread over start-up, reading, decoding, the commit and the removal
# of files on whatever machine this runs. The ingester itself is not slowed
# down in any way (continuous mode, default settings).
#
#   tests/bench/ingest_crash_full.sh [--only dir|servicebus] BUILD_DIR [MESSAGES=10000] [KILLS=50]
#   tests/bench/ingest_crash_full.sh [--only SOURCE] --ingest IRIS_INGEST --fake-servicebus FAKE [MESSAGES] [KILLS]
#   e.g. tests/bench/ingest_crash_full.sh build-ingest
# Exit status: 0 when every check passed, 1 when one failed, 2 when something
# it needs is missing, 64 for bad arguments.
set -euo pipefail
# shellcheck source=../cli/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
usage() { sed -n 's/^#   \(tests\/bench\/\)/\1/p' "${BASH_SOURCE[0]}" >&2; exit 64; }
only=
ingest=
fake=
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --only) only=${2:-} ;;
    --ingest) ingest=${2:-} ;;
    --fake-servicebus) fake=${2:-} ;;
    *) usage ;;
  esac
  shift 2 || usage
done
[[ $only == "" || $only == dir || $only == servicebus ]] || usage
if [[ -z $ingest || -z $fake ]]; then
  [[ $# -gt 0 ]] || usage
  ingest=${ingest:-$1/tools/iris-ingest}
  fake=${fake:-$1/tests/fakes/fake-servicebus/fake-servicebus}
  shift
fi
messages=${1:-10000}
kills=${2:-50}
[[ -x "$ingest" ]] || { echo "no $ingest: build the iris-ingest target"; exit 2; }
[[ -x "$fake" ]] || { echo "no $fake: build the fake-servicebus target"; exit 2; }
for c in sqlite3 python3 curl; do command -v "$c" >/dev/null || { echo "$c not installed"; exit 2; }; done
make_work
isolate_env

# The message set (the CLI crash tests' shapes): FREQ and FUELINST with unique
# keys; poison: 1% malformed, 0.5% a wrongly typed field; 0.5% an unknown
# dataset. Writes one line per message to $work/messages.jsonl: id, dataset,
# body; prints the expected FREQ rows, FUELINST rows, poison and raw counts.
read -r want_freq want_fuel want_bad want_raw < <(python3 - "$work/messages.jsonl" "$messages" <<'PY'
import datetime, json, sys
out, n = sys.argv[1], int(sys.argv[2])
base = datetime.datetime(2026, 5, 1, tzinfo=datetime.timezone.utc)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
freq = fuel = bad = raw = 0
with open(out, "w") as f:
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
                                "settlementPeriod": 1 + (start.hour * 60 + start.minute) // 30, "fuelType": fu,
                                "generation": 1000 + i} for fu in ("CCGT", "WIND", "NUCLEAR")])
            fuel += 3
        f.write(json.dumps({"i": i, "id": f"{ds}_{i:06d}{suffix}.json", "ds": ds, "body": body}) + "\n")
print(freq, fuel, bad, raw)
PY
)

common_checks() {  # DB REMAINING: the store after the kills and the final drain
  local db=$1 progress=no
  q() { sqlite3 "$db" "$1"; }
  # The kills must have hit runs that were storing, or the run proves nothing.
  # CRASH_PROGRESS_OPTIONAL=1 (the small CI smoke run, which an ASan build
  # may kill before its first commit) reports it instead of failing on it.
  if (($2 < messages)); then progress=yes; fi
  if [[ ${CRASH_PROGRESS_OPTIONAL:-0} == 1 && $progress == no ]]; then
    echo "note: no killed run got to commit (slow build); the data checks below still hold"
  else
    check "killed runs made progress" yes "$progress"
  fi
  check "FREQ rows exactly once" "$want_freq" "$(q 'SELECT count(*) FROM bmrs_freq_iris')"
  check "FREQ keys distinct" "$want_freq" "$(q 'SELECT count(DISTINCT measurement_time) FROM bmrs_freq_iris')"
  check "FUELINST rows exactly once" "$want_fuel" "$(q 'SELECT count(*) FROM bmrs_fuelinst_iris')"
  check "FUELINST keys distinct" "$want_fuel" \
    "$(q 'SELECT count(*) FROM (SELECT DISTINCT start_time, fuel_type FROM bmrs_fuelinst_iris)')"
  check "FUELINST values from their message" 0 \
    "$(q "SELECT count(*) FROM bmrs_fuelinst_iris WHERE generation - 1000 != CAST(substr(message_id, 10, 6) AS INTEGER)")"
  check "unknown datasets kept raw once" "$want_raw" "$(q "SELECT count(*) FROM raw_messages WHERE dataset = 'ZZNEW'")"
  check "poison quarantined once each" "$want_bad" \
    "$(q "SELECT count(*) FROM quarantine WHERE source_ref LIKE '%\_bad.json' ESCAPE '\\'")"
  check "nothing valid quarantined" 0 \
    "$(q "SELECT count(*) FROM quarantine WHERE source_ref NOT LIKE '%\_bad.json' ESCAPE '\\'")"
}
# Sleeps a random 0..$1 ms.
random_sleep() { local ms=$((RANDOM % ($1 + 1))); sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"; }
next_delay() {  # LANDED D MIN MAX → the next D (ms)
  local d
  if (($1)); then d=$(($2 * 5 / 4 + 1)); else d=$(($2 * 2 / 3)); fi
  ((d < $3)) && d=$3
  ((d > $4)) && d=$4
  echo "$d"
}

# --- dir: -------------------------------------------------------------------------
drop="$work/drop"
# Writes messages [FROM, TO) into the drop (mtimes in the past: ready at once).
feed_dir() {
  python3 - "$work/messages.jsonl" "$drop" "$1" "$2" <<'PY'
import itertools, json, os, sys
src, drop, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(src) as f:
    for line in itertools.islice(f, a, b):
        m = json.loads(line)
        d = os.path.join(drop, m["ds"])
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, m["id"])
        with open(p + ".tmp", "w") as out:
            out.write(m["body"])
        os.utime(p + ".tmp", (1_000_000_000 + m["i"],) * 2)
        os.rename(p + ".tmp", p)  # never a half-written .json
PY
}
left() { find "$drop" -path "$drop/.quarantine" -prune -o -type f -name '*.json' -print | wc -l; }
crash_dir() {
  echo "== dir: $messages messages, $kills kills landing mid-drain"
  local start=$SECONDS db="$work/dir.db" base_wave=$(((messages + kills - 1) / kills))
  local fed=0 delay=100 landed=0 runs=0 backlog to pid outstanding hit remaining
  mkdir -p "$drop"
  while ((landed < kills && runs < 8 * kills)); do
    backlog=$(left)
    if ((fed < messages && backlog < base_wave)); then
      to=$((fed + base_wave - backlog < messages ? fed + base_wave - backlog : messages))
      feed_dir "$fed" "$to"
      fed=$to
    elif ((backlog == 0)); then
      break
    fi
    runs=$((runs + 1))
    "$ingest" --source "dir:$drop" --warehouse "sqlite:$db" -q >/dev/null 2>"$work/dir-err.$runs" &
    pid=$!
    random_sleep "$delay"
    outstanding=$(left)
    hit=0
    if kill -9 "$pid" 2>/dev/null && ((outstanding > 0)); then hit=1; fi
    wait "$pid" 2>/dev/null || true
    landed=$((landed + hit))
    delay=$(next_delay "$hit" "$delay" 5 3000)
  done
  if ((fed < messages)); then feed_dir "$fed" "$messages"; fi
  remaining=$(left)
  "$ingest" --source "dir:$drop" --once --warehouse "sqlite:$db" -q 2>"$work/dir-err.final" ||
    die "final drain: $(cat "$work/dir-err.final")"
  echo "kills landed mid-drain: $landed of $kills wanted ($runs runs, $((runs - landed)) kills found no work);" \
    "$remaining of $messages files left for the final drain"
  check "all $kills kills landed mid-drain" "$kills" "$landed"
  common_checks "$db" "$remaining"
  check "drop empty" 0 "$(left)"
  check "quarantined files" "$want_bad" "$(find "$drop/.quarantine" -name '*_bad.json' | wc -l)"
  echo "   ($((SECONDS - start)) s)"
}

# --- servicebus: -------------------------------------------------------------------
lock_seconds=${LOCK_SECONDS:-3}
max_deliveries=${MAX_DELIVERIES:-10}
sas_key='c2FzLWtleS1mb3ItdGhlLWNyYXNoLXRlc3Q='
url=
# Enqueues messages [FROM, TO) (wire form: a JSON string literal holding the
# records) over one kept-alive connection.
feed_sb() {
  python3 - "$work/messages.jsonl" "$url" "$work/ca.pem" "$1" "$2" <<'PY'
import http.client, itertools, json, ssl, sys, urllib.parse
src, url, ca, a, b = sys.argv[1], urllib.parse.urlparse(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
conn = http.client.HTTPSConnection(url.hostname, url.port, context=ssl.create_default_context(cafile=ca))
with open(src) as f:
    for line in itertools.islice(f, a, b):
        m = json.loads(line)
        q = urllib.parse.urlencode({"label": m["ds"], "id": m["id"]})
        conn.request("POST", f"/_fake/servicebus/queues/iris.test/messages?{q}", body=json.dumps(m["body"]).encode())
        r = conn.getresponse()
        r.read()
        if r.status >= 300:
            sys.exit(f"enqueue failed: HTTP {r.status}")
PY
}
# Prints: messages on the queue, dead-lettered, locked (being delivered).
queue_counts() {
  fake_curl "$url/_fake/servicebus/queues/iris.test" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["active"]), len(d["dead_letter"]), sum(m["locked"] for m in d["active"]))'
}
crash_servicebus() {
  echo "== servicebus: $messages messages, $kills kills landing mid-drain"
  local start=$SECONDS db="$work/sb.db" base_wave=$(((messages + 2 * kills - 1) / (2 * kills)))
  local fed=0 delay=1500 landed=0 runs=0 backlog stale to pid active dead locked outstanding hit remaining
  start_fake servicebus "$fake" --sas-key "iris-listen=$sas_key" --lock-duration "$lock_seconds" \
    --max-delivery-count "$max_deliveries"
  url=$fake_url
  printf '%s\n' "$sas_key" >"$work/sas-key"
  local ingest_args=(--source servicebus:fake/iris.test --warehouse "sqlite:$db" -q)
  export GBPM_SERVICEBUS_URL="$url" GBPM_CA_FILE="$work/ca.pem" GBPM_SERVICEBUS_SAS_KEY_NAME=iris-listen \
    GBPM_SERVICEBUS_SAS_KEY_FILE="$work/sas-key"
  while ((landed < kills && runs < 8 * kills)); do
    # Locks the killed runs left behind: not work for the next run until they lapse.
    read -r backlog _ stale < <(queue_counts)
    if ((fed < messages && backlog - stale < base_wave)); then
      to=$((fed + base_wave - backlog + stale < messages ? fed + base_wave - backlog + stale : messages))
      feed_sb "$fed" "$to"
      fed=$to
    elif ((backlog == 0)); then
      break
    fi
    runs=$((runs + 1))
    "$ingest" "${ingest_args[@]}" >/dev/null 2>"$work/sb-err.$runs" &
    pid=$!
    random_sleep "$delay"
    # Work outstanding: messages available now, or locked by this run.
    read -r active _ locked < <(queue_counts)
    outstanding=$((active - locked + (locked > stale ? locked - stale : 0)))
    hit=0
    if kill -9 "$pid" 2>/dev/null && ((outstanding > 0)); then hit=1; fi
    wait "$pid" 2>/dev/null || true
    landed=$((landed + hit))
    delay=$(next_delay "$hit" "$delay" 50 5000)
  done
  if ((fed < messages)); then feed_sb "$fed" "$messages"; fi
  read -r remaining _ < <(queue_counts)
  # Locks held by the killed runs lapse after lock_seconds; drain until the
  # queue is empty (each --once run ends at the first empty poll).
  for _ in $(seq 10); do
    read -r active _ < <(queue_counts)
    ((active > 0)) || break
    sleep "$lock_seconds"
    "$ingest" "${ingest_args[@]}" --once 2>"$work/sb-err.final" ||
      die "final drain: $(cat "$work/sb-err.final")"
  done
  echo "kills landed mid-drain: $landed of $kills wanted ($runs runs, $((runs - landed)) kills found no work; lock" \
    "${lock_seconds}s, max deliveries $max_deliveries); $remaining of $messages left for the final drain"
  check "all $kills kills landed mid-drain" "$kills" "$landed"
  common_checks "$db" "$remaining"
  check "poison kept with its error" 0 "$(sqlite3 "$db" "SELECT count(*) FROM quarantine WHERE error = '' OR body IS NULL")"
  read -r active dead _ < <(queue_counts)
  check "queue empty" 0 "$active"
  check "dead-letter empty" 0 "$dead"
  if grep -q "$sas_key" "$work"/sb-err.* 2>/dev/null; then fail "the SAS key is in a log"; fi
  echo "   ($((SECONDS - start)) s)"
}

[[ $only == servicebus ]] || crash_dir
[[ $only == dir ]] || crash_servicebus
finish "ingest crash (${only:-dir and servicebus})"
