-- Errors: the C++/PostgreSQL border (a C++ exception comes out as a clean SQL error and
-- the backend keeps serving), and no error ever carries a password, a hash or a token.
BEGIN;
SELECT plan(46);

CREATE ROLE tap_errors_app NOLOGIN IN ROLE auth_signin;

-- The error a statement raises, as one text: SQLSTATE, message, detail, hint and
-- context, one per line; NULL when it raises nothing. The arguments are passed as
-- parameters, so the statement text in the context never holds them.
CREATE FUNCTION pg_temp.tap_error_of(query text, a text DEFAULT NULL, b text DEFAULT NULL,
                                     c text DEFAULT NULL) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    detail text;
    hint text;
    context text;
BEGIN
    EXECUTE query USING a, b, c;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT,
                            context = PG_EXCEPTION_CONTEXT;
    RETURN concat_ws(E'\n', state, message, detail, hint, context);
END
$$;

-- ---------------------------------------------------------------------------------
-- The border: the C++ core throws for a 1 MB password; SQL sees 22023, and the same
-- backend goes on serving.
SET ROLE tap_errors_app;
SELECT pg_backend_pid() AS pid_before \gset
SELECT throws_ok($$SELECT auth_create_user('tap.border@example.com', repeat('x', 1048576))$$,
                 '22023', 'password must be at most 1024 characters',
                 'a 1 MB password makes a clean 22023 error');
SELECT is(pg_backend_pid(), :pid_before, 'the same backend serves the next statement');
SELECT lives_ok($$SELECT auth_create_user('tap.border@example.com', 'border password')$$,
                'the next auth_create_user in that backend works');
SELECT isnt(auth_user_id('tap.border@example.com'), NULL, 'and its user is there');
-- Many throws in a row leave nothing behind either.
SELECT is((SELECT count(*)::int FROM generate_series(1, 50) i
           WHERE pg_temp.tap_error_of('SELECT auth_create_user($1, $2)',
                                      'tap.border' || i || '@example.com', repeat('y', 100000 + i))
                 LIKE '22023' || E'\n' || 'password must be at most 1024 characters%'),
          50, '50 refused over-long passwords in a row each give the same clean 22023 error');
SELECT is(pg_backend_pid(), :pid_before, 'the backend still serves after 50 refusals');
SELECT is(pg_temp.tap_error_of('SELECT auth_create_user($1, $2)', 'tap.border' || 1 || '@x', 'short'),
          pg_temp.tap_error_of('SELECT auth_create_user($1, $2)', 'tap.border' || 2 || '@x', 'short'),
          'the error text is stable from one call to the next');
SELECT throws_ok($$SELECT auth_create_user('tap.border@example.com', repeat('x', 1048576), repeat('n', 201))$$,
                 '22023', 'full_name must be at most 200 characters',
                 'an error raised in plpgsql before the C++ core also comes out as 22023');
SELECT is(auth_login('tap.border@example.com', repeat('x', 1048576)), NULL,
          'auth_login with a 1 MB password answers NULL');
SELECT is(auth_session_user(auth_login('tap.border@example.com', 'border password')),
          auth_user_id('tap.border@example.com'), 'and the backend can still log the user in');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- No password in any error about one. Each password here is distinctive, so finding
-- it (or its first 12 characters) anywhere in the error text would show a leak.
SET ROLE tap_errors_app;
SELECT pg_temp.tap_error_of('SELECT auth_create_user($1, $2)', 'tap.secret1@example.com', 'Sec7!xy')
    AS err_short \gset
SELECT matches(:'err_short'::text, '^22023\npassword must be at least 8 characters',
               'a too-short password raises 22023');
SELECT ok(strpos(:'err_short', 'Sec7!xy') = 0, 'the too-short password is not in the error');

SELECT pg_temp.tap_error_of('SELECT auth_create_user($1, $2)', 'tap.secret2@example.com',
                            'TapLongSecret-' || repeat('Q', 1100)) AS err_long \gset
SELECT matches(:'err_long'::text, '^22023\npassword must be at most 1024 characters',
               'a too-long password raises 22023');
SELECT ok(strpos(:'err_long', 'TapLongSecret') = 0 AND strpos(:'err_long', 'QQQQQQQQ') = 0,
          'no part of the too-long password is in the error');

SELECT pg_temp.tap_error_of('SELECT auth_create_user($1, $2)', 'tap.secret3@example.com',
                            'TapHugeSecret-' || repeat('Z', 1048576)) AS err_huge \gset
SELECT matches(:'err_huge'::text, '^22023\n', 'a 1 MB password raises 22023');
SELECT ok(strpos(:'err_huge', 'TapHugeSecret') = 0 AND strpos(:'err_huge', 'ZZZZZZZZ') = 0,
          'no part of the 1 MB password is in the error');
SELECT cmp_ok(length(:'err_huge'), '<', 2000, 'the error about a 1 MB password is short');

SELECT pg_temp.tap_error_of('SELECT auth_create_user($1, $2)', 'TAP.BORDER@example.com',
                            'TapDuplicateSecret-42') AS err_dup \gset
SELECT matches(:'err_dup'::text, '^23505\na user with this email already exists', 'a duplicate email raises 23505');
SELECT ok(strpos(:'err_dup', 'TapDuplicateSecret-42') = 0, 'the password is not in the duplicate-email error');
SELECT ok(strpos(:'err_dup', '$argon2') = 0, 'no hash is in the duplicate-email error');

SELECT pg_temp.tap_error_of('SELECT auth_create_user($1, $2)', 'not-an-address', 'TapBadEmailSecret-1')
    AS err_email \gset
SELECT matches(:'err_email'::text, '^22023\nemail is not a valid address', 'a malformed email raises 22023');
SELECT ok(strpos(:'err_email', 'TapBadEmailSecret-1') = 0, 'the password is not in the malformed-email error');

SELECT pg_temp.tap_error_of('SELECT auth_create_user($1, $2)', NULL, 'TapNullEmailSecret-1') AS err_null \gset
SELECT matches(:'err_null'::text, '^22004\nemail must not be null', 'a NULL email raises 22004');
SELECT ok(strpos(:'err_null', 'TapNullEmailSecret-1') = 0, 'the password is not in the NULL-email error');

SELECT pg_temp.tap_error_of('SELECT auth_create_user($1, $2, $3)', 'tap.secret4@example.com',
                            'TapFullNameSecret-1', repeat('n', 201)) AS err_name \gset
SELECT matches(:'err_name'::text, '^22023\nfull_name must be at most 200 characters', 'a long full_name raises 22023');
SELECT ok(strpos(:'err_name', 'TapFullNameSecret-1') = 0, 'the password is not in the full_name error');

-- The password in an email's place (people type it there): not echoed back either.
SELECT pg_temp.tap_error_of('SELECT auth_create_user($1, $2)', 'TapPasswordAsEmail!', 'whatever password')
    AS err_pwemail \gset
SELECT matches(:'err_pwemail'::text, '^22023\n', 'a password typed as the email raises 22023');
SELECT ok(strpos(:'err_pwemail', 'TapPasswordAsEmail!') = 0, 'the malformed email is not echoed in the error');

-- Login never raises, whatever its input, so no password reaches an error report.
SELECT is(pg_temp.tap_error_of('SELECT auth_login($1, $2)', 'tap.border@example.com', 'TapWrongSecret-1'),
          NULL, 'auth_login with a wrong password raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_login($1, $2)', 'Sec7!xy', 'Sec7!xy'),
          NULL, 'auth_login with malformed input raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_login($1, $2)', repeat('e', 100000), repeat('p', 1048576)),
          NULL, 'auth_login with huge input raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_login($1, $2, $3)', 'tap.border@example.com', 'border password',
                               'no such tap product'),
          NULL, 'auth_login naming an unknown product raises nothing');

-- ---------------------------------------------------------------------------------
-- Tokens: auth_session_user and auth_logout answer, never raise.
SELECT auth_login('tap.border@example.com', 'border password') AS tok \gset
SELECT is(pg_temp.tap_error_of('SELECT auth_session_user($1)', :'tok'), NULL,
          'auth_session_user with a valid token raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_session_user($1)', reverse(:'tok')), NULL,
          'auth_session_user with a wrong token raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_session_user($1)', repeat('!', 43)), NULL,
          'auth_session_user with a non-base64 token raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_session_user($1)', repeat('t', 100000)), NULL,
          'auth_session_user with a 100,000-character token raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_session_user($1)', NULL), NULL,
          'auth_session_user with NULL raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_logout($1)', reverse(:'tok')), NULL,
          'auth_logout with a wrong token raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_logout($1)', repeat('é', 43)), NULL,
          'auth_logout with a non-base64 token raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_logout($1)', NULL), NULL,
          'auth_logout with NULL raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_logout($1)', :'tok'), NULL,
          'auth_logout with a valid token raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_logout($1)', :'tok'), NULL,
          'auth_logout with an already ended token raises nothing');
SELECT is(pg_temp.tap_error_of('SELECT auth_session_user($1)', :'tok'), NULL,
          'auth_session_user with an ended token raises nothing');
RESET ROLE;

-- A looked-up name is echoed in the message with control characters and line breaks as
-- '?', so it cannot forge a line in the server log.
SELECT throws_ok($$SELECT auth_create_role(E'x"\n2026-01-01 LOG:  forged', 'viewer')$$, '42704',
                 'product "x"?2026-01-01 LOG:  forged" does not exist',
                 'a newline in a looked-up name is shown as ?');
SELECT throws_ok($$SELECT auth_create_role(E'a\u2028b\u0085c\td', 'viewer')$$, '42704',
                 'product "a?b?c?d" does not exist',
                 'line separators, C1 controls and tabs are shown as ?');

-- And the audit log holds none of the secrets used above.
SELECT is_empty(format($$
    SELECT id FROM auth.audit_log a
    WHERE strpos(a::text, %L) > 0 OR strpos(a::text, 'Secret') > 0 OR strpos(a::text, '$argon2') > 0
       OR strpos(a::text, 'border password') > 0
$$, :'tok'), 'no audit row holds a password, a hash or the token');

SELECT * FROM finish();
ROLLBACK;
