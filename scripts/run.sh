#!/usr/bin/env bash
# The platform on this machine: the local stack and the four services, each its own process.
# Logs of every process go to $HOPPID_RUN_DIR/logs/ (default: the stack folder, .stack). Ctrl-C
# stops what this script started; running it again continues with the same data.
# A second platform can run beside the first on the same stack: give it other ports
# (HOPPID_<SERVICE>_PORT, HOPPID_<SERVICE>_METRICS_PORT, HOPPID_NOTIFICATIONS_DEVMAIL_PORT), a
# HOPPID_TOPIC_PREFIX (which also names its databases) and a HOPPID_RUN_DIR; the journey test of
# `make run` does that.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$REPO/scripts/bootstrap.sh"

STACK="$REPO/deploy/local/stack.sh"
RUN_DIR="${HOPPID_RUN_DIR:-${HOPPID_STACK_DIR:-$REPO/.stack}}"
LOGS="$RUN_DIR/logs"
SERVICES=(intake scheduling notifications reporting)
declare -A PORTS=(
  [intake]="${HOPPID_INTAKE_PORT:-8001}" [scheduling]="${HOPPID_SCHEDULING_PORT:-8002}"
  [notifications]="${HOPPID_NOTIFICATIONS_PORT:-8003}" [reporting]="${HOPPID_REPORTING_PORT:-8004}"
)
# /metrics is on a port of each service's own, on loopback, never the public one (offices'
# figures are on it); deploy/prometheus/prometheus.yml scrapes these
declare -A METRICS_PORTS=(
  [intake]="${HOPPID_INTAKE_METRICS_PORT:-9001}" [scheduling]="${HOPPID_SCHEDULING_METRICS_PORT:-9002}"
  [notifications]="${HOPPID_NOTIFICATIONS_METRICS_PORT:-9003}" [reporting]="${HOPPID_REPORTING_METRICS_PORT:-9004}"
)

started_stack=0
STACK_MONGODB_URL="${HOPPID_MONGODB_URL:-}"  # as given: stack.sh runs its own store unless set
stopping=0
pids=()
oidc_pid=""
stop_all() {
  trap - INT TERM EXIT
  stopping=1
  say "stopping the services"
  if [[ -n $oidc_pid ]]; then kill -TERM "$oidc_pid" 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $started_stack == 1 ]]; then HOPPID_MONGODB_URL="$STACK_MONGODB_URL" "$STACK" down; fi
}
trap stop_all INT TERM EXIT

if ! "$STACK" status >/dev/null 2>&1; then
  started_stack=1
  # a new stack: Kafka with SASL users and ACLs (each service signs in as its own user); one
  # started before keeps its mode (deploy/local/kafka.sh), HOPPID_KAFKA_SASL=off keeps it plain
  if [[ -z "${HOPPID_KAFKA_SASL:-}" && ! -d "${HOPPID_STACK_DIR:-$REPO/.stack}/kafka/data" ]]; then
    HOPPID_KAFKA_SASL=on "$STACK" up
  else
    "$STACK" up
  fi
fi
load_kafka_credentials

mkdir -p "$LOGS"
# the services reach the stack checked or started above: by its ports (HOPPID_KAFKA_PORT,
# HOPPID_STORE_PORT, as stack.sh reads them) unless told the URLs (set after stack.sh: a
# HOPPID_MONGODB_URL of our own making would tell it the store is external)
export HOPPID_KAFKA_BOOTSTRAP_SERVERS="${HOPPID_KAFKA_BOOTSTRAP_SERVERS:-${HOPPID_KAFKA_HOST:-127.0.0.1}:${HOPPID_KAFKA_PORT:-9092}}"
export HOPPID_MONGODB_URL="${HOPPID_MONGODB_URL:-mongodb://${HOPPID_STORE_HOST:-127.0.0.1}:${HOPPID_STORE_PORT:-27017}/}"
# local demo settings: a known platform admin key and a form limit that demo traffic can pass
export HOPPID_INTAKE_ADMIN_KEY="${HOPPID_INTAKE_ADMIN_KEY:-local-demo-platform-admin-key}"
# the development mailbox holds every person's link: only this platform admin key reads it;
# kept in the run folder (owner only), where make demo finds it
export HOPPID_NOTIFICATIONS_ADMIN_KEY="${HOPPID_NOTIFICATIONS_ADMIN_KEY:-$HOPPID_INTAKE_ADMIN_KEY}"
(umask 077 && printf '%s\n' "$HOPPID_NOTIFICATIONS_ADMIN_KEY" >"$RUN_DIR/mailbox-key")
export HOPPID_INTAKE_SUBMISSIONS_PER_HOUR="${HOPPID_INTAKE_SUBMISSIONS_PER_HOUR:-100000}"
export HOPPID_DEMO_KEYS_FILE="${HOPPID_DEMO_KEYS_FILE:-$RUN_DIR/demo-keys.json}"
# the platform's signing secret: there is no default (issue 13); this platform gets a random one,
# made once and kept in its run folder (readable by its owner only), so links stay valid across
# restarts
SECRET_FILE="$RUN_DIR/link-secret"
if [[ -z "${HOPPID_LINK_SECRET:-}" ]]; then
  if [[ ! -s "$SECRET_FILE" ]]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(48))' >"$SECRET_FILE")
  fi
  HOPPID_LINK_SECRET="$(<"$SECRET_FILE")"
fi
export HOPPID_LINK_SECRET
# scheduling's development clock: seconds added to the real time (0 = real time). make demo
# moves it on past the meetings it books; kept across restarts, so what was played stays past.
export HOPPID_SCHEDULING_DEV_CLOCK_FILE="${HOPPID_SCHEDULING_DEV_CLOCK_FILE:-$RUN_DIR/scheduling-clock-seconds}"
mkdir -p "$(dirname "$HOPPID_SCHEDULING_DEV_CLOCK_FILE")"
[[ -s "$HOPPID_SCHEDULING_DEV_CLOCK_FILE" ]] || echo 0 >"$HOPPID_SCHEDULING_DEV_CLOCK_FILE"
# the development mailbox: an SMTP server on loopback that keeps what it receives; the
# notifications service lists and shows those messages at /v1/dev/mailbox and
# /pages/staff/mailbox to the platform admin (HOPPID_NOTIFICATIONS_ADMIN_KEY, or signed in with
# it). Only this script turns it on; notifications refuses it unless it listens on loopback.
export HOPPID_NOTIFICATIONS_DEVMAIL_DIR="${HOPPID_NOTIFICATIONS_DEVMAIL_DIR:-$RUN_DIR/devmail}"
# mail goes to this platform's development mailbox, wherever its port is
export HOPPID_NOTIFICATIONS_SMTP_PORT="${HOPPID_NOTIFICATIONS_SMTP_PORT:-${HOPPID_NOTIFICATIONS_DEVMAIL_PORT:-1025}}"
export HOPPID_NOTIFICATIONS_DEV_MAILBOX="${HOPPID_NOTIFICATIONS_DEV_MAILBOX:-true}"
export HOPPID_NOTIFICATIONS_SMS_OUTBOX_FILE="${HOPPID_NOTIFICATIONS_SMS_OUTBOX_FILE:-$RUN_DIR/sms-outbox.jsonl}"
# the pages link to each other; cookies over plain http on this machine
for name in "${SERVICES[@]}"; do
  var="HOPPID_${name^^}_PUBLIC_URL"
  export "$var=${!var:-http://127.0.0.1:${PORTS[$name]}}"
done
export HOPPID_COOKIE_SECURE="${HOPPID_COOKIE_SECURE:-false}"
# the links in messages lead to the person's pages
export HOPPID_NOTIFICATIONS_LINK_BASE_URL="${HOPPID_NOTIFICATIONS_LINK_BASE_URL:-$HOPPID_INTAKE_PUBLIC_URL/pages/me/}"
export HOPPID_NOTIFICATIONS_BOOKING_BASE_URL="${HOPPID_NOTIFICATIONS_BOOKING_BASE_URL:-$HOPPID_SCHEDULING_PUBLIC_URL/pages/me/}"
export HOPPID_NOTIFICATIONS_PREFERENCES_BASE_URL="${HOPPID_NOTIFICATIONS_PREFERENCES_BASE_URL:-$HOPPID_NOTIFICATIONS_PUBLIC_URL/pages/me/}"
export HOPPID_DEMO_INTAKE_URL="$HOPPID_INTAKE_PUBLIC_URL"
export HOPPID_DEMO_SCHEDULING_URL="$HOPPID_SCHEDULING_PUBLIC_URL"
"$PY" -m hoppid.notifications.delivery.mailbox.devmail >>"$LOGS/devmail.log" 2>&1 &
pids+=("$!")
# staff sign in as themselves through a local OpenID Connect provider (scripts/oidc_provider.sh;
# demo/seed.py sets up an advisor's and an office admin's account per office), unless told one
if [[ -z "${HOPPID_OIDC_ISSUER:-}" ]]; then
  OIDC_PORT="${HOPPID_OIDC_PROVIDER_PORT:-9400}"
  export HOPPID_OIDC_ISSUER="http://127.0.0.1:$OIDC_PORT"
  export HOPPID_OIDC_CLIENT_SECRET="${HOPPID_OIDC_CLIENT_SECRET:-local-demo-oidc-client-secret}"
  # not among the pids make run waits on: a provider that cannot start (its port taken) leaves
  # sign-in with keys, and says so in its log
  "$REPO/scripts/oidc_provider.sh" "$OIDC_PORT" >>"$LOGS/oidc-provider.log" 2>&1 &
  oidc_pid=$!
fi
export HOPPID_DEMO_OIDC_ISSUER="$HOPPID_OIDC_ISSUER"
# Each service under a small supervisor: a service that dies (a crash, a kill -9) is started
# again, as an orchestrator would; its pid is kept in $RUN_DIR/pids/. TERM stops supervisor and
# service together.
supervise() {
  local name="$1" child="" kafka_user
  # on a SASL stack each service signs in as its own Kafka user (scripts/env.sh)
  mapfile -t kafka_user < <(kafka_user_settings "$name")
  trap 'if [[ -n $child ]]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; exit 0' TERM
  while true; do
    env "${kafka_user[@]}" HOPPID_METRICS_PORT="${METRICS_PORTS[$name]}" "$PY" -m "hoppid.$name.main" >>"$LOGS/$name.log" 2>&1 &
    child=$!
    echo "$child" >"$RUN_DIR/pids/$name.pid"
    code=0
    wait "$child" || code=$?
    say "$name stopped (exit $code); starting it again (log: $LOGS/$name.log)"
    sleep 1
  done
}
mkdir -p "$RUN_DIR/pids"
for name in "${SERVICES[@]}"; do
  supervise "$name" &
  pids+=("$!")
done

wait_ready() {
  local url="$1/readyz"
  for _ in $(seq 1 120); do
    if "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)" "$url" 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  return 1
}

for name in "${SERVICES[@]}"; do
  url="http://127.0.0.1:${PORTS[$name]}"
  if wait_ready "$url"; then
    say "$(printf '%-14s %s  (API docs %s/docs, metrics http://127.0.0.1:%s/metrics)' "$name" "$url" "$url" "${METRICS_PORTS[$name]}")"
  else
    say "$name did not become ready; see $LOGS/$name.log"
  fi
done
"$PY" "$REPO/demo/seed.py" || say "demo data could not be loaded; see above"
say "pages: the inquiry form $HOPPID_INTAKE_PUBLIC_URL/pages/inquiry · staff (sign in with a demo key) $HOPPID_INTAKE_PUBLIC_URL/pages/staff · county figures $HOPPID_REPORTING_PUBLIC_URL/pages/figures"
say "scheduling's development clock: $HOPPID_SCHEDULING_DEV_CLOCK_FILE holds $(tr -d '[:space:]' <"$HOPPID_SCHEDULING_DEV_CLOCK_FILE") seconds ahead of real time (0 = real time; make demo moves it on)"
say "demo traffic: make demo (or DEMO_INQUIRIES=300 make demo) in another terminal"
say "development mailbox: SMTP 127.0.0.1:${HOPPID_NOTIFICATIONS_DEVMAIL_PORT:-1025}, read it with the platform admin key at http://127.0.0.1:${PORTS[notifications]}/v1/dev/mailbox (Authorization: Bearer) or signed in at http://127.0.0.1:${PORTS[notifications]}/pages/staff/mailbox"
say "logs: $LOGS/  ·  stack: make status  ·  Ctrl-C stops everything this started"
wait -n "${pids[@]}" || true
if [[ $stopping == 0 ]]; then say "a service stopped by itself; see $LOGS/ (stopping the rest)"; fi
