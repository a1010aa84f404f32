-- Tenants, composite roles, permissions and memberships: each rule and each bad input of
-- auth_create_tenant, auth_role_inherit, auth_grant_permission, auth_revoke_permission,
-- auth_set_membership, and the checks auth_has_role, auth_has_permission, auth_user_roles.
BEGIN;
SELECT plan(143);

CREATE ROLE tap_model_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_model_operator NOLOGIN IN ROLE auth_admin;
CREATE ROLE tap_model_nobody NOLOGIN;
CREATE ROLE tap_model_admins NOLOGIN;                                         -- Shop's admin_role
CREATE ROLE tap_model_manager NOLOGIN IN ROLE tap_model_admins, auth_client;  -- manages Shop only

SELECT auth_create_product('TapModel Shop', NULL, 'tap_model_admins') AS shop \gset
SELECT auth_create_product('TapModel Other') AS other \gset
SELECT auth_create_role('TapModel Shop', r) FROM unnest(ARRAY['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'lone']) r \g /dev/null
SELECT auth_create_role('TapModel Other', 'r1') \g /dev/null
SELECT auth_create_user('tap.model.ann@example.com', 'ann harbour 71 quay') AS ann \gset
SELECT auth_create_user('tap.model.ben@example.com', 'ben harbour 72 quay') AS ben \gset
SELECT auth_create_user('tap.model.cy@example.com', 'cy harbour 73 quay') AS cy \gset

-- ---------------------------------------------------------------------------------
-- auth_create_tenant (client)
SET ROLE tap_model_app;
SELECT auth_create_tenant('TapModel North') AS north \gset
SELECT cmp_ok(:north::bigint, '>', 0::bigint, 'an auth_client member creates a tenant and gets its id');
SELECT auth_create_tenant('TapModel South') AS south \gset
SELECT throws_ok($$SELECT auth_create_tenant('TapModel North')$$, '23505', 'tenant "TapModel North" already exists',
                 'a duplicate tenant is refused with 23505');
SELECT throws_ok($$SELECT auth_create_tenant(NULL)$$, '22004', 'name must not be null',
                 'a NULL tenant name is refused with 22004');
SELECT throws_ok($$SELECT auth_create_tenant('')$$, '22023', 'name must not be empty',
                 'an empty tenant name is refused with 22023');
SELECT throws_ok($$SELECT auth_create_tenant(repeat('t', 201))$$, '22023', 'name must be at most 200 characters',
                 'a 201-character tenant name is refused with 22023');
SELECT lives_ok($$SELECT auth_create_tenant(repeat('t', 200))$$, 'a 200-character tenant name is accepted');
SELECT auth_create_tenant($x$TapModel x'); DELETE FROM auth.tenants; --$x$) AS odd_tenant \gset
RESET ROLE;
SELECT is((SELECT name FROM auth.tenants WHERE id = :odd_tenant), $x$TapModel x'); DELETE FROM auth.tenants; --$x$,
          'a tenant name with quotes and a semicolon is stored literally');
SELECT is((SELECT count(*)::int FROM auth.tenants WHERE name LIKE 'TapModel%'), 3,
          'and the tenants are all still there');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'tenant_created' AND detail->>'tenant' = 'TapModel North'),
          'tap_model_app', 'tenant_created is audited under the calling role');
SET ROLE tap_model_nobody;
SELECT throws_ok($$SELECT auth_create_tenant('TapModel Nobody')$$, '42501', 'permission denied for function auth_create_tenant',
                 'a role without auth_client may not create a tenant');
RESET ROLE;
SELECT is(auth_has_role(:ann, 'TapModel Shop', 'r1', 'TapModel North'), false, 'creating a tenant grants nothing');

-- ---------------------------------------------------------------------------------
-- auth_role_inherit (product): a chain r1 > r2 > r3 > r4 > r5 > r6 > r7.
SET ROLE tap_model_operator;
SELECT lives_ok(format('SELECT auth_role_inherit(%L, %L, %L)', 'TapModel Shop', 'r' || i, 'r' || (i + 1)),
                format('r%s includes r%s', i, i + 1))
FROM generate_series(1, 6) i;
SELECT lives_ok($$SELECT auth_role_inherit('TapModel Shop', 'r1', 'r2')$$, 'an existing edge is accepted again');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.role_inherits WHERE product_id = :shop), 6,
          'the repeated edge was stored once');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'role_inherited' AND product_id = :shop), 6,
          'one role_inherited audit row per new edge');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'role_inherited' AND detail->>'role' = 'r1'),
          'tap_model_operator', 'role_inherited is audited under the calling role');
SET ROLE tap_model_operator;
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', 'r1', 'r1')$$, '22023', 'role "r1" cannot inherit itself',
                 'a role inheriting itself is refused with 22023');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', 'r2', 'r1')$$, '22023',
                 'role "r2" cannot inherit "r1" in product "TapModel Shop": "r1" already includes "r2", which would make a cycle',
                 'a 2-role cycle is refused with 22023');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', 'r3', 'r1')$$, '22023', NULL,
                 'a 3-role cycle is refused with 22023');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', 'r7', 'r1')$$, '22023',
                 'role "r7" cannot inherit "r1" in product "TapModel Shop": "r1" already includes "r7", which would make a cycle',
                 'a 7-role cycle is refused with 22023');
SELECT lives_ok($$SELECT auth_role_inherit('TapModel Shop', 'r1', 'r7')$$, 'a shortcut in the same direction is no cycle');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', NULL, 'r1')$$, '22004', 'role must not be null',
                 'a NULL role is refused with 22004');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', 'r1', NULL)$$, '22004', 'inherited_role must not be null',
                 'a NULL inherited_role is refused with 22004');
SELECT throws_ok($$SELECT auth_role_inherit(NULL, 'r1', 'r2')$$, '22004', 'product must not be null',
                 'a NULL product is refused with 22004');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', 'nope', 'r1')$$, '42704',
                 'role "nope" does not exist in product "TapModel Shop"', 'an unknown role is refused with 42704');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', 'r1', 'nope')$$, '42704',
                 'role "nope" does not exist in product "TapModel Shop"', 'an unknown inherited_role is refused with 42704');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Nowhere', 'r1', 'r2')$$, '42704',
                 'product "TapModel Nowhere" does not exist', 'an unknown product is refused with 42704');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', 'r1', repeat('r', 201))$$, '42704', NULL,
                 'a 201-character role name matches no role (42704)');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.role_inherits WHERE product_id = :shop), 7,
          'the refused edges were not stored');

-- Inheritance of any depth.
SELECT is(auth_grant(:ann, 'TapModel Shop', 'r1'), true, 'ann holds r1');
SELECT is(auth_grant(:ben, 'TapModel Shop', 'r4'), true, 'ben holds r4');
SET ROLE tap_model_app;
SELECT is(array_agg(auth_has_role(:ann, 'TapModel Shop', 'r' || i) ORDER BY i), array_fill(true, ARRAY[7]),
          'r1 includes r2 .. r7 (depth 1 to 6)')
FROM generate_series(1, 7) i;
SELECT is(array_agg(auth_has_role(:ben, 'TapModel Shop', 'r' || i) ORDER BY i),
          ARRAY[false, false, false, true, true, true, true], 'r4 includes r5 .. r7 and nothing above it')
FROM generate_series(1, 7) i;
SELECT is(auth_has_role(:ann, 'TapModel Shop', 'lone'), false, 'r1 does not include an unrelated role');
SELECT is(auth_has_role(:ann, 'TapModel Other', 'r1'), false, 'a role of the same name in another product is not held');
RESET ROLE;

-- A chain of 300 roles: depth 299 counts, and the edge closing a 300-role cycle is refused.
SELECT auth_create_product('TapModel Deep') \g /dev/null
SELECT count(auth_create_role('TapModel Deep', 'd' || i)) FROM generate_series(1, 300) i \g /dev/null
SELECT count(auth_role_inherit('TapModel Deep', 'd' || i, 'd' || (i + 1))) FROM generate_series(1, 299) i \g /dev/null
SELECT auth_grant_permission('TapModel Deep', 'd300', 'deep.read') \g /dev/null
SELECT auth_grant(:cy, 'TapModel Deep', 'd1') \g /dev/null
SELECT is(auth_has_role(:cy, 'TapModel Deep', 'd300'), true, 'a role included at depth 299 is held');
SELECT is(auth_has_permission(:cy, 'TapModel Deep', 'deep.read'), true, 'and its permission');
SELECT is(auth_has_role(:ann, 'TapModel Deep', 'd300'), false, 'by nobody else');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Deep', 'd300', 'd1')$$, '22023',
                 'role "d300" cannot inherit "d1" in product "TapModel Deep": "d1" already includes "d300", which would make a cycle',
                 'a 300-role cycle is refused with 22023');
SELECT is((SELECT count(*)::int FROM auth_user_roles(:cy, 'TapModel Deep')), 300,
          'auth_user_roles lists all 300 roles of the chain');

-- ---------------------------------------------------------------------------------
-- auth_grant_permission / auth_revoke_permission (product)
SET ROLE tap_model_operator;
SELECT is(auth_grant_permission('TapModel Shop', 'r5', 'orders.read'), true, 'auth_grant_permission is true when new');
SELECT is(auth_grant_permission('TapModel Shop', 'r5', 'orders.read'), false, 'and false when the role has it');
SELECT is(auth_grant_permission('TapModel Shop', 'lone', 'orders.read'), true, 'the same permission on another role');
SELECT is(auth_grant_permission('TapModel Shop', 'r1', $x$x'); DELETE FROM auth.permissions; --$x$), true,
          'a permission named with quotes and a semicolon');
SELECT throws_ok($$SELECT auth_grant_permission('TapModel Shop', 'nope', 'orders.read')$$, '42704',
                 'role "nope" does not exist in product "TapModel Shop"', 'an unknown role is refused with 42704');
SELECT throws_ok($$SELECT auth_grant_permission('TapModel Nowhere', 'r1', 'orders.read')$$, '42704',
                 'product "TapModel Nowhere" does not exist', 'an unknown product is refused with 42704');
SELECT throws_ok($$SELECT auth_grant_permission('TapModel Shop', 'r1', NULL)$$, '22004', 'permission must not be null',
                 'a NULL permission is refused with 22004');
SELECT throws_ok($$SELECT auth_grant_permission('TapModel Shop', 'r1', '')$$, '22023', 'permission must not be empty',
                 'an empty permission is refused with 22023');
SELECT throws_ok($$SELECT auth_grant_permission('TapModel Shop', 'r1', repeat('p', 201))$$, '22023',
                 'permission must be at most 200 characters', 'a 201-character permission is refused with 22023');
SELECT is(auth_grant_permission('TapModel Shop', 'r1', repeat('p', 200)), true, 'a 200-character permission is accepted');
SELECT throws_ok($$SELECT auth_grant_permission('TapModel Shop', NULL, 'orders.read')$$, '22004', 'role must not be null',
                 'a NULL role is refused with 22004');
SELECT throws_ok($$SELECT auth_revoke_permission('TapModel Shop', 'r5', 'orders.nothing')$$, '42704',
                 'permission "orders.nothing" does not exist in product "TapModel Shop"',
                 'revoking an unknown permission is refused with 42704');
SELECT throws_ok($$SELECT auth_revoke_permission('TapModel Shop', 'r5', NULL)$$, '22004', 'permission must not be null',
                 'revoking a NULL permission is refused with 22004');
RESET ROLE;
SELECT is((SELECT name FROM auth.permissions WHERE product_id = :shop AND name LIKE 'x%'),
          $x$x'); DELETE FROM auth.permissions; --$x$, 'the odd permission name is stored literally');
SELECT is((SELECT count(*)::int FROM auth.permissions WHERE product_id = :shop), 3,
          'a permission is created once per product, on first use');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'permission_granted' AND product_id = :shop
           AND db_role = 'tap_model_operator'), 4, 'one permission_granted audit row per new assignment');

SET ROLE tap_model_app;
SELECT is(auth_has_permission(:ann, 'TapModel Shop', 'orders.read'), true,
          'a permission of r5 is held through r1 > r2 > r3 > r4 > r5');
SELECT is(auth_has_permission(:ben, 'TapModel Shop', 'orders.read'), true, 'and through r4 > r5');
SELECT is(auth_has_permission(:ann, 'TapModel Shop', $x$x'); DELETE FROM auth.permissions; --$x$), true,
          'a permission with quotes and a semicolon is matched literally');
SELECT is(auth_has_permission(:ben, 'TapModel Shop', $x$x'); DELETE FROM auth.permissions; --$x$), false,
          'and only by its holders');
SELECT is(auth_has_permission(:ann, 'TapModel Shop', $x$x') OR true; --$x$), false,
          'a permission name that looks like SQL matches nothing');
SELECT is(auth_has_permission(:ann, 'TapModel Shop', repeat('p', 200)), true, 'a 200-character permission is found');
SELECT is(auth_has_permission(:ann, 'TapModel Shop', repeat('p', 201)), false,
          'a 201-character permission matches nothing, without an error');
SELECT is(auth_has_permission(:ann, 'TapModel Shop', 'orders.nothing'), false, 'an unknown permission gives false');
SELECT is(auth_has_permission(:ann, 'TapModel Nowhere', 'orders.read'), false, 'an unknown product gives false');
SELECT is(auth_has_permission(:ann, 'TapModel Shop', 'orders.read', 'TapModel Nowhere'), false,
          'an unknown tenant gives false');
SELECT is(auth_has_permission(-1, 'TapModel Shop', 'orders.read'), false, 'an unknown user gives false');
SELECT is(auth_has_permission(NULL, 'TapModel Shop', 'orders.read'), false, 'a NULL user gives false');
SELECT is(auth_has_permission(:ann, NULL, 'orders.read'), false, 'a NULL product gives false');
SELECT is(auth_has_permission(:ann, 'TapModel Shop', NULL), false, 'a NULL permission gives false');
SELECT is(auth_has_permission(:ann, 'TapModel Shop', 'orders.read', 'TapModel North'), true,
          'a product-wide role carries its permission in every tenant');
RESET ROLE;
SET ROLE tap_model_operator;
SELECT is(auth_revoke_permission('TapModel Shop', 'r5', 'orders.read'), true, 'auth_revoke_permission is true when it takes');
SELECT is(auth_revoke_permission('TapModel Shop', 'r5', 'orders.read'), false, 'and false when there is nothing');
RESET ROLE;
SELECT is(auth_has_permission(:ben, 'TapModel Shop', 'orders.read'), false, 'a revoked permission is no longer held');
SELECT is(auth_grant(:cy, 'TapModel Shop', 'lone'), true, 'cy holds lone, which still carries the permission');
SELECT is(auth_has_permission(:cy, 'TapModel Shop', 'orders.read'), true, 'through lone');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'permission_revoked' AND product_id = :shop),
          'tap_model_operator', 'permission_revoked is audited under the calling role');

-- ---------------------------------------------------------------------------------
-- auth_set_membership (product), and what the checks make of it.
SET ROLE tap_model_operator;
SELECT throws_ok(format('SELECT auth_set_membership(%s, %L, %L)', :ann, 'TapModel Shop', 'banned'), '22023',
                 'status must be invited, active or suspended, not "banned"', 'an unknown status word is refused with 22023');
SELECT throws_ok(format('SELECT auth_set_membership(%s, %L, %L)', :ann, 'TapModel Shop', 'Active'), '22023', NULL,
                 'status words are exact (lower case)');
SELECT throws_ok(format('SELECT auth_set_membership(%s, %L, NULL)', :ann, 'TapModel Shop'), '22004',
                 'status must not be null', 'a NULL status is refused with 22004');
SELECT throws_ok($$SELECT auth_set_membership(NULL, 'TapModel Shop', 'active')$$, '22004', 'user_id must not be null',
                 'a NULL user_id is refused with 22004');
SELECT throws_ok($$SELECT auth_set_membership(-1, 'TapModel Shop', 'active')$$, '42704', 'user -1 does not exist',
                 'an unknown user is refused with 42704');
SELECT throws_ok(format('SELECT auth_set_membership(%s, %L, %L, %L)', :ann, 'TapModel Shop', 'active', 'TapModel Nowhere'),
                 '42704', 'tenant "TapModel Nowhere" does not exist', 'an unknown tenant is refused with 42704');
SELECT throws_ok(format('SELECT auth_set_membership(%s, NULL, %L)', :ann, 'active'), '22004', 'product must not be null',
                 'a NULL product is refused with 22004');

SELECT lives_ok(format('SELECT auth_set_membership(%s, %L, %L)', :ann, 'TapModel Shop', 'suspended'),
                'ann''s product-wide membership is suspended');
SELECT is(auth_has_role(:ann, 'TapModel Shop', 'r1'), false, 'a suspended membership gives false');
SELECT is(auth_has_permission(:ann, 'TapModel Shop', $x$x'); DELETE FROM auth.permissions; --$x$), false,
          'and no permission either');
SELECT is(auth_has_role(:ann, 'TapModel Shop', 'r1', 'TapModel North'), false,
          'a suspended product-wide membership closes every tenant');
SELECT lives_ok(format('SELECT auth_set_membership(%s, %L, %L)', :ann, 'TapModel Shop', 'invited'),
                'ann''s membership goes back to invited');
SELECT is(auth_has_role(:ann, 'TapModel Shop', 'r1'), false, 'an invited membership gives false');
SELECT lives_ok(format('SELECT auth_set_membership(%s, %L, %L)', :ann, 'TapModel Shop', 'active'),
                'ann''s membership is active');
SELECT lives_ok(format('SELECT auth_set_membership(%s, %L, %L)', :ann, 'TapModel Shop', 'active'),
                'setting the same status again is fine');
SELECT is(auth_has_role(:ann, 'TapModel Shop', 'r1'), true, 'an active membership gives true again');
SELECT lives_ok(format('SELECT auth_set_membership(%s, %L, %L, %L)', :ann, 'TapModel Shop', 'suspended', 'TapModel South'),
                'ann is suspended in tenant South only');
RESET ROLE;
SELECT is(auth_has_role(:ann, 'TapModel Shop', 'r1', 'TapModel South'), false, 'a suspended tenant membership closes that tenant');
SELECT is(auth_has_role(:ann, 'TapModel Shop', 'r1', 'TapModel North'), true, 'but not the others');
SELECT is(auth_has_role(:ann, 'TapModel Shop', 'r1'), true, 'nor the product-wide answer');
SELECT is((SELECT array_agg(status ORDER BY tenant_id NULLS FIRST) FROM auth.user_products
           WHERE user_id = :ann AND product_id = :shop), ARRAY['active', 'suspended'],
          'one membership row per (user, product, tenant)');
SELECT is((SELECT array_agg(detail->>'status' ORDER BY id) FROM auth.audit_log
           WHERE event = 'membership_set' AND user_id = :ann),
          ARRAY['suspended', 'invited', 'active', 'suspended'], 'one membership_set audit row per change');
SELECT is((SELECT array_agg(DISTINCT db_role) FROM auth.audit_log WHERE event = 'membership_set' AND user_id = :ann),
          ARRAY['tap_model_operator'], 'membership_set is audited under the calling role');

-- Tenant grants.
SELECT is(auth_grant(:ben, 'TapModel Shop', 'lone', 'TapModel North'), true, 'ben holds lone in North');
SELECT is(auth_has_role(:ben, 'TapModel Shop', 'lone', 'TapModel North'), true, 'in North');
SELECT is(auth_has_role(:ben, 'TapModel Shop', 'lone', 'TapModel South'), false, 'a grant in another tenant gives false');
SELECT is(auth_has_role(:ben, 'TapModel Shop', 'lone'), false, 'a tenant grant is not product-wide');
SELECT is(auth_has_permission(:ben, 'TapModel Shop', 'orders.read', 'TapModel North'), true,
          'a tenant grant carries its permissions in that tenant');
SELECT is(auth_has_permission(:ben, 'TapModel Shop', 'orders.read', 'TapModel South'), false, 'and not in another');
SELECT is(auth_revoke(:ben, 'TapModel Shop', 'lone', 'TapModel North'), true, 'the tenant grant is revoked');
SELECT is(auth_has_role(:ben, 'TapModel Shop', 'lone', 'TapModel North'), false, 'a revoked grant gives false');
-- A tenant membership alone (product-wide one invited) opens only that tenant.
SELECT auth_set_membership(:cy, 'TapModel Shop', 'invited') \g /dev/null
SELECT auth_set_membership(:cy, 'TapModel Shop', 'active', 'TapModel North') \g /dev/null
SELECT is(auth_has_role(:cy, 'TapModel Shop', 'lone', 'TapModel North'), true,
          'an active tenant membership opens its tenant under an invited product-wide one');
SELECT is(auth_has_role(:cy, 'TapModel Shop', 'lone'), false, 'but not the product-wide answer');
SELECT is(auth_has_role(:cy, 'TapModel Shop', 'lone', 'TapModel South'), false, 'nor another tenant');

-- An inactive user holds nothing.
UPDATE auth.users SET is_active = false WHERE id = :ben;
SELECT is(auth_has_role(:ben, 'TapModel Shop', 'r4'), false, 'an inactive user gives false');
SELECT is(auth_has_permission(:ben, 'TapModel Shop', 'orders.nothing'), false, 'and holds no permission');
SELECT is_empty(format('SELECT * FROM auth_user_roles(%s)', :ben), 'and no role in auth_user_roles');
UPDATE auth.users SET is_active = true WHERE id = :ben;

-- ---------------------------------------------------------------------------------
-- auth_user_roles (client)
SET ROLE tap_model_app;
SELECT results_eq(format('SELECT product, tenant, role FROM auth_user_roles(%s)', :ben),
                  $$VALUES ('TapModel Shop', NULL, 'r4'), ('TapModel Shop', NULL, 'r5'),
                           ('TapModel Shop', NULL, 'r6'), ('TapModel Shop', NULL, 'r7'),
                           ('TapModel Shop', 'TapModel North', 'r4'), ('TapModel Shop', 'TapModel North', 'r5'),
                           ('TapModel Shop', 'TapModel North', 'r6'), ('TapModel Shop', 'TapModel North', 'r7')$$,
                  'auth_user_roles lists held and inherited roles, product-wide and in each tenant the user is in');
SELECT results_eq(format('SELECT tenant, role FROM auth_user_roles(%s, %L)', :cy, 'TapModel Shop'),
                  $$VALUES ('TapModel North', 'lone')$$,
                  'a tenant-only membership lists the roles in that tenant only');
SELECT is_empty(format('SELECT * FROM auth_user_roles(%s, %L)', :ben, 'TapModel Other'),
                'a product the user is not in gives no rows');
SELECT is_empty(format('SELECT * FROM auth_user_roles(%s, %L)', :ben, 'TapModel Nowhere'),
                'an unknown product gives no rows');
SELECT is_empty('SELECT * FROM auth_user_roles(-1)', 'an unknown user gives no rows');
SELECT is_empty('SELECT * FROM auth_user_roles(NULL)', 'a NULL user gives no rows');
RESET ROLE;
SELECT auth_grant(:ben, 'TapModel Other', 'r1') \g /dev/null
SELECT results_eq(format('SELECT DISTINCT product FROM auth_user_roles(%s) ORDER BY 1', :ben),
                  $$VALUES ('TapModel Other'), ('TapModel Shop')$$, 'product NULL lists every product');
SET ROLE tap_model_nobody;
SELECT throws_ok('SELECT * FROM auth_user_roles(1)', '42501', 'permission denied for function auth_user_roles',
                 'a role without auth_client may not call auth_user_roles');
SELECT throws_ok($$SELECT auth_has_permission(1, 'TapModel Shop', 'x')$$, '42501',
                 'permission denied for function auth_has_permission',
                 'a role without auth_client may not call auth_has_permission');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Delegation: Shop's admin_role manages Shop, and only Shop.
SET ROLE tap_model_manager;
SELECT lives_ok($$SELECT auth_role_inherit('TapModel Shop', 'lone', 'r7')$$, 'Shop''s manager adds an edge in Shop');
SELECT is(auth_grant_permission('TapModel Shop', 'r7', 'orders.write'), true, 'and gives a permission in Shop');
SELECT is(auth_revoke_permission('TapModel Shop', 'r7', 'orders.write'), true, 'and takes it back');
SELECT lives_ok(format('SELECT auth_set_membership(%s, %L, %L)', :cy, 'TapModel Shop', 'active'),
                'and sets a membership in Shop');
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Other', 'r1', 'r1')$$, '42501',
                 'permission denied: role "tap_model_manager" may not manage product "TapModel Other"',
                 'Shop''s manager may not add an edge in Other (42501)');
SELECT throws_ok($$SELECT auth_grant_permission('TapModel Other', 'r1', 'x')$$, '42501', NULL,
                 'nor give a permission in Other');
SELECT throws_ok($$SELECT auth_revoke_permission('TapModel Other', 'r1', 'x')$$, '42501', NULL,
                 'nor take one back in Other');
SELECT throws_ok(format('SELECT auth_set_membership(%s, %L, %L)', :cy, 'TapModel Other', 'active'), '42501', NULL,
                 'nor set a membership in Other');
SELECT throws_ok(format('SELECT auth_set_membership(%s, %L, %L)', :cy, 'TapModel Missing', 'active'), '42501', NULL,
                 'and learns nothing about a missing product (42501, not 42704)');
SET ROLE tap_model_app;
SELECT throws_ok($$SELECT auth_role_inherit('TapModel Shop', 'r1', 'lone')$$, '42501', NULL,
                 'a plain app may not add an edge');
SELECT throws_ok($$SELECT auth_grant_permission('TapModel Shop', 'r1', 'x')$$, '42501', NULL,
                 'a plain app may not give a permission');
SELECT throws_ok(format('SELECT auth_set_membership(%s, %L, %L)', :cy, 'TapModel Shop', 'suspended'), '42501', NULL,
                 'a plain app may not set a membership');
RESET ROLE;
SELECT is((SELECT array_agg(DISTINCT db_role) FROM auth.audit_log
           WHERE product_id = :shop AND event IN ('role_inherited', 'permission_granted', 'permission_revoked', 'membership_set')
             AND detail->>'role' IS DISTINCT FROM 'r1' AND id > (SELECT max(id) FROM auth.audit_log
                                                                  WHERE db_role <> 'tap_model_manager')),
          ARRAY['tap_model_manager'], 'the manager''s calls are audited under the SET ROLE role');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE product_id = :other AND event <> 'product_created'
           AND event <> 'role_created' AND event <> 'role_granted'), 0, 'the refused calls changed nothing in Other');
SELECT is(auth_has_role(:cy, 'TapModel Shop', 'r7'), true, 'the manager''s edge counts: lone now includes r7');

SELECT * FROM finish();
ROLLBACK;
