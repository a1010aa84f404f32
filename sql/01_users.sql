-- Sign-up and lookup, with the errors the contract names.
\pset footer off
BEGIN;

SELECT auth_create_user('Carol@Example.com', 'a long enough password', 'Carol') > 0 AS created;
SELECT password_hash LIKE '$argon2id$v=19$m=65536,t=2,p=1$%' AS argon2id_phc_string,
       length(password_hash) AS hash_length
FROM auth.users WHERE email = 'Carol@Example.com';
SELECT auth_user_id('carol@example.com') = auth_user_id('CAROL@EXAMPLE.COM') AS case_insensitive,
       auth_user_id('nobody@example.com') AS unknown,
       auth_user_id(NULL) AS null_email,
       auth_user_id(repeat('a', 300) || '@x.y') AS too_long;

SELECT regress_try(statement) AS outcome, statement FROM (VALUES
    ($$SELECT auth_create_user('carol@EXAMPLE.com', 'another password')$$),
    ($$SELECT auth_create_user(NULL, 'a long enough password')$$),
    ($$SELECT auth_create_user('dave@example.com', NULL)$$),
    ($$SELECT auth_create_user('', 'a long enough password')$$),
    ($$SELECT auth_create_user('no-at-sign', 'a long enough password')$$),
    ($$SELECT auth_create_user('dave@example.com', 'seven!!')$$),
    ($$SELECT auth_create_user('dave@example.com', repeat('x', 1025))$$),
    ($$SELECT auth_create_user('dave@example.com', repeat('x', 1000000))$$),
    ($$SELECT auth_create_user('dave@example.com', 'a long enough password', repeat('n', 201))$$),
    ($$SELECT auth_create_user(repeat('e', 251) || '@x.y', 'a long enough password')$$)
) AS t(statement);

-- Eight characters are enough, however many bytes they take; 1024 is the most. (These
-- count characters: one character repeated is refused by the dictionary check, which
-- this is not about.)
SET auth.password_check = none;
SELECT auth_create_user('erin@example.com', 'ééééééé€') > 0 AS eight_multibyte_characters,
       auth_create_user('frank@example.com', repeat('x', 1024)) > 0 AS exactly_1024;
RESET auth.password_check;
ROLLBACK;
