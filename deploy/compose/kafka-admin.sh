#!/usr/bin/env bash
# The Kafka of docker-compose.yml, run inside the apache/kafka image as the broker's super user
# `admin` (SASL/PLAIN over the broker's internal listener, kafka:9094, not published):
#   kafka-admin.sh health   the broker answers (the kafka service's healthcheck)
#   kafka-admin.sh init     the SCRAM-SHA-512 users of the services and the partner, then the
#                           ACLs of acls.txt (the kafka-init service, once per `compose up`;
#                           adding what exists already changes nothing)
# Passwords come from the environment (HOPPID_KAFKA_<USER>_PASSWORD, compose's .env); they are
# never written to the compose file. docs/security.md, "Kafka".
set -euo pipefail

KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"
BOOTSTRAP="${HOPPID_KAFKA_ADMIN_BOOTSTRAP:-kafka:9094}"
ACLS="${HOPPID_KAFKA_ACLS:-/opt/hoppid/acls.txt}"
USERS=(admin intake scheduling notifications reporting partner)

die() {
  printf 'kafka-admin: %s\n' "$*" >&2
  exit 1
}

# HOPPID_KAFKA_<USER>_PASSWORD into PASSWORD, refused when missing, short or with characters
# the JAAS and SCRAM settings would have to quote (make one with `openssl rand -hex 24`).
password_of() {
  local name="HOPPID_KAFKA_${1^^}_PASSWORD"
  PASSWORD="${!name:-}"
  [[ -n "$PASSWORD" ]] || die "$name is not set"
  [[ "$PASSWORD" =~ ^[A-Za-z0-9._~-]{24,}$ ]] ||
    die "$name must be 24+ characters of A-Z a-z 0-9 . _ ~ - (e.g. openssl rand -hex 24)"
}

# admin's client settings in a file of its own: the password stays off the command lines.
password_of admin
ADMIN_CONFIG="$(mktemp)"
trap 'rm -f "$ADMIN_CONFIG"' EXIT
printf '%s\n' "security.protocol=SASL_PLAINTEXT" "sasl.mechanism=PLAIN" \
  "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$PASSWORD\";" \
  >"$ADMIN_CONFIG"

health() {
  "$KAFKA_BIN/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP" \
    --command-config "$ADMIN_CONFIG" >/dev/null
}

add_users() {
  local user
  for user in "${USERS[@]}"; do password_of "$user"; done # all refused before any is made
  for user in "${USERS[@]}"; do
    password_of "$user"
    "$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
      --alter --entity-type users --entity-name "$user" \
      --add-config "SCRAM-SHA-512=[password=$PASSWORD]" >/dev/null
    printf 'kafka-admin: SCRAM-SHA-512 user %s\n' "$user"
  done
}

# Each line of acls.txt: <user> <OPERATION[,OPERATION...]> <TOPIC|GROUP> <LITERAL|PREFIXED> <name>.
# One kafka-acls.sh (one JVM) per user, operations, type and pattern, with all their names.
add_acls() {
  local line text user operations kind pattern name extra op key lines=0
  local -A names=()
  local keys=() args ops
  [[ -r "$ACLS" ]] || die "cannot read $ACLS"
  while IFS= read -r line || [[ -n "$line" ]]; do
    text="${line%%#*}"
    read -r user operations kind pattern name extra <<<"$text" || true
    [[ -n "${user:-}" ]] || continue
    [[ -n "${name:-}" && -z "${extra:-}" ]] || die "not <user> <operations> <type> <pattern> <name>: $line"
    [[ "$kind" == TOPIC || "$kind" == GROUP ]] || die "unknown resource type $kind: $line"
    key="$user $operations $kind $pattern"
    [[ -v "names[$key]" ]] || keys+=("$key")
    names[$key]+=" $name"
    lines=$((lines + 1))
  done <"$ACLS"
  for key in "${keys[@]}"; do
    read -r user operations kind pattern <<<"$key"
    args=(--add --allow-principal "User:$user" --resource-pattern-type "${pattern,,}")
    IFS=, read -r -a ops <<<"$operations"
    for op in "${ops[@]}"; do args+=(--operation "$op"); done
    read -r -a ops <<<"${names[$key]}"
    for name in "${ops[@]}"; do args+=("--${kind,,}" "$name"); done
    "$KAFKA_BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
      "${args[@]}" >/dev/null
  done
  printf 'kafka-admin: the %d ACL lines of %s applied\n' "$lines" "$(basename "$ACLS")"
}

case "${1:-}" in
  health) health ;;
  init)
    add_users
    add_acls
    ;;
  *) die "usage: kafka-admin.sh health|init" ;;
esac
