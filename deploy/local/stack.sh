#!/usr/bin/env bash
# The local stack without Docker: a single-node Kafka and a MongoDB-compatible store (FerretDB on
# a PostgreSQL of the stack's own, or mongod), with their data under HOPPID_STACK_DIR. See lib.sh.
#
#   stack.sh up     [kafka|store]      start (and wait until it really answers); no-op if running
#   stack.sh down   [kafka|store]      stop (SIGTERM, then SIGKILL after 30 s); data is kept
#   stack.sh status                    exit 0 when everything answers, 3 when something is down
#   stack.sh logs   [kafka|store] [-f] the last lines of the logs, or follow them
#   stack.sh reset                     stop everything and delete HOPPID_STACK_DIR (not the cache)
#   stack.sh backup  <file>            the store (every database and the vault) into a new file
#   stack.sh restore <file>            the store as it was in the backup (FerretDB restarted)
#
# Exit codes: 0 ok, 1 failure, 2 usage, 3 (status) something is down.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=kafka.sh
source "$HERE/kafka.sh"
# shellcheck source=postgres.sh
source "$HERE/postgres.sh"
# shellcheck source=ferretdb.sh
source "$HERE/ferretdb.sh"
# shellcheck source=store.sh
source "$HERE/store.sh"
# shellcheck source=backup.sh
source "$HERE/backup.sh"

# The comment block above is the help text. Usage: usage [exit code], 2 (to stderr) by default.
usage() {
  local code="${1:-2}"
  if ((code == 0)); then
    sed -n '5,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
  else
    sed -n '5,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  fi
  exit "$code"
}

# The components a command acts on: the one named, or both.
components() {
  case "${1:-}" in
    "") COMPONENTS=(kafka store) ;;
    kafka | store) COMPONENTS=("$1") ;;
    *) usage ;;
  esac
}

cmd_up() {
  components "${1:-}"
  with_lock
  # Check every prerequisite before the first (possibly long) download, and report all at once.
  MISSING=()
  local c
  for c in "${COMPONENTS[@]}"; do "${c}_prereqs"; done
  if ((${#MISSING[@]})); then
    warn "cannot start; missing prerequisites:"
    printf '  - %s\n' "${MISSING[@]}" >&2
    exit 1
  fi
  for c in "${COMPONENTS[@]}"; do "${c}_prepare"; done
  for c in "${COMPONENTS[@]}"; do "${c}_up"; done
  say ""
  for c in "${COMPONENTS[@]}"; do "${c}_urls"; done
}

cmd_down() {
  components "${1:-}"
  local c
  if [[ ! -e "$STACK_MARKER" ]]; then
    # No stack folder: nothing of ours can be running (and down must not create one).
    for c in "${COMPONENTS[@]}"; do say "$c: not running"; done
    return 0
  fi
  with_lock
  for c in "${COMPONENTS[@]}"; do "${c}_down"; done
}

cmd_status() {
  (($# == 0)) || usage
  local down=0 c
  for c in kafka store; do "${c}_status" || down=1; done
  ((down == 0)) || exit 3
}

cmd_logs() {
  local follow=0 which="" arg
  for arg in "$@"; do
    case "$arg" in
      -f | --follow) follow=1 ;;
      kafka | store) which="$arg" ;;
      *) usage ;;
    esac
  done
  components "$which"
  local files=() c f
  for c in "${COMPONENTS[@]}"; do
    while IFS= read -r f; do
      if [[ -f "$f" ]]; then files+=("$f"); else say "$c: no log yet ($f)"; fi
    done < <("${c}_log_files")
  done
  ((${#files[@]})) || return 0
  if ((follow)); then
    exec tail -n 50 -F "${files[@]}"
  fi
  tail -n 100 "${files[@]}"
}

cmd_reset() {
  (($# == 0)) || usage
  if [[ ! -d "$HOPPID_STACK_DIR" ]]; then
    say "nothing to reset: $HOPPID_STACK_DIR does not exist"
    return 0
  fi
  [[ -e "$STACK_MARKER" ]] ||
    die "$HOPPID_STACK_DIR has no .hoppid-stack marker, so it is not a stack folder; not deleting it"
  case "$HOPPID_CACHE_DIR/" in
    "$HOPPID_STACK_DIR"/*) die "HOPPID_CACHE_DIR ($HOPPID_CACHE_DIR) is inside HOPPID_STACK_DIR; reset would delete the cache. Move one of them." ;;
  esac
  with_lock
  kafka_down
  store_down
  # a PostgreSQL kept outside the stack folder (postgres.sh: postgres_home) goes with it
  if [[ -L "$HOPPID_STACK_DIR/postgres" ]]; then rm -rf "$(readlink "$HOPPID_STACK_DIR/postgres")"; fi
  rm -rf "$HOPPID_STACK_DIR"
  say "deleted $HOPPID_STACK_DIR (the cache $HOPPID_CACHE_DIR is kept)"
}

cmd_backup() {
  (($# == 1)) || usage
  with_lock
  store_backup "$(absolute "$1")"
}

cmd_restore() {
  (($# == 1)) || usage
  with_lock
  store_restore "$(absolute "$1")"
}

command="${1:-}"
(($# == 0)) || shift
case "$command" in
  up) (($# <= 1)) || usage; cmd_up "$@" ;;
  down) (($# <= 1)) || usage; cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  logs) cmd_logs "$@" ;;
  reset) cmd_reset "$@" ;;
  backup) cmd_backup "$@" ;;
  restore) cmd_restore "$@" ;;
  -h | --help | help) usage 0 ;;
  *) usage ;;
esac
