#!/usr/bin/env bash
# The whole test suite on any machine: install what is missing, start the local stack if it is
# not running (and stop again what this script started), lint, run every test.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$REPO/scripts/bootstrap.sh"
"$REPO/scripts/browser.sh"

STACK="$REPO/deploy/local/stack.sh"
started_stack=0
cleanup() {
  if [[ $started_stack == 1 ]]; then "$STACK" down || true; fi
}
trap cleanup EXIT
if ! "$STACK" status >/dev/null 2>&1; then
  started_stack=1
  "$STACK" up
fi

cd "$REPO"
say "lint: ruff and mypy (strict)"
"$REPO/scripts/lint.sh"
say "tests: pytest"
"$PY" -m pytest "$@"
