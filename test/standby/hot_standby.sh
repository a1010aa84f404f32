#!/usr/bin/env bash
# The checks on a real hot standby: a streaming replica of the test server answers
# auth_session_user (without trying to refresh last_used_at), auth_api_key_user,
# auth_verify_jwt and auth_issue_jwt, and auth_verify_password (without upgrading a hash;
# failures are counted in the standby's own memory and lock there), and auth_login
# answers NULL with a WARNING before any work; auth_session_aal answers, auth_mfa_verify
# gives false with a WARNING. The server key file that seals the
# signing keys comes with pg_basebackup: the standby signs and verifies with it, and
# without it says so (58P01, with a hint) only where a sealed secret is needed. Prints
# TAP, for prove. Usage: hot_standby.sh
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
read -r uid token api_key hs_jwt <<<"$(q -d "$db" <<'SQL'
CREATE EXTENSION auth;
SELECT auth_create_product('Standby App') \gset
SELECT auth_create_role('Standby App', 'reader') \gset
SELECT auth_create_user('standby@example.com', 'quay lantern 8 owl') AS uid \gset
SELECT auth_grant(:uid, 'Standby App', 'reader') \gset
SELECT auth_login('standby@example.com', 'quay lantern 8 owl') AS token \gset
SELECT auth_create_api_key(:uid, 'Standby App', 'standby key') AS api_key \gset
-- An HS256 token (its key, sealed, verifies a day after the switch back), then the first
-- EdDSA token, which makes the key the standby signs with.
SET auth.jwt_algorithm = 'HS256';
SELECT auth_issue_jwt(:'token', 'Standby App') AS hs_jwt \gset
RESET auth.jwt_algorithm;
SELECT auth_issue_jwt(:'token', 'Standby App') AS first_jwt \gset
-- Last used 5 minutes ago: a check on a writable server would refresh it.
UPDATE auth.user_sessions SET last_used_at = now() - interval '5 minutes';
SELECT :uid || ' ' || :'token' || ' ' || :'api_key' || ' ' || :'hs_jwt';
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
check "auth_session_aal answers on the standby" aal1 "$(standby "SELECT auth_session_aal('$token')")"
check "auth_mfa_verify on the standby gives false with a WARNING, never an error" "WARNING:  auth_mfa_verify needs a writable transaction|f" \
    "$(standby "SELECT auth_mfa_verify('$token', '123456')" 2>&1 | grep -v HINT | paste -sd'|')"
check "the checks on the standby did not refresh the session (last used 5 minutes ago or more)" t \
    "$(q -d "$db" -c "SELECT now() - last_used_at >= interval '5 minutes' FROM auth.user_sessions")"
check "on the primary (which knows nothing of the standby's lock) the right password succeeds" "$uid" \
    "$(q -d "$db" -c "SELECT auth_verify_password('standby@example.com', 'quay lantern 8 owl')")"
check "and upgrades the hash to the current cost" t \
    "$(q -d "$db" -c "SELECT password_hash LIKE '%\$m=65536,t=3,p=1\$%' FROM auth.users WHERE id = $uid")"
check "the HS256 token verifies on the standby, its sealed secret opened with the copied key file" "$uid" \
    "$(standby "SELECT auth_verify_jwt('$hs_jwt')->>'sub'")"
check "the standby's log holds no error from the checks" 0 "$(grep -c 'ERROR' "$STANDBY_DIR/server.log" || true)"

# The server key file: pg_basebackup copied it, byte for byte and mode 0600.
primary_key="$PGHOST/data/auth_server_key" standby_key="$STANDBY_DIR/data/auth_server_key"
check "pg_basebackup copied the server key file to the standby" same \
    "$(cmp -s "$primary_key" "$standby_key" && echo same || echo different)"
check "readable by the server's user alone (0600)" 600 "$(stat -c %a "$standby_key")"
# Without it (a standby made by hand, say), a new backend needs it only to open a secret.
mv "$standby_key" "$standby_key.aside"
state() { on_standby "$db" -v VERBOSITY=verbose -c "$1" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' | head -1; }
check "without the key file, signing on the standby fails with 58P01" 58P01 \
    "$(state "SELECT auth_issue_jwt('$token', 'Standby App')")"
check "with a hint on where the file comes from" 1 \
    "$(on_standby "$db" -c "SELECT auth_issue_jwt('$token', 'Standby App')" 2>&1 | grep -c '^HINT: .*data directory')"
check "while an EdDSA token still verifies (its public key is not sealed)" "$uid" "$(standby "SELECT auth_verify_jwt('$jwt')->>'sub'")"
mv "$standby_key.aside" "$standby_key"
chmod 644 "$standby_key"
check "a key file others may read is refused with 55000" 55000 "$(state "SELECT auth_verify_jwt('$hs_jwt')")"
chmod 600 "$standby_key"
check "back in place, the standby verifies the HS256 token again" "$uid" "$(standby "SELECT auth_verify_jwt('$hs_jwt')->>'sub'")"
echo "1..$count"
exit $fail
