#!/usr/bin/env bash
# Without shared_preload_libraries the bound on concurrent hashes still holds: the first
# backend that hashes creates the counter in the server's spare shared memory. Starts a
# throwaway server that does not preload the library (but has the server key file a
# preloaded start made) and runs hash_slots.sh against it.
# Prints TAP, for prove.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
dir=$(mktemp -d /tmp/auth-nopreload.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
superuser=postgres
[ "$(id -u)" = 0 ] || superuser=$(id -un)
as_server_owner initdb -D "$dir/data" -U "$superuser" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# One start with the library preloaded makes the server key file (CREATE EXTENSION seals
# the first signing key with it); the test then runs on a server that does not preload.
as_server_owner pg_ctl -D "$dir/data" -l "$dir/server.log" -w -s \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c shared_preload_libraries=auth" start
as_server_owner pg_ctl -D "$dir/data" -m fast -w -s stop
as_server_owner pg_ctl -D "$dir/data" -l "$dir/server.log" -w -s \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off" start
trap 'as_server_owner pg_ctl -D "$dir/data" -m fast -w -s stop; rm -rf "$dir"' EXIT
export PGHOST="$dir" PGPORT=5432 PGUSER="$superuser" PGDATABASE=postgres
[ -z "$(psql -X -At -c 'SHOW shared_preload_libraries')" ] || { echo "1..0 # skip the server preloads a library"; exit 0; }
bash "$here/hash_slots.sh"
