#!/usr/bin/env bash
# schemathesis against every service (issue 13, "Bad input"): the four services started on the
# local stack with a staff key, the county's key, the platform admin's key and a person's link;
# examples, coverage, fuzzing and the stateful phase, a bounded number of examples each (20 by
# default: a few minutes). Arguments go to scripts/fuzz.py (--max-examples N, --service NAME,
# --seed N, --keep). Starts the local stack if it is not running, and stops it again.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$REPO/scripts/bootstrap.sh"

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
"$PY" "$REPO/scripts/fuzz.py" "$@"
