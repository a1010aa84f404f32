#!/usr/bin/env bash
# Passwords, tokens, JWTs, API keys and signing keys must never reach the server log. This
# drives every path that handles one (success, each kind of login failure, errors on bad
# passwords, JWTs issued and verified, API keys made, used and revoked; single sign-on
# codes and verifiers, outbox tokens under auto_explain; auth_begin with each kind of
# credential) with the
# server logging as much as it can, then searches the log for them. Each password is
# assembled from two pieces at run time, so the statement text (which PostgreSQL logs
# for a failing statement) never holds it: if it is in the log, our code put it there.
# Prints TAP, for prove. Usage: SERVER_LOG=path no_secrets_in_log.sh   (libpq's PG*
# variables name the server)
set -euo pipefail
log=${SERVER_LOG:?set SERVER_LOG to the server log file}
start=$(wc -c <"$log")  # only what this script causes is read
db=log_check_$$
piece() { head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-"$1"; }
p1=$(piece 6) p2=$(piece 10) s1=$(piece 3) s2=$(piece 4)   # long and short passwords
long="$p1$p2" short="$s1$s2"

createdb "$db"
trap 'dropdb --if-exists "$db" 2>/dev/null; rm -f "${ours:-}" "${script:-}"' EXIT
tokens=$(psql -X -q -At -d "$db" -v ON_ERROR_STOP=0 -v p1="$p1" -v p2="$p2" -v s1="$s1" -v s2="$s2" 2>/dev/null <<'SQL'
SET log_min_messages = debug1;
SET log_error_verbosity = verbose;
SET log_min_error_statement = debug1;
CREATE EXTENSION auth;
SELECT auth_create_product('Log App') IS NULL;
SELECT auth_create_user('log@example.com', :'p1' || :'p2') IS NULL;
SELECT auth_login('log@example.com', :'p1' || :'p2');
SELECT auth_login('log@example.com', :'p1' || :'p2', 'Log App') IS NULL;
SELECT auth_login('log@example.com', :'p2' || :'p1') IS NULL;
SELECT auth_login('nobody@example.com', :'p1' || :'p2') IS NULL;
SELECT auth_create_user('short@example.com', :'s1' || :'s2');
SELECT auth_create_user('log@example.com', :'p1' || :'p2');
SELECT auth_create_user('long@example.com', repeat(:'p1' || :'p2', 200));
SELECT auth_create_user(NULL, :'p1' || :'p2');
-- A JWT, an API key and the signing keys, each held in two pieces so no statement's text
-- holds one whole.
SELECT auth_create_role('Log App', 'reader') IS NULL;
SELECT auth_grant(auth_user_id('log@example.com'), 'Log App', 'reader') IS NULL;
SELECT left(j, 30) AS ja, substr(j, 31) AS jb
FROM (SELECT auth_issue_jwt(auth_login('log@example.com', :'p1' || :'p2'), 'Log App') AS j) s \gset
\echo :ja:jb
SELECT auth_verify_jwt(:'ja' || :'jb') IS NULL;
SELECT auth_verify_jwt(:'ja' || 'x' || :'jb') IS NULL;
SELECT auth_begin(:'ja' || :'jb', 'Log App') IS NULL;
SELECT left(k, 30) AS ka, substr(k, 31) AS kb
FROM (SELECT auth_create_api_key(auth_user_id('log@example.com'), 'Log App', 'log key') AS k) s \gset
\echo :ka:kb
SELECT auth_api_key_user(:'ka' || :'kb', 'Log App') IS NULL;
SELECT auth_begin(:'ka' || :'kb', 'Log App') IS NULL;
SELECT auth_revoke_api_key(:'ka' || :'kb');
SELECT auth_rotate_signing_key() IS NULL;
SET auth.jwt_algorithm = 'HS256';
SELECT auth_rotate_signing_key() IS NULL;
RESET auth.jwt_algorithm;
SELECT auth_rotate_signing_key() IS NULL;
SELECT encode(auth.unseal(sealed_secret, auth.signing_key_context(kid)), 'hex') FROM auth.signing_keys
WHERE sealed_secret IS NOT NULL;
SELECT auth_verify_password('log@example.com', :'p1' || :'p2') IS NULL;
SELECT auth_verify_password('log@example.com', :'p2' || :'p1') IS NULL;
SELECT auth_change_password(auth_user_id('log@example.com'), :'p2' || :'p1', :'p1' || :'p2');
SELECT auth_change_password(auth_user_id('log@example.com'), :'p1' || :'p2', :'s1' || :'s2');
SELECT auth_import_user('imp@example.com', '$2b$99$' || :'p1' || :'p2' || '0123456789012345678901234567890123456');
SELECT auth_import_user('imp@example.com', '$argon2id$v=19$m=65536,t=2,p=1$' || :'p1' || :'p2');
SELECT auth_request_password_reset('log@example.com');
SELECT convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8') AS reset
FROM auth.outbox WHERE kind = 'password_reset' ORDER BY id DESC LIMIT 1 \gset
SELECT auth_reset_password(:'reset', :'p1' || :'p2');
SELECT :'reset';
SELECT auth_request_email_verification(auth_user_id('log@example.com'));
SQL
)

# The same paths with auto_explain logging the plan of every nested statement, verbose:
# a custom plan would show PL/pgSQL variables (a hash, a new password, a token) as
# constants. Secrets are kept in a temporary table filled before auto_explain is
# loaded and read through subqueries, so neither a statement's text nor its plan holds
# one; new secrets (tokens, each hash stored along the way, keys) are added the same way.
# A rehash is driven by a higher auth.pwhash_opslimit, for our hash and an imported one.
imported_password=$(piece 14)
imported_hash=$(htpasswd -nbBC 4 x "$imported_password" | cut -d: -f2)
plans=$(psql -X -q -At -F ' ' -d "$db" -v ON_ERROR_STOP=1 \
    -v pw="$(piece 13)" -v pw2="$(piece 13)" -v pw3="$(piece 13)" -v pw4="$(piece 13)" -v pw5="$(piece 13)" \
    -v imported_password="$imported_password" -v imported_hash="$imported_hash" \
    -v verifier="$(piece 50)" -v verifier2="$(piece 50)" -v outbox_token="$(piece 43)" 2>&1 <<'SQL'
CREATE TEMPORARY TABLE s (k text, v text);
INSERT INTO s VALUES ('pw', :'pw'), ('pw2', :'pw2'), ('pw3', :'pw3'), ('pw4', :'pw4'), ('pw5', :'pw5'),
                     ('imported_password', :'imported_password'), ('imported_hash', :'imported_hash'),
                     ('verifier', :'verifier'), ('verifier2', :'verifier2'), ('outbox_token', :'outbox_token');
-- The S256 challenge of a verifier (no secret: it travels in the browser's URL).
CREATE FUNCTION pg_temp.challenge(verifier text) RETURNS text LANGUAGE sql IMMUTABLE AS
    $$ SELECT translate(rtrim(encode(sha256(convert_to(verifier, 'UTF8')), 'base64'), '='), '+/', '-_') $$;
CREATE FUNCTION pg_temp.v(name text) RETURNS text LANGUAGE sql STABLE AS 'SELECT v FROM s WHERE k = name';
SELECT auth_create_user('plan@example.com', pg_temp.v('pw')) AS uid \gset
SELECT auth_grant(:uid, 'Log App', 'reader') IS NULL;
INSERT INTO s SELECT 'hash', password_hash FROM auth.users WHERE id = :uid;
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_verbose = on;
SET auto_explain.log_analyze = on;
SET auth.pwhash_opslimit = 3;
-- our area: sign-up, login with a rehash, verify, change, reset, email verification,
-- set, import
SELECT auth_create_user('plan.new@example.com', pg_temp.v('pw5')) IS NULL;
INSERT INTO s SELECT 'hash', password_hash FROM auth.users WHERE email = 'plan.new@example.com';
INSERT INTO s SELECT 'session', auth_login('plan@example.com', pg_temp.v('pw'), 'Log App');
INSERT INTO s SELECT 'hash', password_hash FROM auth.users WHERE id = :uid;
SELECT auth_verify_password('plan@example.com', pg_temp.v('pw')) IS NULL;
SELECT auth_verify_password('plan@example.com', pg_temp.v('pw2')) IS NULL;
SELECT auth_change_password(:uid, pg_temp.v('pw'), pg_temp.v('pw2'));
INSERT INTO s SELECT 'hash', password_hash FROM auth.users WHERE id = :uid;
SELECT auth_request_password_reset('plan@example.com');
INSERT INTO s SELECT 'reset', convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8')
FROM auth.outbox WHERE kind = 'password_reset' ORDER BY id DESC LIMIT 1;
INSERT INTO s SELECT 'digest', encode(token_hash, 'hex') FROM auth.account_tokens;
SELECT auth_reset_password(pg_temp.v('reset'), pg_temp.v('pw3'));
INSERT INTO s SELECT 'hash', password_hash FROM auth.users WHERE id = :uid;
SELECT auth_request_email_verification(:uid);
INSERT INTO s SELECT 'verify', convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8')
FROM auth.outbox WHERE kind = 'email_verification' ORDER BY id DESC LIMIT 1;
INSERT INTO s SELECT 'digest', encode(token_hash, 'hex') FROM auth.account_tokens;
SELECT auth_verify_email(pg_temp.v('verify'));
SELECT auth_set_password(:uid, pg_temp.v('pw4'));
INSERT INTO s SELECT 'hash', password_hash FROM auth.users WHERE id = :uid;
SELECT auth_import_user('plan.imported@example.com', pg_temp.v('imported_hash')) IS NULL;
SELECT auth_login('plan.imported@example.com', pg_temp.v('imported_password')) IS NULL;
INSERT INTO s SELECT 'hash', password_hash FROM auth.users WHERE email = 'plan.imported@example.com';
-- the sessions area: JWTs, signing keys, API keys
INSERT INTO s SELECT 'session', auth_login('plan@example.com', pg_temp.v('pw4'), 'Log App');
INSERT INTO s SELECT 'jwt', auth_issue_jwt(pg_temp.v('session'), 'Log App') FROM s WHERE k = 'session' LIMIT 1;
SELECT auth_verify_jwt(pg_temp.v('jwt')) IS NULL;
SELECT auth_rotate_signing_key() IS NULL;
INSERT INTO s SELECT 'api_key', auth_create_api_key(:uid, 'Log App', 'plan key');
SELECT auth_api_key_user(pg_temp.v('api_key'), 'Log App') IS NULL;
-- row security: each kind of credential bound, and the bearer of PostgREST's headers
BEGIN;
SELECT auth_begin(pg_temp.v('session'), 'Log App') IS NULL;
SELECT auth_begin(pg_temp.v('jwt'), 'Log App') IS NULL;
SELECT auth_begin(pg_temp.v('api_key'), 'Log App') IS NULL;
SELECT set_config('request.headers', json_build_object('authorization', 'Bearer ' || pg_temp.v('jwt'))::text, true) IS NULL;
SELECT auth_begin_from_headers('Log App') IS NULL;
COMMIT;
SELECT auth_revoke_api_key(pg_temp.v('api_key'));
-- single sign-on (a code exchanged, replayed, and one refused for a wrong verifier) and the
-- outbox (a token queued and claimed)
INSERT INTO s SELECT 'signin_session', auth_login('plan@example.com', pg_temp.v('pw4'));
INSERT INTO s SELECT 'sso_code', auth_sso_code(pg_temp.v('signin_session'), 'Log App', pg_temp.challenge(pg_temp.v('verifier')));
INSERT INTO s SELECT 'child_session', auth_sso_exchange(pg_temp.v('sso_code'), pg_temp.v('verifier'), 'plan device');
SELECT auth_sso_exchange(pg_temp.v('sso_code'), pg_temp.v('verifier')) IS NULL;
INSERT INTO s SELECT 'sso_code2', auth_sso_code(pg_temp.v('signin_session'), 'Log App', pg_temp.challenge(pg_temp.v('verifier')));
SELECT auth_sso_exchange(pg_temp.v('sso_code2'), pg_temp.v('verifier2')) IS NULL;
SELECT auth.queue_message(current_user::regrole, 'password_reset', :uid, NULL, pg_temp.v('outbox_token'),
                          now() + interval '1 hour') IS NULL;
SELECT count(*) FROM auth_outbox_claim();
INSERT INTO s SELECT 'sso_code_digest', encode(code_hash, 'hex') FROM auth.sso_codes;
INSERT INTO s SELECT 'session_digest', encode(token_hash, 'hex') FROM auth.user_sessions;
INSERT INTO s SELECT 'signing_key', encode(auth.unseal(sealed_secret, auth.signing_key_context(kid)), 'hex')
FROM auth.signing_keys;
INSERT INTO s SELECT 'api_key_digest', encode(key_hash, 'hex') FROM auth.api_keys;
SET auto_explain.log_min_duration = -1;
SELECT 'secret', k, v FROM s WHERE v IS NOT NULL;
SQL
)

# An app passing the password and then the token as bind parameters, with every
# statement logged (as log_min_duration_statement does for slow ones: a login takes
# ~50 ms) and with the settings the README asks for, log_parameter_max_length = 0 and,
# as auto_explain logs this session's plans verbose, plan_cache_mode = force_generic_plan
# (a custom plan of the app's own statement would show the bound values as constants).
bound=$(piece 12)
psql -X -q -d "$db" -c "ALTER DATABASE $db SET log_parameter_max_length = 0" \
     -c "ALTER DATABASE $db SET log_min_duration_statement = 0" \
     -c "ALTER DATABASE $db SET plan_cache_mode = force_generic_plan"
script=$(mktemp)
cat >"$script" <<'BENCH'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_verbose = on;
SELECT auth_login(:email, :password);
SELECT auth_session_user(:token);
SELECT auth_logout(:token);
SELECT auth_session_user(:token);
BENCH
first_token=$(echo "$tokens" | grep -E '^[A-Za-z0-9_-]{43}$' | head -1)
pgbench -n -M extended -t 1 -f "$script" -D email=log@example.com -D password="$bound" \
    -D token="$first_token" "$db" >/dev/null 2>&1
dropdb "$db"
sleep 0.2  # let the server finish writing its log
ours=$(mktemp)
tail -c +$((start + 1)) "$log" >"$ours"

leaked=0 issued=0
secrets=$(echo "$tokens" | grep -E '^[A-Za-z0-9_-]{43}$|^authkey_|^[0-9a-f]{64,128}$|^[A-Za-z0-9_-]+[.][A-Za-z0-9_-]+[.][A-Za-z0-9_-]+$')
jwt_signatures=$(echo "$tokens" | grep -E '^[A-Za-z0-9_-]+[.][A-Za-z0-9_-]+[.][A-Za-z0-9_-]+$' | cut -d. -f3)
for secret in "$long" "$short" "$bound" $secrets $jwt_signatures; do
    issued=$((issued + 1))
    grep -qF -- "$secret" "$ours" && leaked=$((leaked + 1))
done
# The secrets of the auto_explain run: ours (passwords, stored hashes, account tokens and
# their digests), and the sessions area's (session tokens and digests, JWTs and their
# signatures, signing keys, API keys and digests).
ours_kinds='^(pw|pw2|pw3|pw4|pw5|imported_password|imported_hash|hash|reset|verify|digest)$'
plan_ours=0 plan_ours_leaked=0 plan_others=0 plan_others_leaked=0 leaked_kinds=""
while read -r tag kind value; do
    [ "$tag" = secret ] && [ -n "$value" ] || continue
    secrets_of_kind=$value
    [ "$kind" = jwt ] && secrets_of_kind="$value ${value##*.}"
    for secret in $secrets_of_kind; do
        if [[ $kind =~ $ours_kinds ]]; then
            plan_ours=$((plan_ours + 1))
            grep -qF -- "$secret" "$ours" && plan_ours_leaked=$((plan_ours_leaked + 1)) && leaked_kinds+=" $kind"
        else
            plan_others=$((plan_others + 1))
            grep -qF -- "$secret" "$ours" && plan_others_leaked=$((plan_others_leaked + 1)) && leaked_kinds+=" $kind"
        fi
    done
done <<<"$plans"
[ -z "$leaked_kinds" ] || echo "# under auto_explain, found in the log:$leaked_kinds"
tap() {  # tap NUMBER CONDITION DESCRIPTION
    if eval "$2"; then echo "ok $1 - $3"; else echo "not ok $1 - $3"; fi
}
tap 1 '[ $issued -ge 10 ]' "the calls ran (passwords, tokens, a JWT, an API key and signing keys, EdDSA and HS256, to look for)"
tap 2 "grep -q 'password must be at least 8 characters' '$ours'" "the server logged the failing statements"
tap 3 "grep -q 'auth_login(\$1, \$2)' '$ours' && grep -q 'auth_logout(\$1)' '$ours'" \
    "the server logged the statements with bind parameters (login, session check, logout)"
tap 4 '[ $leaked = 0 ]' "no password, token, JWT, API key or signing key in $(wc -l <"$ours") lines of server log"
tap 5 "[ \$plan_ours -ge 19 ] && grep -q 'Query Text: UPDATE auth.users u SET password_hash' '$ours'" \
    "auto_explain logged the plans of the nested statements ($plan_ours password-area secrets to look for)"
tap 6 '[ $plan_ours_leaked = 0 ]' \
    "under auto_explain (nested, verbose): no password, stored hash or account token in the log"
tap 7 '[ $plan_others -ge 8 ] && [ $plan_others_leaked = 0 ]' \
    "under auto_explain: no session token, JWT, signing key, API key, single sign-on code or verifier, or outbox token in the log ($plan_others to look for)"
echo "1..7"
[ $issued -ge 10 ] && [ $leaked = 0 ] && grep -q 'auth_logout(\$1)' "$ours" && [ $plan_ours -ge 19 ] \
    && [ $plan_ours_leaked = 0 ] && [ $plan_others -ge 8 ] && [ $plan_others_leaked = 0 ]
