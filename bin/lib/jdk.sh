# Sourced by bin/ scripts: finds a JDK >= 25 ($JAVA_HOME, then /usr/lib/jvm/*) without starting a JVM.
jdk_major() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -n1; }
find_jdk() {
    local home v
    for home in ${JAVA_HOME:+"$JAVA_HOME"} $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sed 's:/$::' | sort -rV); do
        [ -x "$home/bin/java" ] || continue
        v=$(jdk_major "$home")
        if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$home"; return 0; fi
    done
    return 1
}
