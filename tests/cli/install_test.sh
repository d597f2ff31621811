#!/usr/bin/env bash
# scripts/install into a DESTDIR: the tree (binaries, share/, docs, config
# template, cron.d file, units), every path in the installed crontab and units
# rewritten to --prefix/--sysconfdir, modes, an existing gbpm.env never
# overwritten, a re-run giving the same tree, --no-cron, --help and bad
# arguments (64), a missing build (1), nothing written outside DESTDIR; and
# that gbpm.env.example documents every configuration key the code knows
# (known_keys() in lib/core/config.cpp).
#   install_test.sh SOURCE_DIR
# Binaries are stubs in a fake build directory, so the test checks the
# installer, not the build.
set -euo pipefail
src=$1
install="$src/scripts/install"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
check() {  # NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
code() { set +e; "$@" >"$work/out" 2>"$work/err"; echo $?; set -e; }
mode() { stat -c %a "$1" 2>/dev/null || echo none; }

# A fake build directory: one stub per tools/<tool>/main.cpp.
tools=()
mkdir -p "$work/build/tools"
for m in "$src"/tools/*/main.cpp; do
  t=$(basename "$(dirname "$m")")
  tools+=("$t")
  printf '#!/bin/sh\necho %s\n' "$t" >"$work/build/tools/$t"
  chmod 755 "$work/build/tools/$t"
done
dest="$work/dest"
run_install() { DESTDIR="$dest" "$install" --build-dir "$work/build" --prefix /opt/gbpm --sysconfdir /etc/opt "$@"; }

check "--help exits 0" 0 "$(code "$install" --help)"
grep -q -- "--prefix" "$work/out" && grep -q DESTDIR "$work/out" && ok "--help documents --prefix and DESTDIR" ||
  fail "--help does not document --prefix/DESTDIR"
check "unknown option is a usage error" 64 "$(code "$install" --frobnicate)"
check "relative prefix is a usage error" 64 "$(code env DESTDIR="$dest" "$install" --prefix opt/gbpm --build-dir "$work/build")"
check "prefix with shell syntax is a usage error" 64 "$(code env DESTDIR="$dest" "$install" --prefix '/opt/$x' --build-dir "$work/build")"
check "missing build dir fails" 1 "$(code env DESTDIR="$dest" "$install" --build-dir "$work/nope")"
grep -q "build first" "$work/err" && ok "missing build says to build first" || fail "no hint: $(cat "$work/err")"
[[ ! -e "$dest" ]] && ok "failed runs wrote nothing" || fail "failed runs wrote into DESTDIR"

# --- first install ---------------------------------------------------------------
touch "$work/stamp"
sleep 1
check "install exits 0" 0 "$(code run_install)"
[[ $failures -eq 0 ]] || cat "$work/err"
for t in "${tools[@]}"; do
  [[ -x "$dest/opt/gbpm/bin/$t" ]] || fail "bin/$t not installed"
  cmp -s "$work/build/tools/$t" "$dest/opt/gbpm/bin/$t" || fail "bin/$t is not the built binary"
done
ok "${#tools[@]} binaries installed"
check "binary mode" 755 "$(mode "$dest/opt/gbpm/bin/${tools[0]}")"
for f in opt/gbpm/share/gbpm/gbpm.crontab opt/gbpm/share/gbpm/gbpm.env.example opt/gbpm/share/doc/gbpm/README.md \
  opt/gbpm/share/doc/gbpm/LICENSE etc/opt/gbpm/gbpm.env etc/cron.d/gbpm; do
  [[ -f "$dest/$f" ]] || fail "$f not installed"
done
check "config template mode (readable by root and the gbpm group only)" 640 "$(mode "$dest/etc/opt/gbpm/gbpm.env")"
check "credentials dir mode" 750 "$(mode "$dest/etc/opt/gbpm/credentials")"
check "cron.d file mode (cron ignores group/other-writable files)" 644 "$(mode "$dest/etc/cron.d/gbpm")"
[[ -d "$dest/var/lib/gbpm" && -d "$dest/var/log/gbpm" ]] && ok "state and log dirs" || fail "no /var/lib/gbpm or /var/log/gbpm"
cmp -s "$src/crontab/gbpm.env.example" "$dest/etc/opt/gbpm/gbpm.env" && ok "gbpm.env is the template" ||
  fail "gbpm.env differs from the template"
units=$(cd "$src/crontab/systemd" && ls -- *.service *.timer)
for u in $units; do [[ -f "$dest/etc/systemd/system/$u" ]] || fail "unit $u not installed"; done
ok "$(wc -w <<<"$units") units installed"
outside=$(find "$work" -mindepth 1 -newer "$work/stamp" -not -path "$dest" -not -path "$dest/*" -not -path "$work/out" \
  -not -path "$work/err" | head -3)
[[ -z "$outside" ]] && ok "nothing written outside DESTDIR" || fail "written outside DESTDIR: $outside"

# --- rewritten paths -------------------------------------------------------------------
cron="$dest/etc/cron.d/gbpm"
left=$(grep -l '^[^#]*\(/usr/local\|/etc/gbpm\b\)' "$cron" "$dest"/etc/systemd/system/* \
  "$dest/opt/gbpm/share/gbpm/gbpm.crontab" "$dest"/opt/gbpm/share/gbpm/systemd/* 2>/dev/null || true)
[[ -z "$left" ]] && ok "no /usr/local or /etc/gbpm left in the crontab and units" || fail "unrewritten paths in: $left"
jobs=0
while read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  if [[ "$line" == PATH=* ]]; then
    check "crontab PATH starts with the prefix" "PATH=/opt/gbpm/bin:" "${line:0:19}"
    continue
  fi
  [[ "$line" =~ ^[A-Z_]+= ]] && continue
  read -ra w <<<"$line"
  t=$(basename "${w[6]}")
  jobs=$((jobs + 1))
  check "job $t runs the prefix's binary" "/opt/gbpm/bin/$t" "${w[6]}"
  check "job $t reads the installed config" "--config /etc/opt/gbpm/gbpm.env" "${w[7]} ${w[8]}"
done <"$cron"
check "crontab jobs" 6 "$jobs"
for s in "$dest"/etc/systemd/system/*.service; do
  exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$s")
  [[ "$exe" == /opt/gbpm/bin/* ]] || fail "$(basename "$s"): ExecStart=$exe is not under the prefix"
done
ok "every ExecStart under /opt/gbpm/bin"
grep -q '^ExecStart=/opt/gbpm/bin/layout-update --config /etc/opt/gbpm/gbpm.env$' \
  "$dest/etc/systemd/system/gbpm-layout-update.service" && ok "timer service ExecStart rewritten" ||
  fail "gbpm-layout-update.service ExecStart: $(grep ExecStart "$dest/etc/systemd/system/gbpm-layout-update.service")"
grep -q '^Documentation=file:/opt/gbpm/share/doc/gbpm/README.md$' "$dest/etc/systemd/system/gbpm-daily-kpi.service" &&
  ok "Documentation= points at the installed README" || fail "Documentation= not rewritten"
# The rewrite changes only paths: the installed crontab is the source with paths swapped.
diff <(sed 's#/opt/gbpm/bin#/usr/local/bin#g; s#/etc/opt/gbpm/#/etc/gbpm/#g' "$cron") "$src/crontab/gbpm.crontab" >/dev/null &&
  ok "crontab otherwise unchanged" || fail "crontab changed beyond paths"

# --- re-run: idempotent, config kept -------------------------------------------------------
printf 'GBPM_SHEET=gsheets:my-own-sheet\n' >"$dest/etc/opt/gbpm/gbpm.env"
(cd "$dest" && find . -printf '%p %m\n' | sort && find . -type f -not -path ./etc/opt/gbpm/gbpm.env -exec md5sum {} + | sort) >"$work/tree1"
check "second install exits 0" 0 "$(code run_install)"
grep -q "left as it is" "$work/out" && ok "second install says the config is kept" || fail "no note about the kept config"
check "existing gbpm.env not overwritten" "GBPM_SHEET=gsheets:my-own-sheet" "$(cat "$dest/etc/opt/gbpm/gbpm.env")"
(cd "$dest" && find . -printf '%p %m\n' | sort && find . -type f -not -path ./etc/opt/gbpm/gbpm.env -exec md5sum {} + | sort) >"$work/tree2"
cmp -s "$work/tree1" "$work/tree2" && ok "re-run leaves the same tree" || fail "re-run changed the tree: $(diff "$work/tree1" "$work/tree2" | head -5)"

# A locally edited unit is replaced, the edit kept as .orig.
echo "# local edit" >>"$dest/etc/systemd/system/gbpm-gsp-update.service"
check "third install exits 0" 0 "$(code run_install)"
grep -q "local edit" "$dest/etc/systemd/system/gbpm-gsp-update.service.orig" && ok "edited unit kept as .orig" ||
  fail "edited unit not kept"
grep -q "local edit" "$dest/etc/systemd/system/gbpm-gsp-update.service" && fail "edited unit not replaced" || true

# --- --no-cron (timers instead) -----------------------------------------------------------------
dest2="$work/dest2"
check "--no-cron exits 0" 0 "$(code env DESTDIR="$dest2" "$install" --build-dir "$work/build" --no-cron)"
[[ ! -e "$dest2/etc/cron.d/gbpm" ]] && ok "--no-cron installs no cron.d file" || fail "--no-cron installed cron.d/gbpm"
[[ -f "$dest2/etc/systemd/system/gbpm-layout-update.timer" ]] && ok "--no-cron still installs the timers" ||
  fail "no timers with --no-cron"
grep -q '^ExecStart=/usr/local/bin/layout-update --config /etc/gbpm/gbpm.env$' \
  "$dest2/etc/systemd/system/gbpm-layout-update.service" && ok "default prefix /usr/local, config /etc/gbpm" ||
  fail "default paths wrong"

# --- the template documents every known key ----------------------------------------------------
keys=$(grep -o '{"GBPM_[A-Z0-9_]*"' "$src/lib/core/config.cpp" | tr -d '{"' | sort -u)
[[ -n "$keys" ]] || fail "no keys found in lib/core/config.cpp"
undocumented=()
for k in $keys; do grep -Eq "^#?$k=" "$src/crontab/gbpm.env.example" || undocumented+=("$k"); done
[[ ${#undocumented[@]} -eq 0 ]] && ok "gbpm.env.example documents all $(wc -w <<<"$keys") known keys" ||
  fail "gbpm.env.example lacks: ${undocumented[*]}"

[[ $failures -eq 0 ]] || { echo "$failures failure(s)"; exit 1; }
echo "all install checks passed"
