#!/usr/bin/env bash
# Fair hashing: with auth.max_concurrent_hashes = 1, a busy role (six connections, each
# checking a slow password in a loop) cannot keep another role waiting for the slot: the
# other role's login is served within the busy role's hash running when it arrived plus
# one more, counted in the busy role's finished checks, not in wall time. A role alone
# still gets the slot back to back. Prints TAP, for prove.
# Usage: hash_fairness.sh   (libpq's PG* variables name the server, as a superuser)
set -euo pipefail
db=hash_fairness_$$
work=$(mktemp -d)
busy=fair_busy_$$
other=fair_other_$$
pids=()
createdb "$db"
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    psql -X -q -d postgres -c "LOAD 'auth'" -c 'ALTER SYSTEM RESET auth.max_concurrent_hashes' -c 'SELECT pg_reload_conf()' >/dev/null
    wait 2>/dev/null || true
    dropdb --if-exists "$db" 2>/dev/null
    psql -X -q -d postgres -c "DROP ROLE IF EXISTS $busy" -c "DROP ROLE IF EXISTS $other" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
sql() { psql -X -q -At -d "$db" "$@"; }
n=0
tap() {  # tap CONDITION DESCRIPTION
    n=$((n + 1))
    if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
await() {  # await QUERY EXPECTED: polls up to 20 s
    for _ in $(seq 200); do
        [ "$(sql -c "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

sql -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE EXTENSION auth;
CREATE ROLE $busy LOGIN IN ROLE auth_signin;
CREATE ROLE $other LOGIN IN ROLE auth_signin;
-- Every finished check of the busy role, in order: the clock this test counts by.
ALTER DATABASE $db SET auth.max_failed_logins = 0;  -- no lockout: every check a slow one
CREATE TABLE busy_checks (n bigserial PRIMARY KEY);
GRANT INSERT ON busy_checks TO $busy;
GRANT USAGE ON SEQUENCE busy_checks_n_seq TO $busy;
SET auth.pwhash_opslimit = 12;  -- about 0.3 s a check here
SELECT auth_create_user('busy@example.com', 'Amber orbit 7 slot');
RESET auth.pwhash_opslimit;
SELECT auth_create_user('other@example.com', 'Quartz meadow 8 slot');
SQL
psql -X -q -d postgres -c "LOAD 'auth'" -c 'ALTER SYSTEM SET auth.max_concurrent_hashes = 1' -c 'SELECT pg_reload_conf()' >/dev/null
await 'SHOW auth.max_concurrent_hashes' 1 || true

# The busy role: six connections, each checking its slow password in a loop (wrong on
# purpose, so the account's lockout is not what is measured: it stays unlocked as
# failures past the limit only lock it, and a locked account's check costs the same).
cat >"$work/busy.sql" <<'SQL'
SELECT auth_verify_password('busy@example.com', 'a wrong password');
INSERT INTO busy_checks DEFAULT VALUES;
SQL
for _ in 1 2 3 4 5 6; do
    (for _ in $(seq 200); do psql -X -q -At -d "$db" -U "$busy" -f "$work/busy.sql" >/dev/null 2>&1 || true; done) &
    pids+=($!)
done
await 'SELECT auth.hashes_waiting() >= 4' t || true
tap '[ "$(sql -c "SELECT auth.hashes_waiting() >= 4")" = t ]' "the busy role keeps several callers waiting for the one slot"

# The other role logs in three times; each time, count the busy role's checks that
# finished meanwhile.
worst=0
for round in 1 2 3; do
    before=$(sql -c 'SELECT count(*) FROM busy_checks')
    ok=$(psql -X -q -At -d "$db" -U "$other" -c "SELECT auth_login('other@example.com', 'Quartz meadow 8 slot') IS NOT NULL")
    after=$(sql -c 'SELECT count(*) FROM busy_checks')
    passed=$((after - before))
    [ "$passed" -gt "$worst" ] && worst=$passed
    echo "# round $round ($before checks so far): the other role's login succeeded ($ok) after $passed of the busy role's checks"
    [ "$ok" = t ] || worst=99
done
tap '[ "$worst" -le 2 ]' "the other role's login waits for at most two of the busy role's hashes (worst: $worst)"

for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
pids=()
sql -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE usename = '$busy'" >/dev/null
await "SELECT count(*) FROM pg_stat_activity WHERE usename = '$busy'" 0 || true
await 'SELECT auth.hashes_running() + auth.hashes_waiting()' 0 || true
tap '[ "$(sql -c "SELECT auth.hashes_running() || '"'"'/'"'"' || auth.hashes_waiting()")" = 0/0 ]' \
    "cancelled and departed waiters left no slot taken and no one queued"

# A role alone uses the slots back to back: with a bound of 2, two of its connections
# hash at once.
psql -X -q -d postgres -c "LOAD 'auth'" -c 'ALTER SYSTEM SET auth.max_concurrent_hashes = 2' -c 'SELECT pg_reload_conf()' >/dev/null
await 'SHOW auth.max_concurrent_hashes' 2 || true
for _ in 1 2 3; do
    psql -X -q -At -d "$db" -U "$busy" -f "$work/busy.sql" >/dev/null 2>&1 &
    pids+=($!)
done
seen=0
for _ in $(seq 100); do
    r=$(sql -c 'SELECT auth.hashes_running()')
    [ "$r" -gt "$seen" ] && seen=$r
    [ "$seen" = 2 ] && break
    sleep 0.02
done
wait "${pids[@]}" 2>/dev/null || true
pids=()
tap '[ "$seen" = 2 ]' "a role alone holds both slots at once"
tap '[ "$(sql -c "SELECT auth.hashes_running()")" = 0 ]' "every slot was given back"
echo "1..$n"
