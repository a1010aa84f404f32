-- The design's example, part 1 of 3: an operator sets up the products Accounting and
-- Payroll; Alice signs in once and reaches Payroll by single sign-on; the Payroll app
-- tries to act on Accounting and is refused.
--
-- scripts/demo plays it as a superuser in a fresh database, fed on standard input so that
-- an error is printed as psql's "ERROR: …" without the file name:
--     psql -X -q -d demo < examples/demo/1-setup-and-single-sign-on.sql
-- Every call is made as the role that would make it in real life (SET ROLE). The roles
-- belong to the whole cluster and are made only when missing, so the three parts play
-- again in another fresh database of the same cluster.
\set ON_ERROR_STOP on
\set SHOW_CONTEXT never
\pset footer off
\pset null NULL
\set ECHO queries

\echo
\echo '== 1. A superuser installs the extension and makes the roles that apps connect as'
\echo '      (each only if missing: roles belong to the whole cluster, and an earlier run'
\echo '      may have made them), and a helper for the demo, base64url()'
CREATE EXTENSION auth;
DO $$
DECLARE
    -- role to make, and the extension's role it is granted:
    wanted CONSTANT text[] := ARRAY[
        ['operator',        'auth_admin'],    -- a person who sets up products
        ['sign_in_service', 'auth_signin'],   -- the central login page
        ['accounting_app',  'auth_client'],   -- the Accounting app
        ['payroll_app',     'auth_client'],   -- the Payroll app
        ['mailer',          'auth_mailer']];  -- the process that sends account mail
    pair text[];
BEGIN
    FOREACH pair SLICE 1 IN ARRAY wanted LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = pair[1]) THEN
            -- The mailer logs in (examples/mailer.py connects as it); the others are
            -- played here with SET ROLE.
            EXECUTE format('CREATE ROLE %I %s', pair[1], CASE WHEN pair[1] = 'mailer' THEN 'LOGIN' ELSE 'NOLOGIN' END);
        END IF;
        IF NOT pg_has_role(pair[1], pair[2], 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', pair[2], pair[1]);
        END IF;
    END LOOP;
END
$$;
-- For the demo only: SQL makes the PKCE verifiers below, where an app uses its own code.
CREATE EXTENSION pgcrypto;   -- gen_random_bytes
CREATE FUNCTION base64url(bytes bytea) RETURNS text LANGUAGE sql IMMUTABLE
    RETURN rtrim(translate(encode(bytes, 'base64'), E'+/\n', '-_'), '=');

\echo
\echo '== 2. The operator makes the products, and binds each app to its own product:'
\echo '      from now on accounting_app acts for Accounting only, payroll_app for Payroll only'
SET ROLE operator;
SELECT auth_create_product('Accounting', 'ledgers and invoices') AS accounting,
       auth_create_product('Payroll', 'salaries and payslips') AS payroll;
SELECT product, app_role
FROM (VALUES ('Accounting', 'accounting_app'), ('Payroll', 'payroll_app')) AS binding(product, app_role),
     auth_set_app_role(product, app_role::regrole);

\echo
\echo '== 3. The operator makes the roles of each product, with their permissions;'
\echo '      Accounting''s admin includes its user (a composite role)'
SET ROLE operator;
SELECT product, role, auth_create_role(product, role, description) AS role_id
FROM (VALUES ('Accounting', 'admin', 'runs the books'), ('Accounting', 'user', 'keeps the books'),
             ('Payroll', 'admin', 'runs payroll'), ('Payroll', 'viewer', 'read-only')) AS r(product, role, description);
SELECT 'admin includes user' AS "Accounting" FROM auth_role_inherit('Accounting', 'admin', 'user');
SELECT product, role, permission, auth_grant_permission(product, role, permission) AS granted
FROM (VALUES ('Accounting', 'user', 'invoices.read'), ('Accounting', 'admin', 'invoices.approve'),
             ('Payroll', 'viewer', 'payslips.read'), ('Payroll', 'admin', 'payslips.write')) AS p(product, role, permission);
SELECT auth_create_tenant('Acme Corp') AS "tenant Acme Corp (a customer of Accounting)";

\echo
\echo '== 4. Alice and Bob sign up at the Accounting app: each becomes a member of Accounting,'
\echo '      the app''s only product (their passwords are hashed with Argon2id)'
SET ROLE accounting_app;
SELECT auth_create_user('alice@example.com', 'correct horse battery staple', 'Alice') AS alice,
       auth_create_user('bob@example.com', 'Tr0ub4dor&3-but-longer', 'Bob') AS bob;
SELECT auth_user_id('ALICE@Example.com') AS alice, auth_user_id('bob@example.com') AS bob \gset
\echo '      (psql keeps the answers, found in any case, as :alice and :bob)'

\echo
\echo '== 5. The operator grants roles: Alice is admin of Accounting and viewer (read-only) of'
\echo '      Payroll, which makes her a member of Payroll too; Bob is a user of Accounting, and'
\echo '      its admin within the tenant Acme Corp only. Bob is no member of Payroll. (Granting'
\echo '      a role already held answers false.)'
SET ROLE operator;
SELECT who, product, role, tenant, auth_grant(id, product, role, tenant) AS "newly granted"
FROM (VALUES ('Alice', :alice, 'Accounting', 'admin', NULL), ('Alice', :alice, 'Payroll', 'viewer', NULL),
             ('Bob', :bob, 'Accounting', 'user', NULL), ('Bob', :bob, 'Accounting', 'admin', 'Acme Corp'),
             ('Bob', :bob, 'Accounting', 'user', NULL)) AS g(who, id, product, role, tenant);

\echo
\echo '== 6. What the Accounting app asks on each request: roles (inherited ones count) and'
\echo '      permissions, product-wide or within a tenant'
SET ROLE accounting_app;
SELECT who, tenant, auth_has_role(id, 'Accounting', 'admin', tenant) AS admin,
       auth_has_role(id, 'Accounting', 'user', tenant) AS "user",
       auth_has_permission(id, 'Accounting', 'invoices.read', tenant) AS "invoices.read",
       auth_has_permission(id, 'Accounting', 'invoices.approve', tenant) AS "invoices.approve"
FROM (VALUES ('Alice', :alice), ('Bob', :bob)) AS u(who, id),
     (VALUES (NULL), ('Acme Corp')) AS t(tenant)
ORDER BY who, tenant NULLS FIRST;
SELECT * FROM auth_user_roles(:bob);

\echo
\echo '== 7. Single sign-on. Alice signs in once, at the sign-in service, which names no product:'
\echo '      the session is the sign-in service''s own, and its token goes into its cookie.'
\echo '      (Here each secret is kept in a session setting named after who holds it, such as'
\echo '      signin.cookie, and shown cut short.) aal1: signed in with a password'
SET ROLE sign_in_service;
SELECT left(set_config('signin.cookie',
                       auth_login('alice@example.com', 'correct horse battery staple', NULL, 'Firefox'), false), 6) || '…'
       AS "sign-in session token";
SELECT id, product, device_info, aal FROM auth_sessions(:alice);

\echo
\echo '== 8. Alice opens Payroll, which has no session for her yet. The Payroll app makes a PKCE'
\echo '      code verifier (32 random bytes in base64url, which it keeps) and its challenge (the'
\echo '      base64url SHA-256 of the verifier), and sends the browser to the sign-in service with'
\echo '      the challenge in the address. In real life the app makes both in its own code.'
SET ROLE payroll_app;
SELECT left(set_config('payroll.verifier', base64url(gen_random_bytes(32)), false), 6) || '…' AS code_verifier;
SELECT set_config('url.code_challenge', base64url(sha256(convert_to(current_setting('payroll.verifier'), 'UTF8'))), false)
       AS code_challenge;

\echo '== 9. The sign-in service finds Alice''s session in its cookie (no password asked) and'
\echo '      asks for a one-time code for Payroll, bound to the challenge; the browser carries'
\echo '      the code back to Payroll in the address'
SET ROLE sign_in_service;
SELECT auth_session_user(current_setting('signin.cookie')) AS "signed-in user";
SELECT left(set_config('url.code',
                       auth_sso_code(current_setting('signin.cookie'), 'Payroll', current_setting('url.code_challenge')),
                       false), 6) || '…' AS "code for Payroll";

\echo
\echo '== 10. The Payroll app exchanges the code, with its verifier, for a session of its own,'
\echo '       bound to Payroll; on each request it checks that session and Alice''s rights'
SET ROLE payroll_app;
SELECT left(set_config('payroll.cookie',
                       auth_sso_exchange(current_setting('url.code'), current_setting('payroll.verifier'), 'Firefox'),
                       false), 6) || '…' AS "Payroll session token";
SELECT auth_session_user(current_setting('payroll.cookie')) AS "session user",
       auth_has_role(:alice, 'Payroll', 'viewer') AS viewer,
       auth_has_permission(:alice, 'Payroll', 'payslips.read') AS "payslips.read",
       auth_has_role(:alice, 'Payroll', 'admin') AS admin;
\echo '       The Payroll app sees only its own session of Alice; the sign-in service sees both:'
SELECT id, product, device_info, aal FROM auth_sessions(:alice);
SET ROLE sign_in_service;
SELECT id, product, device_info, aal FROM auth_sessions(:alice);

\echo
\echo '== 11. The Payroll app turns its session into a JWT (EdDSA) for its own services; the'
\echo '       token''s audience (aud) is Payroll, so the Accounting app does not accept it'
SET ROLE payroll_app;
SELECT left(set_config('payroll.jwt', auth_issue_jwt(current_setting('payroll.cookie'), 'Payroll'), false), 12) || '…'
       AS jwt;
SELECT claim, value AS "its value, to the Payroll app"
FROM jsonb_each(auth_verify_jwt(current_setting('payroll.jwt'))) AS c(claim, value)
WHERE claim NOT IN ('iat', 'exp', 'sid');
SET ROLE accounting_app;
SELECT auth_verify_jwt(current_setting('payroll.jwt')) AS "claims, to the Accounting app";

\echo
\echo '== 12. The code reaches the Payroll app a second time (someone copied the link from the'
\echo '       browser''s history): NULL, and since a code used twice is a stolen code, the'
\echo '       session the first exchange made is ended too'
SET ROLE payroll_app;
SELECT auth_sso_exchange(current_setting('url.code'), current_setting('payroll.verifier')) AS "the same code again";
SELECT auth_session_user(current_setting('payroll.cookie')) AS "Payroll session now";

\echo
\echo '== 13. Alice opens Payroll again: a new verifier and code, and still no password, since'
\echo '       her sign-in session lives on'
SET ROLE payroll_app;
SELECT left(set_config('payroll.verifier', base64url(gen_random_bytes(32)), false), 6) || '…' AS code_verifier;
SELECT set_config('url.code_challenge', base64url(sha256(convert_to(current_setting('payroll.verifier'), 'UTF8'))), false)
       AS code_challenge;
SET ROLE sign_in_service;
SELECT left(set_config('url.code',
                       auth_sso_code(current_setting('signin.cookie'), 'Payroll', current_setting('url.code_challenge')),
                       false), 6) || '…' AS "code for Payroll";
SET ROLE payroll_app;
SELECT left(set_config('payroll.cookie',
                       auth_sso_exchange(current_setting('url.code'), current_setting('payroll.verifier'), 'Firefox'),
                       false), 6) || '…' AS "Payroll session token",
       auth_session_user(current_setting('payroll.cookie')) AS "session user";

\echo '== 14. Single logout: Alice logs out at the sign-in service, which ends her sign-in'
\echo '       session and the Payroll session made from it'
SET ROLE sign_in_service;
SELECT auth_logout(current_setting('signin.cookie')) AS "logged out";
SET ROLE payroll_app;
SELECT auth_session_user(current_setting('payroll.cookie')) AS "Payroll session now";

\echo
\echo '== 15. Bob logs in at the Accounting app itself (its only product, so none is named)'
SET ROLE accounting_app;
SELECT left(set_config('accounting.cookie', auth_login('bob@example.com', 'Tr0ub4dor&3-but-longer'), false), 6) || '…'
       AS "Bob's Accounting session token";

\echo
\echo '== 16. The Payroll app tries to act on Accounting, and is refused. Naming a product not'
\echo '       its own is an error, 42501, even in a check: a configuration error, not an answer'
SET ROLE payroll_app;
\set ON_ERROR_STOP off
SELECT auth_has_role(:alice, 'Accounting', 'admin');
\echo '       -> SQLSTATE' :SQLSTATE
\echo
SELECT * FROM auth_user_roles(:alice, 'Accounting');
\echo '       -> SQLSTATE' :SQLSTATE
\set ON_ERROR_STOP on
\echo
\echo '       A login to Accounting answers NULL, with a WARNING: auth_login never raises, as it'
\echo '       holds a password'
SELECT auth_login('alice@example.com', 'correct horse battery staple', 'Accounting') AS "login to Accounting";
\echo
\echo '       Bob is no member of Payroll: to the Payroll app he does not exist, nor does his'
\echo '       Accounting session, and a reset mail asked for him is not queued (see step 18)'
SELECT auth_user_id('alice@example.com') AS alice, auth_user_id('bob@example.com') AS bob;
SELECT auth_session_user(current_setting('accounting.cookie')) AS "Bob's Accounting session";
SELECT auth_request_password_reset('bob@example.com') AS "reset mail for Bob (returns nothing)";
