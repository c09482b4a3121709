# shellcheck shell=bash
# The PostgreSQL under FerretDB: the machine's PostgreSQL server binaries (not its service), a
# cluster of our own in the stack dir (initdb on the first start), on a port of its own, started
# and stopped with pg_ctl. PostgreSQL refuses to run as root, so as root (CI) every server command
# runs as the `postgres` user (Debian's package makes it). Durability is PostgreSQL's own: fsync,
# full page writes and synchronous commit stay on, so an acknowledged write survives a kill -9 of
# the store. Sourced after lib.sh.

POSTGRES_CTL_LOG="$LOG_DIR/postgres-ctl.log" # what pg_ctl says
POSTGRES_READY_TIMEOUT=120 # crash recovery after a kill -9 replays the WAL first
POSTGRES_USER=postgres     # the superuser initdb makes, and the OS user when we are root

# Where initdb, pg_ctl, postgres and psql are: HOPPID_POSTGRES_BIN_DIR, else the newest Debian or
# Ubuntu server package (/usr/lib/postgresql/<major>/bin, not on PATH), else pg_ctl on PATH.
postgres_find_bin_dir() {
  local dir
  if [[ -n "${HOPPID_POSTGRES_BIN_DIR:-}" ]]; then
    printf '%s\n' "$HOPPID_POSTGRES_BIN_DIR"
    return 0
  fi
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then
    printf '%s\n' "$dir"
  elif command -v pg_ctl >/dev/null; then
    dirname "$(command -v pg_ctl)"
  fi
}
POSTGRES_BIN_DIR="$(postgres_find_bin_dir)"

# Where the cluster and its log live: $HOPPID_STACK_DIR/postgres. As root, PostgreSQL runs as the
# postgres user, who must traverse every folder above it; a clone in a fresh `mktemp -d` (0700,
# as CI makes) is out of its reach. Then the cluster lives in a folder of its own under /var/tmp,
# named after the stack, and $HOPPID_STACK_DIR/postgres is a link to it, so that the next start
# finds it again and `stack.sh reset` deletes it with the stack.
postgres_home() {
  local link="$HOPPID_STACK_DIR/postgres" parent
  if [[ -L "$link" ]]; then
    readlink "$link"
  elif ((EUID != 0)) || [[ -d "$link" ]]; then
    printf '%s\n' "$link"
  else
    parent="$HOPPID_STACK_DIR"
    [[ -d "$parent" ]] || parent="$(dirname "$parent")"
    if as_postgres test -x "$parent" 2>/dev/null; then
      printf '%s\n' "$link"
    else
      printf '%s\n' "/var/tmp/hoppid-postgres/$(printf '%s' "$HOPPID_STACK_DIR" | sha256sum | cut -c1-16)"
    fi
  fi
}

# Run a server command as the postgres user when we are root, else as ourselves.
as_postgres() {
  if ((EUID != 0)); then
    "$@"
  elif command -v runuser >/dev/null; then
    runuser -u "$POSTGRES_USER" -- "$@"
  else
    su -s /bin/sh "$POSTGRES_USER" -c "$(printf '%q ' "$@")"
  fi
}

POSTGRES_HOME="$(postgres_home)"
POSTGRES_DATA_DIR="$POSTGRES_HOME"
POSTGRES_LOG="$LOG_DIR/postgres.log" # the server's own log
if [[ "$POSTGRES_HOME" != "$HOPPID_STACK_DIR/postgres" ]]; then
  POSTGRES_DATA_DIR="$POSTGRES_HOME/data"
  POSTGRES_LOG="$POSTGRES_HOME/postgres.log"
fi

postgres_prereqs() {
  local tool
  for tool in initdb pg_ctl postgres psql; do
    if [[ -z "$POSTGRES_BIN_DIR" || ! -x "$POSTGRES_BIN_DIR/$tool" ]]; then
      MISSING+=("PostgreSQL: no $tool in ${POSTGRES_BIN_DIR:-/usr/lib/postgresql/<version>/bin or on PATH} (FerretDB keeps its data in PostgreSQL 15+); install the server, e.g. apt-get install postgresql, or set HOPPID_POSTGRES_BIN_DIR to its bin folder")
      return 0
    fi
  done
  if ((EUID == 0)) && ! id "$POSTGRES_USER" >/dev/null 2>&1; then
    MISSING+=("PostgreSQL refuses to run as root and there is no '$POSTGRES_USER' user to run it as; create one (useradd --system $POSTGRES_USER), or run as another user")
  fi
}

postgres_version() { "$POSTGRES_BIN_DIR/postgres" --version | sed 's/^[^0-9]*//; s/ .*//'; }

postgres_settings() {
  printf '%s' "PostgreSQL $(postgres_version) $HOPPID_STORE_HOST:$HOPPID_POSTGRES_PORT"
}

postgres_url() { printf '%s' "postgres://$POSTGRES_USER@$HOPPID_STORE_HOST:$HOPPID_POSTGRES_PORT/$1"; }

# psql into one database of ours, over TCP (there is no unix socket). Usage: postgres_sql <db> <args>
postgres_sql() {
  local database="$1"
  shift
  PGCONNECT_TIMEOUT=5 "$POSTGRES_BIN_DIR/psql" -X -v ON_ERROR_STOP=1 -h "$HOPPID_STORE_HOST" \
    -p "$HOPPID_POSTGRES_PORT" -U "$POSTGRES_USER" -d "$database" "$@"
}

# As root, the postgres user must reach the data folder and the log: it needs to traverse the stack
# dir (a fresh mktemp -d is 0700) and every folder above it.
postgres_check_access() {
  ((EUID == 0)) || return 0
  if [[ "$POSTGRES_HOME" != "$HOPPID_STACK_DIR/postgres" ]]; then
    mkdir -p "$POSTGRES_HOME"
    chmod 711 "$(dirname "$POSTGRES_HOME")"
    postgres_own "$POSTGRES_HOME"
    [[ -L "$HOPPID_STACK_DIR/postgres" ]] || ln -s "$POSTGRES_HOME" "$HOPPID_STACK_DIR/postgres"
    say "store: $HOPPID_STACK_DIR is out of the '$POSTGRES_USER' user's reach; its PostgreSQL lives in $POSTGRES_HOME (linked from $HOPPID_STACK_DIR/postgres)"
    return 0
  fi
  as_postgres test -x "$HOPPID_STACK_DIR" || chmod o+x "$HOPPID_STACK_DIR"
  as_postgres test -x "$HOPPID_STACK_DIR" ||
    die "store: the '$POSTGRES_USER' user cannot reach $HOPPID_STACK_DIR (a folder above it is not traversable by others, o+x), and PostgreSQL runs as that user; set HOPPID_STACK_DIR to a folder it can reach, e.g. under /var/tmp"
  as_postgres test -x "$LOG_DIR" || chmod o+x "$LOG_DIR"
}

# A folder or file that the server user owns.
postgres_own() {
  if ((EUID == 0)); then chown "$POSTGRES_USER:" "$@"; fi
}

# The cluster, on the first start only. Trust authentication, on loopback only: FerretDB in
# front of it has no authentication either, and nothing but this machine can connect.
postgres_init_once() {
  [[ -f "$POSTGRES_DATA_DIR/PG_VERSION" ]] && return 0
  mkdir -p "$POSTGRES_DATA_DIR"
  postgres_own "$POSTGRES_DATA_DIR"
  chmod 700 "$POSTGRES_DATA_DIR"
  say "store: first start, initdb of a PostgreSQL $(postgres_version) cluster in $POSTGRES_DATA_DIR"
  # C locale and UTF8: what FerretDB accepts. Checksums: a torn page is found, not read.
  as_postgres "$POSTGRES_BIN_DIR/initdb" -D "$POSTGRES_DATA_DIR" -U "$POSTGRES_USER" \
    --auth=trust --encoding=UTF8 --no-locale --data-checksums >>"$LOG_DIR/postgres-initdb.log" 2>&1 || {
    show_log_tail "$LOG_DIR/postgres-initdb.log"
    rm -rf "$POSTGRES_DATA_DIR"
    die "store: initdb failed"
  }
}

# Server settings, on the command line so that they show in `ps` and cannot drift in a file.
# fsync/full_page_writes/synchronous_commit are PostgreSQL's defaults, pinned here because they are
# the promise that an acknowledged write survives a crash. plan_cache_mode: FerretDB prepares its
# statements with the field name as a parameter (`_jsonb->$1 @> $2`); a generic plan cannot match
# the expression indexes (gin-indexes.sql), a custom plan sees the field name and can.
# max_connections: FerretDB's pool (ferretdb.sh) and some for psql.
postgres_options() {
  printf '%s ' \
    "-c listen_addresses=$HOPPID_STORE_HOST" \
    "-c port=$HOPPID_POSTGRES_PORT" \
    "-c unix_socket_directories=''" \
    "-c fsync=on" \
    "-c full_page_writes=on" \
    "-c synchronous_commit=on" \
    "-c plan_cache_mode=force_custom_plan" \
    "-c max_connections=$((FERRETDB_PG_POOL + 20))"
}

# After a kill -9 the dead postmaster can linger a moment as a zombie, and PostgreSQL, seeing its
# pid in postmaster.pid still taken, refuses to start. Give the system up to 10 s to reap it.
postgres_wait_for_dead_postmaster() {
  local pid
  [[ -f "$POSTGRES_DATA_DIR/postmaster.pid" ]] || return 0
  pid="$(head -n 1 "$POSTGRES_DATA_DIR/postmaster.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  for _ in $(seq 100); do
    [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == Z* ]] || return 0
    sleep 0.1
  done
}

postgres_up() {
  local pid
  if pid="$(running_pid postgres)"; then
    if [[ "$(started_with postgres)" != "$(postgres_settings)" ]]; then
      die "store: PostgreSQL running (pid $pid) with other settings ($(started_with postgres)); run 'stack.sh down store' first to apply the new ones"
    fi
    say "store: PostgreSQL already running (pid $pid)"
    return 0
  fi
  require_free_port "$HOPPID_STORE_HOST" HOPPID_POSTGRES_PORT
  postgres_check_access
  postgres_init_once
  postgres_wait_for_dead_postmaster
  touch "$POSTGRES_LOG"
  postgres_own "$POSTGRES_LOG"
  say "store: starting PostgreSQL $(postgres_version) at $HOPPID_STORE_HOST:$HOPPID_POSTGRES_PORT"
  # 8>&- 9>&- : the server must not inherit our locks (see start_detached).
  as_postgres "$POSTGRES_BIN_DIR/pg_ctl" start -D "$POSTGRES_DATA_DIR" -l "$POSTGRES_LOG" -w \
    -t "$POSTGRES_READY_TIMEOUT" -o "$(postgres_options)" </dev/null >>"$POSTGRES_CTL_LOG" 2>&1 8>&- 9>&- || {
    show_log_tail "$POSTGRES_CTL_LOG" "$POSTGRES_LOG"
    die "store: PostgreSQL did not start"
  }
  head -n 1 "$POSTGRES_DATA_DIR/postmaster.pid" >"$RUN_DIR/postgres.pid"
  running_pid postgres >/dev/null || die "store: PostgreSQL started but its pid file names no process of this stack"
  started_with postgres "$(postgres_settings)"
}

# A fast shutdown (clients are cut, a checkpoint is written); SIGTERM/SIGKILL if pg_ctl fails.
postgres_down() {
  local pid
  if ! pid="$(running_pid postgres)"; then
    say "postgres: not running"
    return 0
  fi
  say "postgres: stopping (pid $pid)"
  if as_postgres "$POSTGRES_BIN_DIR/pg_ctl" stop -D "$POSTGRES_DATA_DIR" -m fast -w -t 60 \
    </dev/null >>"$POSTGRES_CTL_LOG" 2>&1 8>&- 9>&-; then
    rm -f "$RUN_DIR/postgres.pid" "$RUN_DIR/postgres.settings"
    say "postgres: stopped"
  else
    warn "postgres: pg_ctl stop failed (see $POSTGRES_CTL_LOG)"
    stop_process postgres
  fi
}

# Status 0 when PostgreSQL runs and answers; prints a short summary.
postgres_status() {
  local pid
  pid="$(running_pid postgres)" || {
    printf '%s' "PostgreSQL down"
    return 1
  }
  if postgres_sql postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    printf '%s' "PostgreSQL pid $pid"
    return 0
  fi
  printf '%s' "PostgreSQL pid $pid not answering"
  return 1
}
