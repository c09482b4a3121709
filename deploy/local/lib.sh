# shellcheck shell=bash
# Settings and helpers shared by the local-stack scripts. Sourced, never run.
#
# Settings (environment variables; every one has a default, so none is required):
#
#   HOPPID_CACHE_DIR              Downloads and builds shared by every stack: the Kafka jars, the
#                                 FerretDB binary. Outside the repository so `git clean` and
#                                 `stack.sh reset` never throw them away.
#                                 Default: ${XDG_CACHE_HOME:-$HOME/.cache}/hoppid
#   HOPPID_STACK_DIR              This stack's data, logs and pid files (`reset` deletes it).
#                                 Default: <repo>/.stack (gitignored)
#   HOPPID_KAFKA_HOST             Address Kafka listens on and advertises. Default: 127.0.0.1
#   HOPPID_KAFKA_PORT             Kafka client port (the bootstrap server). Default: 9092
#   HOPPID_KAFKA_CONTROLLER_PORT  Kafka KRaft controller port. Default: 9093
#   HOPPID_KAFKA_HEAP             Kafka JVM heap, -Xms and -Xmx. Default: 512m
#   HOPPID_KAFKA_SASL             on: the client listener is SASL_PLAINTEXT (SCRAM-SHA-512) with
#                                 a user per service, an admin and a partner user, and ACLs
#                                 (kafka/acls.txt); their credentials are written into
#                                 <stack>/kafka/credentials/. off: PLAINTEXT, anyone may do
#                                 anything. Unset: as the stack was last started (a new
#                                 stack: off; scripts/run.sh starts a new one with on), so `make
#                                 test` or `status` without it work on a stack started with it.
#   HOPPID_STORE_HOST             Address the MongoDB-compatible store listens on. Default: 127.0.0.1
#   HOPPID_STORE_PORT             Port of the store. Default: 27017
#   HOPPID_FERRETDB_DEBUG_PORT    FerretDB's HTTP debug/metrics port, or "off".
#                                 Default: HOPPID_STORE_PORT + 1 (27018), so a second stack that
#                                 moves the store port moves this one too.
#   HOPPID_POSTGRES_PORT          Port of the PostgreSQL under FerretDB (loopback, on
#                                 HOPPID_STORE_HOST). Default: HOPPID_STORE_PORT + 2 (27019).
#   HOPPID_POSTGRES_BIN_DIR       Folder of PostgreSQL's initdb, pg_ctl, postgres and psql.
#                                 Default: the newest /usr/lib/postgresql/<major>/bin, else PATH.
#   HOPPID_MONGODB_URL            If set, the store is external: `up` only checks that it answers,
#                                 `down` leaves it alone. NOTE: the services read the same variable
#                                 as their connection URL, so exporting it for them also tells
#                                 stack.sh not to start a store.
#
# Which store runs: HOPPID_MONGODB_URL if set; else `mongod` if it is on PATH; else FerretDB
# (PostgreSQL backend, built once from source into HOPPID_CACHE_DIR) on a PostgreSQL cluster of
# this stack's own (postgres.sh).

set -euo pipefail

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$LOCAL_DIR/../.." && pwd)"

# An absolute path, so the pid check (which looks for the stack dir in a command line) and the
# server configs do not depend on the directory stack.sh was called from.
absolute() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}

HOPPID_CACHE_DIR="$(absolute "${HOPPID_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hoppid}")"
HOPPID_STACK_DIR="$(absolute "${HOPPID_STACK_DIR:-$REPO_DIR/.stack}")"
HOPPID_STACK_DIR="${HOPPID_STACK_DIR%/}"
HOPPID_KAFKA_HOST="${HOPPID_KAFKA_HOST:-127.0.0.1}"
HOPPID_KAFKA_PORT="${HOPPID_KAFKA_PORT:-9092}"
HOPPID_KAFKA_CONTROLLER_PORT="${HOPPID_KAFKA_CONTROLLER_PORT:-9093}"
HOPPID_KAFKA_HEAP="${HOPPID_KAFKA_HEAP:-512m}"
HOPPID_KAFKA_SASL="${HOPPID_KAFKA_SASL:-}"
[[ -z "$HOPPID_KAFKA_SASL" || "$HOPPID_KAFKA_SASL" == on || "$HOPPID_KAFKA_SASL" == off ]] ||
  die "HOPPID_KAFKA_SASL=$HOPPID_KAFKA_SASL must be on or off"
HOPPID_STORE_HOST="${HOPPID_STORE_HOST:-127.0.0.1}"
HOPPID_STORE_PORT="${HOPPID_STORE_PORT:-27017}"
HOPPID_MONGODB_URL="${HOPPID_MONGODB_URL:-}"

RUN_DIR="$HOPPID_STACK_DIR/run"
LOG_DIR="$HOPPID_STACK_DIR/logs"
# Written when the stack dir is created; `reset` deletes only a folder that carries it, so a
# mistyped HOPPID_STACK_DIR (say, $HOME) is never wiped.
STACK_MARKER="$HOPPID_STACK_DIR/.hoppid-stack"

say() { printf '%s\n' "$*"; }
warn() { printf 'stack: %s\n' "$*" >&2; }
die() {
  warn "$*"
  exit 1
}

is_port() { [[ "$1" =~ ^[0-9]+$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }

check_port_setting() {
  local name="$1"
  is_port "${!name}" || die "$name=${!name} is not a port number (1-65535)"
}

check_port_setting HOPPID_KAFKA_PORT
check_port_setting HOPPID_KAFKA_CONTROLLER_PORT
check_port_setting HOPPID_STORE_PORT
HOPPID_FERRETDB_DEBUG_PORT="${HOPPID_FERRETDB_DEBUG_PORT:-$((10#$HOPPID_STORE_PORT + 1))}"
[[ "$HOPPID_FERRETDB_DEBUG_PORT" == off ]] || check_port_setting HOPPID_FERRETDB_DEBUG_PORT
HOPPID_POSTGRES_PORT="${HOPPID_POSTGRES_PORT:-$((10#$HOPPID_STORE_PORT + 2))}"
check_port_setting HOPPID_POSTGRES_PORT
# Two settings on one port would only show up as a server dying at start; say it plainly.
check_distinct_ports() {
  local a b names=(HOPPID_KAFKA_PORT HOPPID_KAFKA_CONTROLLER_PORT HOPPID_STORE_PORT HOPPID_POSTGRES_PORT)
  [[ "$HOPPID_FERRETDB_DEBUG_PORT" == off ]] || names+=(HOPPID_FERRETDB_DEBUG_PORT)
  for a in "${names[@]}"; do
    for b in "${names[@]}"; do
      [[ "$a" < "$b" && $((10#${!a})) == $((10#${!b})) ]] && die "$a and $b are both ${!a}; give each its own port"
    done
  done
  return 0
}
check_distinct_ports
[[ "$HOPPID_KAFKA_HEAP" =~ ^[0-9]+[kKmMgG]?$ ]] ||
  die "HOPPID_KAFKA_HEAP=$HOPPID_KAFKA_HEAP is not a JVM size such as 512m or 1g"

ensure_stack_dir() {
  if [[ ! -e "$STACK_MARKER" ]]; then
    # Adopt only a new or empty folder: `reset` trusts the marker.
    if [[ -d "$HOPPID_STACK_DIR" ]] && [[ -n "$(ls -A "$HOPPID_STACK_DIR")" ]]; then
      die "HOPPID_STACK_DIR=$HOPPID_STACK_DIR is not empty and is not a hoppid stack folder (no .hoppid-stack); choose a new or empty folder"
    fi
    mkdir -p "$HOPPID_STACK_DIR"
    say "hoppid local stack data; stack.sh reset deletes this folder" >"$STACK_MARKER"
  fi
  mkdir -p "$RUN_DIR" "$LOG_DIR"
}

# The repo venv's python runs probe.py (it has aiokafka and pymongo).
python_bin() {
  local python="$REPO_DIR/.venv/bin/python"
  if [[ ! -x "$python" ]]; then
    [[ -x "$REPO_DIR/scripts/bootstrap.sh" ]] ||
      die "no $python and no scripts/bootstrap.sh to make it; run 'uv sync' in $REPO_DIR"
    warn "no $python yet; running scripts/bootstrap.sh"
    "$REPO_DIR/scripts/bootstrap.sh" >&2
  fi
  printf '%s\n' "$python"
}

probe() { "$(python_bin)" "$LOCAL_DIR/probe.py" "$@"; }

# --- processes -------------------------------------------------------------------------------

# The command line of a live (not zombie) process, or nothing.
process_args() {
  local pid="$1" state
  state="$(ps -o stat= -p "$pid" 2>/dev/null)" || return 1
  [[ "$state" != Z* ]] || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline"
  else
    ps -o args= -p "$pid"
  fi
}

# The pid of our running <name> process, or nothing (and status 1). "Ours" means its command line
# mentions this stack dir (for PostgreSQL: its data dir as a whole argument, `-D <dir> `, since that
# may lie outside the stack dir: postgres.sh), which guards against a recycled pid; a stale pid
# file is removed.
running_pid() {
  local name="$1" file="$RUN_DIR/$1.pid" pid args mark="$HOPPID_STACK_DIR/"
  [[ -f "$file" ]] || return 1
  pid="$(<"$file")"
  [[ $name == postgres && -n "${POSTGRES_DATA_DIR:-}" ]] && mark=" $POSTGRES_DATA_DIR "
  if [[ "$pid" =~ ^[0-9]+$ ]] && args="$(process_args "$pid")" && [[ "$args" == *"$mark"* ]]; then
    printf '%s\n' "$pid"
    return 0
  fi
  rm -f "$file" "$RUN_DIR/$name.settings"
  return 1
}

# Does something accept connections on host:port? (bash's /dev/tcp, so no nc or ss needed)
port_busy() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# Fail, naming the setting to change, when a port we need is taken by someone else.
require_free_port() {
  local host="$1" setting="$2"
  local port="${!setting}"
  if port_busy "$host" "$port"; then
    die "port $host:$port is already in use by a process that is not this stack's ($HOPPID_STACK_DIR); stop it or set $setting to a free port"
  fi
}

# Start a server detached from this shell (own session, stdin closed, output to a log file) so
# the caller may exit. The process writes its own pid before exec'ing the server: with setsid
# possibly forking, $! would not be the server's pid.
start_detached() {
  local name="$1" log="$2"
  shift 2
  local pidfile="$RUN_DIR/$name.pid" detach=()
  rm -f "$pidfile"
  if command -v setsid >/dev/null; then detach=(setsid); else detach=(nohup); fi
  # 8>&- 9>&- : do not hand our locks (see with_lock) down to a server that outlives us.
  # shellcheck disable=SC2016 # expanded by the inner bash
  "${detach[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1 8>&- 9>&- &
  for _ in $(seq 50); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  die "$name did not start (no pid file $pidfile); see $log"
}

# SIGTERM, up to 30 s for a clean shutdown, then SIGKILL.
stop_process() {
  local name="$1" pid
  if ! pid="$(running_pid "$name")"; then
    say "$name: not running"
    return 0
  fi
  say "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do
    process_args "$pid" >/dev/null || break
    sleep 0.1
  done
  if process_args "$pid" >/dev/null; then
    warn "$name: still running after 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.settings"
  say "$name: stopped"
}

show_log_tail() {
  local log
  for log in "$@"; do
    [[ -s "$log" ]] || continue
    warn "last 30 lines of $log:"
    tail -n 30 "$log" | sed 's/^/    /' >&2
  done
}

# How long the last wait_ready took, for the "up" message.
READY_SECONDS=0

# Poll `probe <args>` until the server really answers, the process dies, or the time is up.
# Usage: wait_ready <name> <timeout s> <log files (space separated)> <probe args...>
wait_ready() {
  local name="$1" timeout="$2" logs="$3"
  shift 3
  local started=$SECONDS answer="" logs_array
  read -r -a logs_array <<<"$logs"
  while :; do
    if ! running_pid "$name" >/dev/null; then
      warn "$name exited during start-up"
      show_log_tail "${logs_array[@]}"
      return 1
    fi
    if answer="$(probe "$@" 2>&1)"; then
      # shellcheck disable=SC2034 # read by the callers
      READY_SECONDS=$((SECONDS - started))
      return 0
    fi
    if ((SECONDS - started >= timeout)); then
      warn "$name did not answer within $timeout s (last probe: $answer)"
      warn "it is still running; look at the logs, or stop it with: stack.sh down"
      show_log_tail "${logs_array[@]}"
      return 1
    fi
    sleep 1
  done
}

# Serialise up/down/reset on one stack dir, so two callers do not start two brokers.
with_lock() {
  ensure_stack_dir
  if command -v flock >/dev/null; then
    exec 9>"$RUN_DIR/lock"
    flock -w 600 9 || die "another stack.sh holds $RUN_DIR/lock"
  fi
}

# Serialise downloads and builds into the shared cache: two stacks may start at the same time.
# Callers re-check whether the work is still needed once they hold it.
lock_cache() {
  mkdir -p "$HOPPID_CACHE_DIR"
  if command -v flock >/dev/null; then
    exec 8>"$HOPPID_CACHE_DIR/.lock"
    flock -w 1800 8 || die "another stack.sh holds $HOPPID_CACHE_DIR/.lock"
  fi
}
unlock_cache() { exec 8>&-; }

# Settings a running server was started with, so `up` can tell when they have changed since.
# Usage: started_with <name> [<value>]  (with a value: record it; without: print it)
started_with() {
  local file="$RUN_DIR/$1.settings"
  if (($# == 2)); then
    printf '%s\n' "$2" >"$file"
  elif [[ -f "$file" ]]; then
    cat "$file"
  fi
}
