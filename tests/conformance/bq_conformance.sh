#!/usr/bin/env bash
# Conformance: Google's own `bq` tool (Cloud SDK) against the fake BigQuery.
#
#   bq_conformance.sh PATH/TO/bq_conformance_server
#
# Starts the fake (token endpoint + BigQuery) with a fresh service-account key
# it trusts, authenticates gcloud with that key against the fake's token
# endpoint in a private CLOUDSDK_CONFIG, trusts the fake's CA, then runs
# bq mk / ls / show / insert / head / query --nouse_legacy_sql and checks the
# results. Exit 77 (CTest: skipped) when bq or gcloud is not installed.
#
# GBPM_BQ_CONFORMANCE_AUTH=token skips the OAuth flow and hands gcloud an
# access token the fake issued directly (to debug the BigQuery half alone).
set -euo pipefail
# shellcheck source=../cli/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"

server=${1:?usage: bq_conformance.sh PATH/TO/bq_conformance_server}
for tool in bq gcloud python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: '$tool' is not installed; the bq conformance test needs the Google Cloud CLI (bq, gcloud) and python3"
    exit 77
  fi
done

make_work
diagnostics() { echo "--- fake server log:"; cat "$work/server.err" || true; }

project=gbpm-conformance
mkdir -p "$work/state" "$work/home"
start_fake server "$server" --state "$work/state" --key-out "$work/sa.json" --token-out "$work/token" --page-size 2
url=$fake_url
echo "fake BigQuery at $url"

# The key names the fake's token endpoint, as a real key names Google's.
python3 - "$work/sa.json" "$url/token" <<'EOF'
import json, sys
key = json.load(open(sys.argv[1]))
key["token_uri"] = sys.argv[2]
json.dump(key, open(sys.argv[1], "w"))
EOF

# Trust the fake's CA everywhere the Cloud SDK looks (gcloud: requests;
# bq: httplib2), and keep every config file inside the work directory.
cp "$work/ca.pem" "$work/bundle.pem"
export REQUESTS_CA_BUNDLE="$work/bundle.pem" HTTPLIB2_CA_CERTS="$work/bundle.pem" SSL_CERT_FILE="$work/bundle.pem"
export CURL_CA_BUNDLE="$work/bundle.pem" CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE="$work/bundle.pem"
unset SSL_CERT_DIR GOOGLE_APPLICATION_CREDENTIALS CLOUDSDK_AUTH_ACCESS_TOKEN_FILE
export HOME="$work/home" CLOUDSDK_CONFIG="$work/gcloud" CLOUDSDK_CORE_DISABLE_PROMPTS=1
export CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=1 CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=1

gcloud config set core/project "$project" >/dev/null 2>&1
gcloud config set core/custom_ca_certs_file "$work/bundle.pem" >/dev/null 2>&1
if [[ "${GBPM_BQ_CONFORMANCE_AUTH:-oauth}" == token ]]; then
  gcloud config set auth/access_token_file "$work/token" >/dev/null 2>&1
else
  gcloud config set auth/token_host "$url/token" >/dev/null 2>&1
  if ! gcloud auth activate-service-account --key-file="$work/sa.json" >"$work/gcloud.log" 2>&1; then
    cat "$work/gcloud.log" >&2
    die "gcloud auth activate-service-account against the fake token endpoint failed"
  fi
fi

bq=(bq --api="$url" --project_id="$project" --apilog="$work/api.log" --headless)
run() {  # run NAME CMD... : runs a bq command, fails the test with its output
  local name=$1
  shift
  if ! "$@" >"$work/$name.out" 2>"$work/$name.err"; then
    cat "$work/$name.out" "$work/$name.err" >&2
    die "$name: '$*' exited non-zero"
  fi
}
check_output() {  # check_output NAME PYTHON-EXPR : asserts on the JSON/CSV output of NAME
  local name=$1 expr=$2
  python3 - "$work/$name.out" "$expr" <<'EOF' || die "$name: check failed: $expr (output: $(cat "$work/$name.out"))"
import csv, io, json, sys
text = open(sys.argv[1]).read()
try:
    out = json.loads(text)
except ValueError:
    out = None
rows = list(csv.DictReader(io.StringIO(text)))
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}

run mk_dataset "${bq[@]}" mk --dataset --location=EU "$project:demo"
run mk_table "${bq[@]}" mk --table --time_partitioning_type=DAY --time_partitioning_field=ts \
  --clustering_fields=fuel demo.gen fuel:STRING,mw:INTEGER,ts:TIMESTAMP,share:FLOAT,ok:BOOLEAN

cat >"$work/rows.json" <<'EOF'
{"fuel":"WIND","mw":12000,"ts":"2024-05-01T12:00:00Z","share":0.41,"ok":true}
{"fuel":"CCGT","mw":8000,"ts":"2024-05-01T12:00:00.250001Z","share":0.27,"ok":false}
{"fuel":"NUCLEAR","mw":4500,"ts":"2024-05-01 12:30:00","share":0.15,"ok":true}
{"fuel":"BIOMASS","mw":900,"ts":"2024-05-01T13:00:00+01:00","share":0.03}
EOF
run insert "${bq[@]}" insert demo.gen "$work/rows.json"

run ls "${bq[@]}" --format=json ls
check_output ls '[d["datasetReference"]["datasetId"] for d in out] == ["demo"]'
run ls_tables "${bq[@]}" --format=json ls demo
check_output ls_tables '[t["tableReference"]["tableId"] for t in out] == ["gen"] and out[0]["timePartitioning"]["type"] == "DAY"'

run show "${bq[@]}" --format=json show demo.gen
check_output show 'out["numRows"] == "4" and [f["name"] for f in out["schema"]["fields"]] == ["fuel","mw","ts","share","ok"]'
check_output show 'out["timePartitioning"] == {"type": "DAY", "field": "ts"} and out["clustering"]["fields"] == ["fuel"]'
run show_dataset "${bq[@]}" --format=json show demo
check_output show_dataset 'out["location"] == "EU"'

# head reads tabledata.list, two rows per page here.
run head "${bq[@]}" --format=json head -n 10 demo.gen
check_output head '[r["fuel"] for r in out] == ["WIND","CCGT","NUCLEAR","BIOMASS"]'
check_output head '[r["mw"] for r in out] == ["12000","8000","4500","900"] and out[3].get("ok") is None'
check_output head 'out[0]["ok"] == "true" and out[1]["share"] == "0.27"'

# GoogleSQL with a named parameter; three result rows come back in two pages.
# shellcheck disable=SC2016 # the backticks quote a BigQuery table name, not a command
run query "${bq[@]}" --format=json query --nouse_legacy_sql --parameter=min:INT64:1000 \
  'SELECT fuel, mw, UNIX_MICROS(ts) AS us FROM `gbpm-conformance.demo.gen` WHERE mw > @min ORDER BY mw DESC'
check_output query '[(r["fuel"], r["mw"]) for r in out] == [("WIND","12000"),("CCGT","8000"),("NUCLEAR","4500")]'
check_output query '[r["us"] for r in out] == ["1714564800000000","1714564800250001","1714566600000000"]'

# shellcheck disable=SC2016 # the backticks quote a BigQuery table name, not a command
run aggregate "${bq[@]}" --format=json query --nouse_legacy_sql \
  'SELECT COUNT(*) AS n, SUM(mw) AS total, MAX(ts) AS latest, COUNTIF(ok) AS ok_rows FROM `demo.gen`'
check_output aggregate 'out == [{"n": "4", "total": "25400", "latest": "2024-05-01 12:30:00", "ok_rows": "2"}]'

# A missing table is BigQuery's 404, which bq reports as an error.
if "${bq[@]}" show demo.nope >"$work/nope.out" 2>&1; then die "bq show of a missing table succeeded"; fi
grep -q "Not found: Table $project:demo.nope" "$work/nope.out" || die "bq show demo.nope: $(cat "$work/nope.out")"

echo "PASS: bq ls, show, insert, head and query --nouse_legacy_sql against the fake BigQuery"
