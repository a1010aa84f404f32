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
