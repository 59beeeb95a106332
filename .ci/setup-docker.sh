# Sourced by .ci/run: makes sure a Docker engine runs (dockerd --storage-driver=vfs) and that the
# test image muster-test/busybox:1 exists, built with `docker import` from Debian's busybox-static
# because no registry is reachable. Exports MUSTER_DOCKER_REQUIRED=1 so the Docker tests fail, not skip.
# Sourced under `set -euo pipefail`: every step that may fail is guarded and says what went wrong.
ci_apt() {
  if [ -z "${MUSTER_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null 2>&1 || true; MUSTER_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}
MUSTER_DOCKERD_LOG=/var/log/muster-ci-dockerd.log
if ! docker info >/dev/null 2>&1; then
  # docker.io brings dockerd, containerd, runc and tini (docker-init, used by the driver's --init).
  command -v dockerd >/dev/null 2>&1 || ci_apt docker.io iptables || echo "ci: apt-get install docker.io failed" >&2
  # Debian's docker.io ships a client in /usr/bin; an older engine still serves newer clients (API negotiation).
  command -v docker >/dev/null 2>&1 || echo "ci: no docker client on PATH after installing docker.io" >&2
  if command -v dockerd >/dev/null 2>&1; then
    mkdir -p /var/log
    nohup dockerd --storage-driver=vfs >"$MUSTER_DOCKERD_LOG" 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  fi
fi
if docker info >/dev/null 2>&1; then
  if ! docker image inspect muster-test/busybox:1 >/dev/null 2>&1; then
    # Only a static busybox works in an image with no libc; Debian's busybox-static provides /bin/busybox.
    dpkg -s busybox-static >/dev/null 2>&1 || ci_apt busybox-static || echo "ci: apt-get install busybox-static failed" >&2
    BB=/bin/busybox
    ROOTFS=$(mktemp -d); mkdir -p "$ROOTFS/bin" "$ROOTFS/tmp" "$ROOTFS/etc"
    cp "$BB" "$ROOTFS/bin/busybox" || echo "ci: $BB missing" >&2
    for app in sh echo cat sleep ls env printenv true false id ps wc head tail grep touch mkdir rm; do ln -s busybox "$ROOTFS/bin/$app"; done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$ROOTFS/etc/passwd"
    tar -C "$ROOTFS" -c . | docker import --change 'ENV PATH=/bin' - muster-test/busybox:1 >/dev/null \
      || echo "ci: docker import of muster-test/busybox:1 failed" >&2
    rm -rf "$ROOTFS"
  fi
  # Smoke test with the docker driver's sandbox options: a kernel or engine lacking one of them
  # (cgroup controllers, tmpfs, init) is reported here by name rather than as a failing Java test.
  if ! MUSTER_SMOKE=$(docker run --rm --init --network none --cap-drop ALL --read-only --tmpfs /tmp:size=16m \
        --security-opt no-new-privileges --memory 64m --memory-swap 64m --pids-limit 256 --cpus 0.5 \
        muster-test/busybox:1 sh -c 'echo sandbox-ok' 2>&1) || [ "$MUSTER_SMOKE" != "sandbox-ok" ]; then
    echo "ci: sandboxed smoke container failed: $MUSTER_SMOKE" >&2
  fi
  export MUSTER_DOCKER_REQUIRED=1
  echo "ci: docker ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null || true)), image muster-test/busybox:1"
else
  echo "ci: no Docker engine could be started; last lines of $MUSTER_DOCKERD_LOG:" >&2
  tail -n 20 "$MUSTER_DOCKERD_LOG" >&2 2>/dev/null || true
  export MUSTER_DOCKER_REQUIRED=1   # the Docker tests fail loudly rather than pass without running
fi
