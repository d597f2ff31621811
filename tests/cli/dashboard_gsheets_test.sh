#!/usr/bin/env bash
# Black-box tests of the dashboard tools' gsheets: output against the
# fake-google executable (token endpoint + Sheets API over HTTPS), configured
# the way a user configures production: GOOGLE_APPLICATION_CREDENTIALS,
# GBPM_GOOGLE_TOKEN_URL, GBPM_SHEETS_URL, GBPM_CA_FILE.
#   dashboard_gsheets_test.sh DASHBOARD_FIXTURE FAKE_GOOGLE TOOLS_DIR
# TOOLS_DIR holds the tool binaries (<dir>/<tool> or <dir>/<tool>/<tool>);
# every one of the five dashboard tools found there is tested.
#
# Checked per tool: the cells that land equal what --dry-run prints for the
# same --as-of (values and number formats, rendered by the fake exactly as
# the dry run renders them); exactly one write request and at most one
# metadata read per run (counted by the fake); API calls in the run record.
# Then, on layout-update and outages-update: numbers are numbers with a
# number format, a cause starting with '=' stays text; an injected failure of
# the write leaves the sheet byte-for-byte unchanged (500 storm → 75, 403 →
# 69 naming the service account, 404 → 69 naming the spreadsheet id); a 429
# storm is retried within the configured bounds (honouring Retry-After), then
# exit 75 with the sheet intact; missing credentials → 78 saying what to do.
set -u
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fixture=$1 fake=$2 tools_dir=$3
make_work
isolate_env

find_dashboard_tools "$tools_dir"
[ -n "${bin[layout-update]:-}" ] || die "layout-update missing"
[ -n "${bin[outages-update]:-}" ] || die "outages-update missing"

"$fixture" "$work/gbpm.db" || die "fixture failed"
export GBPM_WAREHOUSE="sqlite:$work/gbpm.db"
asof=2025-10-26T01:20:00Z
email=dash@gbpm-test.iam.gserviceaccount.com

make_service_account "$email"
start_fake google "$fake" --key-file "$work/sa.json" --state "$work/fake"
url=$fake_url
use_fake_google "$url"

new_sheet() { fake_curl -X POST "$url/_fake/sheets" -d '{"title":"gbpm test","sheets":["Sheet1"]}' | jq -r .spreadsheetId; }
stat_of() { fake_curl "$url/_fake/sheets/$1/stats" | jq -r ".$2"; }
content() { fake_curl "$url/_fake/sheets/$1" | jq -S .sheets; }  # cells and tabs, without the counters
fault() { fake_curl -X POST "$url/_fake/faults" -d "$1" >/dev/null; }
clear_faults() { fake_curl -X DELETE "$url/_fake/faults" >/dev/null; }

# 1. Every tool into one fresh spreadsheet: values land, one write, ≤1 metadata read.
id=$(new_sheet)
if [ -z "$id" ] || [ "$id" = null ]; then die "cannot create a spreadsheet on the fake"; fi
for t in "${tools[@]}"; do
  "${bin[$t]}" --sheet "gsheets:$id" --as-of "$asof" --dry-run >"$work/$t.dry" 2>"$work/err"
  check_rc $? 0 "$t --dry-run"
  [ -s "$work/$t.dry" ] || fail "$t --dry-run printed nothing"
  w0=$(stat_of "$id" writeRequests) m0=$(stat_of "$id" metadataReads)
  "${bin[$t]}" --sheet "gsheets:$id" --as-of "$asof" 2>"$work/err"
  check_rc $? 0 "$t gsheets"
  w1=$(stat_of "$id" writeRequests) m1=$(stat_of "$id" metadataReads)
  [ $((w1 - w0)) -eq 1 ] || fail "$t made $((w1 - w0)) write requests, expected exactly 1"
  [ $((m1 - m0)) -le 1 ] || fail "$t made $((m1 - m0)) metadata reads, expected at most 1"
  sheet_ranges "$url" "$id" "$work/$t.dry" >"$work/$t.sheet"
  cmp -s "$work/$t.dry" "$work/$t.sheet" || fail "$t: sheet differs from --dry-run: $(diff "$work/$t.dry" "$work/$t.sheet" | head -n 8)"
  calls=$(jq -r .api_calls "$GBPM_HOME/runs/$t.json" 2>/dev/null)
  [ "${calls:-0}" -ge 2 ] || fail "$t run record api_calls=$calls, expected >= 2 (metadata + write)"
  [ "$(jq -r .exit_code "$GBPM_HOME/runs/$t.json" 2>/dev/null)" = 0 ] || fail "$t run record exit code"
done
# A second round: still exactly one write each, and the dry runs still match.
for t in "${tools[@]}"; do
  w0=$(stat_of "$id" writeRequests) m0=$(stat_of "$id" metadataReads)
  "${bin[$t]}" --sheet "gsheets:$id" --as-of "$asof" 2>"$work/err"
  check_rc $? 0 "$t gsheets (second run)"
  [ $(($(stat_of "$id" writeRequests) - w0)) -eq 1 ] || fail "$t second run: not exactly one write request"
  [ $(($(stat_of "$id" metadataReads) - m0)) -le 1 ] || fail "$t second run: more than one metadata read"
done
for t in "${tools[@]}"; do
  sheet_ranges "$url" "$id" "$work/$t.dry" | cmp -s "$work/$t.dry" - || fail "$t: owned ranges changed by another tool"
done

# 2. Typed cells: numbers with number formats, text never a formula.
dash='.sheets[] | select(.title=="Dashboard") | .cells'
dump=$(fake_curl "$url/_fake/sheets/$id")
[ "$(jq -r "$dash | .B5.userEnteredValue.numberValue" <<<"$dump")" = 26.5 ] || fail "B5 is not the number 26.5: $(jq -c "$dash | .B5" <<<"$dump")"
[ "$(jq -r "$dash | .B5.userEnteredFormat.numberFormat.type" <<<"$dump")" = NUMBER ] || fail "B5 has no number format"
[ "$(jq -r "$dash | .G31.userEnteredValue.stringValue" <<<"$dump")" = '=1+1, "quoted"' ] \
  || fail "G31 (cause) is not literal text: $(jq -c "$dash | .G31" <<<"$dump")"
[ "$(jq -r "[.. | objects | select(has(\"formulaValue\"))] | length" <<<"$dump")" = 0 ] || fail "a formula was written"

# 3. Injected failures of the write: the sheet is byte-for-byte unchanged.
export GBPM_RETRY_ATTEMPTS=3 GBPM_RETRY_DEADLINE=20s
before=$(content "$id")
write_path="/v4/spreadsheets/$id:batchUpdate"
fault "{\"method\":\"POST\",\"path_prefix\":\"$write_path\",\"count\":50,\"status\":500,\"body\":\"{\\\"error\\\":{\\\"code\\\":500,\\\"message\\\":\\\"Internal error encountered.\\\",\\\"status\\\":\\\"INTERNAL\\\"}}\"}"
"${bin[layout-update]}" --sheet "gsheets:$id" --as-of 2025-10-26T02:20:00Z 2>"$work/err"
check_rc $? 75 "layout-update with the write failing (500)"
clear_faults
[ "$(content "$id")" = "$before" ] || fail "a failed write (500) changed the sheet"
[ "$(jq -r .exit_code "$GBPM_HOME/runs/layout-update.json")" = 75 ] || fail "run record lacks exit 75"
[ "$(jq -r .api_calls "$GBPM_HOME/runs/layout-update.json")" -eq 4 ] \
  || fail "run record api_calls $(jq -r .api_calls "$GBPM_HOME/runs/layout-update.json"), expected 1 read + 3 write attempts"

fault "{\"method\":\"POST\",\"path_prefix\":\"$write_path\",\"count\":1,\"status\":403,\"body\":\"{\\\"error\\\":{\\\"code\\\":403,\\\"message\\\":\\\"The caller does not have permission\\\",\\\"status\\\":\\\"PERMISSION_DENIED\\\"}}\"}"
"${bin[outages-update]}" --sheet "gsheets:$id" --as-of 2025-10-26T02:20:00Z 2>"$work/err"
check_rc $? 69 "outages-update refused (403)"
grep -q "$email" "$work/err" || fail "the 403 error does not name the service account to share the sheet with: $(cat "$work/err")"
clear_faults
[ "$(content "$id")" = "$before" ] || fail "a refused write (403) changed the sheet"

"${bin[layout-update]}" --sheet "gsheets:no-such-sheet-42" --as-of "$asof" 2>"$work/err"
check_rc $? 69 "layout-update on an unknown spreadsheet (404)"
grep -q "no-such-sheet-42" "$work/err" || fail "the 404 error does not name the spreadsheet id: $(cat "$work/err")"

# 4. A 429 storm: retried within bounds, Retry-After honoured, then 75, sheet intact.
fault "{\"method\":\"POST\",\"path_prefix\":\"$write_path\",\"count\":1000,\"status\":429,\"headers\":{\"Retry-After\":\"1\"},\"body\":\"{\\\"error\\\":{\\\"code\\\":429,\\\"message\\\":\\\"Quota exceeded\\\",\\\"status\\\":\\\"RESOURCE_EXHAUSTED\\\"}}\"}"
start=$(date +%s%N)
GBPM_RETRY_ATTEMPTS=3 "${bin[outages-update]}" --sheet "gsheets:$id" --as-of 2025-10-26T02:20:00Z 2>"$work/err"
check_rc $? 75 "outages-update in a 429 storm"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -ge 2000 ] || fail "429 storm: gave up after $ms ms; Retry-After: 1 twice means >= 2000 ms"
[ "$ms" -lt 20000 ] || fail "429 storm: took $ms ms, beyond the 20 s budget"
[ "$(jq -r .api_calls "$GBPM_HOME/runs/outages-update.json")" -eq 4 ] \
  || fail "429 storm: api_calls $(jq -r .api_calls "$GBPM_HOME/runs/outages-update.json"), expected 1 read + 3 attempts"
[ "$(content "$id")" = "$before" ] || fail "the 429 storm changed the sheet"
# A Retry-After beyond the budget is not waited for: give up at once.
fault "{\"method\":\"POST\",\"path_prefix\":\"$write_path\",\"count\":1000,\"status\":429,\"headers\":{\"Retry-After\":\"3600\"}}"
start=$(date +%s%N)
"${bin[layout-update]}" --sheet "gsheets:$id" --as-of 2025-10-26T02:20:00Z 2>"$work/err"
check_rc $? 75 "layout-update with Retry-After: 3600"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 10000 ] || fail "Retry-After past the budget: waited $ms ms"
clear_faults
[ "$(content "$id")" = "$before" ] || fail "a 429 changed the sheet"
unset GBPM_RETRY_ATTEMPTS GBPM_RETRY_DEADLINE

# The sheet still serves the last good run after all that.
sheet_ranges "$url" "$id" "$work/outages-update.dry" | cmp -s "$work/outages-update.dry" - || fail "outage rows not intact"

# 5. No credentials at all → 78, saying what to do; nothing sent.
w0=$(stat_of "$id" writeRequests)
env -u GOOGLE_APPLICATION_CREDENTIALS HOME="$work/nohome" CLOUDSDK_CONFIG="$work/nogcloud" \
  "${bin[layout-update]}" --sheet "gsheets:$id" --as-of "$asof" 2>"$work/err"
check_rc $? 78 "layout-update without credentials"
grep -q "GOOGLE_APPLICATION_CREDENTIALS" "$work/err" || fail "missing-credentials error does not say what to set: $(cat "$work/err")"
[ "$(stat_of "$id" writeRequests)" = "$w0" ] || fail "a write reached the sheet without credentials"

finish "dashboard gsheets CLI tests (${tools[*]})"
