#!/usr/bin/env bash
# The project's Neo4j server: Neo4j 5.26 LTS Community from Maven Central, run by our launcher.
#
#   scripts/neo4j.sh start    build if needed, start in the background, wait until Bolt answers
#   scripts/neo4j.sh stop     stop cleanly (SIGTERM, the database flushes and closes)
#   scripts/neo4j.sh kill     stop abruptly (SIGKILL), to test crash recovery
#   scripts/neo4j.sh status   say whether it runs (exit 0) or not (exit 3)
#   scripts/neo4j.sh build    only build the launcher (Maven, pinned versions)
#   scripts/neo4j.sh import ARGS...   neo4j-admin "database import full" into the stopped server
#
# Environment (all optional):
#   MONEYTRAIL_CACHE   cache root (default ~/.cache/moneytrail); everything lives in $CACHE/neo4j
#   NEO4J_DATA_DIR     the server's home (data, logs, conf; default $CACHE/neo4j/home)
#   NEO4J_BOLT_PORT    Bolt port on 127.0.0.1 (default 7687)
#   NEO4J_PASSWORD     password of the neo4j user; default: the one in the state file, else a
#                      new random one. The state file $CACHE/neo4j/run/neo4j.env (mode 0600)
#                      holds NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD for tests and tools.
#   NEO4J_HEAP         JVM heap (default 3g), NEO4J_PAGECACHE page cache (default 2g): sized
#                      for a 2-core, 24 GiB machine shared with other work.
#   NEO4J_START_TIMEOUT seconds to wait for Bolt (default 300)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MONEYTRAIL_CACHE:-$HOME/.cache/moneytrail}/neo4j"
BUILD="$CACHE/build"
HOME_DIR="${NEO4J_DATA_DIR:-$CACHE/home}"
RUN="$CACHE/run"
PORT="${NEO4J_BOLT_PORT:-7687}"
PIDFILE="$RUN/neo4j.pid"
LOG="$RUN/neo4j.log"
ENVFILE="$RUN/neo4j.env"
HEAP="${NEO4J_HEAP:-3g}"
PAGECACHE="${NEO4J_PAGECACHE:-2g}"
START_TIMEOUT="${NEO4J_START_TIMEOUT:-300}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
READY="moneytrail-neo4j ready"

say() { echo "neo4j: $*"; }
die() { echo "neo4j: $*" >&2; exit 1; }

running_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

sources_hash() {
    (cd "$ROOT/neo4j-launcher" && find pom.xml src -type f -print0 | sort -z | xargs -0 sha256sum) |
        sha256sum | cut -c1-16
}

# Maven and a JDK 17 from Debian when they are missing (a fresh CI machine); root only.
tools() {
    if command -v mvn >/dev/null && command -v javac >/dev/null; then
        return 0
    fi
    [[ "$(id -u)" == 0 ]] || die "Maven and a JDK 17 are needed: apt-get install maven openjdk-17-jdk-headless"
    say "installing Debian's maven and openjdk-17-jdk-headless"
    apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            maven openjdk-17-jdk-headless >/dev/null ||
        die "could not install maven and openjdk-17-jdk-headless"
}

build() {
    local want
    want="$(sources_hash)"
    if [[ -f "$BUILD/neo4j-launcher.jar" && "$(cat "$BUILD/.stamp" 2>/dev/null)" == "$want" ]]; then
        return 0
    fi
    tools
    say "building the launcher with Maven (Neo4j from Maven Central) into $BUILD"
    mkdir -p "$BUILD"
    rm -rf "$BUILD/lib"
    mvn -q -B -f "$ROOT/neo4j-launcher/pom.xml" package -Dlauncher.build="$BUILD" ||
        die "Maven build failed (is Maven Central reachable? try: mvn dependency:get -Dartifact=org.neo4j:neo4j:5.26.0)"
    echo "$want" >"$BUILD/.stamp"
}

classpath() { echo "$BUILD/neo4j-launcher.jar:$BUILD/lib/*"; }

jvm_opts() {
    echo "-Xms512m -Xmx$HEAP -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:ActiveProcessorCount=2" \
        "-Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true" \
        "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED" \
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED" \
        "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED" \
        "--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"
}

write_conf() {
    mkdir -p "$HOME_DIR/conf"
    cat >"$HOME_DIR/conf/neo4j.conf" <<CONF
# Written by scripts/neo4j.sh at every start; edit the script, not this file.
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$PORT
server.bolt.advertised_address=127.0.0.1:$PORT
server.bolt.tls_level=DISABLED
dbms.security.auth_enabled=true
server.memory.pagecache.size=$PAGECACHE
db.tx_log.rotation.retention_policy=512M size
dbms.usage_report.enabled=false
# Frequent checkpoints keep crash recovery (the replay of the log after a kill) short.
db.checkpoint.interval.time=60s
db.checkpoint.interval.tx=20000
db.checkpoint.interval.volume=64m
CONF
}

password() {
    if [[ -n "${NEO4J_PASSWORD:-}" ]]; then
        echo "$NEO4J_PASSWORD"
    elif [[ -f "$ENVFILE" ]] && grep -q '^NEO4J_PASSWORD=' "$ENVFILE"; then
        sed -n 's/^NEO4J_PASSWORD=//p' "$ENVFILE"
    else
        head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24
    fi
}

# A Bolt handshake: the magic preamble and four version proposals; a Bolt server answers with
# the four bytes of the version it picked. Anything that merely accepts TCP does not.
bolt_answers() {
    local reply
    reply="$(
        timeout 3 bash -c '
            exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
            printf "\x60\x60\xb0\x17\x00\x00\x04\x05\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00" >&3
            head -c 4 <&3 | od -An -tx1
        ' _ "$PORT" 2>/dev/null
    )" || return 1
    [[ -n "${reply// /}" && "${reply// /}" != "00000000" ]]
}

start() {
    mkdir -p "$RUN"
    chmod 700 "$RUN"
    exec 9>"$RUN/lock"
    flock 9
    local pid
    if pid="$(running_pid)"; then
        say "already running (pid $pid) at bolt://127.0.0.1:$PORT; state in $ENVFILE"
        return 0
    fi
    build
    write_conf
    local secret
    secret="$(password)"
    (
        umask 077
        printf 'NEO4J_URI=bolt://127.0.0.1:%s\nNEO4J_USER=neo4j\nNEO4J_PASSWORD=%s\nNEO4J_DATABASE=neo4j\n' \
            "$PORT" "$secret" >"$ENVFILE.tmp"
        mv "$ENVFILE.tmp" "$ENVFILE"
    )
    [[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.1"
    say "starting Neo4j on bolt://127.0.0.1:$PORT (home $HOME_DIR, heap $HEAP, page cache $PAGECACHE)"
    # shellcheck disable=SC2046
    NEO4J_PASSWORD="$secret" setsid nohup "$JAVA" $(jvm_opts) -cp "$(classpath)" \
        moneytrail.neo4j.Launcher "$HOME_DIR" >"$LOG" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$PIDFILE"
    local waited=0
    until grep -q "$READY" "$LOG" 2>/dev/null && bolt_answers; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PIDFILE"
            echo "neo4j: the server exited during start-up; last lines of its logs:" >&2
            tail -n 30 "$LOG" "$HOME_DIR/logs/debug.log" >&2
            exit 1
        fi
        if ((waited >= START_TIMEOUT)); then
            echo "neo4j: Bolt on 127.0.0.1:$PORT did not answer within ${START_TIMEOUT}s; last lines of $LOG:" >&2
            tail -n 30 "$LOG" "$HOME_DIR/logs/debug.log" >&2
            stop KILL >&2
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "ready (pid $pid) at bolt://127.0.0.1:$PORT after ${waited}s; state in $ENVFILE"
}

stop() {
    local signal="${1:-TERM}" pid
    if ! pid="$(running_pid)"; then
        rm -f "$PIDFILE"
        say "not running"
        return 0
    fi
    kill "-$signal" "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited == 240)); then
            say "pid $pid did not stop within 120s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    rm -f "$PIDFILE"
    say "stopped (pid $pid, SIG$signal)"
}

status() {
    local pid
    if pid="$(running_pid)" && bolt_answers; then
        say "running (pid $pid) at bolt://127.0.0.1:$PORT; home $HOME_DIR; state in $ENVFILE"
    elif pid="$(running_pid)"; then
        say "process $pid is up but Bolt on 127.0.0.1:$PORT does not answer (starting?)"
        exit 3
    else
        say "not running"
        exit 3
    fi
}

admin_import() {
    if running_pid >/dev/null; then
        die "stop the server first (scripts/neo4j.sh stop): an import needs the database offline"
    fi
    build
    write_conf
    # shellcheck disable=SC2046
    NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" "$JAVA" $(jvm_opts) -cp "$(classpath)" \
        org.neo4j.cli.AdminTool database import full "$@"
}

case "${1:-}" in
start) start ;;
stop) stop TERM ;;
kill) stop KILL ;;
status) status ;;
build) build ;;
import) shift; admin_import "$@" ;;
*)
    echo "usage: $0 {start|stop|kill|status|build|import ARGS...}" >&2
    exit 2
    ;;
esac
