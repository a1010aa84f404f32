-- Multi-factor authentication: TOTP enrolment and confirmation, verification with
-- replay refused, recovery codes, the lock of a user's codes, assurance levels, and
-- products that require aal2. Codes come from Debian's oathtool (pg_temp.totp in
-- helpers.psql), an implementation independent of ours.
BEGIN;
\ir helpers.psql
SELECT plan(68);

CREATE ROLE tap_mfa_payroll NOLOGIN IN ROLE auth_client;
CREATE ROLE tap_mfa_accounting NOLOGIN IN ROLE auth_client;
CREATE ROLE tap_mfa_signin NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_mfa_operator NOLOGIN IN ROLE auth_admin;
SELECT auth_create_product('TapMfa Payroll'), auth_create_product('TapMfa Accounting') \g /dev/null
SELECT auth_set_app_role('TapMfa Payroll', 'tap_mfa_payroll'),
       auth_set_app_role('TapMfa Accounting', 'tap_mfa_accounting') \g /dev/null
SELECT auth_create_user('tap.mfa.alice@example.com', 'Amber orbit 61 slot', 'Alice', NULL, 'TapMfa Payroll') AS alice \gset
SELECT auth_create_user('tap.mfa.bert@example.com', 'Quartz meadow 62 slot', 'Bert', NULL, 'TapMfa Payroll') AS bert \gset
SELECT auth_set_membership(:alice, 'TapMfa Accounting', 'active') \g /dev/null

SET ROLE tap_mfa_payroll;
SELECT auth_login('tap.mfa.alice@example.com', 'Amber orbit 61 slot') AS s1 \gset
SELECT is(auth_session_aal(:'s1'), 'aal1', 'a session made with a password is aal1');

-- ---------------------------------------------------------------------------------
-- Enrolment.
SELECT factor_id AS f1, secret AS secret1, uri AS uri1 FROM auth_mfa_enroll_totp(:'s1', 'Alice''s phone') \gset
SELECT matches(:'secret1'::text, '^[A-Z2-7]{32}$', 'the secret is 32 base32 characters (160 bits)');
SELECT is(:'uri1'::text, 'otpauth://totp/auth:tap.mfa.alice%40example.com?secret=' || :'secret1'
                   || '&issuer=auth&algorithm=SHA1&digits=6&period=30',
          'the URI names the issuer (auth.mfa_issuer) and the percent-encoded email');
SELECT is((SELECT count(*)::int FROM auth_mfa_enroll_totp('not a session')), 0, 'no row for an invalid session');
SELECT is((SELECT count(*)::int FROM auth_mfa_enroll_totp(NULL)), 0, 'no row for a NULL session');
SELECT is((SELECT (kind, label, confirmed_at IS NULL)::text FROM auth_mfa_factors(:alice)),
          ('totp', 'Alice''s phone', true)::text, 'auth_mfa_factors lists the unconfirmed factor, never its secret');
RESET ROLE;
SELECT ok((SELECT position(convert_to(:'secret1', 'UTF8') IN sealed_secret) = 0 AND length(sealed_secret) > 20
           FROM auth.mfa_factors WHERE id = :f1),
          'the stored secret is sealed: neither the base32 text nor its bytes in clear');
SET ROLE tap_mfa_payroll;

-- ---------------------------------------------------------------------------------
-- Confirmation: malformed and wrong codes are refused (and counted), the right one works.
-- (Seven of them: more than auth.max_failed_mfa allows by default, so it is raised here.)
RESET ROLE;
SET auth.max_failed_mfa = 10;
SET ROLE tap_mfa_payroll;
SELECT is(auth_mfa_confirm(:'s1', :f1, code), false, 'a malformed code is refused: ' || label)
FROM (VALUES ('12345', '5 digits'), ('1234567', '7 digits'), ('abcdef', 'letters'),
             (' 123456', 'a space before'), ('123456 ', 'a space after'), ('', 'empty'),
             (repeat('1', 1048576), '1 MB')) AS bad (code, label);
SELECT is(auth_mfa_confirm(:'s1', :f1, NULL), false, 'a NULL code is refused');
RESET ROLE;
SELECT is((SELECT failures FROM auth.login_failures WHERE user_id = :alice AND factor = 'mfa'), 7,
          'each malformed code counted toward auth.max_failed_mfa (NULL is no guess)');
RESET auth.max_failed_mfa;
SET ROLE tap_mfa_payroll;
SELECT auth_mfa_confirm(:'s1', :f1, pg_temp.totp(:'secret1')) AS confirmed \gset
SELECT is(:'confirmed'::text, 't', 'oathtool''s current code confirms the factor');
SELECT is(auth_session_aal(:'s1'), 'aal2', 'and raises the session to aal2');
RESET ROLE;
SELECT is((SELECT amr FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'s1', 'UTF8'))),
          '{pwd,otp}'::text[], 'the session''s amr is pwd and otp (RFC 8176)');
SELECT is((SELECT count(*)::int FROM auth.login_failures WHERE user_id = :alice AND factor = 'mfa'), 0,
          'a right code clears the count of wrong ones');
SET ROLE tap_mfa_payroll;
SELECT is(auth_mfa_confirm(:'s1', :f1, pg_temp.totp(:'secret1', 1)), false, 'a confirmed factor cannot be confirmed again');

-- ---------------------------------------------------------------------------------
-- Verification on a new session: a code's step is accepted once.
SELECT auth_login('tap.mfa.alice@example.com', 'Amber orbit 61 slot') AS s2 \gset
SELECT is(auth_mfa_verify(:'s2', pg_temp.totp(:'secret1')), false,
          'the code that confirmed the factor, again in its step, is a replay: refused');
SELECT is(auth_session_aal(:'s2'), 'aal1', 'and the session stays aal1');
SELECT is(auth_mfa_verify(:'s2', pg_temp.totp(:'secret1', 1)), true, 'the next step''s code verifies');
SELECT is(auth_session_aal(:'s2'), 'aal2', 'the session is aal2');
SELECT auth_login('tap.mfa.alice@example.com', 'Amber orbit 61 slot') AS s3 \gset
SELECT is(auth_mfa_verify(:'s3', pg_temp.totp(:'secret1', 1)), false, 'that code on another session: refused, used');
SELECT is(auth_mfa_verify('not a session', pg_temp.totp(:'secret1', 1)), false, 'an invalid session: false');

-- A code of another user's factor: Bert's code does not verify for Alice.
SELECT auth_login('tap.mfa.bert@example.com', 'Quartz meadow 62 slot') AS b1 \gset
SELECT factor_id AS fb, secret AS secretb FROM auth_mfa_enroll_totp(:'b1') \gset
SELECT is(auth_mfa_confirm(:'s3', :fb, pg_temp.totp(:'secretb')), false, 'Bert''s factor cannot be confirmed from Alice''s session');
SELECT is(auth_mfa_verify(:'s3', pg_temp.totp(:'secretb')), false, 'and Bert''s code does not verify Alice');

-- ---------------------------------------------------------------------------------
-- What needs aal2: a second factor once one is confirmed, recovery codes, unenrolment.
SELECT throws_ok(format('SELECT * FROM auth_mfa_enroll_totp(%L)', :'s3'), '42501', NULL,
                 'an aal1 session may not add a factor for a user who has one');
SELECT throws_ok(format('SELECT auth_mfa_unenroll(%L, %s)', :'s3', :f1), '42501', NULL,
                 'an aal1 session may not remove a factor');
SELECT throws_ok(format('SELECT * FROM auth_mfa_recovery_codes(%L)', :'s3'), '42501', NULL,
                 'an aal1 session may not make recovery codes');
SELECT is((SELECT count(*)::int FROM auth_mfa_recovery_codes('not a session')), 0, 'no codes for an invalid session');
CREATE TEMP TABLE tap_codes AS SELECT code FROM auth_mfa_recovery_codes(:'s2') AS code;
SELECT is((SELECT count(DISTINCT code)::int FROM tap_codes), 10, 'an aal2 session gets 10 distinct recovery codes');
SELECT ok((SELECT bool_and(code ~ '^[a-z2-7]{4}(-[a-z2-7]{4}){5}$') FROM tap_codes),
          'each is 24 base32 characters (120 bits) in groups of four');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.mfa_recovery_codes r JOIN tap_codes c
           ON r.code_hash = sha256(convert_to(replace(c.code, '-', ''), 'UTF8'))
           WHERE r.user_id = :alice), 10, 'stored as SHA-256 digests only');
SET ROLE tap_mfa_payroll;

-- Recovery codes: one verifies, once; amr says recovery.
SELECT auth_login('tap.mfa.alice@example.com', 'Amber orbit 61 slot') AS s4 \gset
SELECT code AS rc1 FROM tap_codes LIMIT 1 \gset
SELECT is(auth_mfa_verify(:'s4', upper(:'rc1')), true, 'a recovery code verifies (typed in upper case)');
RESET ROLE;
SELECT is((SELECT amr FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'s4', 'UTF8'))),
          '{pwd,recovery}'::text[], 'the session''s amr says recovery');
SET ROLE tap_mfa_payroll;
SELECT auth_login('tap.mfa.alice@example.com', 'Amber orbit 61 slot') AS s5 \gset
SELECT is(auth_mfa_verify(:'s5', :'rc1'), false, 'a recovery code used once is refused');

-- ---------------------------------------------------------------------------------
-- Locking: auth.max_failed_mfa wrong codes lock every code and recovery code of the user.
RESET ROLE;
SET auth.max_failed_mfa = 3;
SET ROLE tap_mfa_payroll;
SELECT is(auth_mfa_verify(:'s5', '000000'), false, 'a wrong code ' || n) FROM generate_series(1, 3) n;
RESET ROLE;
SELECT ok((SELECT locked_until > now() FROM auth.login_failures WHERE user_id = :alice AND factor = 'mfa'),
          'three wrong codes lock the user''s codes');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE user_id = :alice AND event = 'mfa_locked'), 1,
          'the lock is audited');
SET ROLE tap_mfa_payroll;
SELECT code AS rc2 FROM tap_codes OFFSET 1 LIMIT 1 \gset
SELECT is(auth_mfa_verify(:'s5', pg_temp.totp(:'secret1', -1)), false, 'while locked a right code is refused');
SELECT is(auth_mfa_verify(:'s5', :'rc2'), false, 'and so is an unused recovery code');
RESET ROLE;
RESET auth.max_failed_mfa;
SELECT is((SELECT used_at FROM auth.mfa_recovery_codes WHERE code_hash = auth.recovery_code_digest(:'rc2')), NULL,
          'the refused recovery code was not used up');
SET ROLE tap_mfa_operator;
SELECT lives_ok(format('SELECT auth_mfa_reset(%s)', :alice), 'an operator resets the user''s factors');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth_mfa_factors(:alice)), 0, 'no factor is left');
SELECT is((SELECT count(*)::int FROM auth.mfa_recovery_codes WHERE user_id = :alice), 0, 'nor any recovery code');
SELECT is(auth.is_locked(:alice, 'mfa'), false, 'and the lock of the codes is cleared');
SET ROLE tap_mfa_payroll;
SELECT throws_ok(format('SELECT auth_mfa_reset(%s)', :alice), '42501', NULL, 'an app may not reset factors');

-- ---------------------------------------------------------------------------------
-- Unenrolment from an aal2 session.
SELECT factor_id AS f2, secret AS secret2 FROM auth_mfa_enroll_totp(:'s5') \gset
SELECT is(auth_mfa_confirm(:'s5', :f2, pg_temp.totp(:'secret2')), true, 'a new factor confirmed after the reset');
SELECT is(auth_mfa_unenroll(:'s5', -1), false, 'unenrolling a factor that is not the user''s: false');
SELECT is(auth_mfa_unenroll(:'s5', :f2), true, 'an aal2 session removes a factor');

-- ---------------------------------------------------------------------------------
-- Confinement: Accounting's app cannot use Payroll's session.
RESET ROLE;
SET ROLE tap_mfa_accounting;
SELECT is((SELECT count(*)::int FROM auth_mfa_enroll_totp(:'s2')), 0, 'another product''s app gets no row for the session');
SELECT is(auth_session_aal(:'s2'), NULL, 'and no level');
SELECT is(auth_mfa_verify(:'s2', '123456'), false, 'and cannot verify on it');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- A product that requires MFA: aal1 sessions reach nothing.
SET ROLE tap_mfa_payroll;
SELECT throws_ok($$SELECT auth_set_product_mfa('TapMfa Payroll', true)$$, '42501', NULL,
                 'the product''s app may not change whether it requires MFA');
RESET ROLE;
SELECT auth_set_product_mfa('TapMfa Payroll', true) \g /dev/null
SET ROLE tap_mfa_payroll;
SELECT is(auth_session_user(:'s3'), NULL::bigint, 'an aal1 session of a product that requires MFA: auth_session_user is NULL');
SELECT is(auth_session_user(:'s2'), :alice::bigint, 'an aal2 session of it names its user');
SELECT is(auth_issue_jwt(:'s3', 'TapMfa Payroll'), NULL, 'no JWT from an aal1 session');
SELECT is((auth_verify_jwt(auth_issue_jwt(:'s2', 'TapMfa Payroll')) - ARRAY['iat', 'exp', 'sid', 'iss', 'sub', 'email', 'product', 'roles', 'tenant_roles'])::text,
          '{"aud": "TapMfa Payroll", "aal": "aal2", "amr": ["pwd", "otp"]}'::jsonb::text, 'a JWT of an aal2 session carries aal and amr');
RESET ROLE;
-- Single sign-on from an aal1 sign-in session gives no session of the product.
SET ROLE tap_mfa_signin;
SELECT auth_login('tap.mfa.alice@example.com', 'Amber orbit 61 slot') AS central \gset
SELECT auth_sso_code(:'central', 'TapMfa Payroll', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM') AS sso \gset
RESET ROLE;
SET ROLE tap_mfa_payroll;
SELECT is(auth_sso_exchange(:'sso', 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), NULL,
          'auth_sso_exchange from an aal1 sign-in session to a product that requires MFA: NULL');
RESET ROLE;
-- The sign-in service verifies the second factor first: the child starts at aal2.
SET ROLE tap_mfa_signin;
SELECT factor_id AS f3, secret AS secret3 FROM auth_mfa_enroll_totp(:'central') \gset
SELECT is(auth_mfa_confirm(:'central', :f3, pg_temp.totp(:'secret3')), true, 'the sign-in session confirms a factor: aal2');
SELECT auth_sso_code(:'central', 'TapMfa Payroll', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM') AS sso2 \gset
RESET ROLE;
SET ROLE tap_mfa_payroll;
SELECT auth_sso_exchange(:'sso2', 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') AS child \gset
SELECT is(auth_session_aal(:'child'), 'aal2', 'a session made by single sign-on from an aal2 session is aal2');
SELECT is(auth_session_user(:'child'), :alice::bigint, 'and reaches the product that requires MFA');
RESET ROLE;

SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE user_id = :alice
           AND (detail::text LIKE '%' || :'secret1' || '%' OR detail::text ~ '"[0-9]{6}"')), 0,
          'no audit row holds a secret or a code');

SELECT * FROM finish();
ROLLBACK;
