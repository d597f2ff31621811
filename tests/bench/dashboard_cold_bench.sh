#!/usr/bin/env bash
# Cold-start benchmark of the dashboard tools (issue 7): each tool run as a
# fresh process on a warehouse with --sheet dir:, N times; median wall time
# and median peak RSS per tool, next to `python3 -c "import pandas"` (the
# floor of the predecessor's start-up; its column is skipped with a note when
# pandas is not installed) and bare `python3 -c pass`.
# Goals: <= 50 ms and <= 20 MB per tool run.
#
#   dashboard_cold_bench.sh BUILD_DIR [N=20]
# The warehouse is the demo day (gbpm-demo-data generate → iris-ingest --once,
# 2025-10-26, 50 periods) when both are built, else the CLI tests' fixture
# (dashboard-fixture). "Cold" means a new process each run; the page cache
# is warm (as on a cron box that runs the tools every few minutes).
# Two columns per tool: "same" runs repeat one --as-of, so the workbook's
# bytes do not change and the dir: sink rewrites (and fsyncs) nothing;
# "changing" runs step --as-of by one minute per run (18:00, 18:01, ...), so
# every run's "updated" stamps differ and the sink replaces its CSV and
# index.html as a real cron run does. The goal applies to both.
set -u
build=$1 n=${2:-20}
asof=2025-10-26T18:00:00Z
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GBPM_HOME="$work/home"

find_bin() {
  local p
  for p in "$build/tools/$1" "$build/tools/$1/$1" "$build/tests/cli/$1" "$build/scripts/demo-data/$1"; do
    [ -x "$p" ] && [ -f "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

db="$work/gbpm.db"
if demo=$(find_bin gbpm-demo-data) && ingest=$(find_bin iris-ingest); then
  if "$demo" generate --out "$work/drop" >/dev/null 2>&1 &&
    "$ingest" --source "dir:$work/drop" --once --warehouse "sqlite:$db" >/dev/null 2>"$work/ingest.err"; then
    what="demo day 2025-10-26 (gbpm-demo-data + iris-ingest)"
  else
    echo "demo warehouse failed: $(tail -n 3 "$work/ingest.err")" >&2
    rm -f "$db"
  fi
fi
if [ ! -s "$db" ]; then
  fixture=$(find_bin dashboard-fixture) || { echo "neither the demo tools nor dashboard-fixture are built" >&2; exit 1; }
  "$fixture" "$db" || exit 1
  what="CLI test fixture (dashboard-fixture)"
fi
echo "warehouse: $what, $(stat -c %s "$db") bytes; --as-of $asof; median of $n cold runs"

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# Runs "$@" n times; prints "median_wall_ms median_cpu_ms median_rss_mb"
# (exit codes must be 0). CPU time (user + sys, 10 ms resolution) is shown
# too because on a shared, loaded machine wall time mostly measures the queue.
# A literal @ASOF@ argument is replaced by $asof plus (run - 1) minutes.
measure() {
  local i t0 t1 ms=() kb=() cpu=() args a
  for i in $(seq 1 "$n"); do
    args=()
    for a in "$@"; do
      if [ "$a" = @ASOF@ ]; then a=$(date -u -d "$asof + $((i - 1)) minutes" +%Y-%m-%dT%H:%M:%SZ); fi
      args+=("$a")
    done
    t0=$(date +%s%N)
    /usr/bin/time -f "%M %U %S" -o "$work/rss" "${args[@]}" >/dev/null 2>"$work/run.err" || {
      echo "FAILED: ${args[*]} ($(tail -n 2 "$work/run.err"))" >&2
      return 1
    }
    t1=$(date +%s%N)
    ms+=($(((t1 - t0) / 1000)))
    read -r k u s <<<"$(tail -n 1 "$work/rss")"
    kb+=("$k")
    cpu+=("$(awk -v u="$u" -v s="$s" 'BEGIN {print (u + s) * 1000}')")
  done
  local med_us med_kb med_cpu
  med_us=$(printf '%s\n' "${ms[@]}" | median)
  med_kb=$(printf '%s\n' "${kb[@]}" | median)
  med_cpu=$(printf '%s\n' "${cpu[@]}" | median)
  awk -v us="$med_us" -v kb="$med_kb" -v c="$med_cpu" 'BEGIN {printf "%.1f %.0f %.1f\n", us / 1000, c, kb / 1024}'
}

row() { printf '%-22s %10s %9s %9s %12s %9s   %s\n' "$@"; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
row "command" "wall (ms)" "cpu (ms)" "RSS (MB)" "changing:wall" "cpu" "goal <= 50 ms, <= 20 MB"
status=0
for t in layout-update daily-kpi outages-update realtime-dashboard gsp-update; do
  if ! bin=$(find_bin "$t"); then
    row "$t" - - - - - "not built"
    continue
  fi
  rm -rf "$work/wb"
  "$bin" --warehouse "sqlite:$db" --sheet "dir:$work/wb" --as-of "$asof" >/dev/null 2>&1  # the workbook exists
  if ! r=$(measure "$bin" --warehouse "sqlite:$db" --sheet "dir:$work/wb" --as-of "$asof"); then
    status=1
    continue
  fi
  if ! c=$(measure "$bin" --warehouse "sqlite:$db" --sheet "dir:$work/wb" --as-of @ASOF@); then
    status=1
    continue
  fi
  read -r wall cpu rss <<<"$r"
  read -r cwall ccpu crss <<<"$c"
  verdict=$(awk -v w="$wall" -v r="$rss" -v cw="$cwall" -v cr="$crss" \
    'BEGIN {print (w <= 50 && r <= 20 && cw <= 50 && cr <= 20) ? "ok" : "OVER GOAL"}')
  row "$t" "$wall" "$cpu" "$rss" "$cwall" "$ccpu" "$verdict"
done

py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
if [ -n "$py" ]; then
  read -r wall cpu rss <<<"$(measure "$py" -c pass)"
  row "python3 -c pass" "$wall" "$cpu" "$rss" - - "($py)"
  if "$py" -c "import pandas" 2>/dev/null; then
    read -r wall cpu rss <<<"$(measure "$py" -c "import pandas")"
    row "python3 import pandas" "$wall" "$cpu" "$rss" - - "(predecessor's floor)"
  else
    row "python3 import pandas" - - - - - "skipped: pandas is not installed for $py"
  fi
fi
exit $status
