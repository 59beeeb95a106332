# Sourced by bin/muster and bin/test: picks a JDK >= 21 when the default `java` is older.
# The major version of a java binary: from the JDK's release file when it has one (no JVM start: that costs a
# client command 0.1-0.9 s), else by asking the JVM.
muster_java_major() {
  local bin=$1 line v=""
  [ -L "$bin" ] && bin=$(readlink -f "$bin" 2>/dev/null || echo "$bin")
  if [ -r "${bin%/*}/../release" ]; then
    while IFS= read -r line; do
      case $line in JAVA_VERSION=*) v=${line#JAVA_VERSION=\"}; v=${v%%[!0-9]*}; break ;; esac
    done < "${bin%/*}/../release"
    [ "$v" = "1" ] && v=""                          # 1.8-style numbering: ask the JVM
  fi
  if [ -z "$v" ]; then
    v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1 | cut -d. -f1)
  fi
  echo "$v"
}
muster_pick_java() {
  local cand
  for cand in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
    [ -n "$cand" ] && [ -x "$cand" ] || continue
    local major; major=$(muster_java_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      JAVA_HOME=$(cd "$(dirname "$cand")/.." && pwd); export JAVA_HOME
      JAVA="$JAVA_HOME/bin/java"
      MUSTER_JAVA_MAJOR=$major
      # JDK 24+ warns about sun.misc.Unsafe used by Maven's Guice and by Netty; silence it where the flag exists.
      if [ "$major" -ge 24 ]; then MUSTER_JDK_FLAGS="--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"; else MUSTER_JDK_FLAGS=""; fi
      export MUSTER_JDK_FLAGS
      return 0
    fi
  done
  echo "muster: no Java >= 21 found (looked at JAVA_HOME, java on PATH and /usr/lib/jvm/*); install one, e.g. apt-get install openjdk-21-jdk-headless" >&2
  return 1
}
