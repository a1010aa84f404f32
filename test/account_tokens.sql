-- Password reset and email verification tokens: single use, stored as SHA-256 only,
-- expiring after auth.reset_token_ttl, bound to their purpose, user and address.
BEGIN;
SELECT plan(51);

CREATE ROLE tap_tok_app NOLOGIN IN ROLE auth_signin;
\ir helpers.psql

SELECT auth_create_user('tap.tok.rita@example.com', 'rita-password-1') AS rita \gset
SELECT auth_create_user('tap.tok.sol@example.com', 'sol-password-1') AS sol \gset

-- ---------------------------------------------------------------------------------
-- Password reset, as an app does it.
SET ROLE tap_tok_app;
SELECT auth_login('tap.tok.rita@example.com', 'rita-password-1') AS rita_session \gset
SELECT auth_request_password_reset('TAP.TOK.RITA@example.com');
SELECT pg_temp.mailed_token('tap.tok.rita@example.com', 'password_reset') AS reset1 \gset
SELECT matches(:'reset1'::text, '^[A-Za-z0-9_-]{43}$', 'a reset token is 43 URL-safe characters (256 bits)');
SELECT pg_temp.outbox_size() AS queued \gset
RESET ROLE;
SELECT (SELECT count(*) FROM auth.users) AS users_before, (SELECT count(*) FROM auth.audit_log) AS audit_before,
       (SELECT count(*) FROM auth.account_tokens) AS tokens_before \gset
SET ROLE tap_tok_app;
SELECT auth_request_password_reset('tap.tok.nobody@example.com');
SELECT auth_request_password_reset(NULL);
SELECT auth_request_password_reset(repeat('r', 300) || '@example.com');
SELECT is(pg_temp.outbox_size(), :queued::bigint, 'an unknown, NULL or over-long email queues nothing');
RESET ROLE;
SELECT is(ARRAY[(SELECT count(*) FROM auth.users), (SELECT count(*) FROM auth.audit_log), (SELECT count(*) FROM auth.account_tokens)],
          ARRAY[:users_before, :audit_before, :tokens_before]::bigint[],
          'and the decoy work done for it in the same time leaves no user, audit row or token behind');
SELECT is((SELECT email FROM auth.outbox ORDER BY id DESC LIMIT 1), 'tap.tok.rita@example.com',
          'the mail goes to the stored address, not to the address as typed');

SELECT is((SELECT token_hash FROM auth.account_tokens WHERE user_id = :rita),
          sha256(convert_to(:'reset1', 'UTF8')), 'only the SHA-256 of the token is stored');
SELECT is((SELECT count(*)::int FROM auth.account_tokens t WHERE strpos(t::text, :'reset1') > 0)
          + (SELECT count(*)::int FROM auth.audit_log a WHERE strpos(a::text, :'reset1') > 0),
          0, 'neither the token table nor the audit log holds the token');
SELECT is((SELECT expires_at - created_at FROM auth.account_tokens WHERE user_id = :rita),
          interval '1 hour', 'a token lasts auth.reset_token_ttl (1 hour by default)');

-- Lock Rita out, then reset.
SELECT pg_temp.lock_out(email) FROM auth.users WHERE id = :rita;
SET ROLE tap_tok_app;
SELECT throws_ok(format('SELECT auth_reset_password(%L, %L)', :'reset1', 'short'), '22023',
                 'new_password must be at least 8 characters', 'a new password the policy refuses is 22023');
SELECT throws_ok(format('SELECT auth_reset_password(%L, NULL)', :'reset1'), '22004',
                 'new_password must not be null', 'a NULL new password is 22004');
SELECT is(auth_reset_password(:'reset1', 'rita-password-2'), true, 'the token resets the password (a refused password did not use it)');
SELECT is(auth_reset_password(:'reset1', 'rita-password-3'), false, 'the same token a second time gives false');
SELECT is(auth_session_user(:'rita_session'), NULL::bigint, 'the reset ended the user''s sessions');
SELECT is(auth_verify_password('tap.tok.rita@example.com', 'rita-password-2'), :rita::bigint,
          'the reset cleared the lockout and the new password works');
SELECT is(auth_verify_password('tap.tok.rita@example.com', 'rita-password-3'), NULL::bigint,
          'the second use set nothing');
SELECT is(auth_reset_password(NULL, 'rita-password-4'), false, 'a NULL token gives false');
SELECT is(auth_reset_password('', 'rita-password-4'), false, 'an empty token gives false');
SELECT is(auth_reset_password(repeat('A', 43), 'rita-password-4'), false, 'an unknown token gives false');
SELECT is(auth_reset_password(repeat('A', 100000), 'rita-password-4'), false, 'a 100 kB token gives false');
RESET ROLE;
SELECT results_eq($$SELECT event, detail->>'reason' FROM auth.audit_log
                    WHERE user_id = $$ || :rita || $$ AND event LIKE 'password_reset%' ORDER BY id$$,
                  $$VALUES ('password_reset_requested', NULL), ('password_reset', NULL),
                           ('password_reset_refused', 'used')$$,
                  'the request, the reset and the refused second use are recorded');

-- An expired token (its timestamp moved, no sleeping).
SELECT auth_request_password_reset('tap.tok.rita@example.com');
SELECT pg_temp.mailed_token('tap.tok.rita@example.com', 'password_reset') AS reset2 \gset
UPDATE auth.account_tokens SET expires_at = now() - interval '1 second'
WHERE token_hash = sha256(convert_to(:'reset2', 'UTF8'));
SELECT is(auth_reset_password(:'reset2', 'rita-password-5'), false, 'an expired token gives false');
SELECT is(auth_verify_password('tap.tok.rita@example.com', 'rita-password-2'), :rita::bigint,
          'and the password is unchanged');
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE user_id = :rita ORDER BY id DESC LIMIT 1 OFFSET 1),
          'expired', 'the refusal is recorded as expired');
-- A shorter auth.reset_token_ttl applies to new tokens.
SET auth.reset_token_ttl = '5min';
SELECT auth_request_password_reset('tap.tok.rita@example.com');
SELECT pg_temp.mailed_token('tap.tok.rita@example.com', 'password_reset') AS reset3 \gset
SELECT is((SELECT expires_at - created_at FROM auth.account_tokens WHERE token_hash = sha256(convert_to(:'reset3', 'UTF8'))),
          interval '5 minutes', 'auth.reset_token_ttl sets the lifetime');
RESET auth.reset_token_ttl;
-- A newer token replaces an older unused one.
SELECT auth_request_password_reset('tap.tok.rita@example.com');
SELECT pg_temp.mailed_token('tap.tok.rita@example.com', 'password_reset') AS reset4 \gset
SELECT is(auth_reset_password(:'reset3', 'rita-password-6'), false, 'an older token is void once a newer one is issued');
SELECT is((SELECT count(*)::int FROM auth.account_tokens WHERE user_id = :rita AND purpose = 'password_reset'),
          1, 'one reset token is kept per user');
SELECT is((SELECT count(*)::int FROM auth.outbox WHERE user_id = :rita AND kind = 'password_reset' AND claimed_at IS NULL),
          1, 'and the unclaimed mail of the voided token is withdrawn');

-- A token for another user resets that user only.
SELECT auth_request_password_reset('tap.tok.sol@example.com');
SELECT pg_temp.mailed_token('tap.tok.sol@example.com', 'password_reset') AS sol_reset \gset
SELECT is(auth_reset_password(:'sol_reset', 'sol-password-2'), true, 'Sol''s token resets a password');
SELECT is(auth_verify_password('tap.tok.sol@example.com', 'sol-password-2'), :sol::bigint, 'Sol''s');
SELECT is(auth_verify_password('tap.tok.rita@example.com', 'sol-password-2'), NULL::bigint, 'not Rita''s');
SELECT is(auth_verify_password('tap.tok.rita@example.com', 'rita-password-2'), :rita::bigint,
          'Rita''s password is unchanged');

-- An inactive user gets no reset token, and a pending one stops working.
SELECT auth_request_password_reset('tap.tok.sol@example.com');
SELECT pg_temp.mailed_token('tap.tok.sol@example.com', 'password_reset') AS sol_reset2 \gset
SELECT auth_set_active(:sol, false);
SELECT pg_temp.outbox_size() AS queued \gset
SELECT auth_request_password_reset('tap.tok.sol@example.com');
SELECT is(pg_temp.outbox_size(), :queued::bigint, 'an inactive user gets no reset mail');
SELECT is(auth_reset_password(:'sol_reset2', 'sol-password-3'), false, 'a token issued before deactivation is refused');
SELECT auth_set_active(:sol, true);
-- A password change voids pending reset tokens.
SELECT auth_request_password_reset('tap.tok.sol@example.com');
SELECT pg_temp.mailed_token('tap.tok.sol@example.com', 'password_reset') AS sol_reset3 \gset
SELECT ok(auth_change_password(:sol, 'sol-password-2', 'sol-password-4'), 'Sol changes the password');
SELECT is(auth_reset_password(:'sol_reset3', 'sol-password-5'), false,
          'a reset token issued before a password change is void');

-- ---------------------------------------------------------------------------------
-- Email verification.
SET ROLE tap_tok_app;
SELECT auth_request_email_verification(:rita);
SELECT pg_temp.mailed_token('tap.tok.rita@example.com', 'email_verification') AS verify1 \gset
SELECT matches(:'verify1'::text, '^[A-Za-z0-9_-]{43}$', 'a verification token is 43 URL-safe characters');
SELECT throws_ok('SELECT auth_request_email_verification(-1)', '42704', 'user -1 does not exist',
                 'an unknown user is 42704');
SELECT throws_ok('SELECT auth_request_email_verification(NULL)', '22004', 'user_id must not be null',
                 'a NULL user is 22004');
SELECT is(auth_reset_password(:'verify1', 'rita-password-7'), false,
          'a verification token cannot reset a password');
SELECT auth_request_password_reset('tap.tok.rita@example.com');
SELECT pg_temp.mailed_token('tap.tok.rita@example.com', 'password_reset') AS reset5 \gset
SELECT is(auth_verify_email(:'reset5'), false, 'a reset token cannot verify an email');
RESET ROLE;
SELECT is((SELECT email_verified_at FROM auth.users WHERE id = :rita), NULL, 'not verified yet');
SET ROLE tap_tok_app;
SELECT is(auth_verify_email(:'verify1'), true, 'the verification token verifies the email');
SELECT is(auth_verify_email(:'verify1'), false, 'once');
SELECT is(auth_verify_email(NULL), false, 'a NULL token gives false');
SELECT is(auth_verify_email('not a token'), false, 'a malformed token gives false');
RESET ROLE;
SELECT ok((SELECT email_verified_at > now() - interval '1 minute' FROM auth.users WHERE id = :rita),
          'email_verified_at is set');
SELECT is((SELECT email_verified_at FROM auth.users WHERE id = :sol), NULL, 'Sol''s address is not verified');
SELECT is(auth_reset_password(:'reset5', 'rita-password-8'), true, 'the reset token still serves its own purpose');
-- A token issued to an address the user no longer has is refused.
SELECT auth_request_email_verification(:sol);
SELECT pg_temp.mailed_token('tap.tok.sol@example.com', 'email_verification') AS verify_sol \gset
UPDATE auth.users SET email = 'tap.tok.sol.new@example.com' WHERE id = :sol;
SELECT is(auth_verify_email(:'verify_sol'), false, 'a token for the old address does not verify the new one');
-- An expired verification token.
SELECT auth_request_email_verification(:sol);
SELECT pg_temp.mailed_token('tap.tok.sol.new@example.com', 'email_verification') AS verify_sol2 \gset
UPDATE auth.account_tokens SET expires_at = now() - interval '1 second'
WHERE token_hash = sha256(convert_to(:'verify_sol2', 'UTF8'));
SELECT is(auth_verify_email(:'verify_sol2'), false, 'an expired verification token gives false');
SELECT is((SELECT email_verified_at FROM auth.users WHERE id = :sol), NULL, 'and verifies nothing');
SELECT results_eq($$SELECT event FROM auth.audit_log WHERE user_id = $$ || :rita || $$ AND event LIKE 'email%' ORDER BY id$$,
                  $$VALUES ('email_verification_requested'), ('email_verified'), ('email_verification_refused')$$,
                  'verification events are recorded');

SELECT * FROM finish();
ROLLBACK;
