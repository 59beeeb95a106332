# Sourced by .ci/run: tools some tests call (each test skips with a reason when run elsewhere without them).
apt_install() {
  if [ -z "${MUSTER_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null 2>&1 || true; MUSTER_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}
command -v systemd-analyze >/dev/null 2>&1 || apt_install systemd || echo "ci: could not install systemd (systemd-analyze)" >&2
command -v setsid >/dev/null 2>&1 || apt_install util-linux || true
