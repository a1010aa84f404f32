-- auth_session_user remembers, per backend, where auth.user_sessions and its token_hash
-- index are, and the OID of auth.touch_session. Dropping and creating the extension
-- again in the same session gives new ones: the check must use those, not fail on the
-- old OIDs or answer from them. And an index changed under it is refused, not read.
BEGIN;
SELECT plan(7);

SELECT auth_create_user('tap.scache@example.com', 'scache-password-1') AS first_user \gset
SELECT auth_login('tap.scache@example.com', 'scache-password-1') AS first_token \gset
-- Idle for two minutes: the check refreshes last_used_at through auth.touch_session,
-- so the backend now remembers that function's OID too.
UPDATE auth.user_sessions SET last_used_at = statement_timestamp() - interval '2 minutes';
SELECT is(auth_session_user(:'first_token'), :first_user::bigint,
          'the check answers (and the backend remembers the table, its index and touch_session)');
SELECT cmp_ok((SELECT last_used_at FROM auth.user_sessions), '>', statement_timestamp() - interval '1 minute',
              'an idle session''s last_used_at is refreshed by the check');

DROP EXTENSION auth;
CREATE EXTENSION auth;
SELECT is(auth_session_user(:'first_token'), NULL,
          'after the extension is made again, the check reads the new, empty table');
SELECT auth_create_user('tap.scache@example.com', 'scache-password-1') AS second_user \gset
SELECT auth_login('tap.scache@example.com', 'scache-password-1') AS second_token \gset
UPDATE auth.user_sessions SET last_used_at = statement_timestamp() - interval '2 minutes';
SELECT is(auth_session_user(:'second_token'), :second_user::bigint,
          'and finds a session made in it, calling the new auth.touch_session (not the dropped one)');
SELECT cmp_ok((SELECT last_used_at FROM auth.user_sessions), '>', statement_timestamp() - interval '1 minute',
              'which refreshed last_used_at');

-- An index on other columns under the expected name is refused, not read.
ALTER TABLE auth.user_sessions DROP CONSTRAINT user_sessions_token_hash_key;
CREATE UNIQUE INDEX user_sessions_token_hash_key ON auth.user_sessions (id, token_hash);
SELECT throws_ok(format('SELECT auth_session_user(%L)', :'second_token'), '42P01',
                 'auth.user_sessions or its index user_sessions_token_hash_key is missing or changed: the extension is damaged',
                 'the check refuses an index whose columns changed');
DROP INDEX auth.user_sessions_token_hash_key;
SELECT throws_ok(format('SELECT auth_session_user(%L)', :'second_token'), '42P01',
                 'auth.user_sessions or its index user_sessions_token_hash_key is missing or changed: the extension is damaged',
                 'and one that is gone');

SELECT * FROM finish();
ROLLBACK;
