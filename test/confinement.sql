-- Who is a client of what: an app bound to Payroll (auth_set_app_role) acts for Payroll's
-- users only. Any other user is, to it, a user that does not exist; naming another
-- product is 42501 (auth_login: NULL and a WARNING); sessions, JWTs, API keys and mails
-- of other products are out of its reach. A client bound to nothing may call nothing.
BEGIN;
SELECT plan(72);
\ir helpers.psql

CREATE ROLE tap_conf_payroll_app NOLOGIN IN ROLE auth_client;     -- the Payroll app
CREATE ROLE tap_conf_acct_app NOLOGIN IN ROLE auth_client;        -- the Accounting app
CREATE ROLE tap_conf_both NOLOGIN IN ROLE tap_conf_payroll_app, tap_conf_acct_app;  -- an app of both
CREATE ROLE tap_conf_payroll_admins NOLOGIN;                      -- Payroll's admin_role
CREATE ROLE tap_conf_padmin NOLOGIN IN ROLE tap_conf_payroll_admins, auth_client;
CREATE ROLE tap_conf_signin NOLOGIN IN ROLE auth_signin;          -- the sign-in service
CREATE ROLE tap_conf_plain NOLOGIN IN ROLE auth_client;           -- bound to nothing
CREATE ROLE tap_conf_gate NOLOGIN NOINHERIT IN ROLE tap_conf_payroll_app;
CREATE ROLE tap_conf_behind NOLOGIN IN ROLE tap_conf_gate, auth_client;  -- Payroll only through NOINHERIT

SELECT auth_create_product('TapConf Accounting') \g /dev/null
SELECT auth_create_product('TapConf Payroll', NULL, 'tap_conf_payroll_admins') \g /dev/null
SELECT auth_set_app_role('TapConf Accounting', 'tap_conf_acct_app');
SELECT auth_set_app_role('TapConf Payroll', 'tap_conf_payroll_app');
SELECT auth_create_role('TapConf Accounting', 'clerk') \g /dev/null
SELECT auth_create_role('TapConf Payroll', 'viewer') \g /dev/null
-- Alice uses both products; Bob only Accounting.
SELECT auth_create_user('tap.conf.alice@example.com', 'alice password 1', product => 'TapConf Accounting') AS alice \gset
SELECT auth_grant(:alice, 'TapConf Payroll', 'viewer') \g /dev/null
SELECT auth_create_user('tap.conf.bob@example.com', 'bob password 22', product => 'TapConf Accounting') AS bob \gset
SELECT auth_login('tap.conf.bob@example.com', 'bob password 22', 'TapConf Accounting') AS bob_acct_session \gset
SELECT auth_create_api_key(:bob, 'TapConf Accounting', 'bob key') AS bob_key \gset

-- ---------------------------------------------------------------------------------
-- The binding and sign-up.
SELECT is((SELECT app_role FROM auth.products WHERE name = 'TapConf Payroll'), 'tap_conf_payroll_app'::name,
          'auth_set_app_role records the app role by name');
SELECT is((SELECT array_agg(detail->>'app_role' ORDER BY id) FROM auth.audit_log WHERE event = 'app_role_bound'),
          ARRAY['tap_conf_acct_app', 'tap_conf_payroll_app'], 'binding an app role is audited');
SELECT throws_ok($$SELECT auth_set_app_role('TapConf Payroll', 'auth_client')$$, '22023', NULL,
                 'the extension''s own roles cannot be an app role');
SELECT throws_ok($$SELECT auth_set_app_role('TapConf Nowhere', 'tap_conf_plain')$$, '42704', NULL,
                 'an unknown product is 42704');
SET ROLE tap_conf_payroll_app;
SELECT throws_ok($$SELECT auth_set_app_role('TapConf Payroll', 'tap_conf_plain')$$, '42501', NULL,
                 'an app cannot bind app roles');
SELECT auth_create_user('tap.conf.carol@example.com', 'carol password 3') AS carol \gset
RESET ROLE;
SELECT is((SELECT array_agg(p.name) FROM auth.user_products m JOIN auth.products p ON p.id = m.product_id
           WHERE m.user_id = :carol AND m.status = 'active'), ARRAY['TapConf Payroll'],
          'sign-up by an app makes the user an active member of its only product');
SET ROLE tap_conf_payroll_app;
SELECT throws_ok($$SELECT auth_create_user('tap.conf.dan@example.com', 'dan password 4', product => 'TapConf Accounting')$$,
                 '42501', NULL, 'signing up to another product is 42501');
SELECT throws_ok($$SELECT auth_create_user('tap.conf.dan@example.com', 'dan password 4', product => 'TapConf Nowhere')$$,
                 '42501', NULL, 'and so is an unknown product');
SELECT throws_ok($$SELECT auth_create_user('TAP.CONF.BOB@example.com', 'bob password 22')$$, '23505', NULL,
                 'an email that has an account in another product is still 23505');
SET ROLE tap_conf_both;
SELECT throws_ok($$SELECT auth_create_user('tap.conf.erin@example.com', 'erin password 5')$$, '22004', NULL,
                 'an app of two products must name one');
SELECT ok(auth_create_user('tap.conf.erin@example.com', 'erin password 5', product => 'TapConf Payroll') > 0,
          'and may name either');
SET ROLE tap_conf_signin;
SELECT ok(auth_create_user('tap.conf.fay@example.com', 'fay password 6') > 0, 'a sign-in service signs up to no product');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.user_products m JOIN auth.users u ON u.id = m.user_id
           WHERE u.email = 'tap.conf.fay@example.com'), 0, 'so the user is a member of nothing');

-- ---------------------------------------------------------------------------------
-- A user of another product does not exist for the Payroll app.
SET ROLE tap_conf_payroll_app;
SELECT is(auth_user_id('tap.conf.bob@example.com'), NULL::bigint, 'auth_user_id: NULL for Accounting''s Bob');
SELECT is(auth_user_id('tap.conf.alice@example.com'), :alice::bigint, 'and the id of Alice, a Payroll member');
SELECT is(auth_verify_password('tap.conf.bob@example.com', 'bob password 22'), NULL::bigint,
          'auth_verify_password: NULL for Bob, even with his password');
SELECT is(auth_verify_password('tap.conf.bob@example.com', 'wrong'), NULL::bigint, 'and with a wrong one');
SELECT is(auth_login('tap.conf.bob@example.com', 'bob password 22'), NULL, 'auth_login: NULL for Bob');
SELECT is(pg_temp.error_of(format('SELECT auth_change_password(%s, %L, %L)', :bob, 'bob password 22', 'new password 9')),
          '42704: user ' || :bob || ' does not exist', 'auth_change_password: Bob is 42704, as an unknown id');
SELECT is(pg_temp.error_of(format('SELECT auth_request_email_verification(%s)', :bob)),
          '42704: user ' || :bob || ' does not exist', 'auth_request_email_verification: 42704');
SELECT is(pg_temp.error_of(format('SELECT auth_logout_all(%s)', :bob)),
          '42704: user ' || :bob || ' does not exist', 'auth_logout_all: 42704');
SELECT is(pg_temp.error_of(format('SELECT * FROM auth_sessions(%s)', :bob)),
          '42704: user ' || :bob || ' does not exist', 'auth_sessions: 42704');
SELECT is_empty(format('SELECT * FROM auth_user_roles(%s)', :bob), 'auth_user_roles: no rows');
SELECT pg_temp.outbox_size() AS queued \gset
SELECT auth_request_password_reset('tap.conf.bob@example.com');
SELECT is(pg_temp.outbox_size(), :queued::bigint, 'auth_request_password_reset: no mail for Bob');
RESET ROLE;
SELECT is(pg_temp.failed_logins(:bob), 0,
          'the Payroll app''s wrong password for Bob was not counted against him');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE user_id = :bob AND event LIKE '%fail%'), 0,
          'nor recorded against him');
SELECT is((SELECT count(*)::int FROM auth.user_sessions WHERE user_id = :bob), 1, 'and no session was made');

-- A product admin is confined the same way: it manages its product's members only.
SET ROLE tap_conf_padmin;
SELECT is(pg_temp.error_of(format('SELECT auth_grant(%s, %L, %L)', :bob, 'TapConf Payroll', 'viewer')),
          '42704: user ' || :bob || ' does not exist', 'auth_grant by Payroll''s admin: Bob is 42704');
SELECT is(pg_temp.error_of(format('SELECT auth_set_membership(%s, %L, %L)', :bob, 'TapConf Payroll', 'active')),
          '42704: user ' || :bob || ' does not exist', 'auth_set_membership: 42704');
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, %L, %L)', :bob, 'TapConf Payroll', 'k')),
          '42704: user ' || :bob || ' does not exist', 'auth_create_api_key: 42704');
SELECT ok(auth_grant(:alice, 'TapConf Payroll', 'viewer', NULL) IS NOT NULL, 'but grants to Alice, a member');
SELECT is(auth_user_id('tap.conf.bob@example.com'), NULL::bigint, 'and does not see Bob by email either');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Products it names.
SET ROLE tap_conf_payroll_app;
SELECT throws_ok(format('SELECT auth_user_roles(%s, %L)', :alice, 'TapConf Accounting'), '42501', NULL,
                 'auth_user_roles naming Accounting: 42501');
SELECT results_eq(format('SELECT product, role FROM auth_user_roles(%s)', :alice),
                  $$VALUES ('TapConf Payroll', 'viewer')$$, 'auth_user_roles lists Payroll''s rows only');
SELECT throws_ok(format('SELECT auth_api_key_user(%L, %L)', :'bob_key', 'TapConf Accounting'), '42501', NULL,
                 'auth_api_key_user naming Accounting: 42501');
SELECT is(auth_api_key_user(:'bob_key', 'TapConf Payroll'), NULL::bigint, 'an Accounting key is nothing in Payroll');
SELECT is(auth_login('tap.conf.alice@example.com', 'alice password 1', 'TapConf Accounting'), NULL,
          'auth_login naming Accounting: NULL (with a WARNING)');
SELECT auth_login('tap.conf.alice@example.com', 'alice password 1') AS alice_payroll \gset
SELECT matches(:'alice_payroll'::text, '^[A-Za-z0-9_-]{43}$', 'auth_login without a product logs in to its only product');
SELECT throws_ok(format('SELECT auth_issue_jwt(%L, %L)', :'alice_payroll', 'TapConf Accounting'), '42501', NULL,
                 'auth_issue_jwt for Accounting: 42501');
SELECT auth_issue_jwt(:'alice_payroll', 'TapConf Payroll') AS payroll_jwt \gset
SELECT is(auth_verify_jwt(:'payroll_jwt')->>'aud', 'TapConf Payroll', 'a Payroll JWT, audience Payroll');
SET ROLE tap_conf_both;
SELECT is(auth_login('tap.conf.alice@example.com', 'alice password 1'), NULL,
          'an app of two products that names none: NULL (with a WARNING)');
RESET ROLE;
SELECT is((SELECT product_id FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'alice_payroll', 'UTF8'))),
          (SELECT id FROM auth.products WHERE name = 'TapConf Payroll'), 'the session is bound to Payroll');
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE event = 'login_refused' ORDER BY id LIMIT 1),
          'product_not_allowed', 'a refused product is audited');

-- Sessions and JWTs of other products.
SET ROLE tap_conf_acct_app;
SELECT is(auth_logout(:'alice_payroll'), false, 'the Accounting app cannot end a Payroll session');
SELECT is(auth_verify_jwt(:'payroll_jwt'), NULL, 'nor read a Payroll JWT (its aud is not Accounting)');
SELECT is(auth_issue_jwt(:'alice_payroll', 'TapConf Accounting'), NULL,
          'nor sign an Accounting JWT from a Payroll session');
SELECT is(auth_logout_all(:alice), 0, 'auth_logout_all by Accounting ends no Payroll session');
SELECT is((SELECT count(*)::int FROM auth_sessions(:alice)), 0, 'and auth_sessions lists none');
SET ROLE tap_conf_payroll_app;
SELECT is((SELECT product FROM auth_sessions(:alice)), 'TapConf Payroll', 'the Payroll app lists its session');
SET ROLE tap_conf_signin;
SELECT auth_login('tap.conf.alice@example.com', 'alice password 1') AS alice_signin \gset
SET ROLE tap_conf_payroll_app;
SELECT is(auth_issue_jwt(:'alice_signin', 'TapConf Payroll'), NULL,
          'an app cannot sign a JWT from the sign-in service''s own session (bound to no product)');
SET ROLE tap_conf_signin;
SELECT is(auth_verify_jwt(auth_issue_jwt(:'alice_signin', 'TapConf Payroll'))->>'aud', 'TapConf Payroll',
          'the sign-in service can, for a product the user is a member of');
SELECT is(auth_issue_jwt(:'alice_payroll', 'TapConf Accounting'), NULL,
          'a session bound to Payroll never signs for Accounting, even for a sign-in service');
SELECT is(auth_verify_jwt(:'payroll_jwt')->>'sub', :alice::text, 'a sign-in service reads every product''s JWT');
SET ROLE tap_conf_payroll_app;
SELECT is(auth_logout(:'alice_payroll'), true, 'the Payroll app ends its own session');

-- Mails go only to users it sees, and name its product.
SELECT auth_request_password_reset('TAP.CONF.ALICE@example.com');
RESET ROLE;
SELECT results_eq($$SELECT o.email, p.name FROM auth.outbox o LEFT JOIN auth.products p ON p.id = o.product_id
                    ORDER BY o.id DESC LIMIT 1$$,
                  $$VALUES ('tap.conf.alice@example.com', 'TapConf Payroll')$$,
                  'the mail goes to the stored address and names the app''s product');
SET ROLE tap_conf_acct_app;
SELECT is(auth_reset_password(pg_temp.mailed_token('tap.conf.alice@example.com', 'password_reset'), 'alice password 2'), true,
          'the token works for any app that sees the user (it proves the mailbox)');
SELECT auth_request_password_reset('tap.conf.carol@example.com');
SET ROLE tap_conf_signin;
SELECT auth_request_password_reset('tap.conf.carol@example.com');
SET ROLE tap_conf_acct_app;
SELECT is(auth_reset_password(pg_temp.mailed_token('tap.conf.carol@example.com', 'password_reset'), 'carol password 4'), false,
          'a reset token of a user the app does not see is, to it, unknown');
SET ROLE tap_conf_payroll_app;
SELECT is(auth_reset_password(pg_temp.mailed_token('tap.conf.carol@example.com', 'password_reset'), 'carol password 4'), true,
          'and was left for an app that sees her');

-- ---------------------------------------------------------------------------------
-- A client of no product, or whose binding is lost, may call no client function.
SET ROLE tap_conf_plain;
SELECT throws_ok($$SELECT auth_user_id('tap.conf.alice@example.com')$$, '42501',
                 'permission denied: role "tap_conf_plain" is neither a sign-in service nor the app of a product',
                 'a client bound to nothing gets 42501');
SELECT throws_ok($$SELECT auth_login('tap.conf.alice@example.com', 'alice password 2')$$, '42501', NULL,
                 'from auth_login too');
SELECT throws_ok($$SELECT auth_jwks()$$, '42501', NULL, 'and from auth_jwks');
SET ROLE tap_conf_behind;
SELECT throws_ok($$SELECT auth_user_id('tap.conf.alice@example.com')$$, '42501', NULL,
                 'a binding reached only through NOINHERIT does not count');
RESET ROLE;
DROP ROLE tap_conf_both;
DROP ROLE tap_conf_behind;
DROP ROLE tap_conf_gate;
DROP ROLE tap_conf_payroll_app;
CREATE ROLE tap_conf_payroll_app NOLOGIN IN ROLE auth_client;
SET ROLE tap_conf_payroll_app;
SELECT throws_ok($$SELECT auth_user_id('tap.conf.alice@example.com')$$, '42501', NULL,
                 'a role dropped and created again under the bound name is bound to nothing');
RESET ROLE;
SELECT auth_set_app_role('TapConf Payroll', 'tap_conf_payroll_app');
SET ROLE tap_conf_payroll_app;
SELECT is(auth_user_id('tap.conf.alice@example.com'), :alice::bigint, 'until an admin binds it again');
RESET ROLE;
SELECT auth_set_app_role('TapConf Payroll', NULL);
SET ROLE tap_conf_payroll_app;
SELECT throws_ok($$SELECT auth_user_id('tap.conf.alice@example.com')$$, '42501', NULL,
                 'and a NULL app role unbinds');
RESET ROLE;

-- A role too wide to bind: a system role, or one the extension's roles hold. Refused when
-- binding; and a binding that becomes too wide later binds nothing.
SELECT throws_ok($$SELECT auth_create_product('TapConf Wide', NULL, 'auth_client')$$, '22023', NULL,
                 'auth_client cannot be a product''s admin_role (every client would manage it)');
SELECT throws_ok($$SELECT auth_set_app_role('TapConf Payroll', 'pg_read_all_data')$$, '22023', NULL,
                 'a system role cannot be an app role');
CREATE ROLE tap_conf_wide NOLOGIN;
CREATE ROLE tap_conf_wide_app NOLOGIN IN ROLE tap_conf_wide, auth_client;
SELECT auth_create_product('TapConf Wide') \g /dev/null
SELECT auth_set_app_role('TapConf Wide', 'tap_conf_wide');
SET ROLE tap_conf_wide_app;
SELECT is(auth_has_role(:alice, 'TapConf Wide', 'x'), false, 'the Wide app acts for its product');
RESET ROLE;
GRANT tap_conf_wide TO auth_client;
SET ROLE tap_conf_plain;
SELECT throws_ok($$SELECT auth_user_id('tap.conf.alice@example.com')$$, '42501', NULL,
                 'once every client holds the bound role, the binding binds nothing: no client becomes its app');
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :alice, 'TapConf Wide', 'x'), '42501', NULL,
                 'in the C checks too');
SET ROLE tap_conf_wide_app;
SELECT throws_ok(format('SELECT auth_has_role(%s, %L, %L)', :alice, 'TapConf Wide', 'x'), '42501', NULL,
                 'not even the app it was bound for');
RESET ROLE;
REVOKE tap_conf_wide FROM auth_client;

SELECT is_empty($$SELECT a.id FROM auth.audit_log a
                  WHERE a::text ~ '(alice|bob|carol) password' OR a::text ~ 'authkey_'$$,
                'no audit row holds a password or a key');

SELECT * FROM finish();
ROLLBACK;
