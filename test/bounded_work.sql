-- Bounded work (issue 11, item 4): imported hashes whose check could cost more than about
-- a second, or more than 256 MiB, are refused at import; a password too long for an
-- imported sha-crypt hash is refused at the check, after decoy work; hashes over the
-- bound stored before 0.2.0 stay usable and are listed; a user's grants in other products
-- change nothing of a check or a token in this one; auth.max_grants_per_user bounds a
-- user's grants within one product.
BEGIN;
SELECT plan(28);

CREATE ROLE tap_bw_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_bw_operator NOLOGIN IN ROLE auth_admin;
CREATE ROLE tap_bw_client NOLOGIN IN ROLE auth_client;

-- The message and detail of the error a statement raises, for checking what they show.
CREATE FUNCTION pg_temp.error_text(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE message text; detail text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN message || ' / ' || coalesce(detail, '');
END
$$;
-- Seconds a statement takes.
CREATE FUNCTION pg_temp.seconds(statement text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE statement;
    RETURN extract(epoch FROM clock_timestamp() - t0);
END
$$;

-- ---------------------------------------------------------------------------------
-- Refused at import, judged from the hash's parameters (22023, the argument named).
SELECT throws_ok(format('SELECT auth_import_user(%L, %L)', 'tap.bw.bad1@example.com', h), '22023',
                 'password_hash asks for more work than auth verifies at a login', what)
FROM (VALUES
    ('$6$rounds=2000000$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1',
     'sha512-crypt with 2,000,000 rounds (about 2 s a check of a 64-byte password)'),
    ('$5$rounds=1000000$JGBqMk5b9y6UrgSE$6/w5UdALYXzBmV85scrERlFPNGOhhyzKnf6nx6hoFvD',
     'sha256-crypt with 1,000,000 rounds'),
    ('$argon2id$v=19$m=1048576,t=1,p=1$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg',
     'Argon2id with 1 GiB of memory'),
    ('$argon2id$v=19$m=262144,t=4,p=1$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg',
     'Argon2id with 256 MiB over 4 passes (time)'),
    ('$2b$14$yyP94uM/XDlQsyaupZt.UeUbpDxleEheyLlwuCgFaTiQxB2SXn48y', 'bcrypt cost 14'),
    ('$y$jFT$7qfhQVZBYBB6QYnzzYmtq/$k72gp9x7S4.sJ3Y4EtVcCGPSAE3NOmSy6vig1NOE5S4', 'yescrypt with 1 GiB')
) AS t(h, what);
SELECT unalike(pg_temp.error_text($$SELECT auth_import_user('tap.bw.bad2@example.com',
    '$6$rounds=2000000$YjG6pIdwgLwws6MD$F3TOLwOcgpUUgvZnfayUqBRlJNYcODpT1iMSYBvmcJ5/Wz8mMl7eB5VXGBkrBs9P0CYRTSqVLvBxPgYqbS63I1')$$),
    '%YjG6pIdwgLwws6MD%', 'the refusal never shows the hash');
SELECT alike(pg_temp.error_text($$SELECT auth_import_user('tap.bw.bad3@example.com',
    '$argon2id$v=19$m=1048576,t=1,p=1$qdUdB7pMBGqDvftzVuGZhA$tvdTq6YBuYawuLlUUWTiEg')$$),
    '%1024 MiB of memory%256 MiB%', 'the detail says what costs too much');
SELECT is((SELECT count(*)::int FROM auth.users WHERE email LIKE 'tap.bw.bad%'), 0, 'nothing refused was stored');

-- ---------------------------------------------------------------------------------
-- The check-time rule: sha512-crypt at passlib's default of 656,000 rounds is importable;
-- a 64-byte password is checked against it, a 400-byte one (about 1.3 s of rounds) is
-- refused after the decoy Argon2id work instead, even when it is the right one.
SELECT lives_ok($$SELECT auth_import_user('tap.bw.short@example.com',
    '$6$rounds=656000$boundedworksalt2$OvThGJF1Weo4fp2KwIa.rtfZfYmOSlobNZ6csMO.bhpgmDzeTK.HCNdhTkaTB6krMxRhaxkUN7ne3zYgqoWTx1')$$,
    'sha512-crypt with 656,000 rounds is importable');
SELECT lives_ok($$SELECT auth_import_user('tap.bw.long@example.com',
    '$6$rounds=656000$boundedworksalt1$pw5HgqfI9u3pMu4jDRoq8fsb2fhE.px7p/CmAOabRxhI9HzAsWlUel9VKDNeQFmJ3JXYQhsTU88TOZyWxNhb1/')$$,
    'and so is one made from a 400-byte password');
SET ROLE tap_bw_app;
SELECT isnt(auth_login('tap.bw.short@example.com', repeat('b', 64)), NULL,
            'a 64-byte password is checked against 656,000 rounds and logs in');
SELECT is(auth_login('tap.bw.long@example.com', repeat('a', 400)), NULL,
          'the right 400-byte password is refused: its rounds would cost more than the bound');
RESET ROLE;
SELECT cmp_ok(pg_temp.seconds($$SELECT auth.password_matches(repeat('a', 400),
    (SELECT password_hash FROM auth.users WHERE email = 'tap.bw.long@example.com'), true)$$), '<', 0.8::float8,
    'and the refusal takes the decoy''s time, not the 1.3 s of its rounds');
SELECT is((SELECT password_imported FROM auth.users WHERE email = 'tap.bw.long@example.com'), true,
          'the refused user''s imported hash is kept');

-- ---------------------------------------------------------------------------------
-- A hash over the bound stored before 0.2.0 (as the upgrade finds it) is listed for the
-- operator, and still works; its first successful login replaces it.
SELECT auth_create_user('tap.bw.legacy@example.com', 'placeholder-password') AS legacy \gset
UPDATE auth.users SET password_imported = true, password_hash =
    '$6$rounds=1200000$legacyoverbound1$uTpPjyiRitKrtchPSYmBoQOsBh3.ZXjmRlw7qwvCPGpiadqB7NY4tCR0oC/DxpkXvbV7bJBikcn7iDbn4BuXP1'
WHERE id = :legacy;
SET ROLE tap_bw_operator;
SELECT results_eq(format('SELECT user_id, email, format, imported FROM auth.hashes_over_bound WHERE user_id = %s', :legacy),
                  format('VALUES (%s::bigint, %L, %L, true)', :legacy, 'tap.bw.legacy@example.com', 'sha512-crypt'),
                  'auth.hashes_over_bound lists the user, the format, never the hash (auth_admin reads it)');
SELECT is((SELECT count(*)::int FROM auth.hashes_over_bound WHERE email LIKE 'tap.bw.short%'), 0,
          'an importable hash is not listed');
RESET ROLE;
SET ROLE tap_bw_client;
SELECT throws_ok('SELECT * FROM auth.hashes_over_bound', '42501', NULL, 'a client may not read the list');
RESET ROLE;
SET ROLE tap_bw_app;
SELECT isnt(auth_login('tap.bw.legacy@example.com', 'legacy-pw'), NULL, 'the listed hash still logs its user in');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM auth.hashes_over_bound WHERE user_id = :legacy), 0,
          'and, replaced by Argon2id at that login, leaves the list');

-- ---------------------------------------------------------------------------------
-- auth.max_grants_per_user bounds a user's grants within one product (54000).
SELECT auth_create_product('TapBw Shop') \g /dev/null
SELECT auth_create_product('TapBw Elsewhere') \g /dev/null
SELECT auth_create_role('TapBw Shop', 'r' || i) FROM generate_series(1, 4) i \g /dev/null
SELECT auth_create_role('TapBw Elsewhere', 'e' || i) FROM generate_series(1, 200) i \g /dev/null
SELECT auth_create_user('tap.bw.grants@example.com', 'grants-password', product => 'TapBw Shop') AS g \gset
SET auth.max_grants_per_user = 3;
SELECT ok(auth_grant(:g, 'TapBw Shop', 'r1') AND auth_grant(:g, 'TapBw Shop', 'r2') AND auth_grant(:g, 'TapBw Shop', 'r3'),
          'three grants within a bound of 3');
SELECT throws_ok(format('SELECT auth_grant(%s, %L, %L)', :g, 'TapBw Shop', 'r4'), '54000',
                 format('user %s already holds 3 grants in product TapBw Shop, the most auth.max_grants_per_user allows', :g),
                 'a fourth grant in the product raises 54000');
SELECT is(auth_grant(:g, 'TapBw Shop', 'r2'), false, 'granting a role already held is not refused');
SELECT is((SELECT count(*)::int FROM auth.user_roles WHERE user_id = :g), 3, 'nothing refused was stored');
RESET auth.max_grants_per_user;
SELECT is(current_setting('auth.max_grants_per_user'), '1000', 'auth.max_grants_per_user defaults to 1000');

-- ---------------------------------------------------------------------------------
-- Grants in other products change nothing here: not the answers, not the token.
SELECT auth_login('tap.bw.grants@example.com', 'grants-password', 'TapBw Shop') AS session \gset
SELECT auth_issue_jwt(:'session', 'TapBw Shop') AS jwt_before \gset
SELECT auth_grant(:g, 'TapBw Elsewhere', 'e' || i) FROM generate_series(1, 200) i \g /dev/null
SELECT auth_issue_jwt(:'session', 'TapBw Shop') AS jwt_after \gset
SELECT is(length(split_part(:'jwt_after', '.', 2)), length(split_part(:'jwt_before', '.', 2)),
          'the JWT of this product is the same size after 200 grants in another product');
SELECT is((SELECT count(*)::int FROM auth_user_roles(:g, 'TapBw Shop')), 3,
          'auth_user_roles for this product lists this product''s roles only');
SELECT ok(auth_has_role(:g, 'TapBw Shop', 'r1') AND NOT auth_has_role(:g, 'TapBw Shop', 'r4')
          AND auth_has_role(:g, 'TapBw Elsewhere', 'e200'), 'the checks answer as before in both products');

SELECT * FROM finish();
ROLLBACK;
