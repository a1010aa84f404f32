-- Tokens: sessions listed and ended, JWTs issued and verified, API keys; for anything
-- wrong the answer is NULL or false, never an error.
\pset footer off
BEGIN;
SELECT auth_create_user('toki@example.com', 'a long enough password') AS toki \gset
SELECT auth_create_user('ren@example.com', 'a long enough password') AS ren \gset
SELECT auth_create_product('Token App') \gset
SELECT auth_create_product('Token Other') \gset
SELECT auth_create_role('Token App', 'reader') \gset
SELECT auth_grant(:toki, 'Token App', 'reader') \gset
SELECT auth_login('toki@example.com', 'a long enough password', NULL, 'regress phone', '192.0.2.9') AS token \gset
SELECT auth_login('ren@example.com', 'a long enough password') AS ren_token \gset

-- Sessions: listed without token or hash; logout twice; logout everywhere.
SELECT device_info, client_ip, expires_at - created_at AS lifetime FROM auth_sessions(:toki);
SELECT auth_login('toki@example.com', 'a long enough password') AS second \gset
SELECT auth_logout(:'second') AS logged_out, auth_logout(:'second') AS again;
SELECT count(*) AS live_sessions FROM auth_sessions(:toki);

-- A JWT, and what it claims (times and ids left out: they change from run to run).
SELECT auth_issue_jwt(:'token', 'Token App') AS jwt \gset
SELECT auth_verify_jwt(:'jwt') - ARRAY['iat', 'exp', 'sid', 'sub'] AS claims,
       auth_verify_jwt(:'jwt')->>'sub' = :toki::text AS sub_is_toki,
       (auth_verify_jwt(:'jwt')->>'exp')::bigint - (auth_verify_jwt(:'jwt')->>'iat')::bigint AS lifetime_seconds;

-- No JWT without a valid session and a membership.
SELECT auth_issue_jwt(:'ren_token', 'Token App') IS NULL AS not_a_member,
       auth_issue_jwt(:'token', 'Token Other') IS NULL AS other_product,
       auth_issue_jwt(NULL, 'Token App') IS NULL AS null_token,
       auth_issue_jwt('', 'Token App') IS NULL AS empty_token,
       auth_issue_jwt(repeat('A', 10000), 'Token App') IS NULL AS long_token;
SELECT regress_try('SELECT auth_issue_jwt(''x'', ''Token App'', ''2 days'')') AS long_ttl;

-- Verification: NULL for anything wrong.
SELECT auth_verify_jwt(NULL) IS NULL AS null_jwt,
       auth_verify_jwt('') IS NULL AS empty_jwt,
       auth_verify_jwt(repeat('A', 10000)) IS NULL AS long_jwt,
       auth_verify_jwt(translate(:'jwt', 'AB', 'BA')) IS NULL AS characters_changed,
       auth_verify_jwt(replace(:'jwt', '.', '%')) IS NULL AS not_base64,
       auth_verify_jwt(rtrim(translate(encode('{"alg":"none"}', 'base64'), '+/', '-_'), '=') || '.'
                       || split_part(:'jwt', '.', 2) || '.') IS NULL AS alg_none;

-- The published keys: Ed25519 public keys only.
SELECT k->>'kty' AS kty, k->>'crv' AS crv, k->>'alg' AS alg, k->>'use' AS use,
       length(k->>'x') AS x_length, k ? 'd' AS has_private_part
FROM jsonb_array_elements(auth_jwks()->'keys') k;

-- API keys.
SELECT auth_create_api_key(:toki, 'Token App', 'regress key') AS api_key \gset
SELECT auth_api_key_user(:'api_key', 'Token App') = :toki AS key_works,
       auth_api_key_user(:'api_key', 'Token Other') IS NULL AS other_product,
       auth_api_key_user(NULL, 'Token App') IS NULL AS null_key,
       auth_api_key_user(repeat('A', 10000), 'Token App') IS NULL AS long_key;
SELECT auth_revoke_api_key(:'api_key') AS revoked, auth_revoke_api_key(:'api_key') AS again;
SELECT auth_api_key_user(:'api_key', 'Token App') IS NULL AS gone_after_revoke;
SELECT user_id = :toki AS toki, name, length(key_hash) AS hash_bytes, revoked_at IS NOT NULL AS revoked
FROM auth.api_keys;

-- Logout everywhere ends the live sessions and counts them.
SELECT auth_logout_all(:toki) AS ended, auth_logout_all(:toki) AS again;
SELECT auth_session_user(:'token') IS NULL AS session_ended;
SELECT event, detail - ARRAY['api_key_id', 'session_id'] AS detail FROM auth.audit_log
WHERE event IN ('logout', 'logout_all', 'api_key_created', 'api_key_revoked') ORDER BY id;
ROLLBACK;
