# shellcheck shell=bash
# The Kafka part of the local stack: jars from Maven Central (kafka/pom.xml) into the cache, a
# single KRaft node (broker + controller) with its data in the stack dir. Sourced after lib.sh.

KAFKA_POM="$LOCAL_DIR/kafka/pom.xml"
# The version lives in one place, the pom's <kafka.version>.
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n 1)"
[[ -n "$KAFKA_VERSION" ]] || die "no <kafka.version> in $KAFKA_POM"
KAFKA_HOME="$HOPPID_CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
# The pom's checksum, written after a complete download: a half-done download or an edited pom
# (say, a new log4j version) means fetching again.
KAFKA_POM_SUM_FILE="$KAFKA_HOME/pom.cksum"

KAFKA_STACK_DIR="$HOPPID_STACK_DIR/kafka"
KAFKA_DATA_DIR="$KAFKA_STACK_DIR/data"
KAFKA_PROPERTIES="$KAFKA_STACK_DIR/server.properties"
KAFKA_CLUSTER_ID_FILE="$KAFKA_STACK_DIR/cluster.id"
KAFKA_BOOTSTRAP="$HOPPID_KAFKA_HOST:$HOPPID_KAFKA_PORT"
KAFKA_READY_TIMEOUT=90

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

kafka_pom_sum() { cksum <"$KAFKA_POM"; }

kafka_jars_ready() {
  [[ -f "$KAFKA_POM_SUM_FILE" && -d "$KAFKA_LIBS" ]] && [[ "$(<"$KAFKA_POM_SUM_FILE")" == "$(kafka_pom_sum)" ]]
}

# The major version of $JAVA ("1.8.0_392" is 8, "17.0.15" is 17), or nothing.
java_major() {
  local version
  version="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  version="${version#1.}"
  printf '%s\n' "${version%%[.+-]*}"
}

# Appends what is missing to the MISSING array (stack.sh reports all of it at once).
kafka_prereqs() {
  local major
  if ! command -v "$JAVA" >/dev/null; then
    MISSING+=("java: not found (Kafka needs it); install a JDK 17+, e.g. apt-get install openjdk-17-jdk-headless")
  else
    major="$(java_major)"
    if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 17)); then
      MISSING+=("java: $("$JAVA" -version 2>&1 | head -n 1) is too old, Kafka $KAFKA_VERSION needs 17+; install a JDK 17+, e.g. apt-get install openjdk-17-jdk-headless (or point JAVA_HOME at one)")
    fi
  fi
  if ! kafka_jars_ready && ! command -v mvn >/dev/null; then
    MISSING+=("mvn: not found (needed once, to download the Kafka $KAFKA_VERSION jars into $KAFKA_LIBS); install Maven, e.g. apt-get install maven")
  fi
}

# Download the broker and tools jars once per pom version.
kafka_prepare() {
  kafka_jars_ready && return 0
  lock_cache
  if ! kafka_jars_ready; then
    local tmp="$KAFKA_HOME/libs.tmp.$$" started=$SECONDS
    say "kafka: downloading Kafka $KAFKA_VERSION jars with Maven into $KAFKA_LIBS (once) ..."
    rm -rf "$tmp"
    mkdir -p "$KAFKA_HOME"
    # Maven's output to a file (shown on failure): even -q -B leaves colour codes on a terminal.
    if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime >"$KAFKA_HOME/maven.log" 2>&1; then
      rm -rf "$tmp"
      show_log_tail "$KAFKA_HOME/maven.log"
      die "kafka: the Maven download failed (above); check the network or ~/.m2/settings.xml, then run again"
    fi
    # Swap in whole: a running broker keeps its open jars, a crash leaves no half-filled libs/.
    rm -rf "$KAFKA_LIBS"
    mv "$tmp" "$KAFKA_LIBS"
    kafka_pom_sum >"$KAFKA_POM_SUM_FILE"
    say "kafka: jars ready ($((SECONDS - started)) s)"
  fi
  unlock_cache
}

# The java command line for a Kafka class from the cached jars. Usage: kafka_java <log4j2 config>
# <jvm and class args...>
kafka_java() {
  local log_config="$1"
  shift
  KAFKA_JAVA_CMD=("$JAVA" -Djava.awt.headless=true "-Dlog4j2.configurationFile=$log_config"
    -cp "$KAFKA_LIBS/*" "$@")
}

# Fill @NAME@ placeholders of the template; pure bash, so paths need no escaping.
kafka_render_properties() {
  local text
  text="$(<"$LOCAL_DIR/kafka/server.properties.template")"
  text="${text//@KAFKA_HOST@/$HOPPID_KAFKA_HOST}"
  text="${text//@KAFKA_PORT@/$HOPPID_KAFKA_PORT}"
  text="${text//@KAFKA_CONTROLLER_PORT@/$HOPPID_KAFKA_CONTROLLER_PORT}"
  text="${text//@KAFKA_DATA_DIR@/$KAFKA_DATA_DIR}"
  printf '%s\n' "$text" >"$KAFKA_PROPERTIES"
}

# Format the KRaft storage on the first start only; meta.properties marks a formatted log dir.
kafka_format_once() {
  [[ -f "$KAFKA_DATA_DIR/meta.properties" ]] && return 0
  local cluster_id
  if [[ ! -s "$KAFKA_CLUSTER_ID_FILE" ]]; then
    kafka_java "$LOCAL_DIR/kafka/tools-log4j2.properties" kafka.tools.StorageTool random-uuid
    "${KAFKA_JAVA_CMD[@]}" >"$KAFKA_CLUSTER_ID_FILE" || die "kafka: could not generate a cluster id"
  fi
  cluster_id="$(<"$KAFKA_CLUSTER_ID_FILE")"
  say "kafka: first start, formatting storage in $KAFKA_DATA_DIR (cluster id $cluster_id)"
  kafka_java "$LOCAL_DIR/kafka/tools-log4j2.properties" kafka.tools.StorageTool format \
    --cluster-id "$cluster_id" --config "$KAFKA_PROPERTIES"
  "${KAFKA_JAVA_CMD[@]}" >>"$LOG_DIR/kafka-format.log" 2>&1 || {
    show_log_tail "$LOG_DIR/kafka-format.log"
    die "kafka: formatting the storage failed"
  }
}

kafka_settings() {
  printf '%s' "PLAINTEXT $KAFKA_BOOTSTRAP, CONTROLLER port $HOPPID_KAFKA_CONTROLLER_PORT, heap $HOPPID_KAFKA_HEAP"
}

kafka_up() {
  local pid
  if pid="$(running_pid kafka)"; then
    if [[ "$(started_with kafka)" != "$(kafka_settings)" ]]; then
      die "kafka: running (pid $pid) with other settings ($(started_with kafka)); run 'stack.sh down kafka' first to apply the new ones"
    fi
    if probe kafka "$KAFKA_BOOTSTRAP" >/dev/null 2>&1; then
      say "kafka: already running at $KAFKA_BOOTSTRAP (pid $pid)"
      return 0
    fi
    say "kafka: running (pid $pid) but not answering yet; waiting"
  else
    require_free_port "$HOPPID_KAFKA_HOST" HOPPID_KAFKA_PORT
    require_free_port "$HOPPID_KAFKA_HOST" HOPPID_KAFKA_CONTROLLER_PORT
    mkdir -p "$KAFKA_DATA_DIR"
    kafka_render_properties
    kafka_format_once
    say "kafka: starting at $KAFKA_BOOTSTRAP"
    kafka_java "$LOCAL_DIR/kafka/log4j2.properties" \
      "-Xms$HOPPID_KAFKA_HEAP" "-Xmx$HOPPID_KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      "-Dkafka.logs.dir=$LOG_DIR" kafka.Kafka "$KAFKA_PROPERTIES"
    # stdout/stderr get only what happens before log4j is up (JVM errors); the rest: kafka.log.
    start_detached kafka "$LOG_DIR/kafka.out" "${KAFKA_JAVA_CMD[@]}"
    started_with kafka "$(kafka_settings)"
  fi
  wait_ready kafka "$KAFKA_READY_TIMEOUT" "$LOG_DIR/kafka.log $LOG_DIR/kafka.out" \
    kafka "$KAFKA_BOOTSTRAP" || die "kafka: not up"
  say "kafka: up at $KAFKA_BOOTSTRAP (pid $(running_pid kafka); answered after $READY_SECONDS s)"
}

kafka_down() { stop_process kafka; }

# One line; status 0 when Kafka runs and answers.
kafka_status() {
  local pid answer
  if ! pid="$(running_pid kafka)"; then
    say "kafka: down"
    return 1
  fi
  if answer="$(probe kafka "$KAFKA_BOOTSTRAP" 2>&1)"; then
    say "kafka: up (pid $pid) - $answer"
    return 0
  fi
  say "kafka: running (pid $pid) but not answering - $answer"
  return 1
}

kafka_log_files() { printf '%s\n' "$LOG_DIR/kafka.log"; }

kafka_urls() { say "kafka bootstrap servers: $KAFKA_BOOTSTRAP"; }
