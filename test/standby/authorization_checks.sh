#!/usr/bin/env bash
# The authorization checks on a real hot standby: a streaming replica of the test server
# answers auth_has_role, auth_has_permission and auth_user_roles (through inheritance and
# tenants, from the index on all-visible pages and from the table otherwise), and sees a
# grant, a revoke and a suspension made on the primary once they are replayed. The
# standby does not preload the library, so the checks also run in a backend that loads
# it on first use. Prints TAP, for prove. Usage: authorization_checks.sh (libpq's PG*
# variables name the primary, on a Unix socket as scripts/lib.sh starts it)
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
db=authz_standby_$$
cleanup() {
    stop_standby
    dropdb --if-exists "$db"
}
trap cleanup EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

createdb "$db"
uid=$(q -d "$db" <<'SQL'
CREATE EXTENSION auth;
SELECT auth_create_product('Standby Shop') \g /dev/null
SELECT auth_create_tenant('Standby Tenant') \g /dev/null
SELECT auth_create_role('Standby Shop', r) FROM unnest(ARRAY['lead', 'member', 'other']) r \g /dev/null
SELECT auth_role_inherit('Standby Shop', 'lead', 'member') \g /dev/null
SELECT auth_grant_permission('Standby Shop', 'member', 'read') \g /dev/null
INSERT INTO auth.users (email) VALUES ('standby.authz@example.com');
SELECT auth_grant(auth_user_id('standby.authz@example.com'), 'Standby Shop', 'lead', 'Standby Tenant') \g /dev/null
VACUUM auth.user_roles;
SELECT auth_user_id('standby.authz@example.com');
SQL
)
start_standby
standby() { on_standby "$db" -c "$1" 2>&1; }
catch_up() { standby_catch_up "$db"; }

count=0 fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    count=$((count + 1))
    if [ "$2" = "$3" ]; then echo "ok $count - $1"; else echo "not ok $count - $1 (expected '$2', got '$3')"; fail=1; fi
}
ask() { standby "SELECT auth_has_role($uid, 'Standby Shop', '$1', ${2:-NULL})"; }
check "the standby is in recovery" t "$(standby 'SELECT pg_is_in_recovery()')"
check "auth_has_role answers through inheritance in a tenant" t "$(ask member "'Standby Tenant'")"
check "and false product-wide" f "$(ask member)"
check "and false for a role not held" f "$(ask other "'Standby Tenant'")"
check "auth_has_permission answers on the standby" t \
    "$(standby "SELECT auth_has_permission($uid, 'Standby Shop', 'read', 'Standby Tenant')")"
check "auth_user_roles answers on the standby" "Standby Tenant|lead,Standby Tenant|member" \
    "$(standby "SELECT string_agg(tenant || '|' || role, ',') FROM auth_user_roles($uid)")"

q -d "$db" -c "SELECT auth_grant($uid, 'Standby Shop', 'other')" >/dev/null
catch_up
check "a product-wide grant made on the primary is seen once replayed" t "$(ask other "'Standby Tenant'")"
q -d "$db" -c "SELECT auth_revoke($uid, 'Standby Shop', 'lead', 'Standby Tenant')" >/dev/null
catch_up
check "a revoke made on the primary is seen once replayed" f "$(ask member "'Standby Tenant'")"
q -d "$db" -c "SELECT auth_set_membership($uid, 'Standby Shop', 'suspended')" >/dev/null
catch_up
check "a suspension made on the primary is seen once replayed" f "$(ask other)"
check "the standby wrote nothing: the checks are read-only" "" \
    "$(grep -E 'ERROR|FATAL' "$STANDBY_DIR/server.log" | grep -v 'the database system is starting up' || true)"

echo "1..$count"
exit $fail
