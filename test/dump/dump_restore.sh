#!/usr/bin/env bash
# Every table's data survives pg_dump and pg_restore, and a dump holds no usable token
# or password: users log in to the restored database with the same password, their
# sessions, API keys and roles are still there, and new rows do not collide with restored
# ones. JWT signing keys and outbox tokens are dumped sealed under the server key file,
# which the dump does not hold: restored into a cluster with the same key file (here the
# same cluster) they work, while the dump holds neither the signing secret nor the token
# in any form.
# Prints TAP, for prove. Usage: dump_restore.sh   (libpq's PG* variables name the server)
set -euo pipefail
src=dump_src_$$ dst=dump_dst_$$ dump=$(mktemp)
manager=dump_test_manager_$$
trap 'rm -f "$dump" "$dump.sql"; dropdb --if-exists "$src"; dropdb --if-exists "$dst";
      psql -X -q -d postgres -c "DROP ROLE IF EXISTS $manager" 2>/dev/null' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$@"; }

createdb "$src"
tokens=$(q "$src" <<'SQL'
CREATE EXTENSION auth;
DO $$ BEGIN CREATE ROLE dump_test_admins NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE dump_test_app NOLOGIN IN ROLE auth_client; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
SELECT auth_create_product('Dump App', NULL, 'dump_test_admins') \gset
SELECT auth_set_app_role('Dump App', 'dump_test_app') \gset
SELECT auth_create_role('Dump App', 'reader') \gset
SELECT auth_create_user('dump@example.com', 'quay lantern test 5') AS uid \gset
SELECT auth_grant(:uid, 'Dump App', 'reader') \gset
SELECT auth_login('dump@example.com', 'quay lantern test 5', 'Dump App') AS token \gset
SELECT auth_create_api_key(:uid, 'Dump App', 'dump key') AS api_key \gset
SELECT auth_issue_jwt(:'token', 'Dump App') AS jwt \gset
SELECT auth.new_token() AS mail_token \gset
SELECT auth.queue_message(current_user::regrole, 'password_reset', :uid, NULL, :'mail_token', now() + interval '1 hour') \g /dev/null
-- The raw signing secret, as only the superuser can see it: whole and its seed (the
-- first half of libsodium's Ed25519 secret key) in hex, and the base64 of the seed's first
-- 30 bytes (40 characters: a whole number of 3-byte groups, so it is the start of any
-- base64 text of the secret, however long the rest and wherever line breaks fall), in
-- both alphabets.
SELECT kid AS kid, auth.unseal(sealed_secret, auth.signing_key_context(kid)) AS secret
FROM auth.signing_keys WHERE retired_at IS NULL \gset
SELECT :'token' || ' ' || :'api_key' || ' ' || :'jwt' || ' ' || :'mail_token' || ' ' || :'kid' || ' '
       || encode(s, 'hex') || ' ' || encode(substr(s, 1, 32), 'hex') || ' '
       || replace(encode(s, 'base64'), E'\n', '') || ' ' || encode(substr(s, 1, 30), 'base64') || ' '
       || translate(encode(substr(s, 1, 30), 'base64'), '+/', '-_')
FROM (SELECT :'secret'::bytea AS s) x;
SQL
)
read -r token api_key jwt mail_token kid secret_hex seed_hex secret_b64 seed_b64 seed_b64url <<<"$tokens"
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
    "$(q "$dst" -c "SELECT auth_login('dump@example.com', 'quay lantern test 5', 'Dump App') IS NOT NULL")"
check "sequences continue after the restored ids" 2 \
    "$(q "$dst" -c "SELECT auth_create_user('second@example.com', 'quay lantern test 5')")"
check "the audit log is restored" t \
    "$(q "$dst" -c "SELECT count(*) >= 5 FROM auth.audit_log WHERE event IN ('product_created','role_created','user_created','role_granted','login')")"
check "the dump holds no session token" 0 "$(grep -cF -- "$token" "$dump.sql" || true)"
check "the dump holds no password" 0 "$(grep -cF -- 'quay lantern test 5' "$dump.sql" || true)"
check "the API key works in the restored database" "$uid" \
    "$(q "$dst" -c "SELECT auth_api_key_user('$api_key', 'Dump App')")"
check "the dump holds no API key" 0 "$(grep -cF -- "${api_key#authkey_}" "$dump.sql" || true)"
check "the dump holds the signing key's row" 1 "$(grep -cF -- "$kid" "$dump.sql" || true)"
check "but not its secret, in hex or base64 (the test read it through auth.unseal)" 0 \
    "$(grep -ciF -e "$secret_hex" -e "$seed_hex" -e "$secret_b64" -e "$seed_b64" -e "$seed_b64url" "$dump.sql" || true)"
mail_token_hex=$(printf %s "$mail_token" | od -An -tx1 | tr -d ' \n')
check "nor the outbox token, as text or bytes" 0 "$(grep -ciF -e "$mail_token" -e "$mail_token_hex" "$dump.sql" || true)"
check "the dumped key is the restored database's current key again" "$kid" \
    "$(q "$dst" -c "SELECT kid FROM auth.signing_keys WHERE retired_at IS NULL")"
check "the key CREATE EXTENSION made in it is retired, its secret dropped" "EdDSA|true" \
    "$(q "$dst" -c "SELECT algorithm || '|' || (sealed_secret IS NULL) FROM auth.signing_keys WHERE kid <> '$kid'")"
check "a JWT signed before the dump verifies after the restore (same server key file)" "$uid" \
    "$(q "$dst" -c "SELECT auth_verify_jwt('$jwt')->>'sub'")"
check "and the restored key signs: its secret opens with the key file" "$kid" \
    "$(q "$dst" -c "SELECT split_part(auth_issue_jwt('$token', 'Dump App'), '.', 1)" |
       tr '_-' '/+' | base64 -d 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["kid"])')"
check "the mailer claims the restored message and gets the token in clear" "$mail_token" \
    "$(q "$dst" -c "SELECT token FROM auth_outbox_claim()")"

# Restored into another cluster, the admin_role would have another OID. Simulated by
# creating the role again: its members may not manage the product until the owner
# re-binds it as the README says.
sqlstate_of() {  # sqlstate_of DB SQL: the SQLSTATE the statement raises as $manager, or none
    local state
    state=$(psql -X -q -At -d "$1" -v VERBOSITY=verbose -c "SET ROLE $manager" -c "$2" 2>&1 >/dev/null |
            sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\):.*/\1/p' | head -1 || true)
    echo "${state:-none}"
}
q "$dst" -c "DROP ROLE dump_test_admins" -c "CREATE ROLE dump_test_admins NOLOGIN" \
    -c "CREATE ROLE $manager NOLOGIN IN ROLE dump_test_admins, auth_client"
check "a role created again under the admin_role's name (a new OID) does not manage the product" 42501 \
    "$(sqlstate_of "$dst" "SELECT auth_create_role('Dump App', 'writer')")"
q "$dst" -c "UPDATE auth.products SET admin_role_oid = to_regrole(admin_role) WHERE admin_role IS NOT NULL"
check "after the README's re-bind its members manage it again" none \
    "$(sqlstate_of "$dst" "SELECT auth_create_role('Dump App', 'writer')")"

# The app role likewise: kept by name and OID, so the same cluster's app works at once,
# and a role of the same name in another cluster (a new OID) is bound to nothing until
# an admin binds it again.
as_app() { psql -X -q -At -d "$dst" -c "SET ROLE dump_test_app" -c "$1" 2>&1; }
check "the app role's binding is restored, and its app sees the session" "$uid" \
    "$(as_app "SELECT auth_session_user('$token')")"
q "$dst" -c "DROP ROLE dump_test_app" -c "CREATE ROLE dump_test_app NOLOGIN IN ROLE auth_client"
check "an app role created again under the bound name (a new OID) is bound to nothing" 1 \
    "$(as_app "SELECT auth_session_user('$token')" | grep -c 'neither a sign-in service nor the app of a product')"
q "$dst" -c "SELECT auth_set_app_role('Dump App', 'dump_test_app')" >/dev/null
check "after auth_set_app_role it is the product's app again" "$uid" \
    "$(as_app "SELECT auth_session_user('$token')")"

echo "1..$count"
exit $fail
