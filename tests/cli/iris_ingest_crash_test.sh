#!/usr/bin/env bash
# Crash consistency of iris-ingest's dir: source (reduced for CI; the full run
# is tests/bench/ingest_crash_full.sh): a drop of N messages (FREQ and
# FUELINST, unique keys, 1% malformed), `kill -9` of the ingester at random
# moments K times with restarts, then a final drain. Afterwards every
# message's records are present exactly once by natural key, the drop is
# empty, and the quarantine holds the malformed messages and nothing valid.
#   iris_ingest_crash_test.sh IRIS_INGEST [MESSAGES] [KILLS]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ingest=$1
messages=${2:-3000}
kills=${3:-15}
need sqlite3 python3
make_work
isolate_env
drop="$work/drop"
db="$work/gbpm.db"

# Writes the drop and prints the expected FREQ rows, FUELINST rows and bad messages.
python3 - "$drop" "$messages" <<'PY'
import datetime, json, os, sys
drop, n = sys.argv[1], int(sys.argv[2])
base = datetime.datetime(2026, 5, 1, tzinfo=datetime.timezone.utc)
fuels = ["CCGT", "WIND", "NUCLEAR"]
freq = fuel = bad = 0
old = 1_000_000_000
for i in range(n):
    if i % 100 == 42:
        ds, body = "FREQ", '[{"dataset":"FREQ","measurementTime":'
        bad += 1
    elif i % 2 == 0:
        ds = "FREQ"
        body = json.dumps([{"dataset": "FREQ",
                            "measurementTime": (base + datetime.timedelta(seconds=15 * (2 * i + k))).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "frequency": 50 + (i % 7) / 100} for k in range(2)])
        freq += 2
    else:
        ds = "FUELINST"
        start = base + datetime.timedelta(minutes=5 * i)
        sp_date = start.strftime("%Y-%m-%d")
        body = json.dumps([{"dataset": "FUELINST", "publishTime": (start + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "startTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "settlementDate": sp_date,
                            "settlementPeriod": 1 + (start.hour * 60 + start.minute) // 30, "fuelType": f,
                            "generation": 1000 + i} for f in fuels])
        fuel += 3
    d = os.path.join(drop, ds)
    os.makedirs(d, exist_ok=True)
    name = f"{ds}_{i:06d}{'_bad' if i % 100 == 42 else ''}.json"
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(body)
    os.utime(p, (old + i, old + i))
PY
read -r want_freq want_fuel want_bad < <(python3 -c "
n=$messages
bad=sum(1 for i in range(n) if i%100==42)
freq=sum(2 for i in range(n) if i%100!=42 and i%2==0)
fuel=sum(3 for i in range(n) if i%100!=42 and i%2==1)
print(freq, fuel, bad)")

# Kill runs at random moments until `kills` of them died mid-drain (or the
# drop is empty: then later kills could only hit an idle process).
left() { find "$drop" -path "$drop/.quarantine" -prune -o -type f -print | wc -l; }
killed=0
runs=0
while ((killed < kills && runs < 4 * kills)) && (($(left) > 0)); do
  runs=$((runs + 1))
  "$ingest" --source "dir:$drop" --once --warehouse "sqlite:$db" -q >/dev/null 2>"$work/err.$runs" &
  pid=$!
  # Half the kills land at a random moment of the first second (start-up,
  # reading, decoding, the SQLite commit); the other half once the run is
  # removing stored files (the drop shrank), 0-50 ms later: between a commit
  # and the removal of its files, however loaded the machine is.
  if ((RANDOM % 2)); then
    sleep "0.$(printf '%03d' $((50 + RANDOM % 900)))"
  else
    before=$(left)
    for _ in $(seq 200); do
      (($(left) < before)) && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.02
    done
    sleep "0.0$((RANDOM % 5))"
  fi
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
done
remaining=$(left)
"$ingest" --source "dir:$drop" --once --warehouse "sqlite:$db" -q 2>"$work/err.final" || {
  echo "FAIL final drain"; cat "$work/err.final"; exit 1
}

q() { sqlite3 "$db" "$1"; }
echo "killed $killed of $runs runs mid-drain; $remaining of $messages files were left for the final drain"
# The kills must have hit runs that were storing, or the test proves nothing.
check "killed runs made progress" yes "$( ((remaining < messages)) && echo yes || echo no)"
check "FREQ rows exactly once" "$want_freq" "$(q 'SELECT count(*) FROM bmrs_freq_iris')"
check "FREQ keys distinct" "$want_freq" "$(q 'SELECT count(DISTINCT measurement_time) FROM bmrs_freq_iris')"
check "FUELINST rows exactly once" "$want_fuel" "$(q 'SELECT count(*) FROM bmrs_fuelinst_iris')"
check "FUELINST keys distinct" "$want_fuel" "$(q 'SELECT count(*) FROM (SELECT DISTINCT start_time, fuel_type FROM bmrs_fuelinst_iris)')"
check "FUELINST values from their message" 0 "$(q "SELECT count(*) FROM bmrs_fuelinst_iris WHERE generation - 1000 != CAST(substr(message_id, 10, 6) AS INTEGER)")"
check "only the malformed are quarantined" "$want_bad" "$(q "SELECT count(*) FROM quarantine WHERE source_ref LIKE '%\_bad.json' ESCAPE '\\'")"
check "nothing valid quarantined" 0 "$(q "SELECT count(*) FROM quarantine WHERE source_ref NOT LIKE '%\_bad.json' ESCAPE '\\'")"
check "drop empty" 0 "$(find "$drop" -path "$drop/.quarantine" -prune -o -type f -print | wc -l)"
check "quarantined files" "$want_bad" "$(find "$drop/.quarantine" -name '*_bad.json' | wc -l)"
finish "iris-ingest dir: crash"
