#!/usr/bin/env bash
# bmrs-backfill throughput against fake-elexon with a fixed latency per
# request: chunks/s at concurrency 1 and 4 as a ratio to the ideal
# (concurrency / latency). Goal (issue 9): >= 0.8 at concurrency 4.
#
#   tests/bench/backfill_bench.sh BUILD/tools/bmrs-backfill BUILD/tests/fakes/fake-elexon/fake-elexon [LATENCY_MS] [DAYS]
#
# The workload is PN (one settlement period per request, 3 rows each), so the
# figure measures request scheduling rather than row volume. The rate is the
# tool's own fetch-phase figure (first request to last chunk stored; the
# "backfill done" log line), so process start-up is excluded; the wall time
# of the whole process is printed beside it.
set -euo pipefail
# shellcheck source=../cli/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
backfill=$1
fake=$2
latency_ms=${3:-50}
days=${4:-3}
make_work
isolate_env
start_fake elexon "$fake" --delay-ms "$latency_ms"
export GBPM_ELEXON_URL="$fake_url/bmrs/api/v1" GBPM_CA_FILE="$work/ca.pem"
last=$(date -u -d "2026-01-05 + $((days - 1)) days" +%F)
printf 'latency %s ms, PN 2026-01-05..%s\n' "$latency_ms" "$last"
printf '%-12s %8s %10s %10s %10s %8s\n' concurrency chunks "fetch s" "chunks/s" "ideal/s" ratio
rate1=
for c in 1 4; do
  home="$work/home$c"
  start=$(date +%s.%N)
  GBPM_HOME="$home" "$backfill" --dataset PN --from 2026-01-05 --to "$last" --concurrency "$c" 2>"$work/run$c.err"
  end=$(date +%s.%N)
  line=$(grep 'msg="backfill done"' "$work/run$c.err")
  chunks=$(sed -n 's/.*chunks_fetched=\([0-9]*\).*/\1/p' <<<"$line")
  seconds=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line")
  rate1=$(python3 - "$c" "$chunks" "$seconds" "$latency_ms" "$start" "$end" "$rate1" <<'PY'
import sys
c, chunks, seconds, latency_ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
start, end, rate1 = float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
rate = chunks / seconds
ideal = c / (latency_ms / 1000.0)
# Scaling: the rate at c over c x the rate at 1 (how well concurrency alone
# pays off, whatever the per-request cost on this machine).
scaling = f"  scaling vs c=1 {rate / (c * float(rate1)):.2f}" if rate1 else ""
print(f"{c:<12} {chunks:8d} {seconds:10.3f} {rate:10.2f} {ideal:10.2f} {rate / ideal:8.2f}   (process wall {end - start:.2f} s){scaling}",
      file=sys.stderr)
print(rate1 or rate)
PY
)
done
