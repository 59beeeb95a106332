# Sourced by .ci/run: makes sure a Docker engine runs (dockerd --storage-driver=vfs) and that the
# test image muster-test/busybox:1 exists, built with `docker import` from Debian's busybox-static
# because no registry is reachable. Exports MUSTER_DOCKER_REQUIRED=1 so the Docker tests fail, not skip.
ci_apt() {
  if [ -z "${MUSTER_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null 2>&1 || true; MUSTER_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || ci_apt docker.io iptables || echo "ci: apt-get install docker.io failed" >&2
  if command -v dockerd >/dev/null 2>&1; then
    mkdir -p /var/log
    nohup dockerd --storage-driver=vfs >/var/log/muster-ci-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  fi
fi
if docker info >/dev/null 2>&1; then
  if ! docker image inspect muster-test/busybox:1 >/dev/null 2>&1; then
    [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static || ci_apt busybox-static || true
    BB=$(command -v busybox || echo /bin/busybox)
    ROOTFS=$(mktemp -d); mkdir -p "$ROOTFS/bin" "$ROOTFS/tmp" "$ROOTFS/etc"
    cp "$BB" "$ROOTFS/bin/busybox"
    for app in sh echo cat sleep ls env printenv true false id ps wc head tail grep touch mkdir rm; do ln -s busybox "$ROOTFS/bin/$app"; done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$ROOTFS/etc/passwd"
    tar -C "$ROOTFS" -c . | docker import --change 'ENV PATH=/bin' - muster-test/busybox:1 >/dev/null
    rm -rf "$ROOTFS"
  fi
  export MUSTER_DOCKER_REQUIRED=1
  echo "ci: docker ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null)), image muster-test/busybox:1"
else
  echo "ci: no Docker engine could be started; see /var/log/muster-ci-dockerd.log" >&2
  export MUSTER_DOCKER_REQUIRED=1   # the Docker tests fail loudly rather than pass without running
fi
