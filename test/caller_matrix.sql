-- Who may call what: every public function of the extension, called by every kind of
-- caller, with the outcome the contract gives ('ok', or the SQLSTATE). The list of
-- functions is checked against the catalog, so a function cannot be added without
-- deciding here who may call it. Each call runs in a subtransaction that is rolled back,
-- so every caller meets the same data.
BEGIN;
SELECT plan(3 + 63 + 1 + 63);

-- The kinds of caller.
CREATE ROLE tap_mx_admin NOLOGIN IN ROLE auth_admin;                        -- an operator
CREATE ROLE tap_mx_signin NOLOGIN IN ROLE auth_signin;                      -- the sign-in service
CREATE ROLE tap_mx_payroll NOLOGIN IN ROLE auth_client;                     -- the Payroll app
CREATE ROLE tap_mx_accounting NOLOGIN IN ROLE auth_client;                  -- the Accounting app
CREATE ROLE tap_mx_two NOLOGIN IN ROLE tap_mx_payroll, tap_mx_accounting;   -- an app of both
CREATE ROLE tap_mx_payroll_admins NOLOGIN;                                  -- Payroll's admin_role
CREATE ROLE tap_mx_payroll_admin NOLOGIN IN ROLE tap_mx_payroll_admins, auth_client;
CREATE ROLE tap_mx_mailer NOLOGIN IN ROLE auth_mailer;
CREATE ROLE tap_mx_end_user NOLOGIN IN ROLE auth_user;
CREATE ROLE tap_mx_plain NOLOGIN;                                           -- granted nothing
CREATE ROLE tap_mx_unbound NOLOGIN IN ROLE auth_client;                     -- a client of no product
CREATE TEMP TABLE callers (position int, role text);
INSERT INTO callers VALUES (1, 'superuser'), (2, 'tap_mx_admin'), (3, 'tap_mx_signin'), (4, 'tap_mx_payroll'),
    (5, 'tap_mx_two'), (6, 'tap_mx_payroll_admin'), (7, 'tap_mx_mailer'), (8, 'tap_mx_end_user'),
    (9, 'tap_mx_plain'), (10, 'tap_mx_unbound');

-- The data every call meets: Payroll and Accounting, Alice a member of both.
SELECT auth_create_product('MX Payroll', NULL, 'tap_mx_payroll_admins') \g /dev/null
SELECT auth_create_product('MX Accounting') \g /dev/null
SELECT auth_set_app_role('MX Payroll', 'tap_mx_payroll');
SELECT auth_set_app_role('MX Accounting', 'tap_mx_accounting');
SELECT auth_create_role('MX Payroll', 'viewer') \g /dev/null
SELECT auth_create_role('MX Payroll', 'clerk') \g /dev/null
SELECT auth_create_role('MX Accounting', 'viewer') \g /dev/null
SELECT auth_create_tenant('MX Acme') \g /dev/null
SELECT auth_create_user('mx.alice@example.com', 'alice password 1', product => 'MX Payroll') AS alice \gset
SELECT auth_grant(:alice, 'MX Accounting', 'viewer') \g /dev/null
SELECT auth_grant_permission('MX Payroll', 'viewer', 'read') \g /dev/null
SELECT auth_login('mx.alice@example.com', 'alice password 1', 'MX Payroll') AS session \gset
SELECT auth_login('mx.alice@example.com', 'alice password 1') AS signin_session \gset
SELECT auth_create_api_key(:alice, 'MX Payroll', 'k') AS api_key \gset
SELECT auth_issue_jwt(:'session', 'MX Payroll') AS jwt \gset

-- 'ok', or the SQLSTATE the statement raises when run as caller; rolled back either way.
CREATE FUNCTION pg_temp.outcome_as(caller text, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        IF caller <> 'superuser' THEN
            EXECUTE format('SET LOCAL ROLE %I', caller);
        END IF;
        SET LOCAL client_min_messages = error;
        EXECUTE statement;
        RAISE EXCEPTION 'roll back' USING ERRCODE = 'AU000';
    EXCEPTION WHEN SQLSTATE 'AU000' THEN
        RETURN 'ok';
    WHEN OTHERS THEN
        RETURN SQLSTATE;
    END;
END
$$;

-- One row per public function: a call with arguments that are valid for Payroll, and the
-- outcome for each caller, in the order of the callers table:
--   superuser, auth_admin, sign-in service, Payroll app, app of two products, Payroll's
--   admin role, mailer, auth_user, a role granted nothing, a client of no product.
CREATE TEMP TABLE matrix (function regprocedure, statement text, expected text);
INSERT INTO matrix VALUES
-- client functions: every client, each confined to its products
('auth_create_user(text,text,text,text,text)', $$SELECT auth_create_user('mx.new@example.com', 'new password 1')$$,
     'ok ok ok ok 22004 ok 42501 42501 42501 42501'),
('auth_user_id(text)', $$SELECT auth_user_id('mx.alice@example.com')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_verify_password(text,text)', $$SELECT auth_verify_password('mx.alice@example.com', 'alice password 1')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_change_password(bigint,text,text,text)', $$SELECT auth_change_password(:alice, 'alice password 1', 'alice password 2')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_request_password_reset(text)', $$SELECT auth_request_password_reset('mx.alice@example.com')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_reset_password(text,text)', $$SELECT auth_reset_password('not a token', 'alice password 3')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_request_email_verification(bigint)', $$SELECT auth_request_email_verification(:alice)$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_verify_email(text)', $$SELECT auth_verify_email('not a token')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_create_tenant(text)', $$SELECT auth_create_tenant('MX Other')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_has_role(bigint,text,text,text)', $$SELECT auth_has_role(:alice, 'MX Payroll', 'viewer')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_has_permission(bigint,text,text,text)', $$SELECT auth_has_permission(:alice, 'MX Payroll', 'pay')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_user_roles(bigint,text)', $$SELECT * FROM auth_user_roles(:alice, 'MX Payroll')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_login(text,text,text,text,inet)', $$SELECT auth_login('mx.alice@example.com', 'alice password 1', 'MX Payroll')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_session_user(text)', $$SELECT auth_session_user(:'session')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_logout(text)', $$SELECT auth_logout(:'session')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_logout_all(bigint)', $$SELECT auth_logout_all(:alice)$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_sessions(bigint)', $$SELECT * FROM auth_sessions(:alice)$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_issue_jwt(text,text,interval)', $$SELECT auth_issue_jwt(:'session', 'MX Payroll')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_verify_jwt(text)', $$SELECT auth_verify_jwt(:'jwt')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_jwks()', $$SELECT auth_jwks()$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_api_key_user(text,text)', $$SELECT auth_api_key_user(:'api_key', 'MX Payroll')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_sso_exchange(text,text,text,inet)', $$SELECT auth_sso_exchange('not a code', 'not a verifier')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_mfa_enroll_totp(text,text)', $$SELECT * FROM auth_mfa_enroll_totp(:'session')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_mfa_confirm(text,bigint,text)', $$SELECT auth_mfa_confirm(:'session', 1, '123456')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_mfa_verify(text,text)', $$SELECT auth_mfa_verify(:'session', '123456')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_mfa_recovery_codes(text)', $$SELECT * FROM auth_mfa_recovery_codes('not a session')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_mfa_factors(bigint)', $$SELECT * FROM auth_mfa_factors(:alice)$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_mfa_unenroll(text,bigint)', $$SELECT auth_mfa_unenroll('not a session', 1)$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_session_aal(text)', $$SELECT auth_session_aal(:'session')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_accept_invitation(text,text)', $$SELECT auth_accept_invitation('not a token', :'session')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_request_email_change(text,text)', $$SELECT auth_request_email_change(:'session', 'mx.changed@example.com')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
('auth_confirm_email_change(text)', $$SELECT auth_confirm_email_change('not a token')$$,
     'ok ok ok ok ok ok 42501 42501 42501 42501'),
-- the transaction's context: bound by clients and auth_user (which must name the product),
-- read by anyone
('auth_begin(text,text,text)', $$SELECT auth_begin(:'session', 'MX Payroll')$$,
     'ok ok ok ok ok ok 42501 ok 42501 42501'),
('auth_begin_from_headers(text)', $$SELECT auth_begin_from_headers('MX Payroll')$$,
     'ok ok ok ok ok ok 42501 ok 42501 42501'),
('auth_uid()', $$SELECT auth_uid()$$, 'ok ok ok ok ok ok ok ok ok ok'),
('auth_product()', $$SELECT auth_product()$$, 'ok ok ok ok ok ok ok ok ok ok'),
('auth_tenant()', $$SELECT auth_tenant()$$, 'ok ok ok ok ok ok ok ok ok ok'),
('auth_aal()', $$SELECT auth_aal()$$, 'ok ok ok ok ok ok ok ok ok ok'),
('auth_current_has_role(text,text)', $$SELECT auth_current_has_role('viewer')$$, 'ok ok ok ok ok ok ok ok ok ok'),
('auth_current_has_permission(text,text)', $$SELECT auth_current_has_permission('read')$$, 'ok ok ok ok ok ok ok ok ok ok'),
-- sign-in services only
('auth_sso_code(text,text,text)', $$SELECT auth_sso_code(:'signin_session', 'MX Payroll', repeat('A', 43))$$,
     'ok 42501 ok 42501 42501 42501 42501 42501 42501 42501'),
-- product functions: auth_admin, and Payroll's admin role for Payroll
('auth_create_role(text,text,text)', $$SELECT auth_create_role('MX Payroll', 'auditor')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_role_inherit(text,text,text)', $$SELECT auth_role_inherit('MX Payroll', 'clerk', 'viewer')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_grant_permission(text,text,text)', $$SELECT auth_grant_permission('MX Payroll', 'clerk', 'pay')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_revoke_permission(text,text,text)', $$SELECT auth_revoke_permission('MX Payroll', 'viewer', 'read')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_set_membership(bigint,text,text,text)', $$SELECT auth_set_membership(:alice, 'MX Payroll', 'active', 'MX Acme')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_grant(bigint,text,text,text)', $$SELECT auth_grant(:alice, 'MX Payroll', 'clerk')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_revoke(bigint,text,text,text)', $$SELECT auth_revoke(:alice, 'MX Payroll', 'clerk')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_create_api_key(bigint,text,text,timestamp with time zone)', $$SELECT auth_create_api_key(:alice, 'MX Payroll', 'key 2')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_revoke_api_key(text)', $$SELECT auth_revoke_api_key(:'api_key')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_set_product_mfa(text,boolean)', $$SELECT auth_set_product_mfa('MX Payroll', true)$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
('auth_invite(text,text,text,text)', $$SELECT auth_invite('MX Payroll', 'mx.invited@example.com', 'clerk')$$,
     'ok ok 42501 42501 42501 ok 42501 42501 42501 42501'),
-- admin functions
('auth_import_user(text,text,text,text)', $$SELECT auth_import_user('mx.imported@example.com', '$2b$04$abcdefghijklmnopqrstuuJ/3qz0a8Ie9R5C3xQbnm8mx6A2Mp3oW')$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
('auth_import_users(jsonb)', $$SELECT * FROM auth_import_users('[{"email": "mx.bulk@example.com"}]')$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
('auth_set_password(bigint,text)', $$SELECT auth_set_password(:alice, 'alice password 4')$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
('auth_set_active(bigint,boolean)', $$SELECT auth_set_active(:alice, false)$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
('auth_unlock_user(bigint)', $$SELECT auth_unlock_user(:alice)$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
('auth_create_product(text,text,regrole)', $$SELECT auth_create_product('MX Third')$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
('auth_set_app_role(text,regrole)', $$SELECT auth_set_app_role('MX Payroll', NULL)$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
('auth_rotate_signing_key()', $$SELECT auth_rotate_signing_key()$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
('auth_mfa_reset(bigint)', $$SELECT auth_mfa_reset(:alice)$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
('auth_add_breached_passwords(text[])', $$SELECT auth_add_breached_passwords(ARRAY['0b3087c187b0835a16de420f0bc89cb5fb9b189b'])$$,
     'ok ok 42501 42501 42501 42501 42501 42501 42501 42501'),
-- mailers only
('auth_outbox_claim(integer)', $$SELECT * FROM auth_outbox_claim()$$,
     'ok 42501 42501 42501 42501 42501 ok 42501 42501 42501');
-- The psql variables the statements name, filled in.
UPDATE matrix SET statement = replace(replace(replace(replace(replace(statement,
    ':alice', :'alice'), ':''session''', quote_literal(:'session')), ':''signin_session''', quote_literal(:'signin_session')),
    ':''api_key''', quote_literal(:'api_key')), ':''jwt''', quote_literal(:'jwt'));

-- The matrix covers every public function of the extension, and nothing else.
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
    WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass
      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'auth') AND d.deptype = 'e'
      AND p.pronamespace <> 'auth'::regnamespace
    EXCEPT SELECT function::text FROM matrix
$$, 'every public function of the extension has a row in the matrix: decide who may call a new one');
SELECT is(count(*)::int, 63, 'the matrix has one row per public function (63)') FROM matrix;
SELECT is(count(*)::int, 0, 'each row names an outcome for each of the 10 kinds of caller')
FROM matrix WHERE cardinality(string_to_array(expected, ' ')) <> 10;

-- The outcomes, one assertion per function.
SELECT is((SELECT string_agg(pg_temp.outcome_as(c.role, m.statement), ' ' ORDER BY c.position) FROM callers c),
          m.expected, m.function::text || ': superuser, admin, sign-in, app, two apps, product admin, mailer, auth_user, plain, unbound')
FROM matrix m ORDER BY m.function::text;

-- Every public function called with every argument NULL, then with every text argument
-- empty (the others NULL), by a superuser and by the Payroll app: the calls are made
-- from the catalog's argument types, and each gives the contract's answer (false/NULL
-- for the checks and lookups, a SQLSTATE for the rest), never a crash. Expected, in
-- order: superuser NULLs, app NULLs, superuser empties, app empties.
CREATE TEMP TABLE argument_matrix (function regprocedure, expected text);
INSERT INTO argument_matrix VALUES
('auth_create_user(text,text,text,text,text)', '22004 22004 42704 42501'),
('auth_user_id(text)', 'ok ok ok ok'),
('auth_import_user(text,text,text,text)', '22004 42501 22023 42501'),
('auth_import_users(jsonb)', '22004 42501 22004 42501'),
('auth_verify_password(text,text)', 'ok ok ok ok'),
('auth_change_password(bigint,text,text,text)', '22004 22004 22004 22004'),
('auth_request_password_reset(text)', 'ok ok ok ok'),
('auth_reset_password(text,text)', '22004 22004 22023 22023'),
('auth_request_email_verification(bigint)', '22004 22004 22004 22004'),
('auth_verify_email(text)', 'ok ok ok ok'),
('auth_set_password(bigint,text)', '22004 42501 22004 42501'),
('auth_set_active(bigint,boolean)', '22004 42501 22004 42501'),
('auth_unlock_user(bigint)', '22004 42501 22004 42501'),
('auth_create_product(text,text,regrole)', '22004 42501 22023 42501'),
('auth_set_app_role(text,regrole)', '22004 42501 42704 42501'),
('auth_create_role(text,text,text)', '22004 22004 42704 42501'),
('auth_grant(bigint,text,text,text)', '22004 22004 42704 42501'),
('auth_revoke(bigint,text,text,text)', '22004 22004 42704 42501'),
('auth_has_role(bigint,text,text,text)', 'ok ok ok ok'),
('auth_has_permission(bigint,text,text,text)', 'ok ok ok ok'),
('auth_create_tenant(text)', '22004 22004 22023 22023'),
('auth_role_inherit(text,text,text)', '22004 22004 42704 42501'),
('auth_grant_permission(text,text,text)', '22004 22004 42704 42501'),
('auth_revoke_permission(text,text,text)', '22004 22004 42704 42501'),
('auth_set_membership(bigint,text,text,text)', '22004 22004 42704 42501'),
('auth_user_roles(bigint,text)', 'ok ok ok 42501'),
('auth_login(text,text,text,text,inet)', 'ok ok ok ok'),
('auth_session_user(text)', 'ok ok ok ok'),
('auth_logout(text)', 'ok ok ok ok'),
('auth_logout_all(bigint)', '22004 22004 22004 22004'),
('auth_sessions(bigint)', '22004 22004 22004 22004'),
('auth_issue_jwt(text,text,interval)', '22004 22004 22004 42501'),
('auth_verify_jwt(text)', 'ok ok ok ok'),
('auth_jwks()', 'ok ok ok ok'),
('auth_rotate_signing_key()', 'ok 42501 ok 42501'),
('auth_add_breached_passwords(text[])', '22004 42501 22004 42501'),
('auth_create_api_key(bigint,text,text,timestamp with time zone)', '22004 22004 42704 42501'),
('auth_api_key_user(text,text)', 'ok ok ok 42501'),
('auth_revoke_api_key(text)', '22004 22004 ok 42501'),
('auth_sso_code(text,text,text)', '22004 42501 22023 42501'),
('auth_sso_exchange(text,text,text,inet)', 'ok ok ok ok'),
('auth_mfa_enroll_totp(text,text)', 'ok ok 22023 22023'),
('auth_mfa_confirm(text,bigint,text)', 'ok ok ok ok'),
('auth_mfa_verify(text,text)', 'ok ok ok ok'),
('auth_mfa_recovery_codes(text)', 'ok ok ok ok'),
('auth_mfa_factors(bigint)', '22004 22004 22004 22004'),
('auth_mfa_unenroll(text,bigint)', 'ok ok ok ok'),
('auth_mfa_reset(bigint)', '22004 42501 22004 42501'),
('auth_session_aal(text)', 'ok ok ok ok'),
('auth_begin(text,text,text)', 'ok ok ok 42501'),
('auth_begin_from_headers(text)', 'ok ok ok 42501'),
('auth_uid()', 'ok ok ok ok'),
('auth_product()', 'ok ok ok ok'),
('auth_tenant()', 'ok ok ok ok'),
('auth_aal()', 'ok ok ok ok'),
('auth_current_has_role(text,text)', 'ok ok ok ok'),
('auth_current_has_permission(text,text)', 'ok ok ok ok'),
('auth_set_product_mfa(text,boolean)', '22004 22004 42704 42501'),
('auth_invite(text,text,text,text)', '22004 22004 42704 42501'),
('auth_accept_invitation(text,text)', 'ok ok ok ok'),
('auth_request_email_change(text,text)', '22004 22004 22023 22023'),
('auth_confirm_email_change(text)', 'ok ok ok ok'),
('auth_outbox_claim(integer)', '22004 42501 22004 42501');
CREATE TEMP VIEW argument_calls AS
SELECT p.oid::regprocedure AS function, kind,
       format('SELECT %s %I(%s)', CASE WHEN p.proretset THEN '* FROM' ELSE '' END, p.proname,
              coalesce((SELECT string_agg(CASE WHEN kind = 'empty' AND t = 'text'::regtype THEN ''''''
                                               ELSE 'NULL::' || format_type(t, NULL) END, ', ' ORDER BY i)
                        FROM unnest(p.proargtypes) WITH ORDINALITY a(t, i)), '')) AS statement
FROM pg_proc p, (VALUES ('null'), ('empty')) k(kind)
WHERE p.oid IN (SELECT function FROM matrix);
SELECT set_eq('SELECT function FROM argument_matrix', 'SELECT function FROM matrix',
              'the argument matrix covers the same functions');
SELECT is((SELECT string_agg(pg_temp.outcome_as(x.caller, c.statement), ' ' ORDER BY k.n, x.n)
           FROM (VALUES (1, 'null'), (2, 'empty')) k(n, kind)
           JOIN argument_calls c ON c.function = a.function AND c.kind = k.kind,
                (VALUES (1, 'superuser'), (2, 'tap_mx_payroll')) x(n, caller)),
          a.expected, a.function::text || ' with NULL, then empty, arguments: superuser, app')
FROM argument_matrix a ORDER BY a.function::text;

SELECT * FROM finish();
ROLLBACK;
