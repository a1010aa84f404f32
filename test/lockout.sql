-- Failed password checks are counted for good (issue 11, item 1): a client that checks
-- inside a savepoint or a PL/pgSQL exception block and rolls back keeps its answer but not
-- its failure; the lock comes after auth.max_failed_logins guesses however they were
-- made, and the audit rows of the failures stay. No password reaches an audit row.
-- (Each file runs in a transaction rolled back at its end: the recorder's rows are
-- committed, the users here are not, and the count is kept by id all the same.)
BEGIN;
\ir helpers.psql
SELECT plan(16);

CREATE ROLE tap_lock_app NOLOGIN IN ROLE auth_signin;
SELECT auth_create_user('tap.lock.gus@example.com', 'gus-password-1') AS gus \gset
SELECT auth_create_user('tap.lock.ivy@example.com', 'ivy-password-1') AS ivy \gset
SELECT auth_create_user('tap.lock.pia@example.com', 'pia-password-1') AS pia \gset

-- Ten guesses, each rolled back to a savepoint right after its answer.
SET ROLE tap_lock_app;
SAVEPOINT guess; SELECT auth_login('tap.lock.gus@example.com', 'guess-01') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
SAVEPOINT guess; SELECT auth_login('tap.lock.gus@example.com', 'guess-02') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
SAVEPOINT guess; SELECT auth_verify_password('tap.lock.gus@example.com', 'guess-03') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
RESET ROLE;
SELECT is(pg_temp.failed_logins(:gus), 3, 'three guesses rolled back to a savepoint are all counted');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE user_id = :gus AND event IN ('login_failed', 'password_verify_failed')),
          3, 'and each left its audit row');
SET ROLE tap_lock_app;
SAVEPOINT guess; SELECT auth_login('tap.lock.gus@example.com', 'guess-04') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
SAVEPOINT guess; SELECT auth_login('tap.lock.gus@example.com', 'guess-05') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
SAVEPOINT guess; SELECT auth_login('tap.lock.gus@example.com', 'guess-06') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
SAVEPOINT guess; SELECT auth_login('tap.lock.gus@example.com', 'guess-07') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
SAVEPOINT guess; SELECT auth_login('tap.lock.gus@example.com', 'guess-08') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
SAVEPOINT guess; SELECT auth_login('tap.lock.gus@example.com', 'guess-09') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
SAVEPOINT guess; SELECT auth_login('tap.lock.gus@example.com', 'guess-10') IS NULL AS refused; ROLLBACK TO SAVEPOINT guess;
SAVEPOINT guess;
SELECT is(auth_login('tap.lock.gus@example.com', 'gus-password-1'), NULL,
          'after auth.max_failed_logins (10) guesses rolled back one by one, the right password is refused');
ROLLBACK TO SAVEPOINT guess;
RESET ROLE;
SELECT ok(pg_temp.locked_until(:gus) > now(), 'the account is locked');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE user_id = :gus AND event = 'user_locked'), 1,
          'the lock has its audit row');
SELECT is((SELECT detail->>'reason' FROM auth.audit_log WHERE user_id = :gus AND event = 'login_failed' ORDER BY id DESC LIMIT 1),
          'locked', 'and the refused right password is recorded as locked');

-- A PL/pgSQL loop that keeps each answer and throws its failure away with an exception.
SET auth.max_failed_logins = 5;
CREATE FUNCTION pg_temp.guess_and_undo(email text, guess text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE answer bigint;
BEGIN
    BEGIN
        answer := auth_verify_password(email, guess);
        RAISE EXCEPTION 'undo' USING ERRCODE = 'P0001', DETAIL = coalesce(answer::text, 'refused');
    EXCEPTION WHEN raise_exception THEN
        RETURN answer IS NOT NULL;
    END;
END $$;
SELECT is(count(*) FILTER (WHERE pg_temp.guess_and_undo('tap.lock.ivy@example.com', 'guess ' || n)), 0::bigint,
          'five guesses made in exception blocks are refused')
FROM generate_series(1, 5) n;
SELECT is(pg_temp.guess_and_undo('tap.lock.ivy@example.com', 'ivy-password-1'), false,
          'and the right password is refused after them: the exception blocks undid no failure');
SELECT ok(pg_temp.locked_until(:ivy) > now(), 'the account is locked after auth.max_failed_logins = 5');
RESET auth.max_failed_logins;

-- A REPEATABLE READ snapshot taken before the failures does not hide the lock: the
-- decision reads the count as committed now.
SELECT is(auth.is_locked(:ivy, 'password'), true, 'auth.is_locked reads the committed lock');

-- A success clears the count at once, and a new password clears a lock.
SELECT is(auth_verify_password('tap.lock.pia@example.com', 'wrong ' || n), NULL::bigint, 'a wrong password for Pia')
FROM generate_series(1, 2) n;
SELECT is(auth_verify_password('tap.lock.pia@example.com', 'pia-password-1'), :pia::bigint, 'then the right one');
SELECT is(pg_temp.failed_logins(:pia), 0, 'which clears the count');
SELECT auth_set_password(:ivy, 'ivy-password-2') \g /dev/null
SELECT is(auth_verify_password('tap.lock.ivy@example.com', 'ivy-password-2'), :ivy::bigint,
          'a password set by an operator clears the lock');

SELECT is((SELECT count(*)::int FROM auth.audit_log
           WHERE user_id IN (:gus, :ivy, :pia) AND (detail::text ~ 'guess|password-1|wrong ')), 0,
          'no audit row holds a guess or a password');

SELECT * FROM finish();
ROLLBACK;
