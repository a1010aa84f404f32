-- Products, roles, grants and the check apps make on every request (auth_has_role):
-- errors, idempotence, membership status, tenants and role inheritance.
BEGIN;
SELECT plan(104);

CREATE ROLE tap_authz_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_authz_operator NOLOGIN IN ROLE auth_admin;

-- ---------------------------------------------------------------------------------
-- auth_create_product
SET ROLE tap_authz_app;
SELECT throws_ok($$SELECT auth_create_product('TapAuthz Refused')$$, '42501',
                 'permission denied for function auth_create_product',
                 'an auth_client member may not create a product (42501)');
RESET ROLE;

SET ROLE tap_authz_operator;
SELECT auth_create_product('TapAuthz Shop', 'a test product') AS shop \gset
SELECT cmp_ok(:shop::bigint, '>', 0::bigint, 'an auth_admin member creates a product and gets its id');
SELECT throws_ok($$SELECT auth_create_product('TapAuthz Shop')$$, '23505',
                 'product "TapAuthz Shop" already exists', 'a duplicate product is refused with 23505');
SELECT throws_ok($$SELECT auth_create_product(NULL)$$, '22004', 'name must not be null',
                 'a NULL product name is refused with 22004');
SELECT throws_ok($$SELECT auth_create_product('')$$, '22023', 'name must not be empty',
                 'an empty product name is refused with 22023');
SELECT throws_ok($$SELECT auth_create_product(repeat('p', 201))$$, '22023', 'name must be at most 200 characters',
                 'a 201-character product name is refused with 22023');
SELECT throws_ok($$SELECT auth_create_product(repeat('é', 201))$$, '22023', 'name must be at most 200 characters',
                 'a 201-character product name of two-byte characters is refused with 22023');
SELECT throws_ok($$SELECT auth_create_product(E'TapAuthz\nShop')$$, '22023', 'name must not contain control characters',
                 'a product name with a control character is refused with 22023');
-- U+0085 (NEXT LINE) is a Unicode control character (Cc) and a line break: the README
-- promises names without control characters "(newlines, tabs, ...)".
SELECT throws_ok($$SELECT auth_create_product(E'TapAuthz\u0085Shop')$$, '22023', 'name must not contain control characters',
                 'a product name with a C1 control character (U+0085 NEXT LINE) is refused with 22023');
SELECT lives_ok($$SELECT auth_create_product(repeat('p', 200))$$, 'a 200-character product name is accepted');
SELECT lives_ok($$SELECT auth_create_product(repeat('é', 200))$$,
                'a 200-character product name of two-byte characters is accepted');
SELECT auth_create_product($x$x'); DROP TABLE auth.users; --$x$) AS evil \gset
SELECT lives_ok($$SELECT auth_create_product('tapauthz shop')$$,
                'product names are compared exactly: another case is another product');
SELECT lives_ok($$SELECT auth_create_product('TapAuthz Shop ')$$,
                'product names are compared exactly: a trailing space makes another product');
RESET ROLE;

SELECT is((SELECT name FROM auth.products WHERE id = :evil), $x$x'); DROP TABLE auth.users; --$x$,
          'a name with quotes and a semicolon is stored literally');
SELECT has_table('auth', 'users', 'and auth.users is still there');
SELECT is((SELECT count(*)::int FROM auth.products WHERE name ILIKE 'tapauthz shop%'), 3,
          'three products differ only in case or a trailing space');

-- ---------------------------------------------------------------------------------
-- auth_create_role
SET ROLE tap_authz_operator;
SELECT cmp_ok(auth_create_role('TapAuthz Shop', 'viewer', 'may look'), '>', 0::bigint,
              'auth_create_role returns the new role''s id');
SELECT lives_ok($$SELECT auth_create_role('TapAuthz Shop', 'editor')$$, 'a second role in the product');
SELECT throws_ok($$SELECT auth_create_role('No Such TapAuthz Product', 'viewer')$$, '42704',
                 'product "No Such TapAuthz Product" does not exist',
                 'a role for an unknown product is refused with 42704');
SELECT throws_ok($$SELECT auth_create_role('tapauthz shop ', 'viewer')$$, '42704',
                 'product "tapauthz shop " does not exist',
                 'the product is named exactly, not case-insensitively');
SELECT throws_ok($$SELECT auth_create_role('TapAuthz Shop', 'viewer')$$, '23505',
                 'role "viewer" already exists in product "TapAuthz Shop"',
                 'a duplicate role is refused with 23505');
SELECT lives_ok($$SELECT auth_create_role('tapauthz shop', 'viewer')$$,
                'the same role name in another product is fine');
SELECT throws_ok($$SELECT auth_create_role(NULL, 'viewer')$$, '22004', 'product must not be null',
                 'a NULL product is refused with 22004');
SELECT throws_ok($$SELECT auth_create_role('TapAuthz Shop', NULL)$$, '22004', 'role must not be null',
                 'a NULL role is refused with 22004');
SELECT throws_ok($$SELECT auth_create_role('TapAuthz Shop', '')$$, '22023', 'role must not be empty',
                 'an empty role is refused with 22023');
SELECT throws_ok($$SELECT auth_create_role('TapAuthz Shop', repeat('r', 201))$$, '22023',
                 'role must be at most 200 characters', 'a 201-character role is refused with 22023');
SELECT throws_ok($$SELECT auth_create_role('TapAuthz Shop', E'view\ter')$$, '22023',
                 'role must not contain control characters', 'a role with a tab is refused with 22023');
SELECT lives_ok($$SELECT auth_create_role('TapAuthz Shop', repeat('r', 200))$$, 'a 200-character role is accepted');
SELECT lives_ok($$SELECT auth_create_role($x$x'); DROP TABLE auth.users; --$x$, $y$'; DELETE FROM auth.roles; --$y$)$$,
                'a role with quotes and semicolons in a product with such a name');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.roles r JOIN auth.products p ON p.id = r.product_id
           WHERE p.name = 'TapAuthz Shop'), 3, 'the product holds exactly the roles created in it');

-- ---------------------------------------------------------------------------------
-- Users for the grants (created as the superuser).
SELECT auth_create_user('tap.authz.ann@example.com', 'ann harbour 71 quay') AS ann \gset
SELECT auth_create_user('tap.authz.ben@example.com', 'ben harbour 72 quay') AS ben \gset
SELECT auth_create_user('tap.authz.cy@example.com', 'cy harbour 73 quay') AS cy \gset

-- auth_grant / auth_revoke / auth_has_role
SET ROLE tap_authz_operator;
SELECT is(auth_grant(:ann, 'TapAuthz Shop', 'viewer'), true, 'auth_grant returns true when it grants');
SELECT is(auth_grant(:ann, 'TapAuthz Shop', 'viewer'), false, 'auth_grant returns false when already held');
RESET ROLE;
SELECT is((SELECT status FROM auth.user_products WHERE user_id = :ann AND product_id = :shop AND tenant_id IS NULL),
          'active', 'the first grant makes an active product-wide membership');
SELECT is((SELECT count(*)::int FROM auth.user_roles WHERE user_id = :ann), 1,
          'granting twice leaves one user_roles row');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'role_granted' AND user_id = :ann), 1,
          'one role_granted audit row, for the grant that changed something');

SET ROLE tap_authz_app;
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer'), true, 'auth_has_role is true after the grant');
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'editor'), false, 'auth_has_role is false for a role not granted');
SELECT is(auth_has_role(:ann, 'tapauthz shop', 'viewer'), false,
          'auth_has_role is false for the same role name in another product');
SELECT is(auth_has_role(:ben, 'TapAuthz Shop', 'viewer'), false, 'auth_has_role is false for another user');
RESET ROLE;

SET ROLE tap_authz_operator;
SELECT throws_ok($$SELECT auth_grant(-1, 'TapAuthz Shop', 'viewer')$$, '42704', 'user -1 does not exist',
                 'auth_grant to an unknown user is refused with 42704');
SELECT throws_ok(format('SELECT auth_grant(%s, %L, %L)', :ann, 'No Such TapAuthz Product', 'viewer'), '42704',
                 'product "No Such TapAuthz Product" does not exist',
                 'auth_grant in an unknown product is refused with 42704');
SELECT throws_ok(format('SELECT auth_grant(%s, %L, %L)', :ann, 'TapAuthz Shop', 'nope'), '42704',
                 'role "nope" does not exist in product "TapAuthz Shop"',
                 'auth_grant of an unknown role is refused with 42704');
SELECT throws_ok(format('SELECT auth_grant(%s, %L, %L, %L)', :ann, 'TapAuthz Shop', 'viewer', 'No Such Tenant'),
                 '42704', 'tenant "No Such Tenant" does not exist',
                 'auth_grant in an unknown tenant is refused with 42704');
SELECT throws_ok($$SELECT auth_grant(NULL, 'TapAuthz Shop', 'viewer')$$, '22004', 'user_id must not be null',
                 'auth_grant to a NULL user_id is refused with 22004');
SELECT throws_ok(format('SELECT auth_grant(%s, NULL, %L)', :ann, 'viewer'), '22004', 'product must not be null',
                 'auth_grant in a NULL product is refused with 22004');
SELECT throws_ok(format('SELECT auth_grant(%s, %L, NULL)', :ann, 'TapAuthz Shop'), '22004', 'role must not be null',
                 'auth_grant of a NULL role is refused with 22004');
SELECT throws_ok($$SELECT auth_revoke(-1, 'TapAuthz Shop', 'viewer')$$, '42704', 'user -1 does not exist',
                 'auth_revoke from an unknown user is refused with 42704');
SELECT throws_ok(format('SELECT auth_revoke(%s, %L, %L)', :ann, 'TapAuthz Shop', 'nope'), '42704',
                 'role "nope" does not exist in product "TapAuthz Shop"',
                 'auth_revoke of an unknown role is refused with 42704');
SELECT throws_ok($$SELECT auth_revoke(NULL, 'TapAuthz Shop', 'viewer')$$, '22004', 'user_id must not be null',
                 'auth_revoke from a NULL user_id is refused with 22004');

-- Revoke.
SELECT is(auth_grant(:ben, 'TapAuthz Shop', 'editor'), true, 'ben is granted editor');
SELECT is(auth_has_role(:ben, 'TapAuthz Shop', 'editor'), true, 'ben has editor');
SELECT is(auth_revoke(:ben, 'TapAuthz Shop', 'editor'), true, 'auth_revoke returns true when it revokes');
SELECT is(auth_revoke(:ben, 'TapAuthz Shop', 'editor'), false, 'auth_revoke returns false when nothing is held');
SELECT is(auth_has_role(:ben, 'TapAuthz Shop', 'editor'), false, 'auth_has_role is false after the revoke');
SELECT is(auth_revoke(:ann, 'TapAuthz Shop', 'editor'), false, 'auth_revoke of a role never held returns false');
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer'), true, 'revoking one user''s role leaves another''s');
SELECT is(auth_grant(:ben, 'TapAuthz Shop', 'editor'), true, 'a revoked role can be granted again');
RESET ROLE;
SELECT is((SELECT status FROM auth.user_products WHERE user_id = :ben AND product_id = :shop AND tenant_id IS NULL),
          'active', 'the membership stays after a revoke');

-- ---------------------------------------------------------------------------------
-- auth_has_role: false, never an error, for everything unknown or NULL.
SET ROLE tap_authz_app;
SELECT is(auth_has_role(-1, 'TapAuthz Shop', 'viewer'), false, 'auth_has_role is false for an unknown user');
SELECT is(auth_has_role(:ann, 'No Such TapAuthz Product', 'viewer'), false, 'auth_has_role is false for an unknown product');
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'nope'), false, 'auth_has_role is false for an unknown role');
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer', 'No Such Tenant'), false,
          'auth_has_role is false for an unknown tenant');
SELECT is(auth_has_role(NULL, 'TapAuthz Shop', 'viewer'), false, 'auth_has_role is false for a NULL user_id');
SELECT is(auth_has_role(:ann, NULL, 'viewer'), false, 'auth_has_role is false for a NULL product');
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', NULL), false, 'auth_has_role is false for a NULL role');
SELECT is(auth_has_role(:ann, repeat('p', 10000), repeat('r', 10000), repeat('t', 10000)), false,
          'auth_has_role is false for over-long names');
RESET ROLE;

-- Inactive user, suspended or invited membership.
UPDATE auth.users SET is_active = false WHERE id = :ann;
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer'), false, 'auth_has_role is false for an inactive user');
UPDATE auth.users SET is_active = true WHERE id = :ann;
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer'), true, '... and true again once the user is active');
UPDATE auth.user_products SET status = 'suspended' WHERE user_id = :ann AND product_id = :shop;
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer'), false, 'auth_has_role is false for a suspended membership');
UPDATE auth.user_products SET status = 'invited' WHERE user_id = :ann AND product_id = :shop;
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer'), false, 'auth_has_role is false for an invited membership');
SELECT is(auth_grant(:ann, 'TapAuthz Shop', 'editor'), true, 'a grant to an invited member...');
SELECT is((SELECT status FROM auth.user_products WHERE user_id = :ann AND product_id = :shop AND tenant_id IS NULL),
          'invited', '... keeps the membership''s status');
UPDATE auth.user_products SET status = 'active' WHERE user_id = :ann AND product_id = :shop;
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer'), true, 'auth_has_role is true once the membership is active');

-- ---------------------------------------------------------------------------------
-- Tenants (inserted by hand: auth_create_tenant is not there yet).
INSERT INTO auth.tenants (name) VALUES ('TapAuthz Tenant A'), ('TapAuthz Tenant B');

-- ann holds viewer product-wide: that satisfies every tenant.
SET ROLE tap_authz_app;
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer', 'TapAuthz Tenant A'), true,
          'a product-wide grant satisfies tenant A');
SELECT is(auth_has_role(:ann, 'TapAuthz Shop', 'viewer', 'TapAuthz Tenant B'), true,
          'a product-wide grant satisfies tenant B');
RESET ROLE;

-- cy holds editor in tenant A only.
SET ROLE tap_authz_operator;
SELECT is(auth_grant(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant A'), true, 'a grant within tenant A');
SELECT is(auth_grant(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant A'), false,
          'the same grant within tenant A again returns false');
RESET ROLE;
SELECT is((SELECT status FROM auth.user_products m JOIN auth.tenants t ON t.id = m.tenant_id
           WHERE m.user_id = :cy AND m.product_id = :shop AND t.name = 'TapAuthz Tenant A'),
          'active', 'the tenant grant makes an active membership in that tenant');
SET ROLE tap_authz_app;
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant A'), true,
          'a grant in tenant A satisfies tenant A');
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant B'), false,
          'a grant in tenant A does not satisfy tenant B');
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'editor'), false,
          'a grant in tenant A does not satisfy the product-wide check');
RESET ROLE;
-- Even when cy is also a product-wide member (through another role).
SET ROLE tap_authz_operator;
SELECT is(auth_grant(:cy, 'TapAuthz Shop', 'viewer'), true, 'cy is also granted viewer product-wide');
SET ROLE tap_authz_app;
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant B'), false,
          'with a product-wide membership, the tenant-A role still does not satisfy tenant B');
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'editor'), false,
          'with a product-wide membership, the tenant-A role still does not satisfy the product-wide check');
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'viewer', 'TapAuthz Tenant A'), true,
          'the product-wide role satisfies tenant A');
RESET ROLE;
-- Suspending the tenant membership closes that tenant only; suspending the product-wide one closes all.
UPDATE auth.user_products SET status = 'suspended'
WHERE user_id = :cy AND tenant_id = (SELECT id FROM auth.tenants WHERE name = 'TapAuthz Tenant A');
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant A'), false,
          'a suspended tenant membership closes that tenant');
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'viewer'), true,
          'a suspended tenant membership leaves the product-wide role');
UPDATE auth.user_products SET status = 'active' WHERE user_id = :cy;
UPDATE auth.user_products SET status = 'suspended' WHERE user_id = :cy AND tenant_id IS NULL;
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant A'), false,
          'a suspended product-wide membership closes every tenant too');
UPDATE auth.user_products SET status = 'active' WHERE user_id = :cy;
SET ROLE tap_authz_operator;
SELECT is(auth_revoke(:cy, 'TapAuthz Shop', 'editor'), false,
          'a product-wide revoke does not take back a tenant grant');
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant A'), true, '... which still holds');
SELECT is(auth_revoke(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant A'), true, 'revoking within tenant A');
SELECT is(auth_has_role(:cy, 'TapAuthz Shop', 'editor', 'TapAuthz Tenant A'), false,
          'the tenant-A role is gone after its revoke');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Inheritance: admin includes editor, editor includes viewer (inserted by hand).
SELECT auth_create_product('TapAuthz Inherit') AS inh \gset
SELECT auth_create_role('TapAuthz Inherit', r) FROM unnest(ARRAY['admin', 'editor', 'viewer', 'other']) r \g /dev/null
INSERT INTO auth.role_inherits (product_id, role_id, inherited_role_id)
SELECT :inh, a.id, b.id
FROM (VALUES ('admin', 'editor'), ('editor', 'viewer')) AS v(role, inherited)
JOIN auth.roles a ON a.product_id = :inh AND a.name = v.role
JOIN auth.roles b ON b.product_id = :inh AND b.name = v.inherited;
SELECT is(auth_grant(:ann, 'TapAuthz Inherit', 'admin'), true, 'ann holds admin');
SELECT is(auth_grant(:ben, 'TapAuthz Inherit', 'viewer'), true, 'ben holds viewer');
SELECT is(auth_grant(:cy, 'TapAuthz Inherit', 'other'), true, 'cy holds other');
SET ROLE tap_authz_app;
SELECT is(auth_has_role(:ann, 'TapAuthz Inherit', 'admin'), true, 'admin holds admin');
SELECT is(auth_has_role(:ann, 'TapAuthz Inherit', 'editor'), true, 'admin includes editor (depth 1)');
SELECT is(auth_has_role(:ann, 'TapAuthz Inherit', 'viewer'), true, 'admin includes viewer (depth 2)');
SELECT is(auth_has_role(:ann, 'TapAuthz Inherit', 'other'), false, 'admin does not include an unrelated role');
SELECT is(auth_has_role(:ben, 'TapAuthz Inherit', 'editor'), false, 'viewer does not include editor (no upward inheritance)');
SELECT is(auth_has_role(:ben, 'TapAuthz Inherit', 'admin'), false, 'viewer does not include admin');
SELECT is(auth_has_role(:ann, 'TapAuthz Inherit', 'viewer', 'TapAuthz Tenant B'), true,
          'an inherited product-wide role satisfies a tenant');
RESET ROLE;
-- A cycle inserted by hand: viewer includes admin. auth_has_role must still end.
INSERT INTO auth.role_inherits (product_id, role_id, inherited_role_id)
SELECT :inh, a.id, b.id FROM auth.roles a, auth.roles b
WHERE a.product_id = :inh AND a.name = 'viewer' AND b.product_id = :inh AND b.name = 'admin';
SET LOCAL statement_timeout = '10s';
SET ROLE tap_authz_app;
SELECT is(auth_has_role(:cy, 'TapAuthz Inherit', 'viewer'), false,
          'with a cycle, auth_has_role ends and is false for a user holding no role of the cycle');
SELECT is(auth_has_role(:ben, 'TapAuthz Inherit', 'admin'), true,
          'with a cycle, auth_has_role ends (viewer now includes admin)');
RESET ROLE;
RESET statement_timeout;

SELECT * FROM finish();
ROLLBACK;
