-- Sign-up and lookup: auth_create_user and auth_user_id, their input rules and errors.
BEGIN;
\ir helpers.psql
SELECT plan(59);

CREATE ROLE tap_users_app NOLOGIN IN ROLE auth_signin;

-- ---------------------------------------------------------------------------------
-- An app signs a user up.
SET ROLE tap_users_app;
SELECT auth_create_user('Tap.Alice@Example.com', 'correct horse battery', 'Alice Tap', '+1 555 0100')
    AS alice \gset
SELECT cmp_ok(:alice::bigint, '>', 0::bigint, 'auth_create_user returns the new user''s id');
SELECT is(pg_typeof(auth_user_id('tap.alice@example.com'))::text, 'bigint', 'auth_user_id returns a bigint');
SELECT is(auth_user_id('tap.alice@example.com'), :alice::bigint, 'auth_user_id finds the user in lower case');
SELECT is(auth_user_id('TAP.ALICE@EXAMPLE.COM'), :alice::bigint, 'auth_user_id finds the user in upper case');
SELECT is(auth_user_id('Tap.Alice@Example.com'), :alice::bigint, 'auth_user_id finds the user as typed');
SELECT is(auth_user_id('tap.nobody@example.com'), NULL, 'auth_user_id is NULL for an unknown email');
SELECT is(auth_user_id(NULL), NULL, 'auth_user_id is NULL for NULL');
SELECT is(auth_user_id(''), NULL, 'auth_user_id is NULL for an empty email');
SELECT is(auth_user_id(repeat('a', 250) || '@example.com'), NULL,
          'auth_user_id is NULL for an email over 254 characters');
SELECT is(auth_user_id(repeat('a', 10000)), NULL, 'auth_user_id is NULL for a 10,000-character string');
SELECT is(auth_user_id('tap.alice@example.com%'), NULL, 'auth_user_id does not treat % as a wildcard');

-- A second user with the same password.
SELECT auth_create_user('tap.bob@example.com', 'correct horse battery') AS bob \gset
SELECT isnt(:bob::bigint, :alice::bigint, 'a second user gets another id');
RESET ROLE;

-- What was stored (read as the superuser).
SELECT ok(starts_with((SELECT password_hash FROM auth.users WHERE id = :alice), '$argon2id$v=19$m=65536,t=2,p=1$'),
          'the stored hash is an Argon2id PHC string at the default cost');
SELECT ok(strpos((SELECT password_hash FROM auth.users WHERE id = :alice), 'correct horse battery') = 0,
          'the stored hash does not contain the password');
SELECT isnt((SELECT password_hash FROM auth.users WHERE id = :alice),
            (SELECT password_hash FROM auth.users WHERE id = :bob),
            'the same password gives two different hashes (salted)');
SELECT is((SELECT (full_name, phone_number, is_active, pg_temp.failed_logins(id))::text FROM auth.users WHERE id = :alice),
          ('Alice Tap', '+1 555 0100', true, 0)::text,
          'full_name and phone_number are stored; the user is active with no failed logins');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'user_created' AND user_id = :alice),
          'tap_users_app', 'sign-up writes a user_created audit row naming the calling role');

-- ---------------------------------------------------------------------------------
-- Errors of auth_create_user.
SET ROLE tap_users_app;
SELECT throws_ok($$SELECT auth_create_user('TAP.ALICE@example.COM', 'another password')$$,
                 '23505', 'a user with this email already exists',
                 'an email already used in another case is refused with 23505');
SELECT throws_ok($$SELECT auth_create_user(NULL, 'tap password')$$,
                 '22004', 'email must not be null', 'a NULL email is refused with 22004');
SELECT throws_ok($$SELECT auth_create_user('tap.nullpw@example.com', NULL)$$,
                 '22004', 'password must not be null', 'a NULL password is refused with 22004');
SELECT throws_ok($$SELECT auth_create_user('', 'tap password')$$,
                 '22023', 'email must not be empty', 'an empty email is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('no-at-sign', 'tap password')$$,
                 '22023', 'email is not a valid address', 'an email without @ is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('@x', 'tap password')$$,
                 '22023', 'email is not a valid address', 'an email with no local part is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('x@', 'tap password')$$,
                 '22023', 'email is not a valid address', 'an email with no domain is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('a b@c.d', 'tap password')$$,
                 '22023', 'email is not a valid address', 'an email with a space is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user(E'tap\n@example.com', 'tap password')$$,
                 '22023', 'email is not a valid address', 'an email with a control character is refused with 22023');
-- U+0085 (NEXT LINE) is a Unicode control character (Cc): the README promises emails
-- without spaces or control characters.
SELECT throws_ok($$SELECT auth_create_user(E'tap\u0085nel@example.com', 'tap password')$$,
                 '22023', 'email is not a valid address',
                 'an email with a C1 control character (U+0085 NEXT LINE) is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user(repeat('a', 64) || '@' || repeat('b', 186) || '.com', 'tap password')$$,
                 '22023', 'email must be at most 254 characters', 'a 255-character email is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user(repeat('é', 64) || '@' || repeat('b', 186) || '.com', 'tap password')$$,
                 '22023', 'email must be at most 254 characters',
                 'a 255-character email of multi-byte characters is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('tap.short@example.com', 'Sh0rt!x')$$,
                 '22023', 'password must be at least 8 characters', 'a 7-character password is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('tap.short@example.com', '')$$,
                 '22023', 'password must be at least 8 characters', 'an empty password is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('tap.short@example.com', 'éééé')$$,
                 '22023', 'password must be at least 8 characters',
                 'a password of 4 two-byte characters (8 bytes) is too short: characters are counted, not bytes');
SELECT throws_ok($$SELECT auth_create_user('tap.long@example.com', repeat('p', 1025))$$,
                 '22023', 'password must be at most 1024 characters', 'a 1025-character password is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('tap.long@example.com', repeat('€', 1025))$$,
                 '22023', 'password must be at most 1024 characters',
                 'a password of 1025 three-byte characters is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('tap.long@example.com', repeat('p', 1048576))$$,
                 '22023', 'password must be at most 1024 characters', 'a 1 MB password is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('tap.name@example.com', 'tap password', repeat('n', 201))$$,
                 '22023', 'full_name must be at most 200 characters', 'a full_name over 200 characters is refused with 22023');
SELECT throws_ok($$SELECT auth_create_user('tap.phone@example.com', 'tap password', NULL, repeat('1', 65))$$,
                 '22023', 'phone_number must be at most 64 characters',
                 'a phone_number over 64 characters is refused with 22023');
-- A refused sign-up leaves nothing behind.
SELECT is(auth_user_id('tap.short@example.com'), NULL, 'a refused sign-up creates no user');
SELECT is(auth_user_id('tap.long@example.com'), NULL, 'a sign-up refused for a long password creates no user');

-- ---------------------------------------------------------------------------------
-- Limits that are accepted.
SELECT lives_ok($$SELECT auth_create_user(repeat('a', 64) || '@' || repeat('b', 185) || '.com', 'tap password')$$,
                'a 254-character email is accepted');
SELECT isnt(auth_user_id(upper(repeat('a', 64) || '@' || repeat('b', 185) || '.com')), NULL,
            'the 254-character email is found by auth_user_id, in any case');
SELECT lives_ok($$SELECT auth_create_user('tap.eight@example.com', 'Ei9!q#Zx')$$,
                'a password of exactly 8 characters is accepted');
-- These two are about counting characters, not quality: one character repeated is
-- refused by the dictionary check (too few different characters), so it is off for them.
RESET ROLE;
SET auth.password_check = none;
SET ROLE tap_users_app;
SELECT lives_ok($$SELECT auth_create_user('tap.max@example.com', repeat('p', 1024))$$,
                'a password of exactly 1024 characters is accepted');
SELECT lives_ok($$SELECT auth_create_user('tap.multibyte@example.com', 'ééééééé€')$$,
                'a password of 8 multi-byte characters (17 bytes) is accepted');
SELECT lives_ok($$SELECT auth_create_user('tap.euro@example.com', repeat('€', 1024))$$,
                'a password of 1024 three-byte characters (3072 bytes) is accepted');
RESET ROLE;
RESET auth.password_check;
SET ROLE tap_users_app;
SELECT lives_ok($$SELECT auth_create_user('tap.fullname@example.com', 'tap password', repeat('n', 200))$$,
                'a full_name of exactly 200 characters is accepted');
SELECT lives_ok($$SELECT auth_create_user('tap.unicode@exämple.com', 'tap password', 'Zoë Ünïcode')$$,
                'an email and a full_name with non-ASCII characters are accepted');
SELECT isnt(auth_user_id('TAP.UNICODE@EXÄMPLE.COM'), NULL, 'auth_user_id matches non-ASCII letters in any case');
SELECT lives_ok($$SELECT auth_create_user('tap.quote''o@example.com', 'zq''ix"; --w8')$$,
                'quotes in an email and a password are taken literally');
SELECT isnt(auth_user_id('tap.quote''o@example.com'), NULL, 'the email with a quote is found');
SELECT is(auth_user_id('tap.eight@example.com') IS NOT NULL AND auth_user_id('tap.max@example.com') IS NOT NULL
          AND auth_user_id('tap.multibyte@example.com') IS NOT NULL AND auth_user_id('tap.euro@example.com') IS NOT NULL,
          true, 'the accepted users can all be looked up');
RESET ROLE;

SELECT is((SELECT length(full_name) FROM auth.users WHERE lower(email) = 'tap.fullname@example.com'), 200,
          'the 200-character full_name is stored whole');
SELECT ok(starts_with((SELECT password_hash FROM auth.users WHERE lower(email) = 'tap.euro@example.com'),
                      '$argon2id$'), 'the 3072-byte password is hashed with Argon2id');
SELECT is((SELECT count(*)::int FROM auth.users), 10, 'exactly the accepted sign-ups made users');
SELECT is((SELECT count(*)::int FROM auth.audit_log a JOIN auth.users u ON u.id = a.user_id
           WHERE a.event = 'user_created'), 10, 'one user_created audit row per accepted sign-up');
SELECT is_empty($$SELECT id FROM auth.audit_log
                  WHERE strpos(detail::text, 'correct horse battery') > 0 OR strpos(detail::text, '$argon2') > 0$$,
                'the sign-up audit rows contain no password and no hash');

-- An auth_admin member may sign users up too; a superuser too.
CREATE ROLE tap_users_operator NOLOGIN IN ROLE auth_admin;
SET ROLE tap_users_operator;
SELECT lives_ok($$SELECT auth_create_user('tap.byoperator@example.com', 'tap password')$$,
                'an auth_admin member may call auth_create_user');
RESET ROLE;
SELECT is((SELECT db_role FROM auth.audit_log a JOIN auth.users u ON u.id = a.user_id
           WHERE a.event = 'user_created' AND u.email = 'tap.byoperator@example.com'),
          'tap_users_operator', 'the audit row names the auth_admin member');
SELECT lives_ok($$SELECT auth_create_user('tap.bysuperuser@example.com', 'tap password')$$,
                'a superuser may call auth_create_user');

SELECT * FROM finish();
ROLLBACK;
