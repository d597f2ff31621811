#!/usr/bin/env bash
# Bounded memory (issue 6): one 25 MB
# FUELINST-shaped message (~110,000 records, as IRIS sent before S0491 was
# withdrawn) is drained by iris-ingest --once; its peak RSS (getrusage of the
# child, via GNU time) must stay within 4 × the message + 30 MB, and every
# record must be stored. The peak above the baseline (a drain of one small
# message) is printed as a multiple of the message size.
#   iris_ingest_memory_test.sh IRIS_INGEST [MEGABYTES=25]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ingest=$1
megabytes=${2:-25}
need sqlite3 python3
[[ -x /usr/bin/time ]] || { echo "GNU time not installed; skipping"; exit 77; }
if ldd "$ingest" 2>/dev/null | grep -e libasan -e libtsan >/dev/null; then
  echo "sanitizer build: RSS is not meaningful; skipping"; exit 77
fi
make_work
isolate_env

# Writes DROP/FUELINST/<name>.json of about MB megabytes; prints its records.
make_message() {
  python3 - "$1" "$2" <<'PY'
import datetime, os, sys
drop, mb = sys.argv[1], float(sys.argv[2])
fuels = ["BIOMASS", "CCGT", "COAL", "INTELEC", "INTEW", "INTFR", "INTGRNL", "INTIFA2", "INTIRL", "INTNED",
         "INTNEM", "INTNSL", "INTVKL", "NPSHYD", "NUCLEAR", "OCGT", "OIL", "OTHER", "PS", "WIND"]
base = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
parts, size, i = [], 0, 0
while size < mb * 1024 * 1024:
    start = base + datetime.timedelta(minutes=5 * (i // len(fuels)))
    rec = ('{"dataset":"FUELINST","publishTime":"%s","startTime":"%s","settlementDate":"%s",'
           '"settlementPeriod":%d,"fuelType":"%s","generation":%d}') % (
        fmt(start + datetime.timedelta(minutes=5)), fmt(start), start.strftime("%Y-%m-%d"),
        1 + (start.hour * 60 + start.minute) // 30, fuels[i % len(fuels)], 1000 + i % 7919)
    parts.append(rec)
    size += len(rec) + 1
    i += 1
os.makedirs(os.path.join(drop, "FUELINST"), exist_ok=True)
path = os.path.join(drop, "FUELINST", "FUELINST_202601010000_big.json")
with open(path, "w") as f:
    f.write("[" + ",".join(parts) + "]")
os.utime(path, (1_000_000_000, 1_000_000_000))
print(len(parts))
PY
}

# Peak RSS (KB) of one --once drain of DROP into DB.
drain() {
  /usr/bin/time -f '%M %e' -o "$work/time.$3" "$ingest" --source "dir:$1" --once --warehouse "sqlite:$2" -q \
    2>"$work/err.$3" || die "drain $3: $(cat "$work/err.$3")"
  cat "$work/time.$3"
}

make_message "$work/small" 0.004 >/dev/null
read -r base_kb _ < <(drain "$work/small" "$work/small.db" small)
records=$(make_message "$work/big" "$megabytes")
bytes=$(stat -c %s "$work/big/FUELINST/FUELINST_202601010000_big.json")
read -r big_kb seconds < <(drain "$work/big" "$work/big.db" big)
limit_kb=$((4 * bytes / 1024 + 30 * 1024))
ratio=$(awk -v p="$big_kb" -v b="$base_kb" -v m="$bytes" 'BEGIN { printf "%.2f", (p - b) * 1024 / m }')
echo "message: $bytes bytes, $records records; peak RSS ${big_kb} KB = baseline ${base_kb} KB + ${ratio} x the message (limit ${limit_kb} KB); ${seconds} s"

check "every record stored" "$records" "$(sqlite3 "$work/big.db" 'SELECT count(*) FROM bmrs_fuelinst_iris')"
check "the file was removed" 0 "$(find "$work/big/FUELINST" -type f | wc -l)"
within=yes
((big_kb <= limit_kb)) || within="no (${big_kb} KB)"
check "peak RSS within 4 x message + 30 MB" yes "$within"
finish "iris-ingest memory"
