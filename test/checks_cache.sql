-- The checks remember the OIDs of the auth tables per backend. Dropping and creating the
-- extension again in the same session gives new tables: the checks must read those, not
-- fail on the old OIDs or answer from them. And an index changed under them is refused.
BEGIN;
SELECT plan(5);

SELECT auth_create_product('TapCache Shop') \g /dev/null
SELECT auth_create_role('TapCache Shop', 'clerk') \g /dev/null
SELECT auth_grant_permission('TapCache Shop', 'clerk', 'sell') \g /dev/null
INSERT INTO auth.users (email) VALUES ('tap.cache@example.com');
SELECT auth_grant(auth_user_id('tap.cache@example.com'), 'TapCache Shop', 'clerk') \g /dev/null
SELECT is(auth_has_role(auth_user_id('tap.cache@example.com'), 'TapCache Shop', 'clerk'), true,
          'the check answers (and the backend remembers the tables)');

DROP EXTENSION auth;
CREATE EXTENSION auth;
SELECT auth_create_product('TapCache Shop') \g /dev/null
SELECT auth_create_role('TapCache Shop', 'clerk') \g /dev/null
SELECT auth_grant_permission('TapCache Shop', 'clerk', 'sell') \g /dev/null
INSERT INTO auth.users (email) VALUES ('tap.cache@example.com');
SELECT is(auth_has_role(auth_user_id('tap.cache@example.com'), 'TapCache Shop', 'clerk'), false,
          'after the extension is made again, the check reads the new, empty tables');
SELECT auth_grant(auth_user_id('tap.cache@example.com'), 'TapCache Shop', 'clerk') \g /dev/null
SELECT is(auth_has_role(auth_user_id('tap.cache@example.com'), 'TapCache Shop', 'clerk'), true,
          'and sees the new grant');
SELECT is(auth_has_permission(auth_user_id('tap.cache@example.com'), 'TapCache Shop', 'sell'), true,
          'auth_has_permission likewise');

-- An index whose columns are not the ones the checks address by position is refused,
-- not read: here user_roles_product_idx re-made with its columns in another order.
DROP INDEX auth.user_roles_product_idx;
CREATE INDEX user_roles_product_idx ON auth.user_roles (product_id, user_id, role_id, tenant_id);
SELECT throws_ok($$SELECT auth_has_role(1, 'TapCache Shop', 'clerk')$$, '42P01',
                 'auth.user_roles or its index user_roles_product_idx is missing or changed: the extension is damaged',
                 'a check refuses an index whose columns changed');

SELECT * FROM finish();
ROLLBACK;
