#!/usr/bin/env bash
# A failed check that the failure recorder cannot record is still counted, and never an
# error (an error only a wrong password could meet would tell a guesser the guess was
# wrong): with no background worker slot free (max_worker_processes = 1, taken by the
# logical replication launcher) every failure is counted in shared memory, answers NULL
# like any failure, and the account locks at auth.max_failed_logins. And a database
# owner who is not a superuser cannot stop the recorder with the database's settings
# (default_transaction_read_only, statement_timeout): it overrides them. Starts
# throwaway servers of its own. Prints TAP, for prove.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
dir=$(mktemp -d /tmp/auth-recorder.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
superuser=postgres
[ "$(id -u)" = 0 ] || superuser=$(id -un)
as_server_owner initdb -D "$dir/data" -U "$superuser" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
start() {  # start [server options]
    as_server_owner pg_ctl -D "$dir/data" -l "$dir/server.log" -w -s \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c shared_preload_libraries=auth $*" start
}
stop() { as_server_owner pg_ctl -D "$dir/data" -m fast -w -s stop; }
trap 'as_server_owner pg_ctl -D "$dir/data" -m immediate -w -s stop 2>/dev/null; rm -rf "$dir"' EXIT
export PGHOST="$dir" PGPORT=5432 PGUSER="$superuser" PGDATABASE=postgres
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
n=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    n=$((n + 1))
    if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1 (expected '$2', got '$3')"; fail=1; fi
}

# 1. No worker slot for the recorder.
start "-c max_worker_processes=1"
uid=$(sql -c 'CREATE EXTENSION auth' -c "SELECT auth_create_user('worker.test@example.com', 'Amber orbit 91 slot')")
answers=$(sql -c "SET auth.max_failed_logins = 3" \
    -c "SELECT coalesce(auth_login('worker.test@example.com', 'guess ' || n), 'refused') FROM generate_series(1, 3) n" \
    -c "SELECT coalesce(auth_login('worker.test@example.com', 'Amber orbit 91 slot'), 'refused')" | paste -sd'|')
check "with no worker slot free, three wrong guesses answer NULL, no error, and lock the account" \
    "refused|refused|refused|refused" "$answers"
check "the server log says the failures were counted in shared memory only" yes \
    "$(grep -q 'counted in shared memory only: no background worker slot was free' "$dir/server.log" && echo yes)"
check "the lock stands across connections" refused \
    "$(sql -c "SELECT coalesce(auth_login('worker.test@example.com', 'Amber orbit 91 slot'), 'refused')")"
stop

# 2. A database owner's settings do not stop the recorder.
start
sql -c "CREATE ROLE owner_$$ LOGIN" -c "CREATE DATABASE owned_$$ OWNER owner_$$" >/dev/null
# (A database its owner may create in: the extension goes into a schema of its own.)
sql -d "owned_$$" -c 'CREATE SCHEMA auth_api' -c 'CREATE EXTENSION auth SCHEMA auth_api' >/dev/null
uid=$(sql -d "owned_$$" -c "SELECT auth_api.auth_create_user('owner.test@example.com', 'Quartz meadow 92 slot')")
sql -U "owner_$$" -d "owned_$$" -c "ALTER DATABASE owned_$$ SET default_transaction_read_only = on" \
    -c "ALTER DATABASE owned_$$ SET statement_timeout = '1ms'" >/dev/null
answers=$(sql -d "owned_$$" -c "SET default_transaction_read_only = off" -c "SET statement_timeout = 0" \
    -c "SELECT coalesce(auth_api.auth_verify_password('owner.test@example.com', 'guess ' || n)::text, 'refused') FROM generate_series(1, 2) n" | paste -sd'|')
check "under the owner's read-only default and 1 ms timeout, wrong guesses answer NULL" "refused|refused" "$answers"
# (Polled: on a loaded machine the recorder may take long to start, and a failure it
# records after the check gave up waiting is counted twice, never lost.)
committed=""
for _ in $(seq 100); do
    committed=$(sql -d "owned_$$" -c "SET default_transaction_read_only = off" -c "SELECT failures FROM auth.login_failures WHERE user_id = $uid")
    [ "${committed:-0}" -ge 2 ] 2>/dev/null && break
    sleep 0.2
done
check "and the recorder committed both" yes "$([ "${committed:-0}" -ge 2 ] 2>/dev/null && echo yes || echo "no: ${committed:-none}")"
echo "1..$n"
exit $fail
