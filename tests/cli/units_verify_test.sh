#!/usr/bin/env bash
# Checks every systemd unit in crontab/systemd/ with `systemd-analyze verify`
# (ExecStart pointed at stub executables, so the units are checked, not the
# build), and that each gbpm-<tool>.timer fires exactly when the crontab line
# of <tool> does (`systemd-analyze calendar` over one day vs. the crontab's
# minute and hour fields), runs the same arguments, and that the crontab
# follows the shared contract: staggered (no two jobs start in the same
# minute), user gbpm, --config, plain words then `>>LOG 2>&1`.
#   units_verify_test.sh CRONTAB_DIR      (the repository's crontab/)
# Skips (77) without systemd-analyze.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir=$1
crontab="$dir/gbpm.crontab"
need systemd-analyze
make_work

# --- cron field expansion: numbers, *, a-b, */n, a-b/n, lists ---------------------
expand() {  # FIELD MIN MAX → one number per line
  local field=$1 lo=$2 hi=$3 part range step a b i
  IFS=, read -ra parts <<<"$field"
  for part in "${parts[@]}"; do
    range=${part%%/*}
    step=1
    [[ "$part" == */* ]] && step=${part#*/}
    if [[ "$range" == "*" ]]; then
      a=$lo b=$hi
    elif [[ "$range" == *-* ]]; then
      a=${range%-*} b=${range#*-}
    else
      a=$range b=$range
      [[ "$part" == */* ]] && b=$hi
    fi
    for ((i = a; i <= b; i += step)); do echo "$i"; done
  done | sort -n -u
}
# The HH:MM instants of one day at which a crontab job fires.
cron_times() {  # MINUTE HOUR
  local h m
  for h in $(expand "$2" 0 23); do
    for m in $(expand "$1" 0 59); do printf '%02d:%02d\n' "$h" "$m"; done
  done | sort -u
}

# --- the crontab ------------------------------------------------------------------------
[[ -f "$crontab" ]] || die "no $crontab"
declare -A job_min job_hour job_args
while read -r line; do
  [[ -z "$line" || "$line" == \#* || "$line" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && continue
  read -ra w <<<"$line"
  [[ ${#w[@]} -ge 9 ]] || { fail "crontab line too short: $line"; continue; }
  [[ "${w[5]}" == gbpm ]] || fail "crontab job not run as gbpm: $line"
  [[ "${w[2]} ${w[3]} ${w[4]}" == "* * *" ]] || fail "crontab job restricts day/month/weekday (this test handles * only): $line"
  tool=$(basename "${w[6]}")
  [[ "${w[6]}" == /usr/local/bin/"$tool" ]] || fail "$tool: command is not /usr/local/bin/<tool>: ${w[6]}"
  n=${#w[@]}
  [[ "${w[n - 2]}" == ">>/var/log/gbpm/$tool.log" && "${w[n - 1]}" == "2>&1" ]] ||
    fail "$tool: does not end with >>/var/log/gbpm/$tool.log 2>&1"
  args="${w[*]:7:n-9}"
  [[ "$args" == "--config /etc/gbpm/gbpm.env"* ]] || fail "$tool: first arguments are not --config /etc/gbpm/gbpm.env"
  [[ "$args" =~ [\;\|\&\$\`\<\>\"\'\\] ]] && fail "$tool: shell syntax in the arguments: $args"
  job_min[$tool]=${w[0]}
  job_hour[$tool]=${w[1]}
  job_args[$tool]=$args
done <"$crontab"
for t in realtime-dashboard layout-update outages-update gsp-update daily-kpi bmrs-backfill; do
  [[ -n "${job_min[$t]:-}" ]] || fail "crontab has no $t job"
done
[[ "${job_args[bmrs-backfill]:-}" == *"--gaps --days 7"* ]] || fail "bmrs-backfill job lacks --gaps --days 7"
# Staggered: no two jobs fire in the same minute of the day.
for t in "${!job_min[@]}"; do cron_times "${job_min[$t]}" "${job_hour[$t]}" | sed "s/\$/ $t/"; done >"$work/all"
clashes=$(awk '{ n[$1]++; who[$1] = who[$1] " " $2 } END { for (k in n) if (n[k] > 1) print k ":" who[k] }' "$work/all" | sort | head -5)
if [[ -z "$clashes" ]]; then
  ok "crontab: ${#job_min[@]} jobs, none start in the same minute"
else
  fail "jobs start together: $clashes"
fi

# --- systemd-analyze verify -----------------------------------------------------------------
mkdir -p "$work/units" "$work/bin"
cp "$dir"/systemd/*.service "$dir"/systemd/*.timer "$work/units/" 2>/dev/null || true
while read -r exe; do
  printf '#!/bin/sh\nexit 0\n' >"$work/bin/$exe"
  chmod +x "$work/bin/$exe"
done < <(sed -n 's#^ExecStart=[-@:+!]*/usr/local/bin/\([^ ]*\).*#\1#p' "$work"/units/*.service | sort -u)
sed -i "s#/usr/local/bin/#$work/bin/#g" "$work"/units/*.service
for u in "$work"/units/*; do
  name=$(basename "$u")
  set -- "$u"
  [[ "$name" == *.timer ]] && set -- "$u" "$work/units/${name%.timer}.service"
  if ! out=$(cd "$work/units" && systemd-analyze verify "$@" 2>&1); then
    fail "systemd-analyze verify $name:"$'\n'"$out"
  elif [[ -n "$out" ]]; then
    fail "systemd-analyze verify $name warned:"$'\n'"$out"
  else
    ok "verify $name"
  fi
done

# --- timers vs. the crontab -------------------------------------------------------------------
timers=0
for timer in "$dir"/systemd/gbpm-*.timer; do
  [[ -f "$timer" ]] || continue
  timers=$((timers + 1))
  name=$(basename "$timer" .timer)
  tool=${name#gbpm-}
  service="$dir/systemd/$name.service"
  [[ -f "$service" ]] || { fail "$name.timer has no $name.service"; continue; }
  [[ -n "${job_min[$tool]:-}" ]] || { fail "$name.timer: no crontab job for $tool"; continue; }
  cal=$(sed -n 's/^OnCalendar=//p' "$timer")
  [[ $(wc -l <<<"$cal") -eq 1 && -n "$cal" ]] || { fail "$name.timer: want exactly one OnCalendar="; continue; }
  [[ "$cal" == *" UTC" ]] || fail "$name.timer: OnCalendar is not in UTC: $cal"
  grep -q '^Persistent=' "$timer" || fail "$name.timer: no Persistent="
  acc=$(sed -n 's/^AccuracySec=//p' "$timer")
  [[ "$acc" =~ ^[0-9]+(ms|s)?$ ]] || fail "$name.timer: AccuracySec should be seconds or less (jobs are a minute apart), got '$acc'"
  grep -qx 'Type=oneshot' "$service" || fail "$name.service: not Type=oneshot"
  grep -qx 'User=gbpm' "$service" || fail "$name.service: not User=gbpm"
  grep -qx 'StateDirectory=gbpm' "$service" || fail "$name.service: no StateDirectory=gbpm"
  exec_args=$(sed -n "s#^ExecStart=/usr/local/bin/$tool *##p" "$service")
  [[ "$exec_args" == "${job_args[$tool]}" ]] || fail "$name.service runs '$exec_args', the crontab '${job_args[$tool]}'"
  cron_times "${job_min[$tool]}" "${job_hour[$tool]}" >"$work/cron.$tool"
  n=$(wc -l <"$work/cron.$tool")
  # The next n elapses cover exactly one day, whatever the current time.
  TZ=UTC LC_ALL=C systemd-analyze calendar --iterations="$n" "$cal" >"$work/cal.$tool" 2>&1 ||
    { fail "$name.timer: systemd-analyze calendar '$cal': $(cat "$work/cal.$tool")"; continue; }
  sed -n 's/^ *\(Next elapse\|Iter\. #[0-9]*\): [A-Za-z]* [0-9-]* \([0-9][0-9]:[0-9][0-9]\):00 UTC$/\2/p' \
    "$work/cal.$tool" | sort -u >"$work/timer.$tool"
  if cmp -s "$work/cron.$tool" "$work/timer.$tool"; then
    ok "$name.timer '$cal' fires at the crontab's $n times a day"
  else
    fail "$name.timer '$cal' differs from the crontab '${job_min[$tool]} ${job_hour[$tool]}': $(diff "$work/cron.$tool" "$work/timer.$tool" | head -6 | tr '\n' ' ')"
  fi
done
[[ $timers -eq 6 ]] || fail "expected 6 gbpm-*.timer units (5 dashboard jobs + bmrs-backfill), found $timers"
finish "units and crontab"
