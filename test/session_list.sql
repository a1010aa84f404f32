-- A user's sessions: auth_sessions lists the live ones, auth_logout_all ends them all;
-- and auth_session_user, a C function reading the indexes, keeps every rule of a check.
BEGIN;
SELECT plan(30);

CREATE ROLE tap_list_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_list_nobody NOLOGIN;

SELECT auth_create_user('tap.list.sam@example.com', 'sam-password-1') AS sam \gset
SELECT auth_create_user('tap.list.lou@example.com', 'lou-password-1') AS lou \gset
\ir helpers.psql

SET ROLE tap_list_app;
SELECT auth_login('tap.list.sam@example.com', 'sam-password-1', NULL, 'TapPhone', '198.51.100.1') AS s1 \gset
SELECT auth_login('tap.list.sam@example.com', 'sam-password-1', NULL, 'TapLaptop', '198.51.100.2') AS s2 \gset
SELECT auth_login('tap.list.sam@example.com', 'sam-password-1') AS s_expired \gset
SELECT auth_login('tap.list.sam@example.com', 'sam-password-1') AS s_idle \gset
SELECT auth_login('tap.list.sam@example.com', 'sam-password-1') AS s_out \gset
SELECT auth_login('tap.list.lou@example.com', 'lou-password-1') AS lou1 \gset
SELECT is(auth_logout(:'s_out'), true, 'logout ends a session');
SELECT is(auth_logout(:'s_out'), false, 'logout twice: the second answers false');
RESET ROLE;
UPDATE auth.user_sessions SET expires_at = now() - interval '1 second'
WHERE token_hash = sha256(convert_to(:'s_expired', 'UTF8'));
UPDATE auth.user_sessions SET last_used_at = now() - interval '25 hours'
WHERE token_hash = sha256(convert_to(:'s_idle', 'UTF8'));

SELECT array_agg(id ORDER BY id) AS live_ids FROM auth.user_sessions
WHERE token_hash IN (sha256(convert_to(:'s1', 'UTF8')), sha256(convert_to(:'s2', 'UTF8'))) \gset

-- ---------------------------------------------------------------------------------
-- auth_sessions.
SET ROLE tap_list_app;
SELECT is((SELECT array_agg(device_info ORDER BY device_info) FROM auth_sessions(:sam)), ARRAY['TapLaptop', 'TapPhone'],
          'auth_sessions lists the live sessions only (not expired, idle-timed-out or ended ones)');
SELECT is((SELECT array_agg(host(client_ip) ORDER BY client_ip) FROM auth_sessions(:sam)),
          ARRAY['198.51.100.1', '198.51.100.2'], 'with their client addresses');
SELECT is((SELECT bool_and(expires_at = created_at + interval '30 days' AND last_used_at >= created_at)
           FROM auth_sessions(:sam)), true, 'and their times');
SELECT is((SELECT array_agg(id ORDER BY id) FROM auth_sessions(:sam)), :'live_ids'::bigint[],
          'the ids are the sessions'' ids (the sid of their JWTs)');
SELECT is((SELECT count(*)::int FROM auth_sessions(:lou)), 1, 'another user''s list holds only theirs');
SELECT is(pg_temp.error_of('SELECT * FROM auth_sessions(NULL)'), '22004: user_id must not be null',
          'auth_sessions(NULL) raises 22004');
SELECT is(pg_temp.error_of('SELECT * FROM auth_sessions(999999)'), '42704: user 999999 does not exist',
          'an unknown user raises 42704');
RESET ROLE;
SELECT is((SELECT pg_get_function_result('auth_sessions(bigint)'::regprocedure)),
          'TABLE(id bigint, product text, device_info text, client_ip inet, created_at timestamp with time zone, '
          'last_used_at timestamp with time zone, expires_at timestamp with time zone, aal text)',
          'auth_sessions returns exactly the contract''s columns');
SELECT is(pg_temp.error_of(format('SELECT * FROM auth_sessions(%s) WHERE strpos(auth_sessions::text, %L) > 0',
                                  :sam, encode(sha256(convert_to(:'s1', 'UTF8')), 'hex'))), 'none',
          'no column holds a token hash');
UPDATE auth.users SET is_active = false WHERE id = :lou;
SET ROLE tap_list_app;
SELECT is((SELECT count(*)::int FROM auth_sessions(:lou)), 0, 'a deactivated user has no live session');
RESET ROLE;
UPDATE auth.users SET is_active = true WHERE id = :lou;
SET ROLE tap_list_app;
SELECT is((SELECT count(*)::int FROM auth_sessions(:lou)), 0, 'the deactivation ended it: none after reactivation');
SELECT auth_login('tap.list.lou@example.com', 'lou-password-1') AS lou1 \gset
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- auth_logout_all.
SET ROLE tap_list_app;
SELECT is(auth_logout_all(:sam), 2, 'auth_logout_all ends the two live sessions and says so');
SELECT is(auth_session_user(:'s1'), NULL, 'the first no longer works');
SELECT is(auth_session_user(:'s2'), NULL, 'nor the second');
SELECT is(auth_session_user(:'lou1'), :lou::bigint, 'another user''s session still works');
SELECT is(auth_logout_all(:sam), 0, 'a second auth_logout_all ends none');
SELECT is((SELECT count(*)::int FROM auth_sessions(:sam)), 0, 'auth_sessions lists none');
SELECT is(pg_temp.error_of('SELECT auth_logout_all(NULL)'), '22004: user_id must not be null',
          'auth_logout_all(NULL) raises 22004');
SELECT is(pg_temp.error_of('SELECT auth_logout_all(999999)'), '42704: user 999999 does not exist',
          'auth_logout_all of an unknown user raises 42704');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.user_sessions WHERE user_id = :sam AND revoked_at IS NULL), 0,
          'every session of the user is closed, expired and idle ones included');
SELECT is((SELECT array_agg(detail ORDER BY id) FROM auth.audit_log WHERE event = 'logout_all'),
          ARRAY['{"sessions_ended": 2}', '{"sessions_ended": 0}']::jsonb[], 'each call is audited with the count');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'logout_all' LIMIT 1), 'tap_list_app', 'naming the app');
SET ROLE tap_list_app;
SELECT auth_login('tap.list.sam@example.com', 'sam-password-1') AS s3 \gset
SELECT is(auth_session_user(:'s3'), :sam::bigint, 'a new login afterwards works');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Who may call.
SET ROLE tap_list_nobody;
SELECT is(pg_temp.error_of(format('SELECT auth_session_user(%L)', :'s3')),
          '42501: permission denied for function auth_session_user', 'a role granted nothing cannot check a session');
SELECT is(pg_temp.error_of(format('SELECT auth_logout_all(%s)', :sam)),
          '42501: permission denied for function auth_logout_all', 'nor end sessions');
SELECT is(pg_temp.error_of(format('SELECT * FROM auth_sessions(%s)', :sam)),
          '42501: permission denied for function auth_sessions', 'nor list them');
RESET ROLE;

-- auth_session_user sees what its own transaction just wrote, within one statement too.
SET ROLE tap_list_app;
SELECT is(auth_session_user(auth_login('tap.list.lou@example.com', 'lou-password-1')), :lou::bigint,
          'a token checked in the statement that logged in is valid');
SELECT is((SELECT auth_logout(:'s3') AND auth_session_user(:'s3') IS NULL), true,
          'a token checked in the statement that logged it out is not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
