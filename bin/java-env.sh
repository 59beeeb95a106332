# Sourced by bin/muster and bin/test: picks a JDK >= 21 when the default `java` is older.
muster_java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1 | cut -d. -f1; }
muster_pick_java() {
  local cand
  for cand in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
    [ -n "$cand" ] && [ -x "$cand" ] || continue
    local major; major=$(muster_java_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      JAVA_HOME=$(cd "$(dirname "$cand")/.." && pwd); export JAVA_HOME
      JAVA="$JAVA_HOME/bin/java"
      # JDK 24+ warns about sun.misc.Unsafe used by Maven's Guice and by Netty; silence it where the flag exists.
      if [ "$major" -ge 24 ]; then MUSTER_JDK_FLAGS="--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"; else MUSTER_JDK_FLAGS=""; fi
      export MUSTER_JDK_FLAGS
      return 0
    fi
  done
  echo "muster: no Java >= 21 found (looked at JAVA_HOME, java on PATH and /usr/lib/jvm/*); install one, e.g. apt-get install openjdk-21-jdk-headless" >&2
  return 1
}
