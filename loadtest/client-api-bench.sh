#!/usr/bin/env bash
# The client gRPC API against the REST API on one `muster dev` server (docs/BENCHMARKS.md "Client gRPC API"):
# calls/s and the server process's CPU per call, ListNodes vs GET /v1/nodes and GetJob vs GET /v1/jobs/:id.
# Needs the build (./mvnw -B install -DskipTests). Usage: loadtest/client-api-bench.sh [THREADS] [CALLS]
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${1:-1}
CALLS=${2:-4000}
PORT=${BENCH_API_PORT:-13669}
DIR=$(mktemp -d)
bin/muster dev --api-port "$PORT" --grpc-port $((PORT + 1)) --raft-port $((PORT + 10)) --data-dir "$DIR" >"$DIR/dev.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
API="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  curl -fs "$API/v1/nodes" | grep -q '"state":"ready"' && break
  sleep 1
done
JOB=$(curl -fs -X POST "$API/v1/jobs" -H 'content-type: application/json' \
  -d '{"id":"bench","type":"service","groups":[{"name":"g","count":1,"tasks":[{"name":"t","driver":"exec","command":"sleep","args":["3600"]}]}]}' \
  | sed -E 's/.*"id":"([^"]+)".*/\1/')
# The JVM of `muster dev` (bin/muster execs java): its utime+stime is what the benchmark reads.
JPID=$(pgrep -P $PID java || echo $PID)
./mvnw -B -o -q test -pl server -Dtest=ClientApiBenchmark -Dsurefire.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.api="$API" -Dbench.pid="$JPID" -Dbench.job="$JOB" -Dbench.threads="$THREADS" -Dbench.calls="$CALLS" ${MAVEN_REPO_ARG:-} \
  2>&1 | grep -E '^\||caller' || true
