# Sourced by .ci/run and scripts/*.sh: exports JAVA_HOME (and PATH) for a JDK 21+ (we build and run with JDK 25).
# Uses JAVA_HOME or the default java when new enough, else the newest-listed JDK 21+ under /usr/lib/jvm.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 21 ]; then
  :
elif command -v java >/dev/null && [ "$(java_major "$(command -v java)")" -ge 21 ]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
else
  JAVA_HOME=""
  for candidate in /usr/lib/jvm/*; do
    if [ -x "$candidate/bin/java" ] && [ "$(java_major "$candidate/bin/java")" -ge 21 ]; then
      JAVA_HOME="$candidate"
    fi
  done
  if [ -z "$JAVA_HOME" ]; then
    echo "No JDK 21+ found: install one (e.g. Temurin 25) or set JAVA_HOME" >&2
    exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
