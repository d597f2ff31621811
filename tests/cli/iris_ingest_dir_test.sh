#!/usr/bin/env bash
# Black-box test of iris-ingest's dir: source through a real process: a drop
# folder in the official clients' layout (fixture bodies) → --once into SQLite
# → row counts checked with the sqlite3 CLI, the drop emptied, the malformed
# message in .quarantine/, replays idempotent, --keep, SIGTERM, systemd notify.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ingest=$1
fixtures="${GBPM_FIXTURES:?GBPM_FIXTURES must point at tests/fixtures}/elexon/iris"
need sqlite3
make_work
isolate_env
db="$work/gbpm.db"
q() { sqlite3 "$db" "$1"; }
drop="$work/drop"

# populate DIR: every fixture as <DIR>/<DATASET>/<DATASET>_<n>_<tag>.json, a
# malformed FREQ message and an unknown dataset, all finished 5 s ago.
populate() {
  local dir=$1 tag=$2 n=0
  for f in "$fixtures"/*.json; do
    local name ds
    name=$(basename "$f" .json)
    [[ "$name" == _* ]] && continue
    ds=${name%%.*}
    ds=${ds%%_*}
    n=$((n + 1))
    mkdir -p "$dir/$ds"
    cp "$f" "$dir/$ds/${ds}_20251027165${n}_${tag}.json"
  done
  mkdir -p "$dir/FREQ" "$dir/ZZNEW"
  printf '[{"dataset":"FREQ","measurementTime":' >"$dir/FREQ/FREQ_bad_${tag}.json"
  printf '[{"dataset":"ZZNEW","value":1},{"dataset":"ZZNEW","value":2}]' >"$dir/ZZNEW/ZZNEW_1_${tag}.json"
  find "$dir" -type f -exec touch -d '5 seconds ago' {} +
}
files_left() { find "$1" -path "$1/.quarantine" -prune -o -path "$1/.processed" -prune -o -type f -print | wc -l; }

check "help exits 0" 0 "$(code "$ingest" --help)"
contains "help has examples" "$(cat "$work/out")" "iris-ingest --source dir:"
check "no source is a config error (78)" 78 "$(code "$ingest" --once --warehouse "sqlite:$db")"
check "bad source is a config error (78)" 78 "$(code "$ingest" --source "ftp:x" --once --warehouse "sqlite:$db")"
check "missing drop dir is a config error (78)" 78 "$(code "$ingest" --source "dir:$work/nope" --once --warehouse "sqlite:$db")"

populate "$drop" a
total=$(find "$drop" -type f | wc -l)
check "drain exits 0" 0 "$(code "$ingest" --source "dir:$drop" --once --warehouse "sqlite:$db")"
[[ -s "$work/err" ]] && grep -q 'level=error' "$work/err" && cat "$work/err"
check "FUELINST rows (wire form repeats the keys)" 19 "$(q 'SELECT count(*) FROM bmrs_fuelinst_iris')"
check "FREQ rows" 2 "$(q 'SELECT count(*) FROM bmrs_freq_iris')"
check "QPN rows" 4 "$(q 'SELECT count(*) FROM bmrs_qpn_iris')"
check "BOALF rows" 1 "$(q 'SELECT count(*) FROM bmrs_boalf_iris')"
check "FREQ values" "50.017" "$(q "SELECT frequency FROM bmrs_freq_iris WHERE measurement_time LIKE '2026-05-07T23:59:45%'")"
check "lineage: message id" 19 "$(q "SELECT count(*) FROM bmrs_fuelinst_iris WHERE source = 'IRIS' AND message_id LIKE 'FUELINST_%_a.json'")"
check "unknown dataset kept raw" 2 "$(q "SELECT record_count FROM raw_messages WHERE dataset = 'ZZNEW'")"
check "one quarantine row" 1 "$(q 'SELECT count(*) FROM quarantine')"
contains "quarantine row names the file" "$(q 'SELECT source_ref FROM quarantine')" "FREQ/FREQ_bad_a.json"
check "drop left empty" 0 "$(files_left "$drop")"
check "malformed file moved to .quarantine" 1 "$(find "$drop/.quarantine/FREQ" -name 'FREQ_bad_a.json' | wc -l)"
check "error beside it" 1 "$(find "$drop/.quarantine/FREQ" -name 'FREQ_bad_a.json.error.txt' -size +0 | wc -l)"
status=$(cat "$GBPM_HOME/runs/iris-ingest.status.json")
contains "status file: stopped" "$status" '"state":"stopped"'
contains "status file: messages" "$status" "\"messages\":$total"
contains "status file: quarantined" "$status" '"quarantined":1'
contains "status file: newest message" "$status" '"newest_message_at":"20'
contains "run record ok" "$(cat "$GBPM_HOME/runs/iris-ingest.json")" '"state":"ok"'

# Replay the same messages (a crash after commit, before removal): no new rows.
rows_before=$(q "SELECT (SELECT count(*) FROM bmrs_fuelinst_iris) + (SELECT count(*) FROM bmrs_freq_iris) + (SELECT count(*) FROM bmrs_remit_iris) + (SELECT count(*) FROM raw_messages) + (SELECT count(*) FROM quarantine)")
populate "$drop" a
check "replay exits 0" 0 "$(code "$ingest" --source "dir:$drop" --once --warehouse "sqlite:$db")"
check "replay adds no rows" "$rows_before" "$(q "SELECT (SELECT count(*) FROM bmrs_fuelinst_iris) + (SELECT count(*) FROM bmrs_freq_iris) + (SELECT count(*) FROM bmrs_remit_iris) + (SELECT count(*) FROM raw_messages) + (SELECT count(*) FROM quarantine)")"

# --keep moves processed files aside; the environment names the source.
populate "$drop" k
check "--keep exits 0" 0 "$(GBPM_IRIS_SOURCE="dir:$drop" code "$ingest" --once --keep --warehouse "sqlite:$db")"
check "--keep: drop left empty" 0 "$(files_left "$drop")"
check "--keep: processed files kept" "$((total - 1))" "$(find "$drop/.processed" -type f | wc -l)"

# Continuous mode: READY=1 over $NOTIFY_SOCKET, new files picked up, SIGTERM → exit 0.
if command -v python3 >/dev/null; then
  python3 - "$work/notify.sock" "$work/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(65536).decode() + "\n---\n")
PY
  listener=$!
  wait_until 5 test -S "$work/notify.sock" || true
  NOTIFY_SOCKET="$work/notify.sock" WATCHDOG_USEC=1000000 "$ingest" --source "dir:$drop" --warehouse "sqlite:$db" \
    >"$work/cont.out" 2>"$work/cont.err" &
  pid=$!
  wait_until 5 grep -q 'READY=1' "$work/notify.log" 2>/dev/null || true
  contains "READY=1 sent" "$(cat "$work/notify.log" 2>/dev/null)" "READY=1"
  mkdir -p "$drop/MID"
  cp "$fixtures/MID.json" "$drop/MID/MID_live_1.json"
  wait_until 10 test ! -e "$drop/MID/MID_live_1.json" || true
  check "continuous mode picks up a new file" 0 "$(files_left "$drop")"
  sleep 1.2
  contains "watchdog pinged" "$(cat "$work/notify.log")" "WATCHDOG=1"
  kill -TERM "$pid"
  set +e; wait "$pid"; rc=$?; set -e
  check "SIGTERM exits 0" 0 "$rc"
  contains "STOPPING=1 sent" "$(cat "$work/notify.log")" "STOPPING=1"
  kill "$listener" 2>/dev/null || true
fi

# Progress: on a terminal one rewritten line with the rate; otherwise plain
# log lines only (no carriage returns or escape codes in a log file).
populate "$drop" p
check "non-TTY drain exits 0" 0 "$(code "$ingest" --source "dir:$drop" --once --warehouse "sqlite:$db")"
check "non-TTY: no progress line drawing" 0 "$(grep -c $'\r\|\033\[K' "$work/err" || true)"
contains "non-TTY: plain log line with the counts" "$(cat "$work/err")" "ingest finished"
if command -v script >/dev/null; then
  populate "$drop" t
  script -qec "$(printf '%q ' "$ingest" --source "dir:$drop" --once --warehouse "sqlite:$db")" /dev/null \
    >"$work/tty.out" 2>&1 </dev/null || true
  contains "TTY: progress line redrawn in place" "$(cat -v "$work/tty.out")" "^M^[[K"
  contains "TTY: progress line shows the rate" "$(cat "$work/tty.out")" "msg/s)"
  check "TTY: drained" 0 "$(files_left "$drop")"
fi

finish "iris-ingest dir"
