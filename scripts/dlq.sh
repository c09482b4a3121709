#!/usr/bin/env bash
# Dead letters: list a topic's <topic>.dlq (error and origin of each record) and re-drive chosen
# records to their topic once the cause is fixed. Kafka from HOPPID_KAFKA_BOOTSTRAP_SERVERS
# (default 127.0.0.1:9092). See docs/operations.md, "Dead letters".
#   scripts/dlq.sh list hoppid.intake [--pending] [--json] [--data]
#   scripts/dlq.sh redrive hoppid.intake --offsets 0:12,3:4-9 | --event-id ID | --all [filters]
set -euo pipefail
source "$(dirname "$0")/env.sh"
load_kafka_credentials  # a SASL stack: its admin user
exec "$PY" -m hoppid.shared.dlq "$@"
