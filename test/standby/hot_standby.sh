#!/usr/bin/env bash
# The checks on a real hot standby: a streaming replica of the test server answers
# auth_session_user (without trying to refresh last_used_at), auth_api_key_user,
# auth_verify_jwt and auth_issue_jwt, and auth_verify_password (without upgrading a hash;
# failures are counted in the standby's own memory and lock there), and auth_login
# answers NULL with a WARNING before any work. Prints TAP, for prove. Usage: hot_standby.sh
# (libpq's PG* variables name the primary, on a Unix socket as scripts/lib.sh starts it)
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
db=standby_$$
cleanup() {
    stop_standby
    dropdb --if-exists "$db"
}
trap cleanup EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

createdb "$db"
read -r uid token api_key <<<"$(q -d "$db" <<'SQL'
CREATE EXTENSION auth;
SELECT auth_create_product('Standby App') \gset
SELECT auth_create_role('Standby App', 'reader') \gset
SELECT auth_create_user('standby@example.com', 'quay lantern 8 owl') AS uid \gset
SELECT auth_grant(:uid, 'Standby App', 'reader') \gset
SELECT auth_login('standby@example.com', 'quay lantern 8 owl') AS token \gset
SELECT auth_create_api_key(:uid, 'Standby App', 'standby key') AS api_key \gset
-- Last used 5 minutes ago: a check on a writable server would refresh it.
UPDATE auth.user_sessions SET last_used_at = now() - interval '5 minutes';
SELECT :uid || ' ' || :'token' || ' ' || :'api_key';
SQL
)"
# New hashes at 3 passes from now on: the stored one (2 passes) is due for an upgrade.
q -d "$db" -c "ALTER DATABASE $db SET auth.pwhash_opslimit = 3"
hash_before=$(q -d "$db" -c "SELECT password_hash FROM auth.users WHERE id = $uid")
# A copy of the primary that follows it by streaming, on a socket of its own.
start_standby
standby() { on_standby "$db" -c "$1" 2>&1; }

count=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    count=$((count + 1))
    if [ "$2" = "$3" ]; then echo "ok $count - $1"; else echo "not ok $count - $1 (expected '$2', got '$3')"; fail=1; fi
}
check "the standby is in recovery" t "$(standby 'SELECT pg_is_in_recovery()')"
check "auth_session_user answers on the standby" "$uid" "$(standby "SELECT auth_session_user('$token')")"
check "and NULL for an unknown token" "" "$(standby "SELECT auth_session_user(repeat('A', 43))")"
check "auth_api_key_user answers on the standby" "$uid" \
    "$(standby "SELECT auth_api_key_user('$api_key', 'Standby App')")"
check "auth_issue_jwt and auth_verify_jwt work on the standby" "$uid" \
    "$(standby "SELECT auth_verify_jwt(auth_issue_jwt('$token', 'Standby App'))->>'sub'")"
jwt=$(standby "SELECT auth_issue_jwt('$token', 'Standby App')")
check "a JWT issued on the standby verifies on the primary" "$uid" \
    "$(q -d "$db" -c "SELECT auth_verify_jwt('$jwt')->>'sub'")"
check "auth_verify_password accepts the right password on the standby" "$uid" \
    "$(standby "SELECT auth_verify_password('standby@example.com', 'quay lantern 8 owl')")"
check "and refuses a wrong one" "" \
    "$(standby "SELECT auth_verify_password('standby@example.com', 'wrong password')")"
check "the hash due for an upgrade is left as it was" "$hash_before" \
    "$(standby "SELECT password_hash FROM auth.users WHERE id = $uid")"
# The standby counts failures in its own memory: three wrong passwords with a limit of
# three lock the account there, in one session whose setting says so.
locked_on_standby=$(on_standby "$db" <<'SQL' 2>&1
SET auth.max_failed_logins = 3;
SELECT count(auth_verify_password('standby@example.com', 'wrong ' || n)) FROM generate_series(1, 3) n;
SELECT coalesce(auth_verify_password('standby@example.com', 'quay lantern 8 owl')::text, 'refused');
SQL
)
check "three failures on the standby lock the account there: the right password is refused" "0|refused" \
    "$(echo "$locked_on_standby" | paste -sd'|')"
check "and the lock is the standby's own: nothing was written" 0 \
    "$(standby "SELECT count(*) FROM auth.login_failures WHERE user_id = $uid")"
check "auth_login on the standby gives NULL with a WARNING, never an error" "WARNING:  auth_login needs a writable transaction|" \
    "$(standby "SELECT auth_login('standby@example.com', 'quay lantern 8 owl')" 2>&1 | grep -v HINT | paste -sd'|')"
check "the checks on the standby did not refresh the session (last used 5 minutes ago or more)" t \
    "$(q -d "$db" -c "SELECT now() - last_used_at >= interval '5 minutes' FROM auth.user_sessions")"
check "on the primary (which knows nothing of the standby's lock) the right password succeeds" "$uid" \
    "$(q -d "$db" -c "SELECT auth_verify_password('standby@example.com', 'quay lantern 8 owl')")"
check "and upgrades the hash to the current cost" t \
    "$(q -d "$db" -c "SELECT password_hash LIKE '%\$m=65536,t=3,p=1\$%' FROM auth.users WHERE id = $uid")"
check "the standby's log holds no error from the checks" 0 "$(grep -c 'ERROR' "$STANDBY_DIR/server.log" || true)"
echo "1..$count"
exit $fail
