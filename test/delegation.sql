-- Delegation: members of a product's admin_role manage that product only; the caller is
-- the role in effect at the call (SET ROLE counts), and the audit log names it.
BEGIN;
SELECT plan(59);

CREATE ROLE tap_acct_admins NOLOGIN;                                          -- the product's admin_role
CREATE ROLE tap_deleg_manager NOLOGIN IN ROLE tap_acct_admins, auth_client;   -- manages Accounting
CREATE ROLE tap_deleg_nonclient NOLOGIN IN ROLE tap_acct_admins;              -- admin_role but not auth_client
CREATE ROLE tap_deleg_app NOLOGIN IN ROLE auth_signin;                        -- a plain app
CREATE ROLE tap_deleg_operator NOLOGIN IN ROLE auth_admin;                    -- an operator

-- The superuser sets up two products; only Accounting has an admin_role.
SELECT auth_create_product('TapDeleg Accounting', 'ledgers', admin_role => 'tap_acct_admins') AS acct \gset
SELECT auth_create_product('TapDeleg Payroll', 'salaries') AS payroll \gset
SELECT is((SELECT admin_role FROM auth.products WHERE id = :acct), 'tap_acct_admins'::name,
          'the product records its admin_role');
SELECT is((SELECT admin_role FROM auth.products WHERE id = :payroll), NULL::name, 'a product without admin_role');
SELECT throws_ok($$SELECT auth_create_product('TapDeleg Nobody', NULL, 'tap_deleg_no_such_role')$$, '42704',
                 'role "tap_deleg_no_such_role" does not exist', 'an unknown admin_role is refused with 42704');
SELECT throws_ok($$SELECT auth_create_product('TapDeleg Ghost', NULL, 999999::oid::regrole)$$, '42704',
                 'admin_role 999999 does not exist', 'an admin_role OID that no role has is refused with 42704');
SELECT throws_ok($$SELECT auth_create_product('TapDeleg Dash', NULL, '-'::regrole)$$, '42704',
                 'admin_role 0 does not exist', 'the regrole ''-'' (no role) is refused with 42704');
SELECT auth_create_role('TapDeleg Payroll', 'clerk') \g /dev/null
-- Dee signs up to Accounting: a member, so its admins see her.
SELECT auth_create_user('tap.deleg.dee@example.com', 'dee password', product => 'TapDeleg Accounting') AS dee \gset

-- ---------------------------------------------------------------------------------
-- A member of the admin_role (and of auth_client) manages Accounting...
SET ROLE tap_deleg_manager;
SELECT lives_ok($$SELECT auth_create_role('TapDeleg Accounting', 'bookkeeper')$$,
                'a member of the admin_role creates a role in its product');
SELECT lives_ok($$SELECT auth_create_role('TapDeleg Accounting', 'auditor')$$, 'and another');
SELECT is(auth_grant(:dee, 'TapDeleg Accounting', 'bookkeeper'), true, 'a member of the admin_role grants in its product');
SELECT is(auth_revoke(:dee, 'TapDeleg Accounting', 'bookkeeper'), true, 'a member of the admin_role revokes in its product');
SELECT is(auth_grant(:dee, 'TapDeleg Accounting', 'bookkeeper'), true, 'and grants again');
SELECT is(auth_has_role(:dee, 'TapDeleg Accounting', 'bookkeeper'), true, 'the grant holds');
-- ... and nothing else.
SELECT throws_ok($$SELECT auth_create_role('TapDeleg Payroll', 'intruder')$$, '42501',
                 'permission denied: role "tap_deleg_manager" may not manage product "TapDeleg Payroll"',
                 'a member of Accounting''s admin_role may not create a role in Payroll (42501)');
SELECT throws_ok(format('SELECT auth_grant(%s, %L, %L)', :dee, 'TapDeleg Payroll', 'clerk'), '42501',
                 'permission denied: role "tap_deleg_manager" may not manage product "TapDeleg Payroll"',
                 'a member of Accounting''s admin_role may not grant in Payroll (42501)');
SELECT throws_ok(format('SELECT auth_revoke(%s, %L, %L)', :dee, 'TapDeleg Payroll', 'clerk'), '42501',
                 'permission denied: role "tap_deleg_manager" may not manage product "TapDeleg Payroll"',
                 'a member of Accounting''s admin_role may not revoke in Payroll (42501)');
SELECT throws_ok($$SELECT auth_create_product('TapDeleg Manager Product')$$, '42501',
                 'permission denied for function auth_create_product',
                 'a member of an admin_role may not create products');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.roles WHERE product_id = :payroll), 1,
          'the refused auth_create_role created nothing in Payroll');

-- A plain app may manage no product.
SET ROLE tap_deleg_app;
SELECT throws_ok($$SELECT auth_create_role('TapDeleg Accounting', 'intruder')$$, '42501',
                 'permission denied: role "tap_deleg_app" may not manage product "TapDeleg Accounting"',
                 'a plain auth_client member may not create a role (42501)');
SELECT throws_ok(format('SELECT auth_grant(%s, %L, %L)', :dee, 'TapDeleg Accounting', 'auditor'), '42501',
                 'permission denied: role "tap_deleg_app" may not manage product "TapDeleg Accounting"',
                 'a plain auth_client member may not grant (42501)');
SELECT throws_ok(format('SELECT auth_revoke(%s, %L, %L)', :dee, 'TapDeleg Accounting', 'bookkeeper'), '42501',
                 'permission denied: role "tap_deleg_app" may not manage product "TapDeleg Accounting"',
                 'a plain auth_client member may not revoke (42501)');
SELECT throws_ok(format('SELECT auth_grant(%s, %L, %L)', :dee, 'TapDeleg Payroll', 'clerk'), '42501',
                 'permission denied: role "tap_deleg_app" may not manage product "TapDeleg Payroll"',
                 'a plain auth_client member may not grant in a product without admin_role (42501)');
SELECT is(auth_has_role(:dee, 'TapDeleg Accounting', 'bookkeeper'), true,
          'the refused revoke took nothing back (the app may still check roles)');
SELECT is(auth_has_role(:dee, 'TapDeleg Accounting', 'auditor'), false, 'the refused grant gave nothing');
RESET ROLE;

-- A member of the admin_role that is not an auth_client member cannot call at all.
SET ROLE tap_deleg_nonclient;
SELECT throws_ok(format('SELECT auth_grant(%s, %L, %L)', :dee, 'TapDeleg Accounting', 'auditor'), '42501',
                 'permission denied for function auth_grant',
                 'an admin_role member without auth_client gets 42501 from auth_grant');
SELECT throws_ok($$SELECT auth_create_role('TapDeleg Accounting', 'x')$$, '42501',
                 'permission denied for function auth_create_role',
                 'an admin_role member without auth_client gets 42501 from auth_create_role');
RESET ROLE;

-- Membership is checked at each call: leaving the admin_role ends the delegation.
REVOKE tap_acct_admins FROM tap_deleg_manager;
SET ROLE tap_deleg_manager;
SELECT throws_ok(format('SELECT auth_grant(%s, %L, %L)', :dee, 'TapDeleg Accounting', 'auditor'), '42501',
                 'permission denied: role "tap_deleg_manager" may not manage product "TapDeleg Accounting"',
                 'a former member of the admin_role may no longer grant');
RESET ROLE;
GRANT tap_acct_admins TO tap_deleg_manager;

-- An operator (auth_admin) manages every product.
SET ROLE tap_deleg_operator;
SELECT lives_ok($$SELECT auth_create_role('TapDeleg Payroll', 'manager')$$, 'an auth_admin member creates a role in Payroll');
SELECT lives_ok($$SELECT auth_create_role('TapDeleg Accounting', 'operator-made')$$,
                'an auth_admin member creates a role in Accounting');
SELECT is(auth_grant(:dee, 'TapDeleg Payroll', 'manager'), true, 'an auth_admin member grants in Payroll');
SELECT is(auth_revoke(:dee, 'TapDeleg Accounting', 'bookkeeper'), true, 'an auth_admin member revokes in Accounting');
SELECT lives_ok($$SELECT auth_create_product('TapDeleg Operator Product')$$, 'an auth_admin member creates a product');
RESET ROLE;

-- The superuser may do everything.
SELECT lives_ok($$SELECT auth_create_role('TapDeleg Accounting', 'superuser-made')$$, 'a superuser creates a role in Accounting');
SELECT lives_ok($$SELECT auth_create_role('TapDeleg Payroll', 'superuser-made')$$, 'a superuser creates a role in Payroll');
SELECT is(auth_grant(:dee, 'TapDeleg Accounting', 'superuser-made'), true, 'a superuser grants in Accounting');
SELECT is(auth_grant(:dee, 'TapDeleg Payroll', 'superuser-made'), true, 'a superuser grants in Payroll');
SELECT is(auth_revoke(:dee, 'TapDeleg Payroll', 'superuser-made'), true, 'a superuser revokes in Payroll');

-- ---------------------------------------------------------------------------------
-- The audit log names the role in effect at each call.
SELECT isnt(session_user::text, 'tap_deleg_manager', 'the session user is not the delegated role');
SELECT is((SELECT array_agg(DISTINCT db_role) FROM auth.audit_log
           WHERE event = 'role_created' AND detail->>'role' IN ('bookkeeper', 'auditor')),
          ARRAY['tap_deleg_manager'], 'role_created rows name the SET ROLE role, not the session user');
SELECT is((SELECT array_agg(db_role ORDER BY id) FROM auth.audit_log
           WHERE event IN ('role_granted', 'role_revoked') AND user_id = :dee AND detail->>'role' = 'bookkeeper'),
          ARRAY['tap_deleg_manager', 'tap_deleg_manager', 'tap_deleg_manager', 'tap_deleg_operator'],
          'grant and revoke rows name the role in effect at each call');
SELECT is((SELECT array_agg(event ORDER BY id) FROM auth.audit_log
           WHERE event IN ('role_granted', 'role_revoked') AND user_id = :dee AND detail->>'role' = 'bookkeeper'),
          ARRAY['role_granted', 'role_revoked', 'role_granted', 'role_revoked'],
          'each grant and revoke that changed something wrote one audit row');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'role_created' AND product_id = :payroll
           AND detail->>'role' = 'manager'), 'tap_deleg_operator', 'the operator''s call is audited under its role');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'product_created' AND product_id = :acct),
          current_user::text, 'the superuser''s call is audited under its role');
SELECT is((SELECT detail->>'admin_role' FROM auth.audit_log WHERE event = 'product_created' AND product_id = :acct),
          'tap_acct_admins', 'product_created records the admin_role');
SELECT is_empty($$SELECT id FROM auth.audit_log WHERE db_role IN ('tap_deleg_app', 'tap_deleg_nonclient')$$,
                'refused calls changed nothing, so wrote no audit row');
SELECT is_empty($$SELECT id FROM auth.audit_log
                  WHERE event = 'role_created' AND detail->>'role' IN ('intruder', 'x')$$,
                'no refused role was created');

-- The caller is current_user at the call site: inside a SECURITY DEFINER function that
-- is its owner, whoever runs it.
CREATE FUNCTION pg_temp.tap_deleg_grant_as_manager(u bigint) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_catalog
    AS $$ SELECT auth_grant(u, 'TapDeleg Accounting', 'auditor') $$;
ALTER FUNCTION pg_temp.tap_deleg_grant_as_manager(bigint) OWNER TO tap_deleg_manager;
SET ROLE tap_deleg_app;
SELECT is(pg_temp.tap_deleg_grant_as_manager(:dee), true,
          'a SECURITY DEFINER function owned by the manager grants, whoever calls it');
RESET ROLE;
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'role_granted' AND user_id = :dee
           AND detail->>'role' = 'auditor'), 'tap_deleg_manager',
          'and the audit row names the function''s owner, the role in effect at the call');

-- The admin_role check uses the product's admin_role, not any role whose name matches.
SET ROLE tap_deleg_manager;
SELECT throws_ok($$SELECT auth_create_role('TapDeleg Operator Product', 'intruder')$$, '42501',
                 'permission denied: role "tap_deleg_manager" may not manage product "TapDeleg Operator Product"',
                 'the manager may not manage a product an operator created without admin_role');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.roles WHERE product_id = :acct), 4,
          'Accounting holds exactly the roles created by allowed callers');
SELECT is((SELECT count(*)::int FROM auth.user_roles WHERE user_id = :dee), 3,
          'dee holds exactly the roles granted and not revoked');

-- Whether a product exists is not revealed to a role that may not manage it: it gets
-- 42501 for a missing product as for another's; an operator gets 42704.
SET ROLE tap_deleg_app;
SELECT throws_ok($$SELECT auth_create_role('TapDeleg No Such Product', 'viewer')$$, '42501',
                 'permission denied: role "tap_deleg_app" may not manage product "TapDeleg No Such Product"',
                 'a plain app asking for a missing product gets 42501, not 42704');
SELECT throws_ok($$SELECT auth_grant(1, 'TapDeleg No Such Product', 'viewer')$$, '42501', NULL,
                 'auth_grant: likewise 42501 for a missing product');
SELECT throws_ok($$SELECT auth_revoke(1, 'TapDeleg No Such Product', 'viewer')$$, '42501', NULL,
                 'auth_revoke: likewise 42501 for a missing product');
SET ROLE tap_deleg_manager;
SELECT throws_ok($$SELECT auth_create_role('TapDeleg No Such Product', 'viewer')$$, '42501', NULL,
                 'a product''s admin asking for a missing product gets 42501 too');
SET ROLE tap_deleg_operator;
SELECT throws_ok($$SELECT auth_create_role('TapDeleg No Such Product', 'viewer')$$, '42704',
                 'product "TapDeleg No Such Product" does not exist',
                 'an operator is told the product does not exist (42704)');
RESET ROLE;

-- Dropping the admin_role ends the delegation cleanly.
DROP ROLE tap_acct_admins;
SET ROLE tap_deleg_manager;
SELECT throws_ok($$SELECT auth_create_role('TapDeleg Accounting', 'after-drop')$$, '42501',
                 'permission denied: role "tap_deleg_manager" may not manage product "TapDeleg Accounting"',
                 'once the admin_role is dropped, its former member gets 42501');
RESET ROLE;

-- A role created again under the dropped role's name inherits nothing: the product keeps
-- the OID of the role it was given.
CREATE ROLE tap_acct_admins NOLOGIN;
GRANT tap_acct_admins TO tap_deleg_manager;
SET ROLE tap_deleg_manager;
SELECT throws_ok($$SELECT auth_create_role('TapDeleg Accounting', 'after-recreate')$$, '42501', NULL,
                 'a role created again under the admin_role''s name does not manage the product');
RESET ROLE;

-- Privileges, not bare membership: a NOINHERIT link in the chain gives neither a
-- product's management nor auth_admin's, as it gives no EXECUTE either.
CREATE ROLE tap_deleg_owners NOLOGIN;
SELECT auth_create_product('TapDeleg Owned', NULL, 'tap_deleg_owners') \g /dev/null
CREATE ROLE tap_deleg_gate NOLOGIN NOINHERIT IN ROLE tap_deleg_owners, auth_admin;
CREATE ROLE tap_deleg_behind NOLOGIN IN ROLE tap_deleg_gate, auth_client;
SET ROLE tap_deleg_behind;
SELECT throws_ok($$SELECT auth_create_role('TapDeleg Owned', 'viewer')$$, '42501', NULL,
                 'a member behind a NOINHERIT role does not manage the product');
SELECT throws_ok($$SELECT auth_create_role('TapDeleg Payroll', 'viewer')$$, '42501', NULL,
                 'nor act as auth_admin');
RESET ROLE;
GRANT tap_deleg_owners TO tap_deleg_behind;
SET ROLE tap_deleg_behind;
SELECT lives_ok($$SELECT auth_create_role('TapDeleg Owned', 'viewer')$$,
                'with the admin_role granted directly (INHERIT) it does');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
