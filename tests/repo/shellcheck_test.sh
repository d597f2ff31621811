#!/usr/bin/env bash
# Every shell script in the repository passes ShellCheck with no finding at
# any severity (settings in .shellcheckrc). A script is a tracked file named
# *.sh or one whose first line runs sh or bash: scripts/*, .ci/run, the shell
# tests, their helpers and the shell benches. Findings are fixed in the code;
# an exception is a ShellCheck disable=SCnnnn directive on the line or
# function it concerns, with the reason beside it.
#   tests/repo/shellcheck_test.sh SOURCE_DIR
set -euo pipefail
root=${1:?usage: shellcheck_test.sh SOURCE_DIR}
cd "$root"
command -v shellcheck >/dev/null || { echo "FAIL: shellcheck is not installed (scripts/bootstrap installs it)" >&2; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -path ./.git -prune -o -path './build*' -prune -o -path ./var -prune -o -type f -print)
fi
declare -A found=()
scripts=()
for f in "${files[@]#./}"; do
  [[ -f $f ]] || continue
  if [[ $f == *.sh ]] || head -n 1 -- "$f" | grep -Eq '^#!(/usr)?/bin/(env )?(ba)?sh\b'; then
    scripts+=("$f")
    found[$f]=1
  fi
done
# The list must hold the scripts it is meant to check, or the test proves nothing.
for must in scripts/test scripts/bootstrap scripts/install .ci/run tests/cli/lib.sh; do
  [[ -n ${found[$must]:-} ]] || { echo "FAIL: $must is not among the scripts found" >&2; exit 1; }
done
if ! shellcheck --format=gcc -- "${scripts[@]}"; then
  echo "FAIL: shellcheck findings above (fix them; see tests/repo/shellcheck_test.sh)" >&2
  exit 1
fi
echo "ok: shellcheck $(shellcheck --version | sed -n 's/^version: //p'): ${#scripts[@]} scripts, no findings"
