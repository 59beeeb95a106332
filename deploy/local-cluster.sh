#!/usr/bin/env bash
# A whole Muster cluster on this machine, on loopback: 3 servers (Raft) and N workers, each a separate
# process with its own data directory under ./.muster-local/ (or $MUSTER_LOCAL_DIR).
#
#   deploy/local-cluster.sh start [--workers N]   start servers, wait for a leader, bootstrap ACLs,
#                                                 make a worker token, start N workers (default 2)
#   deploy/local-cluster.sh status                what runs, and the cluster's own view
#   deploy/local-cluster.sh stop                  stop everything start started (pid files)
#   deploy/local-cluster.sh clean                 stop, then delete the data directory
#
# Works from the release tarball and from a source checkout (both have bin/muster next to deploy/);
# MUSTER_BIN overrides which binary runs. Ports: API 3669/3679/3689, Raft 9001-9003, worker gRPC
# 3670/3680/3690, all shifted by MUSTER_LOCAL_PORT_OFFSET when set (to run two clusters side by side).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MUSTER=${MUSTER_BIN:-$SCRIPT_DIR/../bin/muster}
STATE=${MUSTER_LOCAL_DIR:-./.muster-local}
MARKER=.muster-local-cluster          # proves a directory is ours before `clean` deletes it
SERVERS=(1 2 3)
OFFSET=${MUSTER_LOCAL_PORT_OFFSET:-0}
[[ "$OFFSET" =~ ^[0-9]+$ ]] && [ "$OFFSET" -le 50000 ] || { echo "local-cluster: MUSTER_LOCAL_PORT_OFFSET must be a number up to 50000" >&2; exit 2; }
API_PORTS=($((3669 + OFFSET)) $((3679 + OFFSET)) $((3689 + OFFSET)))
RAFT_PORTS=($((9001 + OFFSET)) $((9002 + OFFSET)) $((9003 + OFFSET)))
GRPC_PORTS=($((3670 + OFFSET)) $((3680 + OFFSET)) $((3690 + OFFSET)))
WAIT_SECS=${MUSTER_LOCAL_WAIT:-120}

die() { echo "local-cluster: $*" >&2; exit 1; }
say() { echo "local-cluster: $*"; }

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

# The state directory as an absolute path (configs and pid checks need one); created on start only.
abs_state() {
  if [ -d "$STATE" ]; then STATE=$(cd "$STATE" && pwd)
  else case "$STATE" in /*) ;; *) STATE="$(pwd)/${STATE#./}" ;; esac; fi
  case "$STATE" in *'"'*|*'\'*|*$'\n'*) die "the state directory path may not contain quotes, backslashes or newlines: $STATE" ;; esac
}

# Is PID one of ours? Alive, and its command line names a file inside the state directory, so that
# a recycled pid belonging to something else is never signalled.
ours() {
  local pid=$1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE/"
}

pid_of() { [ -f "$STATE/$1.pid" ] && cat "$STATE/$1.pid" || true; }

running() { ours "$(pid_of "$1")"; }

# Starts one daemon in its own session (Ctrl-C in this terminal does not reach it), logs to NAME.log.
launch() {
  local name=$1; shift
  local opts=$1; shift
  local runner=()
  command -v setsid >/dev/null 2>&1 && runner=(setsid)
  # No job control in a script, so the child is no process group leader and setsid does not fork:
  # $! stays the daemon's pid through nohup, setsid, bin/muster and the JVM (each one exec()s the next).
  MUSTER_JAVA_OPTS="${MUSTER_JAVA_OPTS:-$opts}" nohup ${runner[@]+"${runner[@]}"} "$MUSTER" "$@" >"$STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

# Runs the CLI against the local cluster.
cli() {
  local vars=(MUSTER_ADDR="https://127.0.0.1:${API_PORTS[0]}" MUSTER_CACERT="$STATE/server-1/ca.pem")
  [ -s "$STATE/acl.token" ] && vars+=(MUSTER_ACL_TOKEN="$(cat "$STATE/acl.token")")
  env "${vars[@]}" "$MUSTER" "$@"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for SECONDS COMMAND...: retries COMMAND every second; fails at once if a server died meanwhile.
wait_for() {
  local deadline=$((SECONDS + $1)) i; shift
  until "$@"; do
    for i in "${SERVERS[@]}"; do
      running "server-$i" || { show_log_tail "server-$i"; die "server-$i exited; see $STATE/server-$i.log ('$0 stop' ends the others)"; }
    done
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
}

# Before ACLs exist the API answers only the bootstrap call, which also needs a leader: so bootstrapping
# doubles as the wait for one. Succeeds once the token is saved; fails (to be retried) otherwise.
acl_bootstrap() {
  if cli acl bootstrap -o json >"$STATE/acl-bootstrap.out" 2>"$STATE/acl-bootstrap.err"; then
    extract_acl_token "$STATE/acl-bootstrap.out" >"$STATE/acl.token"
    rm -f "$STATE/acl-bootstrap.out" "$STATE/acl-bootstrap.err"
    [ -s "$STATE/acl.token" ] || die "could not read the management token from the output of 'muster acl bootstrap'"
    return 0
  fi
  if grep -qi "already bootstrapped" "$STATE/acl-bootstrap.out" "$STATE/acl-bootstrap.err"; then
    die "this cluster's ACLs were bootstrapped already but no token is saved in $STATE/acl.token; '$0 clean' and start again"
  fi
  return 1
}

leader_elected() { cli cluster status -o json 2>/dev/null | tr -d '\n' | grep -Eq '"leader_id" *: *"?[1-9]'; }

ready_workers() { cli node list -o json 2>/dev/null | tr -d '\n' | grep -Eo '"state" *: *"ready"' | wc -l; }

enough_workers() { [ "$(ready_workers)" -ge "$1" ]; }

# The management token from `acl bootstrap`: the secret_id of its JSON output, else its last line.
extract_acl_token() {
  local out=$1 tok
  tok=$(tr -d '\n' <"$out" | sed -n 's/.*"secret_id" *: *"\([^"]*\)".*/\1/p')
  [ -n "$tok" ] || tok=$(grep -v '^[[:space:]]*$' "$out" | tail -1 | awk '{print $NF}')
  printf '%s\n' "$tok"
}

write_server_config() {
  local i=$1 f="$STATE/server-$1.yaml" j
  {
    echo "# Local cluster server $i (written by deploy/local-cluster.sh)."
    echo "data_dir: \"$STATE/server-$i\""
    echo "cluster:"
    echo "  mode: worker-tier"
    echo "  role: server"
    echo "  node_id: $i"
    echo "  peers:"
    for j in "${SERVERS[@]}"; do
      echo "    - {id: $j, raft_addr: \"127.0.0.1:${RAFT_PORTS[j-1]}\", api_addr: \"127.0.0.1:${API_PORTS[j-1]}\"}"
    done
    echo "  worker_grpc_addr: \"127.0.0.1:${GRPC_PORTS[i-1]}\""
    echo "  heartbeat_min_ttl: 5"
    [ "$i" = 1 ] || echo "secret_file: \"$STATE/cluster.secret\""
  } >"$f"
}

write_worker_config() {
  local i=$1 f="$STATE/worker-$1.yaml" p
  {
    echo "# Local cluster worker $i (written by deploy/local-cluster.sh)."
    echo "data_dir: \"$STATE/worker-$i\""
    echo "cluster:"
    echo "  mode: worker-tier"
    echo "  role: worker"
    echo "  servers:"
    for p in "${GRPC_PORTS[@]}"; do echo "    - \"127.0.0.1:$p\""; done
    echo "  token_file: \"$STATE/worker.token\""
    echo "  identity_dir: \"$STATE/worker-$i/identity\""
    echo "  labels:"
    echo "    local.worker: \"$i\""
  } >"$f"
}

show_log_tail() { [ -f "$STATE/$1.log" ] && { echo "--- last lines of $STATE/$1.log:" >&2; tail -n 15 "$STATE/$1.log" >&2; } || true; }

cmd_start() {
  local workers=2
  while [ $# -gt 0 ]; do
    case "$1" in
      --workers) [ $# -ge 2 ] || usage; workers=$2; shift 2 ;;
      --workers=*) workers=${1#--workers=}; shift ;;
      *) echo "local-cluster: unknown option $1" >&2; usage ;;
    esac
  done
  [[ "$workers" =~ ^[0-9]+$ ]] && [ "$workers" -le 50 ] || die "--workers must be a number from 0 to 50, got '$workers'"
  [ -x "$MUSTER" ] || die "$MUSTER is not executable (set MUSTER_BIN, or run from a release or source checkout)"
  abs_state
  local i name
  for i in "${SERVERS[@]}"; do running "server-$i" && die "server-$i is already running (pid $(pid_of "server-$i")); run '$0 stop' first"; done
  for i in "${SERVERS[@]}"; do
    for p in "${API_PORTS[i-1]}" "${RAFT_PORTS[i-1]}" "${GRPC_PORTS[i-1]}"; do
      port_busy "$p" && die "port $p on 127.0.0.1 is already in use; stop whatever listens there"
    done
  done
  mkdir -p "$STATE"
  abs_state                           # now that it exists: the canonical path, the one stop and status will see
  chmod 700 "$STATE"
  touch "$STATE/$MARKER"
  umask 077

  for i in "${SERVERS[@]}"; do
    mkdir -p "$STATE/server-$i"
    write_server_config "$i"
  done
  # The documented bootstrap: `muster server init` on the first server makes the cluster CA and prints the cluster
  # secret; the other servers get the secret (a 0600 file) and fetch their certificates from server 1 with it.
  if [ ! -s "$STATE/cluster.secret" ]; then
    "$MUSTER" server init --config "$STATE/server-1.yaml" >"$STATE/cluster.secret" 2>"$STATE/server-init.err" \
      || { cat "$STATE/server-init.err" >&2; rm -f "$STATE/cluster.secret"; die "'muster server init' failed"; }
    say "cluster secret saved to $STATE/cluster.secret (mode 0600)"
  fi
  for i in "${SERVERS[@]}"; do
    launch "server-$i" "-Xmx384m" server --config "$STATE/server-$i.yaml"
  done
  say "started 3 servers (API 127.0.0.1:${API_PORTS[0]},${API_PORTS[1]},${API_PORTS[2]}); waiting for a leader..."
  if ! wait_for "$WAIT_SECS" test -s "$STATE/server-1/ca.pem"; then
    show_log_tail server-1
    die "server-1 did not write $STATE/server-1/ca.pem within $WAIT_SECS s (processes left running for inspection; '$0 stop' ends them)"
  fi
  if [ ! -s "$STATE/acl.token" ]; then
    if ! wait_for "$WAIT_SECS" acl_bootstrap; then
      show_log_tail server-1
      cat "$STATE/acl-bootstrap.err" >&2 2>/dev/null || true
      die "ACL bootstrap did not succeed within $WAIT_SECS s: no leader? (processes left running; '$0 stop' ends them)"
    fi
    say "ACLs bootstrapped; management token saved to $STATE/acl.token (mode 0600)"
  fi
  if ! wait_for "$WAIT_SECS" leader_elected; then
    show_log_tail server-1
    die "no leader elected within $WAIT_SECS s (processes left running; '$0 stop' ends them)"
  fi

  if [ "$workers" -gt 0 ]; then
    # A fresh token each start (tokens expire); workers that registered before keep their identity.
    cli node generate-worker-token --valid-for 3600 --max-uses "$workers" >"$STATE/worker.token.tmp" \
      || die "muster node generate-worker-token failed"
    mv "$STATE/worker.token.tmp" "$STATE/worker.token"
    for ((i = 1; i <= workers; i++)); do
      name="worker-$i"
      running "$name" && continue
      mkdir -p "$STATE/$name"
      write_worker_config "$i"
      launch "$name" "-Xmx192m" worker --config "$STATE/$name.yaml"
    done
    say "started $workers worker(s); waiting until they are ready..."
    if ! wait_for "$WAIT_SECS" enough_workers "$workers"; then
      show_log_tail worker-1
      die "only $(ready_workers) of $workers workers are ready after $WAIT_SECS s (processes left running; '$0 stop' ends them)"
    fi
  fi

  {
    echo "export MUSTER_ADDR=https://127.0.0.1:${API_PORTS[0]}"
    printf 'export MUSTER_CACERT=%q\n' "$STATE/server-1/ca.pem"
    printf 'export MUSTER_ACL_TOKEN="$(cat %q)"\n' "$STATE/acl.token"
  } >"$STATE/env"
  cat <<EOF

Muster local cluster is up: 3 servers, $workers worker(s). To use the CLI against it:
  . $STATE/env        # sets MUSTER_ADDR, MUSTER_CACERT, MUSTER_ACL_TOKEN
  $MUSTER cluster status
  $MUSTER node list
  $MUSTER job run $SCRIPT_DIR/../examples/batch-hello.yaml --wait
Logs: $STATE/*.log    Stop: $0 stop    Delete all data: $0 clean
EOF
}

stop_one() {
  local name=$1 pid
  pid=$(pid_of "$name")
  if ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while ours "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
    if ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; say "$name (pid $pid) did not stop in 30 s; killed"; else say "stopped $name (pid $pid)"; fi
  fi
  rm -f "$STATE/$name.pid"
}

# Exec tasks run in their own session and outlive their worker by design; in a local cluster they
# go with it. A task is a process whose environment has MUSTER_ALLOC_ID (set by the exec driver) and
# whose working directory is inside a local worker's data directory.
stop_tasks() {
  local p cwd n=0
  for p in /proc/[0-9]*; do
    cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
    case "$cwd" in "$STATE"/worker-*) ;; *) continue ;; esac
    tr '\0' '\n' <"$p/environ" 2>/dev/null | grep -q '^MUSTER_ALLOC_ID=' || continue
    kill -TERM "${p#/proc/}" 2>/dev/null && n=$((n + 1))
  done
  [ "$n" -eq 0 ] || say "stopped $n leftover task process(es)"
}

cmd_stop() {
  [ -d "$STATE" ] || { say "nothing to stop ($STATE does not exist)"; return 0; }
  abs_state
  local f name
  for f in "$STATE"/worker-*.pid; do [ -e "$f" ] && stop_one "$(basename "$f" .pid)"; done
  stop_tasks
  for f in "$STATE"/server-*.pid; do [ -e "$f" ] && stop_one "$(basename "$f" .pid)"; done
  return 0
}

cmd_status() {
  [ -d "$STATE" ] || { say "not started ($STATE does not exist)"; return 3; }
  abs_state
  local f name any=0
  for f in "$STATE"/server-*.pid "$STATE"/worker-*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    if running "$name"; then printf '  %-10s running (pid %s)\n' "$name" "$(pid_of "$name")"; any=1
    else printf '  %-10s stopped\n' "$name"; fi
  done
  [ "$any" -eq 1 ] || { say "nothing is running"; return 3; }
  if running server-1 || running server-2 || running server-3; then
    echo
    cli cluster status || true
    [ -s "$STATE/acl.token" ] && { echo; cli node list || true; }
  fi
  return 0
}

cmd_clean() {
  [ -d "$STATE" ] || { say "nothing to clean ($STATE does not exist)"; return 0; }
  abs_state
  [ -f "$STATE/$MARKER" ] || die "$STATE was not created by this script (no $MARKER); not deleting it"
  cmd_stop
  rm -rf "$STATE"
  say "deleted $STATE"
}

[ $# -ge 1 ] || usage
action=$1; shift
case "$action" in
  start) cmd_start "$@" ;;
  stop) [ $# -eq 0 ] || usage; cmd_stop ;;
  status) [ $# -eq 0 ] || usage; cmd_status ;;
  clean) [ $# -eq 0 ] || usage; cmd_clean ;;
  -h|--help|help) usage ;;
  *) echo "local-cluster: unknown command '$action'" >&2; usage ;;
esac
