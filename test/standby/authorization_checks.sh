#!/usr/bin/env bash
# The authorization checks on a real hot standby: a streaming replica of the test server
# answers auth_has_role, auth_has_permission and auth_user_roles (through inheritance and
# tenants, from the index on all-visible pages and from the table otherwise), and sees a
# grant, a revoke and a suspension made on the primary once they are replayed; a
# confined app's session kept open on the standby sees its product unbound and bound again
# (the checks remember a caller's products per backend, and forget them when the change
# is replayed). The standby does not preload the library, so the checks also run in a
# backend that loads it on first use. Prints TAP, for prove. Usage: authorization_checks.sh (libpq's PG*
# variables name the primary, on a Unix socket as scripts/lib.sh starts it)
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
db=authz_standby_$$ app=standby_app_$$
cleanup() {
    stop_standby
    dropdb --if-exists "$db"
    psql -X -q -c "DROP ROLE IF EXISTS $app" 2>/dev/null || true
}
trap cleanup EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

createdb "$db"
uid=$(q -d "$db" -v app="$app" <<'SQL'
CREATE EXTENSION auth;
CREATE ROLE :"app" NOLOGIN IN ROLE auth_client;
SELECT auth_create_product('Standby Shop') \g /dev/null
SELECT auth_create_tenant('Standby Tenant') \g /dev/null
SELECT auth_set_app_role('Standby Shop', :'app') \g /dev/null
SELECT auth_create_role('Standby Shop', r) FROM unnest(ARRAY['lead', 'member', 'other']) r \g /dev/null
SELECT auth_role_inherit('Standby Shop', 'lead', 'member') \g /dev/null
SELECT auth_grant_permission('Standby Shop', 'member', 'read') \g /dev/null
INSERT INTO auth.users (email) VALUES ('standby.authz@example.com');
SELECT auth_grant(auth_user_id('standby.authz@example.com'), 'Standby Shop', 'lead', 'Standby Tenant') \g /dev/null
VACUUM auth.user_roles;
SELECT auth_user_id('standby.authz@example.com');
SQL
)
start_standby -c shared_preload_libraries=
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

# One standby session kept open, as the app of Standby Shop.
coproc kept { psql -X -q -At -h "$STANDBY_DIR" -p 5499 -d "$db" 2>&1; }
in_kept() {  # runs a statement in the kept session; its output (errors too) in $answer
    printf '%s;\n\\echo __end__\n' "$1" >&"${kept[1]}"
    local line
    answer=""
    while IFS= read -r -t 30 line <&"${kept[0]}"; do
        [ "$line" = __end__ ] && break
        answer+="${answer:+ }$line"
    done
}
kept_pid=$kept_PID
in_kept "SET ROLE $app"
in_kept "SELECT auth_has_role($uid, 'Standby Shop', 'other', 'Standby Tenant')"
check "the app of Standby Shop gets an answer on the standby" t "$answer"
in_kept "SELECT auth_has_role($uid, 'No Such Shop', 'lead')"
check "and 42501 for another product" \
    "ERROR:  permission denied: role \"$app\" may not act for product \"No Such Shop\"" "$answer"
q -d "$db" -c "SELECT auth_set_app_role('Standby Shop', NULL)" >/dev/null
catch_up
in_kept "SELECT auth_has_role($uid, 'Standby Shop', 'other', 'Standby Tenant')"
check "unbound on the primary: the same standby session is refused once replayed" \
    "ERROR:  permission denied: role \"$app\" is neither a sign-in service nor the app of a product" \
    "${answer%% HINT:*}"
q -d "$db" -c "UPDATE auth.products SET app_role = '$app', app_role_oid = '$app'::regrole WHERE name = 'Standby Shop'" \
    >/dev/null
catch_up
in_kept "SELECT auth_has_role($uid, 'Standby Shop', 'other', 'Standby Tenant')"
check "bound again by the owner's UPDATE on the primary: answered again once replayed" t "$answer"
printf '\\q\n' >&"${kept[1]}"
wait "$kept_pid" || true

q -d "$db" -c "SELECT auth_set_membership($uid, 'Standby Shop', 'suspended')" >/dev/null
catch_up
check "a suspension made on the primary is seen once replayed" f "$(ask other)"
check "the standby wrote nothing: the checks are read-only" "" \
    "$(grep -E 'ERROR|FATAL' "$STANDBY_DIR/server.log" | grep -v 'the database system is starting up' |
       grep -vF "permission denied: role \"$app\"" || true)"

echo "1..$count"
exit $fail
