-- Lockout and token expiry read the clock, not the transaction's start: a transaction
-- that began longer ago than auth.lockout_duration still locks an account for the full
-- duration, and a reset token that has since expired is refused.
BEGIN;
\ir helpers.psql
SELECT plan(6);

SELECT auth_create_user('tap.clock.lea@example.com', 'lea-password-1') AS lea \gset
SELECT auth_create_user('tap.clock.max@example.com', 'max-password-1') AS max \gset
SET LOCAL auth.lockout_duration = '2s';
SET LOCAL auth.max_failed_logins = 2;

-- The transaction is now older than the lockout duration.
SELECT pg_sleep(2.5);
SELECT is(auth_verify_password('tap.clock.lea@example.com', 'wrong ' || n), NULL::bigint,
          'failed verification ' || n || ' in an old transaction')
FROM generate_series(1, 2) n;
SELECT ok(pg_temp.locked_until(:lea) > clock_timestamp() + interval '1 second',
          'the lock ends auth.lockout_duration after the failure, not after the transaction began');
SELECT is(auth_verify_password('tap.clock.lea@example.com', 'lea-password-1'), NULL::bigint,
          'right after the lock the right password is refused');
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE user_id = :lea ORDER BY id DESC LIMIT 1),
          'locked', 'and the refusal is recorded as locked');

-- A reset token that expired after the transaction began is refused.
SET LOCAL auth.reset_token_ttl = '1s';
SELECT auth_request_password_reset('tap.clock.max@example.com');
SELECT pg_temp.mailed_token('tap.clock.max@example.com', 'password_reset') AS reset \gset
SELECT pg_sleep(1.5);
SELECT is(auth_reset_password(:'reset', 'max-password-2'), false,
          'a reset token past its expiry is refused though the transaction began before it');

SELECT * FROM finish();
ROLLBACK;
