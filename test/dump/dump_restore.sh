#!/usr/bin/env bash
# Every table's data survives pg_dump and pg_restore, and a dump holds no usable token
# or password: users log in to the restored database with the same password, their
# sessions, API keys and roles are still there, and new rows do not collide with restored
# ones. JWT signing keys are not dumped: the restore makes its own, so a dump holds no
# key that can sign a token.
# Prints TAP, for prove. Usage: dump_restore.sh   (libpq's PG* variables name the server)
set -euo pipefail
src=dump_src_$$ dst=dump_dst_$$ dump=$(mktemp)
trap 'rm -f "$dump" "$dump.sql"; dropdb --if-exists "$src"; dropdb --if-exists "$dst"' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$@"; }

createdb "$src"
tokens=$(q "$src" <<'SQL'
CREATE EXTENSION auth;
DO $$ BEGIN CREATE ROLE dump_test_admins NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
SELECT auth_create_product('Dump App', NULL, 'dump_test_admins') \gset
SELECT auth_create_role('Dump App', 'reader') \gset
SELECT auth_create_user('dump@example.com', 'dump test password') AS uid \gset
SELECT auth_grant(:uid, 'Dump App', 'reader') \gset
SELECT auth_login('dump@example.com', 'dump test password', 'Dump App') AS token \gset
SELECT auth_create_api_key(:uid, 'Dump App', 'dump key') AS api_key \gset
SELECT :'token' || ' ' || :'api_key' || ' ' || auth_issue_jwt(:'token', 'Dump App') || ' '
       || (SELECT string_agg(kid || ' ' || encode(secret_key, 'hex'), ' ' ORDER BY kid) FROM auth.signing_keys);
SQL
)
read -r token api_key jwt key_a secret_a key_b secret_b <<<"$tokens"
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
check "the API key works in the restored database" "$uid" \
    "$(q "$dst" -c "SELECT auth_api_key_user('$api_key', 'Dump App')")"
check "the dump holds no API key" 0 "$(grep -cF -- "${api_key#authkey_}" "$dump.sql" || true)"
check "the dump holds no signing key" 0 \
    "$(grep -cF -e "$secret_a" -e "$secret_b" -e "$key_a" -e "$key_b" "$dump.sql" || true)"
check "the restored database made signing keys of its own" 2 \
    "$(q "$dst" -c "SELECT count(*) FROM auth.signing_keys WHERE kid NOT IN ('$key_a', '$key_b')")"
check "a JWT signed before the dump does not verify after the restore" t \
    "$(q "$dst" -c "SELECT auth_verify_jwt('$jwt') IS NULL")"
check "the source database still verifies it" t \
    "$(q "$src" -c "SELECT auth_verify_jwt('$jwt') IS NOT NULL")"
echo "1..$count"
exit $fail
