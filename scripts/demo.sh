#!/usr/bin/env bash
# Demo traffic through the public APIs of a running platform (start it with `make run`).
# DEMO_INQUIRIES sets the size (default 200). It finds make run's services, demo keys and
# scheduling's development clock file by the same settings and defaults as scripts/run.sh.
set -euo pipefail
source "$(dirname "$0")/env.sh"
RUN_DIR="${HOPPID_RUN_DIR:-${HOPPID_STACK_DIR:-$REPO/.stack}}"
export HOPPID_DEMO_KEYS_FILE="${HOPPID_DEMO_KEYS_FILE:-$RUN_DIR/demo-keys.json}"
export HOPPID_SCHEDULING_DEV_CLOCK_FILE="${HOPPID_SCHEDULING_DEV_CLOCK_FILE:-$RUN_DIR/scheduling-clock-seconds}"
# people's links come from the development mailbox, which only make run's platform admin key
# reads: the one make run kept in its run folder
if [[ -z "${HOPPID_NOTIFICATIONS_ADMIN_KEY:-}" && -s "$RUN_DIR/mailbox-key" ]]; then
  HOPPID_NOTIFICATIONS_ADMIN_KEY="$(<"$RUN_DIR/mailbox-key")"
fi
export HOPPID_NOTIFICATIONS_ADMIN_KEY="${HOPPID_NOTIFICATIONS_ADMIN_KEY:-${HOPPID_INTAKE_ADMIN_KEY:-local-demo-platform-admin-key}}"
declare -A default_port=([intake]=8001 [scheduling]=8002 [notifications]=8003)
for name in intake scheduling notifications; do
  port_var="HOPPID_${name^^}_PORT" public_var="HOPPID_${name^^}_PUBLIC_URL" demo_var="HOPPID_DEMO_${name^^}_URL"
  url="${!public_var:-http://127.0.0.1:${!port_var:-${default_port[$name]}}}"
  export "$demo_var=${!demo_var:-$url}"
done
[[ -f "$HOPPID_DEMO_KEYS_FILE" ]] || die "no demo keys yet: start the platform with make run first"
[[ -f "$HOPPID_SCHEDULING_DEV_CLOCK_FILE" ]] ||
  die "no development clock file $HOPPID_SCHEDULING_DEV_CLOCK_FILE: the demo moves scheduling's clock past the meetings it books; start (or restart) make run, which makes it"
exec "$PY" "$REPO/demo/traffic.py" "${DEMO_INQUIRIES:-200}"
