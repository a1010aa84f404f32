-- auth_has_permission and auth_user_roles are read-only too: they answer inside a READ
-- ONLY transaction (as on a hot standby), through inheritance and tenants, and write nothing.
BEGIN;
SELECT plan(6);

CREATE ROLE tap_rochk_app NOLOGIN IN ROLE auth_signin;
INSERT INTO auth.users (email) VALUES ('tap.rochk@example.com');
SELECT auth_user_id('tap.rochk@example.com') AS uid \gset
SELECT auth_create_product('TapROChk Product') \g /dev/null
SELECT auth_create_tenant('TapROChk Tenant') \g /dev/null
SELECT auth_create_role('TapROChk Product', r) FROM unnest(ARRAY['lead', 'member']) r \g /dev/null
SELECT auth_role_inherit('TapROChk Product', 'lead', 'member') \g /dev/null
SELECT auth_grant_permission('TapROChk Product', 'member', 'read') \g /dev/null
SELECT auth_grant(:uid, 'TapROChk Product', 'lead', 'TapROChk Tenant') \g /dev/null
SELECT count(*) AS audit_rows FROM auth.audit_log \gset

SET LOCAL transaction_read_only = on;
SET ROLE tap_rochk_app;
SELECT is(auth_has_permission(:uid, 'TapROChk Product', 'read', 'TapROChk Tenant'), true,
          'auth_has_permission answers in a read-only transaction');
SELECT is(auth_has_permission(:uid, 'TapROChk Product', 'read'), false, 'and answers false outside the tenant');
SELECT is(auth_has_role(:uid, 'TapROChk Product', 'member', 'TapROChk Tenant'), true,
          'auth_has_role follows inheritance in a read-only transaction');
SELECT results_eq(format('SELECT tenant, role FROM auth_user_roles(%s)', :uid),
                  $$VALUES ('TapROChk Tenant', 'lead'), ('TapROChk Tenant', 'member')$$,
                  'auth_user_roles answers in a read-only transaction');
RESET ROLE;
SELECT is(current_setting('transaction_read_only'), 'on', 'the transaction was read-only throughout');
SELECT is((SELECT count(*) FROM auth.audit_log), :audit_rows::bigint, 'the checks wrote no audit row');

SELECT * FROM finish();
ROLLBACK;
