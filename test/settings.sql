-- Settings (auth.*): their defaults, that only a superuser may change them, that the
-- prefix is reserved, and that each one does what it says.
BEGIN;
\ir helpers.psql
SELECT plan(42);

CREATE ROLE tap_settings_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_settings_operator NOLOGIN IN ROLE auth_admin;
-- The settings exist once the library is loaded: call a C function to be sure it is.
SELECT auth_logout(NULL) \g /dev/null

-- ---------------------------------------------------------------------------------
-- Defaults.
SELECT is(current_setting('auth.pwhash_opslimit'), '2', 'auth.pwhash_opslimit defaults to 2');
SELECT is(current_setting('auth.pwhash_memlimit'), '64MB', 'auth.pwhash_memlimit defaults to 64MB');
SELECT is(current_setting('auth.password_min_length'), '8', 'auth.password_min_length defaults to 8');
SELECT is(current_setting('auth.password_max_length'), '1024', 'auth.password_max_length defaults to 1024');
SELECT is(current_setting('auth.session_ttl'), '30d', 'auth.session_ttl defaults to 30 days');
SELECT is(current_setting('auth.session_idle_timeout'), '1d', 'auth.session_idle_timeout defaults to 24 hours');
SELECT is(current_setting('auth.max_failed_logins'), '10', 'auth.max_failed_logins defaults to 10');
SELECT is(current_setting('auth.lockout_duration'), '15min', 'auth.lockout_duration defaults to 15 minutes');

-- Superuser-only, reserved prefix.
SELECT is_empty($$SELECT name FROM pg_settings WHERE name LIKE 'auth.%' AND context <> 'superuser'
                  AND NOT (name = 'auth.max_concurrent_hashes' AND context = 'sighup')$$,
                'every auth.* setting is superuser-only (PGC_SUSET; the server-wide bound on hashes, PGC_SIGHUP)');
SELECT throws_ok('SET auth.sesion_ttl = 60', '42602', 'invalid configuration parameter name "auth.sesion_ttl"',
                 'a misspelt auth.* setting is an error (reserved prefix)');
SET ROLE tap_settings_app;
SELECT throws_ok(format('SET %s = %s', s, v), '42501', format('permission denied to set parameter "%s"', s),
                 'an auth_client member may not SET ' || s)
FROM (VALUES ('auth.pwhash_opslimit', '1'), ('auth.pwhash_memlimit', '8'), ('auth.password_min_length', '1'),
             ('auth.password_max_length', '1048576'), ('auth.session_ttl', '999999999'),
             ('auth.session_idle_timeout', '999999999'), ('auth.max_failed_logins', '0'),
             ('auth.lockout_duration', '1')) AS v(s, v);
SELECT throws_ok($$SELECT set_config('auth.max_failed_logins', '0', true)$$, '42501',
                 'permission denied to set parameter "auth.max_failed_logins"',
                 'nor through set_config()');
RESET ROLE;
SET ROLE tap_settings_operator;
SELECT throws_ok('SET LOCAL auth.pwhash_opslimit = 1', '42501', 'permission denied to set parameter "auth.pwhash_opslimit"',
                 'an auth_admin member may not lower the hashing cost');
RESET ROLE;
SELECT is(current_setting('auth.max_failed_logins'), '10', 'the refused SETs changed nothing');

-- ---------------------------------------------------------------------------------
-- Each setting does what it says (as the superuser, SET LOCAL, then RESET).
SET LOCAL auth.password_min_length = 12;
SELECT throws_ok($$SELECT auth_create_user('tap.settings.min@example.com', 'elevenchars')$$, '22023',
                 'password must be at least 12 characters', 'auth.password_min_length = 12 refuses 11 characters');
SELECT lives_ok($$SELECT auth_create_user('tap.settings.min@example.com', 'twelve-chars')$$,
                'auth.password_min_length = 12 accepts 12 characters');
RESET auth.password_min_length;

SET LOCAL auth.password_max_length = 16;
SELECT throws_ok($$SELECT auth_create_user('tap.settings.max@example.com', 'seventeen-chars!!')$$, '22023',
                 'password must be at most 16 characters', 'auth.password_max_length = 16 refuses 17 characters');
SELECT isnt(auth_login('tap.settings.min@example.com', 'twelve-chars'), NULL,
            'with auth.password_max_length = 16, a 12-character password still logs in');
RESET auth.password_max_length;

SET LOCAL auth.pwhash_opslimit = 3;
SELECT auth_create_user('tap.settings.t3@example.com', 'cost-three-pass') AS t3 \gset
RESET auth.pwhash_opslimit;
SELECT ok(starts_with((SELECT password_hash FROM auth.users WHERE id = :t3), '$argon2id$v=19$m=65536,t=3,p=1$'),
          'auth.pwhash_opslimit = 3 makes hashes with t=3');
SET LOCAL auth.pwhash_memlimit = '128MB';
SELECT auth_create_user('tap.settings.m128@example.com', 'memory-128-pass') AS m128 \gset
RESET auth.pwhash_memlimit;
SELECT ok(starts_with((SELECT password_hash FROM auth.users WHERE id = :m128), '$argon2id$v=19$m=131072,t=2,p=1$'),
          'auth.pwhash_memlimit = 128MB makes hashes with m=131072');
-- A hash made at other settings still verifies.
SELECT isnt(auth_login('tap.settings.t3@example.com', 'cost-three-pass'), NULL,
            'a hash made with t=3 verifies after the setting is back to 2');
SELECT isnt(auth_login('tap.settings.m128@example.com', 'memory-128-pass'), NULL,
            'a hash made with 128 MiB verifies after the setting is back to 64MB');

SET LOCAL auth.session_ttl = '1h';
SELECT auth_login('tap.settings.min@example.com', 'twelve-chars') AS tok_ttl \gset
RESET auth.session_ttl;
SELECT is((SELECT expires_at - created_at FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'tok_ttl', 'UTF8'))),
          interval '1 hour', 'auth.session_ttl = 1h makes sessions that last an hour');

SELECT auth_login('tap.settings.min@example.com', 'twelve-chars') AS tok_idle \gset
UPDATE auth.user_sessions SET last_used_at = now() - interval '11 minutes'
WHERE token_hash = sha256(convert_to(:'tok_idle', 'UTF8'));
SELECT is(auth_session_user(:'tok_idle'), auth_user_id('tap.settings.min@example.com'),
          'a session idle for 11 minutes is valid at the default idle timeout');
UPDATE auth.user_sessions SET last_used_at = now() - interval '11 minutes'
WHERE token_hash = sha256(convert_to(:'tok_idle', 'UTF8'));
SET LOCAL auth.session_idle_timeout = '10min';
SELECT is(auth_session_user(:'tok_idle'), NULL, 'with auth.session_idle_timeout = 10min it is not');
UPDATE auth.user_sessions SET last_used_at = now() - interval '9 minutes'
WHERE token_hash = sha256(convert_to(:'tok_idle', 'UTF8'));
SELECT is(auth_session_user(:'tok_idle'), auth_user_id('tap.settings.min@example.com'),
          'with auth.session_idle_timeout = 10min a session idle for 9 minutes is valid');
RESET auth.session_idle_timeout;

-- Lockout after 3, for an hour.
SELECT auth_create_user('tap.settings.lock@example.com', 'lock-password') AS lock_user \gset
SET LOCAL auth.max_failed_logins = 3;
SET LOCAL auth.lockout_duration = '1h';
SELECT is(auth_login('tap.settings.lock@example.com', 'wrong-' || i), NULL, 'wrong password ' || i || ' of 3')
FROM generate_series(1, 2) i;
SELECT is(pg_temp.locked_until(:lock_user), NULL, 'not locked after 2 of 3');
SELECT is(auth_login('tap.settings.lock@example.com', 'wrong-3'), NULL, 'wrong password 3 of 3');
SELECT ok(pg_temp.locked_until(:lock_user) - now() BETWEEN interval '1 hour' AND interval '1 hour' + (clock_timestamp() - now()),
          'auth.max_failed_logins = 3 locks after 3 failures, for auth.lockout_duration = 1h');
SELECT is(auth_login('tap.settings.lock@example.com', 'lock-password'), NULL, 'locked: the right password gives NULL');
RESET auth.max_failed_logins;
RESET auth.lockout_duration;

-- auth.max_failed_logins = 0: never locked.
SELECT auth_create_user('tap.settings.nolock@example.com', 'nolock-password') AS nolock \gset
SET LOCAL auth.max_failed_logins = 0;
SELECT is(count(auth_login('tap.settings.nolock@example.com', 'wrong-' || i)), 0::bigint, '12 wrong passwords give NULL')
FROM generate_series(1, 12) i;
SELECT is((pg_temp.failed_logins(:nolock), pg_temp.locked_until(:nolock) IS NULL)::text, (12, true)::text,
          'auth.max_failed_logins = 0: 12 failures are counted and nothing is locked');
SELECT isnt(auth_login('tap.settings.nolock@example.com', 'nolock-password'), NULL,
            'auth.max_failed_logins = 0: the right password works after 12 failures');
RESET auth.max_failed_logins;

SELECT * FROM finish();
ROLLBACK;
