#!/usr/bin/env bash
# stack.sh — run a REAL single-node Apache Kafka (KRaft) and a REAL Elasticsearch
# (or OpenSearch: LOGPIPE_SEARCH_ENGINE=opensearch) on loopback for the log
# pipeline, from Maven Central artifacts only.
#
#   deploy/stack.sh up | down | status | logs [kafka|es] [-f] | help
#
# Why Maven: this environment reaches Maven Central but not apache.org/elastic.co,
# so Kafka is assembled from its jars (kafka_2.13 + kafka-tools + reload4j) and
# Elasticsearch from its "integ-test-zip" distribution. Everything downloaded stays
# in the local Maven repository (~/.m2), so a second `up` needs no network at all.
# See deploy/README.md for details, versions and measured timings.
set -euo pipefail
umask 022   # dist/ must stay readable by the unprivileged Elasticsearch user

# ----------------------------------------------------------------------------
# Configuration (environment variables, all defaulting to loopback)
# ----------------------------------------------------------------------------
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$SCRIPT_DIR")"

KAFKA_PORT="${LOGPIPE_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${LOGPIPE_KAFKA_CONTROLLER_PORT:-9093}"
ES_PORT="${LOGPIPE_ES_PORT:-9200}"
ES_TRANSPORT_PORT="${LOGPIPE_ES_TRANSPORT_PORT:-9300}"
# True if every directory from / down to $1 can be entered by other users.
world_searchable() {
  local p="$1"
  while [[ -n "$p" && "$p" != "/" ]]; do
    (( 8#$(stat -c %a "$p") & 1 )) || return 1
    p=$(dirname "$p")
  done
}
# Default: under the build tree. When root runs a checkout that other users cannot enter (e.g. under
# /root), Elasticsearch (which runs as an unprivileged user) could not reach it, so the default becomes a
# fixed per-checkout directory under /var/tmp instead. Every subcommand computes the same path.
default_stack_dir() {
  if (( EUID == 0 )) && ! world_searchable "$REPO_DIR"; then
    echo "/var/tmp/logpipe-stack-$(printf %s "$REPO_DIR" | cksum | cut -d' ' -f1)"
  else
    echo "$REPO_DIR/build/stack"
  fi
}
STACK_DIR="${LOGPIPE_STACK_DIR:-$(default_stack_dir)}"
# Pinned defaults (newest 3.9.x / 8.x on Maven Central when this was written);
# pinning keeps warm runs offline and reproducible.
KAFKA_VERSION="${LOGPIPE_KAFKA_VERSION:-3.9.2}"
ES_VERSION="${LOGPIPE_ES_VERSION:-8.19.21}"
KAFKA_HEAP="${LOGPIPE_KAFKA_HEAP:-512m}"
ES_HEAP="${LOGPIPE_ES_HEAP:-1g}"
READY_TIMEOUT="${LOGPIPE_READY_TIMEOUT:-120}"   # seconds, per engine
STOP_TIMEOUT="${LOGPIPE_STOP_TIMEOUT:-30}"      # seconds before SIGKILL
# Elasticsearch refuses to run as root; when this script runs as root, ES runs as this user.
ES_USER="${LOGPIPE_ES_USER:-nobody}"
# The search engine: elasticsearch (default) or opensearch; same ports, same subcommand name "es".
SEARCH_ENGINE="${LOGPIPE_SEARCH_ENGINE:-elasticsearch}"
OPENSEARCH_VERSION="${LOGPIPE_OPENSEARCH_VERSION:-2.19.1}"
# Elasticsearch only: "on" = TLS on HTTP (a CA and certificate made with openssl) and a file-realm user.
ES_SECURITY="${LOGPIPE_ES_SECURITY:-off}"
ES_SECURITY_USER="${LOGPIPE_ES_SECURITY_USER:-logpipe}"

HOST=127.0.0.1
MVN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
READY_TOPIC="logpipe-stack-readiness"

# Layout under $STACK_DIR
DIST_DIR="$STACK_DIR/dist"                   # generated poms, classpath, unpacked ES
KAFKA_DIR="$STACK_DIR/kafka"                 # server.properties, log4j, data/
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOGS="$STACK_DIR/logs/kafka"
STARTED_MARKER="$STACK_DIR/started-by-up"
KAFKA_CP_FILE="$DIST_DIR/kafka-$KAFKA_VERSION/classpath.txt"

# The search engine's names. Both are "es" on the command line (up es, down es) and use LOGPIPE_ES_*
# ports; each keeps its own directories, so switching engines never mixes data.
case "$SEARCH_ENGINE" in
  elasticsearch)
    ENGINE_LABEL="Elasticsearch"; ENGINE_VERSION="$ES_VERSION"
    ENGINE_GROUP="org.elasticsearch.distribution.integ-test-zip"; ENGINE_ARTIFACT="elasticsearch"
    ENGINE_ENV="ES"   # the launcher's variables: ES_JAVA_HOME, ES_PATH_CONF, ...
    ES_DIR="$STACK_DIR/es"; ES_LOGS="$STACK_DIR/logs/es" ;;
  opensearch)
    ENGINE_LABEL="OpenSearch"; ENGINE_VERSION="$OPENSEARCH_VERSION"
    ENGINE_GROUP="org.opensearch.distribution.integ-test-zip"; ENGINE_ARTIFACT="opensearch"
    ENGINE_ENV="OPENSEARCH"
    ES_DIR="$STACK_DIR/opensearch"; ES_LOGS="$STACK_DIR/logs/opensearch" ;;
  *) echo "stack.sh: error: LOGPIPE_SEARCH_ENGINE=$SEARCH_ENGINE: use elasticsearch or opensearch" >&2; exit 1 ;;
esac
ES_CONF="$ES_DIR/config"                     # config/, data/, tmp/ (owned by the ES user)
ES_PID="$ES_DIR/es.pid"                      # written by the engine itself (-p)
ES_HOME="$DIST_DIR/$ENGINE_ARTIFACT-$ENGINE_VERSION"
SECURITY_DIR="$STACK_DIR/security"           # LOGPIPE_ES_SECURITY=on: ca.pem, http.pem/key, password
ES_SCHEME=http
[[ "$ES_SECURITY" == on ]] && ES_SCHEME=https

# ----------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------
log()  { echo "[stack] $*"; }
warn() { echo "[stack] WARNING: $*" >&2; }
die()  { echo "stack.sh: error: $*" >&2; exit 1; }

now() { date +%s; }

# Why a process failed, on one line, for the error message (a harness may show only the start of a long
# message): the last error line of the first log that has one, with the line after it (Kafka logs
# "Exiting Kafka due to fatal exception" and then the exception).
last_error() {
  local f line
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    line="$(grep -E -A 1 'FATAL|ERROR|^Error|^Exception' "$f" 2>/dev/null | grep -v '^--$' | tail -n 2 | tr '\n' ' ' || true)"
    [[ -n "$line" ]] && { echo "${line:0:500}(in $(basename "$f"))"; return 0; }
  done
  echo "no error line in its logs"
}

# Print the last lines of the given log files (for failure diagnostics).
show_tail() {
  local f
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    echo "----- last lines of $f -----" >&2
    tail -n 25 "$f" >&2 || true
  done
}

need_java() {
  command -v java >/dev/null 2>&1 || die "java not found on PATH (need Java 17+, e.g. apt-get install openjdk-17-jre-headless)"
  JAVA_BIN="$(readlink -f "$(command -v java)")"
  JAVA_HOME_DIR="$(dirname "$(dirname "$JAVA_BIN")")"
  local ver major
  ver="$("$JAVA_BIN" -version 2>&1 | head -n 1 | sed -E 's/.*version "([^"]+)".*/\1/')"
  major="${ver%%.*}"; [[ "$major" == 1 ]] && major="$(cut -d. -f2 <<<"$ver")"
  [[ "$major" =~ ^[0-9]+$ ]] || die "could not parse java version from '$JAVA_BIN -version'"
  (( major >= 17 )) || die "java $ver at $JAVA_BIN is too old (need 17+)"
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH (needed to fetch Kafka/Elasticsearch from Maven Central; apt-get install maven)"
}

# Is something listening on 127.0.0.1:$1 (or any address on that port)?
port_in_use() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]
  else
    (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null
  fi
}

# Who holds a port (best effort, for the error message).
port_owner() {
  local out=""
  if command -v ss >/dev/null 2>&1; then
    out="$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1 || true)"
  fi
  echo "${out:-unknown process}"
}

# Refuse to start when a port is taken by a process that is not ours.
check_ports_free() {
  local engine="$1"; shift
  local p
  for p in "$@"; do
    if port_in_use "$p"; then
      die "$engine: port $p is already in use by another process ($(port_owner "$p")); free it or set LOGPIPE_*_PORT"
    fi
    # A port in the kernel's ephemeral range can also be the local end of some client's connection; the
    # server then dies on bind. Say so now rather than after the JVM started.
    if command -v ss >/dev/null 2>&1 && [[ -n "$(ss -Htn state established "sport = :$p" 2>/dev/null)" ]]; then
      die "$engine: port $p is the local port of an open connection (it is in the ephemeral range $(tr -s '\t ' - </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)); use a port below it (set LOGPIPE_*_PORT)"
    fi
  done
}

# pid from a pid file if that process is alive AND its command line contains
# $2 (guards against pid reuse: we only ever touch processes we started).
# Removes stale pid files. Prints the pid, returns 1 if not running.
live_pid() {
  local pidfile="$1" marker="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(tr -dc '0-9' <"$pidfile" 2>/dev/null || true)"
  for _ in 1 2 3; do
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || break
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; then
      echo "$pid"; return 0
    fi
    # Alive but not (yet) matching: while a process is in execve its cmdline reads empty for a moment.
    # Look again before calling the pid file stale.
    sleep 0.2
  done
  rm -f "$pidfile"   # stale: process gone (or pid reused by something else)
  return 1
}

kafka_pid() { live_pid "$KAFKA_PID" "$KAFKA_DIR/server.properties"; }
es_pid()    { live_pid "$ES_PID" "$ES_HOME"; }

# SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; verify the process is gone.
stop_pid() {
  local name="$1" pid="$2" deadline
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( $(now) + STOP_TIMEOUT ))
  while kill -0 "$pid" 2>/dev/null && (( $(now) < deadline )); do sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name (pid $pid) did not stop within ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  if kill -0 "$pid" 2>/dev/null; then
    die "$name (pid $pid) is still alive after SIGKILL"
  fi
  log "$name stopped"
}

# Run `mvn build-classpath` on a generated pom: offline first (warm ~/.m2, no
# network), online only if something is missing. Writes the classpath to $2.
mvn_classpath() {
  local pom="$1" out="$2" mlog="$1.mvn.log"
  if mvn -o -B -q -f "$pom" "$MVN_DEP_PLUGIN:build-classpath" \
        -Dmdep.outputFile="$out" -Dmdep.includeScope=runtime >"$mlog" 2>&1; then
    return 0
  fi
  log "fetching from Maven Central: $(basename "$(dirname "$pom")") (one-time, cached in ~/.m2)"
  if ! mvn -B -q -f "$pom" "$MVN_DEP_PLUGIN:build-classpath" \
        -Dmdep.outputFile="$out" -Dmdep.includeScope=runtime >"$mlog" 2>&1; then
    show_tail "$mlog"
    die "mvn could not resolve $(basename "$(dirname "$pom")") (see $mlog)"
  fi
}

# True if every entry of a ':'-separated classpath file exists (~/.m2 not wiped).
classpath_ok() {
  local f="$1" entry
  [[ -s "$f" ]] || return 1
  IFS=':' read -r -a _cp <"$f"
  for entry in "${_cp[@]}"; do [[ -e "$entry" ]] || return 1; done
}

# ----------------------------------------------------------------------------
# Kafka
# ----------------------------------------------------------------------------

# Resolve kafka_2.13 (broker), kafka-tools (TopicCommand, console consumer) and a
# reload4j slf4j binding into a classpath that points straight into ~/.m2.
kafka_fetch() {
  classpath_ok "$KAFKA_CP_FILE" && return 0
  need_mvn
  local d; d="$(dirname "$KAFKA_CP_FILE")"; mkdir -p "$d"
  cat >"$d/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- generated by deploy/stack.sh: only used to resolve the Kafka runtime classpath -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>logpipe.stack</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version>
      <!-- Connect's REST runtime (jetty/jersey) is not needed by the tools we use -->
      <exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion></exclusions>
    </dependency>
    <!-- Kafka 3.x logs through slf4j 1.7 + reload4j (same versions as its binary tarball) -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
  </dependencies>
</project>
EOF
  mvn_classpath "$d/pom.xml" "$KAFKA_CP_FILE.tmp"
  mv "$KAFKA_CP_FILE.tmp" "$KAFKA_CP_FILE"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DIR" "$KAFKA_DATA" "$KAFKA_LOGS"
  # Rewritten on every start so port changes take effect; data/ is kept.
  cat >"$KAFKA_DIR/server.properties" <<EOF
# generated by deploy/stack.sh — single node, KRaft combined mode, loopback only
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  # Broker logging: files only (nothing on stdout, which goes to kafka.out anyway).
  cat >"$KAFKA_DIR/log4j.properties" <<EOF
log4j.rootLogger=INFO, kafkaAppender
log4j.appender.kafkaAppender=org.apache.log4j.DailyRollingFileAppender
log4j.appender.kafkaAppender.DatePattern='.'yyyy-MM-dd
log4j.appender.kafkaAppender.File=$KAFKA_LOGS/server.log
log4j.appender.kafkaAppender.layout=org.apache.log4j.PatternLayout
log4j.appender.kafkaAppender.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stateChangeAppender=org.apache.log4j.DailyRollingFileAppender
log4j.appender.stateChangeAppender.DatePattern='.'yyyy-MM-dd
log4j.appender.stateChangeAppender.File=$KAFKA_LOGS/state-change.log
log4j.appender.stateChangeAppender.layout=org.apache.log4j.PatternLayout
log4j.appender.stateChangeAppender.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka=INFO
log4j.logger.state.change.logger=INFO, stateChangeAppender
log4j.additivity.state.change.logger=false
EOF
  # CLI tools (topic/producer/consumer used for readiness): warnings to stderr only.
  cat >"$KAFKA_DIR/tools-log4j.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
EOF
}

# Run a Kafka JVM tool class (bounded by `timeout` so a hung broker cannot hang us).
# Small, fast-starting JVM; stdin as given by the caller.
kafka_tool() {
  timeout 30 "$JAVA_BIN" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Djava.awt.headless=true -Dlog4j.configuration="file:$KAFKA_DIR/tools-log4j.properties" \
    -cp "$(cat "$KAFKA_CP_FILE")" "$@"
}

# KRaft storage must be formatted exactly once (meta.properties marks it).
kafka_format_once() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  local uuid
  uuid="$(kafka_tool kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOGS/tools.err" | tail -n 1)"
  [[ -n "$uuid" ]] || { show_tail "$KAFKA_LOGS/tools.err"; die "kafka: could not generate a cluster id"; }
  log "formatting Kafka KRaft storage (cluster id $uuid)"
  kafka_tool kafka.tools.StorageTool format -t "$uuid" -c "$KAFKA_DIR/server.properties" \
    >>"$KAFKA_LOGS/tools.err" 2>&1 || { show_tail "$KAFKA_LOGS/tools.err"; die "kafka: storage format failed"; }
}

kafka_start() {
  kafka_write_config
  kafka_format_once
  log "starting Kafka $KAFKA_VERSION on $HOST:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
  local cp; cp="$(cat "$KAFKA_CP_FILE")"
  # setsid: own session, survives the caller's shell; all fds redirected so a CI
  # pipe reading our output is not held open; 9>&- drops our lock fd.
  # The bash wrapper writes its own pid and then exec's java, so the pid file is java's pid.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$KAFKA_PID" \
    "$JAVA_BIN" "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dkafka.logs.dir="$KAFKA_LOGS" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
    -cp "$cp" kafka.Kafka "$KAFKA_DIR/server.properties" \
    </dev/null >"$KAFKA_LOGS/kafka.out" 2>&1 9>&- &
  disown || true
  for _ in $(seq 1 50); do [[ -s "$KAFKA_PID" ]] && break; sleep 0.1; done   # wrapper writes it at once
}

# Ready = a topic can be created AND a record round-trips through it.
# The consumer uses a fixed group, so each check reads the next unread record;
# older leftovers from an interrupted check are skipped until ours comes back.
kafka_ready_once() {
  local bs="$HOST:$KAFKA_PORT" token got err="$KAFKA_LOGS/tools.err"
  port_in_use "$KAFKA_PORT" || return 1
  : >"$err"   # keep only the latest attempt's tool output (shown on failure)
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" \
    --create --if-not-exists --topic "$READY_TOPIC" --partitions 1 --replication-factor 1 \
    </dev/null >/dev/null 2>>"$err" || return 1
  token="ready-$(now)-$$-$RANDOM"
  echo "$token" | kafka_tool kafka.tools.ConsoleProducer --bootstrap-server "$bs" \
    --topic "$READY_TOPIC" --producer-property acks=all >/dev/null 2>>"$err" || return 1
  for _ in 1 2 3 4 5; do
    got="$(kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$bs" \
      --topic "$READY_TOPIC" --group logpipe-stack-readiness \
      --consumer-property auto.offset.reset=earliest --max-messages 1 --timeout-ms 15000 \
      </dev/null 2>>"$err" || true)"
    [[ "$got" == "$token" ]] && return 0
    [[ "$got" == ready-* ]] || return 1   # nothing came back
  done
  return 1
}

# ----------------------------------------------------------------------------
# Elasticsearch
# ----------------------------------------------------------------------------

# Resolve the integ-test-zip (lands in ~/.m2) and unpack it once into dist/.
es_fetch() {
  [[ -f "$ES_HOME/.logpipe-unpacked" ]] && return 0
  need_mvn
  local d="$DIST_DIR/$ENGINE_ARTIFACT-$ENGINE_VERSION-pom" zip
  mkdir -p "$d"
  cat >"$d/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- generated by deploy/stack.sh: only used to fetch the $ENGINE_LABEL zip into ~/.m2 -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>logpipe.stack</groupId><artifactId>$ENGINE_ARTIFACT-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>$ENGINE_GROUP</groupId><artifactId>$ENGINE_ARTIFACT</artifactId>
      <version>$ENGINE_VERSION</version><type>zip</type></dependency>
  </dependencies>
</project>
EOF
  mvn_classpath "$d/pom.xml" "$d/zip-path.txt"
  zip="$(cat "$d/zip-path.txt")"
  [[ -f "$zip" ]] || die "$SEARCH_ENGINE: mvn did not produce the zip ($zip)"
  log "unpacking $(basename "$zip") into $DIST_DIR"
  local tmp="$DIST_DIR/.unpack-es-$$"
  rm -rf "$tmp" "$ES_HOME"; mkdir -p "$tmp"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$zip" -d "$tmp"
  else
    (cd "$tmp" && "$JAVA_HOME_DIR/bin/jar" xf "$zip") || die "need unzip or jar to unpack $zip"
  fi
  mv "$tmp/$ENGINE_ARTIFACT-$ENGINE_VERSION" "$ES_HOME"; rm -rf "$tmp"
  chmod -R a+rX "$ES_HOME"; chmod a+x "$ES_HOME"/bin/*
  touch "$ES_HOME/.logpipe-unpacked"
}

# Elasticsearch refuses to run as root: when we are root, drop to $ES_USER.
es_user_prefix() {
  ES_AS_USER=()
  if (( EUID == 0 )); then
    id "$ES_USER" >/dev/null 2>&1 || die "$SEARCH_ENGINE cannot run as root and user '$ES_USER' does not exist (set LOGPIPE_ES_USER)"
    ES_AS_USER=(setpriv --reuid="$(id -u "$ES_USER")" --regid="$(id -g "$ES_USER")" --clear-groups)
  fi
}

# LOGPIPE_ES_SECURITY=on: a CA and an HTTP certificate for localhost and 127.0.0.1, made once with openssl
# and kept in $SECURITY_DIR (ca.pem is what clients trust), plus a random password for the file-realm
# user $ES_SECURITY_USER in $SECURITY_DIR/password (mode 600).
security_material() {
  command -v openssl >/dev/null 2>&1 || die "LOGPIPE_ES_SECURITY=on needs the openssl tool (apt-get install openssl)"
  mkdir -p "$SECURITY_DIR"
  chmod 700 "$SECURITY_DIR"
  local d="$SECURITY_DIR"
  if [[ ! -s "$d/http.pem" ]]; then
    log "making a test CA and an HTTP certificate in $d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=logpipe stack CA" \
      -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || die "openssl: could not make the CA"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout "$d/http.key" -out "$d/http.csr" 2>/dev/null || die "openssl: could not make the HTTP key"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$d/http.ext"
    openssl x509 -req -in "$d/http.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 3650 \
      -extfile "$d/http.ext" -out "$d/http.pem" 2>/dev/null || die "openssl: could not sign the HTTP certificate"
    rm -f "$d/http.csr" "$d/http.ext" "$d/ca.srl"
  fi
  if [[ ! -s "$d/password" ]]; then
    (umask 077; openssl rand -hex 16 >"$d/password")
  fi
}

# curl arguments for the engine's HTTP port: scheme, CA and credentials (the password goes through a
# config file on stdin, never on a command line).
es_curl() {
  local path="$1"; shift
  if [[ "$ES_SCHEME" == https ]]; then
    printf 'user = "%s:%s"\n' "$ES_SECURITY_USER" "$(cat "$SECURITY_DIR/password")" \
      | curl -s --max-time 5 --cacert "$SECURITY_DIR/ca.pem" -K - "$@" "https://localhost:$ES_PORT$path"
  else
    curl -s --max-time 5 "$@" "http://$HOST:$ES_PORT$path"
  fi
}

es_write_config() {
  mkdir -p "$ES_CONF" "$ES_DIR/data" "$ES_DIR/tmp" "$ES_LOGS"
  # Start from the distribution's config (log4j2.properties, jvm.options, ...).
  # cp -n keeps files ES itself created (keystore) from earlier runs.
  cp -rn "$ES_HOME/config/." "$ES_CONF/"
  # gc.log is relative in the integ-test-zip's jvm.options: pin it under logs/.
  sed -i -E "s#file=[^:]*gc\.log#file=$ES_LOGS/gc.log#" "$ES_CONF/jvm.options"
  local security=0
  if [[ "$ES_SECURITY" == on ]]; then
    [[ "$SEARCH_ENGINE" == elasticsearch ]] || die "LOGPIPE_ES_SECURITY=on is for Elasticsearch only"
    [[ -d "$ES_HOME/modules/x-pack-security" ]] || die "LOGPIPE_ES_SECURITY=on: this distribution has no x-pack-security module"
    security_material
    mkdir -p "$ES_CONF/certs"
    cp "$SECURITY_DIR/ca.pem" "$SECURITY_DIR/http.pem" "$SECURITY_DIR/http.key" "$ES_CONF/certs/"
    security=1
  fi
  {
    echo "# generated by deploy/stack.sh on every start — single node, loopback only"
    echo "cluster.name: logpipe"
    echo "node.name: logpipe-es"
    echo "discovery.type: single-node"
    echo "network.host: $HOST"
    echo "http.port: $ES_PORT"
    echo "transport.port: $ES_TRANSPORT_PORT"
    echo "path.data: $ES_DIR/data"
    echo "path.logs: $ES_LOGS"
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    echo "action.destructive_requires_name: false"
    # Recent 8.x integ-test-zips ship x-pack-core + x-pack-security; left alone,
    # security auto-configures TLS + auth and plain curl gets nothing. The setting
    # only exists when that module does (unknown settings abort startup), so
    # write it only then.
    if (( security )); then
      # TLS on HTTP with our certificate, users from the file realm. Transport TLS is not needed: a
      # single node bound to loopback runs the bootstrap checks as warnings only.
      echo "xpack.security.enabled: true"
      echo "xpack.security.http.ssl.enabled: true"
      echo "xpack.security.http.ssl.certificate: certs/http.pem"
      echo "xpack.security.http.ssl.key: certs/http.key"
      echo "xpack.security.http.ssl.certificate_authorities: [certs/ca.pem]"
      echo "xpack.security.transport.ssl.enabled: false"
      echo "xpack.security.authc.api_key.enabled: true"
    elif [[ -d "$ES_HOME/modules/x-pack-security" ]]; then
      echo "xpack.security.enabled: false"
    fi
  } >"$ES_CONF/$ENGINE_ARTIFACT.yml"
  if (( security )) && { ! grep -q "^$ES_SECURITY_USER:" "$ES_CONF/users" 2>/dev/null || [[ "$SECURITY_DIR/password" -nt "$ES_CONF/users" ]]; }; then
    # The file realm: (re)create the user with the current password (the tool edits config/users*; each
    # call starts a JVM, so only when the user is missing or the password file is newer).
    local users=("$ES_HOME/bin/elasticsearch-users")
    env -i PATH="/usr/bin:/bin" ES_JAVA_HOME="$JAVA_HOME_DIR" ES_PATH_CONF="$ES_CONF" "${users[@]}" userdel "$ES_SECURITY_USER" >/dev/null 2>&1 || true
    env -i PATH="/usr/bin:/bin" ES_JAVA_HOME="$JAVA_HOME_DIR" ES_PATH_CONF="$ES_CONF" "${users[@]}" useradd "$ES_SECURITY_USER" \
      -p "$(cat "$SECURITY_DIR/password")" -r superuser >"$ES_LOGS/users.out" 2>&1 \
      || { show_tail "$ES_LOGS/users.out"; die "elasticsearch-users could not add $ES_SECURITY_USER"; }
  fi
  es_user_prefix
  if (( EUID == 0 )); then
    chown -R "$(id -u "$ES_USER"):$(id -g "$ES_USER")" "$ES_DIR" "$ES_LOGS"
    "${ES_AS_USER[@]}" test -r "$ES_HOME/bin/$ENGINE_ARTIFACT" -a -w "$ES_DIR/data" \
      || die "user '$ES_USER' cannot reach $STACK_DIR (a parent directory is not world-searchable); set LOGPIPE_STACK_DIR elsewhere, e.g. under /tmp"
  fi
}

es_start() {
  es_write_config
  log "starting $ENGINE_LABEL $ENGINE_VERSION on $ES_SCHEME://$HOST:$ES_PORT (transport $ES_TRANSPORT_PORT)"
  rm -f "$ES_PID"
  # The ES launcher leaves a final-flags* temp dir per start; CLI_JAVA_OPTS below
  # keeps them in es/tmp (instead of /tmp), and old ones are dropped here.
  rm -rf "$ES_DIR"/tmp/final-flags*
  # -d -p: ES daemonizes itself and writes the server JVM's pid file. The launcher
  # blocks until the node is up, so it is backgrounded and health is polled instead.
  # setsid + redirections: survives our shell, does not hold the caller's pipes.
  ( cd "$ES_DIR"
    ulimit -n 65535 2>/dev/null || true
    # The launchers read <PREFIX>_JAVA_HOME, <PREFIX>_PATH_CONF, ... with PREFIX ES or OPENSEARCH.
    exec setsid env -i PATH="/usr/bin:/bin" LANG=C.UTF-8 HOME="$ES_DIR" \
      "${ENGINE_ENV}_JAVA_HOME=$JAVA_HOME_DIR" "${ENGINE_ENV}_PATH_CONF=$ES_CONF" "${ENGINE_ENV}_TMPDIR=$ES_DIR/tmp" \
      CLI_JAVA_OPTS="-Djava.io.tmpdir=$ES_DIR/tmp" \
      "${ENGINE_ENV}_JAVA_OPTS=-Xms$ES_HEAP -Xmx$ES_HEAP -XX:HeapDumpPath=$ES_LOGS -XX:ErrorFile=$ES_LOGS/hs_err_pid%p.log" \
      "${ES_AS_USER[@]}" "$ES_HOME/bin/$ENGINE_ARTIFACT" -d -p "$ES_PID"
  ) </dev/null >"$ES_LOGS/es.out" 2>&1 9>&- &
  ES_LAUNCHER_PID=$!
  disown || true
}

es_health() {
  es_curl /_cluster/health 2>/dev/null || true
}

es_ready_once() {
  [[ "$(es_health)" =~ \"status\":\"(green|yellow)\" ]]
}

# ----------------------------------------------------------------------------
# Waiting
# ----------------------------------------------------------------------------

# wait_ready NAME CHECK_FN PID_FN LOGFILES... — bounded wait; fails fast if the
# process dies; on failure prints the last log lines.
wait_ready() {
  local name="$1" check="$2" pidfn="$3"; shift 3
  local deadline=$(( $(now) + READY_TIMEOUT )) grace=0
  while :; do
    if "$check"; then return 0; fi
    if ! "$pidfn" >/dev/null; then
      # ES writes its pid file a moment after launch; allow a few seconds for it. Elasticsearch's launcher
      # stays until the node is up; OpenSearch's shell launcher exits at once when it daemonizes (-d).
      if [[ "$name" == "$SEARCH_ENGINE" && -n "${ES_LAUNCHER_PID:-}" ]] && (( grace < 60 )) \
         && { kill -0 "$ES_LAUNCHER_PID" 2>/dev/null || [[ "$SEARCH_ENGINE" == opensearch ]]; }; then
        grace=$(( grace + 1 ))
      else
        echo "stack.sh: error: $name process exited before becoming ready${1:+: $(last_error "$@")}" >&2
        show_tail "$@"; return 1
      fi
    fi
    if (( $(now) >= deadline )); then
      echo "stack.sh: error: $name not ready after ${READY_TIMEOUT}s" >&2
      show_tail "$@"; return 1
    fi
    sleep 1
  done
}

# ----------------------------------------------------------------------------
# Subcommands
# ----------------------------------------------------------------------------

lock_stack_dir() {
  mkdir -p "$STACK_DIR"
  exec 9>"$STACK_DIR/.lock"
  flock -w 600 9 || die "another stack.sh is running on $STACK_DIR"
}

# This script drives Kafka 3.x class names/log4j 1 config and ES 8.x settings.
check_versions() {
  [[ "$KAFKA_VERSION" == 3.* ]] || die "LOGPIPE_KAFKA_VERSION=$KAFKA_VERSION: only Kafka 3.x is supported (4.x changed tools and logging)"
  [[ "$ES_VERSION" == 8.* ]] || die "LOGPIPE_ES_VERSION=$ES_VERSION: only Elasticsearch 8.x is supported (9.x needs Java 21)"
  [[ "$OPENSEARCH_VERSION" == 2.* ]] || die "LOGPIPE_OPENSEARCH_VERSION=$OPENSEARCH_VERSION: only OpenSearch 2.x is supported"
  [[ "$ES_SECURITY" == on || "$ES_SECURITY" == off ]] || die "LOGPIPE_ES_SECURITY=$ES_SECURITY: use on or off"
}

# Which engines a command acts on: no argument = both; "kafka" or "es" = that one only (tests stop and
# restart one engine of a private stack to simulate an outage).
WANT_KAFKA=1
WANT_ES=1
parse_components() {
  (( $# <= 1 )) || die "expected at most one of: kafka, es"
  case "${1:-all}" in
    all) ;;
    kafka) WANT_ES=0 ;;
    es|elasticsearch|opensearch) WANT_KAFKA=0 ;;
    *) die "unknown engine '$1' (use: kafka, es)" ;;
  esac
}

cmd_up() {
  parse_components "$@"
  check_versions
  need_java
  lock_stack_dir
  mkdir -p "$DIST_DIR" "$KAFKA_LOGS" "$ES_LOGS"
  local kpid epid started=() kafka_new=0 es_new=0

  # Decide what must be started; refuse ports held by someone else up front.
  if (( ! WANT_KAFKA )); then
    :
  elif kpid="$(kafka_pid)"; then
    log "kafka already running (pid $kpid)"
    # It keeps the ports of the `up` that started it; do not wait for a port it never opens.
    grep -qxF "listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT" "$KAFKA_DIR/server.properties" \
      || die "kafka (pid $kpid) is already running from $STACK_DIR with other ports ($(grep '^listeners=' "$KAFKA_DIR/server.properties")); run 'down' first"
  else
    check_ports_free kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; kafka_new=1
  fi
  if (( ! WANT_ES )); then
    :
  elif epid="$(es_pid)"; then
    log "$SEARCH_ENGINE already running (pid $epid)"
    local yml="$ES_CONF/$ENGINE_ARTIFACT.yml"
    grep -qxF "http.port: $ES_PORT" "$yml" && grep -qxF "transport.port: $ES_TRANSPORT_PORT" "$yml" \
      || die "$SEARCH_ENGINE (pid $epid) is already running from $STACK_DIR with other ports ($(grep -E '^(http|transport)\.port' "$yml" | tr '\n' ' ')); run 'down' first"
  else
    check_ports_free "$SEARCH_ENGINE" "$ES_PORT" "$ES_TRANSPORT_PORT"; es_new=1
  fi

  # Fetch (no-op when cached), then launch both so their startups overlap.
  (( kafka_new )) && kafka_fetch
  (( es_new )) && es_fetch
  (( WANT_KAFKA )) && { [[ -f "$KAFKA_CP_FILE" ]] || kafka_fetch; }   # tools classpath: readiness check
  (( kafka_new )) && { kafka_start; started+=(kafka); }
  (( es_new )) && { es_start; started+=("$SEARCH_ENGINE"); }
  # Record that this `up` started something (a harness uses it to decide on `down`).
  (( ${#started[@]} )) && date -u +%FT%TZ >"$STARTED_MARKER"

  # On failure, stop what *this* invocation started so nothing is left orphaned.
  local ok=1
  if (( WANT_KAFKA )); then
    wait_ready kafka kafka_ready_once kafka_pid "$KAFKA_LOGS/kafka.out" "$KAFKA_LOGS/server.log" "$KAFKA_LOGS/tools.err" || ok=0
  fi
  if (( ok && WANT_ES )); then
    wait_ready "$SEARCH_ENGINE" es_ready_once es_pid "$ES_LOGS/es.out" "$ES_LOGS/logpipe.log" || ok=0
  fi
  if (( ! ok )); then
    (( es_new )) && { epid="$(es_pid)" && stop_pid "$SEARCH_ENGINE" "$epid"; [[ -n "${ES_LAUNCHER_PID:-}" ]] && kill "$ES_LAUNCHER_PID" 2>/dev/null; } || true
    (( kafka_new )) && { kpid="$(kafka_pid)" && stop_pid kafka "$kpid"; } || true
    die "stack did not come up (logs: $KAFKA_LOGS, $ES_LOGS)"
  fi

  if (( ${#started[@]} )); then
    echo "started: ${started[*]}"
  else
    echo "started: nothing (already running and ready)"
  fi
  local up=()
  (( WANT_KAFKA )) && up+=("kafka $KAFKA_VERSION at $HOST:$KAFKA_PORT")
  (( WANT_ES )) && up+=("$SEARCH_ENGINE $ENGINE_VERSION at $ES_SCHEME://$HOST:$ES_PORT")
  echo "stack up: $(IFS=,; echo "${up[*]}" | sed 's/,/, /') (data: $STACK_DIR)"
}

cmd_down() {
  parse_components "$@"
  lock_stack_dir
  local pid any=0
  if (( WANT_ES )) && pid="$(es_pid)"; then stop_pid "$SEARCH_ENGINE" "$pid"; any=1; fi
  if (( WANT_KAFKA )) && pid="$(kafka_pid)"; then stop_pid kafka "$pid"; any=1; fi
  (( WANT_KAFKA && WANT_ES )) && rm -f "$STARTED_MARKER"
  if (( any )); then echo "stack down"; else echo "stack down: nothing was running"; fi
}

cmd_status() {
  parse_components "$@"
  local pid rc=0
  if (( ! WANT_KAFKA )); then
    :
  elif pid="$(kafka_pid)"; then
    need_java
    if [[ -f "$KAFKA_CP_FILE" ]] && kafka_ready_once; then
      echo "kafka:         running (pid $pid), ready at $HOST:$KAFKA_PORT"
    else
      echo "kafka:         running (pid $pid), NOT ready at $HOST:$KAFKA_PORT"; rc=1
    fi
  else
    echo "kafka:         stopped"; rc=1
  fi
  if (( ! WANT_ES )); then
    :
  elif pid="$(es_pid)"; then
    if es_ready_once; then
      printf '%-15s%s\n' "$SEARCH_ENGINE:" "running (pid $pid), ready at $ES_SCHEME://$HOST:$ES_PORT ($(grep -o '"status":"[a-z]*"' <<<"$(es_health)"))"
    else
      printf '%-15s%s\n' "$SEARCH_ENGINE:" "running (pid $pid), NOT ready at $ES_SCHEME://$HOST:$ES_PORT"; rc=1
    fi
  else
    printf '%-15s%s\n' "$SEARCH_ENGINE:" "stopped"; rc=1
  fi
  return "$rc"
}

cmd_logs() {
  local which="all" follow=0 a files=()
  for a in "$@"; do
    case "$a" in
      kafka|es|elasticsearch|opensearch|all) which="$a" ;;
      -f|--follow) follow=1 ;;
      *) die "logs: unknown argument '$a' (use: logs [kafka|es] [-f])" ;;
    esac
  done
  [[ "$which" == kafka || "$which" == all ]] && files+=("$KAFKA_LOGS/server.log" "$KAFKA_LOGS/kafka.out")
  [[ "$which" == es || "$which" == elasticsearch || "$which" == opensearch || "$which" == all ]] && files+=("$ES_LOGS/logpipe.log" "$ES_LOGS/es.out")
  local f existing=()
  for f in "${files[@]}"; do
    echo "$f"
    [[ -f "$f" ]] && existing+=("$f")
  done
  (( ${#existing[@]} )) || { echo "(no log files yet)"; return 0; }
  if (( follow )); then tail -n 40 -F "${existing[@]}"; else tail -n 40 "${existing[@]}"; fi
}

usage() {
  cat <<EOF
usage: deploy/stack.sh <command>

  up [kafka|es]      start Kafka $KAFKA_VERSION (KRaft) and $ENGINE_LABEL $ENGINE_VERSION on loopback
                     (or only the one named), wait until ready; harmless when already running
                     ("es" is the search engine: Elasticsearch, or OpenSearch with
                     LOGPIPE_SEARCH_ENGINE=opensearch)
  down [kafka|es]    stop the processes started by 'up' (SIGTERM, then SIGKILL after ${STOP_TIMEOUT}s)
  status [kafka|es]  print each engine's state; exit 0 only if all named are running and ready
  logs [kafka|es] [-f]  print the log file paths and tail them (-f follows)
  dir                print the stack directory in use
  help               this text

environment (defaults in brackets):
  LOGPIPE_KAFKA_PORT [9092]  LOGPIPE_KAFKA_CONTROLLER_PORT [9093]
  LOGPIPE_ES_PORT [9200]     LOGPIPE_ES_TRANSPORT_PORT [9300]
  LOGPIPE_STACK_DIR [<repo>/build/stack, or /var/tmp/logpipe-stack-<n> when root runs a
                     checkout other users cannot enter]   data, logs, pid files, unpacked dist
  LOGPIPE_KAFKA_VERSION [3.9.2]  LOGPIPE_ES_VERSION [8.19.21]
  LOGPIPE_KAFKA_HEAP [512m]  LOGPIPE_ES_HEAP [1g]  LOGPIPE_READY_TIMEOUT [120]
  LOGPIPE_STOP_TIMEOUT [30]  LOGPIPE_ES_USER [nobody] (ES runs as this user when invoked as root)
  LOGPIPE_SEARCH_ENGINE [elasticsearch]   or opensearch (LOGPIPE_OPENSEARCH_VERSION [2.19.1])
  LOGPIPE_ES_SECURITY [off]  on: HTTPS with a CA in <stack dir>/security/ca.pem and the user
                     LOGPIPE_ES_SECURITY_USER [logpipe] whose password is in <stack dir>/security/password
EOF
}

main() {
  local cmd="${1:-help}"; shift || true
  case "$cmd" in
    up)     cmd_up "$@" ;;
    down)   cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    logs)   cmd_logs "$@" ;;
    dir)    echo "$STACK_DIR" ;;
    help|-h|--help) usage ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
