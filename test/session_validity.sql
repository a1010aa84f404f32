-- When sessions, API keys and JWTs stop being valid: deactivation under
-- session_replication_role = replica, an inactive user's surviving session, expiry in the
-- middle of a transaction (validity is judged at each statement's start), and what a
-- retired signing key keeps.
BEGIN;
SELECT plan(26);

CREATE ROLE tap_valid_app NOLOGIN IN ROLE auth_signin;

SELECT auth_create_product('TapValid Product') \g /dev/null
SELECT auth_create_role('TapValid Product', 'member') \g /dev/null
SELECT auth_create_user('tap.valid.sam@example.com', 'sam-password-1') AS sam \gset
SELECT auth_create_user('tap.valid.ida@example.com', 'ida-password-1') AS ida \gset
SELECT auth_grant(:sam, 'TapValid Product', 'member') \g /dev/null
SELECT auth_grant(:ida, 'TapValid Product', 'member') \g /dev/null
SELECT auth_create_api_key(:sam, 'TapValid Product', 'sam script') AS sam_key \gset

SET ROLE tap_valid_app;
SELECT auth_login('tap.valid.sam@example.com', 'sam-password-1') AS sam_session \gset
SELECT auth_login('tap.valid.ida@example.com', 'ida-password-1') AS ida_session \gset
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Deactivation with session_replication_role = replica (as a logical replication apply
-- worker runs, or an owner who set it): the sessions end all the same.
SET session_replication_role = replica;
UPDATE auth.users SET is_active = false WHERE id = :sam;
RESET session_replication_role;
SELECT is((SELECT count(*)::int FROM auth.user_sessions WHERE user_id = :sam AND revoked_at IS NULL), 0,
          'a deactivation made under session_replication_role = replica ends the user''s sessions');
SET ROLE tap_valid_app;
SELECT is(auth_session_user(:'sam_session'), NULL, 'so the session check refuses the session');
RESET ROLE;

-- A session of an inactive user that survived anyway (its revocation undone by the
-- owner, standing for any way the rule could be bypassed) signs no JWT, and the user's
-- API key gives no user.
UPDATE auth.user_sessions SET revoked_at = NULL WHERE user_id = :sam;
SET ROLE tap_valid_app;
SELECT is(auth_session_user(:'sam_session'), :sam::bigint,
          'the surviving session passes auth_session_user, which relies on deactivation ending sessions');
SELECT is(auth_issue_jwt(:'sam_session', 'TapValid Product'), NULL,
          'but auth_issue_jwt signs nothing for an inactive user');
SELECT is(auth_api_key_user(:'sam_key', 'TapValid Product'), NULL,
          'and auth_api_key_user gives no inactive user');
RESET ROLE;
UPDATE auth.users SET is_active = true WHERE id = :sam;
UPDATE auth.user_sessions SET revoked_at = NULL WHERE user_id = :sam;
SET ROLE tap_valid_app;
SELECT isnt(auth_issue_jwt(:'sam_session', 'TapValid Product'), NULL,
            'the same session of the user made active again signs a JWT');
SELECT is(auth_api_key_user(:'sam_key', 'TapValid Product'), :sam::bigint, 'and the key gives the user again');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Expiry in the middle of a transaction (this whole file is one): each statement judges
-- at its own start, not at the transaction's.
UPDATE auth.user_sessions SET expires_at = clock_timestamp() + interval '1 second'
WHERE token_hash = sha256(convert_to(:'ida_session', 'UTF8'));
SELECT auth_create_api_key(:ida, 'TapValid Product', 'short key', clock_timestamp() + interval '1 second')
    AS short_key \gset
SET ROLE tap_valid_app;
-- Issued and checked in one statement: a JWT of one second is valid when made.
SELECT j AS short_jwt, auth_verify_jwt(j) IS NOT NULL AS short_jwt_valid
FROM auth_issue_jwt(:'ida_session', 'TapValid Product', interval '1 second') j \gset
SELECT ok(:'short_jwt_valid', 'a JWT of one second verifies in the statement that issued it');
SELECT is(auth_session_user(:'ida_session'), :ida::bigint, 'the session is valid before it expires');
SELECT is(auth_api_key_user(:'short_key', 'TapValid Product'), :ida::bigint, 'so is the key');
SELECT pg_sleep(2.1) \g /dev/null
SELECT is(auth_session_user(:'ida_session'), NULL,
          'a session that expired during the transaction is refused by its next statement');
SELECT is(auth_issue_jwt(:'ida_session', 'TapValid Product'), NULL, 'it signs no JWT');
SELECT is(auth_api_key_user(:'short_key', 'TapValid Product'), NULL, 'an API key that expired meanwhile is refused');
SELECT is(auth_verify_jwt(:'short_jwt'), NULL, 'and so is a JWT that expired meanwhile');
SELECT is((SELECT count(*)::int FROM auth_sessions(:ida)), 0, 'auth_sessions no longer lists the session');
SELECT is(auth_logout(:'ida_session'), false, 'logging it out answers false: it was no longer live');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- A retired EdDSA key keeps only its public key; an HS256 one keeps its (sealed) secret,
-- which verifies, until its row is deleted.
SET ROLE tap_valid_app;
SELECT auth_issue_jwt(:'sam_session', 'TapValid Product') AS old_jwt \gset
RESET ROLE;
SELECT kid AS old_ed_kid FROM auth.signing_keys WHERE algorithm = 'EdDSA' AND retired_at IS NULL \gset
SET auth.jwt_algorithm = 'HS256';
SELECT auth_rotate_signing_key() AS old_hs_kid \gset
RESET auth.jwt_algorithm;
SELECT auth_rotate_signing_key() \g /dev/null
SELECT is((SELECT sealed_secret FROM auth.signing_keys WHERE kid = :'old_ed_kid'), NULL,
          'a retired EdDSA key no longer holds its secret key');
SELECT isnt((SELECT public_key FROM auth.signing_keys WHERE kid = :'old_ed_kid'), NULL, 'only its public key');
SELECT isnt((SELECT sealed_secret FROM auth.signing_keys WHERE kid = :'old_hs_kid'), NULL,
            'a retired HS256 key keeps its secret: it verifies with it');
SELECT is((SELECT count(*)::int FROM auth.signing_keys WHERE retired_at IS NULL AND sealed_secret IS NOT NULL), 1,
          'the current key holds its secret');
SET ROLE tap_valid_app;
SELECT is(auth_verify_jwt(:'old_jwt')->>'sub', :sam::text, 'a token of the retired EdDSA key still verifies');
RESET ROLE;
SELECT throws_ok(format('UPDATE auth.signing_keys SET sealed_secret = NULL WHERE kid = %L', :'old_hs_kid'),
                 '23514', NULL, 'no key that signs or verifies with its secret may lose it');

-- Retired longer ago than a token lives, with no rotation since: it verifies nothing and
-- is not published, though its row is still there.
UPDATE auth.signing_keys SET retired_at = statement_timestamp() - interval '1 day 1 second'
WHERE kid = :'old_ed_kid';
SET ROLE tap_valid_app;
SELECT is(auth_verify_jwt(:'old_jwt'), NULL, 'a key retired more than a day ago verifies nothing');
SELECT is(strpos(auth_jwks()::text, :'old_ed_kid'), 0, 'and auth_jwks no longer publishes it');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.signing_keys WHERE kid = :'old_ed_kid'), 1,
          'its row waits for the next rotation to be deleted');

-- ---------------------------------------------------------------------------------
-- The PL/pgSQL functions of this area that hold a token, key, JWT, digest or signing
-- secret in a variable plan generically: a custom plan would carry the value as a
-- constant into what auto_explain logs (checked by hand with log_nested_statements and
-- log_verbose; see the README).
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
          'every function that holds a secret in a variable runs with plan_cache_mode = force_generic_plan')
FROM unnest(ARRAY['auth.login(regrole,text,text,text,text,inet)', 'auth.logout(regrole,text)',
                  'auth.add_signing_key(text,boolean)', 'auth.current_signing_key()',
                  'auth.issue_jwt(regrole,text,text,interval)',
                  'auth.verify_jwt(regrole,text)',
                  'auth.create_api_key(regrole,bigint,text,text,timestamp with time zone)',
                  'auth.api_key_user(regrole,text,text)', 'auth.revoke_api_key(regrole,text)']::regprocedure[]) f
JOIN pg_proc p ON p.oid = f
WHERE NOT coalesce('plan_cache_mode=force_generic_plan' = ANY (p.proconfig), false);

SELECT * FROM finish();
ROLLBACK;
