#!/usr/bin/env bash
# Through PgBouncer in transaction pooling with one server connection, two clients take
# turns on the same backend: neither ever sees the other's binding, and a binding never
# outlives its transaction into the next one, whoever runs it. Prints TAP, for prove.
# Usage: pgbouncer.sh (libpq's PG* variables name the test server, on a Unix socket as
# scripts/lib.sh starts it; Debian's pgbouncer must be installed, scripts/packages.txt)
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
db=rls_bouncer_$$
BOUNCER_DIR=$(mktemp -d /tmp/auth-bouncer.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$BOUNCER_DIR"
cleanup() {
    [ -n "${coproc_a_pid:-}" ] && kill "$coproc_a_pid" 2>/dev/null || true
    [ -n "${coproc_b_pid:-}" ] && kill "$coproc_b_pid" 2>/dev/null || true
    [ -f "$BOUNCER_DIR/pgbouncer.pid" ] && kill "$(cat "$BOUNCER_DIR/pgbouncer.pid")" 2>/dev/null || true
    sleep 0.2
    dropdb --if-exists --force "$db" 2>/dev/null || true
    rm -rf "$BOUNCER_DIR"
}
trap cleanup EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

createdb "$db"
read -r ann bob ann_token bob_token <<<"$(q -d "$db" <<'SQL'
CREATE EXTENSION auth;
SELECT auth_create_product('Bouncer App') \gset
SELECT auth_create_user('ann.bouncer@example.com', 'Amber orbit 71 slot', product => 'Bouncer App') AS ann \gset
SELECT auth_create_user('bob.bouncer@example.com', 'Amber orbit 71 slot', product => 'Bouncer App') AS bob \gset
SELECT auth_login('ann.bouncer@example.com', 'Amber orbit 71 slot', 'Bouncer App') AS ann_token \gset
SELECT auth_login('bob.bouncer@example.com', 'Amber orbit 71 slot', 'Bouncer App') AS bob_token \gset
SELECT :ann || ' ' || :bob || ' ' || :'ann_token' || ' ' || :'bob_token';
SQL
)"

# PgBouncer on a socket of its own: transaction pooling, one server connection.
cat > "$BOUNCER_DIR/pgbouncer.ini" <<INI
[databases]
$db = host=$PGHOST port=$PGPORT dbname=$db user=$PGUSER
[pgbouncer]
listen_addr =
unix_socket_dir = $BOUNCER_DIR
listen_port = 6439
auth_type = trust
auth_file = $BOUNCER_DIR/users.txt
pool_mode = transaction
default_pool_size = 1
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 10
pidfile = $BOUNCER_DIR/pgbouncer.pid
logfile = $BOUNCER_DIR/pgbouncer.log
INI
echo "\"$PGUSER\" \"\"" > "$BOUNCER_DIR/users.txt"
[ "$(id -u)" = 0 ] && chown postgres: "$BOUNCER_DIR"/*
as_server_owner /usr/sbin/pgbouncer -d "$BOUNCER_DIR/pgbouncer.ini"
for _ in $(seq 50); do [ -S "$BOUNCER_DIR/.s.PGSQL.6439" ] && break; sleep 0.1; done

# Two clients, each one psql kept open through PgBouncer; `run CLIENT SQL` sends the SQL
# and prints what it answered.
coproc A { psql -X -q -At -h "$BOUNCER_DIR" -p 6439 -d "$db" 2>&1; }
coproc_a_pid=$A_PID
# (bash warns that a second coproc is started while the first runs; it works all the same)
{ coproc B { psql -X -q -At -h "$BOUNCER_DIR" -p 6439 -d "$db" 2>&1; }; } 2>/dev/null
coproc_b_pid=$B_PID
run() {
    local -n in=$1
    local line out=""
    printf '%s\n\\echo __done__\n' "$2" >&"${in[1]}"
    while IFS= read -r line <&"${in[0]}"; do
        [ "$line" = __done__ ] && break
        out+="${out:+|}$line"
    done
    printf '%s' "$out"
}

count=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    count=$((count + 1))
    if [ "$2" = "$3" ]; then echo "ok $count - $1"; else echo "not ok $count - $1 (expected '$2', got '$3')"; fail=1; fi
}
shown="coalesce(auth_uid()::text, 'none')"
pids=()
for round in 1 2 3; do
    a=$(run A "BEGIN; SELECT pg_backend_pid(); SELECT $shown; SELECT auth_begin('$ann_token', 'Bouncer App') IS NOT NULL; SELECT $shown; COMMIT;")
    pids+=("${a%%|*}")
    check "round $round: client A sees nothing bound, then binds Ann for its transaction" "none|t|$ann" "${a#*|}"
    b=$(run B "BEGIN; SELECT pg_backend_pid(); SELECT $shown; SELECT auth_begin('$bob_token', 'Bouncer App') IS NOT NULL; SELECT $shown; COMMIT;")
    pids+=("${b%%|*}")
    check "round $round: client B, next on the same server connection, sees nothing of Ann, then binds Bob" "none|t|$bob" "${b#*|}"
done
# A binding made outside a transaction block lasts its statement only.
a=$(run A "SELECT auth_begin('$ann_token', 'Bouncer App') IS NOT NULL;")
check "client A binds outside a transaction block (one statement, with a WARNING)" \
    "WARNING:  auth_begin outside a transaction block binds for this statement only|HINT:  Call auth_begin after BEGIN: the binding then lasts until the transaction ends.|t" "$a"
check "client B's next statement sees nothing of it" "none" "$(run B "SELECT $shown;")"
check "nor does client A's next statement" "none" "$(run A "SELECT $shown;")"
# An aborted transaction leaves nothing either.
run A "BEGIN; SELECT auth_begin('$ann_token', 'Bouncer App'); SELECT 1/0; ROLLBACK;" >/dev/null
check "after client A's failed transaction, client B sees nothing bound" "none" "$(run B "SELECT $shown;")"
check "every transaction ran on one server connection" 1 "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l | tr -d ' ')"
echo "1..$count"
exit $fail
