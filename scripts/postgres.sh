#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, benchmarks and trials: initdb in a temporary folder,
# listening on loopback and a socket in that folder, trust authentication, run as an unprivileged
# user (the `postgres` system user when started by root). Nothing outside the folder is touched.
#
#   eval "$(scripts/postgres.sh start [DIR] [PORT])"   # starts it; prints export RAPPORT_TEST_POSTGRES=...
#   scripts/postgres.sh restart DIR                     # fast stop + start (fault trials)
#   scripts/postgres.sh stop DIR                        # stops it and deletes DIR
#
# Installs PostgreSQL from Debian's packages if no initdb is found (needs root).
set -euo pipefail

bindir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    done
    return 1
}

as_owner() {
    # initdb and postgres refuse to run as root.
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

command="${1:-}"
case "$command" in
start)
    if ! BIN="$(bindir)"; then
        echo "installing PostgreSQL from Debian's packages" >&2
        apt-get update >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
        BIN="$(bindir)"
    fi
    DIR="${2:-$(mktemp -d /tmp/rapport-pg.XXXXXX)}"
    PORT="${3:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    as_owner "$BIN/initdb" -D "$DIR/data" -U rapport --auth=trust --no-sync -E UTF8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    # Durable like production (fsync on), sized for a small machine running many test schemas.
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=1000 -c shared_buffers=128MB" start >&2 \
        || { cat "$DIR/server.log" >&2; exit 1; }
    as_owner "$BIN/createdb" -h "$DIR" -p "$PORT" -U rapport rapport >&2
    echo "export RAPPORT_TEST_POSTGRES=postgres://rapport@127.0.0.1:$PORT/rapport"
    echo "export RAPPORT_PG_DIR=$DIR"
    ;;
restart)
    BIN="$(bindir)"; DIR="$2"
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 60 restart -l "$DIR/server.log" >&2
    ;;
stop)
    BIN="$(bindir)"; DIR="$2"
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    rm -rf "$DIR"
    ;;
*)
    echo "usage: scripts/postgres.sh start [DIR] [PORT] | restart DIR | stop DIR" >&2
    exit 2
    ;;
esac
