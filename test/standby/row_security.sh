#!/usr/bin/env bash
# auth_begin on a real hot standby: a session token, a JWT and an API key each bind their
# user for the transaction, the readers and the example policies answer, and the binding
# ends with the transaction. Prints TAP, for prove. Usage: row_security.sh
# (libpq's PG* variables name the primary, on a Unix socket as scripts/lib.sh starts it)
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
db=standby_rls_$$
cleanup() {
    stop_standby
    dropdb --if-exists "$db"
    psql -X -q -c 'DROP ROLE IF EXISTS standby_rls_web' 2>/dev/null || true
}
trap cleanup EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

createdb "$db"
psql -X -q -c 'SET client_min_messages = warning' -c 'DROP ROLE IF EXISTS standby_rls_web' -c 'CREATE ROLE standby_rls_web NOLOGIN IN ROLE auth_user'
q -d "$db" -c 'CREATE EXTENSION auth' -f "$ROOT/examples/rls/invoices.sql" >/dev/null
read -r uid token jwt api_key <<<"$(q -d "$db" <<'SQL'
SELECT auth_create_tenant('Acme') \gset
SELECT auth_create_user('standby.rls@example.com', 'Amber orbit 71 slot', product => 'Accounting App') AS uid \gset
SELECT auth_set_membership(:uid, 'Accounting App', 'active', 'Acme') \gset
SELECT auth_grant(:uid, 'Accounting App', 'clerk', 'Acme') \gset
SELECT auth_login('standby.rls@example.com', 'Amber orbit 71 slot', 'Accounting App') AS token \gset
SELECT auth_issue_jwt(:'token', 'Accounting App') AS jwt \gset
SELECT auth_create_api_key(:uid, 'Accounting App', 'standby key') AS api_key \gset
INSERT INTO accounting.invoices (tenant, owner_id, customer, amount) VALUES ('Acme', :uid, 'on the standby', 1), ('Acme', 0, 'not hers', 2);
SELECT :uid || ' ' || :'token' || ' ' || :'jwt' || ' ' || :'api_key';
SQL
)"
start_standby
standby_catch_up "$db"
# One transaction on the standby, as the end users' role: bind, then read.
on_standby_tx() {
    on_standby "$db" -v ON_ERROR_STOP=1 2>&1 <<SQL
BEGIN;
SET LOCAL ROLE standby_rls_web;
SELECT auth_begin('$1', 'Accounting App', 'Acme') \\g /dev/null
SELECT auth_uid() || ' ' || auth_aal() || ' ' || auth_current_has_permission('invoices.write')
       || ' ' || (SELECT string_agg(customer, ',') FROM accounting.invoices);
COMMIT;
SELECT coalesce(auth_uid()::text, 'none');
SQL
}

count=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    count=$((count + 1))
    if [ "$2" = "$3" ]; then echo "ok $count - $1"; else echo "not ok $count - $1 (expected '$2', got '$3')"; fail=1; fi
}
check "the standby is in recovery" t "$(on_standby "$db" -c 'SELECT pg_is_in_recovery()')"
expected="$uid aal1 true on the standby
none"
check "a session token binds on the standby; the policies answer; the binding ends at COMMIT" "$expected" "$(on_standby_tx "$token")"
check "a JWT binds on the standby" "$expected" "$(on_standby_tx "$jwt")"
check "an API key binds on the standby" "$expected" "$(on_standby_tx "$api_key")"
check "a forged JWT binds nothing there" "
none" "$(on_standby_tx "${jwt%????}AAAA")"
echo "1..$count"
exit $fail
