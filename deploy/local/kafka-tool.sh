#!/usr/bin/env bash
# Run a Kafka command-line tool from the local stack's jars (there is no Kafka bin/ folder here).
#
#   kafka-tool.sh <tool> [args...]
#
# <tool> is a short name (also accepted as kafka-<name> or kafka-<name>.sh, like Kafka's scripts)
# or a fully qualified main class. For example:
#   kafka-tool.sh producer-perf-test --topic t --num-records 1000 --record-size 100 \
#     --throughput -1 --producer-props bootstrap.servers=127.0.0.1:9092
#   kafka-tool.sh topics --bootstrap-server 127.0.0.1:9092 --list
# `kafka-tool.sh --list` shows the short names. Tool logging: warnings to stderr
# (kafka/tools-log4j2.properties). Extra JVM options: KAFKA_TOOL_OPTS (e.g. -Xmx1g).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=kafka.sh
source "$HERE/kafka.sh"

# Short name -> main class, as in Kafka 4.1's bin/ scripts (checked against the jars).
TOOLS="
producer-perf-test        org.apache.kafka.tools.ProducerPerformance
consumer-perf-test        org.apache.kafka.tools.ConsumerPerformance
share-consumer-perf-test  org.apache.kafka.tools.ShareConsumerPerformance
e2e-latency               org.apache.kafka.tools.EndToEndLatency
topics                    org.apache.kafka.tools.TopicCommand
consumer-groups           org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
share-groups              org.apache.kafka.tools.consumer.group.ShareGroupCommand
streams-groups            org.apache.kafka.tools.streams.StreamsGroupCommand
console-producer          org.apache.kafka.tools.ConsoleProducer
console-consumer          org.apache.kafka.tools.consumer.ConsoleConsumer
get-offsets               org.apache.kafka.tools.GetOffsetShell
configs                   kafka.admin.ConfigCommand
delete-records            org.apache.kafka.tools.DeleteRecordsCommand
log-dirs                  org.apache.kafka.tools.LogDirsCommand
leader-election           org.apache.kafka.tools.LeaderElectionCommand
reassign-partitions       org.apache.kafka.tools.reassign.ReassignPartitionsCommand
transactions              org.apache.kafka.tools.TransactionsCommand
acls                      org.apache.kafka.tools.AclCommand
features                  org.apache.kafka.tools.FeatureCommand
metadata-quorum           org.apache.kafka.tools.MetadataQuorumCommand
cluster                   org.apache.kafka.tools.ClusterTool
verifiable-producer       org.apache.kafka.tools.VerifiableProducer
verifiable-consumer       org.apache.kafka.tools.VerifiableConsumer
dump-log                  kafka.tools.DumpLogSegments
storage                   kafka.tools.StorageTool
"

if (($# == 0)) || [[ "$1" == -h || "$1" == --help ]]; then
  sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi
if [[ "$1" == --list ]]; then
  printf '%s\n' "$TOOLS" | sed '/^$/d'
  exit 0
fi

tool="${1%.sh}"
tool="${tool#kafka-}"
shift
if [[ "$tool" == *.* ]]; then
  main_class="$tool"
else
  main_class="$(awk -v name="$tool" '$1 == name { print $2 }' <<<"$TOOLS")"
  [[ -n "$main_class" ]] || die "unknown Kafka tool '$tool'; 'kafka-tool.sh --list' shows the known ones, or give a main class"
fi

MISSING=()
kafka_prereqs
if ((${#MISSING[@]})); then
  warn "cannot run Kafka tools; missing prerequisites:"
  printf '  - %s\n' "${MISSING[@]}" >&2
  exit 1
fi
kafka_prepare >&2

read -r -a extra_opts <<<"${KAFKA_TOOL_OPTS:-}"
kafka_java "$LOCAL_DIR/kafka/tools-log4j2.properties" "${extra_opts[@]}" "$main_class" "$@"
exec "${KAFKA_JAVA_CMD[@]}"
