-- The design's example, part 4 of 4: Alice adds a second factor (TOTP) at Payroll, with
-- codes from Debian's oathtool standing in for her authenticator app; then Payroll
-- requires a second factor, and a password alone no longer reaches it.
--     psql -X -q -d demo < examples/demo/4-second-factor.sql   (oathtool on the PATH)
\set ON_ERROR_STOP on
\set SHOW_CONTEXT never
\pset footer off
\pset null NULL
\set ECHO queries

\echo
\echo '== 23. Alice logs in at Payroll (aal1: a password) and adds an authenticator app: the'
\echo '       Payroll app enrolls a TOTP factor and shows its otpauth:// URI as a QR code'
SET auth.mfa_issuer = 'Acme';
SET ROLE payroll_app;
SELECT auth_user_id('alice@example.com') AS alice \gset
SELECT left(set_config('alice.session', auth_login('alice@example.com', 'correct horse battery staple', 'Payroll', 'Firefox'), false), 6) || '…' AS "Alice's Payroll session",
       auth_session_aal(current_setting('alice.session')) AS level;
SELECT factor_id, secret, uri FROM auth_mfa_enroll_totp(current_setting('alice.session'), 'Alice''s phone') \gset
\echo '       factor' :factor_id 'secret' :secret
\echo '       uri' :uri
\setenv TOTP_SECRET :secret
\set code `oathtool --totp -b "$TOTP_SECRET"`
\echo '       Her app (oathtool --totp -b <secret>) shows' :code ', which she types in:'
SELECT auth_mfa_confirm(current_setting('alice.session'), :factor_id, :'code') AS confirmed,
       auth_session_aal(current_setting('alice.session')) AS level;
SELECT count(*) AS "recovery codes, shown to her once" FROM auth_mfa_recovery_codes(current_setting('alice.session'));
SELECT id, kind, label, confirmed_at IS NOT NULL AS confirmed FROM auth_mfa_factors(:alice);

\echo
\echo '== 24. The operator makes Payroll require a second factor. A new login with the right'
\echo '       password is aal1: the session answers nothing and gives no JWT until a code comes'
SET ROLE operator;
SELECT auth_set_product_mfa('Payroll', true);
SET ROLE payroll_app;
SELECT left(set_config('alice.session2', auth_login('alice@example.com', 'correct horse battery staple', 'Payroll', 'Firefox'), false), 6) || '…' AS "new session",
       auth_session_user(current_setting('alice.session2')) AS "its user",
       auth_issue_jwt(current_setting('alice.session2'), 'Payroll') AS jwt;
\set code `oathtool --totp -b "$TOTP_SECRET" -N 'now + 30 seconds'`
\echo '       The code of the next 30-second step (the one she confirmed with is used up):' :code
SELECT auth_mfa_verify(current_setting('alice.session2'), :'code') AS verified,
       auth_session_aal(current_setting('alice.session2')) AS level,
       auth_session_user(current_setting('alice.session2')) = :alice AS "its user is Alice",
       auth_verify_jwt(auth_issue_jwt(current_setting('alice.session2'), 'Payroll')) -> 'amr' AS "JWT amr";
\echo '       The same code again, on another session: a replay, refused'
SELECT auth_mfa_verify(auth_login('alice@example.com', 'correct horse battery staple', 'Payroll'), :'code') AS verified;
