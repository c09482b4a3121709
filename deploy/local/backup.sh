# shellcheck shell=bash
# Backups of the local stack's store: every service's database and the vault (the people's data
# keys) at one instant. Sourced by stack.sh after store.sh.
#
# FerretDB keeps every MongoDB database as a schema of one PostgreSQL database, so one pg_dump
# (custom format) of it is a consistent snapshot of all of them, taken while everything runs. A
# restore stops FerretDB, replaces that PostgreSQL database with the dump's and starts FerretDB
# again. mongod: mongodump/mongorestore --archive. Kafka is not in the backup: its topics are the
# record of what happened since (docs/operations.md, "Backups").

store_backup() {
  local file="$1" kind
  [[ -n "$file" ]] || die "backup: name the file to write"
  [[ ! -e "$file" ]] || die "backup: $file exists; name a new file"
  [[ -z "$HOPPID_MONGODB_URL" ]] ||
    die "backup: the store is external (HOPPID_MONGODB_URL): back it up with mongodump or its snapshots (docs/operations.md)"
  kind="$(store_running)" || die "backup: the store is not running; start it with 'stack.sh up store'"
  mkdir -p "$(dirname "$file")"
  case "$kind" in
    ferretdb)
      # pg_dump reads one snapshot of the whole database: every service's data and the vault
      # agree with each other as of one instant, even with the services running
      PGCONNECT_TIMEOUT=5 "$POSTGRES_BIN_DIR/pg_dump" -h "$HOPPID_STORE_HOST" \
        -p "$HOPPID_POSTGRES_PORT" -U "$POSTGRES_USER" --format=custom --no-owner \
        --file="$file.part" "$FERRETDB_PG_DATABASE" || {
        rm -f "$file.part"
        die "backup: pg_dump failed (above)"
      }
      ;;
    mongod)
      command -v mongodump >/dev/null || die "backup: mongod runs, but mongodump is not on PATH"
      mongodump --uri="$STORE_URL" --archive="$file.part" --quiet || {
        rm -f "$file.part"
        die "backup: mongodump failed (above)"
      }
      ;;
  esac
  mv "$file.part" "$file" # a file by that name is always a whole backup
  say "backup: the store ($kind) written to $file ($(du -h "$file" | cut -f1))"
}

store_restore() {
  local file="$1" kind
  [[ -f "$file" ]] || die "restore: no backup file $file"
  [[ -z "$HOPPID_MONGODB_URL" ]] ||
    die "restore: the store is external (HOPPID_MONGODB_URL): restore it with mongorestore or its snapshots (docs/operations.md)"
  kind="$(store_running || store_wanted)"
  case "$kind" in
    ferretdb)
      # FerretDB caches what collections exist: it must not run while its database is replaced
      stop_process ferretdb
      postgres_up
      postgres_sql postgres -qc "DROP DATABASE IF EXISTS $FERRETDB_PG_DATABASE WITH (FORCE)" >/dev/null
      # --create: the database is made again as it was made (encoding, collation), then filled
      PGCONNECT_TIMEOUT=5 "$POSTGRES_BIN_DIR/pg_restore" -h "$HOPPID_STORE_HOST" \
        -p "$HOPPID_POSTGRES_PORT" -U "$POSTGRES_USER" --no-owner --exit-on-error \
        --create --dbname=postgres "$file" ||
        die "restore: pg_restore failed (above); the store is left stopped, run restore again"
      ;;
    mongod)
      command -v mongorestore >/dev/null || die "restore: mongorestore is not on PATH"
      store_up
      mongorestore --uri="$STORE_URL" --archive="$file" --drop --quiet ||
        die "restore: mongorestore failed (above)"
      ;;
  esac
  store_up
  say "restore: the store ($kind) holds $file again; erasures made since must be made again (scripts/backup.sh does)"
}
