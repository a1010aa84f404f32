-- Single sign-on between products: auth_sso_code (sign-in services), auth_sso_exchange
-- (apps), PKCE S256 (RFC 7636), single use and replay, and single logout
-- (auth.end_session_tree).
BEGIN;
SELECT plan(119);

\ir helpers.psql

-- Roles: a sign-in service, the apps of two products, an operator, and a client bound
-- to nothing.
CREATE ROLE tap_sso_signin NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_sso_payroll_app NOLOGIN IN ROLE auth_client;
CREATE ROLE tap_sso_accounting_app NOLOGIN IN ROLE auth_client;
CREATE ROLE tap_sso_operator NOLOGIN IN ROLE auth_admin;
CREATE ROLE tap_sso_client NOLOGIN IN ROLE auth_client;

SELECT auth_create_product('Payroll') AS payroll \gset
SELECT auth_create_product('Accounting') AS accounting \gset
SELECT auth_set_app_role('Payroll', 'tap_sso_payroll_app') \g /dev/null
SELECT auth_set_app_role('Accounting', 'tap_sso_accounting_app') \g /dev/null

-- sam: an active member of both products; lou: suspended in Payroll; ida: a member of
-- nothing; pia: a member of Payroll, deactivated further down.
SELECT auth_create_user('tap.sso.sam@example.com', 'sam-password-1') AS sam \gset
SELECT auth_create_user('tap.sso.lou@example.com', 'lou-password-1') AS lou \gset
SELECT auth_create_user('tap.sso.ida@example.com', 'ida-password-1') AS ida \gset
SELECT auth_create_user('tap.sso.pia@example.com', 'pia-password-1') AS pia \gset
SELECT auth_set_membership(:sam, 'Payroll', 'active') \g /dev/null
SELECT auth_set_membership(:sam, 'Accounting', 'active') \g /dev/null
SELECT auth_set_membership(:lou, 'Payroll', 'suspended') \g /dev/null
SELECT auth_set_membership(:pia, 'Payroll', 'active') \g /dev/null

-- S256 computed here independently of the extension: base64url(SHA-256(verifier)).
CREATE FUNCTION pg_temp.s256(verifier text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT translate(rtrim(encode(sha256(convert_to(verifier, 'UTF8')), 'base64'), '='), '+/', '-_')
$$;
SELECT is(pg_temp.s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          'the test''s S256 gives RFC 7636 Appendix B''s challenge');

-- Verifiers (43 to 128 unreserved characters) and their challenges.
SELECT 'tap-sso-verifier-one.' || repeat('a', 30) AS v1, 'tap-sso-verifier-two~' || repeat('b', 40) AS v2,
       'tap-sso-verifier-three_' || repeat('c', 105) AS v3, 'tap_sso_verifier_four' || repeat('d', 30) AS v4,
       'tap-sso-verifier-five-' || repeat('e', 30) AS v5, 'tap-sso-verifier-six-' || repeat('f', 30) AS v6,
       'tap-sso-verifier-seven' || repeat('g', 30) AS v7, 'tap-sso-verifier-eight' || repeat('h', 30) AS v8,
       'tap-sso-verifier-nine-' || repeat('i', 30) AS v9, 'tap-sso-verifier-ten--' || repeat('j', 30) AS v10,
       'tap-sso-verifier-short' || repeat('k', 20) AS v_short,                 -- 42 characters
       'tap+sso+verifier+plus+' || repeat('l', 30) AS v_plus \gset
SELECT pg_temp.s256(:'v1') AS c1, pg_temp.s256(:'v2') AS c2, pg_temp.s256(:'v3') AS c3, pg_temp.s256(:'v4') AS c4,
       pg_temp.s256(:'v5') AS c5, pg_temp.s256(:'v6') AS c6, pg_temp.s256(:'v7') AS c7, pg_temp.s256(:'v8') AS c8,
       pg_temp.s256(:'v9') AS c9, pg_temp.s256(:'v10') AS c10, pg_temp.s256(:'v_short') AS c_short,
       pg_temp.s256(:'v_plus') AS c_plus \gset
SELECT is(length(:'v_short'), 42, 'v_short is 42 characters: one under RFC 7636''s minimum');
SELECT is(length(:'v1'), 51, 'v1 is 51 characters');

-- sam's sign-in session: a login that names no product (as the sign-in service makes it).
SELECT auth_login('tap.sso.sam@example.com', 'sam-password-1') AS s \gset
SELECT id AS s_id FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'s', 'UTF8')) \gset
-- It was made with a second factor: the child must inherit that.
UPDATE auth.user_sessions SET aal = 'aal2', amr = '{pwd,otp}', last_used_at = now() - interval '1 hour'
WHERE id = :s_id;

-- ---------------------------------------------------------------------------------
-- The happy path: a code for Payroll, exchanged by Payroll's app.
SET ROLE tap_sso_signin;
SELECT auth_sso_code(:'s', 'Payroll', :'c1') AS code1 \gset
RESET ROLE;
SELECT matches(:'code1'::text, '^[A-Za-z0-9_-]{43}$', 'auth_sso_code gives a 43-character URL-safe code');
SELECT is((SELECT (session_id, user_id, product_id, code_challenge, used_at, child_session_id)::text
           FROM auth.sso_codes WHERE code_hash = sha256(convert_to(:'code1', 'UTF8'))),
          (:s_id, :sam, :payroll, :'c1', NULL::timestamptz, NULL::bigint)::text,
          'the code is stored under its SHA-256, with the session, user, product and challenge');
SELECT is((SELECT expires_at - created_at FROM auth.sso_codes WHERE code_hash = sha256(convert_to(:'code1', 'UTF8'))),
          interval '1 minute', 'a code lives auth.sso_code_ttl (1 minute by default)');
SELECT is(pg_temp.rows_holding(:'code1'), 0::bigint, 'no row of any auth table holds the code');

SET ROLE tap_sso_payroll_app;
SELECT auth_sso_exchange(:'code1', :'v1', 'TapBrowser on TapOS', '203.0.113.9') AS child1 \gset
SELECT matches(:'child1'::text, '^[A-Za-z0-9_-]{43}$', 'auth_sso_exchange gives a 43-character URL-safe session token');
SELECT is(auth_session_user(:'child1'), :sam::bigint, 'the app''s new session names the user');
RESET ROLE;
SELECT is(auth_session_user(:'child1'), :sam::bigint, 'auth_session_user as superuser gives the user');
SELECT id AS child1_id FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'child1', 'UTF8')) \gset
SELECT is((SELECT (parent_id, product_id, user_id, aal, amr)::text FROM auth.user_sessions WHERE id = :child1_id),
          (:s_id, :payroll, :sam, 'aal2', '{pwd,otp}'::text[])::text,
          'the child session: parent the sign-in session, bound to Payroll, the parent''s aal and amr');
SELECT is((SELECT (device_info, client_ip, expires_at = (SELECT p.expires_at FROM auth.user_sessions p WHERE p.id = :s_id),
                   expires_at - created_at <= interval '30 days', last_used_at = created_at)::text
           FROM auth.user_sessions WHERE id = :child1_id),
          ('TapBrowser on TapOS', '203.0.113.9'::inet, true, true, true)::text,
          'with device_info, client_ip, and auth.session_ttl cut to its parent''s expiry: a child never outlives its parent');
SELECT ok((SELECT used_at IS NOT NULL AND child_session_id = :child1_id FROM auth.sso_codes
           WHERE code_hash = sha256(convert_to(:'code1', 'UTF8'))),
          'the code is marked used and names the session it made');
SELECT ok((SELECT last_used_at > now() - interval '1 minute' FROM auth.user_sessions WHERE id = :s_id),
          'the exchange counts as a use of the sign-in session (last_used_at refreshed)');
SELECT is(auth_session_user(:'s'), :sam::bigint, 'the sign-in session stays valid');
SELECT is(pg_temp.rows_holding(:'child1'), 0::bigint, 'no row of any auth table holds the new session''s token');
SELECT is(pg_temp.rows_holding(:'v1'), 0::bigint, 'no row of any auth table holds the verifier');

-- Audit.
SELECT is((SELECT (user_id, product_id, db_role, detail->>'session_id')::text FROM auth.audit_log
           WHERE event = 'sso_code_issued' AND (detail->>'session_id')::bigint = :s_id ORDER BY id LIMIT 1),
          (:sam, :payroll, 'tap_sso_signin', :s_id::text)::text,
          'an issued code is audited: user, product, the sign-in service''s role, the session');
SELECT is((SELECT (user_id, product_id, db_role, (detail->>'session_id')::bigint, (detail->>'parent_session_id')::bigint)::text
           FROM auth.audit_log WHERE event = 'sso_code_exchanged' ORDER BY id LIMIT 1),
          (:sam, :payroll, 'tap_sso_payroll_app', :child1_id, :s_id)::text,
          'an exchanged code is audited: user, product, the app''s role, the new session and its parent');

-- ---------------------------------------------------------------------------------
-- A code is used once: a second exchange gives NULL and ends the session the first made.
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code1', :'v1'), NULL, 'the same code a second time gives NULL');
RESET ROLE;
SELECT is(auth_session_user(:'child1'), NULL, 'and the session the first exchange made is ended');
SELECT isnt((SELECT revoked_at FROM auth.user_sessions WHERE id = :child1_id), NULL, 'its revoked_at is set');
SELECT is(auth_session_user(:'s'), :sam::bigint, 'the sign-in session itself stays valid');
SELECT is((SELECT (user_id, product_id, db_role, (detail->>'session_id')::bigint, (detail->>'sessions_ended')::int)::text
           FROM auth.audit_log WHERE event = 'sso_code_replayed'),
          (:sam, :payroll, 'tap_sso_payroll_app', :child1_id, 1)::text,
          'the replay is audited, naming the session it ended');
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code1', :'v1'), NULL, 'a third time: still NULL');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.user_sessions WHERE parent_id = :s_id), 1,
          'no exchange after the first made a session');

-- ---------------------------------------------------------------------------------
-- The verifier. A wrong, missing or malformed one gives NULL and burns the code.
SET ROLE tap_sso_signin;
SELECT auth_sso_code(:'s', 'Payroll', :'c2') AS code2 \gset
SELECT auth_sso_code(:'s', 'Payroll', :'c3') AS code3 \gset
SELECT auth_sso_code(:'s', 'Payroll', :'c_short') AS code_short \gset
SELECT auth_sso_code(:'s', 'Payroll', :'c_plus') AS code_plus \gset
SELECT auth_sso_code(:'s', 'Payroll', :'c4') AS code4 \gset
RESET ROLE;
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code2', :'v1'), NULL, 'another code''s verifier gives NULL');
SELECT is(auth_sso_exchange(:'code2', :'v2'), NULL, 'then even the right verifier gives NULL: the code is burnt');
SELECT is(auth_sso_exchange(:'code3', NULL), NULL, 'a missing (NULL) verifier gives NULL');
SELECT is(auth_sso_exchange(:'code3', :'v3'), NULL, 'then the right one gives NULL: burnt as well');
SELECT is(auth_sso_exchange(:'code_short', :'v_short'), NULL,
          'a 42-character verifier gives NULL, even bound to its own S256 challenge');
SELECT is(auth_sso_exchange(:'code_plus', :'v_plus'), NULL,
          'a verifier with "+" (not an unreserved character) gives NULL, even bound to its own challenge');
SELECT is(auth_sso_exchange(:'code4', :'c4'), NULL, 'the challenge in place of the verifier gives NULL');
SELECT is(auth_sso_exchange(:'code4', upper(:'v4')), NULL, 'the verifier in another case gives NULL');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.sso_codes WHERE used_at IS NOT NULL AND child_session_id IS NULL
           AND code_hash IN (sha256(convert_to(:'code2', 'UTF8')), sha256(convert_to(:'code3', 'UTF8')),
                             sha256(convert_to(:'code_short', 'UTF8')), sha256(convert_to(:'code_plus', 'UTF8')),
                             sha256(convert_to(:'code4', 'UTF8')))), 5,
          'each code presented with a wrong verifier is marked used, with no session');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'sso_code_refused'
           AND detail->>'reason' = 'wrong_verifier'), 5, 'each wrong verifier is audited as wrong_verifier');
SELECT is((SELECT count(*)::int FROM auth.user_sessions WHERE parent_id = :s_id), 1,
          'none of them made a session');
SELECT is(pg_temp.rows_holding(:'v2'), 0::bigint, 'the wrong and the right verifiers are stored nowhere');
SELECT is(pg_temp.rows_holding(:'v_short'), 0::bigint, 'nor the malformed one');

-- ---------------------------------------------------------------------------------
-- Expiry.
SET LOCAL auth.sso_code_ttl = '5min';
SET ROLE tap_sso_signin;
SELECT auth_sso_code(:'s', 'Payroll', :'c5') AS code5 \gset
RESET ROLE;
RESET auth.sso_code_ttl;
SELECT is((SELECT expires_at - created_at FROM auth.sso_codes WHERE code_hash = sha256(convert_to(:'code5', 'UTF8'))),
          interval '5 minutes', 'with auth.sso_code_ttl = 5min a code lives 5 minutes');
UPDATE auth.sso_codes SET expires_at = clock_timestamp() - interval '1 second'
WHERE code_hash = sha256(convert_to(:'code5', 'UTF8'));
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code5', :'v5'), NULL, 'an expired code gives NULL, even with the right verifier');
RESET ROLE;
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE event = 'sso_code_refused'
           AND (detail->>'code_id')::bigint = (SELECT id FROM auth.sso_codes WHERE code_hash = sha256(convert_to(:'code5', 'UTF8')))),
          'expired', 'the refusal is audited as expired');
SELECT is((SELECT count(*)::int FROM auth.user_sessions WHERE parent_id = :s_id), 1, 'no session was made');
SELECT is(current_setting('auth.sso_code_ttl'), '1min', 'auth.sso_code_ttl defaults to 1 minute');
SELECT throws_ok($$SET auth.sso_code_ttl = '2h'$$, '22023', NULL, 'auth.sso_code_ttl is at most an hour');
SELECT throws_ok($$SET auth.sso_code_ttl = 0$$, '22023', NULL, 'auth.sso_code_ttl is at least a second');
SET ROLE tap_sso_signin;
SELECT throws_ok($$SET auth.sso_code_ttl = '10min'$$, '42501', NULL, 'only a superuser may set auth.sso_code_ttl');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- A code is for its product's app only.
SET ROLE tap_sso_signin;
SELECT auth_sso_code(:'s', 'Accounting', :'c6') AS code6 \gset
RESET ROLE;
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code6', :'v6'), NULL, 'Accounting''s code exchanged by Payroll''s app gives NULL');
SELECT is(auth_sso_exchange(:'code6', :'v1'), NULL, 'so does a wrong verifier from Payroll''s app');
RESET ROLE;
SELECT is((SELECT (used_at, child_session_id)::text FROM auth.sso_codes WHERE code_hash = sha256(convert_to(:'code6', 'UTF8'))),
          (NULL::timestamptz, NULL::bigint)::text, 'and the code is left unused: another app cannot burn it');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'sso_code_refused' AND db_role = 'tap_sso_payroll_app'
           AND detail->>'reason' = 'other_product' AND product_id = :accounting), 2,
          'each is audited as other_product');
SET ROLE tap_sso_accounting_app;
SELECT auth_sso_exchange(:'code6', :'v6') AS child6 \gset
SELECT is(auth_session_user(:'child6'), :sam::bigint, 'Accounting''s app then exchanges it');
RESET ROLE;
SELECT is((SELECT product_id FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'child6', 'UTF8'))),
          :accounting::bigint, 'for a session bound to Accounting');
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code6', :'v6'), NULL, 'Payroll''s app presenting the used code gets NULL');
RESET ROLE;
SELECT is(auth_session_user(:'child6'), :sam::bigint,
          'and it cannot end Accounting''s session by replaying Accounting''s code');
-- An operator is never confined.
SET ROLE tap_sso_signin;
SELECT auth_sso_code(:'s', 'Accounting', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM') AS code7 \gset
RESET ROLE;
SET ROLE tap_sso_operator;
SELECT auth_sso_exchange(:'code7', 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') AS child7 \gset
RESET ROLE;
SELECT is(auth_session_user(:'child7'), :sam::bigint,
          'an auth_admin member may exchange a code of any product (here with RFC 7636''s example verifier, 43 characters)');

-- ---------------------------------------------------------------------------------
-- When auth_sso_code gives NULL.
SELECT auth_login('tap.sso.lou@example.com', 'lou-password-1') AS s_lou \gset
SELECT auth_login('tap.sso.ida@example.com', 'ida-password-1') AS s_ida \gset
SELECT auth_login('tap.sso.sam@example.com', 'sam-password-1', 'Payroll') AS s_bound \gset
SELECT auth_login('tap.sso.sam@example.com', 'sam-password-1') AS s_revoked \gset
SELECT auth_login('tap.sso.sam@example.com', 'sam-password-1') AS s_expired \gset
SELECT auth_login('tap.sso.sam@example.com', 'sam-password-1') AS s_idle \gset
SELECT auth_login('tap.sso.pia@example.com', 'pia-password-1') AS s_pia \gset
SELECT auth_logout(:'s_revoked') \g /dev/null
UPDATE auth.user_sessions SET expires_at = now() - interval '1 second'
WHERE token_hash = sha256(convert_to(:'s_expired', 'UTF8'));
UPDATE auth.user_sessions SET last_used_at = now() - interval '25 hours'
WHERE token_hash = sha256(convert_to(:'s_idle', 'UTF8'));
-- pia is deactivated with the trigger that ends her sessions off, so the rule of the
-- function itself is what refuses her.
ALTER TABLE auth.users DISABLE TRIGGER users_deactivation_ends_sessions;
UPDATE auth.users SET is_active = false WHERE id = :pia;
ALTER TABLE auth.users ENABLE ALWAYS TRIGGER users_deactivation_ends_sessions;
SELECT count(*) AS codes_before FROM auth.sso_codes \gset
SET ROLE tap_sso_signin;
SELECT is(auth_sso_code(:'s_lou', 'Payroll', :'c8'), NULL, 'a user suspended in the product gets no code');
SELECT is(auth_sso_code(:'s_ida', 'Payroll', :'c8'), NULL, 'a user with no membership in the product gets no code');
SELECT is(auth_sso_code(:'s', 'No Such Product', :'c8'), NULL, 'an unknown product gives NULL');
SELECT is(auth_sso_code(:'s_bound', 'Payroll', :'c8'), NULL,
          'a session bound to a product gives NULL, even for that product');
SELECT is(auth_sso_code(:'s_bound', 'Accounting', :'c8'), NULL, 'and for another product');
SELECT is(auth_sso_code(:'s_revoked', 'Payroll', :'c8'), NULL, 'a session ended by logout gives NULL');
SELECT is(auth_sso_code(:'s_expired', 'Payroll', :'c8'), NULL, 'an expired session gives NULL');
SELECT is(auth_sso_code(:'s_idle', 'Payroll', :'c8'), NULL, 'a session idle for 25 hours gives NULL');
SELECT is(auth_sso_code(:'s_pia', 'Payroll', :'c8'), NULL, 'the session of an inactive user gives NULL');
SELECT is(auth_sso_code(:'child6', 'Accounting', :'c8'), NULL, 'a child session (bound to its product) gives NULL');
SELECT is(auth_sso_code(repeat('A', 43), 'Payroll', :'c8'), NULL, 'an unknown token gives NULL');
SELECT is(auth_sso_code('not a token', 'Payroll', :'c8'), NULL, 'a malformed token gives NULL');
SELECT is(auth_sso_code(NULL, 'Payroll', :'c8'), NULL, 'a NULL session token gives NULL');
RESET ROLE;
SELECT is((SELECT count(*) FROM auth.sso_codes), :codes_before::bigint, 'none of them made a code');
SELECT is((SELECT array_agg(detail->>'reason' ORDER BY id) FROM auth.audit_log WHERE event = 'sso_code_not_issued'),
          ARRAY['not_a_member', 'not_a_member', 'unknown_product', 'session_of_a_product', 'session_of_a_product',
                'session_ended', 'session_ended', 'session_ended', 'inactive', 'session_of_a_product'],
          'refusals for a known session are audited with their reason');

-- ---------------------------------------------------------------------------------
-- When auth_sso_exchange gives NULL although code and verifier are right: the sign-in
-- session ended, the user is inactive or no longer an active member.
UPDATE auth.users SET is_active = true WHERE id = :pia;
SELECT auth_login('tap.sso.sam@example.com', 'sam-password-1') AS s_later \gset
SELECT auth_login('tap.sso.pia@example.com', 'pia-password-1') AS s_pia2 \gset
SET ROLE tap_sso_signin;
SELECT auth_sso_code(:'s_later', 'Payroll', :'c8') AS code8 \gset
SELECT auth_sso_code(:'s', 'Payroll', :'c9') AS code9 \gset
SELECT auth_sso_code(:'s', 'Payroll', :'c10') AS code10 \gset
SELECT auth_sso_code(:'s_pia2', 'Payroll', :'c10') AS code_pia \gset
RESET ROLE;
SELECT is(auth_logout(:'s_later'), true, 'the sign-in session s_later is ended after its codes were issued');
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code8', :'v8'), NULL, 'a code of a sign-in session ended since gives NULL');
RESET ROLE;
UPDATE auth.user_sessions SET expires_at = now() - interval '1 second' WHERE id = :s_id;
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code9', :'v9'), NULL, 'a code of a sign-in session expired since gives NULL');
RESET ROLE;
UPDATE auth.user_sessions SET expires_at = now() + interval '1 day' WHERE id = :s_id;
SELECT auth_set_membership(:sam, 'Payroll', 'suspended') \g /dev/null
SET ROLE tap_sso_signin;
SELECT auth_sso_code(:'s', 'Accounting', :'c10') AS code_acc \gset
RESET ROLE;
-- (code10 was issued while sam was an active member of Payroll; now he is suspended.)
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code10', :'v10'), NULL, 'a code of a user suspended since gives NULL');
RESET ROLE;
SELECT auth_set_membership(:sam, 'Payroll', 'active') \g /dev/null
-- pia, deactivated again with the trigger off, so only the function's rule refuses her.
ALTER TABLE auth.users DISABLE TRIGGER users_deactivation_ends_sessions;
UPDATE auth.users SET is_active = false WHERE id = :pia;
ALTER TABLE auth.users ENABLE ALWAYS TRIGGER users_deactivation_ends_sessions;
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(:'code_pia', :'v10'), NULL, 'a code of a user deactivated since gives NULL');
RESET ROLE;
SELECT is((SELECT array_agg(detail->>'reason' ORDER BY id) FROM auth.audit_log
           WHERE event = 'sso_code_refused' AND detail->>'reason' NOT IN ('wrong_verifier', 'other_product', 'expired')),
          ARRAY['session_ended', 'session_ended', 'not_a_member', 'inactive'], 'each is audited with its reason');
SET ROLE tap_sso_payroll_app;
SELECT is(auth_sso_exchange(NULL, :'v1'), NULL, 'a NULL code gives NULL');
SELECT is(auth_sso_exchange(repeat('A', 43), :'v1'), NULL, 'an unknown code gives NULL');
SELECT is(auth_sso_exchange(repeat('x', 100000), repeat('y', 100000)), NULL, 'a 100,000-character code and verifier give NULL');
SELECT is(auth_sso_exchange(:'s', :'v1'), NULL, 'a session token is not a code');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Errors: bad arguments, and callers who may not.
SET ROLE tap_sso_signin;
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', left(:'c1', 42)), '22023',
                 'code_challenge is not an S256 code challenge', 'a 42-character code_challenge raises 22023');
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', :'c1' || 'A'), '22023',
                 'code_challenge is not an S256 code challenge', 'a 44-character code_challenge raises 22023');
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', '+' || right(:'c1', 42)), '22023',
                 'code_challenge is not an S256 code challenge', 'a code_challenge with "+" raises 22023');
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', right(:'c1', 42) || '='), '22023',
                 'code_challenge is not an S256 code challenge', 'a code_challenge with padding raises 22023');
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', left(:'c1', 42) ||
                        CASE WHEN right(:'c1', 1) = 'N' THEN 'B' ELSE 'N' END), '22023',
                 'code_challenge is not an S256 code challenge',
                 'a 43-character code_challenge whose last character no SHA-256 ends in raises 22023');
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', :'v1'), '22023',
                 'code_challenge is not an S256 code challenge', 'a verifier in place of the challenge ("plain") raises 22023');
SELECT is(strpos(pg_temp.error_of(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', 'tap-sso-secretish-' || left(:'c1', 20))),
                 'tap-sso-secretish'), 0, 'the error does not echo the challenge');
SELECT throws_ok(format('SELECT auth_sso_code(%L, NULL, %L)', :'s', :'c1'), '22004', 'product must not be null',
                 'a NULL product raises 22004');
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, NULL)', :'s', 'Payroll'), '22004', 'code_challenge must not be null',
                 'a NULL code_challenge raises 22004');
SELECT throws_ok($$SELECT auth_sso_code(NULL, NULL, NULL)$$, '22004', NULL,
                 'a NULL product raises 22004 even with a NULL session token');
RESET ROLE;
SET ROLE tap_sso_payroll_app;
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', :'c1'), '42501',
                 'permission denied: role "tap_sso_payroll_app" is not a sign-in service',
                 'a product''s app may not ask for a code (42501), even for its own product');
RESET ROLE;
SET ROLE tap_sso_operator;
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', :'c1'), '42501', NULL,
                 'an auth_admin member may not ask for a code (42501)');
RESET ROLE;
SET ROLE tap_sso_client;
SELECT throws_ok(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', :'c1'), '42501', NULL,
                 'a plain auth_client member may not ask for a code (42501)');
SELECT throws_ok(format('SELECT auth_sso_exchange(%L, %L)', :'code1', :'v1'), '42501',
                 'permission denied: role "tap_sso_client" is neither a sign-in service nor the app of a product',
                 'a plain auth_client member bound to nothing may not exchange a code (42501)');
RESET ROLE;
SET ROLE tap_sso_signin;
SELECT lives_ok(format('SELECT auth_sso_exchange(%L, %L)', repeat('A', 43), :'v1'),
                'a sign-in service may call auth_sso_exchange (it is not confined)');
RESET ROLE;
-- A read-only transaction is told so.
SELECT is(pg_temp.error_in_read_only(format('SELECT auth_sso_code(%L, %L, %L)', :'s', 'Payroll', :'c1')),
          '25006: auth_sso_code needs a writable transaction', 'auth_sso_code in a READ ONLY transaction raises 25006');
SELECT is(pg_temp.error_in_read_only(format('SELECT auth_sso_exchange(%L, %L)', :'code_acc', :'v10')),
          '25006: auth_sso_exchange needs a writable transaction', 'auth_sso_exchange in a READ ONLY transaction raises 25006');

-- Privileges.
SELECT ok(has_function_privilege('auth_signin', 'auth_sso_code(text,text,text)', 'EXECUTE')
          AND has_function_privilege('auth_client', 'auth_sso_exchange(text,text,text,inet)', 'EXECUTE')
          AND has_function_privilege('auth_admin', 'auth_sso_exchange(text,text,text,inet)', 'EXECUTE'),
          'EXECUTE: auth_sso_code for auth_client (sign-in services), auth_sso_exchange for auth_client and auth_admin');
SELECT ok(NOT has_function_privilege('public', 'auth_sso_code(text,text,text)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'auth_sso_exchange(text,text,text,inet)', 'EXECUTE'),
          'no EXECUTE for PUBLIC');
SELECT function_returns('public', 'auth_sso_code', ARRAY['text', 'text', 'text'], 'text',
                        'auth_sso_code(session_token, product, code_challenge) returns text');
SELECT function_returns('public', 'auth_sso_exchange', ARRAY['text', 'text', 'text', 'inet'], 'text',
                        'auth_sso_exchange(code, code_verifier, device_info, client_ip) returns text');

-- ---------------------------------------------------------------------------------
-- Single logout: auth.end_session_tree ends a session and every session made from it.
SET ROLE tap_sso_signin;
SELECT auth_sso_code(:'s', 'Payroll', :'c3') AS code_tree \gset
RESET ROLE;
SET ROLE tap_sso_payroll_app;
SELECT auth_sso_exchange(:'code_tree', :'v3') AS child_tree \gset
RESET ROLE;
SELECT is(auth_session_user(:'child_tree'), :sam::bigint,
          'a child session made from the sign-in session (with a verifier of 128 characters, the most allowed)');
SELECT is(length(:'v3'), 128, 'v3 has 128 characters');
SELECT is(auth.end_session_tree(:s_id), 4,
          'ending the sign-in session ends 4 live sessions: itself and its live children (child6, child7, child_tree)');
SELECT is(auth_session_user(:'s'), NULL, 'the sign-in session is ended');
SELECT is(auth_session_user(:'child_tree'), NULL, 'so is the child made by the exchange');
SELECT is(auth_session_user(:'child6'), NULL, 'and the one made for Accounting');
SELECT is(auth_session_user(:'child7'), NULL, 'and the one an operator made');
SELECT is(auth.end_session_tree(:s_id), 0, 'ending it again ends nothing');
SELECT is(auth.end_session_tree(NULL), 0, 'auth.end_session_tree(NULL) ends nothing');

-- Deeper trees, built by hand: root -> c1 -> g2 (expired); root -> c2 (already ended) -> g1.
-- A child of an ended session is still reached; a session that is not live is ended but
-- not counted; an unrelated session is left alone.
INSERT INTO auth.users (email) VALUES ('tap.sso.tree@example.com') RETURNING id AS tree_user \gset
INSERT INTO auth.user_sessions (user_id, token_hash, expires_at)
VALUES (:tree_user, sha256('tap-sso-root'), now() + interval '1 day') RETURNING id AS root \gset
INSERT INTO auth.user_sessions (user_id, token_hash, expires_at, parent_id)
VALUES (:tree_user, sha256('tap-sso-c1'), now() + interval '1 day', :root) RETURNING id AS c1_id \gset
INSERT INTO auth.user_sessions (user_id, token_hash, expires_at, parent_id, revoked_at)
VALUES (:tree_user, sha256('tap-sso-c2'), now() + interval '1 day', :root, now()) RETURNING id AS c2_id \gset
INSERT INTO auth.user_sessions (user_id, token_hash, expires_at, parent_id)
VALUES (:tree_user, sha256('tap-sso-g1'), now() + interval '1 day', :c2_id) RETURNING id AS g1_id \gset
INSERT INTO auth.user_sessions (user_id, token_hash, expires_at, parent_id)
VALUES (:tree_user, sha256('tap-sso-g2'), now() - interval '1 second', :c1_id) RETURNING id AS g2_id \gset
INSERT INTO auth.user_sessions (user_id, token_hash, expires_at)
VALUES (:tree_user, sha256('tap-sso-other'), now() + interval '1 day') RETURNING id AS other_id \gset
SELECT is(auth.end_session_tree(:c1_id), 1, 'ending c1 ends c1 and its expired child g2 (counted: c1 only)');
SELECT is((SELECT array_agg(id ORDER BY id) FROM auth.user_sessions WHERE user_id = :tree_user AND revoked_at IS NULL),
          ARRAY[:root, :g1_id, :other_id]::bigint[], 'its parent, its sibling''s branch and the unrelated session stay');
SELECT is(auth.end_session_tree(:root), 2, 'ending the root ends the root and g1, under the already ended c2');
SELECT is((SELECT array_agg(id ORDER BY id) FROM auth.user_sessions WHERE user_id = :tree_user AND revoked_at IS NULL),
          ARRAY[:other_id]::bigint[], 'only the unrelated session is left');

-- ---------------------------------------------------------------------------------
-- No secret in the audit log: no code, verifier or session token.
SELECT is((SELECT count(*)::int FROM auth.audit_log a, unnest(ARRAY[:'code1', :'code2', :'code6', :'code_tree',
                                                                  :'v1', :'v2', :'v3', :'v6', :'v_short',
                                                                  :'child1', :'child6', :'child7', :'child_tree', :'s']) secret
           WHERE strpos(a::text, secret) > 0), 0,
          'no audit row holds a code, a verifier or a session token');
SELECT cmp_ok((SELECT count(*)::int FROM auth.audit_log WHERE event LIKE 'sso_code%'), '>=', 20,
              'while the single sign-on events are there to be read');
SELECT is(pg_temp.rows_holding(:'code_tree'), 0::bigint, 'no row of any auth table holds a code');
SELECT is(pg_temp.rows_holding(:'child_tree'), 0::bigint, 'nor a child session''s token');

SELECT * FROM finish();
ROLLBACK;
