-- A user's first hour, in psql: sign up, log in, check a role, issue a JWT and check it,
-- log out, reset the password through the outbox. Prints what it did and the answers,
-- and stops with a non-zero exit status at the first answer that is not the one expected.
--
--     psql -X -v ON_ERROR_STOP=1 -f examples/psql/first_hour.sql
--
-- against a database where examples/psql/setup.sql has run (libpq's PG* variables, or
-- -h/-p/-d, name it). It connects as three roles in turn, named by the environment
-- variables EXAMPLE_APP_USER (default example_web), EXAMPLE_OPERATOR_USER
-- (example_operator) and EXAMPLE_MAILER_USER (example_mailer). See docs/examples.md.
--
-- Values reach the statements as psql variables written :'name', which psql quotes as a
-- literal (PQescapeLiteral): safe from SQL injection, whatever the value holds. psql 15
-- has no \bind (psql 16 adds it), so these are literals, not bind parameters: a password
-- is part of the statement's text, and the server logs that text if the statement
-- raises. Acceptable for a script on a test database; an app binds parameters, as
-- ../python/first_hour.py and ../node/first_hour.mjs do.

\set ON_ERROR_STOP on
\set QUIET on
\getenv app_user EXAMPLE_APP_USER
\getenv operator_user EXAMPLE_OPERATOR_USER
\getenv mailer_user EXAMPLE_MAILER_USER
\if :{?app_user} \else \set app_user example_web \endif
\if :{?operator_user} \else \set operator_user example_operator \endif
\if :{?mailer_user} \else \set mailer_user example_mailer \endif
\set product 'Example App'
\set password 'correct horse battery staple'
\set new_password 'a new horse for a new battery'
-- Each check below: a SELECT sets line (what to print) and ok (the verdict) with \gset,
-- \echo prints the line, and `\if :ok \else \ir failed.sql \endif` stops on a wrong answer.

-- 1. The app signs a user up: a new email each run, so that the example runs again.
\connect - :app_user
SELECT 'psql-' || to_char(clock_timestamp(), 'YYYYMMDD-HH24MISS-US') || '@example.com' AS email \gset
SELECT auth_create_user(:'email', :'password', 'Example User', NULL, :'product') AS user_id \gset
\echo 'app:      signed up' :email 'as user' :user_id

-- 2. It logs the user in (autocommit: a login is committed on its own, so a failed one
-- counts toward the lockout) and checks the session, as it would on each request.
SELECT coalesce(auth_login(:'email', :'password', :'product'), '') AS token \gset
SELECT format('app:      logged in: a session token of %s characters; auth_session_user gives user %s',
              length(:'token'), coalesce(auth_session_user(:'token')::text, 'NULL')) AS line,
       auth_session_user(:'token') IS NOT DISTINCT FROM :user_id AS ok \gset
\echo :line
\if :ok \else \ir failed.sql \endif

-- 3. Granting a role needs a product admin or an operator: an app may not grant roles.
-- Here the operator (a member of auth_admin) does it.
\connect - :operator_user
SELECT format('operator: granted the role member of %s to user %s: %s', :'product', :user_id, granted::text) AS line,
       granted AS ok
FROM auth_grant(:user_id, :'product', 'member') AS granted \gset
\echo :line
\if :ok \else \ir failed.sql \endif

-- 4. The app checks the role.
\connect - :app_user
SELECT format('app:      auth_has_role(%s, %L, %L): %s', :user_id, :'product', 'member', has_role::text) AS line,
       has_role AS ok
FROM auth_has_role(:user_id, :'product', 'member') AS has_role \gset
\echo :line
\if :ok \else \ir failed.sql \endif

-- 5. It issues a JWT for the product's services. psql cannot check an Ed25519 signature
-- itself: auth_verify_jwt checks it, with the keys auth_jwks() publishes, and we check
-- that the token names (kid) one of those keys, as a service verifying it with the JWKS
-- would (../python and ../node do that).
SELECT coalesce(auth_issue_jwt(:'token', :'product'), '') AS jwt \gset
SELECT format('app:      issued a JWT; auth_verify_jwt: aud %s, sub %s, roles %s; its kid %s is in auth_jwks()',
              claims->'aud', claims->'sub', claims->'roles', kid) AS line,
       coalesce(claims->>'aud' = :'product' AND claims->>'sub' = :'user_id' AND claims->'roles' ? 'member'
                AND kid IN (SELECT k->>'kid' FROM jsonb_array_elements(auth_jwks()->'keys') AS k), false) AS ok
FROM auth_verify_jwt(:'jwt') AS claims,
     split_part(:'jwt', '.', 1) AS header,   -- base64url of {"alg", "kid", "typ"}
     jsonb_extract_path_text(convert_from(decode(rpad(translate(header, '-_', '+/'),
                                                      (length(header) + 3) / 4 * 4, '='), 'base64'),
                                          'UTF8')::jsonb, 'kid') AS kid \gset
\echo :line
\if :ok \else \ir failed.sql \endif

-- 6. It logs the user out: the session no longer gives a user.
SELECT auth_logout(:'token') AS logged_out \gset
SELECT format('app:      logged out: %s; auth_session_user now gives %s',
              :'logged_out'::boolean::text, coalesce(auth_session_user(:'token')::text, 'NULL')) AS line,
       :'logged_out'::boolean AND auth_session_user(:'token') IS NULL AS ok \gset
\echo :line
\if :ok \else \ir failed.sql \endif

-- 7. The user forgot the password: the app asks for a reset. The token goes to the
-- outbox, never to the app.
SELECT auth_request_password_reset(:'email') AS requested \gset
\echo 'app:      asked for a password reset for' :email

-- 8. The mailer claims the mail and commits once it is sent (at least once: see
-- docs/mailer.md). It claims every waiting message: a real mailer would send each; this
-- one only counts the others, and keeps the token of ours, to play the user's click on
-- the link.
\connect - :mailer_user
BEGIN;
WITH claimed AS (SELECT * FROM auth_outbox_claim(100)),
     ours AS (SELECT * FROM claimed WHERE kind = 'password_reset' AND lower(email) = lower(:'email'))
SELECT coalesce((SELECT token FROM ours), '') AS reset_token,
       format('mailer:   claimed %s message(s); ours: %s to %s for %s, link https://example.com/reset#%s…',
              (SELECT count(*) FROM claimed), (SELECT kind FROM ours), (SELECT email FROM ours),
              (SELECT product FROM ours), left((SELECT token FROM ours), 6)) AS line,
       (SELECT count(*) FROM ours) = 1 AS ok \gset
COMMIT;
\echo :line
\if :ok \else \ir failed.sql \endif

-- 9. The app sets the new password with the token from the link.
\connect - :app_user
SELECT format('app:      reset the password with the mailed token: %s', reset::text) AS line, reset AS ok
FROM auth_reset_password(:'reset_token', :'new_password') AS reset \gset
\echo :line
\if :ok \else \ir failed.sql \endif

-- 10. The new password logs in; the old one no longer does.
SELECT coalesce(auth_login(:'email', :'new_password', :'product'), '') AS token \gset
SELECT auth_login(:'email', :'password', :'product') IS NULL AS old_refused \gset
SELECT format('app:      log in with the new password: %s; with the old one: %s',
              CASE WHEN :'token' <> '' THEN 'a session' ELSE 'NULL' END,
              CASE WHEN :'old_refused' THEN 'NULL' ELSE 'a session' END) AS line,
       :'token' <> '' AND :'old_refused'::boolean AS ok \gset
\echo :line
\if :ok \else \ir failed.sql \endif
SELECT auth_logout(:'token') AS logged_out \gset

-- 11. Clean up: 0.2.0 has no function that deletes a user, so the operator deactivates
-- this one (which ends its sessions); its email stays taken, hence a new one each run.
\connect - :operator_user
SELECT auth_set_active(:user_id, false) AS deactivated \gset
\echo 'operator: deactivated user' :user_id
\echo 'every answer was the one expected'
