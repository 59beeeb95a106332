# shellcheck shell=bash
# Sourced by .ci/run: tools some tests call (each test skips with a reason when run elsewhere without them).
apt_install() {
  if [ -z "${MUSTER_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null 2>&1 || true; MUSTER_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}
# systemd-analyze (Debian package systemd) verifies the generated unit files. Installing the package
# in a container that does not boot with systemd is fine: only its tools are used.
command -v systemd-analyze >/dev/null 2>&1 || apt_install systemd || echo "ci: could not install systemd (systemd-analyze)" >&2
if command -v systemd-analyze >/dev/null 2>&1; then
  export MUSTER_SYSTEMD_REQUIRED=1   # from here on the unit verification tests fail rather than skip
fi
command -v setsid >/dev/null 2>&1 || apt_install util-linux || true
# Debian's Chromium for DashboardBrowserTest (the dashboard in a real headless browser); fonts-liberation is only a
# recommendation of the package, and screenshots need some font. From here on that test fails rather than skips.
command -v chromium >/dev/null 2>&1 || apt_install chromium fonts-liberation || echo "ci: could not install chromium" >&2
if [ -x /usr/bin/chromium ]; then
  export MUSTER_CHROMIUM_REQUIRED=1
fi
