-- The checks are read-only: they answer inside a READ ONLY transaction (as on a hot
-- standby) and write nothing there.
BEGIN;
SELECT plan(8);

CREATE ROLE tap_ro_app NOLOGIN IN ROLE auth_signin;

SELECT auth_create_user('tap.ro.rae@example.com', 'rae-password') AS rae \gset
SELECT auth_create_product('TapRO Product') \g /dev/null
SELECT auth_create_role('TapRO Product', 'reader') \g /dev/null
SELECT auth_grant(:rae, 'TapRO Product', 'reader') \g /dev/null
SELECT auth_login('tap.ro.rae@example.com', 'rae-password') AS tok \gset
-- Last used 5 minutes ago: a writable call would refresh it.
UPDATE auth.user_sessions SET last_used_at = now() - interval '5 minutes';
SELECT count(*) AS audit_rows FROM auth.audit_log \gset

-- From here on the transaction is read-only (temporary tables, used by pgTAP, stay writable).
SET LOCAL transaction_read_only = on;
SELECT is(current_setting('transaction_read_only'), 'on', 'the transaction is read-only');
SET ROLE tap_ro_app;
SELECT is(auth_session_user(:'tok'), :rae::bigint, 'auth_session_user answers in a read-only transaction');
SELECT is(auth_session_user(repeat('A', 43)), NULL, 'and answers NULL for an unknown token');
SELECT is(auth_has_role(:rae, 'TapRO Product', 'reader'), true, 'auth_has_role answers in a read-only transaction');
SELECT is(auth_has_role(:rae, 'TapRO Product', 'writer'), false, 'and answers false for an unknown role');
SELECT is(auth_user_id('TAP.RO.RAE@example.com'), :rae::bigint, 'auth_user_id answers in a read-only transaction');
RESET ROLE;
SELECT is((SELECT now() - last_used_at FROM auth.user_sessions), interval '5 minutes',
          'auth_session_user did not try to refresh last_used_at in a read-only transaction');
SELECT is((SELECT count(*) FROM auth.audit_log), :audit_rows::bigint, 'the checks wrote no audit row');

SELECT * FROM finish();
ROLLBACK;
