-- auth_import_user: hashes from other systems (made with mkpasswd, htpasswd, Python's
-- bcrypt and argon2-cffi, the argon2 CLI, all for the password "Tr0ub4dor&3"), refused
-- when malformed, verified as typed then NFKC, and rehashed to Argon2id at the first
-- successful login. test/hashes/interop.sh makes fresh ones with the same tools.
BEGIN;
\ir helpers.psql
SELECT plan(58);

CREATE ROLE tap_imp_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_imp_operator NOLOGIN IN ROLE auth_admin;

CREATE TEMP TABLE tap_imp_vectors (tool text, format text, hash text);
INSERT INTO tap_imp_vectors VALUES
    ('mkpasswd -m sha-512', 'sha512-crypt',
     '$6$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1'),
    ('mkpasswd -m sha-256', 'sha256-crypt', '$5$JGBqMk5b9y6UrgSE$6/w5UdALYXzBmV85scrERlFPNGOhhyzKnf6nx6hoFvD'),
    ('mkpasswd -m yescrypt', 'yescrypt', '$y$j9T$YbaRdNVW5/synVeyAdxU..$QDXSFFw9swedP1VxjyK3pONs416Q2HwbvupsaDlSWY6'),
    ('mkpasswd -m scrypt', 'scrypt', '$7$CU..../....bAXdt1OZ1sNTRVyrPqv62/$iS7dKKuUsXUKkxkWLWqUDevOLsQl0cOwzVyCAH/Qnc4'),
    ('mkpasswd -m bcrypt', 'bcrypt', '$2b$05$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y'),
    ('htpasswd -nbB', 'bcrypt', '$2y$05$RCkZ3PPQ2Kjydv9Cph4aB.78a5A8.JDp8ELfiux.VGxvH0V4Sw2Zu'),
    ('python3 bcrypt', 'bcrypt', '$2b$04$j5go6vDd5UeCTnrrJX54feH4lK6J5wDtxtpu.RQm1.kWKKQFv2Uv.'),
    ('argon2-cffi', 'argon2id', '$argon2id$v=19$m=8192,t=1,p=4$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg'),
    ('argon2-cffi argon2i', 'argon2i', '$argon2i$v=19$m=8192,t=1,p=1$FRYmWh4udRppWFn062+7WA$MdBpBZeURTTWFKZPNsTIwQ'),
    ('argon2 CLI', 'argon2id',
     '$argon2id$v=19$m=8192,t=1,p=2$c29tZXNhbHRzYWx0$N8HAaYDiqEbi0kM8PL4lRl2uNu6FYekTG8z/lZf/WDI');
GRANT SELECT ON tap_imp_vectors TO PUBLIC;

-- ---------------------------------------------------------------------------------
-- Who may import.
SET ROLE tap_imp_app;
SELECT throws_ok($$SELECT auth_import_user('tap.imp.x@example.com', (SELECT hash FROM tap_imp_vectors LIMIT 1))$$,
                 '42501', NULL, 'an auth_client member may not import users');
RESET ROLE;

-- Every format, as an operator imports it.
SET ROLE tap_imp_operator;
SELECT lives_ok(format('SELECT auth_import_user(%L, %L, %L)',
                       'tap.imp.' || row_number() OVER () || '@example.com', hash, tool),
                'an operator imports a hash made by ' || tool)
FROM tap_imp_vectors;
RESET ROLE;
SELECT results_eq($$SELECT u.full_name, (a.detail->>'format') FROM auth.users u
                    JOIN auth.audit_log a ON a.user_id = u.id AND a.event = 'user_imported'
                    ORDER BY u.id$$,
                  $$SELECT tool, format FROM tap_imp_vectors$$,
                  'each import is recorded with its format (and never the hash)');
SELECT is((SELECT count(*)::int FROM auth.audit_log a, tap_imp_vectors v WHERE strpos(a.detail::text, v.hash) > 0),
          0, 'no audit row holds an imported hash');
SELECT ok((SELECT bool_and(password_imported) FROM auth.users WHERE email LIKE 'tap.imp.%'),
          'imported hashes are marked as imported');

-- A wrong password fails against every format, and counts as a failure.
SET ROLE tap_imp_app;
SELECT is(auth_verify_password('tap.imp.' || n || '@example.com', 'Tr0ub4dor&4'), NULL::bigint,
          'a wrong password fails against the hash of ' || (SELECT tool FROM tap_imp_vectors OFFSET n - 1 LIMIT 1))
FROM generate_series(1, 10) n;
RESET ROLE;
SELECT ok((SELECT bool_and(password_imported AND pg_temp.failed_logins(id) = 1) FROM auth.users WHERE email LIKE 'tap.imp.%'),
          'failures leave the imported hashes as they are and count');

-- The right password logs in against every format, and the hash becomes ours.
SET ROLE tap_imp_app;
SELECT ok(auth_login('tap.imp.' || n || '@example.com', 'Tr0ub4dor&3') IS NOT NULL,
          'the right password logs in against the hash of ' || (SELECT tool FROM tap_imp_vectors OFFSET n - 1 LIMIT 1))
FROM generate_series(1, 10) n;
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.users
           WHERE email LIKE 'tap.imp.%' AND NOT password_imported
             AND password_hash LIKE '$argon2id$v=19$m=65536,t=2,p=1$%'),
          10, 'after the first login every hash is Argon2id at the current cost');
SELECT is((SELECT count(*)::int FROM auth.audit_log WHERE event = 'password_rehashed' AND detail->>'imported' = 'true'),
          10, 'each upgrade is recorded');
SELECT ok(auth_login('tap.imp.1@example.com', 'Tr0ub4dor&3') IS NOT NULL, 'the upgraded hash logs in');
SELECT is(auth_verify_password('tap.imp.1@example.com', 'Tr0ub4dor&4'), NULL::bigint, 'and refuses a wrong password');

-- ---------------------------------------------------------------------------------
-- Passwords the other system hashed without normalising them.
-- "é" typed decomposed (e + U+0301), hashed as typed by Python's bcrypt:
-- bcrypt.hashpw('cafe\u0301-latte'.encode(), bcrypt.gensalt(4))
SELECT auth_import_user('tap.imp.nfd@example.com', '$2b$04$sVKVKvQzaaH4tfI1TcddOORx1GX57WVRRyhUplI/Lk1BeYvBuePoC') AS nfd \gset
SELECT is(auth_verify_password('tap.imp.nfd@example.com', E'cafe\u0301-latte'), :nfd::bigint,
          'an imported hash of a decomposed password matches it typed the same way');
SELECT ok((SELECT NOT password_imported FROM auth.users WHERE id = :nfd), 'and is then rehashed');
SELECT is(auth_verify_password('tap.imp.nfd@example.com', E'caf\u00e9-latte'), :nfd::bigint,
          'after the rehash (NFKC) the composed typing matches too');
-- "é" typed composed, hashed as typed: the decomposed typing matches through its NFKC form.
-- bcrypt.hashpw('caf\u00e9-latte'.encode(), bcrypt.gensalt(4))
SELECT auth_import_user('tap.imp.nfc@example.com', '$2b$04$o26K6XOZX8O65kQiOeLveOxmnUwsLm0dgBd8xkxJuafm7Lcb4HeIG') AS nfc \gset
SELECT is(auth_verify_password('tap.imp.nfc@example.com', E'cafe\u0301-latte'), :nfc::bigint,
          'an imported hash of a composed password matches the decomposed typing (NFKC)');
-- A password shorter than today's minimum still logs in: it was set under another policy.
-- mkpasswd -m sha-512 'abc'
SELECT auth_import_user('tap.imp.short@example.com',
                        '$6$a.ZEK/DlS14/dek.$0RyCMEA40KzBy42J7utDSWLnZCAzjee9GhRp9mu7qKLffPoGYfUHOXNP3UV8wmCiSDcJ6MzWXkTW6L2pryFVF0') AS short \gset
SELECT is(auth_verify_password('tap.imp.short@example.com', 'abc'), :short::bigint,
          'an imported 3-character password verifies (and is rehashed) despite auth.password_min_length');

-- ---------------------------------------------------------------------------------
-- Refusals: 22023 without echoing the hash, 22004, 23505.
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad1@example.com', '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ')$$,
                 '22023', 'password_hash is not a well-formed argon2id hash', 'an $argon2id$ string without digest');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad2@example.com', '$argon2id$v=19$m=lots,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo')$$,
                 '22023', 'password_hash is not a well-formed argon2id hash', 'an $argon2id$ string with a bad parameter');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad3@example.com', '$2b$99$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y')$$,
                 '22023', 'password_hash is not a well-formed bcrypt hash', 'a $2b$ hash with cost 99');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad4@example.com', '$2b$5$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y')$$,
                 '22023', 'password_hash is not a well-formed bcrypt hash', 'a $2b$ hash with a one-digit cost field');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad5@example.com', '$6$YjG6pIdwgLwws6MD$F3TOLwOcgpUUg')$$,
                 '22023', 'password_hash is not a well-formed sha512-crypt hash', 'a $6$ hash cut short');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad6@example.com', '$1$saltsalt$VQ9GgErIkyJIt5ZFJhQiy/')$$,
                 '22023', 'password_hash is not in a supported format', 'md5-crypt is not accepted');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad7@example.com', 'Tr0ub4dor&3')$$,
                 '22023', 'password_hash is not in a supported format', 'a plain-text password is not a hash');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad8@example.com', '')$$,
                 '22023', 'password_hash is not in a supported format', 'an empty hash');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad10@example.com', '$2b$17$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y')$$,
                 '22023', 'password_hash asks for more work than auth verifies at a login',
                 'a bcrypt cost over 16 is refused (seconds of CPU at every login)');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad11@example.com', '$argon2id$v=19$m=4194304,t=1,p=4$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg')$$,
                 '22023', 'password_hash asks for more work than auth verifies at a login',
                 'an Argon2 hash asking for 4 GiB is refused');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.bad9@example.com', NULL)$$,
                 '22004', 'password_hash must not be null', 'a NULL hash');
SELECT throws_ok($$SELECT auth_import_user('tap.imp.1@EXAMPLE.com', (SELECT hash FROM tap_imp_vectors LIMIT 1))$$,
                 '23505', 'a user with this email already exists', 'an email already there, in any case');
SELECT throws_ok($$SELECT auth_import_user('not an email', (SELECT hash FROM tap_imp_vectors LIMIT 1))$$,
                 '22023', 'email is not a valid address', 'a malformed email');
SELECT is((SELECT count(*)::int FROM auth.users WHERE email LIKE 'tap.imp.bad%'), 0, 'nothing refused was stored');

SELECT * FROM finish();
ROLLBACK;
