# Shared steps of scripts/demo and scripts/test: dependencies, build, throwaway server.
# Sourced, not run.

# AUTH_PG_BIN points at another PostgreSQL 15 installation's bin directory (a private copy,
# say); by default Debian's.
PG_BIN=${AUTH_PG_BIN:-/usr/lib/postgresql/15/bin}
export PATH="$PG_BIN:$PATH" PG_CONFIG="$PG_BIN/pg_config"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs whatever Debian package in scripts/packages.txt is missing.
install_dependencies() {
    local wanted missing=()
    wanted=$(grep -v '^#' "$ROOT/scripts/packages.txt")
    for p in $wanted; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
}

# Builds the extension with PGXS and installs it into the system's PostgreSQL 15.
build_and_install() {
    echo "== building and installing the extension"
    make -C "$ROOT" -s
    as_root make -C "$ROOT" -s install PG_CONFIG="$PG_CONFIG"
}

# Runs a command as the server's owner: postgres when we are root (PostgreSQL refuses
# to run as root), ourselves otherwise.
as_server_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a PostgreSQL 15 server in a new temporary directory, listening on a Unix
# socket there only, and points libpq's PG* variables at it. Stopped by stop_server.
start_server() {
    SERVER_DIR=$(mktemp -d /tmp/auth-server.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$SERVER_DIR"
    local superuser=postgres
    [ "$(id -u)" = 0 ] || superuser=$(id -un)
    as_server_owner initdb -D "$SERVER_DIR/data" -U "$superuser" --auth=trust -E UTF8 \
        --locale=C.UTF-8 >/dev/null
    as_server_owner pg_ctl -D "$SERVER_DIR/data" -l "$SERVER_DIR/server.log" -w -s \
        -o "-c listen_addresses='' -c unix_socket_directories='$SERVER_DIR' -c fsync=off \
           -c shared_preload_libraries=auth" start
    export PGHOST="$SERVER_DIR" PGPORT=5432 PGUSER="$superuser" PGDATABASE=postgres
    trap stop_server EXIT
}

# Stops the throwaway server and removes its directory.
stop_server() {
    if [ -n "${SERVER_DIR:-}" ] && [ -d "$SERVER_DIR/data" ]; then
        as_server_owner pg_ctl -D "$SERVER_DIR/data" -m fast -w -s stop || true
        rm -rf "$SERVER_DIR"
    fi
}

# Starts a streaming hot standby of the throwaway server (libpq's PG* variables name it) in
# a new temporary directory STANDBY_DIR, on a socket there and port 5499, with the library
# preloaded as 0.2.0 requires (pass -c shared_preload_libraries= to show what works
# without); extra server options as arguments. Stopped by stop_standby.
start_standby() {
    STANDBY_DIR=$(mktemp -d /tmp/auth-standby.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$STANDBY_DIR"
    as_server_owner pg_basebackup -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -D "$STANDBY_DIR/data" \
        -R -X stream -c fast
    as_server_owner pg_ctl -D "$STANDBY_DIR/data" -l "$STANDBY_DIR/server.log" -w -s \
        -o "-c port=5499 -c listen_addresses='' -c unix_socket_directories='$STANDBY_DIR' \
           -c hot_standby=on -c shared_preload_libraries=auth $*" start
}

# Stops the standby and removes its directory.
stop_standby() {
    [ -n "${STANDBY_DIR:-}" ] || return 0
    as_server_owner pg_ctl -D "$STANDBY_DIR/data" -m immediate -w -s stop 2>/dev/null || true
    rm -rf "$STANDBY_DIR"
}

# Runs psql against database $1 on the standby.
on_standby() {
    local db=$1
    shift
    psql -X -q -At -h "$STANDBY_DIR" -p 5499 -d "$db" "$@"
}

# Waits until the standby has replayed everything database $1's primary has written so far.
standby_catch_up() {
    local lsn
    lsn=$(psql -X -q -At -d "$1" -c 'SELECT pg_current_wal_insert_lsn()')
    for _ in $(seq 100); do
        [ "$(on_standby "$1" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && return
        sleep 0.1
    done
}
