#!/usr/bin/env bash
# Failed password checks survive crashes (issue 11, item 1): a failure answered inside a
# transaction that never commits stays counted when that backend is killed with SIGKILL
# (the server goes through crash recovery) and when the whole server stops without a
# shutdown (pg_ctl -m immediate); a guessing loop spread across both still locks the
# account at auth.max_failed_logins. Starts a throwaway server of its own, with the
# library preloaded. Prints TAP, for prove.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
dir=$(mktemp -d /tmp/auth-crash.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
superuser=postgres
[ "$(id -u)" = 0 ] || superuser=$(id -un)
as_server_owner initdb -D "$dir/data" -U "$superuser" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
server() {  # server start|stop-immediately
    case $1 in
        start) as_server_owner pg_ctl -D "$dir/data" -l "$dir/server.log" -w -s \
                   -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c shared_preload_libraries=auth" start ;;
        stop-immediately) as_server_owner pg_ctl -D "$dir/data" -m immediate -w -s stop ;;
    esac
}
server start
trap 'as_server_owner pg_ctl -D "$dir/data" -m immediate -w -s stop 2>/dev/null; rm -rf "$dir"' EXIT
export PGHOST="$dir" PGPORT=5432 PGUSER="$superuser" PGDATABASE=postgres
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
n=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    n=$((n + 1))
    if [ "$2" = "$3" ]; then echo "ok $n - $1"; else echo "not ok $n - $1 (expected '$2', got '$3')"; fail=1; fi
}
failures() { sql -c "SELECT coalesce((SELECT failures FROM auth.login_failures WHERE user_id = $uid), 0)"; }
# Waits until the server accepts connections again (after crash recovery).
await_server() {
    for _ in $(seq 100); do
        pg_isready -q -h "$dir" && sql -c 'SELECT 1' >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

uid=$(sql -c 'CREATE EXTENSION auth' -c "SELECT auth_create_user('crash@example.com', 'the right password')")

# 1. A failure inside a transaction left open, then its backend killed.
psql -X -q -At -c "BEGIN" -c "SELECT auth_login('crash@example.com', 'guess 1')" \
    -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
for _ in $(seq 100); do [ "$(failures)" = 1 ] && break; sleep 0.1; done
check "the failure is counted while its transaction is still open" 1 "$(failures)"
victim=$(sql -c "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()")
kill -9 "$victim"
wait || true
await_server
check "after SIGKILL of that backend and crash recovery, the failure is still counted" 1 "$(failures)"

# 2. More failures, each rolled back, then the server stopped without a shutdown.
for i in 2 3 4 5; do
    sql -c "BEGIN" -c "SELECT auth_verify_password('crash@example.com', 'guess $i')" -c "ROLLBACK" >/dev/null
done
server stop-immediately
server start
check "after an immediate stop and restart, all five failures are counted" 5 "$(failures)"

# 3. The rest of the guesses, rolled back too: the tenth locks the account.
for i in 6 7 8 9 10; do
    sql -c "BEGIN" -c "SELECT auth_login('crash@example.com', 'guess $i')" -c "ROLLBACK" >/dev/null
done
check "the tenth guess, across both crashes, locks the account: the right password is refused" "" \
    "$(sql -c "SELECT auth_login('crash@example.com', 'the right password')")"
check "and the lock is recorded" "1|t" \
    "$(sql -c "SELECT count(*) FROM auth.audit_log WHERE user_id = $uid AND event = 'user_locked'" \
           -c "SELECT locked_until > now() FROM auth.login_failures WHERE user_id = $uid" | paste -sd'|')"
echo "1..$n"
exit $fail
