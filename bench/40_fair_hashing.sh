#!/usr/bin/env bash
# Fair hashing. Run by bench/run (PG* name a throwaway server with the extension, as a
# superuser; BENCH_DIR is this directory).
# One role's load (a dozen connections checking passwords in a loop with pgbench, at the
# default cost and auth.max_concurrent_hashes) against another role's login: the other
# role's login time under that load, as a ratio to its login time on the idle server (the
# baseline, measured in the same run just before). Target: the median at most 2× one hash
# (one slot's wait plus its own hash). The slowest login is recorded as a figure.
# BENCH_FAIR_LOGINS (default 30) logins per case; BENCH_QUICK=1 makes it small.
set -euo pipefail
source "$BENCH_DIR/lib.sh"
area="Fair hashing"
db=bench_fair_$$
busy=bench_fair_busy
other=bench_fair_other
logins=${BENCH_FAIR_LOGINS:-$(quick 6 30)}
clients=12
createdb "$db"
load_pid=
cleanup() {
    [ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    dropdb --if-exists "$db" 2>/dev/null
}
trap cleanup EXIT
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
sql >/dev/null <<SQL
CREATE EXTENSION auth;
DO \$\$ BEGIN CREATE ROLE $busy LOGIN IN ROLE auth_signin; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
DO \$\$ BEGIN CREATE ROLE $other LOGIN IN ROLE auth_signin; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$;
ALTER DATABASE $db SET auth.max_failed_logins = 0;  -- the busy role's failures never lock
SELECT auth_create_user('busy@example.com', 'the busy password');
SELECT auth_create_user('other@example.com', 'the other password');
-- One login's server-side time in ms, as the calling role.
CREATE FUNCTION timed_login() RETURNS float8 LANGUAGE plpgsql AS \$f\$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    PERFORM auth_login('other@example.com', 'the other password');
    RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END \$f\$;
SQL
slots=$(sql -c 'SHOW auth.max_concurrent_hashes')

# Prints the median and the largest of $logins logins by the other role, one at a time.
measure() {
    local i
    for i in $(seq "$logins"); do
        psql -X -q -At -d "$db" -U "$other" -c 'SELECT timed_login()'
        sleep 0.05
    done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f %.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR] }'
}

step "the other role's login on the idle server: median and slowest of $logins"
read -r alone alone_max < <(measure)
echo "alone: median $alone ms, slowest $alone_max ms"

step "the same under the busy role's load: $clients connections checking passwords, $slots hashes at once"
echo "SELECT auth_verify_password('busy@example.com', 'a wrong password');" >"$db.sql"
seconds=$((logins * 2 + 30))
pgbench -n -c "$clients" -j 2 -T "$seconds" -U "$busy" -f "$db.sql" "$db" >"$db.pgbench" 2>&1 &
load_pid=$!
for _ in $(seq 100); do
    [ "$(sql -c 'SELECT auth.hashes_waiting() > 0')" = t ] && break
    sleep 0.1
done
waiting=$(sql -c 'SELECT auth.hashes_waiting()')
read -r loaded loaded_max < <(measure)
kill "$load_pid" 2>/dev/null || true
wait "$load_pid" 2>/dev/null || true
load_pid=
rm -f "$db.sql" "$db.pgbench"
echo "under load ($waiting of the busy role's callers waiting when measuring began): median $loaded ms, slowest $loaded_max ms"

target "$area" "another role's login under one role's load of $clients connections vs alone (median of $logins)" \
    "$loaded" "$alone" ms "<=" 2.0
figure "$area" "another role's login under that load: the slowest of $logins" "$loaded_max" ms
figure "$area" "another role's login on the idle server: the slowest of $logins" "$alone_max" ms
