#!/usr/bin/env bash
# The chaos run (issue 16): a stack and platform of its own on loopback, traffic through the public
# APIs while each service, the broker and the store are killed in turn, then the ledger (one case,
# one receipt, the meeting, one confirmation, the figures; nothing doubled). Prints both tables;
# exit 1 when a check fails. Settings: CHAOS_SECONDS (240), CHAOS_FAULTS
# (intake,scheduling,notifications,reporting,kafka,store), CHAOS_DOWN_SECONDS (10),
# CHAOS_SETTLE_SECONDS (240). See docs/operations.md, "Chaos run".
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$REPO/scripts/bootstrap.sh"
exec "$PY" "$REPO/scripts/chaos.py" "$@"
