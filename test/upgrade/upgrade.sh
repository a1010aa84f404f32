#!/usr/bin/env bash
# ALTER EXTENSION auth UPDATE from 0.1.0 loses nothing and gives what a fresh install gives.
# A database is made at 0.1.0 (its frozen install script, served by this build's library)
# and filled through the 0.1.0 API: users (one with an imported hash), products, a tenant,
# composite roles, permissions, grants, sessions, an API key, a JWT, a reset token. Then:
#  (a) after the update, the catalog (test/upgrade/catalog.sql) equals a fresh install's;
#  (b) every user logs in with the same password, every check answers as before, the
#      sessions, the API key and the JWT still work; pending reset tokens, which 0.1.0
#      handed to apps, are void;
#  (c) accounts 0.1.0 let in that collide under one address, one account (a full-width
#      twin, a Cyrillic look-alike) are kept, still log in, and are listed for the operator.
#  (d) 0.1.0's HS256 key is deleted and the EdDSA secret
#      sealed, unless auth.jwt_algorithm is HS256 in the session that updates (then the
#      HS256 key stays, sealed, and its tokens still verify).
# Prints TAP, for prove. Usage: upgrade.sh   (libpq's PG* variables name the server)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
old=upgrade_old_$$ fresh=upgrade_fresh_$$ hs=upgrade_hs_$$ work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$old"; dropdb --if-exists "$fresh"; dropdb --if-exists "$hs"' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$@"; }

fail=0 count=0
check() {  # check DESCRIPTION EXPECTED ACTUAL: one TAP line
    count=$((count + 1))
    if [ "$2" = "$3" ]; then echo "ok $count - $1"; else
        echo "not ok $count - $1"; printf '#   expected: %s\n#        got: %s\n' "$2" "$3"; fail=1; fi
}

createdb "$old"
createdb "$fresh"
q "$fresh" -c "CREATE EXTENSION auth"
check "a fresh install is at the default version" 0.2.0 \
    "$(q "$fresh" -c "SELECT extversion FROM pg_extension WHERE extname = 'auth'")"

# 0.1.0, filled through its own API by a superuser.
imported_hash=$(mkpasswd -m sha-512 'carol imported password')
q "$old" -v imported_hash="$imported_hash" >"$work/secrets" <<'SQL'
CREATE EXTENSION auth VERSION '0.1.0';
DO $$ BEGIN CREATE ROLE upgrade_test_admins NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
SELECT auth_create_product('Accounting', 'books', 'upgrade_test_admins') \gset
SELECT auth_create_product('Payroll') \gset
SELECT auth_create_tenant('Acme') \gset
SELECT auth_create_role('Accounting', 'admin') \gset
SELECT auth_create_role('Accounting', 'clerk') \gset
SELECT auth_create_role('Payroll', 'viewer') \gset
SELECT auth_role_inherit('Accounting', 'admin', 'clerk') \gset
SELECT auth_grant_permission('Accounting', 'clerk', 'invoice.read') \gset
SELECT auth_grant_permission('Accounting', 'admin', 'invoice.write') \gset
SELECT auth_create_user('alice@example.com', 'alice password 1', 'Alice') AS alice \gset
SELECT auth_create_user('bob@example.com', 'bob password 22') AS bob \gset
SELECT auth_import_user('carol@example.com', :'imported_hash') AS carol \gset
SELECT auth_create_user('erin@example.com', 'erin password 1') AS erin \gset
SELECT auth_create_user(U&'\FF45\FF52\FF49\FF4E@example.com', 'wide erin password 1') AS wide_erin \gset
SELECT auth_create_user('frank@example.com', 'frank password 1') AS frank \gset
SELECT auth_create_user(U&'fr\0430nk@example.com', 'cyrillic frank password 1') AS cyrillic_frank \gset
SELECT auth_grant(:alice, 'Accounting', 'admin') \gset
SELECT auth_grant(:alice, 'Payroll', 'viewer') \gset
SELECT auth_grant(:bob, 'Accounting', 'clerk', 'Acme') \gset
SELECT auth_grant(:carol, 'Payroll', 'viewer') \gset
SELECT auth_set_membership(:carol, 'Payroll', 'suspended') \gset
-- A hash over the bound of 0.2.0 (sha512-crypt, 5,000,000 rounds), as 0.1.0 let it in.
SELECT auth_create_user('gina@example.com', 'gina placeholder 1') AS gina \gset
UPDATE auth.users SET password_imported = true, password_hash =
    '$6$rounds=5000000$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1'
WHERE id = :gina;
SELECT 'session_a ' || auth_login('alice@example.com', 'alice password 1', 'Accounting');
SELECT 'session_b ' || auth_login('bob@example.com', 'bob password 22');
SELECT 'api_key ' || auth_create_api_key(:alice, 'Accounting', 'upgrade key');
SELECT 'reset ' || auth_request_password_reset('bob@example.com');
SELECT 'kid ' || kid FROM auth.signing_keys WHERE retired_at IS NULL AND algorithm = 'EdDSA';
SELECT 'ed_secret ' || encode(secret_key, 'hex') FROM auth.signing_keys WHERE retired_at IS NULL AND algorithm = 'EdDSA';
-- 0.1.0 kept an HS256 secret that any pg_read_all_data member could read, and it verified
-- tokens under EdDSA: one forged with it for alice.
SELECT 'forged ' || auth.jwt_sign('HS256', kid, json_build_object('iss', 'auth', 'sub', :alice::text,
           'product', 'Accounting', 'exp', floor(extract(epoch FROM now())) + 3600)::text, secret_key)
FROM auth.signing_keys WHERE retired_at IS NULL AND algorithm = 'HS256';
SQL
secret() { sed -n "s/^$1 //p" "$work/secrets"; }
session_a=$(secret session_a) session_b=$(secret session_b) api_key=$(secret api_key)
reset_token=$(secret reset) kid=$(secret kid) ed_secret=$(secret ed_secret) forged=$(secret forged)
jwt=$(q "$old" -c "SELECT auth_issue_jwt('$session_a', 'Accounting', '1 hour')")

# Every answer of the checks and lookups, before and after the update.
answers() {
    q "$old" <<SQL
SELECT 'has_role', u.id, p, r, t, auth_has_role(u.id, p, r, t)
FROM auth.users u,
     (VALUES ('Accounting', 'admin'), ('Accounting', 'clerk'), ('Payroll', 'viewer'), ('Payroll', 'nobody')) AS pr(p, r),
     (VALUES (NULL), ('Acme')) AS tt(t)
ORDER BY 2, 3, 4, 5;
SELECT 'has_permission', u.id, perm, t, auth_has_permission(u.id, 'Accounting', perm, t)
FROM auth.users u, (VALUES ('invoice.read'), ('invoice.write')) AS pp(perm), (VALUES (NULL), ('Acme')) AS tt(t)
ORDER BY 2, 3, 4;
SELECT 'user_roles', u.id, r.* FROM auth.users u, auth_user_roles(u.id) r ORDER BY 2, 3, 4, 5;
SELECT 'user_id', auth_user_id('ALICE@example.com'), auth_user_id('carol@example.com');
SELECT 'session_user', auth_session_user('$session_a'), auth_session_user('$session_b');
SELECT 'api_key_user', auth_api_key_user('$api_key', 'Accounting');
SELECT 'jwt', auth_verify_jwt('$jwt') ->> 'sub', auth_verify_jwt('$jwt') ->> 'product';
SELECT 'jwks_kids', (SELECT string_agg(k ->> 'kid', ',' ORDER BY k ->> 'kid') FROM jsonb_array_elements(auth_jwks() -> 'keys') k);
SQL
}
answers >"$work/before"
check "0.1.0 verifies a token forged with its readable HS256 secret (the fault fixed)" 1 \
    "$(q "$old" -c "SELECT auth_verify_jwt('$forged') ->> 'sub'")"
q "$old" -c "SELECT count(*) FROM auth.audit_log" >"$work/audit_before"

q "$old" -c "ALTER EXTENSION auth UPDATE" 2>"$work/update_messages" || { cat "$work/update_messages" >&2; exit 1; }
check "the update warns of the stored hashes over the bound, by count" yes \
    "$(grep -q 'WARNING:  1 stored password hashes could make a check cost more than the bound' "$work/update_messages" && echo yes)"
check "auth.hashes_over_bound lists that user, never the hash" 'gina@example.com|sha512-crypt|t' \
    "$(q "$old" -c "SELECT email, format, imported FROM auth.hashes_over_bound")"
check "ALTER EXTENSION auth UPDATE reaches 0.2.0" 0.2.0 \
    "$(q "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'auth'")"

# (a) The catalog of the upgraded database equals a fresh install's.
psql -X -q -d "$old" -f "$here/catalog.sql" >"$work/catalog_upgraded"
psql -X -q -d "$fresh" -f "$here/catalog.sql" >"$work/catalog_fresh"
check "the listing covers the extension (functions, tables, privileges)" yes \
    "$([ "$(grep -c '^function ' "$work/catalog_fresh")" -gt 40 ] &&
       [ "$(grep -c '^column ' "$work/catalog_fresh")" -gt 80 ] &&
       [ "$(grep -c '^privileges ' "$work/catalog_fresh")" -gt 40 ] && echo yes)"
if diff -u "$work/catalog_fresh" "$work/catalog_upgraded" >"$work/catalog.diff"; then
    check "the upgraded catalog equals a fresh install's" same same
else
    check "the upgraded catalog equals a fresh install's" same "differs (below)"
    sed 's/^/# /' "$work/catalog.diff" | head -200
fi

# (b) Nothing is lost and everything answers as before.
answers >"$work/after"
if diff -u "$work/before" "$work/after" >"$work/answers.diff"; then
    check "every check, lookup, session, API key and JWT answers as before" same same
else
    check "every check, lookup, session, API key and JWT answers as before" same "differs (below)"
    sed 's/^/# /' "$work/answers.diff"
fi
check "the answers were not empty" yes "$([ "$(wc -l <"$work/after")" -gt 40 ] && grep -q '^session_user|1|2$' "$work/after" && echo yes)"
check "the audit log is kept" t \
    "$(q "$old" -c "SELECT count(*) >= $(cat "$work/audit_before") FROM auth.audit_log")"
check "alice logs in with the same password" t \
    "$(q "$old" -c "SELECT auth_login('alice@example.com', 'alice password 1', 'Accounting') IS NOT NULL")"
check "bob logs in with the same password" t \
    "$(q "$old" -c "SELECT auth_login('bob@example.com', 'bob password 22') IS NOT NULL")"
check "carol's imported hash still verifies, and is rehashed to Argon2id" 't|$argon2id$' \
    "$(q "$old" -c "SELECT auth_verify_password('carol@example.com', 'carol imported password') IS NOT NULL" \
                -c "SELECT left(password_hash, 10) FROM auth.users WHERE email = 'carol@example.com'" | paste -sd'|')"
check "a wrong password is still refused" t \
    "$(q "$old" -c "SELECT auth_login('alice@example.com', 'not her password') IS NULL")"
check "the signing key of 0.1.0 still signs" "$kid" \
    "$(q "$old" -c "SELECT auth.jwt_key_id(auth_issue_jwt('$session_a', 'Accounting'))")"
check "the update deleted 0.1.0's HS256 key (auth.jwt_algorithm was EdDSA)" 0 \
    "$(q "$old" -c "SELECT count(*) FROM auth.signing_keys WHERE algorithm = 'HS256'")"
check "a token forged with its secret verifies no more" "" "$(q "$old" -c "SELECT auth_verify_jwt('$forged')")"
check "the EdDSA secret is sealed: the column no longer holds it" f \
    "$(q "$old" -c "SELECT position('\\x$ed_secret'::bytea IN sealed_secret) > 0 FROM auth.signing_keys WHERE kid = '$kid'")"
check "and it opens, with the server key file, to the same secret" "$ed_secret" \
    "$(q "$old" -c "SELECT encode(auth.unseal(sealed_secret, auth.signing_key_context(kid)), 'hex') FROM auth.signing_keys WHERE kid = '$kid'")"
check "new users get ids after the old ones" t \
    "$(q "$old" -c "SELECT auth_create_user('dave@example.com', 'river lantern 333') > 3")"
check "a reset token 0.1.0 handed to an app is void after the update" f \
    "$(q "$old" -c "SELECT auth_reset_password('$reset_token', 'bob new password 4')")"

# (c) Colliding accounts of 0.1.0: kept, served, listed.
check "0.1.0 let in a full-width twin of erin@ and a Cyrillic look-alike of frank@" 4 \
    "$(q "$old" -c "SELECT count(*) FROM auth.users WHERE email_key IN ('erin@example.com', 'frank@example.com', U&'fr\0430nk@example.com')")"
check "the update warns of the colliding accounts it kept" 1 \
    "$(grep -c 'WARNING:  accounts kept whose addresses collide under one address, one account: 2 pair(s)' "$work/update_messages")"
check "erin@ and ｅｒｉｎ@ (one key) each log in with the stored address and password" 't|t' \
    "$(q "$old" -c "SELECT auth_login('erin@example.com', 'erin password 1') IS NOT NULL" \
                -c "SELECT auth_login(U&'\FF45\FF52\FF49\FF4E@example.com', 'wide erin password 1') IS NOT NULL" | paste -sd'|')"
check "frank@ and frаnk@ (look-alikes) each log in with the stored address and password" 't|t' \
    "$(q "$old" -c "SELECT auth_login('frank@example.com', 'frank password 1') IS NOT NULL" \
                -c "SELECT auth_login(U&'fr\0430nk@example.com', 'cyrillic frank password 1') IS NOT NULL" | paste -sd'|')"
check "the operator's list names both pairs" "$(printf '%s\n' 'erin@example.com|ｅｒｉｎ@example.com|same key' 'frank@example.com|frаnk@example.com|look-alike')" \
    "$(q "$old" -c "CREATE ROLE upgrade_test_operator IN ROLE auth_admin" -c "SET ROLE upgrade_test_operator" \
                -c "SELECT email, other_email, reason FROM auth.email_collisions ORDER BY email" -c "RESET ROLE" \
                -c "DROP ROLE upgrade_test_operator")"
check "a new look-alike sign-up after the update is refused" 23505 \
    "$(q "$old" -c "DO \$\$ BEGIN PERFORM auth_create_user(U&'\0435rin@example.com', 'cyrillic erin password'); RAISE NOTICE 'none'; EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END \$\$" 2>&1 | sed 's/^NOTICE:  //')"

# Updated by a session where auth.jwt_algorithm is HS256: the HS256 key is kept.
createdb "$hs"
read -r hs_kid hs_jwt <<<"$(q "$hs" <<'SQL'
CREATE EXTENSION auth VERSION '0.1.0';
SET auth.jwt_algorithm = 'HS256';
SELECT auth_create_product('HS App') \gset
SELECT auth_create_user('hs@example.com', 'hs password 1') AS uid \gset
SELECT auth_create_role('HS App', 'member') \gset
SELECT auth_grant(:uid, 'HS App', 'member') \gset
SELECT kid || ' ' || auth_issue_jwt(auth_login('hs@example.com', 'hs password 1'), 'HS App')
FROM auth.signing_keys WHERE algorithm = 'HS256' AND retired_at IS NULL;
SQL
)"
q "$hs" -c "SET auth.jwt_algorithm = 'HS256'" -c "ALTER EXTENSION auth UPDATE"
check "updated under HS256, the HS256 key is the current key and the EdDSA key retired" "HS256|$hs_kid" \
    "$(q "$hs" -c "SELECT algorithm || '|' || kid FROM auth.signing_keys WHERE retired_at IS NULL")"
check "and an HS256 token of 0.1.0 still verifies (its secret sealed)" 1 \
    "$(q "$hs" -c "SET auth.jwt_algorithm = 'HS256'" -c "SELECT auth_verify_jwt('$hs_jwt') ->> 'sub'")"

echo "1..$count"
exit $fail
