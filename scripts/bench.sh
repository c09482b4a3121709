#!/usr/bin/env bash
# Benchmarks against the local stack (started if needed, stopped again if this started it).
# Figures go to docs/benchmarks.md with the command and the machine they came from.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$REPO/scripts/bootstrap.sh"
STACK="$REPO/deploy/local/stack.sh"
started_stack=0
trap '[[ $started_stack == 1 ]] && "$STACK" down' EXIT
if ! "$STACK" status >/dev/null 2>&1; then started_stack=1; "$STACK" up; fi

EVENTS="${EVENTS:-5000}"
table="$("$PY" "$REPO/bench/consumer_throughput.py" "$EVENTS")"
echo "$table"
{
  echo "# Benchmarks"
  echo
  echo "Made by \`EVENTS=$EVENTS make bench\` (bench/consumer_throughput.py) on $(date -u +%Y-%m-%d)," \
       "$(nproc) cores, against the local stack (Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO/deploy/local/kafka/pom.xml"), one broker)."
  echo "Baselines run in the same process on the same topic; machines are shared, so compare rows"
  echo "of one run, not runs."
  echo
  echo "$table"
} > "$REPO/docs/benchmarks.md.new"
mv "$REPO/docs/benchmarks.md.new" "$REPO/docs/benchmarks.md"
