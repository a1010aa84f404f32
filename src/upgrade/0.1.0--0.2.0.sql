-- From 0.1.0 to 0.2.0: what changes in tables, triggers and data. The functions, roles
-- and privileges of 0.2.0 follow this file in the assembled script (see
-- src/sql/load_order.txt); a function whose arguments or result change is dropped here
-- first, since CREATE OR REPLACE cannot change them.

-- Functions whose arguments or result change in 0.2.0, dropped here and made anew below.
-- A database object of yours that depends on one of the public ones (a view calling
-- auth_sessions, say) makes the update fail: drop it first, and make it again after.
DROP FUNCTION auth_create_user(text, text, text, text);                 -- gains product
DROP FUNCTION auth.create_user(regrole, text, text, text, text);
DROP FUNCTION auth_request_password_reset(text);                        -- returns void
DROP FUNCTION auth.request_password_reset(regrole, text);
DROP FUNCTION auth_request_email_verification(bigint);                  -- returns void
DROP FUNCTION auth.request_email_verification(regrole, bigint);
DROP FUNCTION auth_sessions(bigint);                                    -- gains product, aal
DROP FUNCTION auth.issue_account_token(regrole, auth.users, text);      -- now send_account_token
DROP FUNCTION auth.authenticate(regrole, bigint, text, text, boolean, boolean);
DROP FUNCTION auth.take_account_token(regrole, text, text);
DROP FUNCTION auth.end_sessions(bigint, bytea);

-- Products get an app role (auth_set_app_role), kept by name and OID like admin_role.
ALTER TABLE auth.products
    ADD COLUMN app_role name,
    ADD COLUMN app_role_oid oid CHECK ((app_role IS NULL) = (app_role_oid IS NULL));

-- The v2 session row: a parent (single sign-on), an assurance level and its methods.
-- Sessions made by 0.1.0 were made with a password: aal1, {pwd}. A session follows its
-- product: deleting the product ends it (0.1.0 set the product to NULL, which 0.2.0
-- would read as a sign-in service's session, good for every product).
ALTER TABLE auth.user_sessions
    DROP CONSTRAINT user_sessions_product_id_fkey,
    ADD CONSTRAINT user_sessions_product_id_fkey FOREIGN KEY (product_id)
        REFERENCES auth.products ON DELETE CASCADE,
    ADD COLUMN parent_id bigint,
    ADD COLUMN aal text NOT NULL DEFAULT 'aal1' CHECK (aal IN ('aal1', 'aal2')),
    ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}';
CREATE INDEX user_sessions_parent_idx ON auth.user_sessions (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE auth.sso_codes (
    id               bigserial PRIMARY KEY,
    code_hash        bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    session_id       bigint NOT NULL REFERENCES auth.user_sessions ON DELETE CASCADE,
    user_id          bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    product_id       bigint NOT NULL REFERENCES auth.products ON DELETE CASCADE,
    code_challenge   text NOT NULL CHECK (code_challenge ~ '^[A-Za-z0-9_-]{43}$'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    child_session_id bigint REFERENCES auth.user_sessions ON DELETE SET NULL
);
CREATE INDEX sso_codes_session_idx ON auth.sso_codes (session_id);

CREATE TABLE auth.outbox (
    id         bigserial PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('password_reset', 'email_verification')),
    user_id    bigint REFERENCES auth.users ON DELETE CASCADE,
    email      text NOT NULL,
    product_id bigint REFERENCES auth.products ON DELETE SET NULL,
    token      text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    claimed_at timestamptz,
    claimed_by text,
    CHECK (claimed_at IS NULL OR token IS NULL)
);
CREATE INDEX outbox_unclaimed_idx ON auth.outbox (id) WHERE claimed_at IS NULL;
SELECT pg_catalog.pg_extension_config_dump('auth.sso_codes', '');
SELECT pg_catalog.pg_extension_config_dump('auth.outbox', '');
SELECT pg_catalog.pg_extension_config_dump('auth.sso_codes_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.outbox_id_seq', '');

-- An admin_role too wide to bind (a system role, or one an extension role holds, such as
-- auth_client itself) made every client a manager of the product; from 0.2.0 such a
-- binding binds nothing (auth.role_too_wide). Say which products lose their admin_role.
DO $$
DECLARE
    wide text := (
        SELECT string_agg(pg_catalog.format('%s (admin_role %s)', p.name, p.admin_role), ', ' ORDER BY p.name)
        FROM auth.products p
        WHERE p.admin_role_oid IS NOT NULL
          AND (p.admin_role_oid < 16384
               OR EXISTS (SELECT FROM pg_catalog.pg_roles r
                          WHERE r.rolname IN ('auth_admin', 'auth_client', 'auth_signin', 'auth_mailer', 'auth_user')
                            AND pg_catalog.pg_has_role(r.oid, p.admin_role_oid, 'USAGE'))));
BEGIN
    IF wide IS NOT NULL THEN
        RAISE WARNING 'these products'' admin_role is too wide and manages nothing from 0.2.0: %', wide
            USING HINT = 'Create a role for each product''s admins and set admin_role and admin_role_oid to it.';
    END IF;
END
$$;

-- Reset and verification tokens of 0.1.0 were handed to the app that asked; from 0.2.0
-- they reach the mailbox only. The ones still pending are voided: users ask again.
UPDATE auth.account_tokens SET used_at = now() WHERE used_at IS NULL;

-- The checks' caches of who is a client of what (src/pg/client_scope.cpp) learn of a
-- change of auth.products from this statement trigger, as in a fresh install
-- (src/sql/80_install_only.sql). Its function is made here because the trigger needs it
-- now; the "always" piece 57_client_scope.sql that follows this file replaces it with
-- the same definition and its comment.
CREATE FUNCTION auth.products_changed() RETURNS trigger
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_products_changed';
CREATE TRIGGER products_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth.products
    FOR EACH STATEMENT EXECUTE FUNCTION auth.products_changed();
ALTER TABLE auth.products ENABLE ALWAYS TRIGGER products_changed;

-- ==== Keys and secrets at rest (issue 11, items 7 and 8) ====
-- Secrets the extension reads back are sealed under the server key file (35_sealed.sql,
-- made here because this block needs them now; the "always" piece replaces them with
-- the same definitions). Without the library preloaded the file may not exist yet: the
-- update then fails with 58P01 and a hint, before anything changed.
CREATE FUNCTION auth.seal(plaintext bytea, context text) RETURNS bytea
    LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'auth_seal';
CREATE FUNCTION auth.unseal(sealed bytea, context text) RETURNS bytea
    LANGUAGE C STABLE STRICT AS 'MODULE_PATHNAME', 'auth_unseal';
-- 0.1.0 kept an EdDSA and an HS256 key current at once, and an HS256 secret verified
-- tokens whatever auth.jwt_algorithm said. From 0.2.0 one key is current and HS256 keys
-- exist only where HS256 is configured. Judged by auth.jwt_algorithm in the session
-- running the update: under EdDSA (the default) every HS256 key is deleted, so a token
-- forged with a 0.1.0 HS256 secret (readable by pg_read_all_data) verifies nowhere; under
-- HS256 the HS256 key stays current and the EdDSA key retires now (its tokens verify a
-- day longer, with its public key).
DO $$
BEGIN
    IF coalesce(current_setting('auth.jwt_algorithm', true), 'EdDSA') = 'HS256' THEN
        UPDATE auth.signing_keys SET retired_at = now(), secret_key = NULL
        WHERE algorithm = 'EdDSA' AND retired_at IS NULL;
    ELSE
        DELETE FROM auth.signing_keys WHERE algorithm = 'HS256';
    END IF;
END
$$;
DROP FUNCTION auth.add_signing_keys();   -- now add_signing_key, one key of one algorithm
DROP INDEX auth.signing_keys_current_key;
CREATE UNIQUE INDEX signing_keys_current_key ON auth.signing_keys ((true)) WHERE retired_at IS NULL;
ALTER TABLE auth.signing_keys RENAME COLUMN secret_key TO sealed_secret;
UPDATE auth.signing_keys SET sealed_secret = auth.seal(sealed_secret, 'auth.signing_keys:' || kid)
WHERE sealed_secret IS NOT NULL;
COMMENT ON TABLE auth.signing_keys IS
    'JWT signing keys, their secrets sealed under the server key file';
SELECT pg_catalog.pg_extension_config_dump('auth.signing_keys', '');
-- A key inserted as current retires the previous one (so a restored dump's key replaces
-- the one CREATE EXTENSION made); the "always" piece 65_jwt.sql replaces the function.
CREATE FUNCTION auth.signing_key_inserted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER signing_key_inserted
    BEFORE INSERT ON auth.signing_keys
    FOR EACH ROW WHEN (NEW.retired_at IS NULL) EXECUTE FUNCTION auth.signing_key_inserted();
ALTER TABLE auth.signing_keys ENABLE ALWAYS TRIGGER signing_key_inserted;
-- The outbox is new in 0.2.0 and empty here: its token column becomes the sealed one.
ALTER TABLE auth.outbox RENAME COLUMN token TO sealed_token;
ALTER TABLE auth.outbox ALTER COLUMN sealed_token TYPE bytea USING NULL;
