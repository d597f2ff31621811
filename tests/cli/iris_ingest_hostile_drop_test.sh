#!/usr/bin/env bash
# A drop folder written by someone else cannot reach outside itself, and no
# file can crash-loop iris-ingest (issue 19). Each proof of the security
# review is replayed against the built binary and must now be refused:
#   1. `.processed -> $GBPM_HOME` with --keep, and `.quarantine -> $GBPM_HOME`,
#      used to let a message named runs/<tool>.json replace a run record;
#   2. a dataset folder that is a symlink (files outside deleted);
#   3. a message file that is a symlink to a file the writer cannot read
#      (its bytes stored in the quarantine table);
#   4. a message swapped for a FIFO (open() blocked until the watchdog);
#   5. 60 MiB files, one "[0,0,...]" and one valid, under a memory limit like
#      the unit's (MemoryMax=192M): the ingester stays up, each file is
#      quarantined once, by reference, and later messages still flow. A
#      30 MiB "[0,0,...]" (under the size limit) is refused by the parser's
#      value budget.
#   iris_ingest_hostile_drop_test.sh IRIS_INGEST
set -euo pipefail
ingest=$1
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need sqlite3 python3
make_work
unset GBPM_CONFIG GBPM_WAREHOUSE GBPM_IRIS_SOURCE GBPM_LOG_LEVEL GBPM_LOG_FORMAT NOTIFY_SOCKET WATCHDOG_USEC
unset GBPM_IRIS_MEMORY_MAX
freq='[{"dataset":"FREQ","measurementTime":"2024-02-12T17:50:00Z","frequency":50.01}]'
# put PATH BODY: a message file finished a minute ago.
put() { mkdir -p "$(dirname "$1")"; printf '%s' "$2" > "$1"; touch -d '-1 minute' "$1"; }
# drain NAME DROP [FLAGS...]: one --once run (20 s at most: a blocked open fails it); prints the exit code.
drain() {
  local name=$1 drop=$2
  shift 2
  set +e
  timeout 20 "$ingest" --source "dir:$drop" --once --warehouse "sqlite:$work/$name.db" "$@" \
    >"$work/$name.out" 2>"$work/$name.err"
  local rc=$?
  set -e
  echo "$rc"
}
q() { sqlite3 "$work/$1.db" "$2"; }
# A file's bytes and mode, to prove it unchanged.
fingerprint() { sha256sum "$1" | cut -d' ' -f1; stat -c %a "$1"; }

# --- 1. symlinked .processed / .quarantine pointing at $GBPM_HOME ------------
for kind in processed quarantine; do
  export GBPM_HOME="$work/home-$kind"
  mkdir -p "$GBPM_HOME/runs"
  echo '{"tool":"layout-update","state":"ok"}' > "$GBPM_HOME/runs/layout-update.json"
  before=$(fingerprint "$GBPM_HOME/runs/layout-update.json")
  drop="$work/drop-$kind"
  mkdir -p "$drop"
  ln -s "$GBPM_HOME" "$drop/.$kind"
  if [[ $kind == processed ]]; then
    put "$drop/runs/layout-update.json" "$freq"  # stored, then --keep moves it into .processed/runs/
    rc=$(drain "$kind" "$drop" --keep)
  else
    put "$drop/runs/layout-update.json" '{"not":"a record"'  # quarantined: moved into .quarantine/runs/
    rc=$(drain "$kind" "$drop")
  fi
  check "$kind: the run finished" 0 "$rc"
  check "$kind: the run record outside the drop is unchanged" "$before" "$(fingerprint "$GBPM_HOME/runs/layout-update.json")"
  check "$kind: the message stays in the drop" yes "$([[ -f $drop/runs/layout-update.json ]] && echo yes || echo no)"
  check "$kind: the symlink is left in place" yes "$([[ -L $drop/.$kind ]] && echo yes || echo no)"
  check "$kind: nothing written through the link" 0 "$(find "$GBPM_HOME" -name 'layout-update.json.*' | wc -l)"
  has "$kind: a clear log line" "$work/$kind.err" "symlinked settle folder refused and left in place"
done
export GBPM_HOME="$work/home"

# --- 2. a dataset folder that is a symlink -----------------------------------
drop="$work/drop-folder"
mkdir -p "$work/outside/FREQ"
put "$work/outside/FREQ/victim.json" "$freq"
put "$drop/FREQ/good.json" "$freq"
ln -s "$work/outside/FREQ" "$drop/EVIL"
rc=$(drain folder "$drop")
check "folder: the run finished" 0 "$rc"
check "folder: the file outside is not deleted" yes "$([[ -f $work/outside/FREQ/victim.json ]] && echo yes || echo no)"
check "folder: the good message is stored" 1 "$(q folder 'SELECT count(*) FROM bmrs_freq_iris')"
check "folder: the good message is removed" no "$([[ -e $drop/FREQ/good.json ]] && echo yes || echo no)"
has "folder: a clear log line" "$work/folder.err" "symlinked dataset folder refused and left in place"

# --- 3. a message that is a symlink to an unreadable file --------------------
drop="$work/drop-link"
printf '[{"dataset":"FREQ","secret":"TOPSECRET-%s"}]' "$RANDOM" > "$work/secret.json"
chmod 0600 "$work/secret.json"
before=$(fingerprint "$work/secret.json")
put "$drop/FREQ/good.json" "$freq"
ln -s "$work/secret.json" "$drop/FREQ/leak.json"
rc=$(drain link "$drop")
check "link: the run finished" 0 "$rc"
check "link: nothing of the target stored" 0 \
  "$(q link "SELECT (SELECT count(*) FROM quarantine WHERE CAST(body AS TEXT) LIKE '%TOPSECRET%') + (SELECT count(*) FROM raw_messages WHERE CAST(body AS TEXT) LIKE '%TOPSECRET%')")"
check "link: the target is unchanged" "$before" "$(fingerprint "$work/secret.json")"
check "link: the symlink is left in place" yes "$([[ -L $drop/FREQ/leak.json ]] && echo yes || echo no)"
has "link: a clear log line" "$work/link.err" "symlinked message file refused and left in place"

# --- 4. a FIFO where a message was ---------------------------------------------
drop="$work/drop-fifo"
put "$drop/FREQ/good.json" "$freq"
mkfifo "$drop/FREQ/fifo.json"
rc=$(drain fifo "$drop")
check "fifo: the run finished without blocking" 0 "$rc"
check "fifo: the good message is stored" 1 "$(q fifo 'SELECT count(*) FROM bmrs_freq_iris')"
check "fifo: the FIFO is left in place" yes "$([[ -p $drop/FREQ/fifo.json ]] && echo yes || echo no)"
has "fifo: a clear log line" "$work/fifo.err" "message that is not a regular file refused and left in place"

# --- 5. 60 MiB files under the unit's memory limit ---------------------------
drop="$work/drop-big"
mkdir -p "$drop/FREQ" "$drop/FUELINST"
python3 - "$drop" <<'PY'
import os, sys
drop = sys.argv[1]
mib = 1024 * 1024
def zeros(path, size):
    with open(path, "w") as f:
        f.write("[0")
        chunk = ",0" * (mib // 2)
        written = 2
        while written + len(chunk) + 1 < size:
            f.write(chunk)
            written += len(chunk)
        f.write("]")
zeros(os.path.join(drop, "FREQ", "zeros60.json"), 60 * mib)
zeros(os.path.join(drop, "FREQ", "zeros30.json"), 30 * mib)
rec = ('{"dataset":"FUELINST","publishTime":"2026-01-01T00:05:00Z","startTime":"2026-01-01T00:00:00Z",'
       '"settlementDate":"2026-01-01","settlementPeriod":1,"fuelType":"F%07d","generation":1000}')
with open(os.path.join(drop, "FUELINST", "valid60.json"), "w") as f:
    f.write("[")
    i, size = 0, 1
    while size < 60 * mib:
        r = (rec % i) + ","
        f.write(r)
        size += len(r)
        i += 1
    f.write(rec % i + "]")
for name in ("FREQ/zeros60.json", "FREQ/zeros30.json", "FUELINST/valid60.json"):
    os.utime(os.path.join(drop, name), (1_000_000_000, 1_000_000_000))
PY
sanitized=no
ldd "$ingest" 2>/dev/null | grep -e libasan -e libtsan >/dev/null && sanitized=yes
# Like the unit: 192 MiB (GBPM_IRIS_MEMORY_MAX's default = MemoryMax=). The
# address-space cap makes an unbounded parse (about 1 GB for 60 MiB of
# "[0,0,...]") fail at once; the peak RSS is checked against 192 MiB too. A
# sanitizer build reserves terabytes of shadow memory: there only the
# behaviour is checked.
limit=()
[[ $sanitized == no ]] && limit=(prlimit --as=$((512 * 1024 * 1024)) --)
time_cmd=()
[[ $sanitized == no && -x /usr/bin/time ]] && time_cmd=(/usr/bin/time -f '%M' -o "$work/big.rss")
"${time_cmd[@]}" "${limit[@]}" "$ingest" --source "dir:$drop" --warehouse "sqlite:$work/big.db" \
  >"$work/big.out" 2>"$work/big.err" &
ingest_pid=$!
# Wait until all three are quarantined (60 s at most), then feed one more.
for _ in $(seq 600); do
  [[ $(q big 'SELECT count(*) FROM quarantine' 2>/dev/null || echo 0) -ge 3 ]] && break
  kill -0 "$ingest_pid" 2>/dev/null || break
  sleep 0.1
done
put "$drop/FREQ/after.json" "$freq"
touch -d '-1 minute' "$drop/FREQ/after.json"
for _ in $(seq 100); do
  [[ $(q big 'SELECT count(*) FROM bmrs_freq_iris' 2>/dev/null || echo 0) -ge 1 ]] && break
  kill -0 "$ingest_pid" 2>/dev/null || break
  sleep 0.1
done
# The ingester itself (GNU time, when used, is its parent; prlimit execs it).
target=$(pgrep -P "$ingest_pid" || echo "$ingest_pid")
check "big: the ingester is still up" yes "$(kill -0 "$target" 2>/dev/null && echo yes || echo no)"
kill -TERM "$target" 2>/dev/null || true
rc=0
wait "$ingest_pid" || rc=$?
check "big: exit 0 on SIGTERM" 0 "$rc"
check "big: each file quarantined once" "3" "$(q big 'SELECT count(*) FROM quarantine')"
check "big: the 60 MiB files by reference" "2" \
  "$(q big "SELECT count(*) FROM quarantine WHERE length(body) = 1024 AND error LIKE '%over the limit of%'")"
check "big: the 30 MiB one by the value budget" "1" \
  "$(q big "SELECT count(*) FROM quarantine WHERE error LIKE '%more values than the limit%'")"
check "big: the message after them is stored" 1 "$(q big 'SELECT count(*) FROM bmrs_freq_iris')"
check "big: the files moved to .quarantine" 3 "$(find "$drop/.quarantine" -name '*.json' | wc -l)"
check "big: the drop is empty" 0 "$(find "$drop/FREQ" "$drop/FUELINST" -type f | wc -l)"
if [[ -s $work/big.rss ]]; then
  rss_kb=$(tail -1 "$work/big.rss")
  echo "big: peak RSS ${rss_kb} KB (limit 196608 KB)"
  check "big: peak RSS within 192 MiB" yes "$( ((rss_kb <= 196608)) && echo yes || echo "no (${rss_kb} KB)")"
fi

finish "iris-ingest hostile drop"
