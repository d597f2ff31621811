#!/usr/bin/env bash
# Concurrency acceptance of the dashboard tools (issue 7): every dashboard
# tool, all at once, writing the same dir: workbook AND the same Google
# spreadsheet (fake-google executable), ROUNDS times. Each round starts from
# an empty workbook and a fresh spreadsheet (so a lost update cannot hide
# behind the previous round's identical cells, and first-run tab creation
# races are exercised), alternating between two --as-of instants. After each
# round:
#   - every process exited 0;
#   - Google: each tool's owned ranges equal what its --dry-run prints for
#     that --as-of (rendered by the fake exactly as the dry run renders);
#   - dir:: every CSV and index.html equal, byte for byte, the workbook the
#     same tools produce when run one after another.
#   dashboard_concurrency_test.sh DASHBOARD_FIXTURE FAKE_GOOGLE TOOLS_DIR [ROUNDS=100]
set -u
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fixture=$1 fake=$2 tools_dir=$3 rounds=${4:-100}
make_work
isolate_env

find_dashboard_tools "$tools_dir"
[ "${#tools[@]}" -ge 2 ] || die "fewer than two dashboard tools in $tools_dir"
echo "tools: ${tools[*]}; rounds: $rounds"

"$fixture" "$work/gbpm.db" || die "fixture failed"
export GBPM_WAREHOUSE="sqlite:$work/gbpm.db"
asofs=(2025-10-26T01:20:00Z 2025-10-26T02:20:00Z)

make_service_account dash@gbpm-test.iam.gserviceaccount.com
start_fake google "$fake" --key-file "$work/sa.json" --state "$work/fake"
url=$fake_url
use_fake_google "$url"

# Oracles: each tool's dry run, and the workbook of a sequential run, per --as-of.
for a in 0 1; do
  for t in "${tools[@]}"; do
    "${bin[$t]}" --sheet - --as-of "${asofs[$a]}" --dry-run >"$work/$t.$a.dry" 2>"$work/err" \
      || die "$t --dry-run failed: $(cat "$work/err")"
    "${bin[$t]}" --sheet "dir:$work/seq$a" --as-of "${asofs[$a]}" 2>"$work/err" \
      || die "$t sequential run failed: $(cat "$work/err")"
  done
done

for round in $(seq 1 "$rounds"); do
  a=$((round % 2))
  asof=${asofs[$a]}
  wb="$work/wb"
  rm -rf "$wb"
  id=$(fake_curl -X POST "$url/_fake/sheets" -d '{"title":"concurrency","sheets":["Sheet1"]}' | jq -r .spreadsheetId)
  if [ -z "$id" ] || [ "$id" = null ]; then
    fail "round $round: cannot create a spreadsheet"
    break
  fi
  pids=()
  names=()
  for t in "${tools[@]}"; do
    "${bin[$t]}" --sheet "dir:$wb" --as-of "$asof" 2>"$work/$t.dir.err" &
    pids+=($!)
    names+=("$t dir:")
    "${bin[$t]}" --sheet "gsheets:$id" --as-of "$asof" 2>"$work/$t.gs.err" &
    pids+=($!)
    names+=("$t gsheets:")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}"
    rc=$?
    [ "$rc" -eq 0 ] || fail "round $round: ${names[$i]} exit $rc: $(tail -n 2 "$work/${names[$i]%% *}".*.err)"
  done
  for t in "${tools[@]}"; do
    sheet_ranges "$url" "$id" "$work/$t.$a.dry" >"$work/$t.sheet"
    cmp -s "$work/$t.$a.dry" "$work/$t.sheet" \
      || fail "round $round: $t's ranges in the spreadsheet differ from its --dry-run: $(diff "$work/$t.$a.dry" "$work/$t.sheet" | head -n 6)"
  done
  for f in "$work/seq$a"/*.csv "$work/seq$a/index.html"; do
    cmp -s "$f" "$wb/$(basename "$f")" || fail "round $round: $(basename "$f") differs from the sequential run"
  done
  [ "$(find "$wb" -maxdepth 1 -name '*.csv' | wc -l)" -eq "$(find "$work/seq$a" -maxdepth 1 -name '*.csv' | wc -l)" ] \
    || fail "round $round: the workbook has different tabs from the sequential run"
  [ "$failures" -eq 0 ] || break
done

finish "dashboard concurrency: $rounds rounds of ${#tools[@]} tools x (dir: + gsheets:)"
