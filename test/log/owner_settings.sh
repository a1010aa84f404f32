#!/usr/bin/env bash
# No secret reaches the server log through settings a non-superuser controls. A database
# owner who is not a superuser sets log_parameter_max_length_on_error = -1 (log every
# bind parameter of a failing statement) for the whole database, and later
# default_transaction_read_only = on; apps then call the functions that receive secrets,
# with bind parameters and with literals, in ways that fail. A canary secret in a failing
# statement of our own proves each kind of logging is on; the secrets passed to the
# extension must not appear.
# Prints TAP, for prove. Usage: SERVER_LOG=path owner_settings.sh   (libpq's PG* variables
# name the server, as a superuser)
set -euo pipefail
log=${SERVER_LOG:?set SERVER_LOG to the server log file}
start=$(wc -c <"$log")
db=log_owner_$$ owner=log_owner_$$ app=log_app_$$ signin=log_signin_$$ stray=log_stray_$$
work=$(mktemp -d)
trap 'dropdb --if-exists "$db" 2>/dev/null; psql -X -q -d postgres -c "DROP ROLE IF EXISTS $owner, $app, $signin, $stray" 2>/dev/null; rm -rf "$work"' EXIT
piece() { head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-"$1"; }
password="pw-$(piece 16)" wrong="wrong-$(piece 16)" literal="literal-$(piece 16)"
canary_bound="canary-$(piece 16)" canary_literal="canary-$(piece 16)"

fail=0 count=0
check() {  # check DESCRIPTION EXPECTED ACTUAL: one TAP line
    count=$((count + 1))
    if [ "$2" = "$3" ]; then echo "ok $count - $1"; else echo "not ok $count - $1 (expected '$2', got '$3')"; fail=1; fi
}

# The database belongs to an ordinary role; a superuser installs the extension into a
# schema that role cannot create in (as the README says), and binds the apps.
psql -X -q -d postgres -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE $owner LOGIN;
CREATE DATABASE $db OWNER $owner;
SQL
psql -X -q -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE SCHEMA auth_api;
CREATE EXTENSION auth SCHEMA auth_api;
CREATE ROLE $app LOGIN IN ROLE auth_client;
CREATE ROLE $signin LOGIN IN ROLE auth_signin;
CREATE ROLE $stray LOGIN IN ROLE auth_client;
GRANT USAGE ON SCHEMA auth_api TO auth_client, auth_admin, auth_mailer, auth_user;
SELECT auth_api.auth_create_product('Log Product');
SELECT auth_api.auth_set_app_role('Log Product', '$app');
SELECT auth_api.auth_create_user('log.owner@example.com', '$password', product => 'Log Product');
SQL
session=$(psql -X -q -At -d "$db" -c "SELECT auth_api.auth_login('log.owner@example.com', '$password')")

# The owner logs every bind parameter of a failing statement, for the whole database.
psql -X -q -d "$db" -U "$owner" -c "ALTER DATABASE $db SET log_parameter_max_length_on_error = -1"
run_as() {  # run_as ROLE STATEMENT [pgbench -D assignments...]: the statement alone, extended protocol
    local role=$1
    printf '%s\n' "$2" >"$work/statement.sql"
    shift 2
    pgbench -n -M extended -t 1 -U "$role" -f "$work/statement.sql" "$@" "$db" >>"$work/pgbench.out" 2>&1 || true
}
run_as "$app" 'SELECT length(:canary) / 0;' -D canary="$canary_bound"
bound=(-D email=log.owner@example.com -D password="$password" -D wrong="$wrong")
run_as "$app" "SELECT auth_api.auth_login(:email, :password, 'No Such Product');" "${bound[@]}"
run_as "$app" 'SELECT auth_api.auth_verify_password(:email, :wrong);' "${bound[@]}"
run_as "$app" "SELECT auth_api.auth_change_password(1, :password, 'short');" "${bound[@]}"
run_as "$app" "SELECT auth_api.auth_reset_password(:password, 'short');" "${bound[@]}"
run_as "$app" "SELECT auth_api.auth_create_user('other.owner@example.com', :password, product => 'No Such Product');" "${bound[@]}"
run_as "$signin" "SELECT auth_api.auth_sso_code(:session, 'Log Product', 'not a challenge');" -D session="$session"
run_as "$stray" 'SELECT auth_api.auth_session_user(:session);' -D session="$session"
run_as "$app" "SELECT auth_api.auth_begin(:session, 'No Such Product');" -D session="$session"
# Literals in the statement text: the client's mistake, still kept out of the log.
psql -X -q -d "$db" -U "$app" -c "SELECT auth_api.auth_change_password(1, '$literal', 'short')" 2>/dev/null || true
psql -X -q -d "$db" -U "$app" -c "SELECT 1 / 0, '$canary_literal'" 2>/dev/null || true

# Then every transaction of the database starts read-only.
psql -X -q -d "$db" -U "$owner" -c "ALTER DATABASE $db SET default_transaction_read_only = on"
: >"$work/pgbench.out"
run_as "$app" "SELECT auth_api.auth_login(:email, :password, 'Log Product');" "${bound[@]}"
run_as "$app" 'SELECT auth_api.auth_verify_password(:email, :password);' "${bound[@]}"
readonly_answers=$(grep -c "auth_login needs a writable transaction\|auth_verify_password needs a writable transaction" \
                   "$work/pgbench.out" || true)

sleep 0.3
tail -c +$((start + 1)) "$log" >"$work/ours"
in_log() { grep -cF -- "$1" "$work/ours" || true; }
check "canary: a failing statement's bind parameter is logged under the owner's setting" 1 \
    "$([ "$(in_log "$canary_bound")" -ge 1 ] && echo 1 || echo 0)"
check "canary: a failing statement's literal is logged (log_min_error_statement = error)" 1 \
    "$([ "$(in_log "$canary_literal")" -ge 1 ] && echo 1 || echo 0)"
check "no password passed as a bind parameter to a failing call is in the log" 0 "$(in_log "$password")"
check "no wrong password is in the log" 0 "$(in_log "$wrong")"
check "no session token (auth_sso_code with a bad challenge, auth_session_user refused, auth_begin for a product not its own) is in the log" 0 \
    "$(in_log "$session")"
check "no password written as a literal into a failing call is in the log" 0 "$(in_log "$literal")"
check "in a read-only database auth_login and auth_verify_password answer with a WARNING, not an error" 2 \
    "$readonly_answers"
check "and no error was raised by them there" 0 "$(grep -c 'ERROR' "$work/pgbench.out" || true)"

echo "1..$count"
exit $fail
