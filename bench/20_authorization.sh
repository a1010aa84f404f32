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
#   3. auth_has_role and the hand-written query with BENCH_CLIENTS clients (default 1 2 4
#      8), as the superuser, in BENCH_SWEEP_ROUNDS alternating rounds (default 3) of
#      BENCH_SWEEP_SECONDS (default 3) each: the plot of throughput against clients.
#   4. As users grow, on data sets of one product per user, of each size in
#      BENCH_SCALE_USERS (default 1,000 10,000 100,000 1,000,000): the throughput of
#      auth_has_role and of the hand-written query (2 clients), and auth_has_role's latency
#      (1 client), for the plots; the latency at the two sizes of BENCH_GROWTH_USERS
#      (default 10,000 and 1,000,000) for the target. Skipped when BENCH_GROWTH=0.
# Targets: throughput >= 1.0x the hand-written query, whoever calls; latency at 1M <= 1.5x
# at 10k; no answer differs from the hand-written query's. Before timing, every caller and
# the hand-written query answer the same sample and the mismatches are counted. Each
# comparison alternates its sides in BENCH_ROUNDS rounds of BENCH_SECONDS seconds (default
# 5 x 3 s) and reports medians, so that load from elsewhere on the machine falls on every
# side alike. BENCH_QUICK=1: 10,000 users, 2 rounds of 1 s, sizes 1,000 and 10,000.
set -euo pipefail
source "$BENCH_DIR/lib.sh"
area=Authorization
here="$BENCH_DIR/20_authorization"
seconds=${BENCH_SECONDS:-$(quick 1 3)}
rounds=${BENCH_ROUNDS:-$(quick 2 5)}
users=${BENCH_USERS:-$(quick 10000 100000)}
clients=${BENCH_CLIENTS:-1 2 4 8}
sweep_seconds=${BENCH_SWEEP_SECONDS:-$(quick 1 3)}
sweep_rounds=${BENCH_SWEEP_ROUNDS:-$(quick 1 3)}
scale_users=${BENCH_SCALE_USERS:-$(quick "1000 10000" "1000 10000 100000 1000000")}
read -r growth_from growth_to <<<"${BENCH_GROWTH_USERS:-$(quick "1000 10000" "10000 1000000")}"
app=bench_authz_app_$$ signin=bench_authz_signin_$$
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -X -q -c "DROP ROLE IF EXISTS $app, $signin" 2>/dev/null || true' EXIT
chmod 755 "$work"

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Makes database $1 with $2 users, $3 products per user.
make_data() {
    local started=$SECONDS
    progress "making data set $1: $2 users"
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

# Thousands separators: 1000000 -> 1,000,000.
grouped() { awk -v n="$1" 'BEGIN { while (n ~ /[0-9][0-9][0-9][0-9]/) { sub(/[0-9][0-9][0-9]($|,)/, ",&", n) } print n }'; }

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
        progress "round $((r + 1)) of $rounds"
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
CREATE TEMP TABLE verdicts AS
SELECT caller, count(*) AS asked, count(*) FILTER (WHERE answer) AS trues,
       count(*) FILTER (WHERE answer IS DISTINCT FROM pg_temp.hand(u, p, n, t)) AS mismatches
FROM (SELECT * FROM answers UNION ALL SELECT * FROM answers_signin UNION ALL SELECT * FROM answers_app) a
GROUP BY caller;
SELECT string_agg(format('%s as %s: %s of %s sample questions answered true; mismatches with the hand-written query: %s',
                         '$function', caller, trues, asked, mismatches), E'\n' ORDER BY caller DESC) AS format
FROM verdicts \gset
\echo :format
\copy (SELECT caller, asked, mismatches FROM verdicts ORDER BY caller DESC) TO '$work/verdicts.tsv'
SQL
    local caller asked mismatches
    while IFS=$'\t' read -r caller asked mismatches; do
        target "$area" "$function as the $caller: answers that differ from the hand-written query's, of $(grouped "$asked") random questions" \
            "$mismatches" "$asked" answers "<=" 0 >/dev/null
    done <"$work/verdicts.tsv"
}

step "data"
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

step "same answers"
compare_answers bench_authz auth_has_role "$here/has_role_query.sql" 12 'role '
compare_answers bench_authz auth_has_permission "$here/has_permission_query.sql" 30 'perm '

step "throughput: pgbench, 2 clients, -M prepared, $rounds alternating rounds of $seconds s per side"
throughput() { tps bench_authz 2 "$work/$1" "${2:-}"; }
for check in has_role has_permission; do
    progress "auth_$check against the hand-written query"
    alternate_sides throughput "${check}_hand.sql" "$check.sql" "$check.sql $signin" \
        "${check}_hand_p1.sql" "${check}_p1.sql" "${check}_p1.sql $app"
    line() {  # line CALLER QUESTIONS OURS HAND
        local verdict
        verdict=$(target "$area" "auth_$check as $1$2: tps vs the hand-written query (2 clients, $(grouped "$users") users, median of $rounds rounds)" \
            "$3" "$4" tps ">=" 1.0)
        echo "auth_$check as $1$2: median $(short "$3") tps; hand-written query$2: median $(short "$4") tps;" \
             "ratio $(ratio "$3" "$4")x (target >= 1.0x) $verdict"
    }
    line "the superuser" "" "${medians[2]}" "${medians[1]}"
    line "a sign-in service" "" "${medians[3]}" "${medians[1]}"
    line "the superuser" ", about Product 1" "${medians[5]}" "${medians[4]}"
    line "the app of Product 1" ", about Product 1" "${medians[6]}" "${medians[4]}"
    echo "  rounds (hand/superuser/sign-in service; about Product 1: hand/superuser/app):$rounds_shown"
done

step "throughput against clients: auth_has_role and the hand-written query as the superuser," \
     "$(grouped "$users") users, $sweep_rounds alternating rounds of $sweep_seconds s per side"
plot_def clients "Throughput vs pgbench clients ($(nproc) cores; prepared statements)" \
    "pgbench clients, as many threads (log scale)" "transactions per second (median)" logx
declare -A swept=()
for ((r = 1; r <= sweep_rounds; r++)); do
    for c in $clients; do
        progress "round $r of $sweep_rounds, $c client$( ((c > 1)) && echo s)"
        swept[hand $c]+=" $(seconds=$sweep_seconds tps bench_authz "$c" "$work/has_role_hand.sql")"
        swept[ours $c]+=" $(seconds=$sweep_seconds tps bench_authz "$c" "$work/has_role.sql")"
    done
done
printf '%-8s %24s %24s\n' clients "hand-written query tps" "auth_has_role tps"
for c in $clients; do
    hand=$(median ${swept[hand $c]}) ours=$(median ${swept[ours $c]})
    printf '%-8s %24s %24s\n' "$c" "$(short "$hand")" "$(short "$ours")"
    point clients "auth_has_role ($(grouped "$users") users)" "$c" "$ours"
    point clients "hand-written role query ($(grouped "$users") users)" "$c" "$hand"
done

dropdb bench_authz
if [ "${BENCH_GROWTH:-1}" = 0 ]; then
    step "auth_has_role as users grow: skipped (BENCH_GROWTH=0)"
    exit 0
fi
sizes=$(printf '%s\n' $scale_users "$growth_from" "$growth_to" | sort -n -u)
step "auth_has_role as users grow: data sets of $(for n in $sizes; do printf '%s ' "$(grouped "$n")"; done)users, one product each"
for n in $sizes; do
    make_data "bench_authz_$n" "$n" 1
    pgbench_script "$n" 12 'role ' <<<'SELECT auth_has_role($1, $2, $3, $4)' >"$work/ours_$n.sql"
    pgbench_script "$n" 12 'role ' <"$here/has_role_query.sql" >"$work/hand_$n.sql"
done
step "auth_has_role as users grow: throughput (2 clients) and latency (1 client), pgbench -M prepared," \
     "$rounds alternating rounds of $seconds s per side"
plot_def users "auth_has_role throughput vs users (one product each, 2 clients)" \
    "users (log scale)" "transactions per second (median)" logx
plot_def latency "auth_has_role latency vs users (one product each, 1 client)" \
    "users (log scale)" "ms per call, average (pgbench round trip included; median of rounds)" logx
declare -A grown=()
for ((r = 1; r <= rounds; r++)); do
    for n in $sizes; do
        progress "round $r of $rounds, $(grouped "$n") users"
        grown[hand $n]+=" $(tps "bench_authz_$n" 2 "$work/hand_$n.sql")"
        grown[ours $n]+=" $(tps "bench_authz_$n" 2 "$work/ours_$n.sql")"
        grown[latency $n]+=" $(latency "bench_authz_$n" "$work/ours_$n.sql")"
    done
done
printf '%-10s %24s %24s %28s\n' users "hand-written query tps" "auth_has_role tps" "auth_has_role latency ms"
declare -A latency_at=()
for n in $sizes; do
    hand=$(median ${grown[hand $n]}) ours=$(median ${grown[ours $n]}) latency_at[$n]=$(median ${grown[latency $n]})
    printf '%-10s %24s %24s %28s\n' "$(grouped "$n")" "$(short "$hand")" "$(short "$ours")" "$(short "${latency_at[$n]}")"
    if [[ " $scale_users " == *" $n "* ]]; then
        point users auth_has_role "$n" "$ours"
        point users "hand-written role query" "$n" "$hand"
        point latency auth_has_role "$n" "${latency_at[$n]}"
    fi
done
first=${latency_at[$growth_from]} second=${latency_at[$growth_to]}
verdict=$(target "$area" "auth_has_role latency, 1 client: at $(grouped "$growth_to") users vs at $(grouped "$growth_from") (median of $rounds rounds)" \
    "$second" "$first" ms "<=" 1.5)
echo "auth_has_role latency: median $first ms at $(grouped "$growth_from") users; median $second ms at $(grouped "$growth_to") users;" \
     "ratio $(ratio "$second" "$first")x (target <= 1.5x) $verdict"

for n in $sizes; do dropdb "bench_authz_$n"; done
