-- Login, the session check, logout; failures are answers (NULL), never errors.
\pset footer off
BEGIN;
SELECT auth_create_user('hana@example.com', 'a long enough password') AS hana \gset

SELECT auth_login('hana@example.com', 'a long enough password', NULL, 'regress browser', '192.0.2.7') AS token \gset
SELECT :'token' ~ '^[A-Za-z0-9_-]{43}$' AS url_safe_43_characters,
       auth_session_user(:'token') = :hana AS session_user_is_hana;
-- Only the SHA-256 of the token is stored.
SELECT token_hash = sha256(convert_to(:'token', 'UTF8')) AS stored_as_sha256,
       device_info, client_ip
FROM auth.user_sessions WHERE user_id = :hana;

-- Every kind of failure gives NULL, and none raises.
SELECT auth_login('hana@example.com', 'a wrong password') IS NULL AS wrong_password,
       auth_login('HANA@example.com', 'a long enough password') IS NOT NULL AS email_any_case,
       auth_login('nobody@example.com', 'a long enough password') IS NULL AS unknown_email,
       auth_login(NULL, NULL) IS NULL AS nulls,
       auth_login('hana@example.com', repeat('x', 1000000)) IS NULL AS one_megabyte_password,
       auth_login('hana@example.com', 'a long enough password', 'No Such Product') IS NULL AS unknown_product;

SELECT auth_session_user(NULL) AS null_token,
       auth_session_user('') AS empty_token,
       auth_session_user(repeat('A', 10000)) AS long_token,
       auth_session_user(overlay(:'token' placing (CASE WHEN substr(:'token', 1, 1) = 'A' THEN 'B' ELSE 'A' END) from 1 for 1)) AS one_character_changed;

-- Every failure was recorded, with a reason and no secret; the last call's right
-- password (refused for its unknown product) cleared the count of wrong ones.
SELECT failures FROM auth.login_failures WHERE user_id = :hana AND factor = 'password';
SELECT event, user_id = :hana AS hana, detail FROM auth.audit_log
WHERE event LIKE 'login%' ORDER BY id;

-- An expired and an idle session no longer name their user.
SELECT auth_login('hana@example.com', 'a long enough password') AS expiring \gset
SELECT auth_login('hana@example.com', 'a long enough password') AS idle \gset
UPDATE auth.user_sessions SET expires_at = now() - interval '1 second'
WHERE token_hash = sha256(convert_to(:'expiring', 'UTF8'));
UPDATE auth.user_sessions SET last_used_at = now() - interval '25 hours'
WHERE token_hash = sha256(convert_to(:'idle', 'UTF8'));
SELECT auth_session_user(:'expiring') AS expired, auth_session_user(:'idle') AS idle_timed_out,
       auth_session_user(:'token') = :hana AS first_still_valid;

-- Logging out ends the session; a second logout finds nothing.
SELECT auth_logout(:'token') AS logged_out, auth_logout(:'token') AS again,
       auth_session_user(:'token') AS after_logout, auth_logout(NULL) AS null_token;
ROLLBACK;
