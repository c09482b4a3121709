#!/usr/bin/env bash
# Backups of the local stack's store (every service's database and the vault with the people's
# data keys) and their restore. See docs/operations.md, "Backups".
#   scripts/backup.sh backup  [FILE]   default: $HOPPID_BACKUP_DIR/hoppid-store-<UTC time>.dump
#   scripts/backup.sh restore FILE     the store as in FILE, then every erasure recorded on
#                                      intake's topic made again (python -m hoppid.intake.reerase)
# The stack's settings (HOPPID_STACK_DIR, ports) and the platform's (HOPPID_TOPIC_PREFIX, ...) come
# from the environment, as for `make up` and `make run`. Stop the services before a restore and
# start them after it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
load_kafka_credentials  # a restore reads intake's topic: a SASL stack's admin user
STACK="$REPO/deploy/local/stack.sh"
BACKUP_DIR="${HOPPID_BACKUP_DIR:-$REPO/.backups}"

case "${1:-}" in
  backup)
    file="${2:-$BACKUP_DIR/hoppid-store-$(date -u +%Y%m%dT%H%M%SZ).dump}"
    "$STACK" backup "$file"
    ;;
  restore)
    [[ -n "${2:-}" ]] || die "restore: name the backup file (make restore FILE=...)"
    "$STACK" restore "$2"
    # the backup brought back the keys and data of people erased after it was taken; intake's
    # settings reach this stack's servers as `make run` points the services at them
    HOPPID_MONGODB_URL="mongodb://${HOPPID_STORE_HOST:-127.0.0.1}:${HOPPID_STORE_PORT:-27017}/" \
      HOPPID_KAFKA_BOOTSTRAP_SERVERS="${HOPPID_KAFKA_BOOTSTRAP_SERVERS:-${HOPPID_KAFKA_HOST:-127.0.0.1}:${HOPPID_KAFKA_PORT:-9092}}" \
      "$PY" -m hoppid.intake.reerase
    ;;
  *)
    sed -n '4,6s/^# \{0,1\}//p' "$0" >&2
    exit 2
    ;;
esac
