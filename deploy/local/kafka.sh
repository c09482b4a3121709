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
# SASL: each user's credentials (HOPPID_KAFKA_* lines a service or client reads), made once;
# client.env: what the tests and tools of this stack use (admin's, or PLAINTEXT).
KAFKA_CREDENTIALS_DIR="$KAFKA_STACK_DIR/credentials"
KAFKA_CLIENT_ENV="$KAFKA_STACK_DIR/client.env"
KAFKA_USERS=(admin intake scheduling notifications reporting partner)
KAFKA_ACLS="$LOCAL_DIR/kafka/acls.txt"
KAFKA_ACLS_DONE="$KAFKA_STACK_DIR/acls.applied"
# on or off, as the broker was last started: HOPPID_KAFKA_SASL unset means that
KAFKA_SASL_MODE_FILE="$KAFKA_STACK_DIR/sasl"
KAFKA_BOOTSTRAP="$HOPPID_KAFKA_HOST:$HOPPID_KAFKA_PORT"
KAFKA_READY_TIMEOUT=90

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

kafka_pom_sum() { cksum <"$KAFKA_POM"; }

kafka_sasl() {
  local mode="$HOPPID_KAFKA_SASL"
  if [[ -z "$mode" && -f "$KAFKA_SASL_MODE_FILE" ]]; then mode="$(<"$KAFKA_SASL_MODE_FILE")"; fi
  [[ "$mode" == on ]]
}

# One user's credentials file (made with a random password the first time).
kafka_user_env() { printf '%s\n' "$KAFKA_CREDENTIALS_DIR/$1.env"; }

kafka_password_of() { sed -n 's/^HOPPID_KAFKA_PASSWORD=//p' "$(kafka_user_env "$1")"; }

kafka_write_credentials() {
  local user file
  mkdir -p "$KAFKA_CREDENTIALS_DIR"
  chmod 700 "$KAFKA_CREDENTIALS_DIR"
  for user in "${KAFKA_USERS[@]}"; do
    file="$(kafka_user_env "$user")"
    [[ -s "$file" ]] && continue
    (
      umask 077
      printf '%s\n' "HOPPID_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT" \
        "HOPPID_KAFKA_SASL_MECHANISM=SCRAM-SHA-512" "HOPPID_KAFKA_USERNAME=$user" \
        "HOPPID_KAFKA_PASSWORD=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >"$file"
    )
  done
}

# What this stack's tests and tools authenticate with (scripts/env.sh reads it).
kafka_write_client_env() {
  if kafka_sasl; then
    (umask 077 && cp "$(kafka_user_env admin)" "$KAFKA_CLIENT_ENV")
  else
    printf '%s\n' "HOPPID_KAFKA_SECURITY_PROTOCOL=PLAINTEXT" >"$KAFKA_CLIENT_ENV"
  fi
}

# probe.py (and so wait_ready) authenticate as the stack's own client: admin on a SASL stack.
kafka_export_probe_credentials() {
  export HOPPID_KAFKA_SECURITY_PROTOCOL=PLAINTEXT HOPPID_KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \
    HOPPID_KAFKA_USERNAME="" HOPPID_KAFKA_PASSWORD=""
  if kafka_sasl && [[ -s "$(kafka_user_env admin)" ]]; then
    HOPPID_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT HOPPID_KAFKA_USERNAME=admin
    HOPPID_KAFKA_PASSWORD="$(kafka_password_of admin)"
  fi
}

kafka_probe() {
  kafka_export_probe_credentials
  probe kafka "$@"
}

# The broker's SASL block: SCRAM users on the client listener, the controller listener PLAIN with
# the broker's own (admin) password, the KRaft authorizer, admin the only super user.
kafka_sasl_settings() {
  kafka_sasl || return 0
  local password
  password="$(kafka_password_of admin)"
  printf '%s\n' \
    "sasl.enabled.mechanisms=SCRAM-SHA-512" \
    "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512" \
    "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$password\";" \
    "sasl.mechanism.controller.protocol=PLAIN" \
    "listener.name.controller.sasl.enabled.mechanisms=PLAIN" \
    "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$password\" user_admin=\"$password\";" \
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer" \
    "super.users=User:admin" \
    "allow.everyone.if.no.acl.found=false"
}

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
  if kafka_sasl; then
    text="${text//@CLIENT_LISTENER@/SASL_PLAINTEXT}"
    text="${text//@CONTROLLER_PROTOCOL@/SASL_PLAINTEXT}"
  else
    text="${text//@CLIENT_LISTENER@/PLAINTEXT}"
    text="${text//@CONTROLLER_PROTOCOL@/PLAINTEXT}"
  fi
  text="${text//@SASL_SETTINGS@/$(kafka_sasl_settings)}"
  # it holds the broker's password
  (umask 077 && printf '%s\n' "$text" >"$KAFKA_PROPERTIES")
}

# Format the KRaft storage on the first start only; meta.properties marks a formatted log dir.
# Every user's SCRAM credentials go into the new metadata log then, SASL or not, so the stack
# can be started with SASL later.
kafka_format_once() {
  if [[ -f "$KAFKA_DATA_DIR/meta.properties" ]]; then
    if kafka_sasl && [[ ! -f "$KAFKA_STACK_DIR/users.added" ]]; then
      die "kafka: $KAFKA_DATA_DIR was formatted before this stack had Kafka users, so SASL cannot start on it; 'stack.sh reset' (deletes its data) or HOPPID_KAFKA_SASL=off"
    fi
    return 0
  fi
  local scram=() user
  local cluster_id
  if [[ ! -s "$KAFKA_CLUSTER_ID_FILE" ]]; then
    kafka_java "$LOCAL_DIR/kafka/tools-log4j2.properties" kafka.tools.StorageTool random-uuid
    "${KAFKA_JAVA_CMD[@]}" >"$KAFKA_CLUSTER_ID_FILE" || die "kafka: could not generate a cluster id"
  fi
  cluster_id="$(<"$KAFKA_CLUSTER_ID_FILE")"
  say "kafka: first start, formatting storage in $KAFKA_DATA_DIR (cluster id $cluster_id)"
  for user in "${KAFKA_USERS[@]}"; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(kafka_password_of "$user")]")
  done
  kafka_java "$LOCAL_DIR/kafka/tools-log4j2.properties" kafka.tools.StorageTool format \
    --cluster-id "$cluster_id" --config "$KAFKA_PROPERTIES" "${scram[@]}"
  "${KAFKA_JAVA_CMD[@]}" >>"$LOG_DIR/kafka-format.log" 2>&1 || {
    show_log_tail "$LOG_DIR/kafka-format.log"
    die "kafka: formatting the storage failed"
  }
  touch "$KAFKA_STACK_DIR/users.added"
}

kafka_settings() {
  local listener=PLAINTEXT
  kafka_sasl && listener="SASL_PLAINTEXT (SCRAM-SHA-512, ACLs)"
  printf '%s' "$listener $KAFKA_BOOTSTRAP, CONTROLLER port $HOPPID_KAFKA_CONTROLLER_PORT, heap $HOPPID_KAFKA_HEAP"
}

# The ACLs of kafka/acls.txt, once per version of that file (StandardAuthorizer keeps them in the
# metadata log): one JVM running kafka/Acls.java as the admin user.
kafka_apply_acls() {
  kafka_sasl || return 0
  local sum
  sum="$(cksum <"$KAFKA_ACLS")"
  [[ -f "$KAFKA_ACLS_DONE" && "$(<"$KAFKA_ACLS_DONE")" == "$sum" ]] && return 0
  kafka_java "$LOCAL_DIR/kafka/tools-log4j2.properties" "$LOCAL_DIR/kafka/Acls.java" \
    "$KAFKA_BOOTSTRAP" "$KAFKA_ACLS"
  # the password in the environment, not on a command line every local user can read
  KAFKA_ADMIN_PASSWORD="$(kafka_password_of admin)" "${KAFKA_JAVA_CMD[@]}" \
    >>"$LOG_DIR/kafka-acls.log" 2>&1 || {
    show_log_tail "$LOG_DIR/kafka-acls.log"
    die "kafka: creating the ACLs failed"
  }
  printf '%s\n' "$sum" >"$KAFKA_ACLS_DONE"
  say "kafka: ACLs of $(basename "$KAFKA_ACLS") applied (log: $LOG_DIR/kafka-acls.log)"
}

kafka_up() {
  local pid
  if pid="$(running_pid kafka)"; then
    if [[ "$(started_with kafka)" != "$(kafka_settings)" ]]; then
      die "kafka: running (pid $pid) with other settings ($(started_with kafka)); run 'stack.sh down kafka' first to apply the new ones"
    fi
    if kafka_probe "$KAFKA_BOOTSTRAP" >/dev/null 2>&1; then
      say "kafka: already running at $KAFKA_BOOTSTRAP (pid $pid)"
      return 0
    fi
    say "kafka: running (pid $pid) but not answering yet; waiting"
  else
    require_free_port "$HOPPID_KAFKA_HOST" HOPPID_KAFKA_PORT
    require_free_port "$HOPPID_KAFKA_HOST" HOPPID_KAFKA_CONTROLLER_PORT
    mkdir -p "$KAFKA_DATA_DIR"
    kafka_write_credentials
    kafka_export_probe_credentials
    if kafka_sasl; then echo on >"$KAFKA_SASL_MODE_FILE"; else echo off >"$KAFKA_SASL_MODE_FILE"; fi
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
  kafka_apply_acls
  kafka_write_client_env
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
  if answer="$(kafka_probe "$KAFKA_BOOTSTRAP" 2>&1)"; then
    say "kafka: up (pid $pid) - $answer"
    return 0
  fi
  say "kafka: running (pid $pid) but not answering - $answer"
  return 1
}

kafka_log_files() { printf '%s\n' "$LOG_DIR/kafka.log"; }

kafka_urls() {
  say "kafka bootstrap servers: $KAFKA_BOOTSTRAP"
  if kafka_sasl; then
    say "kafka: SASL_PLAINTEXT, SCRAM-SHA-512; credentials of each user in $KAFKA_CREDENTIALS_DIR/ (tests and tools: $KAFKA_CLIENT_ENV)"
  fi
}
