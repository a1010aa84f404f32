-- A mailer may LISTEN auth_outbox instead of polling: queueing a message notifies the
-- channel, payload the message's kind, when (and only if) the transaction commits.
-- psql prints each notification with the sending backend's PID, which changes from run
-- to run: the notifications are written to a file and shown with that PID replaced.
\pset footer off
INSERT INTO auth.users (email, password_hash) VALUES ('notify@example.com', NULL);
SELECT id AS notify_user FROM auth.users WHERE email = 'notify@example.com' \gset
SELECT pg_backend_pid() AS own_pid \gset
LISTEN auth_outbox;

\o results/08_outbox_notify.notifications
-- Committed: one notification per kind queued (two password resets: one notification).
BEGIN;
SELECT auth.queue_message(current_user::regrole, 'password_reset', :notify_user, NULL, 'notify-token-1',
                          clock_timestamp() + interval '1 hour') \g /dev/null
SELECT auth.queue_message(current_user::regrole, 'password_reset', :notify_user, NULL, 'notify-token-2',
                          clock_timestamp() + interval '1 hour') \g /dev/null
SELECT auth.queue_message(current_user::regrole, 'email_verification', :notify_user, NULL, 'notify-token-3',
                          clock_timestamp() + interval '1 hour') \g /dev/null
COMMIT;
\o
\set notifications `sed 's/with PID [0-9]*\./with PID (pid)./' results/08_outbox_notify.notifications`
\echo :notifications
-- ... and they came from this session.
\set senders `grep -c 'with PID ':own_pid'\.' results/08_outbox_notify.notifications`
\echo :senders

\o results/08_outbox_notify.notifications
-- Rolled back: nothing is queued, nothing is notified.
BEGIN;
SELECT auth.queue_message(current_user::regrole, 'password_reset', :notify_user, NULL, 'notify-token-4',
                          clock_timestamp() + interval '1 hour') \g /dev/null
ROLLBACK;
SELECT 1 AS after_rollback \g /dev/null
\o
\set notifications `wc -l < results/08_outbox_notify.notifications`
\echo :notifications

UNLISTEN auth_outbox;
SELECT kind, convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8') AS token
FROM auth.outbox WHERE user_id = :notify_user ORDER BY id;
DELETE FROM auth.audit_log WHERE user_id = :notify_user;
DELETE FROM auth.users WHERE id = :notify_user;
