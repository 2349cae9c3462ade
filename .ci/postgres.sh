#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: installs Debian's `postgresql` if its
# binaries are missing, starts a server on a loopback port in a temporary directory, exports
# DATABASE_URL for a role allowed to create databases, runs "$@", and stops the server.
# When the package cannot be installed, says so and runs "$@" without DATABASE_URL (conduit's
# PostgreSQL tests then print why they are skipped).
#
#   .ci/postgres.sh cargo test --workspace --all-features
set -euo pipefail

port="${PGPORT_FOR_TESTS:-54329}"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin="$(find_bin)"
if [ -z "$bin" ]; then
    echo "== postgres: installing Debian's postgresql" >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2; then
        echo "== postgres: SKIPPED: the postgresql package could not be installed; running without it: $*" >&2
        exec "$@"
    fi
    bin="$(find_bin)"
fi

# PostgreSQL refuses to run as root: the server runs as the `postgres` user the package creates.
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir="$(mktemp -d)"
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
stop() {
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $dir" start >/dev/null
as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q \
    -c "CREATE ROLE conduit LOGIN CREATEDB" >/dev/null

echo "== postgres: server on 127.0.0.1:$port; running: $*" >&2
DATABASE_URL="postgres://conduit@127.0.0.1:$port/postgres" "$@"
