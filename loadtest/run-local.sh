#!/usr/bin/env bash
# muster loadtest --local from a source checkout, without the CLI: builds the modules the load test needs
# (never installs anything), then runs it. It starts 3 servers on loopback, runs the scenarios, stops the
# servers (also on Ctrl-C) and leaves loadtest-report.json/.html in the current directory (or --report-dir).
#
#   loadtest/run-local.sh --workers 1000 --allocations 100000
#   REBUILD=1 loadtest/run-local.sh ...        # force a rebuild (it also rebuilds when a pom or source is newer)
#   LOADTEST_JAVA_OPTS="-Xmx6g" loadtest/run-local.sh ...   # simulator JVM options
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bin/java-env.sh"
muster_pick_java
CPFILE="$ROOT/loadtest/target/runtime-classpath.txt"
# Rebuild when asked, when never built, or when a pom or a main source is newer than the last build (a pull that
# adds a dependency would otherwise start servers on a stale classpath).
stale() {
  [ -n "$(cd "$ROOT" && find . -path ./target -prune -o \( -name pom.xml -o -path '*/src/main/*' \) -type f -newer "$CPFILE" -print -quit 2>/dev/null)" ]
}
if [ ! -f "$CPFILE" ] || [ ! -d "$ROOT/loadtest/target/classes" ] || [ -n "${REBUILD:-}" ] || stale; then
  echo "run-local: building the load test and the modules it needs..." >&2
  # test-compile, not compile: the module also has a test-jar dependency the reactor must resolve.
  (cd "$ROOT" && MAVEN_OPTS="${MAVEN_OPTS:-} $MUSTER_JDK_FLAGS" ./mvnw -B -q -ntp -pl loadtest -am -DskipTests test-compile \
      dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime >&2)
fi
CP="$ROOT/loadtest/target/classes:$(cat "$CPFILE")"
# The simulator holds 10,000 TLS connections: give it room (servers get --local-heap each, default 3g).
exec "$JAVA" $MUSTER_JDK_FLAGS ${LOADTEST_JAVA_OPTS:--Xmx6g -XX:+UseG1GC} -cp "$CP" io.muster.loadtest.LoadTestMain --local "$@"
