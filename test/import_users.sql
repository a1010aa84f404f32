-- auth_import_users: a report row per element, valid elements imported when others are
-- refused, memberships, roles and tenants, email_verified and active, the errors of the
-- contract, and no hash in the report or the audit log. The hashes are Django's own
-- (make_password) for the password "Tr0ub4dor&3"; test/hashes/migration.sh makes fresh ones.
BEGIN;
\ir helpers.psql
SELECT plan(24);

CREATE ROLE tap_iu_operator NOLOGIN IN ROLE auth_admin;
CREATE ROLE tap_iu_app NOLOGIN IN ROLE auth_signin;
SELECT auth_create_product('IU Shop');
SELECT auth_create_role('IU Shop', 'clerk');
SELECT auth_create_role('IU Shop', 'manager');

\set django '''pbkdf2_sha256$260000$K1bJ7ycplT3L2EuFuNsngR$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI='''

SET ROLE tap_iu_operator;
CREATE TEMP TABLE report AS
SELECT * FROM auth_import_users(jsonb_build_array(
    jsonb_build_object('email', 'iu.ann@example.com', 'password_hash', :django, 'full_name', 'Ann',
                       'phone_number', '+1 555 0100', 'email_verified', true,
                       'memberships', '[{"product": "IU Shop", "tenant": "IU Acme", "status": "active", "roles": ["clerk", "manager"]},
                                        {"product": "IU Shop", "roles": ["clerk"]}]'::jsonb),
    jsonb_build_object('email', 'iu.bob@example.com', 'password_hash', 'pbkdf2_sha256$0$salt$UOZyNwVTKxKAKkfgy1Ryv3PYaxAxC0lP9WMQ3igUVZI='),
    jsonb_build_object('email', 'iu.cat@example.com', 'active', false),
    jsonb_build_object('email', 'IU.Ann@Example.com', 'password_hash', :django),
    jsonb_build_object('email', 'iu.dan@example.com', 'memberships', '[{"product": "IU Nowhere"}]'::jsonb),
    jsonb_build_object('email', 'iu.eve@example.com', 'memberships', '[{"product": "IU Shop", "roles": ["boss"]}]'::jsonb),
    jsonb_build_object('password_hash', :django),
    '"just a string"'::jsonb,
    jsonb_build_object('email', 'iu.fay@example.com', 'email_verified', 'yes'),
    jsonb_build_object('email', 'iu.gus@example.com', 'memberships', '[{"product": "IU Shop", "status": "boss"}]'::jsonb)
));
RESET ROLE;

SELECT is((SELECT count(*)::int FROM report), 10, 'one report row per element');
SELECT is((SELECT array_agg(ordinality ORDER BY ordinality) FROM report), ARRAY[1,2,3,4,5,6,7,8,9,10]::bigint[],
          'the rows carry the elements'' ordinality');
SELECT is((SELECT array_agg(coalesce(error_code, 'ok') ORDER BY ordinality) FROM report),
          ARRAY['ok', '22023', 'ok', '23505', '42704', '42704', '22004', '22023', '22023', '22023'],
          'each element imported or refused with the contract''s SQLSTATE');
SELECT ok((SELECT user_id FROM report WHERE ordinality = 1) = auth_user_id('iu.ann@example.com'),
          'the report gives the new user''s id');
SELECT is((SELECT email FROM report WHERE ordinality = 4), 'IU.Ann@Example.com', 'the report names the element''s email');
SELECT is((SELECT count(*)::int FROM report WHERE error LIKE '%pbkdf2_sha256$%' OR error LIKE '%UOZyNw%'), 0,
          'no hash in the report');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE detail::text LIKE '%UOZyNw%' OR detail::text LIKE '%K1bJ7%'), 0,
          'no hash in the audit log');
SELECT is((SELECT detail FROM auth.audit_log WHERE event = 'user_imported' AND user_id = auth_user_id('iu.ann@example.com')),
          '{"bulk": true, "format": "django-pbkdf2-sha256", "memberships": 2}'::jsonb,
          'the audit row names the format and the memberships');
SELECT ok(auth_user_id('iu.bob@example.com') IS NULL AND auth_user_id('iu.dan@example.com') IS NULL
          AND auth_user_id('iu.eve@example.com') IS NULL AND auth_user_id('iu.gus@example.com') IS NULL,
          'a refused element stores nothing (not even a user without its memberships)');
SELECT ok(auth_user_id('iu.cat@example.com') IS NOT NULL, 'an element without a hash is imported');

-- Memberships, roles, tenants, flags.
SELECT is((SELECT array_agg(coalesce(tenant, '*') || ':' || role ORDER BY tenant NULLS FIRST, role)
           FROM auth_user_roles(auth_user_id('iu.ann@example.com'), 'IU Shop') r(product, tenant, role)),
          ARRAY['*:clerk', 'IU Acme:clerk', 'IU Acme:manager'], 'roles granted product-wide and within the tenant, made when missing');
SELECT ok(auth_has_role(auth_user_id('iu.ann@example.com'), 'IU Shop', 'clerk'), 'and product-wide');
SELECT ok(NOT auth_has_role(auth_user_id('iu.ann@example.com'), 'IU Shop', 'manager'), 'manager only in IU Acme');
SELECT ok(EXISTS (SELECT FROM auth.tenants WHERE name = 'IU Acme'), 'the tenant exists');
SELECT ok((SELECT email_verified_at IS NOT NULL AND is_active AND full_name = 'Ann' AND phone_number = '+1 555 0100'
           FROM auth.users WHERE email = 'iu.ann@example.com'), 'email_verified, full name and phone kept');
SELECT ok((SELECT NOT is_active AND email_verified_at IS NULL AND password_hash IS NULL
           FROM auth.users WHERE email = 'iu.cat@example.com'), 'active false and no hash kept');

-- The imported hash logs in and becomes Argon2id.
SET ROLE tap_iu_app;
SELECT ok(auth_login('iu.ann@example.com', 'Tr0ub4dor&4', 'IU Shop') IS NULL, 'a wrong password is refused');
SELECT ok(auth_login('iu.ann@example.com', 'Tr0ub4dor&3', 'IU Shop') IS NOT NULL, 'the right one logs in');
RESET ROLE;
SELECT ok((SELECT password_hash LIKE '$argon2id$%' AND NOT password_imported FROM auth.users
           WHERE email = 'iu.ann@example.com'), 'and the hash is now Argon2id');

-- The whole call: NULL, not an array, a caller who is not an admin.
SET ROLE tap_iu_operator;
SELECT throws_ok('SELECT * FROM auth_import_users(NULL)', '22004', 'users must not be null', 'NULL gives 22004');
SELECT throws_ok($$SELECT * FROM auth_import_users('{"email": "x@example.com"}')$$, '22023',
                 'users must be a JSON array', 'an object gives 22023');
SELECT is((SELECT count(*)::int FROM auth_import_users('[]')), 0, 'an empty array imports nothing');
RESET ROLE;
SET ROLE tap_iu_app;
SELECT throws_ok($$SELECT * FROM auth_import_users('[]')$$, '42501', NULL, 'a client may not import');
RESET ROLE;

-- A clean array takes the fast path; duplicates within it fall back to one by one.
SET ROLE tap_iu_operator;
SELECT is((SELECT array_agg(coalesce(error_code, 'ok') ORDER BY ordinality)
           FROM auth_import_users('[{"email": "iu.h1@example.com"}, {"email": "IU.H1@example.com"}, {"email": "iu.h2@example.com"}]')),
          ARRAY['ok', '23505', 'ok'], 'the same address twice in one array: the second is refused');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
