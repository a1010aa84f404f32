-- Passwords: verification, Unicode normalisation, length limits, rehash on success,
-- lockout through auth_verify_password, change, operator actions, and what is recorded.
BEGIN;
SELECT plan(91);

CREATE ROLE tap_pw_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_pw_operator NOLOGIN IN ROLE auth_admin;

\ir helpers.psql

SELECT auth_create_user('tap.pw.vera@example.com', 'vera-password-1') AS vera \gset
SELECT auth_create_user('tap.pw.ugo@example.com', 'ugo-password-1') AS ugo \gset

-- ---------------------------------------------------------------------------------
-- auth_verify_password, as an app calls it.
SET ROLE tap_pw_app;
SELECT is(auth_verify_password('tap.pw.vera@example.com', 'vera-password-1'), :vera::bigint,
          'auth_verify_password gives the user''s id for the right password');
SELECT is(auth_verify_password('TAP.PW.VERA@example.com', 'vera-password-1'), :vera::bigint,
          'the email matches in any case');
SELECT is(auth_verify_password('tap.pw.vera@example.com', 'vera-password-2'), NULL::bigint,
          'a wrong password gives NULL');
SELECT is(auth_verify_password('tap.pw.nobody@example.com', 'vera-password-1'), NULL::bigint,
          'an unknown email gives NULL');
SELECT is(auth_verify_password(NULL, 'vera-password-1'), NULL::bigint, 'a NULL email gives NULL');
SELECT is(auth_verify_password('tap.pw.vera@example.com', NULL), NULL::bigint, 'a NULL password gives NULL');
SELECT is(auth_verify_password('tap.pw.vera@example.com', ''), NULL::bigint, 'an empty password gives NULL');
SELECT is(auth_verify_password('tap.pw.vera@example.com', repeat('x', 1000000)), NULL::bigint,
          'a 1 MB password gives NULL and raises nothing');
SELECT is(auth_verify_password(repeat('e', 300) || '@example.com', 'vera-password-1'), NULL::bigint,
          'an over-long email gives NULL');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.user_sessions WHERE user_id = :vera), 0,
          'auth_verify_password opens no session');
SELECT is(pg_temp.failed_logins(:vera), 4,
          'the wrong, NULL, empty and 1 MB passwords each counted toward lockout');
SELECT results_eq($$SELECT event, detail->>'reason' FROM auth.audit_log
                    WHERE user_id = $$ || :vera || $$ AND event LIKE 'password_verif%' ORDER BY id$$,
                  $$VALUES ('password_verified', NULL), ('password_verified', NULL),
                           ('password_verify_failed', 'wrong_password'),
                           ('password_verify_failed', 'wrong_password'),
                           ('password_verify_failed', 'wrong_password'),
                           ('password_verify_failed', 'wrong_password')$$,
                  'each verification is recorded, failures with their reason');
SELECT results_eq($$SELECT detail->>'reason' FROM auth.audit_log WHERE user_id IS NULL AND event LIKE 'password_verif%'$$,
                  $$VALUES ('unknown_email'), ('unknown_email'), ('unknown_email')$$,
                  'a failure for an unknown, NULL or over-long email is recorded with reason unknown_email');
SELECT is(pg_temp.rows_holding('tap.pw.nobody'), 0::bigint, 'but not the email that was typed');
SELECT is(auth_verify_password('tap.pw.vera@example.com', 'vera-password-1'), :vera::bigint,
          'the right password again');
SELECT is(pg_temp.failed_logins(:vera), 0, 'a success resets the count');

-- ---------------------------------------------------------------------------------
-- Unicode: the same password typed composed (NFC) or decomposed (NFD) is one password.
SELECT auth_create_user('tap.pw.zoe@example.com', E'Z\u00f6e''s caf\u00e9 2024') AS zoe \gset
SELECT is(auth_verify_password('tap.pw.zoe@example.com', E'Z\u00f6e''s caf\u00e9 2024'), :zoe::bigint,
          'the password typed composed (NFC) verifies');
SELECT is(auth_verify_password('tap.pw.zoe@example.com', E'Zo\u0308e''s cafe\u0301 2024'), :zoe::bigint,
          'the same password typed decomposed (NFD) verifies');
SELECT ok(auth_login('tap.pw.zoe@example.com', E'Zo\u0308e''s cafe\u0301 2024') IS NOT NULL,
          'and logs in');
SELECT is(auth_verify_password('tap.pw.zoe@example.com', E'Zoe''s cafe 2024'), NULL::bigint,
          'the password without its accents is another password');
-- NFKC: full-width digits are the digits.
SELECT auth_create_user('tap.pw.kim@example.com', 'kim-password-42') AS kim \gset
SELECT is(auth_verify_password('tap.pw.kim@example.com', E'kim-password-\uff14\uff12'), :kim::bigint,
          'full-width digits match the plain ones (NFKC)');

-- ---------------------------------------------------------------------------------
-- Length limits: counted in characters (after NFKC), never truncated.
SET auth.password_max_length = 20;
-- About counting characters, not quality: one character repeated is refused by the
-- dictionary check (too few different characters), so it is off here.
SET auth.password_check = none;
SELECT lives_ok($$SELECT auth_create_user('tap.pw.max@example.com', repeat('m', 20))$$,
                'a password of exactly auth.password_max_length characters is accepted');
SELECT throws_ok($$SELECT auth_create_user('tap.pw.max1@example.com', repeat('m', 21))$$,
                 '22023', 'password must be at most 20 characters',
                 'one character more is refused with 22023, without echoing the password');
SELECT lives_ok($$SELECT auth_create_user('tap.pw.maxe@example.com', repeat(E'\u00e9', 20))$$,
                'twenty two-byte characters are twenty characters');
SELECT lives_ok($$SELECT auth_create_user('tap.pw.maxd@example.com', repeat(E'e\u0301', 20))$$,
                'twenty decomposed accents (forty code points as typed) are twenty characters after NFKC');
SELECT is(auth_verify_password('tap.pw.max@example.com', repeat('m', 20)),
          (SELECT id FROM auth.users WHERE email = 'tap.pw.max@example.com'), 'the 20-character password verifies');
SELECT is(auth_verify_password('tap.pw.max@example.com', repeat('m', 21)), NULL::bigint,
          'its 21-character extension does not (no truncation)');
SELECT is(auth_verify_password('tap.pw.maxe@example.com', repeat(E'e\u0301', 20)),
          (SELECT id FROM auth.users WHERE email = 'tap.pw.maxe@example.com'),
          'a password typed decomposed verifies against its composed twin');
RESET auth.password_max_length;
RESET auth.password_check;
SELECT throws_ok($$SELECT auth_create_user('tap.pw.short@example.com', 'seven77')$$,
                 '22023', 'password must be at least 8 characters', 'seven characters are too few');
SELECT throws_ok($$SELECT auth_create_user('tap.pw.short@example.com', '')$$,
                 '22023', 'password must be at least 8 characters', 'an empty password is refused');
SELECT throws_ok($$SELECT auth_create_user('tap.pw.short@example.com', NULL)$$,
                 '22004', 'password must not be null', 'a NULL password is refused');
SELECT throws_ok($$SELECT auth_create_user('tap.pw.big@example.com', repeat('x', 1000000))$$,
                 '22023', 'password must be at most 1024 characters', 'a 1 MB password is refused');

-- ---------------------------------------------------------------------------------
-- Rehash on success: a hash made at another cost is replaced at the next success.
SELECT password_hash AS vera_hash FROM auth.users WHERE id = :vera \gset
SELECT ok(:'vera_hash' LIKE '$argon2id$v=19$m=65536,t=2,p=1$%', 'the default cost is 64 MiB, t=2');
SET auth.pwhash_opslimit = 3;
SELECT is(auth_verify_password('tap.pw.vera@example.com', 'vera-password-2'), NULL::bigint,
          'a wrong password under a new cost setting');
SELECT is((SELECT password_hash FROM auth.users WHERE id = :vera), :'vera_hash',
          'a failed check leaves the hash alone');
SELECT is(auth_verify_password('tap.pw.vera@example.com', 'vera-password-1'), :vera::bigint,
          'the right password under the new cost setting');
SELECT ok((SELECT password_hash LIKE '$argon2id$v=19$m=65536,t=3,p=1$%' FROM auth.users WHERE id = :vera),
          'the hash was replaced by one at the new cost (t=3)');
SELECT is((SELECT detail FROM auth.audit_log WHERE user_id = :vera AND event = 'password_rehashed'),
          '{"from": "argon2id", "imported": false}'::jsonb, 'the upgrade is recorded, without the hash');
SELECT password_hash AS vera_hash3 FROM auth.users WHERE id = :vera \gset
SELECT is(auth_verify_password('tap.pw.vera@example.com', 'vera-password-1'), :vera::bigint,
          'the new hash verifies');
SELECT is((SELECT password_hash FROM auth.users WHERE id = :vera), :'vera_hash3',
          'a hash at the current cost is not replaced again');
RESET auth.pwhash_opslimit;
SELECT ok(auth_login('tap.pw.vera@example.com', 'vera-password-1') IS NOT NULL,
          'auth_login succeeds and upgrades too');
SELECT ok((SELECT password_hash LIKE '$argon2id$v=19$m=65536,t=2,p=1$%' FROM auth.users WHERE id = :vera),
          'back at the default cost after the login');
-- On a primary, a READ ONLY transaction (which any client may open) gets no answer
-- (NULL and a WARNING, never an error): counting nothing there would allow guessing
-- without lockout. (On a hot standby the check answers and counts nothing:
-- test/standby/hot_standby.sh.)
SET auth.pwhash_opslimit = 3;
SAVEPOINT tap_pw_read_only;
SET LOCAL transaction_read_only = on;
SELECT is(auth_verify_password('tap.pw.vera@example.com', 'vera-password-9'), NULL::bigint,
          'auth_verify_password gives NULL in a READ ONLY transaction on the primary');
SELECT is(auth_verify_password('tap.pw.vera@example.com', 'vera-password-1'), NULL::bigint,
          'even with the right password');
SELECT is(auth_login('tap.pw.vera@example.com', 'vera-password-1'), NULL, 'and auth_login too');
ROLLBACK TO SAVEPOINT tap_pw_read_only;
SELECT ok((SELECT password_hash LIKE '$argon2id$v=19$m=65536,t=2,p=1$%' AND pg_temp.failed_logins(id) = 0
           FROM auth.users WHERE id = :vera),
          'read-only: no upgrade, no failure counted');
RESET auth.pwhash_opslimit;
-- A locked user's right password costs one hash, like a wrong one: no upgrade is made.
SELECT pg_temp.lock_out('tap.pw.ugo@example.com');
SET auth.pwhash_opslimit = 3;
SELECT is(auth_verify_password('tap.pw.ugo@example.com', 'ugo-password-1'), NULL::bigint,
          'a locked user''s right password gives NULL');
SELECT ok((SELECT password_hash LIKE '$argon2id$v=19$m=65536,t=2,p=1$%' FROM auth.users WHERE id = :ugo),
          'and its hash is not upgraded while locked');
RESET auth.pwhash_opslimit;

-- ---------------------------------------------------------------------------------
-- Lockout through auth_verify_password, and auth_unlock_user.
SELECT auth_unlock_user(:ugo);
SET auth.max_failed_logins = 3;
SELECT is(auth_verify_password('tap.pw.ugo@example.com', 'wrong ' || n), NULL::bigint,
          'failed verification ' || n)
FROM generate_series(1, 3) n;
SELECT ok(pg_temp.locked_until(:ugo) > now(),
          'three failed verifications lock the account');
SELECT is(auth_verify_password('tap.pw.ugo@example.com', 'ugo-password-1'), NULL::bigint,
          'while locked the right password gives NULL');
SELECT is(auth_login('tap.pw.ugo@example.com', 'ugo-password-1'), NULL, 'and no login either');
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE user_id = :ugo ORDER BY id DESC LIMIT 1),
          'locked', 'the refusal is recorded with reason locked');
SET ROLE tap_pw_app;
SELECT throws_ok(format('SELECT auth_unlock_user(%s)', :ugo), '42501', NULL,
                 'an auth_client member may not unlock a user');
RESET ROLE;
SET ROLE tap_pw_operator;
SELECT lives_ok(format('SELECT auth_unlock_user(%s)', :ugo), 'an auth_admin member unlocks the user');
SELECT throws_ok('SELECT auth_unlock_user(-1)', '42704', 'user -1 does not exist', 'an unknown user is 42704');
SELECT throws_ok('SELECT auth_unlock_user(NULL)', '22004', 'user_id must not be null', 'a NULL user is 22004');
RESET ROLE;
SELECT is(auth_verify_password('tap.pw.ugo@example.com', 'ugo-password-1'), :ugo::bigint,
          'after the unlock the right password works');
SELECT is((SELECT detail FROM auth.audit_log WHERE user_id = :ugo AND event = 'user_unlocked' ORDER BY id DESC LIMIT 1),
          '{"was_locked": true}'::jsonb, 'the unlock is recorded');
RESET auth.max_failed_logins;

-- ---------------------------------------------------------------------------------
-- auth_change_password: needs the old password, ends every session but the one kept.
SELECT auth_login('tap.pw.ugo@example.com', 'ugo-password-1') AS ugo_s1 \gset
SELECT auth_login('tap.pw.ugo@example.com', 'ugo-password-1') AS ugo_s2 \gset
SELECT auth_login('tap.pw.ugo@example.com', 'ugo-password-1') AS ugo_s3 \gset
SET ROLE tap_pw_app;
SELECT is(auth_change_password(:ugo, 'not the old one', 'ugo-password-2', :'ugo_s1'), false,
          'a wrong old password gives false');
SELECT is(auth_session_user(:'ugo_s2'), :ugo::bigint, 'and ends no session');
SELECT throws_ok(format('SELECT auth_change_password(%s, %L, %L)', :ugo, 'ugo-password-1', 'short'),
                 '22023', 'new_password must be at least 8 characters',
                 'a new password the policy refuses is 22023 naming new_password');
SELECT throws_ok(format('SELECT auth_change_password(%s, %L, NULL)', :ugo, 'ugo-password-1'),
                 '22004', 'new_password must not be null', 'a NULL new password is 22004');
SELECT throws_ok(format('SELECT auth_change_password(-1, %L, %L)', 'ugo-password-1', 'ugo-password-2'),
                 '42704', 'user -1 does not exist', 'an unknown user is 42704');
SELECT is(auth_change_password(:ugo, 'ugo-password-1', 'ugo-password-2', :'ugo_s1'), true,
          'the right old password changes it');
SELECT is(auth_session_user(:'ugo_s1'), :ugo::bigint, 'the session passed as keep_session lives on');
SELECT is(auth_session_user(:'ugo_s2'), NULL::bigint, 'another session ended');
SELECT is(auth_session_user(:'ugo_s3'), NULL::bigint, 'a third session ended too');
SELECT is(auth_verify_password('tap.pw.ugo@example.com', 'ugo-password-1'), NULL::bigint,
          'the old password no longer works');
SELECT is(auth_verify_password('tap.pw.ugo@example.com', 'ugo-password-2'), :ugo::bigint, 'the new one does');
SELECT is(auth_change_password(:ugo, 'ugo-password-2', 'ugo-password-3'), true, 'without keep_session');
SELECT is(auth_session_user(:'ugo_s1'), NULL::bigint, 'every session ends');
RESET ROLE;
SELECT is((SELECT detail FROM auth.audit_log WHERE user_id = :ugo AND event = 'password_changed' ORDER BY id LIMIT 1),
          '{"session_kept": true, "sessions_ended": 2}'::jsonb, 'the change is recorded with the sessions ended');
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE user_id = :ugo AND event = 'password_change_failed'),
          'wrong_password', 'the failed change is recorded');

-- ---------------------------------------------------------------------------------
-- auth_set_password and auth_set_active (admin).
SELECT auth_login('tap.pw.kim@example.com', 'kim-password-42') AS kim_s \gset
SET ROLE tap_pw_app;
SELECT throws_ok(format('SELECT auth_set_password(%s, %L)', :kim, 'kim-password-43'), '42501', NULL,
                 'an auth_client member may not set a password');
SELECT throws_ok(format('SELECT auth_set_active(%s, false)', :kim), '42501', NULL,
                 'an auth_client member may not deactivate a user');
RESET ROLE;
SET ROLE tap_pw_operator;
SELECT lives_ok(format('SELECT auth_set_password(%s, %L)', :kim, 'kim-password-43'),
                'an operator sets a password');
SELECT throws_ok(format('SELECT auth_set_password(%s, %L)', :kim, 'short'), '22023',
                 'password must be at least 8 characters', 'the policy holds for operators too');
RESET ROLE;
SELECT is(auth_session_user(:'kim_s'), NULL::bigint, 'setting a password ended the user''s sessions');
SELECT is(auth_verify_password('tap.pw.kim@example.com', 'kim-password-43'), :kim::bigint,
          'the password set works');
SELECT auth_login('tap.pw.kim@example.com', 'kim-password-43') AS kim_s2 \gset
SET ROLE tap_pw_operator;
SELECT lives_ok(format('SELECT auth_set_active(%s, false)', :kim), 'an operator deactivates a user');
SELECT throws_ok(format('SELECT auth_set_active(%s, NULL)', :kim), '22004', 'active must not be null',
                 'a NULL active is 22004');
RESET ROLE;
SELECT is(auth_session_user(:'kim_s2'), NULL::bigint, 'deactivation ended the sessions');
SELECT is((SELECT count(*)::int FROM auth.user_sessions WHERE user_id = :kim AND revoked_at IS NULL), 0,
          'no session of the user is left unrevoked');
SELECT is(auth_verify_password('tap.pw.kim@example.com', 'kim-password-43'), NULL::bigint,
          'an inactive user''s right password gives NULL');
SELECT auth_set_active(:kim, true);
SELECT is(auth_verify_password('tap.pw.kim@example.com', 'kim-password-43'), :kim::bigint,
          'reactivated, the user verifies again');

-- ---------------------------------------------------------------------------------
-- No secret anywhere in the tables, the audit log included.
SELECT is(pg_temp.rows_holding(p), 0::bigint, 'no row of any auth table holds a password used here')
FROM (VALUES ('vera-password-1'), ('ugo-password-2'), ('kim-password-43')) v(p);

SELECT * FROM finish();
ROLLBACK;
