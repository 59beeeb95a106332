#!/usr/bin/env bash
# Builds the Muster container image (deploy/Dockerfile) from this unpacked release, the directory
# above deploy/:
#   deploy/build-image.sh [--base IMAGE] [--tag NAME] [--rebuild-base]     (default tag: muster:local)
# --base: any image with bash, coreutils and Java 21+ (e.g. eclipse-temurin:21-jre).
# Without --base no registry is needed: a base image, muster-base:host2, is imported from this machine
# (`docker import` of a minimal root file system holding bash, coreutils, setsid and this host's
# Java 21+, with the shared libraries they load). It is reused on later runs unless --rebuild-base.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RELEASE=$(cd "$HERE/.." && pwd)
BASE=""
TAG=muster:local
REBUILD_BASE=""
# host2: the Dockerfile's RUN needs chown, which muster-base:host lacked; a new tag makes old copies unused.
HOST_BASE=muster-base:host2

die() { echo "build-image: $*" >&2; exit 1; }
usage() { sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --base) [ $# -ge 2 ] || usage; BASE=$2; shift 2 ;;
    --tag) [ $# -ge 2 ] || usage; TAG=$2; shift 2 ;;
    --rebuild-base) REBUILD_BASE=1; shift ;;
    -h|--help) usage ;;
    *) echo "build-image: unknown option $1" >&2; usage ;;
  esac
done

[ -d "$RELEASE/lib" ] || die "$RELEASE has no lib/: run this script from an unpacked release (./mvnw package builds deploy/target/muster-<version>.tar.gz)"
command -v docker >/dev/null 2>&1 || die "docker is not installed"
docker info >/dev/null 2>&1 || die "no Docker engine answers (is dockerd running, and may this user use it?)"

# Copies FILE (symbolic links resolved) into the root file system, at the same path.
put() {
  local f=$1
  [ -e "$ROOTFS$f" ] && return 0
  mkdir -p "$ROOTFS$(dirname "$f")"
  cp -L "$f" "$ROOTFS$f"
}

# Copies the shared libraries FILE needs (as ldd resolves them on this machine).
put_libs() {
  local lib
  while read -r lib; do
    [ -n "$lib" ] && [ -e "$lib" ] && put "$lib"
  done < <(ldd "$1" 2>/dev/null | grep -o '/[^ )]*' || true)
}

import_host_base() {
  # shellcheck source=../bin/java-env.sh
  . "$RELEASE/bin/java-env.sh"
  muster_pick_java || die "a Java 21+ runtime is needed on this machine to build the base image from it"
  command -v ldd >/dev/null 2>&1 || die "ldd (libc-bin) is needed to collect the shared libraries"
  ROOTFS=$(mktemp -d)
  trap 'rm -rf "$ROOTFS"' EXIT
  chmod 0755 "$ROOTFS" # it becomes the image's /: mktemp's 0700 would lock every user but root out
  # Merged-/usr layout, so /bin/sh, /usr/bin/env and /lib64/ld-linux-* all resolve.
  mkdir -p "$ROOTFS"/usr/{bin,sbin,lib,lib64} "$ROOTFS"/{etc,tmp,root,opt,var/lib/muster,var/tmp}
  ln -s usr/bin "$ROOTFS/bin"; ln -s usr/sbin "$ROOTFS/sbin"; ln -s usr/lib "$ROOTFS/lib"; ln -s usr/lib64 "$ROOTFS/lib64"
  chmod 1777 "$ROOTFS/tmp" "$ROOTFS/var/tmp"
  local t p
  # What bin/muster, the deploy scripts, the Dockerfile's RUN (user and data directory) and the exec driver
  # (setsid) use.
  for t in bash sh env dirname basename sed head tail cut cat tr grep awk seq sleep ls mkdir rm mv cp ln chmod \
           chown touch rmdir readlink id hostname date wc setsid uname ps; do
    p=$(command -v "$t" 2>/dev/null) || continue
    case "$p" in /*) ;; *) continue ;; esac     # a shell builtin has no file
    put "$p"
    put_libs "$p"
  done
  # The JVM, without what only developers use; links resolved (Debian's JDKs link into /etc).
  mkdir -p "$ROOTFS/opt/java"
  tar -C "$JAVA_HOME" -chf - --exclude=./jmods --exclude=./lib/src.zip --exclude=./man --exclude=./include \
      --exclude=./demo --exclude=./sample . | tar -C "$ROOTFS/opt/java" -xf -
  put_libs "$ROOTFS/opt/java/bin/java"
  while read -r so; do put_libs "$so"; done < <(find "$ROOTFS/opt/java" -name '*.so' -type f)
  # gRPC's OpenSSL (netty-tcnative) is unpacked from lib/ when it loads and needs libgcc_s, which nothing above
  # brings: without it TLS falls back to the JDK's, slower, and a revoked worker's refusal is not told apart.
  local natives
  natives=$(mktemp -d)
  for j in "$RELEASE"/lib/grpc-netty-shaded-*.jar; do
    [ -e "$j" ] && (cd "$natives" && { "$JAVA_HOME/bin/jar" xf "$j" META-INF/native || unzip -qo "$j" 'META-INF/native/*'; }) >/dev/null 2>&1 || true
  done
  while read -r so; do put_libs "$so"; done < <(find "$natives" -name '*.so' -type f)
  rm -rf "$natives"
  printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$ROOTFS/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOTFS/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
  echo "build-image: importing $HOST_BASE (bash, coreutils, $("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p') from $JAVA_HOME)"
  tar -C "$ROOTFS" -c . | docker import \
      --change 'ENV PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV JAVA_HOME=/opt/java' \
      - "$HOST_BASE" >/dev/null
}

if [ -z "$BASE" ]; then
  if [ -n "$REBUILD_BASE" ] || ! docker image inspect "$HOST_BASE" >/dev/null 2>&1; then import_host_base; fi
  BASE=$HOST_BASE
fi
docker build --build-arg BASE="$BASE" -t "$TAG" -f "$HERE/Dockerfile" "$RELEASE"
echo "build-image: built $TAG on $BASE"
