#!/usr/bin/env bash
# The local workbook's index.html in headless Chromium (issue 7): the dashboard
# tools write a dir: workbook from the fixture warehouse, Chromium renders it
# (--screenshot, kept and its path logged) and dumps the DOM after layout
# (--dump-dom); the page text must carry the title, the fuel rows and the
# TOTAL row, and the fuel-mix chart must be an inline SVG with one bar per
# fuel row. Skipped (77) when Chromium is not installed: scripts/test does not
# install it (apt-get install chromium to run this).
#   dashboard_chromium_test.sh DASHBOARD_FIXTURE TOOLS_DIR [SCREENSHOT_DIR]
set -u
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fixture=$1 tools_dir=$2 shots=${3:-${TMPDIR:-/tmp}}
browser=
for b in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$b" >/dev/null 2>&1; then
    browser=$(command -v "$b")
    break
  fi
done
if [ -z "$browser" ]; then
  echo "SKIP: Chromium is not installed (apt-get install chromium to run this test)"
  exit 77
fi
make_work
isolate_env

"$fixture" "$work/gbpm.db" || die "fixture failed"
asof=2025-10-26T01:20:00Z
find_dashboard_tools "$tools_dir"
for t in "${tools[@]}"; do
  "${bin[$t]}" --warehouse "sqlite:$work/gbpm.db" --sheet "dir:$work/wb" --as-of "$asof" 2>"$work/err" \
    || fail "$t: $(cat "$work/err")"
done
[ "${#tools[@]}" -ge 2 ] || die "layout-update and outages-update are needed in $tools_dir"
page="$work/wb/index.html"
[ -f "$page" ] || die "no index.html"

# Chromium refuses to run as root without --no-sandbox; a private profile keeps runs independent.
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars
  --user-data-dir="$work/profile" --no-first-run --disable-extensions --allow-file-access-from-files)
mkdir -p "$shots"
shot="$shots/gbpm-dashboard-$$.png"
timeout 120 "$browser" "${flags[@]}" --screenshot="$shot" --window-size=1280,2400 "file://$page" \
  >"$work/shot.log" 2>&1 || fail "chromium --screenshot failed: $(tail -n 5 "$work/shot.log")"
if [ -s "$shot" ] && [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
  echo "screenshot: $shot ($(stat -c %s "$shot") bytes)"
else
  fail "no PNG screenshot at $shot"
fi
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$page" >"$work/dom.html" 2>"$work/dom.log" \
  || fail "chromium --dump-dom failed: $(tail -n 5 "$work/dom.log")"

# The page text as a reader sees it: the DOM Chromium built, tags removed,
# entities decoded (the ones the workbook writes).
text=$(sed -e 's/<[^>]*>/ /g' -e 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&#39;/'"'"'/g' "$work/dom.html")
grep -q "<title>GB Dashboard</title>" "$work/dom.html" || fail "the page title is not \"GB Dashboard\""
grep -q "GB DASHBOARD - Power" <<<"$text" || fail "page text lacks the Dashboard title"
for fuel in "💨 Wind" "🔥 Gas (CCGT)" "⚛️ Nuclear" "🌱 Biomass"; do
  grep -qF "$fuel" <<<"$text" || fail "page text lacks the fuel row \"$fuel\""
done
grep -qF "TOTAL UNAVAILABLE CAPACITY" <<<"$text" || fail "page text lacks the TOTAL row"
grep -qF "26 outages" <<<"$text" || fail "the TOTAL row lacks the outage count"
# The TOTAL row is row 58 of the Dashboard table.
grep -q '<tr><th>58</th><td>TOTAL UNAVAILABLE CAPACITY</td>' "$work/dom.html" || fail "TOTAL is not on row 58"
# A cause starting with '=' is shown as the text it is.
grep -qF '=1+1, "quoted"' <<<"$text" || fail "the outage cause is not shown literally"
# The fuel-mix chart: an SVG with one bar per fuel row with output.
bars=$(grep -o '<rect [^>]*>' "$work/dom.html" | wc -l)
[ "$bars" -ge 4 ] || fail "the fuel-mix chart has $bars bars, expected at least 4"

finish "index.html in $("$browser" --version 2>/dev/null | head -n 1): title, fuel rows and TOTAL; screenshot $shot"
