# Sourced by ./amalgam and ./build: exports JAVA_HOME pointing at a JDK 25 or newer.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*25*, then any newer JDK there.
amalgam_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1
}
amalgam_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(amalgam_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
if ! AMALGAM_JDK=$(amalgam_find_jdk); then
  echo "amalgam: no JDK 25 found (set JAVA_HOME or install one under /usr/lib/jvm)" >&2
  exit 2
fi
export JAVA_HOME="$AMALGAM_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
