-- The design's example, part 2 of 3: Bob asks the Accounting app for a password reset
-- mail. scripts/demo starts the mailer (examples/mailer.py) before this part and shows
-- what it did after it; part 3 follows the link in the mail.
\set ON_ERROR_STOP on
\set SHOW_CONTEXT never
\pset footer off
\pset null NULL
\set ECHO queries

\echo
\echo '== 17. Bob forgot his password, and asks the Accounting app for a reset mail. The app'
\echo '       gets nothing back: the token goes into the outbox, in the app''s transaction,'
\echo '       addressed to the email stored for Bob (not as typed), and only a mailer takes it'
\echo '       out. The commit wakes the mailer, which scripts/demo started before this step'
SET ROLE accounting_app;
SELECT auth_request_password_reset('BOB@example.com') AS "reset mail for Bob (returns nothing)";
