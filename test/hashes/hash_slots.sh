#!/usr/bin/env bash
# auth.max_concurrent_hashes bounds the hashes running at once in the whole server: with
# a bound of 1, a second hash waits (wait event "Extension" in pg_stat_activity), a
# statement_timeout or a query cancel ends the wait with 57014 and takes nothing, and
# the waiter runs once the first hash is done. Prints TAP, for prove.
# Usage: hash_slots.sh   (libpq's PG* variables name the server, as a superuser)
set -euo pipefail
db=hash_slots_$$
work=$(mktemp -d)
createdb "$db"
cleanup() {
    psql -X -q -d postgres -c "LOAD 'auth'" -c 'ALTER SYSTEM RESET auth.max_concurrent_hashes' -c 'SELECT pg_reload_conf()' >/dev/null
    wait 2>/dev/null || true
    dropdb --if-exists "$db" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
sql() { psql -X -q -At -d "$db" "$@"; }
sql -c 'CREATE EXTENSION auth'
sql -c "SELECT auth_create_user('slots@example.com', 'quay-lantern-9')" >/dev/null

n=0
tap() {  # tap CONDITION DESCRIPTION
    n=$((n + 1))
    if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
# Polls a query until it prints the expected answer, up to 10 s.
await() {  # await QUERY EXPECTED
    for _ in $(seq 100); do
        [ "$(sql -c "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

psql -X -q -d postgres -c "LOAD 'auth'" -c 'ALTER SYSTEM SET auth.max_concurrent_hashes = 1' -c 'SELECT pg_reload_conf()' >/dev/null
await 'SHOW auth.max_concurrent_hashes' 1 || true
tap '[ "$(sql -c "SHOW auth.max_concurrent_hashes")" = 1 ]' "the bound is 1 after a reload"
tap '[ "$(sql -c "SELECT auth.hashes_running()")" = 0 ]' "no hash runs at the start"

# A: a slow hash (60 passes over 64 MiB, about 1.5 s here) holds the only slot.
sql -c "SET auth.pwhash_opslimit = 60" -c "SELECT auth_create_user('slow@example.com', 'quay-lantern-77'), clock_timestamp()" \
    >"$work/a.out" 2>&1 &
await 'SELECT auth.hashes_running()' 1 || true
tap '[ "$(sql -c "SELECT auth.hashes_running()")" = 1 ]' "the slow hash holds a slot"

# B: a login waits for the slot.
sql -c "SELECT auth_login('slots@example.com', 'quay-lantern-9') IS NOT NULL, clock_timestamp()" >"$work/b.out" 2>&1 &
waiting="SELECT count(*) FROM pg_stat_activity
         WHERE wait_event_type = 'Extension' AND wait_event = 'Extension' AND query LIKE '%auth_login%'"
await "$waiting" 1 || true
tap '[ "$(sql -c "$waiting")" = 1 ]' "a second hash (a login) waits, wait event Extension in pg_stat_activity"

# C: a statement_timeout ends a wait cleanly with 57014, and the session goes on.
sql -v VERBOSITY=verbose -c "SET statement_timeout = '200ms'" \
    -c "SELECT auth_verify_password('slots@example.com', 'quay-lantern-9')" \
    -c "RESET statement_timeout" -c "SELECT 'next statement ran'" >"$work/c.out" 2>&1 || true
tap "grep -q '57014' '$work/c.out' && grep -q 'canceling statement due to statement timeout' '$work/c.out'" \
    "statement_timeout ends the wait with 57014"
tap "grep -q 'next statement ran' '$work/c.out'" "the same session runs its next statement"
tap '[ "$(sql -c "SELECT auth.hashes_running()")" = 1 ]' \
    "the timed-out waiter freed nothing: the slow hash still holds the only slot"

# D: a query cancel (pg_cancel_backend) ends a wait the same way.
sql -v VERBOSITY=verbose -c "SELECT auth_verify_password('slots@example.com', 'quay-lantern-9')" >"$work/d.out" 2>&1 &
await "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'Extension' AND query LIKE '%auth_verify_password%'" 1 || true
sql -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
        WHERE wait_event = 'Extension' AND query LIKE '%auth_verify_password%' AND pid <> pg_backend_pid()" >/dev/null
await "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%auth_verify_password%' AND pid <> pg_backend_pid() AND state = 'active'" 0 || true
sleep 0.2
tap "grep -q '57014' '$work/d.out' && grep -q 'canceling statement due to user request' '$work/d.out'" \
    "a query cancel ends the wait with 57014"
tap '[ "$(sql -c "SELECT auth.hashes_running()")" = 1 ]' "the cancelled waiter freed nothing either"

wait
tap "grep -q '^[0-9]*|' '$work/a.out'" "the slow hash finished"
tap "grep -q '^t|' '$work/b.out'" "the waiting login then ran and succeeded"
a_done=$(cut -d'|' -f2 "$work/a.out" | tail -1)
b_done=$(cut -d'|' -f2 "$work/b.out" | tail -1)
tap "[ \"\$(sql -c \"SELECT '$b_done'::timestamptz > '$a_done'::timestamptz\")\" = t ]" \
    "the login finished after the slow hash (it waited for the slot)"
tap '[ "$(sql -c "SELECT auth.hashes_running()")" = 0 ]' "every slot was given back"

# An error inside a hash path gives its slot back too.
sql -c "SELECT auth_create_user('slots@example.com', 'a duplicate email')" >/dev/null 2>&1 || true
sql -c "SELECT auth_import_user('bad@example.com', '\$2b\$99\$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y')" >/dev/null 2>&1 || true
tap '[ "$(sql -c "SELECT auth.hashes_running()")" = 0 ]' "errors after a hash, or inside a format check, leave no slot taken"
tap '[ "$(sql -c "SELECT auth_verify_password('"'"'slots@example.com'"'"', '"'"'quay-lantern-9'"'"') IS NOT NULL")" = t ]' \
    "hashing still works afterwards"
echo "1..$n"
