# Sourced by bin/test (as root): starts a throwaway PostgreSQL cluster for the store tests, so that they run
# against SQLite and PostgreSQL alike. Installs Debian's postgresql package when missing. The cluster lives in a
# temporary directory, listens only on 127.0.0.1 at a free port, and is stopped and removed by stop_postgres.
# Exports WARREN_TEST_POSTGRES_URL (a jdbc:postgresql URL with user and password).

PG_DIR=""
PG_BIN=""

start_postgres() {
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        echo "bin/test: installing postgresql (for the store tests)..."
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    fi
    [ -x "$PG_BIN/initdb" ] || { echo "bin/test: PostgreSQL's initdb not found after install" >&2; return 1; }
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    PG_DIR=$(mktemp -d /tmp/warren-pg.XXXXXX)
    chown postgres "$PG_DIR"
    local port pw
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
    echo "$pw" > "$PG_DIR/pw"
    chown postgres "$PG_DIR/pw"
    su postgres -s /bin/sh -c "'$PG_BIN/initdb' -D '$PG_DIR/data' -U warren --pwfile='$PG_DIR/pw' -A scram-sha-256 >'$PG_DIR/initdb.log' 2>&1" \
        || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/pg.log' -w -o \"-c listen_addresses=127.0.0.1 -p $port -k '$PG_DIR' -c fsync=off\" start >/dev/null" \
        || { cat "$PG_DIR/pg.log" >&2; return 1; }
    PGPASSWORD=$pw psql -h 127.0.0.1 -p "$port" -U warren -d postgres -qc "CREATE DATABASE warren" >/dev/null
    export WARREN_TEST_POSTGRES_URL="jdbc:postgresql://127.0.0.1:$port/warren?user=warren&password=$pw"
    echo "bin/test: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for the store tests"
}

stop_postgres() {
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ]; then
        su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate stop >/dev/null 2>&1" || true
    fi
    [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
    PG_DIR=""
}
