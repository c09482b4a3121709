#!/usr/bin/env bash
# Demo traffic through the public APIs of a running platform (start it with `make run`).
# DEMO_INQUIRIES sets the size (default 200).
set -euo pipefail
source "$(dirname "$0")/env.sh"
export HOPPID_DEMO_KEYS_FILE="${HOPPID_DEMO_KEYS_FILE:-${HOPPID_STACK_DIR:-$REPO/.stack}/demo-keys.json}"
[[ -f "$HOPPID_DEMO_KEYS_FILE" ]] || die "no demo keys yet: start the platform with make run first"
exec "$PY" "$REPO/demo/traffic.py" "${DEMO_INQUIRIES:-200}"
