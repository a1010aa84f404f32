-- Who is a client of what, in the C checks (auth_has_role, auth_has_permission,
-- auth_session_user): an app or a product's admin role is confined to its product, a
-- sign-in service, an admin and a superuser are not, a client of no product is refused;
-- a lost binding closes access; and a change of the bindings is seen by the next call
-- of the same backend (the checks remember each caller's products). Another backend's
-- view of a change is specs/checks_confinement_cache.spec's.
BEGIN;
SELECT plan(70);

\ir helpers.psql

-- The hint of the error a statement raises, or 'none'.
CREATE FUNCTION pg_temp.hint_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    hint text;
BEGIN
    EXECUTE statement;
    RETURN 'none';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RETURN hint;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.hint_of(text) TO PUBLIC;

CREATE ROLE tap_conf_payroll_app NOLOGIN IN ROLE auth_client;      -- the app of Payroll
CREATE ROLE tap_conf_acct_admins NOLOGIN;                           -- Accounting's admin_role
CREATE ROLE tap_conf_acct_manager NOLOGIN IN ROLE auth_client, tap_conf_acct_admins;
CREATE ROLE tap_conf_signin NOLOGIN IN ROLE auth_signin;            -- a sign-in service
CREATE ROLE tap_conf_operator NOLOGIN IN ROLE auth_admin;
CREATE ROLE tap_conf_plain NOLOGIN IN ROLE auth_client;             -- bound to nothing
-- A client whose link to the Payroll app is NOINHERIT: it has auth_client's privileges
-- but not the app's.
CREATE ROLE tap_conf_link NOLOGIN NOINHERIT IN ROLE tap_conf_payroll_app;
CREATE ROLE tap_conf_via_link NOLOGIN IN ROLE auth_client, tap_conf_link;

SELECT auth_create_product('TapConf Payroll') \g /dev/null
SELECT auth_create_product('TapConf Accounting', NULL, 'tap_conf_acct_admins') \g /dev/null
SELECT auth_set_app_role('TapConf Payroll', 'tap_conf_payroll_app') \g /dev/null
SELECT auth_create_role('TapConf Payroll', 'viewer') \g /dev/null
SELECT auth_create_role('TapConf Accounting', 'clerk') \g /dev/null
SELECT auth_grant_permission('TapConf Payroll', 'viewer', 'payslip.read') \g /dev/null
SELECT auth_grant_permission('TapConf Accounting', 'clerk', 'invoice.read') \g /dev/null
SELECT auth_create_user('tap.conf.ann@example.com', 'ann-password-1') AS ann \gset
SELECT auth_grant(:ann, 'TapConf Payroll', 'viewer') \g /dev/null
SELECT auth_grant(:ann, 'TapConf Accounting', 'clerk') \g /dev/null
-- Three sessions of Ann: bound to Payroll, to Accounting, and to no product (a sign-in
-- service's own session).
SELECT auth_login('tap.conf.ann@example.com', 'ann-password-1', 'TapConf Payroll') AS payroll_session \gset
SELECT auth_login('tap.conf.ann@example.com', 'ann-password-1', 'TapConf Accounting') AS acct_session \gset
SELECT auth_login('tap.conf.ann@example.com', 'ann-password-1') AS own_session \gset

-- ---------------------------------------------------------------------------------
-- The app of Payroll.
SET ROLE tap_conf_payroll_app;
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'viewer'), true, 'the Payroll app: a role held in Payroll is true');
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'nobody'), false, 'the Payroll app: a role not in Payroll is false');
SELECT is(auth_has_permission(:ann, 'TapConf Payroll', 'payslip.read'), true,
          'the Payroll app: a permission held in Payroll is true');
SELECT is(auth_has_permission(:ann, 'TapConf Payroll', 'invoice.read'), false,
          'the Payroll app: a permission of another product, named in Payroll, is false');
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'viewer', 'No Such Tenant'), false,
          'the Payroll app: an unknown tenant in Payroll is false, not an error');
SELECT is(pg_temp.error_of(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Accounting', 'clerk')),
          '42501: permission denied: role "tap_conf_payroll_app" may not act for product "TapConf Accounting"',
          'the Payroll app asking auth_has_role about Accounting gets 42501');
SELECT is(pg_temp.error_of(format('SELECT auth_has_permission(%s, %L, %L)', :ann, 'TapConf Accounting', 'invoice.read')),
          '42501: permission denied: role "tap_conf_payroll_app" may not act for product "TapConf Accounting"',
          'the Payroll app asking auth_has_permission about Accounting gets 42501');
SELECT is(pg_temp.error_of(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'No Such TapConf Product', 'x')),
          '42501: permission denied: role "tap_conf_payroll_app" may not act for product "No Such TapConf Product"',
          'the Payroll app naming a product that does not exist gets 42501 too (auth_has_role)');
SELECT throws_ok(format('SELECT auth_has_permission(%s, %L, %L)', :ann, 'No Such TapConf Product', 'x'), '42501', NULL,
                 'the Payroll app naming a product that does not exist gets 42501 too (auth_has_permission)');
SELECT is(pg_temp.error_of(format('SELECT auth_has_role(%s, %L, %L)', :ann, E'TapConf\nAccounting', 'x')),
          '42501: permission denied: role "tap_conf_payroll_app" may not act for product "TapConf?Accounting"',
          'the refused product is shown as auth.shown shows names: a line break as ?');
SELECT is(auth_has_role(NULL, 'TapConf Accounting', 'clerk'), false,
          'a NULL user answers false, even with another product named');
SELECT is(auth_has_role(:ann, NULL, 'clerk'), false, 'a NULL product answers false');
SELECT is(auth_has_permission(:ann, 'TapConf Accounting', NULL), false, 'a NULL permission answers false');
SELECT is(auth_session_user(:'payroll_session'), :ann::bigint, 'the Payroll app: a Payroll session gives its user');
SELECT is(auth_session_user(:'acct_session'), NULL::bigint, 'the Payroll app: an Accounting session gives NULL');
SELECT is(auth_session_user(:'own_session'), NULL::bigint,
          'the Payroll app: a session bound to no product (a sign-in service''s) gives NULL');
SELECT is(auth_session_user(NULL), NULL::bigint, 'a NULL token gives NULL');
RESET ROLE;

-- A session the app may not see is not refreshed by its asking either.
UPDATE auth.user_sessions SET last_used_at = now() - interval '2 minutes'
WHERE token_hash = sha256(convert_to(:'acct_session', 'UTF8'));
SET ROLE tap_conf_payroll_app;
SELECT is(auth_session_user(:'acct_session'), NULL::bigint, 'the Payroll app asks about an idle Accounting session');
RESET ROLE;
SELECT cmp_ok((SELECT last_used_at FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'acct_session', 'UTF8'))),
              '<', now() - interval '1 minute', 'and that session''s last_used_at is left as it was');

-- ---------------------------------------------------------------------------------
-- A member of a product's admin_role is confined to that product likewise.
SET ROLE tap_conf_acct_manager;
SELECT is(auth_has_role(:ann, 'TapConf Accounting', 'clerk'), true, 'Accounting''s admin: a role held in Accounting is true');
SELECT is(auth_has_permission(:ann, 'TapConf Accounting', 'invoice.read'), true,
          'Accounting''s admin: a permission held in Accounting is true');
SELECT is(pg_temp.error_of(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer')),
          '42501: permission denied: role "tap_conf_acct_manager" may not act for product "TapConf Payroll"',
          'Accounting''s admin asking about Payroll gets 42501');
SELECT throws_ok(format('SELECT auth_has_permission(%s, %L, %L)', :ann, 'No Such TapConf Product', 'x'), '42501', NULL,
                 'Accounting''s admin naming a product that does not exist gets 42501');
SELECT is(auth_session_user(:'acct_session'), :ann::bigint, 'Accounting''s admin: an Accounting session gives its user');
SELECT is(auth_session_user(:'payroll_session'), NULL::bigint, 'Accounting''s admin: a Payroll session gives NULL');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Not confined: a sign-in service, an admin, a superuser.
SET ROLE tap_conf_signin;
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'viewer'), true, 'a sign-in service asks about Payroll');
SELECT is(auth_has_role(:ann, 'TapConf Accounting', 'clerk'), true, 'a sign-in service asks about Accounting');
SELECT is(auth_has_permission(:ann, 'TapConf Accounting', 'invoice.read'), true,
          'a sign-in service asks auth_has_permission about Accounting');
SELECT is(auth_has_role(:ann, 'No Such TapConf Product', 'x'), false,
          'a sign-in service naming a product that does not exist gets false, as in 0.1.0');
SELECT is(auth_session_user(:'payroll_session'), :ann::bigint, 'a sign-in service: a Payroll session gives its user');
SELECT is(auth_session_user(:'acct_session'), :ann::bigint, 'a sign-in service: an Accounting session gives its user');
SELECT is(auth_session_user(:'own_session'), :ann::bigint, 'a sign-in service: its own session gives its user');
RESET ROLE;

SET ROLE tap_conf_operator;
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'viewer'), true, 'an auth_admin member asks about Payroll');
SELECT is(auth_has_permission(:ann, 'TapConf Accounting', 'invoice.read'), true, 'an auth_admin member asks about Accounting');
SELECT is(auth_has_role(:ann, 'No Such TapConf Product', 'x'), false,
          'an auth_admin member naming a product that does not exist gets false');
SELECT is(auth_session_user(:'own_session'), :ann::bigint, 'an auth_admin member sees a session bound to no product');
SELECT is(auth_session_user(:'acct_session'), :ann::bigint, 'an auth_admin member sees an Accounting session');
RESET ROLE;

SELECT is(auth_has_role(:ann, 'TapConf Accounting', 'clerk'), true, 'a superuser asks about any product');
SELECT is(auth_session_user(:'own_session'), :ann::bigint, 'a superuser sees every session');

-- ---------------------------------------------------------------------------------
-- A client bound to nothing may call none of the three.
SET ROLE tap_conf_plain;
SELECT is(pg_temp.error_of(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer')),
          '42501: permission denied: role "tap_conf_plain" is neither a sign-in service nor the app of a product',
          'a client bound to nothing: auth_has_role gives 42501');
SELECT is(pg_temp.hint_of(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer')),
          'Grant it auth_signin, or bind it to its product with auth_set_app_role.', 'with a hint saying what to do');
SELECT is(pg_temp.error_of(format('SELECT auth_has_permission(%s, %L, %L)', :ann, 'TapConf Payroll', 'payslip.read')),
          '42501: permission denied: role "tap_conf_plain" is neither a sign-in service nor the app of a product',
          'a client bound to nothing: auth_has_permission gives 42501');
SELECT is(pg_temp.error_of(format('SELECT auth_session_user(%L)', :'payroll_session')),
          '42501: permission denied: role "tap_conf_plain" is neither a sign-in service nor the app of a product',
          'a client bound to nothing: auth_session_user gives 42501');
SELECT is(pg_temp.error_of($$SELECT auth_session_user('not a token')$$),
          '42501: permission denied: role "tap_conf_plain" is neither a sign-in service nor the app of a product',
          'a client bound to nothing: auth_session_user of a malformed token gives 42501 too');
RESET ROLE;

-- A NOINHERIT link to the app role does not count.
SET ROLE tap_conf_via_link;
SELECT is(pg_temp.error_of(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer')),
          '42501: permission denied: role "tap_conf_via_link" is neither a sign-in service nor the app of a product',
          'a client linked to the Payroll app through a NOINHERIT role gives 42501');
RESET ROLE;
SET ROLE tap_conf_link;   -- the NOINHERIT role itself is a member of the app role, but has
                           -- neither the app's privileges nor auth_client's
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer'), '42501', NULL,
                 'the NOINHERIT member itself is refused');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- The same backend sees a change of the bindings at once (each check below runs after
-- the same role's earlier answer was remembered).

-- Unbinding the app, and binding it again.
SET ROLE tap_conf_payroll_app;
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'viewer'), true, 'bound: the Payroll app gets an answer');
RESET ROLE;
SET ROLE tap_conf_operator;
SELECT auth_set_app_role('TapConf Payroll', NULL) \g /dev/null
RESET ROLE;
SET ROLE tap_conf_payroll_app;
SELECT is(pg_temp.error_of(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer')),
          '42501: permission denied: role "tap_conf_payroll_app" is neither a sign-in service nor the app of a product',
          'unbound with auth_set_app_role(product, NULL): 42501 from the next call');
SELECT throws_ok(format('SELECT auth_session_user(%L)', :'payroll_session'), '42501', NULL,
                 'unbound: auth_session_user gives 42501 too');
RESET ROLE;
SET ROLE tap_conf_operator;
SELECT auth_set_app_role('TapConf Accounting', 'tap_conf_payroll_app') \g /dev/null
RESET ROLE;
SET ROLE tap_conf_payroll_app;
SELECT is(auth_has_role(:ann, 'TapConf Accounting', 'clerk'), true,
          'bound to Accounting instead: the app gets answers for Accounting');
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer'), '42501', NULL,
                 'and 42501 for Payroll');
RESET ROLE;
SET ROLE tap_conf_operator;
SELECT auth_set_app_role('TapConf Accounting', NULL) \g /dev/null
SELECT auth_set_app_role('TapConf Payroll', 'tap_conf_payroll_app') \g /dev/null
RESET ROLE;
SET ROLE tap_conf_payroll_app;
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'viewer'), true, 'bound to Payroll again: answers again');
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Accounting', 'clerk'), '42501', NULL,
                 'and Accounting is refused again');
RESET ROLE;

-- A binding rolled back to a savepoint is forgotten with it.
SAVEPOINT before_unbinding;
SELECT auth_set_app_role('TapConf Payroll', NULL) \g /dev/null
SET ROLE tap_conf_payroll_app;
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer'), '42501', NULL,
                 'unbound inside a savepoint: refused');
RESET ROLE;
ROLLBACK TO SAVEPOINT before_unbinding;
SET ROLE tap_conf_payroll_app;
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'viewer'), true, 'the unbinding rolled back: bound again');
RESET ROLE;

-- Membership granted and revoked.
SET ROLE tap_conf_plain;
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer'), '42501', NULL,
                 'before it is granted the app role, the plain client is refused');
RESET ROLE;
GRANT tap_conf_payroll_app TO tap_conf_plain;
SET ROLE tap_conf_plain;
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'viewer'), true, 'granted the app role: it answers for Payroll');
RESET ROLE;
REVOKE tap_conf_payroll_app FROM tap_conf_plain;
SET ROLE tap_conf_plain;
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer'), '42501', NULL,
                 'revoked: refused again');
RESET ROLE;

-- A binding lost: the app role renamed.
ALTER ROLE tap_conf_payroll_app RENAME TO tap_conf_payroll_app2;
SET ROLE tap_conf_payroll_app2;
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer'), '42501', NULL,
                 'the app role renamed: the binding no longer counts');
RESET ROLE;
ALTER ROLE tap_conf_payroll_app2 RENAME TO tap_conf_payroll_app;
SET ROLE tap_conf_payroll_app;
SELECT is(auth_has_role(:ann, 'TapConf Payroll', 'viewer'), true, 'renamed back: it counts again');
RESET ROLE;

-- A binding lost: the app role dropped and made again under the same name (a new OID).
DROP ROLE tap_conf_link;
DROP ROLE tap_conf_payroll_app;
CREATE ROLE tap_conf_payroll_app NOLOGIN IN ROLE auth_client;
SET ROLE tap_conf_payroll_app;
SELECT is(pg_temp.error_of(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Payroll', 'viewer')),
          '42501: permission denied: role "tap_conf_payroll_app" is neither a sign-in service nor the app of a product',
          'the app role dropped and made again under its name: 42501');
SELECT throws_ok(format('SELECT auth_session_user(%L)', :'payroll_session'), '42501', NULL,
                 'and auth_session_user gives 42501');
RESET ROLE;

-- The same for an admin_role, and the operator's manual re-bind (an UPDATE by the
-- extension's owner) takes effect at once.
SET ROLE tap_conf_acct_manager;
SELECT is(auth_has_role(:ann, 'TapConf Accounting', 'clerk'), true, 'Accounting''s admin answers before its role is made again');
RESET ROLE;
DROP ROLE tap_conf_acct_manager;
DROP ROLE tap_conf_acct_admins;
CREATE ROLE tap_conf_acct_admins NOLOGIN;
CREATE ROLE tap_conf_acct_manager NOLOGIN IN ROLE auth_client, tap_conf_acct_admins;
SET ROLE tap_conf_acct_manager;
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Accounting', 'clerk'), '42501', NULL,
                 'the admin_role made again under its name: its members are refused');
RESET ROLE;
UPDATE auth.products SET admin_role_oid = to_regrole(admin_role) WHERE name = 'TapConf Accounting';
SET ROLE tap_conf_acct_manager;
SELECT is(auth_has_role(:ann, 'TapConf Accounting', 'clerk'), true,
          'after the owner''s UPDATE re-binds admin_role_oid, its members answer at once');
RESET ROLE;
UPDATE auth.products SET admin_role = NULL, admin_role_oid = NULL WHERE name = 'TapConf Accounting';
SET ROLE tap_conf_acct_manager;
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :ann, 'TapConf Accounting', 'clerk'), '42501', NULL,
                 'after an UPDATE that clears admin_role, its members are refused at once');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- A database still at 0.1.0 is served as 0.1.0 was (no confinement), even though the
-- role auth_signin exists in the cluster; ALTER EXTENSION auth UPDATE confines.
DROP EXTENSION auth;
CREATE EXTENSION auth VERSION '0.1.0';
SELECT auth_create_product('TapConf Old') \g /dev/null
SELECT auth_create_role('TapConf Old', 'viewer') \g /dev/null
SELECT auth_create_user('tap.conf.old@example.com', 'old-password-1') AS old \gset
SELECT auth_grant(:old, 'TapConf Old', 'viewer') \g /dev/null
SELECT auth_login('tap.conf.old@example.com', 'old-password-1') AS old_session \gset
SET ROLE tap_conf_plain;
SELECT is(auth_has_role(:old, 'TapConf Old', 'viewer'), true, 'at 0.1.0 a plain client gets answers, as before');
SELECT is(auth_has_permission(:old, 'No Such TapConf Product', 'x'), false, 'at 0.1.0 an unknown product is false');
SELECT is(auth_session_user(:'old_session'), :old::bigint, 'at 0.1.0 a plain client sees the session');
RESET ROLE;
ALTER EXTENSION auth UPDATE TO '0.2.0';
SET ROLE tap_conf_plain;
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :old, 'TapConf Old', 'viewer'), '42501', NULL,
                 'after ALTER EXTENSION auth UPDATE the plain client is confined to nothing');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
