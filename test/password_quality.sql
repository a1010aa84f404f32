-- Password quality: cracklib's dictionary, the email's local part and the full name, the
-- breached list (as typed and NFKC), the history of the last auth.password_history
-- passwords; at sign-up, change, reset and set, never at login or import.
BEGIN;
SELECT plan(38);

CREATE ROLE tap_pq_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_pq_operator NOLOGIN IN ROLE auth_admin;

\ir helpers.psql

SELECT auth_create_user('tap.pq.dora@example.com', 'quiet zebra 71 harbour', 'Dora Marsh') AS dora \gset

-- ---------------------------------------------------------------------------------
-- Dictionary words (of cracklib-small, the list cracklib-runtime always ships) are
-- refused on every path that sets a password, with cracklib's reason.
SET ROLE tap_pq_app;
SELECT is(pg_temp.error_of($$SELECT auth_create_user('tap.pq.x1@example.com', 'sunshine1')$$),
          '22023: password is too weak: it is based on a dictionary word',
          'sign-up refuses a dictionary word, naming the argument and the reason');
SELECT is(pg_temp.error_of(format($$SELECT auth_change_password(%s, 'quiet zebra 71 harbour', 'Football')$$, :dora)),
          '22023: new_password is too weak: it is based on a dictionary word',
          'a change refuses a dictionary word');
SELECT auth_request_password_reset('tap.pq.dora@example.com');
SELECT pg_temp.mailed_token('tap.pq.dora@example.com', 'password_reset') AS reset1 \gset
SELECT is(pg_temp.error_of(format($$SELECT auth_reset_password(%L, 'monkey123')$$, :'reset1')),
          '22023: new_password is too weak: it is based on a dictionary word',
          'a reset refuses a dictionary word');
RESET ROLE;
SELECT is((SELECT used_at FROM auth.account_tokens WHERE user_id = :dora), NULL,
          'and the reset token stays unused');
SET ROLE tap_pq_operator;
SELECT is(pg_temp.error_of(format($$SELECT auth_set_password(%s, 'Princess7')$$, :dora)),
          '22023: password is too weak: it is based on a dictionary word',
          'an operator''s set refuses a dictionary word');
RESET ROLE;
SET ROLE tap_pq_app;
SELECT is(pg_temp.error_of($$SELECT auth_create_user('tap.pq.x2@example.com', 'abcdefghij')$$),
          '22023: password is too weak: it is too simplistic/systematic',
          'cracklib''s other verdicts stand');
SELECT is(pg_temp.error_of($$SELECT auth_create_user('tap.pq.x3@example.com', 'correct horse battery staple')$$),
          'none', 'no composition rule: lower-case words without digits or symbols pass');

-- ---------------------------------------------------------------------------------
-- The email's local part and the full name, in any case.
SELECT is(pg_temp.error_of($$SELECT auth_create_user('tap.pq.carol@example.com', 'my TAP.PQ.CAROL key')$$),
          '22023: password contains the email''s local part', 'sign-up refuses the email''s local part');
SELECT is(pg_temp.error_of($$SELECT auth_create_user('tap.pq.x4@example.com', 'wolf GALE river 88', 'Dorothy Gale')$$),
          '22023: password contains the full name', 'sign-up refuses a word of the full name');
SELECT is(pg_temp.error_of(format($$SELECT auth_change_password(%s, 'quiet zebra 71 harbour', 'river marsh 2024 owl')$$, :dora)),
          '22023: new_password contains the full name', 'a change refuses the stored full name');
SELECT is(pg_temp.error_of(format($$SELECT auth_change_password(%s, 'quiet zebra 71 harbour', 'owl Tap.Pq.Dora 2024')$$, :dora)),
          '22023: new_password contains the email''s local part', 'a change refuses the stored email''s local part');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- The breached list. Digests from sha1sum (printf '%s' PASSWORD | sha1sum):
--   0b3087c187b0835a16de420f0bc89cb5fb9b189b  'wolf jumps high 42'
--   06f7773d32ebeff5b264abb30c56920af40b242d  'ﬁsh tank ② zebra' (U+FB01, U+2461: as typed)
SET ROLE tap_pq_operator;
SELECT is(auth_add_breached_passwords(ARRAY['0b3087c187b0835a16de420f0bc89cb5fb9b189b',
                                             '06F7773D32EBEFF5B264ABB30C56920AF40B242D',
                                             '0B3087C187B0835A16DE420F0BC89CB5FB9B189B']),
          2::bigint, 'auth_add_breached_passwords counts the digests it added (any case, duplicates once)');
SELECT is(auth_add_breached_passwords(ARRAY['0b3087c187b0835a16de420f0bc89cb5fb9b189b']), 0::bigint,
          'a digest already listed is not added again');
SELECT is(pg_temp.error_of($$SELECT auth_add_breached_passwords(ARRAY['0b3087c187b0835a16de420f0bc89cb5fb9b189b', 'secret-ish value'])$$),
          '22023: sha1_hex element 2 is not a SHA-1 digest',
          'a malformed element is refused by its position, never echoed');
SELECT is(pg_temp.error_of($$SELECT auth_add_breached_passwords(ARRAY['0b3087c187b0835a16de420f0bc89cb5fb9b189', 'x'])$$),
          '22023: sha1_hex element 1 is not a SHA-1 digest', 'a digest of 39 digits is malformed');
SELECT is(pg_temp.error_of($$SELECT auth_add_breached_passwords(ARRAY['0b3087c187b0835a16de420f0bc89cb5fb9b189b', NULL])$$),
          '22004: sha1_hex element 2 must not be null', 'a NULL element is refused');
SELECT is(pg_temp.error_of($$SELECT auth_add_breached_passwords(NULL)$$),
          '22004: sha1_hex must not be null', 'a NULL array is refused');
SELECT is(auth_add_breached_passwords('{}'), 0::bigint, 'an empty array adds nothing');
RESET ROLE;
SELECT is((SELECT count(*) FROM auth.breached_passwords), 2::bigint, 'and nothing of a refused call was added');
SET ROLE tap_pq_app;
SELECT is(pg_temp.error_of($$SELECT auth_create_user('tap.pq.x5@example.com', 'wolf jumps high 42')$$),
          '22023: password appeared in a data breach', 'sign-up refuses a breached password');
SELECT is(pg_temp.error_of($$SELECT auth_create_user('tap.pq.x5@example.com', 'ｗｏｌｆ jumps high ４２')$$),
          '22023: password appeared in a data breach', 'and its full-width typing, whose NFKC form is listed');
SELECT is(pg_temp.error_of(format($$SELECT auth_change_password(%s, 'quiet zebra 71 harbour', 'ﬁsh tank ② zebra')$$, :dora)),
          '22023: new_password appeared in a data breach', 'a change refuses a password listed as typed');

-- ---------------------------------------------------------------------------------
-- History: with auth.password_history = 3, a password is refused while it is one of the
-- last 3 set, and accepted again once it is not.
RESET ROLE;
SET auth.password_history = 3;
SET ROLE tap_pq_app;
SELECT auth_create_user('tap.pq.hugo@example.com', 'first tidal basin 61') AS hugo \gset
SELECT ok(auth_change_password(:hugo, 'first tidal basin 61', 'second amber lane 62'), 'a change to a new password');
SELECT ok(auth_change_password(:hugo, 'second amber lane 62', 'third copper kiln 63'), 'another');
SELECT is(pg_temp.error_of(format($$SELECT auth_change_password(%s, 'third copper kiln 63', 'first tidal basin 61')$$, :hugo)),
          '22023: new_password was used recently: it is one of the user''s last 3 passwords',
          'the sign-up password is refused: it is one of the last 3');
SELECT is(pg_temp.error_of(format($$SELECT auth_change_password(%s, 'third copper kiln 63', 'third copper kiln 63')$$, :hugo)),
          '22023: new_password was used recently: it is one of the user''s last 3 passwords',
          'the current password is refused');
SELECT is(pg_temp.error_of(format($$SELECT auth_change_password(%s, 'wrong old one 99', 'first tidal basin 61')$$, :hugo)),
          'none', 'a wrong old password gives false before the history is looked at (no error: it tells a stranger nothing)');
SELECT ok(auth_change_password(:hugo, 'third copper kiln 63', 'fourth silver moor 64'), 'a fourth password');
SELECT ok(auth_change_password(:hugo, 'fourth silver moor 64', 'first tidal basin 61'),
          'the first password is accepted again once it is not among the last 3');
RESET ROLE;
SET ROLE tap_pq_operator;
SELECT is(pg_temp.error_of(format($$SELECT auth_set_password(%s, 'fourth silver moor 64')$$, :hugo)),
          '22023: password was used recently: it is one of the user''s last 3 passwords',
          'an operator''s set obeys the history too');
RESET ROLE;
SELECT is((SELECT count(*) FROM auth.password_history WHERE user_id = :hugo), 3::bigint,
          'the history keeps the last 3 hashes');
SELECT is((SELECT count(*) FROM auth.password_history WHERE user_id = :hugo AND password_hash LIKE '$argon2id$%'), 3::bigint,
          'as Argon2id hashes');
SELECT is(pg_temp.rows_holding('tidal basin'), 0::bigint, 'no table holds a password');
SET auth.password_history = 1;
SET ROLE tap_pq_app;
SELECT ok(auth_change_password(:hugo, 'first tidal basin 61', 'third copper kiln 63'),
          'lowered to 1, an older password is accepted at once');
RESET ROLE;
SELECT is((SELECT count(*) FROM auth.password_history WHERE user_id = :hugo), 1::bigint,
          'and the user''s history is trimmed at the next change');
RESET auth.password_history;

-- ---------------------------------------------------------------------------------
-- auth.password_check = none turns the dictionary check off; login and import are
-- never refused for quality.
SET auth.password_check = none;
SET ROLE tap_pq_app;
SELECT auth_create_user('tap.pq.ivan@example.com', 'sunshine1') AS ivan \gset
SELECT ok(:ivan IS NOT NULL, 'with auth.password_check = none a dictionary word is accepted');
RESET ROLE;
RESET auth.password_check;
SET ROLE tap_pq_app;
SELECT isnt(auth_login('tap.pq.ivan@example.com', 'sunshine1'), NULL, 'a login with a dictionary word is never refused for it');
RESET ROLE;
-- mkpasswd -m sha-512 -S abcdefgh12345678 password1
SELECT auth_import_user('tap.pq.jane@example.com',
    '$6$abcdefgh12345678$8A9gJo1ClTqhok77Yd6itkKnL1imhYg1DIfTnPOOTHNjLmFoRUNM5.q41WbMXcDC1lByuiKGdIzTRek.C2ogO1') AS jane \gset
SET ROLE tap_pq_app;
SELECT isnt(auth_login('tap.pq.jane@example.com', 'password1'), NULL,
            'an imported user whose password is a dictionary word logs in');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
