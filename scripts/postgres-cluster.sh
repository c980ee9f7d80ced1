#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for the tests and benchmarks: initdb into a
# temporary folder, a free port, trust authentication for loopback only. Source it:
#
#   source scripts/postgres-cluster.sh && postgres_cluster_start
#
# It exports PLAYBOOK_TEST_POSTGRES=postgres://playbook@127.0.0.1:PORT/postgres and stops the
# cluster (and removes its folder) when the shell exits. Installs Debian's postgresql when missing.
# PostgreSQL refuses to run as root: as root, the server runs as the 'postgres' user.

postgres_cluster_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    done
    return 1
}

postgres_cluster_start() {
    local bin
    if ! bin=$(postgres_cluster_bin); then
        if command -v apt-get >/dev/null 2>&1; then
            echo "postgres-cluster: installing Debian's postgresql" >&2
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        fi
        bin=$(postgres_cluster_bin) || { echo "postgres-cluster: PostgreSQL is not installed and cannot be installed here" >&2; return 1; }
    fi
    local owner="" run=()
    if [ "$(id -u)" = 0 ]; then
        owner=postgres
        id -u "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
        run=(runuser -u "$owner" --)
    fi
    PLAYBOOK_PG_DIR=$(mktemp -d /tmp/playbook-pg.XXXXXX)
    [ -n "$owner" ] && chown "$owner" "$PLAYBOOK_PG_DIR"
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    "${run[@]}" "$bin/initdb" -D "$PLAYBOOK_PG_DIR/data" -U playbook --auth=trust -E UTF8 --locale=C.UTF-8 >"$PLAYBOOK_PG_DIR/initdb.log" 2>&1 \
        || { cat "$PLAYBOOK_PG_DIR/initdb.log" >&2; return 1; }
    "${run[@]}" "$bin/pg_ctl" -D "$PLAYBOOK_PG_DIR/data" -l "$PLAYBOOK_PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PLAYBOOK_PG_DIR -c max_connections=300 ${PLAYBOOK_PG_OPTIONS:-}" start >/dev/null \
        || { cat "$PLAYBOOK_PG_DIR/server.log" >&2; return 1; }
    PLAYBOOK_PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$PLAYBOOK_PG_DIR/data" -m immediate -w stop)
    trap postgres_cluster_stop EXIT
    export PLAYBOOK_TEST_POSTGRES="postgres://playbook@127.0.0.1:$port/postgres"
    echo "postgres-cluster: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($PLAYBOOK_PG_DIR)" >&2
}

postgres_cluster_stop() {
    if [ -n "${PLAYBOOK_PG_DIR:-}" ] && [ -d "$PLAYBOOK_PG_DIR" ]; then
        "${PLAYBOOK_PG_STOP[@]}" >/dev/null 2>&1 || true
        rm -rf "$PLAYBOOK_PG_DIR"
    fi
}
