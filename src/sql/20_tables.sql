-- The data: schema auth, owned by the extension, readable by its owner only
-- (auth_admin may read the audit log). Apps reach it through the auth_* functions.

CREATE SCHEMA auth;
COMMENT ON SCHEMA auth IS 'data of the auth extension; apps use the auth_* functions';
REVOKE ALL ON SCHEMA auth FROM PUBLIC;

-- People, one row each whatever the products they use.
CREATE TABLE auth.users (
    id                bigserial PRIMARY KEY,
    email             text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash     text,          -- PHC string; NULL: no password set, cannot log in with one
    -- An imported hash was made by another system from the password as typed; ours from
    -- its NFKC form. The first successful check replaces an imported hash with one of ours.
    password_imported boolean NOT NULL DEFAULT false,
    full_name         text CHECK (length(full_name) <= 200),
    phone_number      text CHECK (length(phone_number) <= 64),
    is_active         boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    email_verified_at timestamptz,
    last_login_at     timestamptz,
    -- One address, one account (src/sql/35_emails.sql, trigger users_email_keys): the
    -- key emails are matched and kept unique by (NFKC_Casefold), and the confusable
    -- skeleton that tells look-alike addresses.
    email_key         text NOT NULL,
    email_skeleton    text NOT NULL,
    -- 0; n for the n-th later account of 0.1.0 whose address has the key of an older
    -- one, kept by the 0.2.0 upgrade (listed in auth.email_collisions).
    email_twin        smallint NOT NULL DEFAULT 0 CHECK (email_twin >= 0)
);
-- An email is unique by its key (accounts of 0.1.0 kept by the upgrade aside).
CREATE UNIQUE INDEX users_email_key ON auth.users (email_key, email_twin);
CREATE INDEX users_email_skeleton_idx ON auth.users (email_skeleton);

-- For the operator: pairs of accounts whose addresses one address, one account forbids
-- (the same key, or look-alikes of which one is not all ASCII) that the upgrade from
-- 0.1.0 kept. Each still logs in with its exact stored address (auth.user_by_email).
CREATE VIEW auth.email_collisions WITH (security_barrier) AS
SELECT a.id AS user_id, a.email, b.id AS other_user_id, b.email AS other_email,
       CASE WHEN a.email_key = b.email_key THEN 'same key' ELSE 'look-alike' END AS reason
FROM auth.users a
JOIN auth.users b ON b.email_skeleton = a.email_skeleton AND b.id > a.id
WHERE a.email_key = b.email_key
   OR octet_length(a.email) <> length(a.email) OR octet_length(b.email) <> length(b.email);
COMMENT ON VIEW auth.email_collisions IS
    'pairs of accounts kept by the 0.2.0 upgrade whose addresses collide under one address, one account';

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

-- Failed checks of a user's password (and, later, second factor): the consecutive
-- failures since the last success or lock, and the lock they caused. Written only by the
-- failure recorder, a background worker, in transactions of its own (src/pg/
-- failure_recorder.h): a client's rollback cannot undo a failure, and a check never waits
-- on a user row another client holds. (0.1.0 kept these as users.failed_logins and
-- users.locked_until.) No foreign key, so the recorder's insert takes no lock on the
-- user's row either; user ids are never reused.
CREATE TABLE auth.login_failures (
    user_id        bigint NOT NULL,
    factor         text NOT NULL CHECK (factor IN ('password', 'mfa')),
    failures       integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until   timestamptz,
    last_failed_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, factor)
);

-- Apps and services that share the users.
CREATE TABLE auth.products (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    description text,
    -- A database role whose members manage this product: its name (what pg_dump carries)
    -- and its OID (so a role dropped and created again under the name inherits nothing).
    admin_role  name,
    admin_role_oid oid CHECK ((admin_role IS NULL) = (admin_role_oid IS NULL)),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- The database role whose members are this product's app (auth_set_app_role), kept
    -- like admin_role by name and OID.
    app_role    name,
    app_role_oid oid CHECK ((app_role IS NULL) = (app_role_oid IS NULL)),
    -- Sessions bound to this product need aal2 (auth_set_product_mfa).
    mfa_required boolean NOT NULL DEFAULT false
);

-- Companies or organisations using the products; a tenant is only a name.
CREATE TABLE auth.tenants (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Membership of a user in a product, product-wide (tenant_id NULL) or within one tenant.
CREATE TABLE auth.user_products (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    product_id bigint NOT NULL REFERENCES auth.products ON DELETE CASCADE,
    tenant_id  bigint REFERENCES auth.tenants ON DELETE CASCADE,
    status     text NOT NULL CHECK (status IN ('invited', 'active', 'suspended')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_products_key UNIQUE NULLS NOT DISTINCT (user_id, product_id, tenant_id)
);
CREATE INDEX user_products_product_idx ON auth.user_products (product_id);

-- Roles, named within their product.
CREATE TABLE auth.roles (
    id          bigserial PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES auth.products ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT roles_name_key UNIQUE (product_id, name),
    CONSTRAINT roles_id_product_key UNIQUE (id, product_id)
);

-- Composite roles: holding role_id implies inherited_role_id, both of one product.
CREATE TABLE auth.role_inherits (
    product_id        bigint NOT NULL,
    role_id           bigint NOT NULL,
    inherited_role_id bigint NOT NULL,
    PRIMARY KEY (role_id, inherited_role_id),
    FOREIGN KEY (role_id, product_id) REFERENCES auth.roles (id, product_id) ON DELETE CASCADE,
    FOREIGN KEY (inherited_role_id, product_id) REFERENCES auth.roles (id, product_id) ON DELETE CASCADE,
    CHECK (role_id <> inherited_role_id)
);
CREATE INDEX role_inherits_inherited_idx ON auth.role_inherits (inherited_role_id);

-- Named permissions per product.
CREATE TABLE auth.permissions (
    id          bigserial PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES auth.products ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT permissions_name_key UNIQUE (product_id, name),
    CONSTRAINT permissions_id_product_key UNIQUE (id, product_id)
);

-- Which roles carry which permissions, both of one product.
CREATE TABLE auth.role_permissions (
    product_id    bigint NOT NULL,
    role_id       bigint NOT NULL,
    permission_id bigint NOT NULL,
    PRIMARY KEY (role_id, permission_id),
    FOREIGN KEY (role_id, product_id) REFERENCES auth.roles (id, product_id) ON DELETE CASCADE,
    FOREIGN KEY (permission_id, product_id) REFERENCES auth.permissions (id, product_id) ON DELETE CASCADE
);
CREATE INDEX role_permissions_permission_idx ON auth.role_permissions (permission_id);

-- Roles held by users, product-wide (tenant_id NULL) or within one tenant. product_id is
-- the role's product, kept beside it so that a check reads only that product's grants
-- (user_roles_product_idx), whatever the user holds elsewhere.
CREATE TABLE auth.user_roles (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    role_id    bigint NOT NULL REFERENCES auth.roles ON DELETE CASCADE,
    tenant_id  bigint REFERENCES auth.tenants ON DELETE CASCADE,
    granted_at timestamptz NOT NULL DEFAULT now(),
    product_id bigint NOT NULL,
    CONSTRAINT user_roles_key UNIQUE NULLS NOT DISTINCT (user_id, role_id, tenant_id),
    FOREIGN KEY (role_id, product_id) REFERENCES auth.roles (id, product_id) ON DELETE CASCADE
);
CREATE INDEX user_roles_role_idx ON auth.user_roles (role_id);
CREATE INDEX user_roles_product_idx ON auth.user_roles (user_id, product_id, role_id, tenant_id);

-- Login sessions. The token is shown once to the client; only its SHA-256 is kept.
-- A session is bound to one product, or to none: a sign-in service's own session, from
-- which single sign-on makes child sessions for products (auth_sso_exchange).
CREATE TABLE auth.user_sessions (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    product_id   bigint REFERENCES auth.products ON DELETE CASCADE,
    device_info  text CHECK (length(device_info) <= 500),
    client_ip    inet,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    -- The sign-in session this one was made from by single sign-on; ending a session
    -- ends its children. Not a foreign key: pg_dump warns of a table that references
    -- itself at every dump, and a child outliving a deleted parent is already ended.
    parent_id    bigint,
    -- Authenticator assurance level (NIST SP 800-63B) and the methods used (RFC 8176
    -- names: pwd, otp; and recovery for a recovery code).
    aal          text NOT NULL DEFAULT 'aal1' CHECK (aal IN ('aal1', 'aal2')),
    amr          text[] NOT NULL DEFAULT '{pwd}'
);
CREATE INDEX user_sessions_user_idx ON auth.user_sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX user_sessions_parent_idx ON auth.user_sessions (parent_id) WHERE parent_id IS NOT NULL;

-- Single sign-on codes (OAuth 2.0 authorization code with PKCE, RFC 7636, S256): made by
-- a sign-in service from its session for one product, exchanged once by that product's
-- app for a child session. Only the SHA-256 of a code is kept.
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
    -- The session the exchange made: ended if the code comes back a second time.
    child_session_id bigint REFERENCES auth.user_sessions ON DELETE SET NULL
);
CREATE INDEX sso_codes_session_idx ON auth.sso_codes (session_id);

-- Account emails waiting for a mailer (auth_outbox_claim). A token is kept here, sealed
-- (35_sealed.sql; context 'auth.outbox:<id>'), only until a mailer claims the message;
-- then it is erased (account_tokens keeps its hash).
CREATE TABLE auth.outbox (
    id         bigserial PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('password_reset', 'email_verification', 'invitation', 'email_change',
                                             'email_change_notice', 'password_changed', 'mfa_enrolled',
                                             'mfa_removed', 'account_locked')),
    user_id    bigint REFERENCES auth.users ON DELETE CASCADE,
    email      text NOT NULL,           -- the stored address when the message was queued
    product_id bigint REFERENCES auth.products ON DELETE SET NULL,  -- the confined app that asked
    sealed_token bytea,                 -- NULL once claimed
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    claimed_at timestamptz,
    claimed_by text,                    -- the mailer's database role
    CHECK (claimed_at IS NULL OR sealed_token IS NULL)
);
CREATE INDEX outbox_unclaimed_idx ON auth.outbox (id) WHERE claimed_at IS NULL;

-- What happened, who asked (the calling database role) and to whom. Never a password,
-- a token or a hash. No foreign keys: the record outlives what it names.
CREATE TABLE auth.audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    event      text NOT NULL,
    user_id    bigint,
    product_id bigint,
    db_role    text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_user_idx ON auth.audit_log (user_id, at);

-- API keys: long-lived credentials a user gives a script or service, each for one
-- product. Shown once; only the SHA-256 of the key is stored.
-- A key is 'authkey_' and 43 URL-safe characters (256 random bits): the prefix lets
-- secret scanners and people recognise one.
CREATE TABLE auth.api_keys (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    product_id bigint NOT NULL REFERENCES auth.products ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    key_hash   bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,          -- NULL: until revoked
    revoked_at timestamptz
);
CREATE INDEX api_keys_user_idx ON auth.api_keys (user_id);
-- The hashes are dumped like session hashes: they cannot be turned back into keys.
SELECT pg_catalog.pg_extension_config_dump('auth.api_keys', '');
SELECT pg_catalog.pg_extension_config_dump('auth.api_keys_id_seq', '');

-- Single-use tokens mailed to a user: password reset and email verification. Only the
-- SHA-256 of a token is kept; a token serves its own purpose only, once, before it
-- expires, and for the address it was issued to.
CREATE TABLE auth.account_tokens (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification', 'email_change')),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    email      text NOT NULL,     -- the user's address when the token was issued
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    new_email  text,              -- purpose email_change: the address asked for
    CONSTRAINT account_tokens_new_email_check CHECK ((purpose = 'email_change') = (new_email IS NOT NULL))
);
CREATE INDEX account_tokens_user_idx ON auth.account_tokens (user_id, purpose);
SELECT pg_catalog.pg_extension_config_dump('auth.account_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('auth.account_tokens_id_seq', '');

-- Invitations into a product (auth_invite), to an address that may have no account yet;
-- accepted once (auth_accept_invitation) by a session whose user's email has the same
-- key. Only the token's SHA-256 is kept; the token waits sealed in the outbox. One
-- pending invitation per address key and product: a new one replaces it.
CREATE TABLE auth.invitations (
    id          bigserial PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES auth.products ON DELETE CASCADE,
    email       text NOT NULL,          -- as invited
    email_key   text NOT NULL,          -- auth.email_key(email)
    role_id     bigint REFERENCES auth.roles ON DELETE CASCADE,
    tenant_id   bigint REFERENCES auth.tenants ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    invited_by  text NOT NULL,          -- the inviting database role
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by bigint REFERENCES auth.users ON DELETE SET NULL
);
CREATE UNIQUE INDEX invitations_pending_key ON auth.invitations (product_id, email_key) WHERE accepted_at IS NULL;
SELECT pg_catalog.pg_extension_config_dump('auth.invitations', '');
SELECT pg_catalog.pg_extension_config_dump('auth.invitations_id_seq', '');

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

-- Signing keys. Every key is made here, from libsodium's random source: one of
-- auth.jwt_algorithm at CREATE EXTENSION, then at auth_rotate_signing_key, or when a
-- token is signed under an algorithm the current key is not of; so an HS256 secret
-- exists only once HS256 is configured. The secret is sealed under the server key file
-- (35_sealed.sql; context 'auth.signing_keys:<kid>'), so the table is dumped: a restore
-- into a cluster with the same key file keeps the keys.
-- One key is current (signs) at a time; retired_at is when it stopped being current,
-- and a key verifies while it is current or for auth.jwt_max_ttl() after (65_jwt.sql).
CREATE TABLE auth.signing_keys (
    kid           text PRIMARY KEY,
    algorithm     text NOT NULL CHECK (algorithm IN ('EdDSA', 'HS256')),
    public_key    bytea CHECK (length(public_key) = 32),   -- Ed25519 public key; NULL for HS256
    sealed_secret bytea,                                   -- sealed; never leaves the database
    created_at    timestamptz NOT NULL DEFAULT now(),
    retired_at    timestamptz,                             -- stopped signing; verifies a day longer
    CHECK ((algorithm = 'EdDSA') = (public_key IS NOT NULL)),
    -- A retired EdDSA key verifies with its public key alone: its secret is dropped at
    -- retirement. An HS256 secret verifies too, so it stays until the row is deleted.
    CHECK (sealed_secret IS NOT NULL OR (algorithm = 'EdDSA' AND retired_at IS NOT NULL))
);
-- One current (signing) key, of whatever algorithm.
CREATE UNIQUE INDEX signing_keys_current_key ON auth.signing_keys ((true)) WHERE retired_at IS NULL;
COMMENT ON TABLE auth.signing_keys IS
    'JWT signing keys, their secrets sealed under the server key file';

-- (Who may read what is set last, in 90_privileges.sql.)

-- Every table and sequence goes into pg_dump, so the data survives dump and restore.
SELECT pg_catalog.pg_extension_config_dump('auth.users', '');
SELECT pg_catalog.pg_extension_config_dump('auth.products', '');
SELECT pg_catalog.pg_extension_config_dump('auth.login_failures', '');
SELECT pg_catalog.pg_extension_config_dump('auth.mfa_factors', '');
SELECT pg_catalog.pg_extension_config_dump('auth.mfa_factors_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.mfa_recovery_codes', '');
SELECT pg_catalog.pg_extension_config_dump('auth.mfa_recovery_codes_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.tenants', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_products', '');
SELECT pg_catalog.pg_extension_config_dump('auth.roles', '');
SELECT pg_catalog.pg_extension_config_dump('auth.role_inherits', '');
SELECT pg_catalog.pg_extension_config_dump('auth.permissions', '');
SELECT pg_catalog.pg_extension_config_dump('auth.role_permissions', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_roles', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_sessions', '');
SELECT pg_catalog.pg_extension_config_dump('auth.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('auth.sso_codes', '');
SELECT pg_catalog.pg_extension_config_dump('auth.outbox', '');
SELECT pg_catalog.pg_extension_config_dump('auth.signing_keys', '');
SELECT pg_catalog.pg_extension_config_dump('auth.users_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.products_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.tenants_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_products_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.roles_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.permissions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_roles_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_sessions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.audit_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.sso_codes_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.outbox_id_seq', '');
