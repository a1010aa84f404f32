-- Account emails: auth.queue_message (called by the functions that make account tokens)
-- and auth_outbox_claim (mailers): who may claim, what a claim returns, in what order and
-- how many, and that a claimed token is erased. (Concurrent claims: specs/
-- outbox_concurrent_claim.spec; the NOTIFY after commit: sql/08_outbox_notify.sql.)
BEGIN;
SELECT plan(46);

\ir helpers.psql

CREATE ROLE tap_ob_mailer NOLOGIN IN ROLE auth_mailer;
CREATE ROLE tap_ob_payroll_app NOLOGIN IN ROLE auth_client;
CREATE ROLE tap_ob_operator NOLOGIN IN ROLE auth_admin;
CREATE ROLE tap_ob_signin NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_ob_granted NOLOGIN;   -- EXECUTE granted by hand below, but no auth_mailer

SELECT auth_create_product('Payroll') AS payroll \gset
SELECT auth_set_app_role('Payroll', 'tap_ob_payroll_app') \g /dev/null
SELECT auth_create_user('Tap.OB.Sam@Example.com', 'sam-password-1', 'Sam Tapper') AS sam \gset
SELECT auth_create_user('tap.ob.lou@example.com', 'lou-password-1') AS lou \gset

-- Three messages, as auth_request_password_reset and auth_request_email_verification
-- queue them: one asked by Payroll's app, two by a sign-in service (no product).
SELECT auth.new_token() AS t1, auth.new_token() AS t2, auth.new_token() AS t3, auth.new_token() AS t_expired \gset
SELECT auth.queue_message('tap_ob_payroll_app', 'password_reset', :sam, :payroll, :'t1', clock_timestamp() + interval '1 hour') \g /dev/null
SELECT auth.queue_message('tap_ob_signin', 'email_verification', :lou, NULL, :'t2', clock_timestamp() + interval '1 hour') \g /dev/null
SELECT auth.queue_message('tap_ob_signin', 'password_reset', :lou, NULL, :'t3', clock_timestamp() + interval '1 hour') \g /dev/null
SELECT auth.queue_message('tap_ob_signin', 'password_reset', :lou, NULL, :'t_expired', clock_timestamp() - interval '1 second') \g /dev/null
SELECT id AS m1 FROM auth.outbox WHERE convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8') = :'t1' \gset
SELECT id AS m2 FROM auth.outbox WHERE convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8') = :'t2' \gset
SELECT id AS m3 FROM auth.outbox WHERE convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8') = :'t3' \gset
SELECT id AS m_expired FROM auth.outbox WHERE convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8') = :'t_expired' \gset

-- ---------------------------------------------------------------------------------
-- What is queued.
SELECT is((SELECT (kind, user_id, email, product_id, claimed_at, claimed_by)::text FROM auth.outbox WHERE id = :m1),
          ('password_reset', :sam, 'Tap.OB.Sam@Example.com', :payroll, NULL::timestamptz, NULL::text)::text,
          'a queued message: its kind, user, the email as stored, the product that asked; unclaimed');
SELECT is((SELECT product_id FROM auth.outbox WHERE id = :m2), NULL, 'no product when a sign-in service asked');
SELECT is((SELECT (user_id, db_role, detail)::text FROM auth.audit_log WHERE event = 'message_queued' AND (detail->>'message_id')::bigint = :m1),
          (:sam, 'tap_ob_payroll_app', jsonb_build_object('kind', 'password_reset', 'message_id', :m1))::text,
          'queueing is audited: user, the role that asked, kind and message id');
SELECT throws_ok($$SELECT auth.queue_message('tap_ob_signin', 'password_reset', -1, NULL, 'x', now())$$, '42704',
                 'user -1 does not exist', 'queueing for a user that does not exist raises 42704');
SELECT throws_ok(format('SELECT auth.queue_message(%L, %L, %s, NULL, %L, now())', 'tap_ob_signin', 'newsletter', :sam, 'x'),
                 '23514', NULL, 'a kind the outbox does not know is refused');
-- The email is the one stored now; a message already queued keeps the address it was queued for.
UPDATE auth.users SET email = 'tap.ob.sam.new@example.com' WHERE id = :sam;
SELECT auth.new_token() AS t4 \gset
SELECT auth.queue_message('tap_ob_payroll_app', 'email_verification', :sam, :payroll, :'t4', clock_timestamp() + interval '1 hour') \g /dev/null
SELECT id AS m4 FROM auth.outbox WHERE convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8') = :'t4' \gset
SELECT is((SELECT array_agg(email ORDER BY id) FROM auth.outbox WHERE id IN (:m1, :m4)),
          ARRAY['Tap.OB.Sam@Example.com', 'tap.ob.sam.new@example.com'],
          'each message goes to the address stored when it was queued');

-- ---------------------------------------------------------------------------------
-- Who may claim.
SET ROLE tap_ob_payroll_app;
SELECT throws_ok('SELECT * FROM auth_outbox_claim()', '42501', 'permission denied for function auth_outbox_claim',
                 'a product''s app may not claim (42501)');
RESET ROLE;
SET ROLE tap_ob_operator;
SELECT throws_ok('SELECT * FROM auth_outbox_claim()', '42501', 'permission denied for function auth_outbox_claim',
                 'an auth_admin member may not claim (42501)');
RESET ROLE;
SET ROLE tap_ob_signin;
SELECT throws_ok('SELECT * FROM auth_outbox_claim()', '42501', 'permission denied for function auth_outbox_claim',
                 'a sign-in service may not claim (42501)');
RESET ROLE;
GRANT EXECUTE ON FUNCTION auth_outbox_claim(integer) TO tap_ob_granted;
SET ROLE tap_ob_granted;
SELECT throws_ok('SELECT * FROM auth_outbox_claim()', '42501',
                 'permission denied: role "tap_ob_granted" does not have the privileges of auth_mailer',
                 'a role granted EXECUTE by hand, without auth_mailer''s privileges, is still refused (42501)');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION auth_outbox_claim(integer) FROM tap_ob_granted;
SELECT ok(has_function_privilege('auth_mailer', 'auth_outbox_claim(integer)', 'EXECUTE'),
          'auth_mailer may execute auth_outbox_claim');
SELECT ok(NOT has_function_privilege('auth_client', 'auth_outbox_claim(integer)', 'EXECUTE')
          AND NOT has_function_privilege('auth_admin', 'auth_outbox_claim(integer)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'auth_outbox_claim(integer)', 'EXECUTE'),
          'auth_client, auth_admin and PUBLIC may not');
SELECT function_returns('public', 'auth_outbox_claim', ARRAY['integer'], 'setof record',
                        'auth_outbox_claim(max_messages) returns a table');
SELECT is(pg_get_function_result('auth_outbox_claim(integer)'::regprocedure),
          'TABLE(id bigint, kind text, email text, full_name text, product text, token text, '
          'created_at timestamp with time zone, expires_at timestamp with time zone)',
          'its columns are those of the contract');

-- Bad max_messages.
SET ROLE tap_ob_mailer;
SELECT throws_ok('SELECT * FROM auth_outbox_claim(0)', '22023', 'max_messages must be between 1 and 1000',
                 'max_messages 0 raises 22023');
SELECT throws_ok('SELECT * FROM auth_outbox_claim(1001)', '22023', 'max_messages must be between 1 and 1000',
                 'max_messages 1001 raises 22023');
SELECT throws_ok('SELECT * FROM auth_outbox_claim(-5)', '22023', NULL, 'a negative max_messages raises 22023');
SELECT throws_ok('SELECT * FROM auth_outbox_claim(NULL)', '22004', 'max_messages must not be null',
                 'a NULL max_messages raises 22004');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.outbox WHERE claimed_at IS NOT NULL), 0, 'the refused calls claimed nothing');

-- A claim writes, so a read-only transaction is told so.
SELECT is(pg_temp.error_in_read_only('SELECT * FROM auth_outbox_claim()'), '25006: auth_outbox_claim needs a writable transaction',
          'auth_outbox_claim in a READ ONLY transaction raises 25006');

-- ---------------------------------------------------------------------------------
-- Claims: oldest first, at most max_messages, each once, tokens erased.
-- m3 is made the oldest: the order is by age, not by id.
UPDATE auth.outbox SET created_at = created_at - interval '1 hour' WHERE id = :m3;
SET ROLE tap_ob_mailer;
CREATE TEMP TABLE tap_ob_first AS SELECT * FROM auth_outbox_claim(2);
RESET ROLE;
SELECT is((SELECT array_agg(id ORDER BY created_at, id) FROM tap_ob_first), ARRAY[:m3, :m1]::bigint[],
          'a claim of 2 gives the 2 oldest messages, oldest first');
SELECT is((SELECT count(*)::int FROM tap_ob_first), 2, 'and no more than 2');
SELECT is((SELECT (kind, email, full_name, product, token)::text FROM tap_ob_first WHERE id = :m1),
          ('password_reset', 'Tap.OB.Sam@Example.com', 'Sam Tapper', 'Payroll', :'t1')::text,
          'each with its kind, email, the user''s full name, the product''s name and the token');
SELECT is((SELECT (product, full_name, token)::text FROM tap_ob_first WHERE id = :m3),
          (NULL::text, NULL::text, :'t3')::text, 'no product (nor full name) when there is none');
SELECT is((SELECT (created_at, expires_at)::text FROM tap_ob_first WHERE id = :m1),
          (SELECT (created_at, expires_at)::text FROM auth.outbox WHERE id = :m1), 'and its times');
SELECT is((SELECT array_agg(sealed_token IS NULL ORDER BY id) FROM auth.outbox WHERE id IN (:m1, :m3)), ARRAY[true, true],
          'the claimed tokens are erased from the outbox');
SELECT is(pg_temp.rows_holding(:'t1'), 0::bigint, 'no row of any auth table holds a claimed token');
SELECT is(pg_temp.rows_holding(:'t3'), 0::bigint, 'nor the other one');
SELECT is((SELECT array_agg((claimed_at IS NOT NULL, claimed_by)::text ORDER BY id) FROM auth.outbox WHERE id IN (:m1, :m3)),
          ARRAY[(true, 'tap_ob_mailer')::text, (true, 'tap_ob_mailer')::text], 'they are marked claimed, by the mailer');
SELECT is((SELECT (convert_from(auth.unseal(sealed_token, auth.outbox_context(id)), 'UTF8'), claimed_at)::text
           FROM auth.outbox WHERE id = :m2), (:'t2', NULL::timestamptz)::text,
          'a message not claimed keeps its token (sealed)');
SELECT is((SELECT array_agg((user_id, product_id, db_role, detail)::text ORDER BY (detail->>'message_id')::bigint)
           FROM auth.audit_log WHERE event = 'message_claimed'),
          ARRAY[(:sam, :payroll, 'tap_ob_mailer', jsonb_build_object('kind', 'password_reset', 'message_id', :m1))::text,
                (:lou, NULL::bigint, 'tap_ob_mailer', jsonb_build_object('kind', 'password_reset', 'message_id', :m3))::text],
          'each claimed message is audited: user, product, the mailer, kind and message id');

SET ROLE tap_ob_mailer;
SELECT is((SELECT array_agg(id ORDER BY id) FROM auth_outbox_claim()), ARRAY[:m2, :m4]::bigint[],
          'the next claim gives the rest, each message once; not the expired one');
SELECT is((SELECT count(*)::int FROM auth_outbox_claim()), 0, 'then there is nothing left to claim');
RESET ROLE;
SELECT is((SELECT (sealed_token, claimed_at)::text FROM auth.outbox WHERE id = :m_expired), (NULL::bytea, NULL::timestamptz)::text,
          'the expired message is never claimed, and a claim erased its token');
SELECT is((SELECT count(*)::int FROM auth.outbox WHERE sealed_token IS NOT NULL), 0, 'no message holds a token any more');

-- A claim that rolls back gives nothing away: the messages are there for the next claim.
SELECT auth.new_token() AS t5 \gset
SELECT auth.queue_message('tap_ob_signin', 'password_reset', :lou, NULL, :'t5', clock_timestamp() + interval '1 hour') \g /dev/null
SAVEPOINT tap_ob_before_claim;
SET ROLE tap_ob_mailer;
SELECT is((SELECT token FROM auth_outbox_claim()), :'t5', 'a claim that will be rolled back gets the message');
ROLLBACK TO SAVEPOINT tap_ob_before_claim;
SET ROLE tap_ob_mailer;
SELECT is((SELECT token FROM auth_outbox_claim()), :'t5', 'after the rollback the next claim gets it again, token included');
RESET ROLE;

-- Limits: the default is 10; 1 and 1000 are allowed.
SELECT auth.queue_message('tap_ob_signin', 'password_reset', :lou, NULL, auth.new_token(), clock_timestamp() + interval '1 hour')
FROM generate_series(1, 12) \g /dev/null
SET ROLE tap_ob_mailer;
SELECT is((SELECT count(*)::int FROM auth_outbox_claim()), 10, 'a claim gives at most 10 messages by default');
SELECT is((SELECT count(*)::int FROM auth_outbox_claim(1)), 1, 'max_messages 1 gives one');
SELECT is((SELECT count(*)::int FROM auth_outbox_claim(1000)), 1, 'max_messages 1000 gives what is left');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.outbox WHERE claimed_at IS NOT NULL), 17, 'every message claimed once (17)');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'message_claimed'), 17,
          'with one audit row each (the rolled-back claim left none)');

-- A superuser may claim.
SELECT auth.queue_message('tap_ob_signin', 'email_verification', :sam, NULL, auth.new_token(), clock_timestamp() + interval '1 hour') \g /dev/null
SELECT is((SELECT count(*)::int FROM auth_outbox_claim()), 1, 'a superuser may claim');
SELECT is((SELECT claimed_by FROM auth.outbox ORDER BY id DESC LIMIT 1), current_user::text,
          'and is named as the claimer');

-- No token in the audit log.
SELECT is((SELECT count(*)::int FROM auth.audit_log a, unnest(ARRAY[:'t1', :'t2', :'t3', :'t4', :'t5', :'t_expired']) t
           WHERE strpos(a::text, t) > 0), 0, 'no audit row holds a token');
SELECT cmp_ok((SELECT count(*)::int FROM auth.audit_log WHERE event IN ('message_queued', 'message_claimed')), '>=', 30,
              'while the queue and claim events are there');

SELECT * FROM finish();
ROLLBACK;
