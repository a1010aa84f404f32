#!/usr/bin/env bash
# Every table's data survives pg_dump and pg_restore, and a dump holds no usable token
# or password: users log in to the restored database with the same password, their
# sessions and roles are still there, and new rows do not collide with restored ones.
# Prints TAP, for prove. Usage: dump_restore.sh   (libpq's PG* variables name the server)
set -euo pipefail
src=dump_src_$$ dst=dump_dst_$$ dump=$(mktemp)
trap 'rm -f "$dump" "$dump.sql"; dropdb --if-exists "$src"; dropdb --if-exists "$dst"' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$@"; }

createdb "$src"
token=$(q "$src" <<'SQL'
CREATE EXTENSION auth;
DO $$ BEGIN CREATE ROLE dump_test_admins NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
SELECT auth_create_product('Dump App', NULL, 'dump_test_admins') \gset
SELECT auth_create_role('Dump App', 'reader') \gset
SELECT auth_create_user('dump@example.com', 'dump test password') AS uid \gset
SELECT auth_grant(:uid, 'Dump App', 'reader') \gset
SELECT auth_login('dump@example.com', 'dump test password', 'Dump App');
SQL
)
pg_dump -Fc -f "$dump" "$src"
pg_restore -f "$dump.sql" "$dump"
createdb "$dst"
pg_restore -d "$dst" --exit-on-error "$dump"

fail=0 count=0
check() {  # check DESCRIPTION EXPECTED ACTUAL: one TAP line
    count=$((count + 1))
    if [ "$2" = "$3" ]; then echo "ok $count - $1"; else echo "not ok $count - $1 (expected '$2', got '$3')"; fail=1; fi
}
uid=$(q "$dst" -c "SELECT auth_user_id('dump@example.com')")
check "the user is restored" 1 "$uid"
check "the session is restored" "$uid" "$(q "$dst" -c "SELECT auth_session_user('$token')")"
check "the role grant is restored" t "$(q "$dst" -c "SELECT auth_has_role($uid, 'Dump App', 'reader')")"
check "the product's admin_role is restored, by name" dump_test_admins \
    "$(q "$dst" -c "SELECT admin_role FROM auth.products WHERE name = 'Dump App'")"
check "the password still works" t \
    "$(q "$dst" -c "SELECT auth_login('dump@example.com', 'dump test password', 'Dump App') IS NOT NULL")"
check "sequences continue after the restored ids" 2 \
    "$(q "$dst" -c "SELECT auth_create_user('second@example.com', 'dump test password')")"
check "the audit log is restored" t \
    "$(q "$dst" -c "SELECT count(*) >= 5 FROM auth.audit_log WHERE event IN ('product_created','role_created','user_created','role_granted','login')")"
check "the dump holds no session token" 0 "$(grep -cF -- "$token" "$dump.sql" || true)"
check "the dump holds no password" 0 "$(grep -cF -- 'dump test password' "$dump.sql" || true)"
echo "1..$count"
exit $fail
