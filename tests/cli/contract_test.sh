#!/usr/bin/env bash
# Black-box test of the shared command-line contract through a real process:
# exit codes, --help/--version, precedence, logs, run records, and the
# single-instance lock across processes (including after a SIGKILL).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
probe=$1
make_work
isolate_env

check "help exits 0" 0 "$(code "$probe" --help)"
contains "help has examples" "$(cat "$work/out")" "contract-probe --hold 5"
check "version exits 0" 0 "$(code "$probe" --version)"
contains "version text" "$(cat "$work/out")" "contract-probe (gbpm)"
check "unknown flag is usage (64)" 64 "$(code "$probe" --bogus)"
contains "usage hint" "$(cat "$work/err")" "--help"

for pair in usage:64 data:65 unavailable:69 internal:70 output:73 temporary:75 config:78; do
  check "exit code for ${pair%%:*}" "${pair##*:}" "$(code "$probe" --fail "${pair%%:*}")"
done
contains "run record records the failure" "$(cat "$GBPM_HOME/runs/contract-probe.json")" '"exit_code":78'

check "ok run" 0 "$(code "$probe")"
contains "data goes to stdout" "$(cat "$work/out")" "now="
lacks "logs stay off stdout" "$(cat "$work/out")" "level="
contains "logs go to stderr" "$(cat "$work/err")" "level=info tool=contract-probe"
contains "run record ok" "$(cat "$GBPM_HOME/runs/contract-probe.json")" '"state":"ok"'

# Precedence: flag > environment > config file.
printf 'GBPM_WAREHOUSE=sqlite:/file.db\nGBPM_TEST_SECRET=file-secret-123\n' >"$work/gbpm.env"
code "$probe" --config "$work/gbpm.env" >/dev/null
contains "file value used" "$(cat "$work/err")" "warehouse=sqlite:/file.db"
GBPM_WAREHOUSE=sqlite:/env.db code "$probe" --config "$work/gbpm.env" >/dev/null
contains "env beats file" "$(cat "$work/err")" "warehouse=sqlite:/env.db"
GBPM_WAREHOUSE=sqlite:/env.db code "$probe" --config "$work/gbpm.env" --warehouse sqlite:/flag.db >/dev/null
contains "flag beats env" "$(cat "$work/err")" "warehouse=sqlite:/flag.db"
lacks "secret not logged" "$(cat "$work/err")" "file-secret-123"
contains "unknown key warned" "$(cat "$work/err")" "GBPM_TEST_SECRET"
check "missing config file is 78" 78 "$(code "$probe" --config "$work/nope.env")"

GBPM_LOG_FORMAT=json code "$probe" >/dev/null
contains "json logs" "$(cat "$work/err")" '"level":"info","tool":"contract-probe"'

# Single instance: a second copy exits 75 at once and names the holder.
"$probe" --hold 30 --sheet gsheets:ABC >/dev/null 2>&1 &
holder=$!
wait_until 5 grep -q '"state":"running"' "$GBPM_HOME/runs/contract-probe.json" 2>/dev/null || true
start=$(date +%s)
check "second instance is 75" 75 "$(code "$probe" --sheet gsheets:ABC)"
contains "holder named" "$(cat "$work/err")" "pid $holder"
check "second instance exits at once" 1 "$(( $(date +%s) - start < 5 ))"
check "other target runs" 0 "$(code "$probe" --sheet gsheets:OTHER)"
kill -9 "$holder"
wait "$holder" 2>/dev/null || true
check "lock released after SIGKILL" 0 "$(code "$probe" --sheet gsheets:ABC)"

finish contract
