#!/usr/bin/env bash
# A compose server's start (deploy/compose.yaml). server1 (MUSTER_INIT=1) runs `muster server init` on its first start:
# the cluster CA and the cluster secret land in its data volume (mode 0600, owned by the image's user). The others wait
# for that secret (server1's volume, mounted read-only at MUSTER_SECRET_FILE's directory) and fetch their certificates
# from server1 with it. Workers never mount server1's volume.
set -euo pipefail
umask 077
CONFIG=/etc/muster/server.yaml
if [ "${MUSTER_INIT:-}" = 1 ]; then
  [ -s /var/lib/muster/cluster.secret ] || muster server init --config "$CONFIG" >/dev/null
  exec muster server --config "$CONFIG"
fi
: "${MUSTER_SECRET_FILE:?set MUSTER_SECRET_FILE to the cluster secret of server1}"
for _ in $(seq 1 300); do [ -s "$MUSTER_SECRET_FILE" ] && break; sleep 1; done
[ -s "$MUSTER_SECRET_FILE" ] || { echo "server: $MUSTER_SECRET_FILE did not appear in 300 s; is server1 running?" >&2; exit 1; }
exec muster server --config "$CONFIG" --secret-file "$MUSTER_SECRET_FILE"
