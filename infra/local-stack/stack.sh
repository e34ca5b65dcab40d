#!/usr/bin/env bash
# The lingostream local stack without Docker: Kafka (KRaft, one combined
# broker+controller node), Apicurio Registry (Confluent-compatible API) and
# an S3 API server (versitygw, objects as files on disk), each a plain
# background process.
#
#   stack.sh install        fetch and build into the cache (idempotent)
#   stack.sh up [svc...]    install if needed, start what is not running, wait, print env
#   stack.sh status [svc...] say what is up; exit 0 only if everything is
#   stack.sh down [--purge] [svc...] stop what `up` started; its data stays for the
#                           next `up` (Kafka's log, the registry's schemas, S3 objects)
#                           unless --purge, which deletes it
#
# svc is kafka, registry or s3; none means all three. Progress and errors go to
# stderr; `up` prints only KEY=value lines on stdout:
#   set -a; eval "$(infra/local-stack/stack.sh up)"; set +a
# A second, private broker (tests that restart Kafka without touching the shared
# one) is the same script with its own data dir and ports (the cache is shared):
#   LINGOSTREAM_STACK_DIR=/tmp/k2 LINGOSTREAM_KAFKA_PORT=19092 \
#   LINGOSTREAM_KAFKA_CONTROLLER_PORT=19093 stack.sh up kafka
#   ... stack.sh down kafka; ... stack.sh up kafka   (a restart on the same log)
#   ... stack.sh down --purge kafka                  (gone for good)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"

# ---------------------------------------------------------------- settings
STACK_DIR="${LINGOSTREAM_STACK_DIR:-$REPO_ROOT/.local-stack}"
# Downloads and builds only, never data: one per user, so every clone and
# every private stack on the machine (CI runs in a fresh clone each time)
# reuses the same jars and binary.
CACHE_DIR="${LINGOSTREAM_STACK_CACHE:-${XDG_CACHE_HOME:-${HOME:?set HOME or LINGOSTREAM_STACK_CACHE}/.cache}/lingostream/stack}"
KAFKA_PORT="${LINGOSTREAM_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${LINGOSTREAM_KAFKA_CONTROLLER_PORT:-9093}"
REGISTRY_PORT="${LINGOSTREAM_REGISTRY_PORT:-8081}"
# Apicurio is a Quarkus app whose management interface (health, metrics) is
# compiled in and defaults to port 9000, which is the S3 port here: move it.
REGISTRY_MGMT_PORT="${LINGOSTREAM_REGISTRY_MGMT_PORT:-8091}"
# file: H2 database file in the data dir, kept across `down`/`up` like Kafka's
# log (records name schema ids, so the two must be kept together);
# mem: H2 in memory, gone at `down`.
REGISTRY_STORAGE="${LINGOSTREAM_REGISTRY_STORAGE:-file}"
# Global compatibility rule; Confluent Schema Registry's default is BACKWARD too.
REGISTRY_COMPATIBILITY="${LINGOSTREAM_REGISTRY_COMPATIBILITY:-BACKWARD}"
S3_PORT="${LINGOSTREAM_S3_PORT:-9000}"
S3_BUCKET="${S3_BUCKET:-lingostream}"
S3_REGION="${S3_REGION:-us-east-1}"
AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-lingostream}"
AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-lingostream-secret}"
START_TIMEOUT="${LINGOSTREAM_STACK_TIMEOUT:-120}"   # seconds for every service to answer
STOP_TIMEOUT=30                                      # seconds before SIGKILL

KAFKA_VERSION="${LINGOSTREAM_KAFKA_VERSION:-4.4.0}"
KAFKA_HEAP_OPTS="${LINGOSTREAM_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
APICURIO_VERSION="${LINGOSTREAM_APICURIO_VERSION:-3.3.3}"
REGISTRY_HEAP_OPTS="${LINGOSTREAM_REGISTRY_HEAP_OPTS:--Xms64m -Xmx384m}"
# versitygw is built from source with Go (the module proxy serves it; there is
# no Debian package). Its go.mod asks for Go 1.25.
VERSITYGW_VERSION="${LINGOSTREAM_VERSITYGW_VERSION:-v1.8.0}"
VERSITYGW_MODULE=github.com/versity/versitygw/cmd/versitygw
GO_MIN_MINOR=25
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

RUN_DIR="$STACK_DIR/run"    # pid files
LOG_DIR="$STACK_DIR/logs"
KAFKA_DATA="$STACK_DIR/kafka"
REGISTRY_DATA="$STACK_DIR/registry"
S3_DATA="$STACK_DIR/s3"      # one folder per bucket, one file per object
KAFKA_LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION"
APICURIO_HOME="$CACHE_DIR/apicurio-registry-$APICURIO_VERSION"
VERSITYGW_HOME="$CACHE_DIR/versitygw-$VERSITYGW_VERSION"

SERVICES=(kafka registry s3)
# The services a command acts on: the arguments after the command, or all of them.
SELECTED=("${SERVICES[@]}")

# ---------------------------------------------------------------- helpers
say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }
# Seconds since a `date +%s%N` stamp, one decimal.
since() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found on PATH ($2)"; }

# Major version of a java binary (17, 21, 25 ...), or 0.
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1 | grep . || echo 0
}

# A java binary of at least the given major version: $LINGOSTREAM_JAVA_HOME,
# $JAVA_HOME, java on PATH, then any JDK under /usr/lib/jvm (newest first).
find_java() {
  local min="$1" candidate
  for candidate in ${LINGOSTREAM_JAVA_HOME:+"$LINGOSTREAM_JAVA_HOME/bin/java"} ${JAVA_HOME:+"$JAVA_HOME/bin/java"} \
    "$(command -v java || true)" $(printf '%s\n' /usr/lib/jvm/*/bin/java | sort -r); do
    [[ -x "$candidate" ]] || continue
    if (( $(java_major "$candidate") >= min )); then echo "$candidate"; return 0; fi
  done
  return 1
}

# Kafka 4 needs Java 17+; Apicurio 3.3 is compiled for Java 21 (class file 65).
# One JVM for both keeps it simple, so look for 21+.
java_bin() {
  find_java 21 || die "no Java 21+ found (Apicurio Registry 3.3 needs it): set LINGOSTREAM_JAVA_HOME"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true; }

pid_file() { echo "$RUN_DIR/$1.pid"; }

# A process that has exited but was not reaped yet (a zombie) counts as gone.
running() { [[ -e "/proc/$1" ]] && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]; }

# Run an install tool with its output in $CACHE_DIR/install-<step>.log, shown
# only if it fails.
quietly() {
  local what="$2" log="$CACHE_DIR/install-$1.log"
  shift 2
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    die "$what (log: $log)"
  fi
}

# The pid in a service's pid file if that process is alive and is still ours
# (its command line holds the service's marker: guards against pid reuse).
live_pid() {
  local file pid
  file="$(pid_file "$1")"
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  # Whole arguments only: " arg1 arg2 ... " must contain " <marker> ".
  [[ " $(tr '\0' ' ' <"/proc/$pid/cmdline")" == *" $(marker "$1") "* ]] || return 1
  echo "$pid"
}

# A string that is on the service's command line, for live_pid.
marker() {
  case "$1" in
    kafka) echo "$KAFKA_DATA/server.properties" ;;
    registry) echo "-Dlingostream.stack.dir=$STACK_DIR" ;;
    s3) echo "$S3_DATA" ;;
  esac
}

service_port() {
  case "$1" in kafka) echo "$KAFKA_PORT" ;; registry) echo "$REGISTRY_PORT" ;; s3) echo "$S3_PORT" ;; esac
}

service_log() {
  case "$1" in kafka) echo "$LOG_DIR/kafka.out (and kafka-server.log)" ;; *) echo "$LOG_DIR/$1.log" ;; esac
}

# Start a detached process: own session (setsid) so it outlives this script and
# the terminal, no stdin, output to its log. setsid does not fork here (a
# background job is never a process-group leader), so $! is the server's pid.
spawn() {
  local name="$1" log="$2" pid i
  shift 2
  printf '\n===== %s: started by stack.sh up =====\n' "$(date '+%F %T')" >>"$log"
  setsid "$@" </dev/null >>"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$(pid_file "$name")"
  # Until the child has exec'd, its command line is still this script's and
  # live_pid would call the server dead (on a loaded machine this has taken
  # long enough for `up` to give up, and for the next `up` to start a second
  # server). Wait for the marker, or for the process to be gone (5 s at most).
  for (( i = 0; i < 100; i++ )); do
    if live_pid "$name" >/dev/null || ! running "$pid"; then return 0; fi
    sleep 0.05
  done
}

# ------------------------------------------------------------------ kafka
install_kafka() {
  local stamp="$KAFKA_LIBS/.installed" want tmp t0
  # Re-fetch when the pom changes (e.g. a dependency added), not only when absent.
  want="$KAFKA_VERSION $(sha256sum "$HERE/kafka/pom.xml" | cut -c1-16)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then say "kafka $KAFKA_VERSION: cached"; return; fi
  need mvn "Maven fetches the Kafka jars"
  say "kafka $KAFKA_VERSION: fetching broker jars with Maven"
  t0=$(date +%s%N)
  tmp="$KAFKA_LIBS.tmp"
  rm -rf "$tmp" "$KAFKA_LIBS"
  quietly kafka "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION" \
    mvn -B -f "$HERE/kafka/pom.xml" "$DEPENDENCY_PLUGIN:copy-dependencies" \
    -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$tmp"
  echo "$want" >"$tmp/.installed"
  mv "$tmp" "$KAFKA_LIBS"
  say "kafka $KAFKA_VERSION: cached in $(since "$t0")"
}

kafka_java_opts() {
  # Serial GC and a small heap: one dev broker on a 2-core machine. The JIT is
  # left alone (no TieredStopAtLevel) because benchmarks run against this broker.
  # log4j2's own shutdown hook would stop logging before Kafka's hook has
  # finished the controlled shutdown, hiding its last lines: turn it off.
  echo "$KAFKA_HEAP_OPTS -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true" \
    "-Dlog4j2.configurationFile=$HERE/kafka/log4j2.xml -Dlog4j2.shutdownHookEnabled=false -Dkafka.logs.dir=$LOG_DIR"
}

write_kafka_config() {
  # Listeners on loopback only. The controller quorum is "dynamic" (KIP-853):
  # controller.quorum.bootstrap.servers + `format --standalone`, as Kafka 4 ships it.
  cat >"$KAFKA_DATA/server.properties" <<EOF
# Generated by infra/local-stack/stack.sh on every \`up\`; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA/kraft
num.partitions=1
# A single node: every internal topic has one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# 50 partitions each by default; fewer make the first group/transaction
# coordinator load faster on a fresh node.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Consumers join at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Topics are applied explicitly from infra/topics (lingostream topics apply).
auto.create.topics.enable=false
EOF
}

format_kafka_storage() {
  local java="$1" cluster_id
  if [[ -f "$KAFKA_DATA/kraft/meta.properties" ]]; then
    # The controller's address is written into the metadata log at format time.
    if [[ "$(cat "$KAFKA_DATA/formatted-controller-port" 2>/dev/null)" != "$KAFKA_CONTROLLER_PORT" ]]; then
      die "kafka storage was formatted for another controller port; run \`stack.sh down --purge\` to reformat"
    fi
    return
  fi
  say "kafka: formatting KRaft storage (first run)"
  cluster_id="$("$java" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid)"
  # shellcheck disable=SC2046
  "$java" $(kafka_java_opts) -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$KAFKA_DATA/server.properties" --standalone >>"$LOG_DIR/kafka.out" 2>&1 \
    || die "kafka storage format failed; see $LOG_DIR/kafka.out"
  echo "$cluster_id" >"$KAFKA_DATA/cluster.id"
  echo "$KAFKA_CONTROLLER_PORT" >"$KAFKA_DATA/formatted-controller-port"
}

start_kafka() {
  local java="$1"
  mkdir -p "$KAFKA_DATA"
  write_kafka_config
  format_kafka_storage "$java"
  # shellcheck disable=SC2046
  spawn kafka "$LOG_DIR/kafka.out" "$java" $(kafka_java_opts) -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DATA/server.properties"
}

# Ready = the broker answers an ApiVersions request (v0: every Kafka version
# keeps it) with error code 0. The data-plane listener only starts taking
# requests once the broker has caught up with the metadata log.
kafka_ready() {
  port_open "$KAFKA_PORT" || return 1
  local reply
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  # size=15 | api_key=18 ApiVersions | api_version=0 | correlation_id=7 | client_id="stack"
  reply="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf "\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x07\x00\x05stack" >&3
    head -c 10 <&3 | od -An -tx1' _ "$KAFKA_PORT" 2>/dev/null | tr -d ' \n')" || return 1
  # bytes 4..7: correlation id 7; bytes 8..9: error code 0
  [[ "${reply:8:12}" == "000000070000" ]]
}

# --------------------------------------------------------------- registry
install_registry() {
  local stamp="$APICURIO_HOME/.installed" tmp t0
  if [[ -f "$stamp" ]]; then say "apicurio registry $APICURIO_VERSION: cached"; return; fi
  need mvn "Maven fetches Apicurio Registry"
  # Apicurio publishes the ready-built Quarkus app (fast-jar layout) on Maven
  # Central as the `all` classifier of apicurio-registry-app, tar.gz only.
  say "apicurio registry $APICURIO_VERSION: fetching the Quarkus app (~160 MB) with Maven"
  t0=$(date +%s%N)
  tmp="$APICURIO_HOME.tmp"
  rm -rf "$tmp" "$APICURIO_HOME"
  mkdir -p "$tmp/download"
  quietly registry "Maven could not fetch io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
    mvn -B "$DEPENDENCY_PLUGIN:copy" -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
    -DoutputDirectory="$tmp/download"
  tar -xzf "$tmp/download/"*.tar.gz -C "$tmp"
  rm -rf "$tmp/download"
  [[ -f "$tmp/quarkus-run.jar" ]] || die "the Apicurio archive has no quarkus-run.jar"
  echo "$APICURIO_VERSION" >"$tmp/.installed"
  mv "$tmp" "$APICURIO_HOME"
  say "apicurio registry $APICURIO_VERSION: cached in $(since "$t0")"
}

start_registry() {
  local java="$1" db_url
  mkdir -p "$REGISTRY_DATA"
  if [[ "$REGISTRY_STORAGE" == file ]]; then
    # WRITE_DELAY=0: H2 writes each commit to the file at once instead of up to
    # 500 ms later, so a schema id the registry has handed out (and a producer
    # may have put in a Kafka record) survives the registry being killed.
    db_url="jdbc:h2:file:$REGISTRY_DATA/db;WRITE_DELAY=0"
  else
    db_url="jdbc:h2:mem:registry"
  fi
  # Apicurio 3 has no separate in-memory storage any more: its default is SQL
  # storage on an in-memory H2 database. Properties used (see application.properties
  # in apicurio-registry-app.jar):
  #  quarkus.management.port        health/metrics port, default 9000 (= S3 port)
  #  apicurio.rules.global.compatibility  global COMPATIBILITY rule (ccompat GET /config)
  #  apicurio.rest.deletion.*       allow DELETE of subjects/versions (off by default)
  #  apicurio.datasource.jdbc.*     the default pool keeps 20 connections open
  # -XX:TieredStopAtLevel=1 (C1 only) and Serial GC: ~2.5 s start on 2 cores.
  # shellcheck disable=SC2086
  spawn registry "$LOG_DIR/registry.log" "$java" $REGISTRY_HEAP_OPTS -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir="$REGISTRY_DATA" \
    "-Dlingostream.stack.dir=$STACK_DIR" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
    -Dapicurio.datasource.url="$db_url" \
    -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 -Dapicurio.datasource.jdbc.max-size=20 \
    -Dapicurio.rules.global.compatibility="$REGISTRY_COMPATIBILITY" \
    -Dapicurio.rest.deletion.group.enabled=true \
    -Dapicurio.rest.deletion.artifact.enabled=true \
    -Dapicurio.rest.deletion.artifact-version.enabled=true \
    -Dapicurio.storage.snapshot.location="$REGISTRY_DATA" -Dapicurio.import.work-dir="$REGISTRY_DATA" \
    -jar "$APICURIO_HOME/quarkus-run.jar"
}

registry_ready() { [[ "$(http_code "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects")" == 200 ]]; }

# --------------------------------------------------------------------- s3
# Minor version of a go binary (1.25.3 -> 25), or 0.
go_minor() {
  GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p' | grep . || echo 0
}

# A go binary new enough for versitygw: $LINGOSTREAM_GO, go on PATH, the
# go.dev tarball's /usr/local/go, then Debian's versioned golang-1.x packages.
find_go() {
  local candidate
  for candidate in ${LINGOSTREAM_GO:+"$LINGOSTREAM_GO"} "$(command -v go || true)" /usr/local/go/bin/go \
    $(printf '%s\n' /usr/lib/go-*/bin/go | sort -rV); do
    [[ -x "$candidate" ]] || continue
    if (( $(go_minor "$candidate") >= GO_MIN_MINOR )); then echo "$candidate"; return 0; fi
  done
  return 1
}

need_go() {
  find_go || die "Go 1.$GO_MIN_MINOR+ not found (versitygw $VERSITYGW_VERSION, the S3 server, is built from source): install golang 1.$GO_MIN_MINOR+ or set LINGOSTREAM_GO to its go binary"
}

s3_installed() { [[ -f "$VERSITYGW_HOME/.installed" && "$(cat "$VERSITYGW_HOME/.installed")" == "$VERSITYGW_VERSION" ]]; }

install_s3() {
  local go tmp t0
  if s3_installed; then say "versitygw $VERSITYGW_VERSION: cached"; return; fi
  go="$(need_go)"
  say "versitygw $VERSITYGW_VERSION: building with $("$go" env GOVERSION) (minutes the first time; Go's own caches make later builds quick)"
  t0=$(date +%s%N)
  tmp="$VERSITYGW_HOME.tmp"
  rm -rf "$tmp" "$VERSITYGW_HOME"
  mkdir -p "$tmp"
  # GOCACHE and GOMODCACHE stay at Go's defaults (per user), so a rebuild into
  # an emptied stack cache only links. GOTOOLCHAIN=local: never fetch a newer Go.
  quietly s3 "could not build $VERSITYGW_MODULE@$VERSITYGW_VERSION with $go" \
    env GOBIN="$tmp" GOTOOLCHAIN=local "$go" install -ldflags "-X=main.Version=$VERSITYGW_VERSION" \
    "$VERSITYGW_MODULE@$VERSITYGW_VERSION"
  [[ -x "$tmp/versitygw" ]] || die "go install left no versitygw binary in $tmp"
  echo "$VERSITYGW_VERSION" >"$tmp/.installed"
  mv "$tmp" "$VERSITYGW_HOME"
  say "versitygw $VERSITYGW_VERSION: built in $(since "$t0")"
}

start_s3() {
  # The posix backend: each top-level folder of $S3_DATA is a bucket and each
  # object a file under it (metadata in extended attributes), so objects stay
  # across restarts. One root account (no IAM service), whose keys are the
  # AWS_* ones `up` prints; every request must be signed with them. The keys go
  # in the environment, not on the command line that `ps` shows.
  # --keep-alive: connections stay open between requests as with AWS (the
  # default answers every request with Connection: close).
  # --quiet: no line per request in s3.log (errors are still logged).
  mkdir -p "$S3_DATA"
  spawn s3 "$LOG_DIR/s3.log" env ROOT_ACCESS_KEY="$AWS_ACCESS_KEY_ID" ROOT_SECRET_KEY="$AWS_SECRET_ACCESS_KEY" \
    "$VERSITYGW_HOME/versitygw" --port "127.0.0.1:$S3_PORT" --region "$S3_REGION" --keep-alive --quiet posix "$S3_DATA"
}

# A request to the S3 server signed with SigV4 (curl's --aws-sigv4). Prints the
# HTTP status; the body goes to the file $3 if given. The key pair is handed to
# curl on stdin, not its command line. Debian 12's curl (7.88) does not send
# the payload hash that S3 requires, so it is given (the empty body's).
s3_request() {
  local method="$1" path="$2" body="${3:-/dev/null}" user="$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
  user="${user//\\/\\\\}"   # curl config strings: backslash and quote escaped
  printf 'user = "%s"\n' "${user//\"/\\\"}" \
    | curl -s -K - -o "$body" -m 5 -w '%{http_code}' $([[ "$method" == HEAD ]] && echo -I || echo -X "$method") \
      --aws-sigv4 "aws:amz:$S3_REGION:s3" \
      -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
      "http://127.0.0.1:$S3_PORT$path" 2>/dev/null || true
}

# Ready = a signed ListBuckets succeeds: the server answers and takes our keys.
s3_ready() { [[ "$(s3_request GET /)" == 200 ]]; }

create_bucket() {
  # A bucket made by an earlier `up` answers 409: BucketAlreadyOwnedByYou, or
  # BucketAlreadyExists if that `up` had other root keys. Either way it is
  # ours if these keys can reach it.
  local code reply="$RUN_DIR/create-bucket.xml"
  code="$(s3_request PUT "/$S3_BUCKET" "$reply")"
  if [[ "$code" == 200 ]] || { [[ "$code" == 409 ]] && [[ "$(s3_request HEAD "/$S3_BUCKET")" == 200 ]]; }; then
    rm -f "$reply"
    return
  fi
  die "could not create bucket $S3_BUCKET (HTTP $code: $(cat "$reply" 2>/dev/null)); see $LOG_DIR/s3.log"
}

# ------------------------------------------------------------- commands
cmd_install() {
  need curl "used to probe the registry and S3"
  need flock "util-linux: one install at a time into the shared cache"
  mkdir -p "$CACHE_DIR"
  # The cache is shared by every clone and stack of this user: wait for an
  # install already under way (it may finish the job for us; each step checks
  # its stamp again). The lock is closed before any server starts, so they
  # do not hold it.
  local lock s3_job
  # Before any download: without Go there is no S3 server.
  s3_installed || need_go >/dev/null
  exec {lock}>"$CACHE_DIR/.install.lock"
  if ! flock -n "$lock"; then
    say "another install into $CACHE_DIR is under way; waiting for it"
    flock "$lock"
  fi
  # The Go build (the long pole) runs beside Maven (different tools, different
  # caches); the two Maven steps run one after the other because they share
  # the local repository.
  install_s3 &
  s3_job=$!
  # On failure stop the build too: the subshell and the go command it runs.
  trap 'kill $(ps -o pid= --ppid "$s3_job" 2>/dev/null) "$s3_job" 2>/dev/null || true' EXIT
  install_kafka
  install_registry
  wait "$s3_job" || die "the S3 server (versitygw) could not be built"
  trap - EXIT
  exec {lock}>&-
}

installed() {
  [[ -f "$KAFKA_LIBS/.installed" && -f "$APICURIO_HOME/.installed" ]] && s3_installed \
    && [[ "$(cat "$KAFKA_LIBS/.installed")" == "$KAFKA_VERSION $(sha256sum "$HERE/kafka/pom.xml" | cut -c1-16)" ]]
}

ready() { "${1}_ready"; }

cmd_up() {
  local to_start=() name java deadline pid t0
  installed || cmd_install
  need curl "used to probe the registry and S3"
  [[ "$REGISTRY_STORAGE" == mem || "$REGISTRY_STORAGE" == file ]] \
    || die "LINGOSTREAM_REGISTRY_STORAGE must be mem or file, not '$REGISTRY_STORAGE'"
  mkdir -p "$RUN_DIR" "$LOG_DIR"

  # Check every port before starting anything, so a clash leaves nothing half-up.
  for name in "${SELECTED[@]}"; do
    if pid="$(live_pid "$name")"; then
      say "$name: already running (pid $pid)"
      continue
    fi
    rm -f "$(pid_file "$name")"
    port_open "$(service_port "$name")" \
      && die "$name: port $(service_port "$name") is taken by a process this script did not start"
    [[ "$name" == kafka ]] && port_open "$KAFKA_CONTROLLER_PORT" \
      && die "kafka: controller port $KAFKA_CONTROLLER_PORT is taken (set LINGOSTREAM_KAFKA_CONTROLLER_PORT)"
    [[ "$name" == registry ]] && port_open "$REGISTRY_MGMT_PORT" \
      && die "registry: management port $REGISTRY_MGMT_PORT is taken (set LINGOSTREAM_REGISTRY_MGMT_PORT)"
    to_start+=("$name")
  done

  # Start them all at once: they do not depend on each other, and the JVMs
  # overlap their start-up.
  t0=$(date +%s%N)
  (( ${#to_start[@]} == 0 )) || java="$(java_bin)"
  for name in "${to_start[@]}"; do
    say "$name: starting (log: $(service_log "$name"))"
    "start_$name" "$java"
  done

  deadline=$(( t0 / 1000000000 + START_TIMEOUT ))
  for name in "${SELECTED[@]}"; do
    until ready "$name"; do
      if ! live_pid "$name" >/dev/null; then
        die "$name exited during start-up; see $(service_log "$name")"
      fi
      if (( $(now) >= deadline )); then
        die "$name did not answer within ${START_TIMEOUT}s; see $(service_log "$name")"
      fi
      sleep 0.25
    done
    say "$name: answering after $(since "$t0")"
  done
  if selected s3; then create_bucket; fi
  print_env
}

print_env() {
  cat <<EOF
KAFKA_BROKERS=localhost:$KAFKA_PORT
SCHEMA_REGISTRY_URL=http://localhost:$REGISTRY_PORT/apis/ccompat/v7
S3_ENDPOINT=http://localhost:$S3_PORT
S3_REGION=$S3_REGION
S3_BUCKET=$S3_BUCKET
S3_FORCE_PATH_STYLE=true
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
AWS_REGION=$S3_REGION
EOF
}

cmd_status() {
  local name pid all_up=0 state address
  for name in "${SELECTED[@]}"; do
    case "$name" in
      kafka) address="localhost:$KAFKA_PORT" ;;
      registry) address="http://localhost:$REGISTRY_PORT/apis/ccompat/v7" ;;
      s3) address="http://localhost:$S3_PORT (bucket $S3_BUCKET)" ;;
    esac
    if pid="$(live_pid "$name")"; then
      if ready "$name"; then state="up (pid $pid)"; else state="starting or unhealthy (pid $pid, not answering)"; all_up=1; fi
    else
      state="down"; all_up=1
      port_open "$(service_port "$name")" && state="down (port $(service_port "$name") is used by another process)"
    fi
    printf '%-9s %-52s %s\n' "$name" "$state" "$address"
  done
  return "$all_up"
}

stop_service() {
  local name="$1" pid deadline
  if ! pid="$(live_pid "$name")"; then
    rm -f "$(pid_file "$name")"
    return
  fi
  say "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( $(now) + STOP_TIMEOUT ))
  while running "$pid"; do
    if (( $(now) >= deadline )); then
      say "$name: still running after ${STOP_TIMEOUT}s, killing"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$(pid_file "$name")"
}

cmd_down() {
  # Like `docker compose down` and its volumes: the data stays for the next
  # `up` unless --purge. Kafka's records name schema ids and S3 objects (claim
  # checks): purging one service alone leaves the others pointing at nothing.
  local purge=0 i
  while [[ "${1:-}" == -* ]]; do
    case "$1" in
      --purge) purge=1 ;;
      --keep-data) ;;   # keeping is what `down` does now; accepted for old scripts
      *) die "usage: stack.sh down [--purge] [kafka|registry|s3 ...]" ;;
    esac
    shift
  done
  select_services "$@"
  # Reverse start order.
  for (( i=${#SERVICES[@]}-1; i>=0; i-- )); do
    if selected "${SERVICES[$i]}"; then stop_service "${SERVICES[$i]}"; fi
  done
  if (( purge )); then
    say "purging data of ${SELECTED[*]} in $STACK_DIR (the cache is kept)"
    if selected kafka; then rm -rf "$KAFKA_DATA"; fi
    if selected registry; then rm -rf "$REGISTRY_DATA"; fi
    if selected s3; then rm -rf "$S3_DATA"; fi
    # Logs and pid files are shared: they go only when the whole stack does.
    if (( ${#SELECTED[@]} == ${#SERVICES[@]} )); then rm -rf "$LOG_DIR" "$RUN_DIR"; fi
    say "down"
  else
    say "down; the data stays in $STACK_DIR for the next \`up\` (\`down --purge\` deletes it)"
  fi
}

# Restricts SELECTED to the services named (all when none are).
select_services() {
  local name
  (( $# > 0 )) || return 0
  for name in "$@"; do
    [[ " ${SERVICES[*]} " == *" $name "* ]] || die "unknown service '$name'; choose from ${SERVICES[*]}"
  done
  SELECTED=("$@")
}

selected() { [[ " ${SELECTED[*]} " == *" $1 "* ]]; }

usage() {
  # The opening comment, up to the first line that is not one.
  awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
  exit 2
}

case "${1:-}" in
  install) cmd_install ;;
  up) shift; select_services "$@"; cmd_up ;;
  status) shift; select_services "$@"; cmd_status ;;
  down) shift; cmd_down "$@" ;;
  *) usage ;;
esac
