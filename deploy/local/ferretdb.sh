# shellcheck shell=bash
# FerretDB, the MongoDB-compatible store used when there is no mongod: built once from source into
# the cache, run with its SQLite backend and the data in the stack dir. Sourced after lib.sh.

FERRETDB_VERSION=v1.24.2
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_BIN="$HOPPID_CACHE_DIR/bin/ferretdb"

# Built, and of the wanted version: bumping FERRETDB_VERSION rebuilds.
ferretdb_built() {
  [[ -x "$FERRETDB_BIN" ]] &&
    [[ "$("$FERRETDB_BIN" --version 2>/dev/null | head -n 1)" == "version: $FERRETDB_VERSION" ]]
}

ferretdb_prereqs() {
  ferretdb_built && return 0
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
    say "store: building FerretDB $FERRETDB_VERSION from source into $FERRETDB_BIN (once; takes a few minutes) ..."
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
    # ferretdb_no_postgresql: we only use the SQLite backend; a smaller binary.
    (cd "$scratch" && GOFLAGS='' GOWORK=off go build -trimpath -tags ferretdb_no_postgresql \
      -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) || die "store: building FerretDB failed (see above)"
    mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
    rm -rf "$scratch"
    ferretdb_built || die "store: the FerretDB binary built but does not report version $FERRETDB_VERSION"
    say "store: FerretDB built ($((SECONDS - started)) s)"
  fi
  unlock_cache
}

ferretdb_settings() {
  printf '%s' "FerretDB $HOPPID_STORE_HOST:$HOPPID_STORE_PORT, debug port $HOPPID_FERRETDB_DEBUG_PORT"
}

ferretdb_start() {
  local debug_addr="-" # FerretDB's own word for "no debug listener"
  require_free_port "$HOPPID_STORE_HOST" HOPPID_STORE_PORT
  if [[ "$HOPPID_FERRETDB_DEBUG_PORT" != off ]]; then
    require_free_port "$HOPPID_STORE_HOST" HOPPID_FERRETDB_DEBUG_PORT
    debug_addr="$HOPPID_STORE_HOST:$HOPPID_FERRETDB_DEBUG_PORT"
  fi
  # The SQLite URL must name an existing folder and end in a slash (one file per database).
  mkdir -p "$HOPPID_STACK_DIR/ferretdb" "$HOPPID_STACK_DIR/ferretdb-state"
  say "store: starting FerretDB $FERRETDB_VERSION (SQLite) at $HOPPID_STORE_HOST:$HOPPID_STORE_PORT"
  start_detached ferretdb "$LOG_DIR/ferretdb.log" "$FERRETDB_BIN" \
    --handler=sqlite \
    "--sqlite-url=file:$HOPPID_STACK_DIR/ferretdb/" \
    "--listen-addr=$HOPPID_STORE_HOST:$HOPPID_STORE_PORT" \
    "--state-dir=$HOPPID_STACK_DIR/ferretdb-state" \
    "--debug-addr=$debug_addr" \
    --telemetry=disable \
    --log-format=console
  started_with ferretdb "$(ferretdb_settings)"
}
