#!/usr/bin/env bash
# Row-level security with the transaction's context, measured against a baseline taken in
# the same run (bench/run gives the server):
#  1. Fetching one owner's 100 rows of a 1,000,000-row table (10,000 owners, an index on
#     owner_id) through the policy `owner_id = auth_uid()`, as a role in auth_user that
#     bound the owner with auth_begin once in the transaction, against the same query
#     with `WHERE owner_id = $1` on an identical table without row security. pgbench,
#     prepared statements, 1 client (the latencies of 2 clients on a 2-core machine
#     measure the scheduler), each transaction `BEGIN; auth_begin; fetch; COMMIT` on both
#     sides as the same role, so that the only difference is the policy against the
#     hand-written condition (a heavier statement just before slows the next one through
#     the CPU's caches alike on both sides); the fetch's throughput is 1 / its statement
#     latency (pgbench -r), best of 3 interleaved runs. Target: >= 0.9 of the unprotected
#     fetch's.
#     For the record, the fetch alone in its transaction (`BEGIN; fetch; COMMIT`).
#  2. The cost of auth_begin per transaction with a session token, a JWT and an API key
#     (its statement latency in the same transactions), for the record.
# BENCH_SECONDS (default 10) per run; BENCH_QUICK=1: 100,000 rows, 1,000 owners, 1 s runs.
set -euo pipefail
source "$BENCH_DIR/lib.sh"
area="Row security"
db=bench_rls_$$ web=bench_rls_web_$$
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; dropdb --if-exists "$db"; psql -X -q -c "DROP ROLE IF EXISTS $web" 2>/dev/null || true' EXIT
duration=${BENCH_SECONDS:-$(quick 1 10)}
rows=$(quick 100000 1000000)
owners=$(quick 1000 10000)
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

step "data: $rows rows, $owners owners, one signed-in user (id 1) owning $((rows / owners)) of them"
createdb "$db"
q <<SQL
CREATE EXTENSION auth;
SELECT auth_create_product('Bench RLS') \g /dev/null
SELECT auth_create_user('bench.rls@example.com', 'Amber orbit 71 slot', product => 'Bench RLS') \g /dev/null
CREATE TABLE items (id bigserial PRIMARY KEY, owner_id bigint NOT NULL, payload text NOT NULL);
INSERT INTO items (owner_id, payload) SELECT i % $owners + 1, 'item ' || i FROM generate_series(0, $rows - 1) i;
CREATE INDEX items_owner_idx ON items (owner_id);
VACUUM ANALYZE items;
ALTER TABLE items ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON items FOR SELECT USING (owner_id = auth_uid());
CREATE TABLE items_open (LIKE items INCLUDING ALL);
INSERT INTO items_open SELECT * FROM items;
VACUUM ANALYZE items_open;
CREATE ROLE $web LOGIN IN ROLE auth_user;
GRANT SELECT ON items, items_open TO $web;
SQL
token=$(q -c "SELECT auth_login('bench.rls@example.com', 'Amber orbit 71 slot', 'Bench RLS')")
jwt=$(q -c "SELECT auth_issue_jwt('$token', 'Bench RLS', '1 day')")
api_key=$(q -c "SELECT auth_create_api_key(1, 'Bench RLS', 'bench')")

fetch='SELECT id, payload FROM items'
printf "BEGIN;\nSELECT auth_begin(:credential, 'Bench RLS');\n%s_open WHERE owner_id = :owner;\nCOMMIT;\n" "$fetch" > "$work/plain.sql"
printf 'BEGIN;\n%s_open WHERE owner_id = :owner;\nCOMMIT;\n' "$fetch" > "$work/alone.sql"
printf "BEGIN;\nSELECT auth_begin(:credential, 'Bench RLS');\n%s;\nCOMMIT;\n" "$fetch" > "$work/policy.sql"

# Both sides answer the same 100 rows, through the index.
[ "$(q -c "SELECT count(*) FROM items WHERE owner_id = 1")" = "$((rows / owners))" ] || { echo "data"; exit 1; }
for credential in "$token" "$jwt" "$api_key"; do
    [ "$(q -c "SET ROLE $web" -c "BEGIN" -c "SELECT auth_begin('$credential', 'Bench RLS')" -c "SELECT count(*) FROM items" -c "COMMIT" | tail -1)" \
        = "$((rows / owners))" ] || { echo "the policy did not show the owner's rows"; exit 1; }
done
q -c "SET ROLE $web" -c "BEGIN" -c "SELECT auth_begin('$token', 'Bench RLS')" -c "EXPLAIN (COSTS OFF) $fetch" -c COMMIT |
    grep -q items_owner_idx || { echo "the policy's query does not use the index"; exit 1; }

# Mean latency in ms of the statement of FILE that starts with PREFIX, in one pgbench
# run of 1 client: statement_ms FILE PREFIX [pgbench options...]
statement_ms() {
    local file=$1 prefix=$2
    shift 2
    pgbench -n -M prepared -r -c 1 -j 1 -T "$duration" "$@" -f "$file" "$db" 2>/dev/null |
        awk -v p="$prefix" 'index($0, p) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { print $i; exit } }'
}
min() { echo "$1 $2" | awk '{ print ($2 == "" || $1 < $2) ? $1 : $2 }'; }

step "the fetch with and without the policy: pgbench -M prepared -r, 1 client, best of 3 interleaved runs of $duration s"
plain_best="" policy_best="" session_best="" jwt_best="" key_best=""
for round in 1 2 3; do
    progress "round $round of 3"
    plain_best=$(min "$(statement_ms "$work/plain.sql" "${fetch}_open WHERE" -U "$web" -D owner=1 -D "credential=$token")" "$plain_best")
    run=$(pgbench -n -M prepared -r -c 1 -j 1 -T "$duration" -U "$web" -D "credential=$token" -f "$work/policy.sql" "$db" 2>/dev/null)
    policy_best=$(min "$(echo "$run" | awk -v p="$fetch;" 'index($0, p) { print $1; exit }')" "$policy_best")
    session_best=$(min "$(echo "$run" | awk 'index($0, "auth_begin") { print $1; exit }')" "$session_best")
done
step "auth_begin per transaction with a JWT and an API key: $duration s each"
jwt_best=$(statement_ms "$work/policy.sql" "SELECT auth_begin" -U "$web" -D "credential=$jwt")
key_best=$(statement_ms "$work/policy.sql" "SELECT auth_begin" -U "$web" -D "credential=$api_key")
alone_best=$(statement_ms "$work/alone.sql" "${fetch}_open WHERE" -U "$web" -D owner=1)

plain_tps=$(awk -v ms="$plain_best" 'BEGIN { printf "%.0f", 1000 / ms }')
policy_tps=$(awk -v ms="$policy_best" 'BEGIN { printf "%.0f", 1000 / ms }')
printf 'fetch WHERE owner_id = $1, no row security:     %.3f ms (%s fetches/s)\n' "$plain_best" "$plain_tps"
printf 'fetch through owner_id = auth_uid():            %.3f ms (%s fetches/s)\n' "$policy_best" "$policy_tps"
verdict=$(target "$area" "fetch of one owner's $((rows / owners)) rows of $rows through the policy owner_id = auth_uid() vs WHERE owner_id = \$1 without row security (1 client, prepared, best of 3 runs of $duration s)" \
    "$policy_tps" "$plain_tps" "fetches/s" ">=" 0.9)
echo "$policy_tps $plain_tps" | awk -v verdict="$verdict" \
    '{ printf "ratio policy / plain: %.3f (target >= 0.9; moonshot >= 0.95) %s\n", $1 / $2, verdict }'
printf 'the fetch alone in its transaction (no auth_begin before it): %.3f ms\n' "$alone_best"
figure "$area" "fetch of one owner's rows, WHERE owner_id = \$1 alone in its transaction (statement latency, 1 client)" "$alone_best" ms
printf 'auth_begin per transaction, session token:      %.3f ms\n' "$session_best"
printf 'auth_begin per transaction, JWT (EdDSA):        %.3f ms\n' "$jwt_best"
printf 'auth_begin per transaction, API key:            %.3f ms\n' "$key_best"
figure "$area" "auth_begin per transaction, session token (statement latency, 1 client)" "$session_best" ms
figure "$area" "auth_begin per transaction, JWT (EdDSA; statement latency, 1 client)" "$jwt_best" ms
figure "$area" "auth_begin per transaction, API key (statement latency, 1 client)" "$key_best" ms
