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
fixture=$1 fake=$2 tools_dir=$3 rounds=${4:-100}
work=$(mktemp -d)
fake_pid=
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

declare -A bin
tools=()
for t in layout-update daily-kpi outages-update realtime-dashboard gsp-update; do
  for p in "$tools_dir/$t" "$tools_dir/$t/$t"; do
    if [ -x "$p" ] && [ -f "$p" ]; then
      bin[$t]=$p
      tools+=("$t")
      break
    fi
  done
done
[ "${#tools[@]}" -ge 2 ] || { echo "fewer than two dashboard tools in $tools_dir" >&2; exit 1; }
echo "tools: ${tools[*]}; rounds: $rounds"

"$fixture" "$work/gbpm.db" || { echo "fixture failed" >&2; exit 1; }
export GBPM_HOME="$work/home"
export GBPM_WAREHOUSE="sqlite:$work/gbpm.db"
asofs=(2025-10-26T01:20:00Z 2025-10-26T02:20:00Z)

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/key.pem" 2>/dev/null || exit 1
jq -n --rawfile k "$work/key.pem" \
  '{type:"service_account", project_id:"gbpm-test", private_key_id:"0123456789abcdef", private_key:$k,
    client_email:"dash@gbpm-test.iam.gserviceaccount.com", client_id:"1", token_uri:"https://oauth2.invalid/token"}' \
  >"$work/sa.json"
chmod 600 "$work/sa.json"
mkdir -p "$work/fake"
"$fake" --key-file "$work/sa.json" --ca-out "$work/ca.pem" --state "$work/fake" >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
url=
for _ in $(seq 1 200); do
  url=$(head -n 1 "$work/fake.out" 2>/dev/null)
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "fake-google did not start: $(cat "$work/fake.err")" >&2; exit 1; }
export GOOGLE_APPLICATION_CREDENTIALS="$work/sa.json"
export GBPM_GOOGLE_TOKEN_URL="$url/token"
export GBPM_SHEETS_URL="$url"
export GBPM_CA_FILE="$work/ca.pem"
export GCE_METADATA_HOST=127.0.0.1:9

admin() { curl -sS --cacert "$work/ca.pem" "$@"; }
render_like() {  # ID DRY_TEXT_FILE: the sheet's view of the ranges the dry run names
  local r
  sed -n 's/^== \(.*\) ==$/\1/p' "$2" | while IFS= read -r r; do
    admin "$url/_fake/sheets/$1/render?range=$(jq -rn --arg r "$r" '$r|@uri')"
  done
}

# Oracles: each tool's dry run, and the workbook of a sequential run, per --as-of.
for a in 0 1; do
  for t in "${tools[@]}"; do
    "${bin[$t]}" --sheet - --as-of "${asofs[$a]}" --dry-run >"$work/$t.$a.dry" 2>"$work/err" \
      || { echo "$t --dry-run failed: $(cat "$work/err")" >&2; exit 1; }
    "${bin[$t]}" --sheet "dir:$work/seq$a" --as-of "${asofs[$a]}" 2>"$work/err" \
      || { echo "$t sequential run failed: $(cat "$work/err")" >&2; exit 1; }
  done
done

for round in $(seq 1 "$rounds"); do
  a=$((round % 2))
  asof=${asofs[$a]}
  wb="$work/wb"
  rm -rf "$wb"
  id=$(admin -X POST "$url/_fake/sheets" -d '{"title":"concurrency","sheets":["Sheet1"]}' | jq -r .spreadsheetId)
  [ -n "$id" ] && [ "$id" != null ] || { fail "round $round: cannot create a spreadsheet"; break; }
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
    render_like "$id" "$work/$t.$a.dry" >"$work/$t.sheet"
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

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "dashboard concurrency: $rounds rounds of ${#tools[@]} tools x (dir: + gsheets:) passed"
