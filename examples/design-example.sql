-- The design document's example, played through the extension's SQL API.
-- Run by scripts/demo against a throwaway server; psql prints every answer.

\pset footer off
\echo
\echo '== 1. An operator installs the extension'
CREATE EXTENSION auth;
-- Apps connect as roles of their own, granted auth_client; operators get auth_admin.
CREATE ROLE accounting_app NOLOGIN IN ROLE auth_client;
CREATE ROLE payroll_app NOLOGIN IN ROLE auth_client;
CREATE ROLE operator NOLOGIN IN ROLE auth_admin;
\dx auth

\echo '== 2. The operator creates two products and their roles'
SET ROLE operator;
SELECT auth_create_product('Accounting App', 'ledgers and invoices') AS accounting_app,
       auth_create_product('Payroll App', 'salaries') AS payroll_app;
SELECT product, role, auth_create_role(product, role) AS role_id
FROM (VALUES ('Accounting App', 'admin'), ('Accounting App', 'user'),
             ('Payroll App', 'admin'), ('Payroll App', 'viewer')) AS r(product, role);

\echo '== 3. Alice and Bob sign up (their passwords are hashed with Argon2id)'
SET ROLE accounting_app;
SELECT auth_create_user('alice@example.com', 'correct horse battery staple', 'Alice') AS alice \gset
SELECT auth_create_user('bob@example.com', 'Tr0ub4dor&3-but-longer', 'Bob') AS bob \gset
SELECT auth_user_id('ALICE@example.com') AS "auth_user_id('ALICE@example.com')",
       auth_user_id('bob@example.com') AS "auth_user_id('bob@example.com')";

\echo '== 4. The operator grants: Alice is admin of Accounting and viewer of Payroll; Bob is a user of Accounting'
SET ROLE operator;
SELECT auth_grant(:alice, 'Accounting App', 'admin') AS alice_accounting_admin,
       auth_grant(:alice, 'Payroll App', 'viewer') AS alice_payroll_viewer,
       auth_grant(:bob, 'Accounting App', 'user') AS bob_accounting_user,
       auth_grant(:bob, 'Accounting App', 'user') AS "granted again (already held)";

\echo '== 5. Both log in to Accounting App; Bob cannot log in to Payroll App'
SET ROLE accounting_app;
SELECT auth_login('alice@example.com', 'correct horse battery staple', 'Accounting App') AS alice_token \gset
SELECT auth_login('bob@example.com', 'Tr0ub4dor&3-but-longer', 'Accounting App') AS bob_token \gset
SELECT who, length(token) AS token_characters, auth_session_user(token) AS session_user_id
FROM (VALUES ('alice', :'alice_token'), ('bob', :'bob_token')) AS s(who, token);
SELECT auth_login('bob@example.com', 'Tr0ub4dor&3-but-longer', 'Payroll App') IS NULL
           AS "bob into Payroll App refused",
       auth_login('bob@example.com', 'wrong password', 'Accounting App') IS NULL
           AS "wrong password refused";

\echo '== 5b. Composite roles, tenants and permissions: admin includes user; invoices.read comes with user'
SET ROLE operator;
SELECT 'done' AS "admin includes user" FROM auth_role_inherit('Accounting App', 'admin', 'user');
SELECT auth_grant_permission('Accounting App', 'user', 'invoices.read') AS "user may read invoices",
       auth_create_tenant('Acme Corp') > 0 AS "tenant Acme Corp";
SELECT auth_grant(:bob, 'Accounting App', 'admin', 'Acme Corp') AS "bob admin within Acme Corp";
SET ROLE accounting_app;
SELECT who, tenant, auth_has_role(id, 'Accounting App', 'user', tenant) AS has_user,
       auth_has_role(id, 'Accounting App', 'admin', tenant) AS has_admin,
       auth_has_permission(id, 'Accounting App', 'invoices.read', tenant) AS may_read_invoices
FROM (VALUES ('alice', :alice), ('bob', :bob)) AS u(who, id),
     (VALUES (NULL), ('Acme Corp')) AS t(tenant)
ORDER BY who, tenant NULLS FIRST;
SELECT * FROM auth_user_roles(:bob);

\echo '== 6. What each app asks on every request: auth_has_role'
SELECT who, product, role, auth_has_role(id, product, role) AS has_role
FROM (VALUES ('alice', :alice), ('bob', :bob)) AS u(who, id),
     (VALUES ('Accounting App', 'admin'), ('Accounting App', 'user'),
             ('Payroll App', 'admin'), ('Payroll App', 'viewer')) AS r(product, role)
ORDER BY who, product, role;

\echo '== 7. Single sign-on: from her session, Alice gets a JWT for Payroll App (EdDSA);'
\echo '       any service verifies it with the public keys of auth_jwks()'
SELECT auth_verify_jwt(auth_issue_jwt(:'alice_token', 'Payroll App')) - ARRAY['iat', 'exp', 'sid'] AS claims;
SELECT auth_issue_jwt(:'bob_token', 'Payroll App') IS NULL AS "no Payroll App token for bob",
       k->>'kty' AS kty, k->>'crv' AS crv, k->>'alg' AS alg
FROM jsonb_array_elements(auth_jwks()->'keys') k;

\echo '== 8. Bob logs out; his token no longer names a user'
SELECT auth_logout(:'bob_token') AS logged_out,
       auth_session_user(:'bob_token') IS NULL AS "token now invalid",
       auth_logout(:'bob_token') AS "second logout";

\echo '== 8b. Bob forgot his password: the app mails him a reset token (shown once, stored as a hash)'
SET ROLE accounting_app;
SELECT auth_request_password_reset('bob@example.com') AS reset_token \gset
SELECT length(:'reset_token') AS token_characters,
       auth_reset_password(:'reset_token', 'a new passphrase for Bob') AS "password reset",
       auth_reset_password(:'reset_token', 'another one') AS "same token again",
       auth_verify_password('bob@example.com', 'a new passphrase for Bob') = :bob AS "new password works";

\echo '== 8c. Carol comes from an older system with a bcrypt hash (made by htpasswd -nbB);'
\echo '       her first login replaces it with Argon2id at the current cost'
SET ROLE operator;
SELECT auth_import_user('carol@example.com', '$2y$10$Y.RZf81yYsrK7aYBhV22Lu2/kzD4ZPiKmRnDVaLMbrqEPcKznHpFG', 'Carol') AS carol \gset
RESET ROLE;
SELECT split_part(password_hash, '$', 2) AS "stored format before" FROM auth.users WHERE id = :carol;
SET ROLE accounting_app;
SELECT auth_verify_password('carol@example.com', 'legacy password 1') = :carol AS "carol's old password works";
RESET ROLE;
SELECT split_part(password_hash, '$', 2) AS "stored format after",
       split_part(password_hash, '$', 4) AS "cost" FROM auth.users WHERE id = :carol;

\echo '== 9. The audit trail (operators read it; no password, token or hash is ever in it)'
SET ROLE operator;
SELECT id, event, user_id, product_id, db_role, detail FROM auth.audit_log ORDER BY id;
