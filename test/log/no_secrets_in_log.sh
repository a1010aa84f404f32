#!/usr/bin/env bash
# Passwords, tokens, JWTs, API keys and signing keys must never reach the server log. This
# drives every path that handles one (success, each kind of login failure, errors on bad
# passwords, JWTs issued and verified, API keys made, used and revoked) with the
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
SELECT left(k, 30) AS ka, substr(k, 31) AS kb
FROM (SELECT auth_create_api_key(auth_user_id('log@example.com'), 'Log App', 'log key') AS k) s \gset
\echo :ka:kb
SELECT auth_api_key_user(:'ka' || :'kb', 'Log App') IS NULL;
SELECT auth_revoke_api_key(:'ka' || :'kb');
SELECT auth_rotate_signing_key() IS NULL;
SELECT encode(secret_key, 'hex') FROM auth.signing_keys;
SELECT auth_verify_password('log@example.com', :'p1' || :'p2') IS NULL;
SELECT auth_verify_password('log@example.com', :'p2' || :'p1') IS NULL;
SELECT auth_change_password(auth_user_id('log@example.com'), :'p2' || :'p1', :'p1' || :'p2');
SELECT auth_change_password(auth_user_id('log@example.com'), :'p1' || :'p2', :'s1' || :'s2');
SELECT auth_import_user('imp@example.com', '$2b$99$' || :'p1' || :'p2' || '0123456789012345678901234567890123456');
SELECT auth_import_user('imp@example.com', '$argon2id$v=19$m=65536,t=2,p=1$' || :'p1' || :'p2');
SELECT auth_request_password_reset('log@example.com') AS reset \gset
SELECT auth_reset_password(:'reset', :'p1' || :'p2');
SELECT :'reset';
SELECT auth_request_email_verification(auth_user_id('log@example.com'));
SQL
)

# An app passing the password and then the token as bind parameters, with every
# statement logged (as log_min_duration_statement does for slow ones: a login takes
# ~50 ms) and with the setting the README asks for, log_parameter_max_length = 0.
bound=$(piece 12)
psql -X -q -d "$db" -c "ALTER DATABASE $db SET log_parameter_max_length = 0" \
     -c "ALTER DATABASE $db SET log_min_duration_statement = 0"
script=$(mktemp)
cat >"$script" <<'BENCH'
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
tap() {  # tap NUMBER CONDITION DESCRIPTION
    if eval "$2"; then echo "ok $1 - $3"; else echo "not ok $1 - $3"; fi
}
tap 1 '[ $issued -ge 11 ]' "the calls ran (passwords, tokens, a JWT, an API key and signing keys to look for)"
tap 2 "grep -q 'password must be at least 8 characters' '$ours'" "the server logged the failing statements"
tap 3 "grep -q 'auth_login(\$1, \$2)' '$ours' && grep -q 'auth_logout(\$1)' '$ours'" \
    "the server logged the statements with bind parameters (login, session check, logout)"
tap 4 '[ $leaked = 0 ]' "no password, token, JWT, API key or signing key in $(wc -l <"$ours") lines of server log"
echo "1..4"
[ $issued -ge 11 ] && [ $leaked = 0 ] && grep -q 'auth_logout(\$1)' "$ours"
