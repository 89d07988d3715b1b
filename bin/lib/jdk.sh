# Sourced by bin/ scripts: finds a JDK >= 25 ($JAVA_HOME, then the newest under /usr/lib/jvm) from the JDKs'
# release files, with shell builtins only (no JVM start, no subprocesses: this runs on every command).
jdk_major() {
    local line
    [ -r "$1/release" ] || return 1
    while IFS= read -r line; do
        if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
            echo "${BASH_REMATCH[1]}"
            return 0
        fi
    done <"$1/release"
    return 1
}
find_jdk() {
    local home v best="" bestv=0
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        v=$(jdk_major "$JAVA_HOME") && [ "$v" -ge 25 ] && { echo "$JAVA_HOME"; return 0; }
    fi
    for home in /usr/lib/jvm/*/; do
        home=${home%/}
        [ -x "$home/bin/java" ] || continue
        v=$(jdk_major "$home") || continue
        if [ "$v" -ge 25 ] && [ "$v" -gt "$bestv" ]; then best=$home; bestv=$v; fi
    done
    [ -n "$best" ] && echo "$best"
}
