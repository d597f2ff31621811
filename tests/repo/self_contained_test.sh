#!/usr/bin/env bash
# A clone is the whole project: no tracked file may name the folder that sits
# beside a developer's checkout (the shared design folder), because a clone on
# a fresh machine has nothing beside it. Fails listing every offending line.
set -euo pipefail
root=${1:?usage: self_contained_test.sh SOURCE_DIR}
cd "$root"
# The pattern is assembled so this file does not match itself.
pattern='\.\./'"shared"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -path ./.git -prune -o -path './build*' -prune -o -path ./var -prune -o -type f -print)
fi
hits=$(grep -n -I -E "$pattern" -- "${files[@]}" 2>/dev/null || true)
if [[ -n $hits ]]; then
  echo "FAIL: tracked files name a path outside the clone:" >&2
  echo "$hits" >&2
  exit 1
fi
# Every fixture the tests locate through GBPM_FIXTURES is inside the clone.
[[ -f tests/fixtures/elexon/README.md ]] || { echo "FAIL: tests/fixtures/elexon/README.md missing" >&2; exit 1; }
echo "ok: ${#files[@]} files, none names a path outside the clone"
