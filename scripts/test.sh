#!/usr/bin/env bash
# The whole test suite on any machine: install what is missing, start the local stack if it is
# not running (and stop again what this script started), lint, run every test, then run the
# tests that touch the time of day again on faked clocks (scripts/time_of_day.sh).
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
load_kafka_credentials

cd "$REPO"
say "lint: ruff and mypy (strict)"
"$REPO/scripts/lint.sh"
say "tests: pytest"
# every service started by the tests records the shape of each query it makes; each must have
# a declared index (scripts/check_query_indexes.py)
HOPPID_MONGODB_QUERY_LOG="$(mktemp -d)"
export HOPPID_MONGODB_QUERY_LOG
"$PY" -m pytest "$@"
say "tests: every query the services made has an index"
"$PY" "$REPO/scripts/check_query_indexes.py" "$HOPPID_MONGODB_QUERY_LOG"
rm -rf "$HOPPID_MONGODB_QUERY_LOG"
unset HOPPID_MONGODB_QUERY_LOG
# CI runs at any hour: the tests that could depend on it run again at night, at noon and across
# the autumn DST change, whatever the real time is (issue 18).
say "tests: the time-of-day check"
"$REPO/scripts/time_of_day.sh"
