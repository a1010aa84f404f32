#!/usr/bin/env bash
# Sessions, measured against baselines taken in the same run (bench/run gives the server):
#  1. auth_session_user throughput against a hand-written lookup of the token's hash sent
#     by the client (pgbench, 2 clients, prepared statements); target ratio >= 0.9.
#  2. auth_login latency against one bare Argon2id verification (auth.password_matches,
#     the same libsodium crypto_pwhash_str_verify call, at the same settings), both
#     through pgbench with 1 client; target ratio <= 1.10.
#  3. auth_issue_jwt and auth_verify_jwt throughput (2 clients), for the record.
set -euo pipefail
db=bench_sessions_$$
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; dropdb --if-exists "$db"' EXIT
duration=${BENCH_SECONDS:-10}
logins=${BENCH_LOGINS:-40}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

createdb "$db"
q <<'SQL'
CREATE EXTENSION auth;
SELECT auth_create_user('bench@example.com', 'bench password 1') \g /dev/null
-- 100,000 other sessions, so the index is not trivially small.
INSERT INTO auth.user_sessions (user_id, token_hash, expires_at)
SELECT 1, sha256(convert_to('other session ' || i, 'UTF8')), now() + interval '1 day'
FROM generate_series(1, 100000) i;
ANALYZE auth.user_sessions;
SQL
token=$(q -c "SELECT auth_login('bench@example.com', 'bench password 1')")
hash=$(q -c "SELECT encode(sha256(convert_to('$token', 'UTF8')), 'hex')")
stored=$(q -c "SELECT password_hash FROM auth.users WHERE id = 1")

echo 'SELECT user_id FROM auth.user_sessions WHERE token_hash = :hash;' > "$work/lookup.sql"
echo 'SELECT auth_session_user(:token);' > "$work/session_user.sql"
echo 'SELECT auth.password_matches(:password, :stored);' > "$work/verify.sql"
echo "SELECT auth_login('bench@example.com', :password);" > "$work/login.sql"

# tps of one pgbench run: tps FILE CLIENTS [pgbench options...]
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

# Both are checked to answer the same user before they are timed.
[ "$(q -c "SELECT auth_session_user('$token')")" = 1 ] || { echo "auth_session_user failed"; exit 1; }
[ "$(q -c "SELECT user_id FROM auth.user_sessions WHERE token_hash = '\\x$hash'")" = 1 ] || exit 1

# Interleaved runs, best of three each, so drift on the machine hits both alike.
best_lookup=0 best_check=0
for round in 1 2 3; do
    t=$(tps "$work/lookup.sql" 2 -T "$duration" -D "hash=\\x$hash")
    best_lookup=$(echo "$t $best_lookup" | awk '{print ($1 > $2) ? $1 : $2}')
    t=$(tps "$work/session_user.sql" 2 -T "$duration" -D "token=$token")
    best_check=$(echo "$t $best_check" | awk '{print ($1 > $2) ? $1 : $2}')
done
printf 'hand-written lookup of the token hash: %.0f tps\n' "$best_lookup"
printf 'auth_session_user(token):              %.0f tps\n' "$best_check"
echo "$best_check $best_lookup" |
    awk '{r = $1 / $2; printf "ratio auth_session_user / lookup: %.3f (target >= 0.9) %s\n", r, (r >= 0.9) ? "MET" : "MISSED"}'

# JWTs, for the record (no target): issuing from a session, and verifying.
q -c "SELECT auth_create_product('Bench App')" >/dev/null
q -c "SELECT auth_create_role('Bench App', 'reader')" >/dev/null
q -c "SELECT auth_grant(1, 'Bench App', 'reader')" >/dev/null
jwt=$(q -c "SELECT auth_issue_jwt('$token', 'Bench App')")
echo "SELECT auth_issue_jwt(:token, 'Bench App');" > "$work/issue.sql"
echo 'SELECT auth_verify_jwt(:jwt);' > "$work/verify_jwt.sql"
printf 'auth_issue_jwt (EdDSA):                %.0f tps\n' "$(tps "$work/issue.sql" 2 -T "$duration" -D "token=$token")"
printf 'auth_verify_jwt (EdDSA):               %.0f tps\n' "$(tps "$work/verify_jwt.sql" 2 -T "$duration" -D "jwt=$jwt")"

verify_ms=$(latency "$work/verify.sql" -t "$logins" -D "password=bench password 1" -D "stored=$stored")
login_ms=$(latency "$work/login.sql" -t "$logins" -D "password=bench password 1")
verify2_ms=$(latency "$work/verify.sql" -t "$logins" -D "password=bench password 1" -D "stored=$stored")
verify_ms=$(echo "$verify_ms $verify2_ms" | awk '{print ($1 < $2) ? $1 : $2}')
printf 'Argon2id verification alone (crypto_pwhash_str_verify): %.2f ms\n' "$verify_ms"
printf 'auth_login (successful):                                %.2f ms\n' "$login_ms"
echo "$login_ms $verify_ms" |
    awk '{r = $1 / $2; printf "ratio auth_login / verification: %.3f (target <= 1.10) %s\n", r, (r <= 1.10) ? "MET" : "MISSED"}'
