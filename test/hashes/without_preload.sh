#!/usr/bin/env bash
# Without shared_preload_libraries = 'auth' the functions that count failed password
# checks refuse with 55000 and a hint (the failure recorder needs the preloaded library:
# a failure it could not record would be a guess nobody counts), while sign-up and the
# checks that count nothing still work. Starts a throwaway server that does not preload
# the library. Prints TAP, for prove.
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

sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
# The SQLSTATE, message and hint of a statement's error, or "no error".
error_of() {
    local out
    out=$(psql -X -q -At -v VERBOSITY=verbose -c "$1" 2>&1 |
        sed -n 's/^ERROR:  \([0-9A-Z]*\): \(.*\)/\1 \2/p; s/^HINT:  \(.*\)/\1/p' | paste -sd'|' || true)
    echo "${out:-no error}"
}
n=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    n=$((n + 1))
    if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1 (expected '$2', got '$3')"; fail=1; fi
}

uid=$(sql -c 'CREATE EXTENSION auth' -c "SELECT auth_create_user('nopreload@example.com', 'quay lantern np 6')")
check "sign-up works without the preloaded library" 1 "$uid"
hint="Add auth to shared_preload_libraries in postgresql.conf and restart the server."
check "auth_login refuses with 55000 and a hint" "55000 auth_login needs the auth library preloaded|$hint" \
    "$(error_of "SELECT auth_login('nopreload@example.com', 'quay lantern np 6')")"
check "auth_verify_password refuses the same way" "55000 auth_verify_password needs the auth library preloaded|$hint" \
    "$(error_of "SELECT auth_verify_password('nopreload@example.com', 'a wrong password')")"
check "auth_change_password refuses the same way" "55000 auth_change_password needs the auth library preloaded|$hint" \
    "$(error_of "SELECT auth_change_password($uid, 'quay lantern np 6', 'a new password')")"
check "nothing was counted or recorded" "0|0" \
    "$(sql -c "SELECT count(*) FROM auth.login_failures" -c "SELECT count(*) FROM auth.audit_log WHERE event LIKE '%failed'" | paste -sd'|')"
check "the error's log line carries no password" 0 "$(grep -c 'quay lantern np 6\|a wrong password' "$dir/server.log" || true)"
echo "1..$n"
exit $fail
