-- API keys: auth_create_api_key, auth_api_key_user, auth_revoke_api_key; what is
-- stored, who may call, and every way a key stops working.
BEGIN;
SELECT plan(44);

CREATE ROLE tap_key_app NOLOGIN IN ROLE auth_signin;
CREATE ROLE tap_key_shop_admins NOLOGIN IN ROLE auth_client;   -- manages TapKey Shop only
CREATE ROLE tap_key_operator NOLOGIN IN ROLE auth_admin;

SELECT auth_create_product('TapKey Shop', NULL, 'tap_key_shop_admins') \g /dev/null
SELECT auth_create_product('TapKey Blog') \g /dev/null
SELECT auth_create_role('TapKey Shop', 'buyer') \g /dev/null
SELECT auth_create_role('TapKey Blog', 'writer') \g /dev/null
SELECT auth_create_user('tap.key.sam@example.com', 'sam-password-1') AS sam \gset
SELECT auth_create_user('tap.key.lou@example.com', 'lou-password-1') AS lou \gset
SELECT auth_grant(:sam, 'TapKey Shop', 'buyer') \g /dev/null
SELECT auth_grant(:sam, 'TapKey Blog', 'writer') \g /dev/null

\ir helpers.psql

-- ---------------------------------------------------------------------------------
-- Creating keys: by the product's admin role or an operator.
SET ROLE tap_key_shop_admins;
SELECT auth_create_api_key(:sam, 'TapKey Shop', 'deploy script') AS shop_key \gset
SELECT matches(:'shop_key'::text, '^authkey_[A-Za-z0-9_-]{43}$', 'a key is authkey_ and 43 URL-safe characters');
SELECT auth_create_api_key(:sam, 'TapKey Shop', 'deploy script') AS shop_key2 \gset
SELECT isnt(:'shop_key'::text, :'shop_key2'::text, 'two keys, even of one name, differ');
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, %L, %L)', :sam, 'TapKey Blog', 'x')),
          '42501: permission denied: role "tap_key_shop_admins" may not manage product "TapKey Blog"',
          'a product''s admin role cannot make keys for another product');
RESET ROLE;
SET ROLE tap_key_app;
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, %L, %L)', :sam, 'TapKey Shop', 'x')),
          '42501: permission denied: role "tap_key_app" may not manage product "TapKey Shop"',
          'a plain client cannot make keys');
RESET ROLE;
SET ROLE tap_key_operator;
SELECT auth_create_api_key(:sam, 'TapKey Blog', 'blog export', now() + interval '1 day') AS blog_key \gset
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, %L, %L)', :sam, 'No Such Product', 'x')),
          '42704: product "No Such Product" does not exist', 'an unknown product raises 42704 for an operator');
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, %L, %L)', 999999, 'TapKey Blog', 'x')),
          '42704: user 999999 does not exist', 'an unknown user raises 42704');
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(NULL, %L, %L)', 'TapKey Blog', 'x')),
          '22004: user_id must not be null', 'a NULL user raises 22004');
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, NULL, %L)', :sam, 'x')),
          '22004: product must not be null', 'a NULL product raises 22004');
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, %L, NULL)', :sam, 'TapKey Blog')),
          '22004: name must not be null', 'a NULL name raises 22004');
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, %L, %L)', :sam, 'TapKey Blog', '')),
          '22023: name must not be empty', 'an empty name raises 22023');
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, %L, %L)', :sam, 'TapKey Blog', repeat('n', 201))),
          '22023: name must be at most 200 characters', 'a 201-character name raises 22023');
SELECT is(pg_temp.error_of(format('SELECT auth_create_api_key(%s, %L, %L, now() - interval ''1 second'')', :sam,
                                  'TapKey Blog', 'x')),
          '22023: expires_at must be in the future', 'an expiry in the past raises 22023');
RESET ROLE;

-- What is stored: the SHA-256 of the token part, never the key.
SELECT is((SELECT count(*)::int FROM auth.api_keys WHERE key_hash = sha256(convert_to(substr(:'shop_key', 9), 'UTF8'))),
          1, 'the key is stored as the SHA-256 of its token part');
SELECT is((SELECT count(*)::int FROM auth.api_keys k WHERE strpos(k::text, :'shop_key') > 0
           OR strpos(k::text, substr(:'shop_key', 9)) > 0), 0, 'no row of auth.api_keys holds the key');
SELECT is((SELECT count(*)::int FROM auth.audit_log a WHERE strpos(a::text, substr(:'shop_key', 9)) > 0
           OR strpos(a::text, substr(:'blog_key', 9)) > 0), 0, 'no audit row holds a key');
SELECT is((SELECT count(*)::int FROM auth.audit_log a, auth.api_keys k
           WHERE strpos(a::text, encode(k.key_hash, 'hex')) > 0), 0, 'no audit row holds a key hash');
SELECT is((SELECT detail - 'api_key_id' FROM auth.audit_log WHERE event = 'api_key_created' ORDER BY id LIMIT 1),
          '{"name": "deploy script"}'::jsonb, 'the creation is audited with the key''s name');
SELECT is((SELECT db_role FROM auth.audit_log WHERE event = 'api_key_created' ORDER BY id LIMIT 1),
          'tap_key_shop_admins', 'naming the role that made it');
SELECT is((SELECT expires_at FROM auth.api_keys WHERE name = 'blog export'), now() + interval '1 day',
          'the expiry is stored');

-- ---------------------------------------------------------------------------------
-- Using keys: the user, for the key's product only; NULL for anything else.
SET ROLE tap_key_app;
SELECT is(auth_api_key_user(:'shop_key', 'TapKey Shop'), :sam::bigint, 'the key gives its user for its product');
SELECT is(auth_api_key_user(:'blog_key', 'TapKey Blog'), :sam::bigint, 'a key with a future expiry works');
SELECT is(auth_api_key_user(:'shop_key', 'TapKey Blog'), NULL, 'NULL for another product (a key is scoped to one)');
SELECT is(auth_api_key_user(:'shop_key', 'No Such Product'), NULL, 'NULL for an unknown product');
SELECT is(auth_api_key_user(:'shop_key', NULL), NULL, 'NULL for a NULL product');
SELECT is(auth_api_key_user(NULL, 'TapKey Shop'), NULL, 'NULL for a NULL key');
SELECT is(auth_api_key_user('', 'TapKey Shop'), NULL, 'NULL for an empty key');
SELECT is(auth_api_key_user(repeat('k', 10000), 'TapKey Shop'), NULL, 'NULL for 10,000 characters');
SELECT is(auth_api_key_user(substr(:'shop_key', 9), 'TapKey Shop'), NULL, 'NULL for the key without its prefix');
SELECT is(auth_api_key_user(overlay(:'shop_key' PLACING CASE WHEN substr(:'shop_key', 30, 1) = 'A' THEN 'B' ELSE 'A' END
                                    FROM 30 FOR 1), 'TapKey Shop'), NULL, 'NULL for the key with one character changed');
SELECT is(auth_api_key_user(left(:'shop_key', 50) || '*', 'TapKey Shop'), NULL, 'NULL for non-base64 bytes');
RESET ROLE;

UPDATE auth.api_keys SET expires_at = now() - interval '1 second' WHERE name = 'blog export';
UPDATE auth.user_products SET status = 'suspended' WHERE user_id = :sam
    AND product_id = (SELECT id FROM auth.products WHERE name = 'TapKey Shop');
SET ROLE tap_key_app;
SELECT is(auth_api_key_user(:'blog_key', 'TapKey Blog'), NULL, 'NULL once the key has expired');
SELECT is(auth_api_key_user(:'shop_key', 'TapKey Shop'), NULL, 'NULL while the user''s membership is suspended');
RESET ROLE;
UPDATE auth.user_products SET status = 'active' WHERE user_id = :sam;
UPDATE auth.users SET is_active = false WHERE id = :sam;
SET ROLE tap_key_app;
SELECT is(auth_api_key_user(:'shop_key', 'TapKey Shop'), NULL, 'NULL while the user is deactivated');
RESET ROLE;
UPDATE auth.users SET is_active = true WHERE id = :sam;

-- ---------------------------------------------------------------------------------
-- Revoking.
SET ROLE tap_key_app;
SELECT is(pg_temp.error_of(format('SELECT auth_revoke_api_key(%L)', :'shop_key')),
          '42501: permission denied: role "tap_key_app" may not revoke this api key',
          'a plain client cannot revoke a key');
SELECT is(pg_temp.error_of($$SELECT auth_revoke_api_key(repeat('A', 51))$$),
          '42501: permission denied: role "tap_key_app" may not revoke this api key',
          'a plain client gets 42501 for an unknown key too (a product function)');
RESET ROLE;
SET ROLE tap_key_shop_admins;
SELECT is(auth_revoke_api_key(repeat('A', 51)), false, 'a product''s admin role: an unknown key answers false');
SELECT is(pg_temp.error_of('SELECT auth_revoke_api_key(NULL)'), '22004: api_key must not be null',
          'a NULL key is 22004');
SELECT is(auth_revoke_api_key(:'shop_key'), true, 'the product''s admin role revokes its key: true');
SELECT is(auth_revoke_api_key(:'shop_key'), false, 'again: false');
SELECT is(auth_api_key_user(:'shop_key', 'TapKey Shop'), NULL, 'a revoked key gives NULL');
SELECT is(auth_api_key_user(:'shop_key2', 'TapKey Shop'), :sam::bigint, 'the user''s other key still works');
SELECT is(pg_temp.error_of(format('SELECT auth_revoke_api_key(%L)', :'blog_key')),
          '42501: permission denied: role "tap_key_shop_admins" may not revoke this api key',
          'a product''s admin role cannot revoke another product''s key');
RESET ROLE;
SELECT is((SELECT detail - 'api_key_id' FROM auth.audit_log WHERE event = 'api_key_revoked'),
          '{"name": "deploy script"}'::jsonb, 'the revocation is audited with the key''s name');

-- Read-only: the check runs in a READ ONLY transaction (as on a hot standby).
CREATE FUNCTION pg_temp.read_only_key_user(api_key text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL transaction_read_only = on;
    RETURN auth_api_key_user(api_key, 'TapKey Shop');
END
$$;
SELECT is(pg_temp.read_only_key_user(:'shop_key2'), :sam::bigint, 'auth_api_key_user works read-only');

SELECT * FROM finish();
ROLLBACK;
