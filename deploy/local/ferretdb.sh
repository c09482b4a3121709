# shellcheck shell=bash
# FerretDB, the MongoDB-compatible store used when there is no mongod: built once from source into
# the cache with its PostgreSQL backend only, run on the stack's own PostgreSQL (postgres.sh), which
# keeps the data in the stack dir. Sourced after lib.sh and postgres.sh.

FERRETDB_VERSION=v1.24.2
FERRETDB_MODULE=github.com/FerretDB/FerretDB
# Our patches to FerretDB, applied to its source before the build (ferretdb/*.patch):
# atomic-updates.patch makes an update of one document a compare-and-set against the version it
# read, retried on a fresh read, so concurrent updates of one document are not lost (FerretDB
# 1.24 writes back what it read and changed, over whatever another writer stored meanwhile;
# decision 0007). sort-pushdown.patch sorts a find by top-level fields in PostgreSQL, in BSON's
# order, when every selected document holds a scalar type PostgreSQL orders that way, and then
# also applies the limit there when the filter is string equalities that select exactly what
# MongoDB would (decision 0008); otherwise FerretDB sorts in its process as before. MongoDB serves
# both from its indexes by itself.
FERRETDB_PATCHES=("$LOCAL_DIR"/ferretdb/*.patch)
# The binary's name carries the patches' hash, so an edited patch is built, not an old binary
# reused. Not plain "ferretdb": that name in the cache is the SQLite-only build of earlier
# versions of this script.
FERRETDB_BIN="$HOPPID_CACHE_DIR/bin/ferretdb-postgresql-$(cat "${FERRETDB_PATCHES[@]}" | sha256sum | cut -c1-12)"
# FerretDB's database in PostgreSQL; each MongoDB database is a schema in it.
FERRETDB_PG_DATABASE=ferretdb
# FerretDB's pool of PostgreSQL connections. FerretDB 1.24 updates a document while the query that
# found it still holds its connection, and takes a second connection for the write: with more
# updates at once than the pool holds, each waits for a second connection that never comes, and
# FerretDB stops answering (a full test run did, with its default of 50). Connections are opened
# only when needed and closed after a minute idle. postgres.sh allows this many and a few more.
FERRETDB_PG_POOL=300
# The event trigger that gives FerretDB's collections the indexes its queries can use.
FERRETDB_INDEXES_SQL="$LOCAL_DIR/ferretdb/gin-indexes.sql"

# Built, of the wanted version, and with the PostgreSQL backend: bumping FERRETDB_VERSION rebuilds.
ferretdb_built() {
  [[ -x "$FERRETDB_BIN" ]] &&
    [[ "$("$FERRETDB_BIN" --version 2>/dev/null | head -n 1)" == "version: $FERRETDB_VERSION" ]] &&
    "$FERRETDB_BIN" --help 2>/dev/null | grep -q -- '--postgresql-url'
}

ferretdb_prereqs() {
  postgres_prereqs
  ferretdb_built && return 0
  command -v patch >/dev/null ||
    MISSING+=("patch: not found (needed once, to apply deploy/local/ferretdb/*.patch before building FerretDB); install it, e.g. apt-get install patch")
  command -v go >/dev/null ||
    MISSING+=("go: not found (needed once, to build FerretDB $FERRETDB_VERSION, the store used when there is no mongod on PATH and HOPPID_MONGODB_URL is not set); install Go 1.24+ from https://go.dev/dl/, or install mongod, or set HOPPID_MONGODB_URL to a running MongoDB")
}

# `go install ...@version` builds a binary that panics at start: the module lacks the generated
# build/version/version.txt. So: build from a writable copy of the module with that file written.
ferretdb_prepare() {
  ferretdb_built && return 0
  lock_cache
  if ! ferretdb_built; then
    local started=$SECONDS json module_dir scratch="$HOPPID_CACHE_DIR/build/ferretdb-$FERRETDB_VERSION"
    say "store: building FerretDB $FERRETDB_VERSION (PostgreSQL backend) from source into $FERRETDB_BIN (once; takes a few minutes) ..."
    # GOFLAGS/GOWORK cleared: a user's -mod=vendor or go.work must not steer this build.
    json="$(cd "$HOPPID_CACHE_DIR" && GOFLAGS='' GOWORK=off go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION")" ||
      die "store: 'go mod download $FERRETDB_MODULE@$FERRETDB_VERSION' failed: $json"
    module_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
    [[ -d "$module_dir" ]] || die "store: no module folder in the output of go mod download: $json"
    rm -rf "$scratch"
    mkdir -p "$(dirname "$scratch")" "$(dirname "$FERRETDB_BIN")"
    cp -R "$module_dir" "$scratch"
    chmod -R u+w "$scratch" # the module cache is read-only
    printf '%s\n' "$FERRETDB_VERSION" >"$scratch/build/version/version.txt"
    local patch
    for patch in "${FERRETDB_PATCHES[@]}"; do
      patch -d "$scratch" -p1 --forward --no-backup-if-mismatch --quiet <"$patch" ||
        die "store: applying $patch to FerretDB $FERRETDB_VERSION failed"
    done
    # ferretdb_no_sqlite: the PostgreSQL backend only; nothing here runs the SQLite one any more.
    (cd "$scratch" && GOFLAGS='' GOWORK=off go build -trimpath -tags ferretdb_no_sqlite \
      -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) || die "store: building FerretDB failed (see above)"
    mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
    rm -rf "$scratch"
    ferretdb_built || die "store: the FerretDB binary built but does not report version $FERRETDB_VERSION with the PostgreSQL backend"
    say "store: FerretDB built ($((SECONDS - started)) s)"
  fi
  unlock_cache
}

ferretdb_settings() {
  printf '%s' "FerretDB $(basename "$FERRETDB_BIN") $HOPPID_STORE_HOST:$HOPPID_STORE_PORT, debug port $HOPPID_FERRETDB_DEBUG_PORT, pool $FERRETDB_PG_POOL, $(postgres_settings)"
}

# FerretDB's database, and the event trigger in it, on every start: the SQL is idempotent, and an
# edited SQL file (or a stack made before it existed) is brought up to date, indexes included.
ferretdb_prepare_database() {
  if [[ "$(postgres_sql postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$FERRETDB_PG_DATABASE'")" != 1 ]]; then
    postgres_sql postgres -qc "CREATE DATABASE $FERRETDB_PG_DATABASE" >/dev/null ||
      die "store: could not create the PostgreSQL database $FERRETDB_PG_DATABASE (see $LOG_DIR/postgres.log)"
  fi
  postgres_sql "$FERRETDB_PG_DATABASE" -q -f "$FERRETDB_INDEXES_SQL" >/dev/null ||
    die "store: installing $FERRETDB_INDEXES_SQL into PostgreSQL failed (above)"
}

ferretdb_start() {
  local debug_addr="-" # FerretDB's own word for "no debug listener"
  require_free_port "$HOPPID_STORE_HOST" HOPPID_STORE_PORT
  if [[ "$HOPPID_FERRETDB_DEBUG_PORT" != off ]]; then
    require_free_port "$HOPPID_STORE_HOST" HOPPID_FERRETDB_DEBUG_PORT
    debug_addr="$HOPPID_STORE_HOST:$HOPPID_FERRETDB_DEBUG_PORT"
  fi
  postgres_up
  ferretdb_prepare_database
  if [[ -d "$HOPPID_STACK_DIR/ferretdb" ]]; then
    warn "store: $HOPPID_STACK_DIR/ferretdb holds the data of the earlier SQLite store, which is no longer read, and Kafka's topics and the demo keys still match it; 'stack.sh reset' (deletes the whole stack folder) starts over cleanly"
  fi
  mkdir -p "$HOPPID_STACK_DIR/ferretdb-state"
  say "store: starting FerretDB $FERRETDB_VERSION (PostgreSQL) at $HOPPID_STORE_HOST:$HOPPID_STORE_PORT"
  start_detached ferretdb "$LOG_DIR/ferretdb.log" "$FERRETDB_BIN" \
    --handler=postgresql \
    "--postgresql-url=$(postgres_url "$FERRETDB_PG_DATABASE")?pool_max_conns=$FERRETDB_PG_POOL&pool_max_conn_idle_time=1m" \
    "--listen-addr=$HOPPID_STORE_HOST:$HOPPID_STORE_PORT" \
    "--state-dir=$HOPPID_STACK_DIR/ferretdb-state" \
    "--debug-addr=$debug_addr" \
    --telemetry=disable \
    --log-format=console
  started_with ferretdb "$(ferretdb_settings)"
}

# A FerretDB on SQLite that an earlier version of this script started may still run; it is left
# running (other people's tests may be using it) until someone stops it.
ferretdb_on_sqlite() {
  local settings
  settings="$(started_with ferretdb)"
  [[ -n "$settings" && "$settings" != *PostgreSQL* ]]
}

# FerretDB first (its clients see the store go), then its PostgreSQL.
ferretdb_stop() {
  stop_process ferretdb
  postgres_down
}
