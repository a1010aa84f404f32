#!/usr/bin/env bash
# Second factors, measured in one run (bench/run gives the server):
#  1. auth_session_user for an aal2 session of a product that requires MFA, against an
#     aal1 session of a product that does not (the check's cost before MFA existed): the
#     requirement costs a look into a per-backend list of products; pgbench, 2 clients,
#     prepared, best of 3 interleaved runs; target ratio >= 0.9.
#  2. auth_mfa_verify per call: a wrong code (one TOTP window computed through liboath,
#     the secret opened under the server key, the failure recorded by the recorder; lockout
#     off so every call counts the same), a right recovery code, and, for scale,
#     auth_session_aal: median ms of BENCH_MFA_CALLS (default 40) calls, server-side.
# BENCH_SECONDS (default 10) per pgbench run; BENCH_QUICK=1: 1 s runs and 8 calls.
set -euo pipefail
source "$BENCH_DIR/lib.sh"
area=MFA
db=bench_mfa_$$
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; dropdb --if-exists --force "$db" 2>/dev/null || true' EXIT
duration=${BENCH_SECONDS:-$(quick 1 10)}
calls=${BENCH_MFA_CALLS:-$(quick 8 40)}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

step "data: a user with a confirmed TOTP factor, two products (one requires MFA)"
createdb "$db"
q <<'SQL' >/dev/null
CREATE EXTENSION auth;
SELECT auth_create_user('mfa-bench@example.com', 'quay lantern 3 ibis');
SELECT auth_create_product('Plain App'), auth_create_product('Strict App');
SELECT auth_set_membership(1, 'Plain App', 'active'), auth_set_membership(1, 'Strict App', 'active');
SELECT auth_set_product_mfa('Strict App', true);
-- 100,000 other sessions, so the index is not trivially small.
INSERT INTO auth.user_sessions (user_id, token_hash, expires_at)
SELECT 1, sha256(convert_to('other session ' || i, 'UTF8')), now() + interval '1 day'
FROM generate_series(1, 100000) i;
ANALYZE auth.user_sessions;
SQL
plain=$(q -c "SELECT auth_login('mfa-bench@example.com', 'quay lantern 3 ibis', 'Plain App')")
strict=$(q -c "SELECT auth_login('mfa-bench@example.com', 'quay lantern 3 ibis', 'Strict App')")
IFS='|' read -r factor secret <<<"$(q -c "SELECT factor_id, secret FROM auth_mfa_enroll_totp('$strict')")"
[ "$(q -c "SELECT auth_mfa_confirm('$strict', $factor, '$(oathtool --totp -b "$secret")')")" = t ] ||
    { echo "the factor was not confirmed"; exit 1; }
[ "$(q -c "SELECT auth_session_user('$strict')")" = 1 ] || { echo "the aal2 session does not answer"; exit 1; }
[ "$(q -c "SELECT auth_session_user('$plain')")" = 1 ] || { echo "the aal1 session does not answer"; exit 1; }

echo 'SELECT auth_session_user(:token);' > "$work/session_user.sql"
tps() {  # tps FILE [pgbench options...]
    local file=$1
    shift
    pgbench -n -M prepared -c 2 -j 2 "$@" -f "$file" "$db" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
step "auth_session_user, aal2 session of an MFA product vs aal1 session of a plain one: pgbench, 2 clients, best of 3 runs of $duration s"
best_plain=0 best_strict=0
for round in 1 2 3; do
    progress "round $round of 3"
    t=$(tps "$work/session_user.sql" -T "$duration" -D "token=$plain")
    best_plain=$(echo "$t $best_plain" | awk '{print ($1 > $2) ? $1 : $2}')
    t=$(tps "$work/session_user.sql" -T "$duration" -D "token=$strict")
    best_strict=$(echo "$t $best_strict" | awk '{print ($1 > $2) ? $1 : $2}')
done
printf 'auth_session_user, plain product (aal1):      %.0f tps\n' "$best_plain"
printf 'auth_session_user, MFA product (aal2):        %.0f tps\n' "$best_strict"
verdict=$(target "$area" "auth_session_user for an aal2 session of a product that requires MFA vs an aal1 session of one that does not (2 clients, best of 3 runs of $duration s)" \
    "$best_strict" "$best_plain" tps ">=" 0.9)
echo "ratio: $(ratio3 "$best_strict" "$best_plain") (target >= 0.9) $verdict"

step "auth_mfa_verify per call: median ms of $calls calls, server-side"
out=$(q <<SQL
SET auth.max_failed_mfa = 0;
CREATE TEMP TABLE codes AS SELECT code FROM auth_mfa_recovery_codes('$strict') AS code;
CREATE FUNCTION pg_temp.ms(call text) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; BEGIN t0 := clock_timestamp(); EXECUTE call;
RETURN extract(epoch FROM clock_timestamp() - t0) * 1000; END \$\$;
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY pg_temp.ms(format('SELECT auth_mfa_verify(%L, %L)', '$strict', '000000')))::numeric, 3)
FROM generate_series(1, $calls);
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY pg_temp.ms(format('SELECT auth_mfa_verify(%L, %L)', '$strict', c.code)))::numeric, 3)
FROM codes c;
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY pg_temp.ms(format('SELECT auth_session_aal(%L)', '$strict')))::numeric, 3)
FROM generate_series(1, $calls);
SQL
)
read -r wrong recovery aal <<<"$(echo "$out" | paste -sd' ')"
printf 'auth_mfa_verify, a wrong code (recorded):     %s ms\n' "$wrong"
printf 'auth_mfa_verify, a recovery code:             %s ms\n' "$recovery"
printf 'auth_session_aal:                             %s ms\n' "$aal"
figure "$area" "auth_mfa_verify with a wrong code (window of 3 TOTP steps, secret unsealed, failure recorded; median of $calls)" "$wrong" ms
figure "$area" "auth_mfa_verify with a recovery code (median of 10)" "$recovery" ms
figure "$area" "auth_session_aal (median of $calls)" "$aal" ms
