#!/usr/bin/env bash
# The layer check passes on the tree, and catches a planted violation: a copy
# of lib/ where lib/core includes ingest/ingester.hpp must fail it.
set -euo pipefail
root=${1:?usage: layers_test.sh SOURCE_DIR}
check="$root/scripts/check-layers"

"$check" "$root"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/lib" "$tmp/lib"
printf '#include "ingest/ingester.hpp"\n' >>"$tmp/lib/core/clock.cpp"
if out=$("$check" "$tmp" 2>&1); then
  echo "FAIL: check-layers accepted lib/core including ingest/ingester.hpp" >&2
  exit 1
fi
if [[ $out != *"lib/core/clock.cpp"*"may not include ingest"* ]]; then
  echo "FAIL: check-layers did not name the offending include:" >&2
  echo "$out" >&2
  exit 1
fi
echo "ok: a planted upward include is refused: $out"
