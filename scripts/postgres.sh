#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and CI: a cluster made with
# `initdb` in a temporary folder, listening on a free loopback port, with
# durability off (nothing in it outlives the run).
#
#   scripts/postgres.sh start [--owner PID]   prints the folder on line 1 and
#                                              the server's URL on line 2
#   scripts/postgres.sh stop FOLDER            stops it and deletes the folder
#
# With --owner, a watcher stops the server once process PID has exited: test
# binaries that start their own server (CONTACTS_TEST_POSTGRES unset) use it,
# since a test process has no hook that runs when it ends.
# `initdb` and `postgres` refuse to run as root; as root they run as the
# `postgres` user. Debian's `postgresql` package provides them (setup.sh
# installs it); PG_BINDIR points at another installation's bin folder.
set -euo pipefail

bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        echo "$PG_BINDIR"
        return
    fi
    local newest
    newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then
        echo "$newest"
    elif command -v pg_config >/dev/null; then
        pg_config --bindir
    else
        echo "postgres.sh: no PostgreSQL found: run scripts/setup.sh (Debian's postgresql package) or set PG_BINDIR" >&2
        exit 1
    fi
}

# Runs a command as the server's owner: the postgres user when we are root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local owner=""
    if [ "${1:-}" = "--owner" ]; then
        owner="$2"
    fi
    local bin
    bin="$(bindir)"
    local dir
    dir="$(mktemp -d "${TMPDIR:-/tmp}/contacts-pg.XXXXXX")"
    chmod 755 "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    # A free port: try a few at random; pg_ctl -w fails when one is taken.
    local port tries=0
    while :; do
        port=$((20000 + RANDOM % 40000))
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
            -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
                -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                -c max_connections=300 -c shared_buffers=128MB" >/dev/null 2>&1; then
            break
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge 10 ]; then
            echo "postgres.sh: the server did not start; its log:" >&2
            cat "$dir/server.log" >&2 || true
            exit 1
        fi
    done
    if [ -n "$owner" ]; then
        # Detached from the caller's output, so it does not hold a pipe open.
        nohup bash -c "while kill -0 $owner 2>/dev/null; do sleep 1; done; \"$0\" stop \"$dir\"" \
            </dev/null >/dev/null 2>&1 &
    fi
    echo "$dir"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
}

stop() {
    local dir="${1:?usage: postgres.sh stop FOLDER}"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$dir" in
    */contacts-pg.*) rm -rf "$dir" ;;
    *) echo "postgres.sh: not removing $dir (not a folder this script made)" >&2 ;;
    esac
}

case "${1:-}" in
start) shift && start "$@" ;;
stop) shift && stop "$@" ;;
*)
    echo "usage: scripts/postgres.sh start [--owner PID] | stop FOLDER" >&2
    exit 2
    ;;
esac
