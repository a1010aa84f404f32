-- The design's example, part 3 of 4: Bob follows the link in the mail and sets a new
-- password; an API key; a user imported with a bcrypt hash; the audit trail.
-- scripts/demo passes the token of the link in the mail as the psql variable link_token:
--     psql -X -q -d demo -v link_token=… < examples/demo/3-reset-and-more.sql
\set ON_ERROR_STOP on
\set SHOW_CONTEXT never
\pset footer off
\pset null NULL
\if :{?link_token}
\else
    \warn 'pass the token of the link in the mail: psql -v link_token=…'
    \quit
\endif

-- The token goes into a session setting without being echoed, so that the output below
-- does not show it whole.
SELECT set_config('bob.link_token', :'link_token', false) \g /dev/null
\set ECHO queries

\echo
\echo '== 19. Bob follows the link. The Accounting app''s page takes the token from it (here:'
\echo '       the setting bob.link_token) and sets his new password: the token works once, and'
\echo '       the reset ends all his sessions (the one of step 15 too)'
SET ROLE accounting_app;
SELECT auth_user_id('bob@example.com') AS bob \gset
\echo '       (psql keeps the answer as :bob)'
SELECT auth_reset_password(current_setting('bob.link_token'), 'a new passphrase for Bob') AS "new password set";
SELECT auth_reset_password(current_setting('bob.link_token'), 'yet another passphrase') AS "the link again";
SELECT count(*) AS "Bob's live sessions" FROM auth_sessions(:bob);
SELECT left(auth_login('bob@example.com', 'Tr0ub4dor&3-but-longer'), 6) || '…' AS "login, old password",
       left(auth_login('bob@example.com', 'a new passphrase for Bob'), 6) || '…' AS "login, new password";

\echo
\echo '== 20. An API key for a script of Bob''s: the operator makes it (shown once, stored as a'
\echo '       hash), and the Accounting app checks it on each call'
SET ROLE operator;
SELECT left(set_config('bob.api_key', auth_create_api_key(:bob, 'Accounting', 'nightly export'), false), 14) || '…'
       AS "API key";
SET ROLE accounting_app;
SELECT auth_api_key_user(current_setting('bob.api_key'), 'Accounting') AS "the key's user";

\echo
\echo '== 21. Carol comes from an older system with a bcrypt hash (made by htpasswd -nbB): the'
\echo '       operator imports her and makes her a user of Accounting; her first login at the'
\echo '       Accounting app replaces the hash with Argon2id. (Only the extension''s owner, the'
\echo '       superuser here, reads the table auth.users: RESET ROLE.)'
SET ROLE operator;
SELECT auth_import_user('carol@example.com', '$2y$10$Y.RZf81yYsrK7aYBhV22Lu2/kzD4ZPiKmRnDVaLMbrqEPcKznHpFG', 'Carol') AS carol \gset
\echo '       (psql keeps the answer as :carol)'
SELECT auth_grant(:carol, 'Accounting', 'user') AS "Carol: Accounting user";
RESET ROLE;
SELECT split_part(password_hash, '$', 2) AS "Carol's hash, before" FROM auth.users WHERE id = :carol;
SET ROLE accounting_app;
SELECT auth_verify_password('carol@example.com', 'legacy password 1') AS "Carol's password checks";
RESET ROLE;
SELECT split_part(password_hash, '$', 2) AS "Carol's hash, after", split_part(password_hash, '$', 4) AS "its cost"
FROM auth.users WHERE id = :carol;

\echo
\echo '== 22. The operator reads the audit trail: who did what, as which database role; never a'
\echo '       password, token, code or hash. Here, the single sign-on, the refusals and the mail:'
SET ROLE operator;
SELECT id, event, user_id, product_id, db_role, detail
FROM auth.audit_log
WHERE event ~ '^(sso_|message_|login_refused|login_failed|logout|password_reset)'
ORDER BY id;
