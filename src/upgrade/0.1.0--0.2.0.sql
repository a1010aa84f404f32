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

-- == Failed checks counted for good (issue 11): the count and lock leave the user row
-- for auth.login_failures, written only by the failure recorder (a background worker), so
-- that no rollback undoes a failure and no check waits on a user row another client holds.
CREATE TABLE auth.login_failures (
    user_id        bigint NOT NULL,
    factor         text NOT NULL CHECK (factor IN ('password', 'mfa')),
    failures       integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until   timestamptz,
    last_failed_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, factor)
);
SELECT pg_catalog.pg_extension_config_dump('auth.login_failures', '');
INSERT INTO auth.login_failures (user_id, factor, failures, locked_until, last_failed_at)
SELECT u.id, 'password', u.failed_logins, u.locked_until, u.updated_at
FROM auth.users u
WHERE u.failed_logins > 0 OR u.locked_until > now();
ALTER TABLE auth.users DROP COLUMN failed_logins, DROP COLUMN locked_until;

-- == Multi-factor authentication (issue 12): factors, recovery codes, and products that
-- require aal2. Sessions of 0.1.0 are aal1 with amr {pwd} (above).
ALTER TABLE auth.products ADD COLUMN mfa_required boolean NOT NULL DEFAULT false;

-- Second factors (src/sql/64_mfa.sql): TOTP authenticators, their secrets sealed under
-- the server key (bound to the row by auth.factor_context), and the newest time step
-- accepted, so that each step is accepted once.
CREATE TABLE auth.mfa_factors (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    kind         text NOT NULL DEFAULT 'totp' CHECK (kind IN ('totp')),
    label        text CHECK (length(label) BETWEEN 1 AND 200),
    sealed_secret bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    last_used_at timestamptz,
    last_step    bigint
);
CREATE INDEX mfa_factors_user_idx ON auth.mfa_factors (user_id);

-- Single-use recovery codes, as SHA-256 digests of 120-bit codes (never the code).
CREATE TABLE auth.mfa_recovery_codes (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    code_hash  bytea NOT NULL CHECK (length(code_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz
);
CREATE INDEX mfa_recovery_codes_user_idx ON auth.mfa_recovery_codes (user_id, code_hash);
SELECT pg_catalog.pg_extension_config_dump('auth.mfa_factors', '');
SELECT pg_catalog.pg_extension_config_dump('auth.mfa_factors_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.mfa_recovery_codes', '');
SELECT pg_catalog.pg_extension_config_dump('auth.mfa_recovery_codes_id_seq', '');

-- ---------------------------------------------------------------------------------
-- Issue 11, items 3 and 4 (bounded work): grants read per product, hashes over the bound.
-- A user's grants are read per product: each grant carries its role's product.
ALTER TABLE auth.user_roles ADD COLUMN product_id bigint;
UPDATE auth.user_roles ur SET product_id = r.product_id FROM auth.roles r WHERE r.id = ur.role_id;
ALTER TABLE auth.user_roles ALTER COLUMN product_id SET NOT NULL,
    ADD FOREIGN KEY (role_id, product_id) REFERENCES auth.roles (id, product_id) ON DELETE CASCADE;
CREATE INDEX user_roles_product_idx ON auth.user_roles (user_id, product_id, role_id, tenant_id);
-- Hashes over the bound stored by 0.1.0 stay usable and are listed. The function is made
-- here because the view needs it now; the "always" piece 45_passwords.sql that follows
-- replaces it with the same definition and its comment.
CREATE FUNCTION auth.hash_over_bound(password_hash text) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_hash_over_bound';
CREATE VIEW auth.hashes_over_bound AS
    SELECT u.id AS user_id, u.email, auth.hash_format(u.password_hash) AS format, u.password_imported AS imported
    FROM auth.users u
    WHERE u.password_hash IS NOT NULL AND auth.hash_over_bound(u.password_hash);
DO $$
DECLARE
    over bigint := (SELECT count(*) FROM auth.hashes_over_bound);
BEGIN
    IF over > 0 THEN
        RAISE WARNING '% stored password hashes could make a check cost more than the bound of about a second', over
            USING HINT = 'They stay usable and are replaced at each user''s next successful login; SELECT * FROM auth.hashes_over_bound lists them.';
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------
-- One address, one account (issue 11, item 5; docs/email-addresses.md). 0.1.0 matched
-- emails by lower(); 0.2.0 by one key, ICU's NFKC case fold, and refuses look-alikes.
-- Every user gets the key and skeleton of the address. Accounts of 0.1.0 that collide
-- under the new rules are all kept, each logging in with its exact stored address: a
-- later account with the key of an older one gets email_twin 1, 2, ... so the unique
-- index holds; every colliding pair is listed in auth.email_collisions, and a WARNING
-- says how many. The functions are made here because the fill needs them now; the
-- "always" piece 35_emails.sql that follows replaces them (and the trigger function,
-- a stub here) with the same definitions and their comments.
CREATE FUNCTION auth.email_key(email text) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_email_key';
CREATE FUNCTION auth.email_skeleton(email text) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_email_skeleton';
CREATE FUNCTION auth.users_email_keys() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;

ALTER TABLE auth.users
    ADD COLUMN email_key text,
    ADD COLUMN email_skeleton text,
    ADD COLUMN email_twin smallint NOT NULL DEFAULT 0 CHECK (email_twin >= 0);
-- An address whose key or skeleton would be over the bound (only a long run of
-- characters NFKC spells out in many letters could be) keeps the address itself.
UPDATE auth.users
SET email_key = coalesce(auth.email_key(email), email),
    email_skeleton = coalesce(auth.email_skeleton(email), email);
UPDATE auth.users u SET email_twin = later.n
FROM (SELECT id, row_number() OVER (PARTITION BY email_key ORDER BY id) - 1 AS n FROM auth.users) later
WHERE later.id = u.id AND later.n > 0;
ALTER TABLE auth.users
    ALTER COLUMN email_key SET NOT NULL,
    ALTER COLUMN email_skeleton SET NOT NULL;
DROP INDEX auth.users_email_key;
CREATE UNIQUE INDEX users_email_key ON auth.users (email_key, email_twin);
CREATE INDEX users_email_skeleton_idx ON auth.users (email_skeleton);

CREATE TRIGGER users_email_keys
    BEFORE INSERT OR UPDATE OF email ON auth.users
    FOR EACH ROW EXECUTE FUNCTION auth.users_email_keys();
ALTER TABLE auth.users ENABLE ALWAYS TRIGGER users_email_keys;

CREATE VIEW auth.email_collisions WITH (security_barrier) AS
SELECT a.id AS user_id, a.email, b.id AS other_user_id, b.email AS other_email,
       CASE WHEN a.email_key = b.email_key THEN 'same key' ELSE 'look-alike' END AS reason
FROM auth.users a
JOIN auth.users b ON b.email_skeleton = a.email_skeleton AND b.id > a.id
WHERE a.email_key = b.email_key
   OR octet_length(a.email) <> length(a.email) OR octet_length(b.email) <> length(b.email);
COMMENT ON VIEW auth.email_collisions IS
    'pairs of accounts kept by the 0.2.0 upgrade whose addresses collide under one address, one account';

DO $$
DECLARE
    pairs bigint := (SELECT count(*) FROM auth.email_collisions);
BEGIN
    IF pairs > 0 THEN
        RAISE WARNING 'accounts kept whose addresses collide under one address, one account: % pair(s)', pairs
            USING HINT = 'Each still logs in with its exact stored address. SELECT * FROM auth.email_collisions lists them (docs/email-addresses.md).';
    END IF;
END
$$;

-- == Password quality (issue 12): the breached-password list and the password history
-- (the same tables as src/sql/20_tables.sql); the functions and settings come with the
-- "always" pieces and the library.
-- SHA-1 digests of passwords known from data breaches (auth_add_breached_passwords), as
-- breach corpora publish them; a new password on the list is refused. 20 bytes each, the
-- digest itself as the key: no other column, no second index.
CREATE TABLE auth.breached_passwords (
    sha1 bytea PRIMARY KEY CHECK (length(sha1) = 20)
);
SELECT pg_catalog.pg_extension_config_dump('auth.breached_passwords', '');

-- Argon2id hashes of the passwords a user set (never a password), the newest
-- auth.password_history of them per user, so that a new password can be compared.
CREATE TABLE auth.password_history (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user_idx ON auth.password_history (user_id, id);
SELECT pg_catalog.pg_extension_config_dump('auth.password_history', '');
SELECT pg_catalog.pg_extension_config_dump('auth.password_history_id_seq', '');

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

-- == The current user inside a transaction (issue 13)
-- Nothing to change here: auth_begin, auth_begin_from_headers, the readers and their
-- internal functions are made by the always part (src/sql/69_row_security.sql), the role
-- auth_user by 10_roles.sql, and the privilege sweep (90_privileges.sql) leaves the
-- readers' EXECUTE for PUBLIC. No table changes.

-- == Invitations, email change, security notices (issue 15)
-- New message kinds, the email_change token purpose with the address asked for, and the
-- invitations table (src/sql/20_tables.sql); the functions are in the always part
-- (src/sql/72_account_mails.sql and the notices added to 42_lockout, 45_passwords, 64_mfa).
ALTER TABLE auth.outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE auth.outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('password_reset', 'email_verification', 'invitation', 'email_change',
                    'email_change_notice', 'password_changed', 'mfa_enrolled',
                    'mfa_removed', 'account_locked'));
ALTER TABLE auth.account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE auth.account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('password_reset', 'email_verification', 'email_change'));
ALTER TABLE auth.account_tokens ADD COLUMN new_email text;
ALTER TABLE auth.account_tokens ADD CONSTRAINT account_tokens_new_email_check
    CHECK ((purpose = 'email_change') = (new_email IS NOT NULL));
CREATE TABLE auth.invitations (
    id          bigserial PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES auth.products ON DELETE CASCADE,
    email       text NOT NULL,
    email_key   text NOT NULL,
    role_id     bigint REFERENCES auth.roles ON DELETE CASCADE,
    tenant_id   bigint REFERENCES auth.tenants ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    invited_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by bigint REFERENCES auth.users ON DELETE SET NULL
);
CREATE UNIQUE INDEX invitations_pending_key ON auth.invitations (product_id, email_key) WHERE accepted_at IS NULL;
SELECT pg_catalog.pg_extension_config_dump('auth.invitations', '');
SELECT pg_catalog.pg_extension_config_dump('auth.invitations_id_seq', '');
