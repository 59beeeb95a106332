#!/usr/bin/env bash
# The compose cluster's one-shot setup (deploy/compose.yaml): wait for server1's CA certificate and a
# Raft leader, bootstrap ACLs once (management token kept in $SHARED/acl.token), then write a worker
# token to $SHARED/worker.token for the worker replicas. Safe to re-run: each step is skipped when done.
# $SHARED is MUSTER_SHARED_DIR (default /shared): the volume the workers read the token from.
set -euo pipefail
: "${MUSTER_ADDR:?}" "${MUSTER_CACERT:?}"
SHARED=${MUSTER_SHARED_DIR:-/shared}
umask 077
for _ in $(seq 1 180); do [ -s "$MUSTER_CACERT" ] && break; sleep 1; done
[ -s "$MUSTER_CACERT" ] || { echo "bootstrap: $MUSTER_CACERT did not appear; is server1 running?" >&2; exit 1; }
if [ ! -s "$SHARED/acl.token" ]; then
  # Until ACLs exist only this call is answered, and only once there is a leader: retry until it is.
  until muster acl bootstrap -o json >"$SHARED/acl-bootstrap.out" 2>"$SHARED/acl-bootstrap.err"; do
    if grep -qi "already bootstrapped" "$SHARED/acl-bootstrap.out" "$SHARED/acl-bootstrap.err"; then
      echo "bootstrap: ACLs were bootstrapped already but $SHARED/acl.token is missing; recreate the cluster (down -v)" >&2
      exit 1
    fi
    sleep 2
  done
  # the secret_id of the JSON answer; else the last word of the output
  tok=$(tr -d '\n' <"$SHARED/acl-bootstrap.out" | sed -n 's/.*"secret_id" *: *"\([^"]*\)".*/\1/p')
  [ -n "$tok" ] || tok=$(grep -v '^[[:space:]]*$' "$SHARED/acl-bootstrap.out" | tail -1 | awk '{print $NF}')
  printf '%s\n' "$tok" >"$SHARED/acl.token"
  rm -f "$SHARED/acl-bootstrap.out" "$SHARED/acl-bootstrap.err"
  echo "bootstrap: ACLs bootstrapped; management token in the shared volume (acl.token)"
fi
MUSTER_ACL_TOKEN=$(cat "$SHARED/acl.token")
export MUSTER_ACL_TOKEN
until muster cluster status -o json 2>/dev/null | tr -d '\n' | grep -Eq '"leader_id" *: *"?[1-9]'; do sleep 1; done
if [ ! -s "$SHARED/worker.token" ]; then
  muster node generate-worker-token --valid-for 86400 --max-uses 1000 >"$SHARED/worker.token.tmp"
  mv "$SHARED/worker.token.tmp" "$SHARED/worker.token"
  echo "bootstrap: worker token written (valid 24 h, up to 1000 workers)"
fi
