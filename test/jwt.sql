-- JWTs: auth_issue_jwt, auth_verify_jwt, auth_jwks, auth_rotate_signing_key; claims,
-- every way a token can be wrong, algorithm switching, rotation, and where keys live.
BEGIN;
SELECT plan(101);

CREATE ROLE tap_jwt_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_jwt_operator NOLOGIN IN ROLE auth_admin;
CREATE ROLE tap_jwt_nobody NOLOGIN;

-- URL-safe base64 without padding, to build tokens by hand.
CREATE FUNCTION pg_temp.b64url(bytes bytea) RETURNS text LANGUAGE sql AS $$
    SELECT rtrim(translate(replace(encode(bytes, 'base64'), E'\n', ''), '+/', '-_'), '=')
$$;
CREATE FUNCTION pg_temp.b64url(value text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.b64url(convert_to(value, 'UTF8'))
$$;
-- The decoded JSON of one part (1 header, 2 claims) of a token.
CREATE FUNCTION pg_temp.part(jwt text, n int) RETURNS jsonb LANGUAGE sql AS $$
    SELECT convert_from(decode(translate(p, '-_', '+/') || repeat('=', (4 - length(p) % 4) % 4), 'base64'), 'UTF8')::jsonb
    FROM split_part(jwt, '.', n) p
$$;
-- The token with character i replaced by another one of the base64url alphabet.
CREATE FUNCTION pg_temp.changed(jwt text, i int) RETURNS text LANGUAGE sql AS $$
    SELECT overlay(jwt PLACING CASE WHEN substr(jwt, i, 1) = 'A' THEN 'B' ELSE 'A' END FROM i FOR 1)
$$;
-- The SQLSTATE a statement raises, or 'none'.
CREATE FUNCTION pg_temp.sqlstate_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'none';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.sqlstate_of(text) TO PUBLIC;

-- A product with composite roles, one tenant, and two users (lou is not a member).
SELECT auth_create_product('TapJwt Product') \g /dev/null
SELECT auth_create_product('TapJwt Other') \g /dev/null
SELECT auth_create_role('TapJwt Product', 'editor') \g /dev/null
SELECT auth_create_role('TapJwt Product', 'viewer') \g /dev/null
SELECT auth_create_role('TapJwt Product', 'billing') \g /dev/null
INSERT INTO auth.role_inherits (product_id, role_id, inherited_role_id)
SELECT r.product_id, r.id, v.id FROM auth.roles r JOIN auth.roles v ON v.product_id = r.product_id
WHERE r.name = 'editor' AND v.name = 'viewer';
INSERT INTO auth.tenants (name) VALUES ('TapJwt Acme');
SELECT auth_create_user('tap.jwt.sam@example.com', 'sam-password-1') AS sam \gset
SELECT auth_create_user('tap.jwt.lou@example.com', 'lou-password-1') AS lou \gset
SELECT auth_grant(:sam, 'TapJwt Product', 'editor') \g /dev/null
SELECT auth_grant(:sam, 'TapJwt Product', 'billing', 'TapJwt Acme') \g /dev/null

SET ROLE tap_jwt_app;
SELECT auth_login('tap.jwt.sam@example.com', 'sam-password-1') AS sam_session \gset
SELECT auth_login('tap.jwt.lou@example.com', 'lou-password-1') AS lou_session \gset
SELECT auth_issue_jwt(:'sam_session', 'TapJwt Product') AS jwt \gset
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- The token and its claims.
SELECT matches(:'jwt'::text, '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$',
               'a JWT is three base64url parts, the last an Ed25519 signature (64 bytes)');
SELECT is(pg_temp.part(:'jwt', 1) - 'kid', '{"alg": "EdDSA", "typ": "JWT"}'::jsonb, 'the header says EdDSA and JWT');
SELECT is(pg_temp.part(:'jwt', 1)->>'kid',
          (SELECT kid FROM auth.signing_keys WHERE algorithm = 'EdDSA' AND retired_at IS NULL),
          'the header names the current EdDSA key');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(pg_temp.part(:'jwt', 2)) k),
          ARRAY['aal', 'amr', 'aud', 'email', 'exp', 'iat', 'iss', 'product', 'roles', 'sid', 'sub', 'tenant_roles'],
          'the claims are iss, sub, aud, email, product, roles, tenant_roles, sid, aal, amr, iat, exp (no role by default)');
SELECT is(pg_temp.part(:'jwt', 2)->>'iss', 'auth', 'iss is auth.jwt_issuer (auth by default)');
SELECT is(pg_temp.part(:'jwt', 2)->'sub', to_jsonb(:sam::text), 'sub is the user id, as a string');
SELECT is(pg_temp.part(:'jwt', 2)->>'email', 'tap.jwt.sam@example.com', 'email is the user''s');
SELECT is(pg_temp.part(:'jwt', 2)->>'product', 'TapJwt Product', 'product is the product named');
SELECT is(pg_temp.part(:'jwt', 2)->'aud', '"TapJwt Product"'::jsonb, 'aud is the product named, a string');
SELECT is(pg_temp.part(:'jwt', 2)->'roles', '["editor", "viewer"]'::jsonb,
          'roles are the product-wide effective roles, the inherited viewer included');
SELECT is(pg_temp.part(:'jwt', 2)->'tenant_roles', '{"TapJwt Acme": ["billing", "editor", "viewer"]}'::jsonb,
          'tenant_roles maps the tenant to the roles held there (product-wide ones apply there too)');
SELECT is(pg_temp.part(:'jwt', 2)->>'sid',
          (SELECT id::text FROM auth.user_sessions WHERE token_hash = sha256(convert_to(:'sam_session', 'UTF8'))),
          'sid is the session''s id');
SELECT ok((pg_temp.part(:'jwt', 2)->>'iat')::bigint BETWEEN floor(extract(epoch FROM now()))
                                                           AND floor(extract(epoch FROM statement_timestamp())),
          'iat is the time of the statement that issued the token');
SELECT is((pg_temp.part(:'jwt', 2)->>'exp')::bigint - (pg_temp.part(:'jwt', 2)->>'iat')::bigint, 900::bigint,
          'exp is 15 minutes later by default');

SET ROLE tap_jwt_app;
SELECT is(auth_verify_jwt(:'jwt'), pg_temp.part(:'jwt', 2), 'auth_verify_jwt returns the claims');
SELECT is((pg_temp.part(auth_issue_jwt(:'sam_session', 'TapJwt Product', '1 hour'), 2)->>'exp')::bigint
          - floor(extract(epoch FROM statement_timestamp()))::bigint, 3600::bigint,
          'a ttl of an hour gives exp one hour later');
RESET ROLE;

-- Settings: the role claim and the issuer.
SET auth.jwt_role_claim = 'web_user';
SET ROLE tap_jwt_app;
SELECT is(pg_temp.part(auth_issue_jwt(:'sam_session', 'TapJwt Product'), 2)->>'role', 'web_user',
          'with auth.jwt_role_claim set, the token carries role (for PostgREST)');
RESET ROLE;
RESET auth.jwt_role_claim;
SET auth.jwt_issuer = 'https://tap.example.com';
SET ROLE tap_jwt_app;
SELECT auth_issue_jwt(:'sam_session', 'TapJwt Product') AS other_issuer_jwt \gset
SELECT is(auth_verify_jwt(:'other_issuer_jwt')->>'iss', 'https://tap.example.com', 'iss follows auth.jwt_issuer');
SELECT is(auth_verify_jwt(:'jwt'), NULL, 'a token of another issuer is refused');
RESET ROLE;
RESET auth.jwt_issuer;

-- ---------------------------------------------------------------------------------
-- No token without a valid session and an active membership.
SET ROLE tap_jwt_app;
SELECT is(auth_issue_jwt(:'lou_session', 'TapJwt Product'), NULL, 'NULL for a user who is not a member of the product');
SELECT is(auth_issue_jwt(:'sam_session', 'TapJwt Other'), NULL, 'NULL for another product the user is not in');
SELECT is(auth_issue_jwt(:'sam_session', 'No Such TapJwt Product'), NULL, 'NULL for an unknown product');
SELECT is(auth_issue_jwt(NULL, 'TapJwt Product'), NULL, 'NULL for a NULL session token');
SELECT is(auth_issue_jwt('', 'TapJwt Product'), NULL, 'NULL for an empty session token');
SELECT is(auth_issue_jwt(repeat('A', 10000), 'TapJwt Product'), NULL, 'NULL for a 10,000-character session token');
SELECT is(auth_issue_jwt(pg_temp.changed(:'sam_session', 10), 'TapJwt Product'), NULL,
          'NULL for the session token with one character changed');
SELECT is(auth_issue_jwt(:'jwt', 'TapJwt Product'), NULL, 'NULL for a JWT offered as a session token');
SELECT is(pg_temp.sqlstate_of($$SELECT auth_issue_jwt('x', NULL)$$), '22004', 'a NULL product raises 22004');
SELECT throws_ok(format('SELECT auth_issue_jwt(%L, %L, NULL)', :'sam_session', 'TapJwt Product'), '22004',
                 'ttl must not be null', 'a NULL ttl raises 22004');
SELECT throws_ok(format('SELECT auth_issue_jwt(%L, %L, %L)', :'sam_session', 'TapJwt Product', '0 seconds'), '22023',
                 'ttl must be between 1 second and 1 day', 'a zero ttl raises 22023');
SELECT throws_ok(format('SELECT auth_issue_jwt(%L, %L, %L)', :'sam_session', 'TapJwt Product', '2 days'), '22023',
                 'ttl must be between 1 second and 1 day', 'a ttl over a day raises 22023');
SELECT throws_ok(format('SELECT auth_issue_jwt(%L, %L, %L)', :'sam_session', 'TapJwt Product', '-1 hour'), '22023',
                 'ttl must be between 1 second and 1 day', 'a negative ttl raises 22023');
SELECT throws_ok(format('SELECT auth_issue_jwt(%L, %L, %L)', :'sam_session', 'TapJwt Product', '1 month -29 days 1 hour'), '22023',
                 'ttl must be between 1 second and 1 day', 'months count as 30 days: a month less 29 days is over a day');
SELECT throws_ok(format('SELECT auth_issue_jwt(%L, %L, %L)', :'sam_session', 'TapJwt Product', '0.5 seconds'), '22023',
                 'ttl must be between 1 second and 1 day', 'half a second is under a second');
SELECT is((SELECT (c->>'exp')::bigint - (c->>'iat')::bigint
           FROM (SELECT pg_temp.part(auth_issue_jwt(:'sam_session', 'TapJwt Product', '1 day -23 hours'), 2) AS c) x),
          3600::bigint, 'a day less 23 hours is counted as 3600 seconds');
RESET ROLE;

SELECT auth_login('tap.jwt.sam@example.com', 'sam-password-1') AS expired_session \gset
SELECT auth_login('tap.jwt.sam@example.com', 'sam-password-1') AS idle_session \gset
SELECT auth_login('tap.jwt.sam@example.com', 'sam-password-1') AS ended_session \gset
UPDATE auth.user_sessions SET expires_at = now() - interval '1 second'
WHERE token_hash = sha256(convert_to(:'expired_session', 'UTF8'));
UPDATE auth.user_sessions SET last_used_at = now() - interval '25 hours'
WHERE token_hash = sha256(convert_to(:'idle_session', 'UTF8'));
SELECT auth_logout(:'ended_session') \g /dev/null
SET ROLE tap_jwt_app;
SELECT is(auth_issue_jwt(:'expired_session', 'TapJwt Product'), NULL, 'NULL for an expired session');
SELECT is(auth_issue_jwt(:'idle_session', 'TapJwt Product'), NULL, 'NULL for an idle-timed-out session');
SELECT is(auth_issue_jwt(:'ended_session', 'TapJwt Product'), NULL, 'NULL for a session ended by logout');
RESET ROLE;
UPDATE auth.user_products SET status = 'suspended' WHERE user_id = :sam AND tenant_id IS NULL;
SET ROLE tap_jwt_app;
SELECT is(auth_issue_jwt(:'sam_session', 'TapJwt Product'), NULL, 'NULL while the membership is suspended');
RESET ROLE;
UPDATE auth.user_products SET status = 'active' WHERE user_id = :sam;
UPDATE auth.users SET is_active = false WHERE id = :sam;
SET ROLE tap_jwt_app;
SELECT is(auth_issue_jwt(:'sam_session', 'TapJwt Product'), NULL, 'NULL for a deactivated user');
RESET ROLE;
UPDATE auth.users SET is_active = true WHERE id = :sam;
SET ROLE tap_jwt_app;
SELECT is(auth_issue_jwt(:'sam_session', 'TapJwt Product'), NULL,
          'the deactivation ended the session: NULL after reactivation too');
SELECT auth_login('tap.jwt.sam@example.com', 'sam-password-1') AS sam_session \gset
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- auth_verify_jwt: NULL for anything wrong, never an error.
SELECT kid AS ed_kid, public_key AS ed_public, auth.unseal(sealed_secret, auth.signing_key_context(kid)) AS ed_secret
FROM auth.signing_keys WHERE algorithm = 'EdDSA' AND retired_at IS NULL \gset
SELECT is((SELECT count(*)::int FROM auth.signing_keys), 1,
          'CREATE EXTENSION made one key, of auth.jwt_algorithm: no HS256 secret exists while EdDSA is configured');
SELECT split_part(:'jwt', '.', 2) AS jwt_payload, split_part(:'jwt', '.', 3) AS jwt_signature \gset
SET ROLE tap_jwt_app;
SELECT is(auth_verify_jwt(NULL), NULL, 'NULL for NULL');
SELECT is(auth_verify_jwt(''), NULL, 'NULL for an empty string');
SELECT is(auth_verify_jwt(repeat('A', 10000)), NULL, 'NULL for 10,000 characters');
SELECT is(auth_verify_jwt(:'jwt' || repeat('A', 10000)), NULL, 'NULL for the token with 10,000 characters added');
SELECT is(auth_verify_jwt(replace(:'jwt', '.', '*')), NULL, 'NULL for non-base64 bytes');
SELECT is(auth_verify_jwt(:'jwt' || '='), NULL, 'NULL for the token with padding added');
SELECT is(auth_verify_jwt(:'jwt' || '.'), NULL, 'NULL for four parts');
SELECT is(auth_verify_jwt(E'\\x00\\xff' || :'jwt'), NULL, 'NULL for stray bytes in front');
SELECT is(count(*), 0::bigint, 'NULL for every one-character change, in any part (every 7th position tried)')
FROM generate_series(1, length(:'jwt'), 7) i WHERE auth_verify_jwt(pg_temp.changed(:'jwt', i)) IS NOT NULL;
SELECT is(auth_verify_jwt(pg_temp.changed(:'jwt', length(:'jwt'))), NULL, 'NULL with the last character changed');
SELECT is(auth_verify_jwt(pg_temp.b64url('{"alg":"none","kid":"' || :'ed_kid' || '"}') || '.' || :'jwt_payload' || '.'),
          NULL, 'NULL for the claims re-sent with alg none and no signature');
SELECT is(auth_verify_jwt(pg_temp.b64url('{"alg":"none","kid":"' || :'ed_kid' || '"}') || '.' || :'jwt_payload' || '.'
                          || :'jwt_signature'), NULL, 'NULL for alg none with the original signature');
SELECT is(auth_verify_jwt(pg_temp.b64url('{"alg":"HS256","kid":"' || :'ed_kid' || '","typ":"JWT"}') || '.'
                          || :'jwt_payload' || '.' || :'jwt_signature'), NULL,
          'NULL for an EdDSA token relabelled HS256');
SELECT is(auth_verify_jwt(pg_temp.b64url('{"alg":"EdDSA","kid":"no-such-key","typ":"JWT"}') || '.'
                          || :'jwt_payload' || '.' || :'jwt_signature'), NULL, 'NULL for an unknown kid');
SELECT is(auth_verify_jwt(pg_temp.b64url('{"alg":"EdDSA","typ":"JWT"}') || '.' || :'jwt_payload' || '.'
                          || :'jwt_signature'), NULL, 'NULL for a header without kid');
RESET ROLE;
-- Forgeries need the superuser's view of the key table: the classic HS256 confusion
-- uses the public key as an HMAC secret; an expired token is signed with the real key.
SELECT auth.jwt_sign('HS256', :'ed_kid', (pg_temp.part(:'jwt', 2))::text, :'ed_public'::bytea) AS confused \gset
SELECT auth.jwt_sign('EdDSA', :'ed_kid',
                     (pg_temp.part(:'jwt', 2) || jsonb_build_object('exp', floor(extract(epoch FROM now())) - 1))::text,
                     :'ed_secret'::bytea) AS expired_jwt \gset
SELECT auth.jwt_sign('EdDSA', :'ed_kid',
                     (pg_temp.part(:'jwt', 2) || jsonb_build_object('iat', floor(extract(epoch FROM now())) + 3600))::text,
                     :'ed_secret'::bytea) AS future_jwt \gset
SELECT auth.jwt_sign('EdDSA', :'ed_kid', (pg_temp.part(:'jwt', 2) - 'exp')::text, :'ed_secret'::bytea) AS no_exp_jwt \gset
SET ROLE tap_jwt_app;
SELECT is(auth_verify_jwt(:'confused'), NULL, 'NULL for HS256 signed with the EdDSA public key as secret');
SELECT is(auth_verify_jwt(:'expired_jwt'), NULL, 'NULL for an expired token');
SELECT is(auth_verify_jwt(:'future_jwt'), NULL, 'NULL for a token issued an hour in the future');
SELECT is(auth_verify_jwt(:'no_exp_jwt'), NULL, 'NULL for a token without exp');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- HS256, by setting: the first token under it makes the HS256 key, which becomes the one
-- current key; the EdDSA key retires but verifies its tokens for a day.
SET auth.jwt_algorithm = 'HS256';
SET ROLE tap_jwt_app;
SELECT auth_issue_jwt(:'sam_session', 'TapJwt Product') AS hs_jwt \gset
RESET ROLE;
SELECT kid AS hs_kid FROM auth.signing_keys WHERE algorithm = 'HS256' AND retired_at IS NULL \gset
SET ROLE tap_jwt_app;
SELECT is(pg_temp.part(:'hs_jwt', 1), jsonb_build_object('alg', 'HS256', 'kid', :'hs_kid', 'typ', 'JWT'),
          'with auth.jwt_algorithm = HS256 the token is HS256 with a new HS256 key');
SELECT is(auth_verify_jwt(:'hs_jwt')->>'sub', :sam::text, 'auth_verify_jwt verifies it');
SELECT is(auth_verify_jwt(:'jwt')->>'sub', :sam::text, 'an EdDSA token of the last day still verifies after the switch');
SELECT is(auth_verify_jwt(pg_temp.changed(:'hs_jwt', length(:'hs_jwt') - 5)), NULL, 'NULL with its MAC changed');
SELECT is(auth_verify_jwt(pg_temp.b64url('{"alg":"EdDSA","kid":"' || :'hs_kid' || '","typ":"JWT"}') || '.'
                          || split_part(:'hs_jwt', '.', 2) || '.' || split_part(:'hs_jwt', '.', 3)), NULL,
          'NULL for the HS256 token relabelled EdDSA');
RESET ROLE;
SELECT is((SELECT array_agg(algorithm || ':' || (retired_at IS NULL) || ':' || (sealed_secret IS NULL) ORDER BY created_at)
           FROM auth.signing_keys), ARRAY['EdDSA:false:true', 'HS256:true:false'],
          'the EdDSA key is retired (its secret dropped), the HS256 key is the one current key');
RESET auth.jwt_algorithm;
SET ROLE tap_jwt_app;
SELECT auth_issue_jwt(:'sam_session', 'TapJwt Product') AS jwt2 \gset
SELECT isnt(pg_temp.part(:'jwt2', 1)->>'kid', :'ed_kid', 'back under EdDSA, a new EdDSA key signs');
SELECT is(auth_verify_jwt(:'hs_jwt')->>'sub', :sam::text, 'the HS256 token of the last day still verifies');
SELECT is((SELECT array_agg(k->>'kid') FROM jsonb_array_elements(auth_jwks()->'keys') k),
          ARRAY[pg_temp.part(:'jwt2', 1)->>'kid', :'ed_kid'],
          'auth_jwks publishes the current Ed25519 key and the retired one, as RFC 7517 JWKs');
SELECT is(auth_jwks()->'keys'->1, jsonb_build_object(
              'kty', 'OKP', 'crv', 'Ed25519', 'alg', 'EdDSA', 'use', 'sig', 'kid', :'ed_kid',
              'x', pg_temp.b64url(:'ed_public'::bytea)),
          'each key as an RFC 7517 JWK');
SELECT is(strpos(auth_jwks()::text, :'hs_kid'), 0, 'auth_jwks never names the HS256 key');
RESET ROLE;
-- A day after the switch back, the HS256 key no longer verifies: a token from before the
-- switch is refused under EdDSA, and so is one forged with its real secret.
SELECT auth.jwt_sign('HS256', :'hs_kid', (pg_temp.part(:'hs_jwt', 2))::text,
                     auth.unseal(sealed_secret, auth.signing_key_context(kid))) AS hs_forged
FROM auth.signing_keys WHERE kid = :'hs_kid' \gset
UPDATE auth.signing_keys SET retired_at = now() - interval '1 day 1 second' WHERE kid = :'hs_kid';
SET ROLE tap_jwt_app;
SELECT is(auth_verify_jwt(:'hs_jwt'), NULL, 'an HS256 token from before the switch, a day on, is refused under EdDSA');
SELECT is(auth_verify_jwt(:'hs_forged'), NULL, 'and one signed with that key''s secret too');
SELECT is(auth_verify_jwt(:'jwt2')->>'sub', :sam::text, 'while the current EdDSA key verifies');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Rotation.
SELECT pg_temp.part(:'jwt2', 1)->>'kid' AS ed_kid2 \gset
SET ROLE tap_jwt_app;
SELECT is(pg_temp.sqlstate_of('SELECT auth_rotate_signing_key()'), '42501', 'a client may not rotate the keys');
RESET ROLE;
SET ROLE tap_jwt_operator;
SELECT auth_rotate_signing_key() AS new_kid \gset
RESET ROLE;
SELECT is(:'new_kid', (SELECT kid FROM auth.signing_keys WHERE algorithm = 'EdDSA' AND retired_at IS NULL),
          'auth_rotate_signing_key returns the new EdDSA key id');
SELECT is((SELECT count(*)::int FROM auth.signing_keys WHERE retired_at IS NULL), 1,
          'one current key after the rotation');
SET ROLE tap_jwt_app;
SELECT is(pg_temp.part(auth_issue_jwt(:'sam_session', 'TapJwt Product'), 1)->>'kid', :'new_kid',
          'new tokens are signed with the new key');
SELECT is(auth_verify_jwt(:'jwt2')->>'sub', :sam::text, 'a token signed with the previous key still verifies');
SELECT is((SELECT array_agg(k->>'kid') FROM jsonb_array_elements(auth_jwks()->'keys') k),
          ARRAY[:'new_kid', :'ed_kid2', :'ed_kid'],
          'auth_jwks publishes the new key and the retired ones, the most recently retired first');
RESET ROLE;
SELECT is((SELECT detail FROM auth.audit_log WHERE event = 'signing_key_rotated'),
          jsonb_build_object('kid', :'new_kid'), 'the rotation is audited with the key id only');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'signing_key_rotated'), 'tap_jwt_operator',
          'naming the operator');
SET auth.jwt_algorithm = 'HS256';
SELECT matches(auth_rotate_signing_key(), '^[A-Za-z0-9_-]{22}$', 'under HS256 a rotation makes an HS256 key');
SELECT is((SELECT algorithm FROM auth.signing_keys WHERE retired_at IS NULL), 'HS256', 'which is the current key');
RESET auth.jwt_algorithm;
SELECT auth_rotate_signing_key() \g /dev/null

-- A day after the rotation (the clock moved by the key's retirement time), the tokens it
-- signed have all expired: the key verifies nothing more and is no longer published.
UPDATE auth.signing_keys SET retired_at = now() - interval '1 day 1 second' WHERE kid IN (:'ed_kid', :'ed_kid2');
SET ROLE tap_jwt_app;
SELECT is(auth_verify_jwt(:'jwt'), NULL, 'a token signed with a key rotated out more than a day ago is refused');
SELECT is(auth_verify_jwt(:'jwt2'), NULL, 'any of them');
SELECT is(jsonb_array_length(auth_jwks()->'keys'), 2, 'auth_jwks no longer publishes those keys');
RESET ROLE;
SELECT auth_rotate_signing_key() \g /dev/null
SELECT is((SELECT count(*)::int FROM auth.signing_keys WHERE kid IN (:'ed_kid', :'ed_kid2')), 0,
          'the next rotation deletes keys retired more than a day ago');
SELECT is((SELECT count(*)::int FROM auth.signing_keys), 4,
          'and keeps the current key and those retired within the day (EdDSA, HS256, EdDSA)');

-- ---------------------------------------------------------------------------------
-- Where the keys live, and read-only use.
SELECT is(has_table_privilege('auth_client', 'auth.signing_keys', 'SELECT'), false, 'auth_client cannot read the keys');
SELECT is(has_table_privilege('auth_admin', 'auth.signing_keys', 'SELECT'), false, 'nor can auth_admin');
SET ROLE tap_jwt_app;
SELECT is(pg_temp.sqlstate_of('SELECT auth.jwt_sign(''HS256'', ''k'', ''{}'', ''\x00''::bytea)'), '42501',
          'a client cannot call the internal signing function');
RESET ROLE;
SET ROLE tap_jwt_nobody;
SELECT is(pg_temp.sqlstate_of('SELECT auth_jwks()'), '42501', 'a role granted nothing cannot read the JWKS');
SELECT is(pg_temp.sqlstate_of(format('SELECT auth_verify_jwt(%L)', :'jwt')), '42501',
          'nor verify a token');
RESET ROLE;
SELECT is_empty(format($$SELECT a.id FROM auth.audit_log a, auth.signing_keys k,
                              auth.unseal(k.sealed_secret, auth.signing_key_context(k.kid)) secret
                         WHERE strpos(a::text, encode(secret, 'hex')) > 0
                            OR strpos(a::text, encode(secret, 'base64')) > 0
                            OR strpos(a::text, %L) > 0$$, :'jwt'),
                'no audit row holds a signing key or a token');

-- In a read-only transaction (a hot standby) no key can be made: under an algorithm the
-- current key is not of, auth_issue_jwt says so (55000) rather than sign with the other.
CREATE FUNCTION pg_temp.read_only_issue_state(session text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        SET LOCAL transaction_read_only = on;
        PERFORM auth_issue_jwt(session, 'TapJwt Product');
        RAISE EXCEPTION 'signed' USING ERRCODE = 'AU001';
    EXCEPTION WHEN OTHERS THEN
        RETURN SQLSTATE;
    END;
END
$$;
SET auth.jwt_algorithm = 'HS256';
SELECT is(pg_temp.read_only_issue_state(:'sam_session'), '55000',
          'read-only, with no key of auth.jwt_algorithm, auth_issue_jwt raises 55000 (no key is made)');
RESET auth.jwt_algorithm;
SELECT is((SELECT count(*)::int FROM auth.signing_keys WHERE retired_at IS NULL AND algorithm = 'EdDSA'), 1,
          'and the EdDSA key is still the current one');

CREATE FUNCTION pg_temp.read_only_jwt(session text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL transaction_read_only = on;
    RETURN auth_verify_jwt(auth_issue_jwt(session, 'TapJwt Product'));
END
$$;
SELECT is(pg_temp.read_only_jwt(:'sam_session')->>'sub', :sam::text,
          'issuing and verifying work in a READ ONLY transaction (as on a hot standby)');

-- A correctly signed token whose claims hold a NUL character (\u0000: valid JSON, but no
-- PostgreSQL text or jsonb can hold it) gives NULL, as every bad input does, not an error.
RESET ROLE;
SELECT is(auth_verify_jwt(auth.jwt_sign(k.algorithm, k.kid,
              '{"iss": "auth", "sub": "1", "exp": 9999999999, "note": "a\u0000b"}',
              auth.unseal(k.sealed_secret, auth.signing_key_context(k.kid)))), NULL,
          'a signed token with \u0000 in a claim gives NULL, not an error')
FROM auth.signing_keys k WHERE k.algorithm = 'EdDSA' AND k.retired_at IS NULL;
SELECT isnt(auth_verify_jwt(auth.jwt_sign(k.algorithm, k.kid,
              '{"iss": "auth", "sub": "1", "exp": 9999999999, "note": "a b"}',
              auth.unseal(k.sealed_secret, auth.signing_key_context(k.kid)))), NULL,
          'while the same token without it verifies (the test signs correctly)')
FROM auth.signing_keys k WHERE k.algorithm = 'EdDSA' AND k.retired_at IS NULL;

SELECT * FROM finish();
ROLLBACK;
