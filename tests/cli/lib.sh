# shellcheck shell=bash
# Helpers shared by the shell tests (tests/cli/*.sh, tests/conformance/*.sh,
# the shell benches under tests/bench/). Source it first, with a ShellCheck
# source=lib.sh directive above the line (a path relative to the script):
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Sourcing only defines functions and variables. The helpers work with and
# without `set -e`; none of them relies on it.
#
#   make_work                   $work, a fresh directory, removed at exit
#                               with the fakes and background jobs stopped
#   at_exit FUNCTION            run FUNCTION first at exit (a test's own cleanup)
#   isolate_env                 unset gbpm/systemd settings from the caller's
#                               environment; GBPM_HOME=$work/home
#   need COMMAND...             skip (exit 77) unless every COMMAND exists
#   check/contains/lacks/has/check_rc/ok/fail  counted checks; finish [TEXT]
#                               prints the tally and exits 1 if any failed
#   die MESSAGE                 fail at once (exit 1), after `diagnostics`
#                               when the test defines that function
#   code COMMAND...             run COMMAND (stdout $work/out, stderr
#                               $work/err) and print its exit code
#   wait_until SECONDS CMD...   poll CMD until it succeeds or SECONDS pass
#   wait_file FILE [SECONDS]    wait until FILE exists and is not empty
#   start_fake NAME BINARY ARGS...  one of the fake servers, see below
#   tool_path DIR NAME          DIR/NAME or DIR/NAME/NAME, the built binary
#   check_unit UNIT BINARY KEY...   a systemd unit file, see below

failures=0
pass=0
work=
fake_url=
fake_pid=
fake_pids=()
at_exit_functions=()

# --- work directory and clean-up -----------------------------------------------

make_work() {
  work=$(mktemp -d) || exit 1
  trap cleanup EXIT
}

at_exit() { at_exit_functions+=("$1"); }

# At exit: the test's own clean-up, then the fakes (SIGTERM, waited for), then
# whatever else still runs in the background (SIGKILL: a crash test's
# ingester, a listener), then $work.
cleanup() {
  local f pid others
  for f in "${at_exit_functions[@]}"; do "$f" || true; done
  stop_fakes
  others=$(jobs -p)
  for pid in $others; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in $others; do wait "$pid" 2>/dev/null || true; done
  if [[ -n $work ]]; then rm -rf "$work"; fi
}

# The settings a developer's shell or systemd may have exported, which would
# change what the tools under test do. GBPM_FIXTURES (set by ctest) is kept.
isolate_env() {
  local name
  for name in $(compgen -e); do
    case $name in
      GBPM_FIXTURES) ;;
      GBPM_* | NOTIFY_SOCKET | WATCHDOG_USEC | WATCHDOG_PID | CREDENTIALS_DIRECTORY) unset "$name" ;;
    esac
  done
  export GBPM_HOME="$work/home"
}

need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || { echo "$c not installed; skipping"; exit 77; }
  done
}

# --- checks ---------------------------------------------------------------------

ok() { echo "ok   $*"; pass=$((pass + 1)); }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
die() {
  echo "FAIL $*" >&2
  if declare -F diagnostics >/dev/null; then diagnostics >&2; fi
  exit 1
}
check() {  # NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
contains() {  # NAME HAYSTACK NEEDLE
  if [[ "$2" == *"$3"* ]]; then ok "$1"; else fail "$1: '$3' not in: $2"; fi
}
lacks() {  # NAME HAYSTACK NEEDLE
  if [[ "$2" != *"$3"* ]]; then ok "$1"; else fail "$1: '$3' unexpectedly in: $2"; fi
}
has() {  # NAME FILE TEXT: FILE holds TEXT (a fixed string)
  if grep -qF -- "$3" "$2" 2>/dev/null; then ok "$1"; else fail "$1: '$3' not in $2"; fi
}
check_rc() {  # ACTUAL EXPECTED NAME: an exit code; on failure the tail of $work/err
  if [[ "$1" -eq "$2" ]]; then
    ok "$3"
  else
    fail "$3: exit $1, expected $2 ($(tail -n 3 "$work/err" 2>/dev/null))"
  fi
}
finish() {  # [TEXT]: the tally; exit 1 when a check failed
  if ((failures > 0)); then
    echo "${1:+$1: }$pass passed, $failures failed"
    exit 1
  fi
  if ((pass > 0)); then echo "${1:+$1: }all $pass checks passed"; else echo "${1:+$1: }passed"; fi
}

code() {
  local rc=0
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  echo "$rc"
}

# --- waiting --------------------------------------------------------------------

wait_until() {
  local tries=$(($1 * 20))
  shift
  until "$@"; do
    ((--tries > 0)) || return 1
    sleep 0.05
  done
}

wait_file() { wait_until "${2:-10}" test -s "$1"; }

# --- the fakes ------------------------------------------------------------------

# start_fake NAME BINARY [ARGS...]: starts a fake server (fake-servicebus,
# fake-google, fake-elexon, bq_conformance_server: every server built on
# tests/fakes/common) on a free loopback port with a throwaway CA, and waits
# (10 s at most) until it has printed its URL and written the CA. Sets
# fake_url and fake_pid; appends the CA to $work/ca.pem, the bundle trusting
# every fake started (what GBPM_CA_FILE and curl --cacert are given). Its
# output is in $work/NAME.out and $work/NAME.err. A fake that does not start
# fails the test.
start_fake() {
  local name=$1 binary=$2
  shift 2
  "$binary" --listen 127.0.0.1:0 --ca-out "$work/$name.ca.pem" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  fake_pid=$!
  fake_pids+=("$fake_pid")
  wait_until 10 fake_up "$name" || true
  fake_url=$(head -n 1 "$work/$name.out" 2>/dev/null || true)
  if [[ "$fake_url" != https://* || ! -s "$work/$name.ca.pem" ]]; then
    die "$name did not start: $(cat "$work/$name.err")"
  fi
  cat "$work/$name.ca.pem" >>"$work/ca.pem"
}
# NAME has printed its URL and written its CA, or has exited.
fake_up() { [[ -s "$work/$1.out" && -s "$work/$1.ca.pem" ]] || ! kill -0 "$fake_pid" 2>/dev/null; }

# Stops every fake this test started (SIGTERM, then waits for it).
stop_fakes() {
  local pid
  for pid in "${fake_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${fake_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  fake_pids=()
}

# curl against a fake, trusting its CA.
fake_curl() { curl -sS --cacert "$work/ca.pem" "$@"; }

# make_service_account EMAIL: a throwaway RSA key ($work/key.pem) and a
# service-account key file in Google's JSON format for it ($work/sa.json,
# mode 600), to give fake-google (--key-file) and the tools.
make_service_account() {
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/key.pem" 2>/dev/null ||
    die "openssl cannot make an RSA key"
  jq -n --rawfile k "$work/key.pem" --arg e "$1" \
    '{type:"service_account", project_id:"gbpm-test", private_key_id:"0123456789abcdef", private_key:$k,
      client_email:$e, client_id:"112233", token_uri:"https://oauth2.invalid/token"}' >"$work/sa.json" ||
    die "jq cannot write the service-account key"
  chmod 600 "$work/sa.json"
}

# use_fake_google URL: the tools talk to fake-google at URL, configured as a
# user configures production, with $work/sa.json; never a metadata server.
use_fake_google() {
  export GOOGLE_APPLICATION_CREDENTIALS="$work/sa.json" GBPM_GOOGLE_TOKEN_URL="$1/token" GBPM_SHEETS_URL="$1" \
    GBPM_BIGQUERY_URL="$1" GBPM_CA_FILE="$work/ca.pem" GCE_METADATA_HOST=127.0.0.1:9
}

# sheet_ranges URL ID DRY_RUN_FILE: fake-google's rendering of every range of
# spreadsheet ID that a tool's --dry-run output (in DRY_RUN_FILE) names, in
# the format of that output.
sheet_ranges() {
  local r
  sed -n 's/^== \(.*\) ==$/\1/p' "$3" | while IFS= read -r r; do
    fake_curl "$1/_fake/sheets/$2/render?range=$(jq -rn --arg r "$r" '$r|@uri')"
  done
}

# sb_wire FILE: the body IRIS sends for the records in FILE (a JSON string
# literal holding them).
sb_wire() { python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()), end="")' "$1"; }
# sb_send URL LABEL ID FILE: enqueues FILE's bytes on fake-servicebus's queue iris.test.
sb_send() {
  fake_curl -X POST --data-binary @"$4" "$1/_fake/servicebus/queues/iris.test/messages?label=$2&id=$3" >/dev/null
}
# sb_send_fixtures URL DIR: enqueues the IRIS fixtures FUELINST, FREQ, MELS
# and BOALF of DIR as <DATASET>_202510271650_1.json (their wire forms kept as
# $work/<DATASET>.wire), then a malformed FREQ body as FREQ_bad.json.
sb_send_fixtures() {
  local ds
  for ds in FUELINST FREQ MELS BOALF; do
    sb_wire "$2/$ds.json" >"$work/$ds.wire"
    sb_send "$1" "$ds" "${ds}_202510271650_1.json" "$work/$ds.wire"
  done
  printf '[{"dataset":"FREQ",' >"$work/bad"
  sb_send "$1" FREQ FREQ_bad.json "$work/bad"
}
# sb_counts URL: "ACTIVE DEAD_LETTERED" messages of queue iris.test.
sb_counts() {
  fake_curl "$1/_fake/servicebus/queues/iris.test" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["active"]), len(d["dead_letter"]))'
}

# --- binaries and units ---------------------------------------------------------

# find_dashboard_tools DIR: tools, the names of the five dashboard tools that
# are built in DIR (a note for each one that is not), and bin[NAME], its binary.
# shellcheck disable=SC2034 # bin is for the caller, as tools is
find_dashboard_tools() {
  local t p
  tools=()
  declare -gA bin=()
  for t in layout-update daily-kpi outages-update realtime-dashboard gsp-update; do
    if p=$(tool_path "$1" "$t"); then
      bin[$t]=$p
      tools+=("$t")
    else
      echo "note: $t not built in $1; not tested"
    fi
  done
}

tool_path() {
  local p
  for p in "$1/$2" "$1/$2/$2"; do
    if [[ -x "$p" && -f "$p" ]]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# check_unit UNIT BINARY KEY...: UNIT (crontab/systemd/NAME.service) with its
# ExecStart=/usr/local/bin/NAME pointed at BINARY must hold every KEY (a grep
# pattern), pass `systemd-analyze verify` without a word, and have a
# `systemd-analyze security --offline` exposure of at most 2.5 (printed; not
# checked where that option is unsupported). The first finding fails the test.
check_unit() {
  local unit=$1 binary=$2 name out sec score key
  shift 2
  name=$(basename "$unit" .service)
  sed "s#^ExecStart=/usr/local/bin/$name#ExecStart=$binary#" "$unit" >"$work/$name.service"
  grep -q "^ExecStart=$binary" "$work/$name.service" || die "ExecStart=/usr/local/bin/$name not found in $unit"
  for key in "$@"; do
    grep -q -- "$key" "$work/$name.service" || die "unit $name: $key missing"
  done
  if ! out=$(systemd-analyze verify "$work/$name.service" 2>&1); then die "systemd-analyze verify:"$'\n'"$out"; fi
  [[ -z "$out" ]] || die "systemd-analyze verify warned:"$'\n'"$out"
  ok "systemd-analyze verify $name.service"
  if sec=$(systemd-analyze security --offline=yes "$work/$name.service" 2>&1); then
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$sec")
    echo "exposure score: $score"
    [[ -n "$score" ]] || die "no exposure score in:"$'\n'"$sec"
    awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }' || die "exposure $score > 2.5"
    ok "$name.service exposure $score <= 2.5"
  else
    echo "systemd-analyze security --offline unsupported here; exposure not checked"
  fi
}
