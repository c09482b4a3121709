# shellcheck shell=bash
# The MongoDB-compatible store of the local stack. Which one: HOPPID_MONGODB_URL if set (external:
# checked, never started or stopped); else mongod if on PATH; else FerretDB on the stack's own
# PostgreSQL (ferretdb.sh, postgres.sh). Sourced after lib.sh, postgres.sh and ferretdb.sh.

STORE_URL="mongodb://$HOPPID_STORE_HOST:$HOPPID_STORE_PORT/"
STORE_READY_TIMEOUT=60

# The kind `up` would start now.
store_wanted() {
  if [[ -n "$HOPPID_MONGODB_URL" ]]; then
    say external
  elif command -v mongod >/dev/null; then
    say mongod
  else
    say ferretdb
  fi
}

# The kind of store this stack runs now (its pid file is named after it), or nothing.
store_running() {
  local kind
  for kind in ferretdb mongod; do
    if running_pid "$kind" >/dev/null; then
      say "$kind"
      return 0
    fi
  done
  return 1
}

# The external URL without a password, for messages.
# shellcheck disable=SC2001 # a regex, not a fixed string
store_external_shown() { sed 's#://[^@/]*@#://***@#' <<<"$HOPPID_MONGODB_URL"; }

store_prereqs() {
  [[ "$(store_wanted)" == ferretdb ]] && ! store_running >/dev/null && ferretdb_prereqs
  return 0
}

store_prepare() {
  [[ "$(store_wanted)" == ferretdb ]] && ! store_running >/dev/null && ferretdb_prepare
  return 0
}

mongod_settings() { printf '%s' "mongod $HOPPID_STORE_HOST:$HOPPID_STORE_PORT"; }

mongod_start() {
  require_free_port "$HOPPID_STORE_HOST" HOPPID_STORE_PORT
  mkdir -p "$HOPPID_STACK_DIR/mongodb"
  say "store: starting mongod ($(command -v mongod)) at $HOPPID_STORE_HOST:$HOPPID_STORE_PORT"
  # No --fork: we detach it ourselves and keep its pid. No unix socket: a stale
  # /tmp/mongodb-<port>.sock from another user would stop it, and nothing here uses it.
  start_detached mongod "$LOG_DIR/mongod.log" mongod \
    --dbpath "$HOPPID_STACK_DIR/mongodb" \
    --bind_ip "$HOPPID_STORE_HOST" \
    --port "$HOPPID_STORE_PORT" \
    --nounixsocket
  started_with mongod "$(mongod_settings)"
}

store_up() {
  local kind pid
  if [[ -n "$HOPPID_MONGODB_URL" ]]; then
    local answer
    answer="$(probe mongo "$HOPPID_MONGODB_URL" 2>&1)" ||
      die "store: HOPPID_MONGODB_URL ($(store_external_shown)) does not answer: $answer. Nothing was started: with HOPPID_MONGODB_URL set the store is external; unset it to let stack.sh run one."
    say "store: external, HOPPID_MONGODB_URL answers - $answer"
    return 0
  fi
  if kind="$(store_running)"; then
    pid="$(running_pid "$kind")"
    if [[ "$kind" == ferretdb ]] && ferretdb_on_sqlite; then
      warn "store: FerretDB on SQLite, started by an earlier stack.sh, runs (pid $pid) and is left as it is; 'stack.sh down store' and 'stack.sh up store' move this stack to FerretDB on PostgreSQL (with empty databases)"
    elif [[ "$(started_with "$kind")" != "$("${kind}_settings")" ]]; then
      die "store: $kind running (pid $pid) with other settings ($(started_with "$kind")); run 'stack.sh down store' first to apply the new ones"
    elif [[ "$kind" == ferretdb ]]; then
      postgres_up # FerretDB runs; its PostgreSQL may not (stopped or killed on its own)
    fi
    if probe mongo "$STORE_URL" >/dev/null 2>&1; then
      say "store: already running at $STORE_URL ($kind, pid $pid)"
      return 0
    fi
    say "store: $kind running (pid $pid) but not answering yet; waiting"
  else
    kind="$(store_wanted)"
    "${kind}_start"
  fi
  wait_ready "$kind" "$STORE_READY_TIMEOUT" "$LOG_DIR/$kind.log" mongo "$STORE_URL" ||
    die "store: not up"
  say "store: up at $STORE_URL ($kind, pid $(running_pid "$kind"); answered after $READY_SECONDS s)"
}

store_down() {
  local kind
  if kind="$(store_running)"; then
    if [[ "$kind" == ferretdb ]]; then ferretdb_stop; else stop_process "$kind"; fi
  elif running_pid postgres >/dev/null; then
    postgres_down # FerretDB is gone (stopped or killed on its own), its PostgreSQL is not
  elif [[ -n "$HOPPID_MONGODB_URL" ]]; then
    say "store: external (HOPPID_MONGODB_URL), left alone"
  else
    say "store: not running"
  fi
}

# One line; status 0 when the store answers.
store_status() {
  local kind pid answer
  if [[ -n "$HOPPID_MONGODB_URL" ]]; then
    if answer="$(probe mongo "$HOPPID_MONGODB_URL" 2>&1)"; then
      say "store: external ($(store_external_shown)) - $answer"
      return 0
    fi
    say "store: external ($(store_external_shown)) not answering - $answer"
    return 1
  fi
  if ! kind="$(store_running)"; then
    if pid="$(running_pid postgres)"; then
      say "store: down (FerretDB is not running; its PostgreSQL, pid $pid, is)"
    else
      say "store: down"
    fi
    return 1
  fi
  pid="$(running_pid "$kind")"
  local backend="" backend_ok=0
  if [[ "$kind" == ferretdb ]] && ferretdb_on_sqlite; then
    backend=", on SQLite: started by an earlier stack.sh, down and up the store to move it to PostgreSQL"
  elif [[ "$kind" == ferretdb ]]; then
    backend="$(postgres_status)" || backend_ok=1
    backend=", $backend"
  fi
  if answer="$(probe mongo "$STORE_URL" 2>&1)" && ((backend_ok == 0)); then
    say "store: up ($kind, pid $pid$backend) - $answer"
    return 0
  fi
  say "store: $kind running (pid $pid$backend) but not answering - $answer"
  return 1
}

# The log of whichever store ran last here (both, if both have run).
store_log_files() {
  local kind found=0
  for kind in ferretdb mongod; do
    if [[ -f "$LOG_DIR/$kind.log" ]]; then
      printf '%s\n' "$LOG_DIR/$kind.log"
      found=1
    fi
  done
  [[ ! -f "$POSTGRES_LOG" ]] || printf '%s\n' "$POSTGRES_LOG"
  ((found)) || printf '%s\n' "$LOG_DIR/$(store_wanted).log"
}

store_urls() {
  if [[ -n "$HOPPID_MONGODB_URL" ]]; then
    say "mongodb url:             $(store_external_shown) (external, HOPPID_MONGODB_URL)"
  else
    say "mongodb url:             $STORE_URL"
  fi
}
