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
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
src=$1
install="$src/scripts/install"
make_work
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
if grep -q -- "--prefix" "$work/out" && grep -q DESTDIR "$work/out"; then
  ok "--help documents --prefix and DESTDIR"
else
  fail "--help does not document --prefix/DESTDIR"
fi
check "unknown option is a usage error" 64 "$(code "$install" --frobnicate)"
check "relative prefix is a usage error" 64 "$(code env DESTDIR="$dest" "$install" --prefix opt/gbpm --build-dir "$work/build")"
# shellcheck disable=SC2016 # '/opt/$x' is meant literally: the shell syntax under test
check "prefix with shell syntax is a usage error" 64 "$(code env DESTDIR="$dest" "$install" --prefix '/opt/$x' --build-dir "$work/build")"
check "missing build dir fails" 1 "$(code env DESTDIR="$dest" "$install" --build-dir "$work/nope")"
if grep -q "build first" "$work/err"; then
  ok "missing build says to build first"
else
  fail "no hint: $(cat "$work/err")"
fi
if [[ ! -e "$dest" ]]; then ok "failed runs wrote nothing"; else fail "failed runs wrote into DESTDIR"; fi

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
if [[ -d "$dest/var/lib/gbpm" && -d "$dest/var/log/gbpm" ]]; then
  ok "state and log dirs"
else
  fail "no /var/lib/gbpm or /var/log/gbpm"
fi
if cmp -s "$src/crontab/gbpm.env.example" "$dest/etc/opt/gbpm/gbpm.env"; then
  ok "gbpm.env is the template"
else
  fail "gbpm.env differs from the template"
fi
units=$(cd "$src/crontab/systemd" && ls -- *.service *.timer)
for u in $units; do [[ -f "$dest/etc/systemd/system/$u" ]] || fail "unit $u not installed"; done
ok "$(wc -w <<<"$units") units installed"
outside=$(find "$work" -mindepth 1 -newer "$work/stamp" -not -path "$dest" -not -path "$dest/*" -not -path "$work/out" \
  -not -path "$work/err" | head -3)
if [[ -z "$outside" ]]; then ok "nothing written outside DESTDIR"; else fail "written outside DESTDIR: $outside"; fi

# --- rewritten paths -------------------------------------------------------------------
cron="$dest/etc/cron.d/gbpm"
left=$(grep -l '^[^#]*\(/usr/local\|/etc/gbpm\b\)' "$cron" "$dest"/etc/systemd/system/* \
  "$dest/opt/gbpm/share/gbpm/gbpm.crontab" "$dest"/opt/gbpm/share/gbpm/systemd/* 2>/dev/null || true)
if [[ -z "$left" ]]; then
  ok "no /usr/local or /etc/gbpm left in the crontab and units"
else
  fail "unrewritten paths in: $left"
fi
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
if grep -q '^ExecStart=/opt/gbpm/bin/layout-update --config /etc/opt/gbpm/gbpm.env$' \
  "$dest/etc/systemd/system/gbpm-layout-update.service"; then
  ok "timer service ExecStart rewritten"
else
  fail "gbpm-layout-update.service ExecStart: $(grep ExecStart "$dest/etc/systemd/system/gbpm-layout-update.service")"
fi
if grep -q '^Documentation=file:/opt/gbpm/share/doc/gbpm/README.md$' "$dest/etc/systemd/system/gbpm-daily-kpi.service"; then
  ok "Documentation= points at the installed README"
else
  fail "Documentation= not rewritten"
fi
# The rewrite changes only paths: the installed crontab is the source with paths swapped.
if diff <(sed 's#/opt/gbpm/bin#/usr/local/bin#g; s#/etc/opt/gbpm/#/etc/gbpm/#g' "$cron") "$src/crontab/gbpm.crontab" >/dev/null; then
  ok "crontab otherwise unchanged"
else
  fail "crontab changed beyond paths"
fi

# --- re-run: idempotent, config kept -------------------------------------------------------
printf 'GBPM_SHEET=gsheets:my-own-sheet\n' >"$dest/etc/opt/gbpm/gbpm.env"
(cd "$dest" && find . -printf '%p %m\n' | sort && find . -type f -not -path ./etc/opt/gbpm/gbpm.env -exec md5sum {} + | sort) >"$work/tree1"
check "second install exits 0" 0 "$(code run_install)"
if grep -q "left as it is" "$work/out"; then
  ok "second install says the config is kept"
else
  fail "no note about the kept config"
fi
check "existing gbpm.env not overwritten" "GBPM_SHEET=gsheets:my-own-sheet" "$(cat "$dest/etc/opt/gbpm/gbpm.env")"
(cd "$dest" && find . -printf '%p %m\n' | sort && find . -type f -not -path ./etc/opt/gbpm/gbpm.env -exec md5sum {} + | sort) >"$work/tree2"
if cmp -s "$work/tree1" "$work/tree2"; then
  ok "re-run leaves the same tree"
else
  fail "re-run changed the tree: $(diff "$work/tree1" "$work/tree2" | head -5)"
fi

# A locally edited unit is replaced, the edit kept as .orig.
echo "# local edit" >>"$dest/etc/systemd/system/gbpm-gsp-update.service"
check "third install exits 0" 0 "$(code run_install)"
if grep -q "local edit" "$dest/etc/systemd/system/gbpm-gsp-update.service.orig"; then
  ok "edited unit kept as .orig"
else
  fail "edited unit not kept"
fi
if grep -q "local edit" "$dest/etc/systemd/system/gbpm-gsp-update.service"; then fail "edited unit not replaced"; fi

# --- --no-cron (timers instead) -----------------------------------------------------------------
dest2="$work/dest2"
check "--no-cron exits 0" 0 "$(code env DESTDIR="$dest2" "$install" --build-dir "$work/build" --no-cron)"
if [[ ! -e "$dest2/etc/cron.d/gbpm" ]]; then
  ok "--no-cron installs no cron.d file"
else
  fail "--no-cron installed cron.d/gbpm"
fi
if [[ -f "$dest2/etc/systemd/system/gbpm-layout-update.timer" ]]; then
  ok "--no-cron still installs the timers"
else
  fail "no timers with --no-cron"
fi
if grep -q '^ExecStart=/usr/local/bin/layout-update --config /etc/gbpm/gbpm.env$' \
  "$dest2/etc/systemd/system/gbpm-layout-update.service"; then
  ok "default prefix /usr/local, config /etc/gbpm"
else
  fail "default paths wrong"
fi

# --- the template documents every known key ----------------------------------------------------
keys=$(grep -o '{"GBPM_[A-Z0-9_]*"' "$src/lib/core/config.cpp" | tr -d '{"' | sort -u)
[[ -n "$keys" ]] || fail "no keys found in lib/core/config.cpp"
undocumented=()
for k in $keys; do grep -Eq "^#?$k=" "$src/crontab/gbpm.env.example" || undocumented+=("$k"); done
if [[ ${#undocumented[@]} -eq 0 ]]; then
  ok "gbpm.env.example documents all $(wc -w <<<"$keys") known keys"
else
  fail "gbpm.env.example lacks: ${undocumented[*]}"
fi

finish install
