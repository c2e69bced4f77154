#!/usr/bin/env bash
# Sourced by .ci/run: a PostgreSQL server on 127.0.0.1 for the database-sync tests.
# Installs the distribution's package if the server is missing (root only), starts a
# throw-away cluster owned by the `postgres` user on its own port, exports its URL as
# AGENT_SYNC_TEST_POSTGRES, and stops it when the script that sourced this one exits.
# Under CI=true, a server that cannot be had is a failure (the tests never skip there).

pg_fail() {
    echo "postgres: $*" >&2
    if [ "${CI:-}" = "true" ]; then exit 1; fi
    echo "postgres: the PostgreSQL tests will say they are skipped" >&2
}

pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_start() {
    local bin port dir
    bin="$(pg_bin)"
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        if [ "$(id -u)" != "0" ]; then
            pg_fail "no PostgreSQL server installed, and installing one needs root"
            return 0
        fi
        echo "postgres: installing the distribution's package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2 \
            || { pg_fail "apt-get install postgresql failed"; return 0; }
        bin="$(pg_bin)"
    fi
    if [ "$(id -u)" != "0" ] && [ "$(id -un)" != "postgres" ]; then
        pg_fail "starting a cluster needs root (to run it as the postgres user)"
        return 0
    fi
    port="${AGENT_SYNC_PG_PORT:-54329}"
    dir="$(mktemp -d /tmp/agent-sync-pg.XXXXXX)"
    chown postgres:postgres "$dir"
    su postgres -s /bin/sh -c "'$bin/initdb' -D '$dir/data' -A trust -U postgres -E UTF8 >'$dir/initdb.log' 2>&1" \
        || { cat "$dir/initdb.log" >&2; pg_fail "initdb failed"; return 0; }
    su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w \
        -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null" \
        || { cat "$dir/server.log" >&2; pg_fail "the server did not start"; return 0; }
    export AGENT_SYNC_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
    PG_STOP="su postgres -s /bin/sh -c \"'$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null\"; rm -rf '$dir'"
    trap 'eval "$PG_STOP"' EXIT
    echo "postgres: $(basename "$(dirname "$bin")") on 127.0.0.1:$port" >&2
}

pg_start
