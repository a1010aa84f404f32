-- Sessions: auth_login, auth_session_user, auth_logout; failed logins, lockout, expiry,
-- and what is stored (only the token's SHA-256; no secret in the audit log).
BEGIN;
SELECT plan(108);

CREATE ROLE tap_sess_app NOLOGIN IN ROLE auth_signin;

\ir helpers.psql

-- Users and a product (as the superuser).
SELECT auth_create_user('tap.sess.sam@example.com', 'sam-password-1') AS sam \gset
SELECT auth_create_user('tap.sess.lou@example.com', 'lou-password-1') AS lou \gset
SELECT auth_create_user('tap.sess.ida@example.com', 'ida-password-1') AS ida \gset
SELECT auth_create_product('TapSess Product') \g /dev/null
SELECT auth_create_role('TapSess Product', 'member') \g /dev/null
SELECT auth_grant(:sam, 'TapSess Product', 'member') \g /dev/null

-- ---------------------------------------------------------------------------------
-- A login, as an app does it.
SET ROLE tap_sess_app;
SELECT auth_login('tap.sess.sam@example.com', 'sam-password-1') AS tok1 \gset
SELECT matches(:'tok1'::text, '^[A-Za-z0-9_-]{43}$', 'auth_login returns a 43-character URL-safe token');
SELECT auth_login('TAP.SESS.SAM@example.com', 'sam-password-1', NULL, 'TapBrowser 1.0 on TapOS', '203.0.113.7')
    AS tok2 \gset
SELECT matches(:'tok2'::text, '^[A-Za-z0-9_-]{43}$', 'a login with the email in another case works');
SELECT isnt(:'tok1'::text, :'tok2'::text, 'two logins give different tokens');
SELECT is(auth_session_user(:'tok1'), :sam::bigint, 'auth_session_user gives the user of the first token');
SELECT is(auth_session_user(:'tok2'), :sam::bigint, 'auth_session_user gives the user of the second token');
RESET ROLE;

-- What is stored.
SELECT is((SELECT user_id FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'tok1', 'UTF8'))),
          :sam::bigint, 'the session is stored under the SHA-256 of the token');
SELECT is(pg_temp.rows_holding(:'tok1'), 0::bigint, 'no row of any auth table holds the first token');
SELECT is(pg_temp.rows_holding(:'tok2'), 0::bigint, 'no row of any auth table holds the second token');
SELECT is(pg_temp.rows_holding(encode(decode(translate(:'tok1', '-_', '+/') || '=', 'base64'), 'hex')),
          0::bigint, 'no row holds the token''s decoded bytes');
SELECT is((SELECT (device_info, client_ip)::text FROM auth.user_sessions
           WHERE token_hash = sha256(convert_to(:'tok2', 'UTF8'))),
          ('TapBrowser 1.0 on TapOS', '203.0.113.7'::inet)::text, 'device_info and client_ip are stored');
SELECT is((SELECT expires_at - created_at FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'tok1', 'UTF8'))),
          interval '30 days', 'a session lasts auth.session_ttl (30 days by default)');
SELECT is((SELECT count(*)::int FROM auth.user_sessions WHERE user_id = :sam AND revoked_at IS NULL), 2,
          'two live sessions for two logins');
SELECT isnt((SELECT last_login_at FROM auth.users WHERE id = :sam), NULL, 'a login sets last_login_at');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'login' AND user_id = :sam AND db_role = 'tap_sess_app'),
          2, 'each login writes a login audit row naming the app''s role');

-- ---------------------------------------------------------------------------------
-- Failed logins: NULL, never an error; counted and audited.
SET ROLE tap_sess_app;
SELECT is(auth_login('tap.sess.sam@example.com', 'wrong-password-1'), NULL, 'a wrong password gives NULL');
SELECT is(auth_login('tap.sess.nobody@example.com', 'sam-password-1'), NULL, 'an unknown email gives NULL');
SELECT is(auth_login(NULL, 'sam-password-1'), NULL, 'a NULL email gives NULL');
SELECT is(auth_login('tap.sess.sam@example.com', NULL), NULL, 'a NULL password gives NULL');
SELECT is(auth_login('tap.sess.sam@example.com', ''), NULL, 'an empty password gives NULL');
SELECT is(auth_login('tap.sess.sam@example.com', repeat('p', 1048576)), NULL, 'a 1 MB password gives NULL');
SELECT is(auth_login(repeat('e', 300) || '@example.com', 'sam-password-1'), NULL, 'an over-long email gives NULL');
SELECT is(auth_login('tap.sess.sam@example.com', 'sam-password-1 '), NULL,
          'the password with a trailing space gives NULL (no trimming)');
SELECT is(auth_login('tap.sess.sam@example.com', 'SAM-PASSWORD-1'), NULL, 'the password in another case gives NULL');
SELECT lives_ok($$SELECT auth_login('tap.sess.sam@example.com', E'\\x00\\xff not a password')$$,
                'a password of backslash escapes, taken literally, raises nothing');
RESET ROLE;
SELECT is(pg_temp.failed_logins(:sam), 7,
          'each failed password for a known user (wrong, NULL, empty, 1 MB...) counts one failed login');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'login_failed' AND user_id = :sam
           AND detail->>'reason' = 'wrong_password'), 7, 'each wrong password writes a login_failed audit row');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'login_failed' AND user_id IS NULL
           AND detail->>'reason' = 'unknown_email'), 3, 'an unknown or missing email is audited as unknown_email');
SELECT is(pg_temp.rows_holding('tap.sess.nobody@example.com'), 0::bigint,
          'an unknown email is not recorded anywhere (it may be a password typed in the wrong field)');
SELECT is(pg_temp.rows_holding('wrong-password-1'), 0::bigint, 'the wrong password is stored nowhere');
SELECT is(pg_temp.rows_holding('sam-password-1'), 0::bigint, 'the right password is stored nowhere');

-- A success resets the count.
SET ROLE tap_sess_app;
SELECT isnt(auth_login('tap.sess.sam@example.com', 'sam-password-1'), NULL, 'the right password still works');
RESET ROLE;
SELECT is(pg_temp.failed_logins(:sam), 0, 'a successful login resets failed_logins to 0');

-- ---------------------------------------------------------------------------------
-- Products named at login.
SET ROLE tap_sess_app;
SELECT isnt(auth_login('tap.sess.sam@example.com', 'sam-password-1', 'TapSess Product'), NULL,
            'a member of the product named gets a token');
SELECT is(auth_login('tap.sess.lou@example.com', 'lou-password-1', 'TapSess Product'), NULL,
          'a user with no membership in the product named gets NULL');
SELECT is(auth_login('tap.sess.sam@example.com', 'sam-password-1', 'No Such TapSess Product'), NULL,
          'an unknown product gives NULL');
RESET ROLE;
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE event = 'login_failed' AND user_id = :lou),
          'not_a_member', 'the refused login is audited as not_a_member');
SELECT is(pg_temp.failed_logins(:lou), 0,
          'a refused login with the right password counts no failed login');
SELECT is((SELECT p.name FROM auth.user_sessions s JOIN auth.products p ON p.id = s.product_id
           WHERE s.user_id = :sam AND s.product_id IS NOT NULL), 'TapSess Product',
          'the session records the product named at login');
UPDATE auth.user_products SET status = 'suspended' WHERE user_id = :sam;
SET ROLE tap_sess_app;
SELECT is(auth_login('tap.sess.sam@example.com', 'sam-password-1', 'TapSess Product'), NULL,
          'a suspended member of the product named gets NULL');
RESET ROLE;
UPDATE auth.user_products SET status = 'active' WHERE user_id = :sam;

-- ---------------------------------------------------------------------------------
-- A login writes: in a read-only transaction it answers NULL with a WARNING, before any
-- work, and never raises.
SELECT is(pg_temp.error_in_read_only($$SELECT auth_login('tap.sess.sam@example.com', 'sam-password-1')$$), 'none',
          'auth_login in a READ ONLY transaction raises nothing (NULL and a WARNING)');

-- Lockout: 10 consecutive failures lock the account.
SET ROLE tap_sess_app;
SELECT is(count(auth_login('tap.sess.lou@example.com', 'lou-wrong-' || i)), 0::bigint,
          '9 wrong passwords all give NULL')
FROM generate_series(1, 9) i;
RESET ROLE;
SELECT is((pg_temp.failed_logins(:lou), pg_temp.locked_until(:lou) IS NULL)::text, (9, true)::text,
          'after 9 failures: 9 counted, not locked');
SET ROLE tap_sess_app;
SELECT is(auth_login('tap.sess.lou@example.com', 'lou-wrong-10'), NULL, 'the 10th wrong password gives NULL');
RESET ROLE;
SELECT cmp_ok(pg_temp.locked_until(:lou), '>', now(),
              'after 10 consecutive failures the account is locked');
SELECT ok(pg_temp.locked_until(:lou) - now() BETWEEN interval '15 minutes' AND interval '15 minutes' + (clock_timestamp() - now()),
          'for auth.lockout_duration (15 minutes by default)');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'user_locked' AND user_id = :lou), 1,
          'the lock writes one user_locked audit row');
SET ROLE tap_sess_app;
SELECT is(auth_login('tap.sess.lou@example.com', 'lou-password-1'), NULL, 'a locked account: even the right password gives NULL');
RESET ROLE;
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE event = 'login_failed' AND user_id = :lou
           ORDER BY id DESC LIMIT 1), 'locked', 'the refused login is audited as locked');
SET ROLE tap_sess_app;
SELECT is(count(auth_login('tap.sess.lou@example.com', 'lou-wrong-locked-' || i)), 0::bigint,
          'wrong passwords while locked give NULL')
FROM generate_series(1, 3) i;
RESET ROLE;
SELECT is(pg_temp.failed_logins(:lou), 0,
          'failures while locked are not counted toward the next lock');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'login_failed' AND user_id = :lou
           AND detail->>'reason' = 'locked'), 4, 'each is audited with reason locked');
-- Let the lock pass: locked again for one second, which then passes.
SELECT auth_unlock_user(:lou) \g /dev/null
SET auth.lockout_duration = '1s';
SELECT pg_temp.lock_out('tap.sess.lou@example.com');
RESET auth.lockout_duration;
SELECT pg_sleep(1.1);
SET ROLE tap_sess_app;
SELECT auth_login('tap.sess.lou@example.com', 'lou-password-1') AS tok_lou \gset
SELECT isnt(:'tok_lou'::text, '', 'once the lock has passed, the right password works again');
RESET ROLE;
SELECT is((pg_temp.failed_logins(:lou), pg_temp.locked_until(:lou) IS NULL)::text, (0, true)::text,
          'and the success clears the count and the lock');

-- ---------------------------------------------------------------------------------
-- Inactive users.
SET ROLE tap_sess_app;
SELECT auth_login('tap.sess.ida@example.com', 'ida-password-1') AS tok_ida \gset
SELECT is(auth_session_user(:'tok_ida'), :ida::bigint, 'ida''s session works while she is active');
RESET ROLE;
UPDATE auth.users SET is_active = false WHERE id = :ida;
SET ROLE tap_sess_app;
SELECT is(auth_session_user(:'tok_ida'), NULL, 'the session of a deactivated user gives NULL');
SELECT is(auth_login('tap.sess.ida@example.com', 'ida-password-1'), NULL, 'an inactive user cannot log in');
RESET ROLE;
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE event = 'login_failed' AND user_id = :ida),
          'inactive', 'the refused login is audited as inactive');

-- ---------------------------------------------------------------------------------
-- auth_session_user for anything that is not a live token: NULL.
SET ROLE tap_sess_app;
SELECT is(auth_session_user(NULL), NULL, 'auth_session_user(NULL) is NULL');
SELECT is(auth_session_user(''), NULL, 'auth_session_user('''') is NULL');
SELECT is(auth_session_user(repeat('A', 10000)), NULL, 'a 10,000-character string is NULL');
SELECT is(auth_session_user(repeat('*', 43)), NULL, 'a 43-character non-base64 string is NULL');
SELECT is(auth_session_user(repeat('é', 43)), NULL, '43 multi-byte characters are NULL');
SELECT is(auth_session_user(left(:'tok1', 42) || '='), NULL, 'a token with padding in place of its last character is NULL');
SELECT is(auth_session_user(overlay(:'tok1' PLACING CASE WHEN left(:'tok1', 1) = 'A' THEN 'B' ELSE 'A' END FROM 1 FOR 1)),
          NULL, 'the token with its first character changed is NULL');
SELECT is(auth_session_user(overlay(:'tok1' PLACING CASE WHEN substr(:'tok1', 20, 1) = 'x' THEN 'y' ELSE 'x' END FROM 20 FOR 1)),
          NULL, 'the token with a middle character changed is NULL');
SELECT is(auth_session_user(upper(:'tok1')), CASE WHEN upper(:'tok1') = :'tok1' THEN :sam::bigint END,
          'the token in upper case is NULL');
SELECT is(auth_session_user(:'tok1' || ' '), NULL, 'the token with a trailing space is NULL');
SELECT is(auth_session_user(' ' || :'tok1'), NULL, 'the token with a leading space is NULL');
SELECT is(auth_session_user(left(:'tok1', 42)), NULL, 'the token cut short is NULL');
SELECT is(auth_session_user(:'tok1' || 'A'), NULL, 'the token with a character added is NULL');
SELECT is(auth_session_user(encode(sha256(convert_to(:'tok1', 'UTF8')), 'hex')), NULL,
          'the token''s hash (hex) is not a token');
SELECT is(auth_session_user(:'tok1'), :sam::bigint, 'the real token still works');
RESET ROLE;

-- Expiry and idle timeout.
SET ROLE tap_sess_app;
SELECT auth_login('tap.sess.sam@example.com', 'sam-password-1') AS tok_exp \gset
SELECT auth_login('tap.sess.sam@example.com', 'sam-password-1') AS tok_idle \gset
SELECT auth_login('tap.sess.sam@example.com', 'sam-password-1') AS tok_recent \gset
RESET ROLE;
UPDATE auth.user_sessions SET expires_at = now() - interval '1 second'
WHERE token_hash = sha256(convert_to(:'tok_exp', 'UTF8'));
UPDATE auth.user_sessions SET last_used_at = now() - interval '25 hours'
WHERE token_hash = sha256(convert_to(:'tok_idle', 'UTF8'));
UPDATE auth.user_sessions SET last_used_at = now() - interval '23 hours'
WHERE token_hash = sha256(convert_to(:'tok_recent', 'UTF8'));
SET ROLE tap_sess_app;
SELECT is(auth_session_user(:'tok_exp'), NULL, 'an expired session gives NULL');
SELECT is(auth_session_user(:'tok_idle'), NULL, 'a session idle for 25 hours gives NULL');
SELECT is(auth_session_user(:'tok_recent'), :sam::bigint, 'a session idle for 23 hours still works');
RESET ROLE;
SELECT ok((SELECT last_used_at BETWEEN now() AND statement_timestamp() FROM auth.user_sessions
           WHERE token_hash = sha256(convert_to(:'tok_recent', 'UTF8'))),
          'using a session refreshes its last_used_at to the time of that statement');

-- ---------------------------------------------------------------------------------
-- Logout.
SET ROLE tap_sess_app;
SELECT is(auth_logout(:'tok1'), true, 'auth_logout returns true for a live session');
SELECT is(auth_logout(:'tok1'), false, 'auth_logout returns false for the same token again');
SELECT is(auth_session_user(:'tok1'), NULL, 'the token no longer works after logout');
SELECT is(auth_session_user(:'tok2'), :sam::bigint, 'the user''s other session still works');
SELECT is(auth_logout(repeat('A', 43)), false, 'auth_logout of an unknown well-formed token returns false');
SELECT is(auth_logout(NULL), false, 'auth_logout(NULL) returns false');
SELECT is(auth_logout(''), false, 'auth_logout('''') returns false');
SELECT is(auth_logout(repeat('x', 10000)), false, 'auth_logout of a 10,000-character string returns false');
SELECT is(auth_logout(:'tok_ida'), false, 'a deactivated user''s session was already ended by the deactivation');
RESET ROLE;
SELECT isnt((SELECT revoked_at FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'tok1', 'UTF8'))), NULL,
            'logout sets revoked_at');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'logout' AND user_id = :sam), 1,
          'one logout audit row for the one session ended');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'logout' AND user_id = :sam), 'tap_sess_app',
          'the logout row names the app''s role');
-- A new login after logout gives a new, working token.
SET ROLE tap_sess_app;
SELECT auth_login('tap.sess.sam@example.com', 'sam-password-1') AS tok3 \gset
SELECT is(auth_session_user(:'tok3'), :sam::bigint, 'a login after logout works');
SELECT isnt(:'tok3'::text, :'tok1'::text, 'and gives a new token');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- More about login and logout.
-- auth_logout is documented as "true when a live session was ended": an expired one is not live.
SET ROLE tap_sess_app;
SELECT is(auth_logout(:'tok_exp'), false, 'auth_logout of an expired session returns false (no live session ended)');
-- last_used_at is refreshed at most once a minute.
RESET ROLE;
UPDATE auth.user_sessions SET last_used_at = now() - interval '30 seconds'
WHERE token_hash = sha256(convert_to(:'tok_recent', 'UTF8'));
SET ROLE tap_sess_app;
SELECT is(auth_session_user(:'tok_recent'), :sam::bigint, 'a session used 30 seconds ago is valid');
RESET ROLE;
SELECT is((SELECT now() - last_used_at FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'tok_recent', 'UTF8'))),
          interval '30 seconds', 'and its last_used_at is not refreshed again within the minute');

-- device_info is informational: a long one is cut, never an error.
SET ROLE tap_sess_app;
SELECT auth_login('tap.sess.sam@example.com', 'sam-password-1', NULL, repeat('d', 10000), '2001:db8::1') AS tok_dev \gset
SELECT isnt(:'tok_dev'::text, '', 'a 10,000-character device_info does not make auth_login fail');
RESET ROLE;
SELECT is((SELECT (length(device_info), client_ip)::text FROM auth.user_sessions
           WHERE token_hash = sha256(convert_to(:'tok_dev', 'UTF8'))), (500, '2001:db8::1'::inet)::text,
          'device_info is kept to its first 500 characters; an IPv6 client_ip is stored');

-- A membership in one tenant is enough to log in to the product.
INSERT INTO auth.tenants (name) VALUES ('TapSess Tenant');
SELECT auth_grant(:lou, 'TapSess Product', 'member', 'TapSess Tenant') \g /dev/null
SET ROLE tap_sess_app;
SELECT isnt(auth_login('tap.sess.lou@example.com', 'lou-password-1', 'TapSess Product'), NULL,
            'a member of one tenant of the product named gets a token');
RESET ROLE;

-- Equal work on failure: an unknown email, or a user without a usable hash, costs an
-- Argon2id verification like a wrong password (about 55 ms at the default cost).
CREATE FUNCTION pg_temp.tap_sess_ms(query text, a text, b text) RETURNS double precision
    LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    EXECUTE query USING a, b;
    RETURN extract(epoch FROM clock_timestamp() - started) * 1000;
END
$$;
SELECT auth_create_user('tap.sess.nohash@example.com', 'nohash-password') AS nohash \gset
SELECT auth_create_user('tap.sess.badhash@example.com', 'badhash-password') AS badhash \gset
UPDATE auth.users SET password_hash = NULL WHERE id = :nohash;
UPDATE auth.users SET password_hash = 'not-a-phc-string' WHERE id = :badhash;
SET ROLE tap_sess_app;
SELECT cmp_ok(pg_temp.tap_sess_ms('SELECT auth_login($1, $2)', 'tap.sess.sam@example.com', 'wrong-password-2'),
              '>=', 20::float8, 'a wrong password costs an Argon2id verification');
SELECT cmp_ok(pg_temp.tap_sess_ms('SELECT auth_login($1, $2)', 'tap.sess.ghost@example.com', 'ghost-password'),
              '>=', 20::float8, 'an unknown email costs the same Argon2id work');
SELECT cmp_ok(pg_temp.tap_sess_ms('SELECT auth_login($1, $2)', 'tap.sess.nohash@example.com', 'nohash-password'),
              '>=', 20::float8, 'a user without a password hash costs the same Argon2id work');
SELECT cmp_ok(pg_temp.tap_sess_ms('SELECT auth_login($1, $2)', 'tap.sess.badhash@example.com', 'badhash-password'),
              '>=', 20::float8, 'a user with an unreadable hash costs the same Argon2id work');
SELECT is(auth_login('tap.sess.nohash@example.com', 'nohash-password'), NULL, 'a user without a hash cannot log in');
SELECT is(auth_login('tap.sess.badhash@example.com', 'badhash-password'), NULL,
          'a user with an unreadable hash cannot log in (and nothing is raised)');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- The audit log holds no token, password or hash.
SELECT cmp_ok((SELECT count(*)::int FROM auth.audit_log WHERE event IN ('login', 'logout', 'login_failed')), '>=', 20,
              'the audit log recorded the logins, failures and logouts above');
SELECT is_empty(format($$
    SELECT a.id FROM auth.audit_log a
    WHERE strpos(a::text, %L) > 0 OR strpos(a::text, %L) > 0 OR strpos(a::text, %L) > 0
       OR strpos(a::text, %L) > 0 OR strpos(a::text, %L) > 0 OR strpos(a::text, %L) > 0
$$, :'tok1', :'tok2', :'tok3', :'tok_lou', :'tok_ida', :'tok_recent'),
    'no audit row holds a token');
SELECT is_empty($$
    SELECT a.id FROM auth.audit_log a
    WHERE strpos(a::text, 'password-1') > 0 OR strpos(a::text, 'wrong-password') > 0
       OR strpos(a::text, 'lou-wrong') > 0 OR strpos(a::text, 'SAM-PASSWORD') > 0
$$, 'no audit row holds a password, right or wrong');
SELECT is_empty($$
    SELECT a.id FROM auth.audit_log a, auth.users u
    WHERE strpos(a::text, '$argon2') > 0
       OR (length(u.password_hash) > 60
           AND (strpos(a::text, u.password_hash) > 0 OR strpos(a::text, substr(u.password_hash, 30, 20)) > 0))
$$, 'no audit row holds a password hash or a piece of one');
SELECT is_empty($$
    SELECT a.id FROM auth.audit_log a, auth.user_sessions s
    WHERE strpos(a::text, encode(s.token_hash, 'hex')) > 0 OR strpos(a::text, encode(s.token_hash, 'base64')) > 0
$$, 'no audit row holds a token hash');
SELECT is((SELECT detail FROM auth.audit_log WHERE event = 'login' AND user_id = :sam ORDER BY id LIMIT 1 OFFSET 1),
          '{"client_ip": "203.0.113.7"}'::jsonb, 'a login row''s detail holds the client address only');

SELECT * FROM finish();
ROLLBACK;
