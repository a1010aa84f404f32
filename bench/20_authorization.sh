#!/usr/bin/env bash
# Authorization checks against hand-written queries, and their latency as users grow.
#
# Data (20_authorization/generate.sql): BENCH_USERS (default 100,000) users, 10 products,
# 20 tenants, 4-level role inheritance, 10 role grants per user. pgbench, 2 clients,
# prepared statements, random users, products, roles or permissions and tenants (or none):
#   1. SELECT auth_has_role(...)       vs the hand-written query (recursive CTE)
#   2. SELECT auth_has_permission(...) vs its hand-written query
#   each called by the superuser and by a sign-in service (a LOGIN role in auth_signin,
#   not confined) about random products; and by the superuser and the app of Product 1
#   (a LOGIN role bound with auth_set_app_role, confined to it) about Product 1 only,
#   against the hand-written query asked about Product 1 only. The hand-written queries
#   run as the superuser (no app may read the tables).
#   3. auth_has_role's latency (1 client) at 10,000 and at 1,000,000 users (skipped when
#      BENCH_GROWTH=0).
# Targets: throughput >= 1.0x the hand-written query, whoever calls; latency at 1M <= 1.5x
# at 10k. Before timing, every caller and the hand-written query answer the same sample
# and the mismatches are counted. Each comparison alternates its sides in BENCH_ROUNDS
# rounds of BENCH_SECONDS seconds (default 5 x 3 s) and reports medians, so that load
# from elsewhere on the machine falls on every side alike.
set -euo pipefail
here="$BENCH_DIR/20_authorization"
seconds=${BENCH_SECONDS:-3}
rounds=${BENCH_ROUNDS:-5}
users=${BENCH_USERS:-100000}
app=bench_authz_app_$$ signin=bench_authz_signin_$$
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -X -q -c "DROP ROLE IF EXISTS $app, $signin" 2>/dev/null || true' EXIT
chmod 755 "$work"

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Makes database $1 with $2 users, $3 products per user.
make_data() {
    local started=$SECONDS
    createdb "$1"
    psql_q -d "$1" -c 'CREATE EXTENSION auth'
    psql_q -d "$1" -v users="$2" -v products_per_user="$3" -f "$here/generate.sql" >/dev/null
    echo "data set $1: $2 users, $(psql_q -d "$1" -Atc 'SELECT count(*) FROM auth.user_roles') grants," \
         "$(psql_q -d "$1" -Atc 'SELECT count(*) FROM auth.user_products') memberships, made in $((SECONDS - started)) s"
}

# A pgbench script: random arguments, then $1..$4 of the given SQL replaced by them.
# $1 users, $2 how many names (roles: 12, permissions: 30), $3 prefix of those names,
# $4 the product's number (default: random, 1 to 10).
pgbench_script() {
    printf '\\set u random(1, %s)\n\\set p %s\n\\set n random(1, %s)\n\\set t random(0, 20)\n' \
        "$1" "${4:-random(1, 10)}" "$2"
    sed -e 's/--.*//' -e 's/\$1/:u/g' -e "s/\\\$2/('Product ' || :p)/g" \
        -e "s/\\\$3/('$3' || :n)/g" -e "s/\\\$4/(CASE WHEN :t = 0 THEN NULL ELSE 'Tenant ' || :t END)/g" |
        tr '\n' ' '
    echo
}

# Transactions per second of a pgbench script on database $1 with $2 clients, connected
# as $4 (default: the superuser).
tps() {
    pgbench -n -M prepared -c "$2" -j "$2" -T "$seconds" ${4:+-U "$4"} -f "$3" "$1" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}

# Average latency in ms of a pgbench script on database $1, one client.
latency() {
    pgbench -n -M prepared -c 1 -j 1 -T "$seconds" -f "$2" "$1" 2>/dev/null |
        sed -n 's/^latency average = \([0-9.]*\) ms/\1/p'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# A figure as shown: whole transactions per second, or milliseconds to the microsecond.
short() { awk -v v="$1" 'BEGIN { printf (v >= 100 ? "%.0f" : "%.3f"), v }'; }

# The median of the numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Runs `$1 SIDE` for each SIDE given after $1 in turn, $rounds times; sets medians[i] to
# the median of side i and rounds_shown to each round's figures.
alternate_sides() {
    local measure=$1 i r x
    shift
    local -a all=()
    rounds_shown=""
    for ((r = 0; r < rounds; r++)); do
        rounds_shown+=" "
        for ((i = 1; i <= $#; i++)); do
            x=$($measure ${!i})
            all+=("$i $x")
            if ((i > 1)); then rounds_shown+="/"; fi
            rounds_shown+=$(short "$x")
        done
    done
    medians=()
    for ((i = 1; i <= $#; i++)); do
        medians[i]=$(median $(printf '%s\n' "${all[@]}" | awk -v i="$i" '$1 == i { print $2 }'))
    done
}

# Runs `$1 $2` and `$1 $3` alternately, $rounds times each; sets first and second to the
# medians and rounds_shown to each round's pair.
alternate() {
    local measure=$1 a=() b=() i x y
    rounds_shown=""
    for ((i = 0; i < rounds; i++)); do
        x=$($measure $2)
        y=$($measure $3)
        a+=("$x")
        b+=("$y")
        rounds_shown+=" $(short "$x")/$(short "$y")"
    done
    first=$(median "${a[@]}")
    second=$(median "${b[@]}")
}

# Compares a function with its hand-written query on 20,000 random questions, asked by
# the superuser and by the sign-in service, and on those of them about Product 1, asked
# by the app of Product 1 (each caller's answers kept in a table, then compared).
compare_answers() {
    local db=$1 function=$2 query=$3 names=$4 prefix=$5
    psql_q -d "$db" <<SQL
CREATE TEMP TABLE sample AS
SELECT 1 + floor(random() * $users)::bigint AS u, 'Product ' || (1 + floor(random() * 10)::int) AS p,
       '$prefix' || (1 + floor(random() * $names)::int) AS n,
       CASE WHEN random() < 0.3 THEN NULL ELSE 'Tenant ' || (1 + floor(random() * 20)::int) END AS t
FROM generate_series(1, 20000);
GRANT SELECT ON sample TO $app, $signin;
CREATE FUNCTION pg_temp.hand(bigint, text, text, text) RETURNS boolean LANGUAGE sql STABLE
AS \$q\$ $(grep -v '^--' "$query") \$q\$;
CREATE TEMP TABLE answers AS SELECT 'superuser' AS caller, s.*, $function(u, p, n, t) AS answer FROM sample s;
SET ROLE $signin;
CREATE TEMP TABLE answers_signin AS SELECT 'sign-in service' AS caller, s.*, $function(u, p, n, t) AS answer FROM sample s;
SET ROLE $app;
CREATE TEMP TABLE answers_app AS
SELECT 'app of Product 1' AS caller, s.*, $function(u, p, n, t) AS answer FROM sample s WHERE p = 'Product 1';
RESET ROLE;
SELECT string_agg(format('%s as %s: %s of %s sample questions answered true; mismatches with the hand-written query: %s',
                         '$function', caller, trues, asked, mismatches), E'\n' ORDER BY caller DESC) AS format
FROM (SELECT caller, count(*) AS asked, count(*) FILTER (WHERE answer) AS trues,
             count(*) FILTER (WHERE answer IS DISTINCT FROM pg_temp.hand(u, p, n, t)) AS mismatches
      FROM (SELECT * FROM answers UNION ALL SELECT * FROM answers_signin UNION ALL SELECT * FROM answers_app) a
      GROUP BY caller) c \gset
\echo :format
SQL
}

echo "-- data"
make_data bench_authz "$users" 5
# The callers: a sign-in service, and the app of Product 1 (confined to it).
psql_q -d bench_authz <<SQL
CREATE ROLE $signin LOGIN IN ROLE auth_signin;
CREATE ROLE $app LOGIN IN ROLE auth_client;
SELECT auth_set_app_role('Product 1', '$app') \g /dev/null
SQL

pgbench_script "$users" 12 'role ' <<<'SELECT auth_has_role($1, $2, $3, $4)' >"$work/has_role.sql"
pgbench_script "$users" 12 'role ' <"$here/has_role_query.sql" >"$work/has_role_hand.sql"
pgbench_script "$users" 12 'role ' 1 <<<'SELECT auth_has_role($1, $2, $3, $4)' >"$work/has_role_p1.sql"
pgbench_script "$users" 12 'role ' 1 <"$here/has_role_query.sql" >"$work/has_role_hand_p1.sql"
pgbench_script "$users" 30 'perm ' <<<'SELECT auth_has_permission($1, $2, $3, $4)' >"$work/has_permission.sql"
pgbench_script "$users" 30 'perm ' <"$here/has_permission_query.sql" >"$work/has_permission_hand.sql"
pgbench_script "$users" 30 'perm ' 1 <<<'SELECT auth_has_permission($1, $2, $3, $4)' >"$work/has_permission_p1.sql"
pgbench_script "$users" 30 'perm ' 1 <"$here/has_permission_query.sql" >"$work/has_permission_hand_p1.sql"

echo "-- same answers"
compare_answers bench_authz auth_has_role "$here/has_role_query.sql" 12 'role '
compare_answers bench_authz auth_has_permission "$here/has_permission_query.sql" 30 'perm '

echo "-- throughput: pgbench, 2 clients, -M prepared, $rounds alternating rounds of $seconds s per side"
throughput() { tps bench_authz 2 "$work/$1" "${2:-}"; }
for check in has_role has_permission; do
    alternate_sides throughput "${check}_hand.sql" "$check.sql" "$check.sql $signin" \
        "${check}_hand_p1.sql" "${check}_p1.sql" "${check}_p1.sql $app"
    line() {  # line CALLER QUESTIONS OURS HAND
        echo "auth_$check as $1$2: median $(short "$3") tps; hand-written query$2: median $(short "$4") tps;" \
             "ratio $(ratio "$3" "$4")x (target >= 1.0x)"
    }
    line "the superuser" "" "${medians[2]}" "${medians[1]}"
    line "a sign-in service" "" "${medians[3]}" "${medians[1]}"
    line "the superuser" ", about Product 1" "${medians[5]}" "${medians[4]}"
    line "the app of Product 1" ", about Product 1" "${medians[6]}" "${medians[4]}"
    echo "  rounds (hand/superuser/sign-in service; about Product 1: hand/superuser/app):$rounds_shown"
done

dropdb bench_authz
if [ "${BENCH_GROWTH:-1}" = 0 ]; then
    echo "-- latency of auth_has_role as users grow: skipped (BENCH_GROWTH=0)"
    exit 0
fi
echo "-- latency of auth_has_role as users grow: pgbench, 1 client, -M prepared, $rounds alternating rounds of $seconds s per side"
make_data bench_authz_10k 10000 1
make_data bench_authz_1m 1000000 1
pgbench_script 10000 12 'role ' <<<'SELECT auth_has_role($1, $2, $3, $4)' >"$work/small.sql"
pgbench_script 1000000 12 'role ' <<<'SELECT auth_has_role($1, $2, $3, $4)' >"$work/big.sql"
latency_of() { latency "$1" "$work/$2.sql"; }
alternate latency_of "bench_authz_10k small" "bench_authz_1m big"
echo "auth_has_role latency: median $first ms at 10,000 users; median $second ms at 1,000,000 users;" \
     "ratio $(ratio "$second" "$first")x (target <= 1.5x); rounds (10k/1M):$rounds_shown"

dropdb bench_authz_10k
dropdb bench_authz_1m
