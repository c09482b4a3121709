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
load_kafka_credentials

EVENTS="${EVENTS:-5000}"
table="$("$PY" "$REPO/bench/consumer_throughput.py" "$EVENTS")"
echo "$table"
stamp="Made by \`EVENTS=$EVENTS make bench\` on $(date -u +%Y-%m-%d), $(nproc) cores, against the local stack (Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO/deploy/local/kafka/pom.xml"), one broker)."
# replace only what lies between the markers; the reading of the figures stays
"$PY" - "$REPO/docs/benchmarks.md" "$stamp" "$table" <<'PY'
import re, sys
path, stamp, table = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
block = f"<!-- bench:consumer_throughput -->\n{stamp}\n\n{table}\n<!-- /bench -->"
text = re.sub(r"<!-- bench:consumer_throughput -->.*?<!-- /bench -->", lambda _: block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY

# A county's size (COUNTY=county. make bench): five years of Møre og Romsdal seeded once into
# that instance (bench/seed_county.py, SCALE=1.0 by default: intake's cases and people,
# scheduling's meetings, notifications's deliveries), the staff case list measured on it, and
# the intake, scheduling and notifications benchmarks below run on it too (COUNTY is exported).
# Its figures are put in docs/benchmarks.md by hand, with the seeding's time: see the section
# "A county's size".
if [[ -n ${COUNTY:-} ]]; then
  export COUNTY
  "$PY" "$REPO/bench/seed_county.py" --prefix "$COUNTY" --scale "${SCALE:-1.0}" --if-missing
  "$PY" "$REPO/bench/case_list.py" "${REQUESTS:-300}" "${LIST_CONCURRENCY:-8}" --prefix "$COUNTY"
fi

# Public inquiries: intake against a bare FastAPI + PyMongo insert endpoint, in one run.
INQUIRIES="${INQUIRIES:-1000}"
CONCURRENCY="${CONCURRENCY:-16}"
table="$("$PY" "$REPO/bench/intake_throughput.py" "$INQUIRIES" "$CONCURRENCY")"
echo "$table"
store="$("$STACK" status 2>&1 | sed -n 's/^store: \(up (\)\{0,1\}\([a-z]*\).*/\2/p' || true)"
if [[ $store == ferretdb ]]; then
  store="FerretDB $(sed -n 's/^FERRETDB_VERSION=//p' "$REPO/deploy/local/ferretdb.sh") on PostgreSQL"
fi
stamp="Made by \`${COUNTY:+COUNTY=$COUNTY }INQUIRIES=$INQUIRIES CONCURRENCY=$CONCURRENCY make bench\` (bench/intake_throughput.py${COUNTY:+, on the seeded county}) on $(date -u +%Y-%m-%d), $(nproc) cores, against the local stack (${store:-the store of HOPPID_MONGODB_URL}, Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO/deploy/local/kafka/pom.xml"))."
"$PY" - "$REPO/docs/benchmarks.md" "$stamp" "$table" <<'PY'
import re, sys
path, stamp, table = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
block = f"<!-- bench:intake_throughput -->\n{stamp}\n\n{table}\n<!-- /bench -->"
text = re.sub(r"<!-- bench:intake_throughput -->.*?<!-- /bench -->", lambda _: block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY

# Scheduling: free-slot search latency (10 advisors, 8 weeks) and bookings/s under contention.
SEARCHES="${SEARCHES:-50}"
SLOTS="${SLOTS:-400}"
RACERS="${RACERS:-4}"
CLIENTS="${CLIENTS:-16}"
table="$("$PY" "$REPO/bench/scheduling_throughput.py" "$SEARCHES" "$SLOTS" "$RACERS" "$CLIENTS")"
echo "$table"
stamp="Made by \`${COUNTY:+COUNTY=$COUNTY }SEARCHES=$SEARCHES SLOTS=$SLOTS RACERS=$RACERS CLIENTS=$CLIENTS make bench\` (bench/scheduling_throughput.py $SEARCHES $SLOTS $RACERS $CLIENTS${COUNTY:+, on the seeded county}) on $(date -u +%Y-%m-%d), $(nproc) cores, against the local stack (${store:-the store of HOPPID_MONGODB_URL}, Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO/deploy/local/kafka/pom.xml"))."
"$PY" - "$REPO/docs/benchmarks.md" "$stamp" "$table" <<'PY'
import re, sys
path, stamp, table = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
block = f"<!-- bench:scheduling_throughput -->\n{stamp}\n\n{table}\n<!-- /bench -->"
text = re.sub(r"<!-- bench:scheduling_throughput -->.*?<!-- /bench -->", lambda _: block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY

# Notifications: SMTP ceiling, rendering alone, and events to mails in the loopback SMTP server.
MESSAGES="${MESSAGES:-300}"
table="$("$PY" "$REPO/bench/notifications_throughput.py" "$MESSAGES")"
echo "$table"
stamp="Made by \`${COUNTY:+COUNTY=$COUNTY }MESSAGES=$MESSAGES make bench\` (bench/notifications_throughput.py $MESSAGES${COUNTY:+, on the seeded county}) on $(date -u +%Y-%m-%d), $(nproc) cores, against the local stack (${store:-the store of HOPPID_MONGODB_URL}, Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO/deploy/local/kafka/pom.xml"))."
"$PY" - "$REPO/docs/benchmarks.md" "$stamp" "$table" <<'PY'
import re, sys
path, stamp, table = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
block = f"<!-- bench:notifications_throughput -->\n{stamp}\n\n{table}\n<!-- /bench -->"
text = re.sub(r"<!-- bench:notifications_throughput -->.*?<!-- /bench -->", lambda _: block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY

# Reporting: events projected per second, live (the service) and by a rebuild, beside a plain
# aiokafka consumer reading the same topics in the same run (the ceiling).
REPORTING_EVENTS="${REPORTING_EVENTS:-500}"
REBUILD_EVENTS="${REBUILD_EVENTS:-1000}"
table="$("$PY" "$REPO/bench/reporting_throughput.py" "$REPORTING_EVENTS" "$REBUILD_EVENTS")"
echo "$table"
stamp="Made by \`REPORTING_EVENTS=$REPORTING_EVENTS REBUILD_EVENTS=$REBUILD_EVENTS make bench\` (bench/reporting_throughput.py $REPORTING_EVENTS $REBUILD_EVENTS) on $(date -u +%Y-%m-%d), $(nproc) cores, against the local stack (${store:-the store of HOPPID_MONGODB_URL}, Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO/deploy/local/kafka/pom.xml"))."
"$PY" - "$REPO/docs/benchmarks.md" "$stamp" "$table" <<'PY'
import re, sys
path, stamp, table = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
block = f"<!-- bench:reporting_throughput -->\n{stamp}\n\n{table}\n<!-- /bench -->"
text = re.sub(r"<!-- bench:reporting_throughput -->.*?<!-- /bench -->", lambda _: block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY

# Outbox relay: a backlog of pending outbox entries to acknowledged records, beside a plain
# aiokafka producer sending the same events (the ceiling) and the relay's pass as it was before.
RELAY_EVENTS="${RELAY_EVENTS:-5000}"
RELAY_PER_DOCUMENT="${RELAY_PER_DOCUMENT:-5}"
table="$("$PY" "$REPO/bench/outbox_relay_throughput.py" "$RELAY_EVENTS" "$RELAY_PER_DOCUMENT")"
echo "$table"
stamp="Made by \`RELAY_EVENTS=$RELAY_EVENTS RELAY_PER_DOCUMENT=$RELAY_PER_DOCUMENT make bench\` (bench/outbox_relay_throughput.py $RELAY_EVENTS $RELAY_PER_DOCUMENT) on $(date -u +%Y-%m-%d), $(nproc) cores, against the local stack (${store:-the store of HOPPID_MONGODB_URL}, Kafka $(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO/deploy/local/kafka/pom.xml"))."
"$PY" - "$REPO/docs/benchmarks.md" "$stamp" "$table" <<'PY'
import re, sys
path, stamp, table = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
block = f"<!-- bench:outbox_relay_throughput -->\n{stamp}\n\n{table}\n<!-- /bench -->"
text = re.sub(r"<!-- bench:outbox_relay_throughput -->.*?<!-- /bench -->", lambda _: block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY
