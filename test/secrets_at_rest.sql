-- Secrets at rest: signing secrets and outbox tokens are sealed under the server key
-- file. A pg_read_all_data member reads the tables and gets nothing usable; the sealing
-- functions are the owner's alone; a sealed value opens only in its own place.
BEGIN;
SELECT plan(30);

\ir helpers.psql

CREATE ROLE tap_rest_reader NOLOGIN IN ROLE pg_read_all_data;
CREATE ROLE tap_rest_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_rest_mailer NOLOGIN IN ROLE auth_mailer;
CREATE ROLE tap_rest_operator NOLOGIN IN ROLE auth_admin;

SELECT auth_create_product('TapRest Product') \g /dev/null
SELECT auth_create_role('TapRest Product', 'member') \g /dev/null
SELECT auth_create_user('tap.rest.sam@example.com', 'sam-password-1') AS sam \gset
SELECT auth_create_user('tap.rest.lou@example.com', 'lou-password-1') AS lou \gset
SELECT auth_grant(:sam, 'TapRest Product', 'member') \g /dev/null
SELECT auth_grant(:lou, 'TapRest Product', 'member') \g /dev/null
SET ROLE tap_rest_app;
SELECT auth_login('tap.rest.lou@example.com', 'lou-password-1') AS lou_session \gset
SELECT auth_issue_jwt(:'lou_session', 'TapRest Product') AS lou_jwt \gset
RESET ROLE;
SELECT auth.new_token() AS mail_token \gset
SELECT auth.queue_message('tap_rest_app', 'password_reset', :sam, NULL, :'mail_token', now() + interval '1 hour') \g /dev/null
SELECT kid AS kid, auth.unseal(sealed_secret, auth.signing_key_context(kid)) AS secret
FROM auth.signing_keys WHERE retired_at IS NULL \gset

-- ---------------------------------------------------------------------------------
-- What a pg_read_all_data member reads.
SET ROLE tap_rest_reader;
SELECT kid AS read_kid, public_key AS read_public, sealed_secret AS read_sealed FROM auth.signing_keys \gset
SELECT id AS read_message, sealed_token AS read_token FROM auth.outbox \gset
RESET ROLE;
SELECT is(:'read_kid'::text, :'kid'::text, 'a pg_read_all_data member reads the key table');
SELECT is(length(:'read_sealed'::bytea), length(:'secret'::bytea) + 45,
          'the secret it reads is sealed: 45 bytes longer (header, nonce, tag) than the secret');
SELECT is(position(substr(:'secret'::bytea, 1, 32) IN :'read_sealed'::bytea), 0,
          'and holds no part of the Ed25519 seed in clear');
SELECT isnt(:'read_token'::bytea, NULL, 'it reads the outbox message''s token column');
SELECT is(strpos(encode(:'read_token'::bytea, 'escape'), :'mail_token'), 0, 'which holds no token readable in clear');
SELECT is(strpos(encode(:'read_token'::bytea, 'hex'), encode(convert_to(:'mail_token', 'UTF8'), 'hex')), 0,
          'not even as bytes');

-- Tokens forged with what it read (HS256 with each value as the HMAC secret; EdDSA with
-- the sealed bytes cut to a key's length) do not verify.
SELECT auth.jwt_sign('HS256', :'kid', jsonb_build_object('iss', 'auth', 'sub', :sam::text, 'aud', 'TapRest Product',
                     'exp', floor(extract(epoch FROM now())) + 600)::text, :'read_sealed'::bytea) AS forged_sealed,
       auth.jwt_sign('HS256', :'kid', jsonb_build_object('iss', 'auth', 'sub', :sam::text, 'aud', 'TapRest Product',
                     'exp', floor(extract(epoch FROM now())) + 600)::text, :'read_public'::bytea) AS forged_public,
       auth.jwt_sign('EdDSA', :'kid', jsonb_build_object('iss', 'auth', 'sub', :sam::text, 'aud', 'TapRest Product',
                     'exp', floor(extract(epoch FROM now())) + 600)::text, substr(:'read_sealed'::bytea, 46, 64)) AS forged_eddsa,
       auth.jwt_sign('EdDSA', :'kid', jsonb_build_object('iss', 'auth', 'sub', :sam::text, 'aud', 'TapRest Product',
                     'exp', floor(extract(epoch FROM now())) + 600)::text, :'secret'::bytea) AS real_signature \gset
SET ROLE tap_rest_app;
SELECT is(auth_verify_jwt(:'forged_sealed'), NULL, 'an HS256 token with the sealed secret as key is refused');
SELECT is(auth_verify_jwt(:'forged_public'), NULL, 'an HS256 token with the public key as key is refused');
SELECT is(auth_verify_jwt(:'forged_eddsa'), NULL, 'an EdDSA token signed with the sealed bytes is refused');
SELECT is(auth_verify_jwt(:'real_signature')->>'sub', :sam::text,
          'while the same claims signed with the real secret (unsealed by the superuser) verify');
SELECT is(auth_verify_jwt(:'lou_jwt')->>'sub', :lou::text, 'as do issued tokens');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Who may seal and unseal: the extension's owner alone.
SELECT is(array_agg(r ORDER BY r), NULL, 'no role but the owner may execute auth.seal or auth.unseal')
FROM unnest(ARRAY['public', 'tap_rest_reader', 'tap_rest_app', 'tap_rest_mailer', 'tap_rest_operator',
                  'auth_admin', 'auth_client', 'auth_mailer', 'auth_user', 'pg_read_all_data']) r
WHERE has_function_privilege(r, 'auth.unseal(bytea,text)', 'EXECUTE')
   OR has_function_privilege(r, 'auth.seal(bytea,text)', 'EXECUTE');
SELECT is(array_agg(a.grantee::regrole::text), NULL, 'their ACLs hold nobody but the owner')
FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
WHERE p.oid IN ('auth.unseal(bytea,text)'::regprocedure, 'auth.seal(bytea,text)'::regprocedure)
  AND a.grantee <> p.proowner;
SET ROLE tap_rest_reader;
SELECT is(pg_temp.error_of(format('SELECT auth.unseal(%L::bytea, %L)', :'read_sealed', 'auth.signing_keys:' || :'kid')),
          '42501: permission denied for function unseal', 'the reader cannot unseal what it read');
RESET ROLE;
SET ROLE tap_rest_operator;
SELECT is(pg_temp.error_of(format('SELECT auth.unseal(%L::bytea, %L)', :'read_sealed', 'auth.signing_keys:' || :'kid')),
          '42501: permission denied for function unseal', 'nor can an auth_admin');
RESET ROLE;
SELECT is(array_agg(p.oid::regprocedure::text), NULL, 'both are STRICT C functions (NULL in, NULL out)')
FROM pg_proc p
WHERE p.oid IN ('auth.unseal(bytea,text)'::regprocedure, 'auth.seal(bytea,text)'::regprocedure)
  AND NOT (p.proisstrict AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c'));

-- ---------------------------------------------------------------------------------
-- A sealed value opens in its own place only.
SELECT is(auth.unseal(auth.seal('\x0102'::bytea, 'auth.test:1'), 'auth.test:1'), '\x0102'::bytea, 'seal, then unseal');
SELECT isnt(auth.seal('\x0102'::bytea, 'auth.test:1'), auth.seal('\x0102'::bytea, 'auth.test:1'),
            'sealing twice gives two values (a random nonce)');
SELECT throws_ok(format('SELECT auth.unseal(%L::bytea, %L)', :'read_sealed', 'auth.signing_keys:other-kid'),
                 'XX001', 'a sealed value does not open in its place', 'a key''s secret does not open under another kid');
SELECT throws_ok(format('SELECT auth.unseal(%L::bytea, %L)', :'read_token', 'auth.signing_keys:' || :'kid'),
                 'XX001', NULL, 'an outbox token does not open as a signing key');
SELECT throws_ok($$SELECT auth.unseal('\x00'::bytea, 'auth.test:1')$$, '22023', 'not a sealed value',
                 'bytes that are no sealed value give 22023');
-- Moving a sealed token to another message (a writer of the table, say) gets nothing:
-- the mailer's claim fails rather than hand the token out for another message.
SELECT auth.queue_message('tap_rest_app', 'password_reset', :lou, NULL, auth.new_token(), now() + interval '1 hour') \g /dev/null
SAVEPOINT moved;
UPDATE auth.outbox SET sealed_token = :'read_token' WHERE id <> :read_message;
UPDATE auth.outbox SET sealed_token = NULL WHERE id = :read_message;
SET ROLE tap_rest_mailer;
SELECT is(pg_temp.error_of('SELECT auth_outbox_claim()'), 'XX001: a sealed value does not open in its place',
          'a token moved to another message does not open there');
RESET ROLE;
ROLLBACK TO moved;

-- ---------------------------------------------------------------------------------
-- Rotating the server key (superusers only): a new key seals from now on, and every
-- stored value is sealed again under it; the old key stays in the file for old dumps.
SELECT auth.sealed_key_id(sealed_secret) AS old_key_id FROM auth.signing_keys WHERE kid = :'kid' \gset
SET ROLE tap_rest_operator;
SELECT is(pg_temp.error_of('SELECT auth.rotate_server_key()'), '42501: permission denied for function rotate_server_key',
          'an auth_admin may not rotate the server key');
RESET ROLE;
SELECT auth.rotate_server_key() AS new_key_id \gset
SELECT isnt(:'new_key_id'::text, :'old_key_id'::text, 'auth.rotate_server_key returns a new key id');
SELECT is(array_agg(DISTINCT k), ARRAY[:'new_key_id'::text], 'every stored sealed value is sealed under it now')
FROM (SELECT auth.sealed_key_id(sealed_secret) FROM auth.signing_keys WHERE sealed_secret IS NOT NULL
      UNION ALL SELECT auth.sealed_key_id(sealed_token) FROM auth.outbox WHERE sealed_token IS NOT NULL) x(k);
SELECT is(auth.sealed_key_id(auth.seal('\x01'::bytea, 'auth.test:2')), :'new_key_id', 'new values are sealed under it');
SELECT is(auth.unseal(:'read_sealed'::bytea, auth.signing_key_context(:'kid')), :'secret'::bytea,
          'a value sealed under the old key (as in an older dump) still opens');
SET ROLE tap_rest_app;
SELECT is(auth_verify_jwt(auth_issue_jwt(:'lou_session', 'TapRest Product'))->>'sub', :lou::text,
          'the re-sealed signing key still signs');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- The mailer gets the token in clear, and the row keeps nothing.
SET ROLE tap_rest_mailer;
SELECT is((SELECT token FROM auth_outbox_claim() WHERE id = :read_message), :'mail_token',
          'auth_outbox_claim gives the mailer the token in clear');
RESET ROLE;
SELECT is((SELECT sealed_token FROM auth.outbox WHERE id = :read_message), NULL, 'and the claimed row holds no token');

SELECT * FROM finish();
ROLLBACK;
