#!/usr/bin/env bash
# bmrs-backfill end to end over HTTPS against the standalone fake-elexon:
# a 10-day 4-dataset backfill (holding the 50-period autumn day) killed with
# kill -9 midway and resumed without refetching journaled chunks (requests
# counted at the fake); a second run fetches nothing; --gaps repairs exactly
# the rows deleted with sqlite3; 400 problem → exit 69 with its detail;
# persistent 503 → exit 75, then a re-run completes; the run record; system
# prices (DISEBSP) by day and their gaps by period; and the daily cron
# invocation (--config FILE --gaps --days 7) as written.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
backfill=$1
fake=$2
need sqlite3 curl python3
make_work
isolate_env

# 150 ms per request, so a run lasts long enough to be killed midway.
start_fake elexon "$fake" --delay-ms 150
url=$fake_url
export GBPM_ELEXON_URL="$url/bmrs/api/v1" GBPM_CA_FILE="$work/ca.pem"
requests() { fake_curl "$url/_fake/requests" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'; }
reset_requests() { fake_curl -X DELETE "$url/_fake/requests" >/dev/null; }
q() { sqlite3 "$GBPM_HOME/gbpm.db" "$1"; }
journaled() { cat "$GBPM_HOME"/backfill/*.chunks 2>/dev/null | grep -c $'\t' || true; }

args=(--dataset "FUELINST,FUELHH,FREQ,MID" --from 2026-10-20 --to 2026-10-29 --concurrency 2)
total=$("$backfill" "${args[@]}" --dry-run 2>/dev/null | wc -l)
# 10 days: 9 x 1 + 2 (25-hour day over a 24 h cap) = 11 each for FUELINST/FUELHH/FREQ, MID 7 + 3 days = 2.
check "planned chunks" 35 "$total"

# --- kill -9 midway, then resume ------------------------------------------------
"$backfill" "${args[@]}" 2>"$work/run1.err" &
pid=$!
journaled_8() { (($(journaled) >= 8)); }
wait_until 15 journaled_8 || true
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
sleep 0.5 # requests the killed run left in flight are recorded when the fake answers them
done_at_kill=$(journaled)
echo "journaled chunks at kill: $done_at_kill of $total"
if ((done_at_kill < 8 || done_at_kill >= total)); then fail "kill landed outside the run ($done_at_kill of $total)"; fi
reset_requests
set +e
"$backfill" "${args[@]}" 2>"$work/run2.err"
rc=$?
set -e
check "resumed run exits 0" 0 "$rc"
[[ $rc -eq 0 ]] || cat "$work/run2.err"
check "resumed run fetched only unfinished chunks" $((total - done_at_kill)) "$(requests)"
if grep -q "chunks_skipped=$done_at_kill " "$work/run2.err"; then
  ok "summary reports skipped chunks"
else
  fail "summary: $(grep 'backfill done' "$work/run2.err")"
fi
periods=$((9 * 48 + 50))
check "FUELINST rows" $((periods * 120)) "$(q 'SELECT count(*) FROM bmrs_fuelinst')"
check "FUELHH rows" $((periods * 20)) "$(q 'SELECT count(*) FROM bmrs_fuelhh')"
check "FREQ rows" $((periods * 120)) "$(q 'SELECT count(*) FROM bmrs_freq')"
check "MID rows" $((periods * 2)) "$(q 'SELECT count(*) FROM bmrs_mid')"
check "50 periods on the autumn day" 50 \
  "$(q "SELECT count(DISTINCT settlement_period) FROM bmrs_fuelhh WHERE settlement_date = '2026-10-25'")"
fingerprint() {
  q "SELECT count(*), sum(generation) FROM bmrs_fuelinst; SELECT count(*), sum(frequency) FROM bmrs_freq;
     SELECT count(*), sum(generation) FROM bmrs_fuelhh; SELECT count(*), sum(price) FROM bmrs_mid;" | tr '\n' ' '
}
before=$(fingerprint)

# --- a second run changes nothing -------------------------------------------------
reset_requests
"$backfill" "${args[@]}" 2>"$work/run3.err"
check "second run fetches nothing" 0 "$(requests)"
check "second run leaves the data" "$before" "$(fingerprint)"

# --- the run record -----------------------------------------------------------------
record="$GBPM_HOME/runs/bmrs-backfill.json"
py_record() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($1)" "$record"; }
check "run record exit code" 0 "$(py_record 'r.get("exit_code")')"

# --- gap repair ---------------------------------------------------------------------
q "DELETE FROM bmrs_fuelinst WHERE start_time IN ('2026-10-21T10:00:00.000Z', '2026-10-27T00:55:00.000Z');
   DELETE FROM bmrs_fuelhh WHERE settlement_date = '2026-10-25' AND settlement_period IN (4, 5, 6, 49);
   DELETE FROM bmrs_freq WHERE measurement_time = '2026-10-29T23:59:45.000Z';
   DELETE FROM bmrs_mid WHERE settlement_date = '2026-10-22' AND settlement_period = 30;"
reset_requests
set +e
"$backfill" --dataset FUELINST,FUELHH,FREQ,MID --gaps --days 10 --as-of 2026-10-30T12:00:00Z 2>"$work/gaps.err"
rc=$?
set -e
check "--gaps exits 0" 0 "$rc"
[[ $rc -eq 0 ]] || cat "$work/gaps.err"
# FUELINST 2 instants (apart), FUELHH SP4-6 (one request) + SP49, FREQ 1, MID 1.
check "--gaps requests" 6 "$(requests)"
check "--gaps restored every row" "$before" "$(fingerprint)"
check "--gaps rows written" $((2 * 20 + 4 * 20 + 1 + 2)) "$(py_record 'r["rows_written"]')"
check "--gaps API calls in the run record" 6 "$(py_record 'r["api_calls"]')"

# --- system prices (DISEBSP): one request per settlement day, gaps period by period ----
if "$backfill" --help 2>/dev/null | grep "DISEBSP" >/dev/null; then
  ok "--help lists DISEBSP"
else
  fail "--help does not mention DISEBSP"
fi
sp_base=/balancing/settlement/system-prices
check "DISEBSP dry run: a request per settlement day" "$sp_base/2026-10-24 $sp_base/2026-10-25 $sp_base/2026-10-26" \
  "$("$backfill" --dataset DISEBSP --from 2026-10-24 --to 2026-10-26 --dry-run 2>/dev/null | cut -f2 | xargs)"
prices() {
  q "SELECT group_concat(k, ' ') FROM (SELECT settlement_date || '/' || settlement_period || '=' || system_sell_price ||
     '@' || created_date_time AS k FROM bmrs_disebsp ORDER BY settlement_date, settlement_period)"
}
reset_requests
set +e
"$backfill" --dataset DISEBSP --from 2026-10-24 --to 2026-10-26 2>"$work/sp.err"
rc=$?
set -e
check "DISEBSP range exits 0" 0 "$rc"
[[ $rc -eq 0 ]] || cat "$work/sp.err"
check "DISEBSP range requests" 3 "$(requests)"
check "DISEBSP rows (48 + 50 + 48 periods)" $((48 + 50 + 48)) "$(q 'SELECT count(*) FROM bmrs_disebsp')"
prices_before=$(prices)
q "DELETE FROM bmrs_disebsp WHERE settlement_date = '2026-10-25' AND settlement_period IN (1, 2, 50);"
reset_requests
set +e
"$backfill" --dataset DISEBSP --gaps --days 3 --as-of 2026-10-27T12:00:00Z 2>"$work/spgaps.err"
rc=$?
set -e
check "DISEBSP --gaps exits 0" 0 "$rc"
[[ $rc -eq 0 ]] || cat "$work/spgaps.err"
check "DISEBSP --gaps asks for just the 3 missing periods" 3 "$(requests)"
check "DISEBSP --gaps restored the prices" "$prices_before" "$(prices)"
reset_requests
"$backfill" --dataset DISEBSP --gaps --days 3 --as-of 2026-10-27T12:00:00Z 2>"$work/spgaps2.err"
check "DISEBSP second --gaps run fetches nothing" 0 "$(requests)"
check "DISEBSP second --gaps run changes nothing" "$prices_before" "$(prices)"

# --- a 400 problem body: exit 69 with its detail --------------------------------------
problem='{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"":["The date range must not exceed 7 days."]}}'
fake_curl -X POST "$url/_fake/faults" -d "$(python3 -c 'import json,sys; print(json.dumps({"path_prefix":"/bmrs/api/v1/datasets/MID","count":1,"status":400,"body":sys.argv[1]}))' "$problem")" >/dev/null
set +e
"$backfill" --dataset MID,FUELHH --from 2026-11-01 --to 2026-11-02 2>"$work/400.err"
rc=$?
set -e
check "400 problem exits 69" 69 "$rc"
if grep -q "must not exceed 7 days" "$work/400.err"; then
  ok "400 detail reported"
else
  fail "400 detail missing: $(cat "$work/400.err")"
fi
check "the other dataset was stored" $((48 * 2 * 20)) \
  "$(q "SELECT count(*) FROM bmrs_fuelhh WHERE settlement_date >= '2026-11-01'")"

# --- persistent 503: exit 75, then a re-run fetches only that chunk -------------------------
fake_curl -X POST "$url/_fake/faults" -d '{"path_prefix":"/bmrs/api/v1/datasets/MID","count":100,"status":503}' >/dev/null
set +e
GBPM_RETRY_ATTEMPTS=2 "$backfill" --dataset MID,FUELHH --from 2026-11-01 --to 2026-11-02 2>"$work/503.err"
rc=$?
set -e
check "persistent 503 exits 75" 75 "$rc"
fake_curl -X DELETE "$url/_fake/faults" >/dev/null
reset_requests
"$backfill" --dataset MID,FUELHH --from 2026-11-01 --to 2026-11-02 2>"$work/after503.err"
check "re-run after 503 fetches just the failed chunk" 1 "$(requests)"
check "MID stored after the re-run" $((48 * 2 * 2)) "$(q "SELECT count(*) FROM bmrs_mid WHERE settlement_date >= '2026-11-01'")"

# --- the daily cron line, as written in crontab/gbpm.crontab -------------------------------
mkdir -p "$work/etc"
cat >"$work/etc/gbpm.env" <<ENV
GBPM_HOME=$work/cronhome
GBPM_ELEXON_URL=$url/bmrs/api/v1
GBPM_CA_FILE=$work/ca.pem
GBPM_BACKFILL_DATASETS=MID,INDO
GBPM_BACKFILL_CONCURRENCY=4
ENV
set +e
env -u GBPM_HOME -u GBPM_ELEXON_URL -u GBPM_CA_FILE "$backfill" --config "$work/etc/gbpm.env" --gaps --days 7 \
  2>"$work/cron.err"
rc=$?
set -e
check "cron invocation exits 0" 0 "$rc"
[[ $rc -eq 0 ]] || cat "$work/cron.err"
# (GBPM_FIXTURES from ctest's environment is unknown to the tools; the file's keys must all be known.)
if grep "unknown setting" "$work/cron.err" | grep "gbpm.env" >/dev/null; then
  fail "unknown setting in the config file: $(grep 'unknown setting' "$work/cron.err")"
fi
# 7 complete settlement days before today, 2 MID rows and 1 INDO row per period.
expected=$(python3 - <<'PY'
import datetime, zoneinfo
london = zoneinfo.ZoneInfo("Europe/London")
today = datetime.datetime.now(london).date()
n = 0
for k in range(1, 8):
    d = today - datetime.timedelta(days=k)
    start = datetime.datetime(d.year, d.month, d.day, tzinfo=london).astimezone(datetime.timezone.utc)
    e = d + datetime.timedelta(days=1)
    end = datetime.datetime(e.year, e.month, e.day, tzinfo=london).astimezone(datetime.timezone.utc)
    n += int((end - start).total_seconds() // 1800)
print(n)
PY
)
check "cron run: MID rows for 7 days" $((expected * 2)) "$(sqlite3 "$work/cronhome/gbpm.db" 'SELECT count(*) FROM bmrs_mid')"
check "cron run: INDO rows for 7 days" "$expected" "$(sqlite3 "$work/cronhome/gbpm.db" 'SELECT count(*) FROM bmrs_indo')"

finish bmrs-backfill
