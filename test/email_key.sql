-- One address, one account: emails matched by one key (ICU's NFKC case fold) in every
-- function, invisible characters refused, look-alike addresses refused as duplicates,
-- and accounts of 0.1.0 that collide kept and still served (docs/email-addresses.md).
BEGIN;
SELECT plan(67);

CREATE ROLE tap_em_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_em_operator NOLOGIN IN ROLE auth_admin;
\ir helpers.psql

-- Messages queued to exactly this address (the outbox's email is the one mailed to).
CREATE FUNCTION pg_temp.mails_to(p_email text) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT count(*) FROM auth.outbox o WHERE o.email = p_email $$;

SET ROLE tap_em_app;
SELECT auth_create_user('kate@example.com', 'amber 44844b orbit 1') AS kate \gset
SELECT auth_create_user('alice@example.com', 'amber 522b27 orbit 1') AS alice \gset

-- ---------------------------------------------------------------------------------
-- The Kelvin sign (U+212A) is the letter k once folded: the same account, never another.
SELECT is(auth_user_id(U&'\212Aate@example.com'), :kate::bigint,
          'auth_user_id: the Kelvin-sign address finds the account of kate@');
SELECT is(auth_user_id(U&'\212AATE@EXAMPLE.COM'), :kate::bigint, 'in any case');
SELECT throws_ok(format('SELECT auth_create_user(%L, %L)', U&'\212Aate@example.com', 'amber 3aca8f orbit 1'),
                 '23505', 'a user with this email already exists',
                 'sign-up with the Kelvin-sign address is a duplicate (23505)');
SELECT isnt(auth_login(U&'\212Aate@example.com', 'amber 44844b orbit 1'), NULL,
            'auth_login with the Kelvin-sign address logs kate in');
SELECT is(auth_verify_password(U&'\212Aate@example.com', 'amber 44844b orbit 1'), :kate::bigint,
          'auth_verify_password with the Kelvin-sign address gives kate');
SELECT is(auth_verify_password(U&'\212Aate@example.com', 'not her password'), NULL::bigint,
          'and a wrong password is still wrong');
SELECT auth_request_password_reset(U&'\212Aate@example.com');
SELECT is(pg_temp.mails_to(U&'\212Aate@example.com'), 0::bigint,
          'a reset requested for the Kelvin-sign address is never mailed to the address as typed');
SELECT is(pg_temp.mails_to('kate@example.com'), 1::bigint, 'it goes to the stored address, kate@');
SELECT is(auth_reset_password(pg_temp.mailed_token('kate@example.com', 'password_reset'), 'amber 44844b orbit 2'), true,
          'the token mailed there resets kate''s password');
SELECT is(auth_verify_password('kate@example.com', 'amber 44844b orbit 2'), :kate::bigint, 'and the new password works');

-- ---------------------------------------------------------------------------------
-- Full-width letters are their ASCII forms once folded.
SELECT is(auth_user_id(U&'\FF41\FF4C\FF49\FF43\FF45@example.com'), :alice::bigint,
          'auth_user_id: ａｌｉｃｅ@ (full-width) finds alice@');
SELECT throws_ok(format('SELECT auth_create_user(%L, %L)', U&'\FF41\FF4C\FF49\FF43\FF45@example.com', 'amber 414768 orbit 1'),
                 '23505', 'a user with this email already exists', 'sign-up with ａｌｉｃｅ@ is a duplicate (23505)');
SELECT isnt(auth_login(U&'\FF21LICE@example.com', 'amber 522b27 orbit 1'), NULL,
            'auth_login with a full-width, upper-case form logs alice in');
SELECT is(auth_user_id(U&'stra\00DFe@example.com'), NULL::bigint, 'no match for an unknown address');
SELECT auth_create_user(U&'stra\00DFe@example.com', 'amber 455f27 orbit 1') AS strasse \gset
SELECT is(auth_user_id('STRASSE@example.com'), :strasse::bigint, 'ß folds to ss (a fold, not lower())');

-- ---------------------------------------------------------------------------------
-- Look-alikes: the same confusable skeleton, either address not all ASCII.
SELECT throws_ok(format('SELECT auth_create_user(%L, %L)', U&'\0430lice@example.com', 'amber 2be9d9 orbit 1'),
                 '23505', 'a user with this email already exists',
                 'sign-up with a Cyrillic а in alice@ is a duplicate of alice@ (23505)');
SELECT throws_ok(format('SELECT auth_create_user(%L, %L)', U&'\0410LICE@example.com', 'amber 2be9d9 orbit 1'),
                 '23505', 'a user with this email already exists', 'so is a Cyrillic А in ALICE@');
SELECT is(auth_user_id(U&'\0430lice@example.com'), NULL::bigint,
          'a look-alike address is another key: it finds nobody');
SELECT is(auth_login(U&'\0430lice@example.com', 'amber 522b27 orbit 1'), NULL, 'and logs nobody in');
SELECT auth_create_user(U&'p\0430yp\0430l@example.com', 'amber 2be9d9 orbit 1') AS fake_paypal \gset
SELECT throws_ok(format('SELECT auth_create_user(%L, %L)', 'paypal@example.com', 'amber e2d35a orbit 1'),
                 '23505', 'a user with this email already exists',
                 'the other way round too: an ASCII address looking like a non-ASCII one''s is refused');
SELECT auth_create_user('barn@example.com', 'amber 904058 orbit 1') AS barn \gset
SELECT auth_create_user('bam@example.com', 'amber 7af258 orbit 1') AS bam \gset
SELECT isnt(:barn::bigint, :bam::bigint, 'barn@ and bam@ (look-alikes, both ASCII) are two accounts');
SELECT is(ARRAY[auth_user_id('barn@example.com'), auth_user_id('bam@example.com')], ARRAY[:barn, :bam]::bigint[],
          'each finds its own');
SELECT throws_ok(format('SELECT auth_create_user(%L, %L)', U&'b\0430rn@example.com', 'amber 904058 orbit 2'),
                 '23505', 'a user with this email already exists', 'but a non-ASCII look-alike of them is refused');
SELECT auth_create_user(U&'j\00F6rg@b\00FCcher.example', 'amber c00970 orbit 1') AS jorg \gset
SELECT is(auth_user_id(U&'J\00D6RG@B\00DCCHER.EXAMPLE'), :jorg::bigint,
          'an address with letters beyond ASCII signs up and is found in any case');
SELECT is(auth_user_id(U&'jo\0308rg@bu\0308cher.example'), :jorg::bigint, 'and in its decomposed form');

-- ---------------------------------------------------------------------------------
-- Invisible characters: refused where stored (22023), matching nothing where looked up.
SELECT is(pg_temp.error_of(format('SELECT auth_create_user(%L, %L)', 'new' || c || 'user@example.com', 'amber 6ccc38 orbit 1')),
          '22023: email must not contain invisible characters', 'sign-up refuses ' || name || ' (22023)')
FROM (VALUES (U&'\200B', 'a zero-width space'), (U&'\200D', 'a zero-width joiner'), (U&'\00AD', 'a soft hyphen'),
             (U&'\202E', 'a right-to-left override'), (U&'\2066', 'a bidi isolate'), (U&'\FE0F', 'a variation selector'),
             (U&'\2060', 'a word joiner'), (U&'\FEFF', 'a zero-width no-break space'), (U&'\3164', 'a Hangul filler'),
             (U&'\+0E0041', 'a tag character')) AS v(c, name);
RESET ROLE;
SET ROLE tap_em_operator;
SELECT throws_ok(format('SELECT auth_import_user(%L, %L)', U&'new\200Buser@example.com', '$2b$10$' || repeat('a', 53)),
                 '22023', 'email must not contain invisible characters', 'import refuses a zero-width space (22023)');
SELECT throws_ok(format('SELECT auth_import_user(%L, %L)', U&'k\0430te@example.com', '$2b$10$' || repeat('a', 53)),
                 '23505', 'a user with this email already exists', 'an import of a look-alike is refused the same way');
RESET ROLE;
SET ROLE tap_em_app;
SELECT is(auth_user_id(U&'ka\200Bte@example.com'), NULL::bigint,
          'auth_user_id: kate@ with a zero-width space matches nothing (its fold would reach kate)');
SELECT is(auth_user_id(U&'\00ADalice@example.com'), NULL::bigint, 'nor with a soft hyphen');
SELECT is(auth_login(U&'ka\200Bte@example.com', 'amber 44844b orbit 2'), NULL, 'auth_login with it logs nobody in');
SELECT is(auth_verify_password(U&'ka\200Bte@example.com', 'amber 44844b orbit 2'), NULL::bigint, 'nor does auth_verify_password');
SELECT auth_request_password_reset(U&'ka\200Bte@example.com');
RESET ROLE;
SELECT is((SELECT count(*) FROM auth.audit_log WHERE event = 'password_reset_requested' AND user_id = :kate),
          1::bigint, 'a reset requested with it sends kate nothing (only the reset asked for above)');
SET ROLE tap_em_app;
SELECT is(pg_temp.error_of(format('SELECT auth_create_user(%L, %L)', repeat('a', 251) || '@b.c', 'amber bd3027 orbit 1')),
          '22023: email must be at most 254 characters', 'an email over 254 characters is still 22023');
SELECT is(pg_temp.error_of(format('SELECT auth_create_user(%L, %L)', repeat(U&'\FDFA', 60) || '@b.c', 'amber bd3027 orbit 1')),
          '22023: email is too long once normalized',
          'an email of 64 characters whose NFKC form is over 1,000 bytes is 22023');
SELECT is(auth_user_id(repeat('k', 251) || '@b.c'), NULL::bigint, 'auth_user_id of an over-long email is NULL');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- The failures counted toward lockout reach the account whatever form was typed.
SET LOCAL auth.max_failed_logins = 3;
SET ROLE tap_em_app;
SELECT auth_login('bam@example.com', 'wrong password 1');
SELECT auth_login('BAM@example.com', 'wrong password 2');
SELECT auth_login(U&'\FF42\FF41\FF4D@example.com', 'wrong password 3');
SELECT is(auth_login('bam@example.com', 'amber 7af258 orbit 1'), NULL,
          'three failures under three forms of bam@ lock bam out');
SELECT isnt(auth_login('barn@example.com', 'amber 904058 orbit 1'), NULL, 'and not barn');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Account tokens stay bound to the address's key.
SET ROLE tap_em_app;
SELECT auth_request_email_verification(:jorg);
SELECT pg_temp.mailed_token(U&'j\00F6rg@b\00FCcher.example', 'email_verification') AS verify1 \gset
RESET ROLE;
UPDATE auth.users SET email = U&'J\00F6rg@B\00FCcher.example' WHERE id = :jorg;
SELECT is((SELECT email_key FROM auth.users WHERE id = :jorg), U&'j\00F6rg@b\00FCcher.example',
          'a changed address gets its key again');
SET ROLE tap_em_app;
SELECT is(auth_verify_email(:'verify1'), true, 'a verification token stays valid when the address changes only in case');
SELECT auth_request_email_verification(:jorg);
SELECT pg_temp.mailed_token(U&'J\00F6rg@B\00FCcher.example', 'email_verification') AS verify2 \gset
RESET ROLE;
UPDATE auth.users SET email = 'joerg@buecher.example' WHERE id = :jorg;
SET ROLE tap_em_app;
SELECT is(auth_verify_email(:'verify2'), false, 'and is refused once the address has another key');
RESET ROLE;
SELECT throws_ok(format('UPDATE auth.users SET email = %L WHERE id = %s', U&'b\0430m@example.com', :jorg),
                 '23505', 'a user with this email already exists', 'changing an address to a look-alike is refused too');
SELECT throws_ok(format('UPDATE auth.users SET email = %L WHERE id = %s', U&'jo\200Berg@buecher.example', :jorg),
                 '22023', 'email must not contain invisible characters',
                 'changing an address to one with an invisible character is refused (22023)');

-- ---------------------------------------------------------------------------------
-- Accounts of 0.1.0 that collide, kept by the upgrade (or restored from a dump, as here:
-- a row that arrives with its key already filled in).
INSERT INTO auth.users (email, email_key, email_skeleton, email_twin, password_hash)
VALUES (U&'\FF44ana@example.com', 'dana@example.com', 'dana@example.com', 0, auth.hash_password('wide dana password 1')),
       ('Dana@example.com', 'dana@example.com', 'dana@example.com', 1, auth.hash_password('amber 1cb970 orbit 1')),
       (U&'d\0430na@example.com', U&'d\0430na@example.com', 'dana@example.com', 0, auth.hash_password('cyrillic dana password 1'));
SELECT id AS dana FROM auth.users WHERE email = 'Dana@example.com' \gset
SELECT id AS wide_dana FROM auth.users WHERE email = U&'\FF44ana@example.com' \gset
SELECT id AS cyrillic_dana FROM auth.users WHERE email = U&'d\0430na@example.com' \gset
SET ROLE tap_em_app;
SELECT is(auth_verify_password(U&'\FF44ana@example.com', 'wide dana password 1'), :wide_dana::bigint,
          'colliding accounts kept: the oldest logs in with its stored address');
SELECT is(auth_verify_password('Dana@example.com', 'amber 1cb970 orbit 1'), :dana::bigint,
          'so does a younger one with the same key (the stored address typed wins)');
SELECT is(auth_verify_password(U&'d\0430na@example.com', 'cyrillic dana password 1'), :cyrillic_dana::bigint,
          'so does the look-alike');
SELECT is(auth_user_id('dana@example.com'), :dana::bigint,
          'another form of the shared key finds the account 0.1.0 found (lower())');
SELECT is(auth_user_id(U&'\FF24\FF21\FF2E\FF21@example.com'), :wide_dana::bigint,
          'a form only the new key matches finds the oldest');
SELECT throws_ok(format('SELECT auth_create_user(%L, %L)', 'DANA@example.com', 'amber 1cb970 orbit 2'),
                 '23505', 'a user with this email already exists', 'a new sign-up with their key is still refused');
RESET ROLE;
SET ROLE tap_em_operator;
SELECT results_eq(
    $$SELECT user_id, other_user_id, reason FROM auth.email_collisions ORDER BY 1, 2$$,
    format($$VALUES (%s::bigint, %s::bigint, 'same key'), (%1$s, %3$s, 'look-alike'), (%2$s, %3$s, 'look-alike')$$,
           :wide_dana, :dana, :cyrillic_dana),
    'the operator reads every colliding pair in auth.email_collisions');
RESET ROLE;
SET ROLE tap_em_app;
SELECT throws_ok('SELECT * FROM auth.email_collisions', '42501', NULL, 'an app may not read it');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- The functions behind it are internal.
SELECT ok(NOT has_function_privilege(r, f, 'EXECUTE'), r || ' may not execute ' || f)
FROM unnest(ARRAY['auth.email_key(text)', 'auth.email_skeleton(text)', 'auth.email_has_invisible(text)',
                  'auth.user_by_email(text)']) f,
     unnest(ARRAY['auth_client', 'auth_admin']) r
WHERE r = 'auth_client' OR f = 'auth.user_by_email(text)';
SELECT is(auth.user_by_email(U&'\212Aate@example.com'), (SELECT u FROM auth.users u WHERE u.id = :kate),
          'auth.user_by_email gives the user''s row');
SELECT is((auth.user_by_email(repeat('x', 300))).id, NULL, 'and a NULL row for an over-long email');

SELECT * FROM finish();
ROLLBACK;
