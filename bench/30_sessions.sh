#!/usr/bin/env bash
# Sessions, measured against baselines taken in the same run (bench/run gives the server):
#  1. auth_session_user throughput against a hand-written lookup of the token's hash sent
#     by the client (pgbench, 2 clients, prepared statements); target ratio >= 0.9, whoever
#     calls: the superuser and a sign-in service (a LOGIN role in auth_signin) with a
#     session bound to no product, and the app of a product (a LOGIN role bound with
#     auth_set_app_role, confined to it) with a session bound to its product, each against
#     the lookup of its own token's hash (run as the superuser: no app may read the table).
#  2. auth_login latency against one bare Argon2id verification (auth.password_matches,
#     the same libsodium crypto_pwhash_str_verify call, at the same settings), both
#     through pgbench with 1 client; target ratio <= 1.10.
#  3. auth_issue_jwt and auth_verify_jwt throughput (2 clients), for the record.
#  4. auth_session_user (as the superuser) and the lookup with BENCH_CLIENTS clients
#     (default 1 2 4 8), in BENCH_SWEEP_ROUNDS alternating rounds (default 3) of
#     BENCH_SWEEP_SECONDS (default 3) each: the plot of throughput against clients.
# BENCH_SECONDS (default 10) per run in 1 and 3, BENCH_LOGINS (default 40) logins in 2;
# BENCH_QUICK=1: 1 s runs and 6 logins.
set -euo pipefail
source "$BENCH_DIR/lib.sh"
area=Sessions
db=bench_sessions_$$ app=bench_sessions_app_$$ signin=bench_sessions_signin_$$
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; dropdb --if-exists "$db"; psql -X -q -c "DROP ROLE IF EXISTS $app, $signin" 2>/dev/null || true' EXIT
duration=${BENCH_SECONDS:-$(quick 1 10)}
logins=${BENCH_LOGINS:-$(quick 6 40)}
clients=${BENCH_CLIENTS:-1 2 4 8}
sweep_seconds=${BENCH_SWEEP_SECONDS:-$(quick 1 3)}
sweep_rounds=${BENCH_SWEEP_ROUNDS:-$(quick 1 3)}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

step "data: one user, 100,000 other sessions"
createdb "$db"
q <<'SQL'
CREATE EXTENSION auth;
SELECT auth_create_user('bench@example.com', 'quay lantern 1 elk') \g /dev/null
-- 100,000 other sessions, so the index is not trivially small.
INSERT INTO auth.user_sessions (user_id, token_hash, expires_at)
SELECT 1, sha256(convert_to('other session ' || i, 'UTF8')), now() + interval '1 day'
FROM generate_series(1, 100000) i;
ANALYZE auth.user_sessions;
SQL
# A product whose app is a confined role, and a sign-in service.
q <<SQL
SELECT auth_create_product('Bench App') \g /dev/null
SELECT auth_create_role('Bench App', 'reader') \g /dev/null
SELECT auth_grant(1, 'Bench App', 'reader') \g /dev/null
CREATE ROLE $signin LOGIN IN ROLE auth_signin;
CREATE ROLE $app LOGIN IN ROLE auth_client;
SELECT auth_set_app_role('Bench App', '$app') \g /dev/null
SQL
token=$(q -c "SELECT auth_login('bench@example.com', 'quay lantern 1 elk')")
hash=$(q -c "SELECT encode(sha256(convert_to('$token', 'UTF8')), 'hex')")
app_token=$(q -c "SELECT auth_login('bench@example.com', 'quay lantern 1 elk', 'Bench App')")
app_hash=$(q -c "SELECT encode(sha256(convert_to('$app_token', 'UTF8')), 'hex')")
stored=$(q -c "SELECT password_hash FROM auth.users WHERE id = 1")

echo 'SELECT user_id FROM auth.user_sessions WHERE token_hash = :hash;' > "$work/lookup.sql"
echo 'SELECT auth_session_user(:token);' > "$work/session_user.sql"
echo 'SELECT auth.password_matches(:password, :stored);' > "$work/verify.sql"
echo "SELECT auth_login('bench@example.com', :password);" > "$work/login.sql"

# tps of one pgbench run: tps FILE CLIENTS [pgbench options...] (-U ROLE: as ROLE)
tps() {
    local file=$1 clients=$2
    shift 2
    pgbench -n -M prepared -c "$clients" -j "$clients" "$@" -f "$file" "$db" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
# mean latency in ms of one pgbench run: latency FILE [pgbench options...]
latency() {
    local file=$1
    shift
    pgbench -n -M prepared -c 1 "$@" -f "$file" "$db" 2>/dev/null |
        sed -n 's/^latency average = \([0-9.]*\) ms/\1/p'
}

# Each caller is checked to answer the same user as the lookup before they are timed.
[ "$(q -c "SELECT auth_session_user('$token')")" = 1 ] || { echo "auth_session_user failed"; exit 1; }
[ "$(q -c "SET ROLE $signin" -c "SELECT auth_session_user('$token')")" = 1 ] || { echo "as $signin: failed"; exit 1; }
[ "$(q -c "SET ROLE $app" -c "SELECT auth_session_user('$app_token')")" = 1 ] || { echo "as $app: failed"; exit 1; }
[ "$(q -c "SET ROLE $app" -c "SELECT auth_session_user('$token') IS NULL")" = t ] ||
    { echo "as $app: a session of no product was not refused"; exit 1; }
[ "$(q -c "SELECT user_id FROM auth.user_sessions WHERE token_hash = '\\x$hash'")" = 1 ] || exit 1
[ "$(q -c "SELECT user_id FROM auth.user_sessions WHERE token_hash = '\\x$app_hash'")" = 1 ] || exit 1

# Interleaved runs, best of three each, so drift on the machine hits every side alike.
# Sides: the lookup and the check as the superuser and as the sign-in service (the
# session bound to no product), then the lookup and the check as the app (its product's
# session).
sides=("lookup.sql -D hash=\\x$hash" "session_user.sql -D token=$token"
       "session_user.sql -D token=$token -U $signin"
       "lookup.sql -D hash=\\x$app_hash" "session_user.sql -D token=$app_token -U $app")
best=(0 0 0 0 0)
step "auth_session_user against the lookup: pgbench, 2 clients, -M prepared, best of 3 interleaved runs of $duration s"
for round in 1 2 3; do
    progress "round $round of 3"
    for i in "${!sides[@]}"; do
        read -r file options <<<"${sides[$i]}"
        # shellcheck disable=SC2086  # options are words
        t=$(tps "$work/$file" 2 -T "$duration" $options)
        best[i]=$(echo "$t ${best[i]}" | awk '{print ($1 > $2) ? $1 : $2}')
    done
done
ratio_line() {  # ratio_line LABEL CHECK LOOKUP
    local verdict
    verdict=$(target "$area" "auth_session_user as $1: tps vs the hand lookup of the token hash (2 clients, best of 3 runs of $duration s)" \
        "$2" "$3" tps ">=" 0.9)
    echo "$2 $3" | awk -v label="$1" -v verdict="$verdict" \
        '{r = $1 / $2; printf "ratio auth_session_user / lookup, %s: %.3f (target >= 0.9) %s\n", label, r, verdict}'
}
printf 'hand-written lookup of the token hash:              %.0f tps\n' "${best[0]}"
printf 'auth_session_user(token) as the superuser:          %.0f tps\n' "${best[1]}"
printf 'auth_session_user(token) as a sign-in service:      %.0f tps\n' "${best[2]}"
printf 'hand-written lookup of the app token hash:          %.0f tps\n' "${best[3]}"
printf 'auth_session_user(app token) as the app:            %.0f tps\n' "${best[4]}"
ratio_line "the superuser" "${best[1]}" "${best[0]}"
ratio_line "a sign-in service" "${best[2]}" "${best[0]}"
ratio_line "the app, its product's session" "${best[4]}" "${best[3]}"

# JWTs, for the record (no target): issuing from a session, and verifying.
step "JWTs: pgbench, 2 clients, $duration s each"
jwt=$(q -c "SELECT auth_issue_jwt('$token', 'Bench App')")
echo "SELECT auth_issue_jwt(:token, 'Bench App');" > "$work/issue.sql"
echo 'SELECT auth_verify_jwt(:jwt);' > "$work/verify_jwt.sql"
issue_tps=$(tps "$work/issue.sql" 2 -T "$duration" -D "token=$token")
verify_tps=$(tps "$work/verify_jwt.sql" 2 -T "$duration" -D "jwt=$jwt")
printf 'auth_issue_jwt (EdDSA):                %.0f tps\n' "$issue_tps"
printf 'auth_verify_jwt (EdDSA):               %.0f tps\n' "$verify_tps"
figure "$area" "auth_issue_jwt (EdDSA; 2 clients)" "$issue_tps" tps
figure "$area" "auth_verify_jwt (EdDSA; 2 clients)" "$verify_tps" tps

step "auth_login against one Argon2id verification: pgbench, 1 client, $logins calls each"
verify_ms=$(latency "$work/verify.sql" -t "$logins" -D "password=quay lantern 1 elk" -D "stored=$stored")
login_ms=$(latency "$work/login.sql" -t "$logins" -D "password=quay lantern 1 elk")
verify2_ms=$(latency "$work/verify.sql" -t "$logins" -D "password=quay lantern 1 elk" -D "stored=$stored")
verify_ms=$(echo "$verify_ms $verify2_ms" | awk '{print ($1 < $2) ? $1 : $2}')
printf 'Argon2id verification alone (crypto_pwhash_str_verify): %.2f ms\n' "$verify_ms"
printf 'auth_login (successful):                                %.2f ms\n' "$login_ms"
verdict=$(target "$area" "auth_login (successful) vs libsodium's crypto_pwhash_str_verify alone (1 client, $logins calls each)" \
    "$login_ms" "$verify_ms" ms "<=" 1.10)
echo "$login_ms $verify_ms" | awk -v verdict="$verdict" \
    '{r = $1 / $2; printf "ratio auth_login / verification: %.3f (target <= 1.10) %s\n", r, verdict}'

# Throughput against clients: the check as the superuser and the lookup, alternating.
step "throughput against clients: auth_session_user as the superuser and the lookup," \
     "$sweep_rounds alternating rounds of $sweep_seconds s per side"
plot_def clients "Throughput vs pgbench clients ($(nproc) cores; prepared statements)" \
    "pgbench clients, as many threads (log scale)" "transactions per second (median)" logx
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A swept=()
for ((r = 1; r <= sweep_rounds; r++)); do
    for c in $clients; do
        progress "round $r of $sweep_rounds, $c client$( ((c > 1)) && echo s)"
        swept[lookup $c]+=" $(tps "$work/lookup.sql" "$c" -T "$sweep_seconds" -D "hash=\\x$hash")"
        swept[check $c]+=" $(tps "$work/session_user.sql" "$c" -T "$sweep_seconds" -D "token=$token")"
    done
done
printf '%-8s %24s %24s\n' clients "lookup tps" "auth_session_user tps"
for c in $clients; do
    lookup=$(median ${swept[lookup $c]}) check=$(median ${swept[check $c]})
    printf '%-8s %24.0f %24.0f\n' "$c" "$lookup" "$check"
    point clients "auth_session_user (100,000 sessions)" "$c" "$check"
    point clients "hand lookup of the token hash (100,000 sessions)" "$c" "$lookup"
done
