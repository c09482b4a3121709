# Sourced by every script: where the repo and the caches are, and how uv behaves here.
# Downloads and builds live in HOPPID_CACHE_DIR, outside the repo, so a second run is fast.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO
export HOPPID_CACHE_DIR="${HOPPID_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hoppid}"
export UV_CACHE_DIR="${UV_CACHE_DIR:-$HOPPID_CACHE_DIR/uv}"
export UV_PYTHON_DOWNLOADS=never   # use the machine's Python 3.11+, never download one
export UV_VERSION="${UV_VERSION:-0.13.9}"
UV="$HOPPID_CACHE_DIR/uv-$UV_VERSION/bin/uv"
PY="$REPO/.venv/bin/python"
# The local stack's Kafka credentials for the tests and tools: <stack>/kafka/client.env (the admin
# user of a stack started with HOPPID_KAFKA_SASL=on, PLAINTEXT otherwise), unless the caller set
# HOPPID_KAFKA_SECURITY_PROTOCOL (another broker). Call it once the stack is up.
load_kafka_credentials() {
  local file="${HOPPID_STACK_DIR:-$REPO/.stack}/kafka/client.env" line
  [[ -z "${HOPPID_KAFKA_SECURITY_PROTOCOL:-}" && -f "$file" ]] || return 0
  while IFS= read -r line; do
    if [[ "$line" == HOPPID_KAFKA_*=* ]]; then export "${line?}"; fi
  done <"$file"
}
# The HOPPID_KAFKA_* lines of one service's own Kafka user on a SASL stack, or nothing: a
# platform with a topic prefix (a test's) keeps the admin user, as the ACLs name the unprefixed
# topics (deploy/local/kafka/acls.txt).
kafka_user_settings() {
  local file="${HOPPID_STACK_DIR:-$REPO/.stack}/kafka/credentials/$1.env"
  if [[ "${HOPPID_KAFKA_SECURITY_PROTOCOL:-}" == SASL_* && -z "${HOPPID_TOPIC_PREFIX:-}" && -f "$file" ]]; then
    grep '^HOPPID_KAFKA_' "$file"
  fi
}
say() { printf '\033[1mhoppid:\033[0m %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
