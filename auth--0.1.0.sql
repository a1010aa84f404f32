-- auth: install script, assembled by `make` from the numbered files in src/sql/.
\echo Use "CREATE EXTENSION auth" to load this file. \quit

-- Names, emails and passwords are counted in Unicode characters: the database must be UTF8.
DO $$
BEGIN
    IF pg_catalog.current_setting('server_encoding') <> 'UTF8' THEN
        RAISE EXCEPTION 'auth needs a database with UTF8 encoding'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = pg_catalog.format('This database uses %s.',
                                             pg_catalog.current_setting('server_encoding'));
    END IF;
END
$$;

-- The auth_* functions go into @extschema@. A role that may create objects there could
-- add an overload of auth_login (auth_login(varchar, varchar), say) that a client's call
-- resolves to, and read the passwords passed to it. So only superusers may hold CREATE
-- there: not PUBLIC, not a granted role, and not the database's owner through
-- pg_database_owner (which owns schema public in PostgreSQL 15) unless a superuser owns
-- the database.
DO $$
DECLARE
    creators text := (
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r.rolname), ', ' ORDER BY r.rolname)
        FROM pg_catalog.pg_roles r
        WHERE NOT r.rolsuper AND r.rolname <> 'pg_database_owner'
          AND pg_catalog.has_schema_privilege(r.oid, '@extschema@'::regnamespace, 'CREATE'));
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
               WHERE n.oid = '@extschema@'::regnamespace
                 AND a.grantee = 0 AND a.privilege_type = 'CREATE') THEN
        RAISE EXCEPTION 'every role may create objects in schema %, where auth would install its functions',
                        '@extschema@'::regnamespace
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Any role could then add functions that shadow auth_login and capture passwords.',
                  HINT = 'REVOKE CREATE ON SCHEMA ' || '@extschema@'::regnamespace || ' FROM PUBLIC, or install with CREATE EXTENSION auth SCHEMA some_trusted_schema.';
    END IF;
    IF creators IS NOT NULL THEN
        RAISE EXCEPTION 'roles that are not superusers may create objects in schema %, where auth would install its functions',
                        '@extschema@'::regnamespace
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'These roles could add functions that shadow auth_login and capture passwords: ' || creators || '.',
                  HINT = 'Install into a schema only superusers may create in: CREATE SCHEMA auth_api; CREATE EXTENSION auth SCHEMA auth_api; and let clients call the functions schema-qualified, auth_api.auth_login(...): an overload in another schema on their search_path could still be chosen.';
    END IF;
END
$$;
-- The two roles apps are granted (see "who may call" in the README). Roles belong to the
-- whole cluster, so an install in a second database reuses them; one that can log in
-- or is a superuser is not ours, and installing over it would hand it our functions.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['auth_admin', 'auth_client'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
        ELSIF EXISTS (SELECT FROM pg_catalog.pg_roles
                      WHERE rolname = role_name AND (rolcanlogin OR rolsuper)) THEN
            RAISE EXCEPTION 'role "%" already exists and can log in or is a superuser', role_name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'auth creates auth_admin and auth_client as NOLOGIN roles; rename the existing role.';
        END IF;
    END LOOP;
END
$$;
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
    failed_logins     integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until      timestamptz,
    last_login_at     timestamptz
);
-- An email is unique regardless of case.
CREATE UNIQUE INDEX users_email_key ON auth.users (lower(email));

-- Apps and services that share the users.
CREATE TABLE auth.products (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    description text,
    -- A database role whose members manage this product: its name (what pg_dump carries)
    -- and its OID (so a role dropped and created again under the name inherits nothing).
    admin_role  name,
    admin_role_oid oid CHECK ((admin_role IS NULL) = (admin_role_oid IS NULL)),
    created_at  timestamptz NOT NULL DEFAULT now()
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

-- Roles held by users, product-wide (tenant_id NULL) or within one tenant.
CREATE TABLE auth.user_roles (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    role_id    bigint NOT NULL REFERENCES auth.roles ON DELETE CASCADE,
    tenant_id  bigint REFERENCES auth.tenants ON DELETE CASCADE,
    granted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_roles_key UNIQUE NULLS NOT DISTINCT (user_id, role_id, tenant_id)
);
CREATE INDEX user_roles_role_idx ON auth.user_roles (role_id);

-- Login sessions. The token is shown once to the client; only its SHA-256 is kept.
CREATE TABLE auth.user_sessions (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    product_id   bigint REFERENCES auth.products ON DELETE SET NULL,  -- named at login, if any
    device_info  text CHECK (length(device_info) <= 500),
    client_ip    inet,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX user_sessions_user_idx ON auth.user_sessions (user_id) WHERE revoked_at IS NULL;

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

-- (Who may read what is set last, in 90_privileges.sql.)

-- Every table and sequence goes into pg_dump, so the data survives dump and restore.
SELECT pg_catalog.pg_extension_config_dump('auth.users', '');
SELECT pg_catalog.pg_extension_config_dump('auth.products', '');
SELECT pg_catalog.pg_extension_config_dump('auth.tenants', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_products', '');
SELECT pg_catalog.pg_extension_config_dump('auth.roles', '');
SELECT pg_catalog.pg_extension_config_dump('auth.role_inherits', '');
SELECT pg_catalog.pg_extension_config_dump('auth.permissions', '');
SELECT pg_catalog.pg_extension_config_dump('auth.role_permissions', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_roles', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_sessions', '');
SELECT pg_catalog.pg_extension_config_dump('auth.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('auth.users_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.products_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.tenants_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_products_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.roles_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.permissions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_roles_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.user_sessions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('auth.audit_log_id_seq', '');
-- Internal functions in schema auth, used by the auth_* functions only. EXECUTE on each
-- is revoked from PUBLIC and granted to nobody: only the extension's owner runs them.

-- Crypto and input rules, in C++ (src/pg/*_functions.cpp over src/core/).

CREATE FUNCTION auth.hash_password(password text, argument text DEFAULT 'password') RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_hash_password';
COMMENT ON FUNCTION auth.hash_password(text, text) IS
    'checks the length policy (NFKC form, errors naming the argument) and hashes with Argon2id at the auth.pwhash_* cost';

CREATE FUNCTION auth.password_matches(password text, stored_hash text, imported boolean DEFAULT false)
    RETURNS boolean LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_password_matches';
COMMENT ON FUNCTION auth.password_matches(text, text, boolean) IS
    'true when the password matches; a missing or unreadable hash costs the same work and gives false';

CREATE FUNCTION auth.new_token() RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_new_token';
COMMENT ON FUNCTION auth.new_token() IS '256 random bits as URL-safe base64 (43 characters)';

CREATE FUNCTION auth.token_digest(token text) RETURNS bytea
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_token_digest';
COMMENT ON FUNCTION auth.token_digest(text) IS
    'SHA-256 of a well-formed token (the only form stored); NULL for anything else';

CREATE FUNCTION auth.checked_email(email text) RETURNS text
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_checked_email';

CREATE FUNCTION auth.checked_name(value text, argument text) RETURNS text
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_checked_name';

CREATE FUNCTION auth.session_ttl() RETURNS interval
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_session_ttl';
CREATE FUNCTION auth.session_idle_timeout() RETURNS interval
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_session_idle_timeout';
CREATE FUNCTION auth.lockout_duration() RETURNS interval
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_lockout_duration';
CREATE FUNCTION auth.max_failed_logins() RETURNS integer
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_max_failed_logins';

-- Lookups that turn a name into an id, or raise the contract's error.

-- A name as it appears in an error message: quoted, cut short if very long, and with
-- control characters and line breaks shown as '?', so it cannot forge a log line.
CREATE FUNCTION auth.shown(name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '"' || regexp_replace(CASE WHEN length(name) > 64 THEN left(name, 61) || '...' ELSE name END,
                                 '[\x01-\x1f\x7f-\x9f\u2028\u2029]', '?', 'g') || '"'
$$;

-- A role's id within its product, or 22004/42704 naming what is missing.
CREATE FUNCTION auth.role_id(product_id bigint, product text, role text) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found_id bigint;
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT r.id INTO found_id FROM auth.roles r WHERE r.product_id = role_id.product_id AND r.name = role;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'role % does not exist in product %', auth.shown(role), auth.shown(product)
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN found_id;
END
$$;

-- A tenant's id; NULL for a NULL name (product-wide).
CREATE FUNCTION auth.tenant_id(tenant text) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found_id bigint;
BEGIN
    IF tenant IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT t.id INTO found_id FROM auth.tenants t WHERE t.name = tenant;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'tenant % does not exist', auth.shown(tenant)
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN found_id;
END
$$;

-- Raises unless the user exists: 22004 for NULL, 42704 for an unknown id.
CREATE FUNCTION auth.require_user(user_id bigint) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF user_id IS NULL THEN
        RAISE EXCEPTION 'user_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM auth.users u WHERE u.id = require_user.user_id) THEN
        RAISE EXCEPTION 'user % does not exist', user_id USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

-- Who may call: the caller is the role in effect at the call site (see src/pg/caller.cpp).

-- True for superusers and roles with auth_admin's privileges (a NOINHERIT link in between
-- breaks it, as it breaks EXECUTE).
CREATE FUNCTION auth.is_admin(caller regrole) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
    AS $$ SELECT pg_has_role(caller, 'auth_admin', 'USAGE') $$;

-- Raises 42501 unless the caller is an admin.
CREATE FUNCTION auth.require_admin(caller regrole) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT auth.is_admin(caller) THEN
        RAISE EXCEPTION 'permission denied: role % does not have the privileges of auth_admin', auth.shown(pg_get_userbyid(caller))
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- The id of a product the caller may manage: admins manage every product, members of a
-- product's admin_role that one. Anyone else is refused with 42501 whether or not the
-- product exists, so the answer tells them nothing about other products.
CREATE FUNCTION auth.managed_product_id(caller regrole, product text) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found auth.products;
BEGIN
    IF product IS NULL THEN
        RAISE EXCEPTION 'product must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT p.* INTO found FROM auth.products p WHERE p.name = product;
    IF auth.is_admin(caller) THEN
        IF found.id IS NULL THEN
            RAISE EXCEPTION 'product % does not exist', auth.shown(product)
                USING ERRCODE = 'undefined_object';
        END IF;
        RETURN found.id;
    END IF;
    -- The role must still be the one named at creation (same OID and name), and the
    -- caller must have its privileges (USAGE: a NOINHERIT link in between does not count,
    -- as it would not for EXECUTE).
    IF found.admin_role IS NULL
       OR NOT EXISTS (SELECT FROM pg_roles r WHERE r.oid = found.admin_role_oid AND r.rolname = found.admin_role)
       OR NOT pg_has_role(caller, found.admin_role_oid, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied: role % may not manage product %',
                        auth.shown(pg_get_userbyid(caller)), auth.shown(product)
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN found.id;
END
$$;

-- True for an admin, or a role with the privileges of some product's admin_role: who may
-- call a product function at all, before it is known which product is concerned.
CREATE FUNCTION auth.manages_any_product(caller regrole) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT auth.is_admin(caller)
        OR EXISTS (SELECT FROM auth.products p JOIN pg_roles r
                       ON r.oid = p.admin_role_oid AND r.rolname = p.admin_role
                   WHERE pg_has_role(caller, r.oid, 'USAGE'))
$$;

-- The audit trail. Callers pass names and reasons, never a secret.
CREATE FUNCTION auth.audit(caller regrole, event text, user_id bigint, product_id bigint,
                           detail jsonb DEFAULT '{}') RETURNS void
    LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO auth.audit_log (event, user_id, product_id, db_role, detail)
    VALUES (event, user_id, product_id, pg_get_userbyid(caller), jsonb_strip_nulls(detail))
$$;

-- An active member anywhere in the product (product-wide or in some tenant), for a
-- login that names a product. Same rule as auth_has_role's for one tenant: a suspended
-- product-wide membership closes the whole product.
CREATE FUNCTION auth.member_of_product(user_id bigint, product_id bigint) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT FROM auth.user_products m
                   WHERE m.user_id = $1 AND m.product_id = $2 AND m.status = 'active')
       AND NOT EXISTS (SELECT FROM auth.user_products m
                       WHERE m.user_id = $1 AND m.product_id = $2 AND m.tenant_id IS NULL
                         AND m.status = 'suspended')
$$;

-- Whether a session not revoked is still live: neither past its absolute lifetime nor
-- idle too long, judged at the statement's start. The one rule of the SQL functions;
-- auth_session_user applies the same in C (src/pg/session_check.cpp).
CREATE FUNCTION auth.session_is_live(expires_at timestamptz, last_used_at timestamptz) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT expires_at > statement_timestamp()
       AND last_used_at > statement_timestamp() - auth.session_idle_timeout()
$$;

-- Ends a user's sessions (password change or reset, deactivation, logout everywhere),
-- all but the one whose token hash is p_keep. Returns how many live sessions ended:
-- ones auth_session_user would still have accepted.
CREATE FUNCTION auth.end_sessions(p_user_id bigint, p_keep bytea DEFAULT NULL) RETURNS integer
    LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH ended AS (
        UPDATE auth.user_sessions s SET revoked_at = now()
        WHERE s.user_id = p_user_id AND s.revoked_at IS NULL
          AND s.token_hash IS DISTINCT FROM p_keep
        RETURNING s.expires_at, s.last_used_at)
    SELECT count(*)::integer FROM ended WHERE auth.session_is_live(expires_at, last_used_at)
$$;
-- Users: sign-up and lookup.

-- Raises the contract's error for an email, full name or phone number a user may not
-- have; called before any hash is made, so bad input costs no Argon2id run.
CREATE FUNCTION auth.check_profile(p_email text, p_full_name text, p_phone_number text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM auth.checked_email(p_email);
    IF length(p_full_name) > 200 THEN
        RAISE EXCEPTION 'full_name must be at most 200 characters' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF length(p_phone_number) > 64 THEN
        RAISE EXCEPTION 'phone_number must be at most 64 characters' USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

-- Stores a new user (sign-up or import) and returns the id; 23505 when the email is
-- taken in any case. Generic plans, so a logged plan shows the hash as $n (see "Keeping
-- secrets out of the server log" in the README).
CREATE FUNCTION auth.insert_user(p_email text, p_password_hash text, p_imported boolean,
                                 p_full_name text, p_phone_number text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO auth.users (email, password_hash, password_imported, full_name, phone_number)
    VALUES (p_email, p_password_hash, p_imported, p_full_name, p_phone_number)
    ON CONFLICT ((lower(email))) DO NOTHING
    RETURNING id INTO new_id;
    IF new_id IS NULL THEN
        RAISE EXCEPTION 'a user with this email already exists' USING ERRCODE = 'unique_violation';
    END IF;
    RETURN new_id;
END
$$;

-- auth_create_user: sign-up; the password is hashed with Argon2id.
CREATE FUNCTION auth.create_user(p_caller regrole, p_email text, p_password text,
                                 p_full_name text, p_phone_number text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM auth.check_profile(p_email, p_full_name, p_phone_number);
    new_id := auth.insert_user(p_email, auth.hash_password(p_password), false, p_full_name, p_phone_number);
    PERFORM auth.audit(p_caller, 'user_created', new_id, NULL);
    RETURN new_id;
END
$$;

CREATE FUNCTION auth_create_user(email text, password text, full_name text DEFAULT NULL,
                                 phone_number text DEFAULT NULL) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_create_user(text, text, text, text) IS
    'sign-up: creates a user with an Argon2id password hash and returns its id';
REVOKE ALL ON FUNCTION auth_create_user(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_create_user(text, text, text, text) TO auth_client, auth_admin;

-- auth_user_id: the id of the user with this email (any case), or NULL. PL/pgSQL, so
-- that its query is planned once per session.
CREATE FUNCTION auth_user_id(email text) RETURNS bigint
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT u.id FROM auth.users u WHERE lower(u.email) = lower($1) AND length($1) <= 254);
END
$$;
COMMENT ON FUNCTION auth_user_id(text) IS 'the id of the user with this email (any case), or NULL';
REVOKE ALL ON FUNCTION auth_user_id(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_user_id(text) TO auth_client, auth_admin;
-- Passwords: the one password check of logins and verifications (equal work, lockout,
-- rehash on success), imports from other systems, changes, resets, email verification,
-- and the operator's actions on an account.

-- Single-use tokens mailed to a user: password reset and email verification. Only the
-- SHA-256 of a token is kept; a token serves its own purpose only, once, before it
-- expires, and for the address it was issued to.
CREATE TABLE auth.account_tokens (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    email      text NOT NULL,     -- the user's address when the token was issued
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX account_tokens_user_idx ON auth.account_tokens (user_id, purpose);
SELECT pg_catalog.pg_extension_config_dump('auth.account_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('auth.account_tokens_id_seq', '');

-- Every function below that handles a password, a hash or a token runs its statements
-- with generic plans (plan_cache_mode = force_generic_plan): a custom plan would inline
-- the values of PL/pgSQL variables as constants, and auto_explain (log_verbose) or any
-- plan logging would then print them. Generic plans show $n instead.
-- Times that decide a lockout or a token's life are clock_timestamp(), not now(): the
-- transaction may have started long before the call.

-- C++ helpers (src/pg/password_functions.cpp, setting_functions.cpp).

CREATE FUNCTION auth.rehash_password(password text) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_rehash_password';
COMMENT ON FUNCTION auth.rehash_password(text) IS
    'Argon2id at the current cost of a password just verified (no length policy)';

CREATE FUNCTION auth.hash_needs_rehash(stored_hash text, imported boolean) RETURNS boolean
    LANGUAGE C STABLE STRICT AS 'MODULE_PATHNAME', 'auth_hash_needs_rehash';
COMMENT ON FUNCTION auth.hash_needs_rehash(text, boolean) IS
    'true for an imported hash, or one not Argon2id at the current auth.pwhash_* cost';

CREATE FUNCTION auth.checked_import_hash(password_hash text) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_checked_import_hash';
COMMENT ON FUNCTION auth.checked_import_hash(text) IS
    'the format of a hash auth_import_user accepts, else 22004/22023 without echoing it';

CREATE FUNCTION auth.hash_format(password_hash text) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_hash_format';
COMMENT ON FUNCTION auth.hash_format(text) IS 'the algorithm a hash names (for audit rows), or NULL';

CREATE FUNCTION auth.check_new_password(password text, argument text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_check_new_password';
COMMENT ON FUNCTION auth.check_new_password(text, text) IS
    'the length policy of a new password, without hashing it';

CREATE FUNCTION auth.hashes_running() RETURNS integer
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_hashes_running';
COMMENT ON FUNCTION auth.hashes_running() IS 'password hashes running now in the whole server';

CREATE FUNCTION auth.reset_token_ttl() RETURNS interval
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_reset_token_ttl';

-- Raises 25006 in a READ ONLY transaction or on a standby: the function must write.
CREATE FUNCTION auth.require_writable(function_name text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF current_setting('transaction_read_only') = 'on' THEN
        RAISE EXCEPTION '% needs a writable transaction', function_name
            USING ERRCODE = 'read_only_sql_transaction',
                  HINT = 'Call it on the primary, outside a READ ONLY transaction.';
    END IF;
END
$$;

-- The password check of auth_login, auth_verify_password and auth_change_password. The
-- user is named by id, or by email when p_user_id is NULL. The same Argon2id work is
-- done whatever is wrong (unknown user, no hash, inactive, locked, wrong password), so
-- the time says nothing. The decision is taken on the user's row read again after the
-- hash: locked FOR UPDATE when p_writable, so a lockout, deactivation or password
-- change committed meanwhile counts, and no row lock is held during a hash. Lock times
-- are read from the clock at each step, so an old transaction locks for the full
-- auth.lockout_duration and never sees a lock as over before it is.
-- When p_writable: a wrong password counts toward lockout (reaching
-- auth.max_failed_logins locks the account and starts a new count; failures while locked
-- are not counted); a right one whose hash is imported or at another cost is replaced by
-- Argon2id at the current cost (when p_rehash), only if the stored hash is still the one
-- checked. The caller resets the count and writes the audit row of the outcome.
CREATE FUNCTION auth.authenticate(p_caller regrole, p_user_id bigint, p_email text, p_password text,
                                  p_writable boolean, p_rehash boolean,
                                  OUT user_row auth.users, OUT failure text)
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    before auth.users;
    password_ok boolean;
    new_hash text;
    max_failures integer := auth.max_failed_logins();
    lock_ends timestamptz;
BEGIN
    IF p_user_id IS NOT NULL THEN
        SELECT u.* INTO before FROM auth.users u WHERE u.id = p_user_id;
    ELSIF length(p_email) <= 254 THEN
        SELECT u.* INTO before FROM auth.users u WHERE lower(u.email) = lower(p_email);
    END IF;

    password_ok := auth.password_matches(p_password, before.password_hash,
                                         coalesce(before.password_imported, false));

    -- The upgrade's hash is made before any row lock, and only for a user who could log
    -- in: a locked account with the right password must not take longer than with a
    -- wrong one.
    IF password_ok AND p_writable AND p_rehash AND before.is_active
       AND NOT coalesce(before.locked_until > clock_timestamp(), false)
       AND auth.hash_needs_rehash(before.password_hash, before.password_imported) THEN
        new_hash := auth.rehash_password(p_password);
    END IF;

    IF before.id IS NOT NULL THEN
        IF p_writable THEN
            SELECT u.* INTO user_row FROM auth.users u WHERE u.id = before.id FOR UPDATE;
        ELSE
            SELECT u.* INTO user_row FROM auth.users u WHERE u.id = before.id;
        END IF;
    END IF;
    failure := CASE
        WHEN user_row.id IS NULL THEN CASE WHEN p_user_id IS NULL THEN 'unknown_email' ELSE 'unknown_user' END
        WHEN NOT user_row.is_active THEN 'inactive'
        WHEN user_row.locked_until > clock_timestamp() THEN 'locked'
        WHEN NOT password_ok THEN 'wrong_password'
        WHEN user_row.password_hash IS DISTINCT FROM before.password_hash THEN 'password_changed'
    END;
    IF NOT p_writable THEN
        RETURN;
    END IF;

    -- The row is locked since the read above, and a hash changed meanwhile is the
    -- failure 'password_changed': the upgrade cannot overwrite a new password, and
    -- needs no compare of hash text in SQL.
    IF failure IS NULL AND new_hash IS NOT NULL THEN
        UPDATE auth.users u SET password_hash = new_hash, password_imported = false, updated_at = now()
        WHERE u.id = user_row.id
        RETURNING u.* INTO user_row;
        PERFORM auth.audit(p_caller, 'password_rehashed', user_row.id, NULL,
                           jsonb_build_object('from', auth.hash_format(before.password_hash),
                                              'imported', before.password_imported));
    ELSIF failure = 'wrong_password' THEN
        IF max_failures > 0 AND user_row.failed_logins + 1 >= max_failures THEN
            UPDATE auth.users u SET failed_logins = 0, locked_until = clock_timestamp() + auth.lockout_duration()
            WHERE u.id = user_row.id
            RETURNING u.locked_until INTO lock_ends;
            PERFORM auth.audit(p_caller, 'user_locked', user_row.id, NULL,
                               jsonb_build_object('until', lock_ends));
        ELSE
            UPDATE auth.users u SET failed_logins = u.failed_logins + 1 WHERE u.id = user_row.id;
        END IF;
    END IF;
END
$$;

-- A new single-use token of one purpose for a user; earlier unused tokens of that
-- purpose for the user, and expired ones, are dropped. Only its digest is stored.
CREATE FUNCTION auth.issue_account_token(p_caller regrole, p_user auth.users, p_purpose text) RETURNS text
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    token text := auth.new_token();
    new_id bigint;
    issued timestamptz := clock_timestamp();
    ends timestamptz := issued + auth.reset_token_ttl();
BEGIN
    DELETE FROM auth.account_tokens t
    WHERE t.user_id = p_user.id AND (t.purpose = p_purpose OR t.expires_at <= issued);
    INSERT INTO auth.account_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
    VALUES (p_user.id, p_purpose, auth.token_digest(token), p_user.email, issued, ends)
    RETURNING id INTO new_id;
    PERFORM auth.audit(p_caller, p_purpose || '_requested', p_user.id, NULL,
                       jsonb_build_object('token_id', new_id, 'expires_at', ends));
    RETURN token;
END
$$;

-- The live token of this purpose, locked, or NULL (unknown, malformed, of the other
-- purpose, used, expired, or issued to an address the user no longer has). A refused
-- token that exists is recorded with the reason.
CREATE FUNCTION auth.take_account_token(p_caller regrole, p_token text, p_purpose text)
    RETURNS auth.account_tokens
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    found auth.account_tokens;
    reason text;
BEGIN
    SELECT t.* INTO found FROM auth.account_tokens t
    WHERE t.token_hash = auth.token_digest(p_token) AND t.purpose = p_purpose
    FOR UPDATE;
    IF found.id IS NULL THEN
        RETURN NULL;
    END IF;
    reason := CASE
        WHEN found.used_at IS NOT NULL THEN 'used'
        WHEN found.expires_at <= clock_timestamp() THEN 'expired'
        WHEN NOT EXISTS (SELECT FROM auth.users u
                         WHERE u.id = found.user_id AND u.is_active AND lower(u.email) = lower(found.email))
            THEN 'account_changed'
    END;
    IF reason IS NOT NULL THEN
        PERFORM auth.audit(p_caller, p_purpose || '_refused', found.user_id, NULL,
                           jsonb_build_object('token_id', found.id, 'reason', reason));
        RETURN NULL;
    END IF;
    UPDATE auth.account_tokens t SET used_at = now() WHERE t.id = found.id;
    RETURN found;
END
$$;

-- Sets a user's password hash (ours, not imported), clears any lockout, drops pending
-- reset tokens and ends the user's sessions but the one kept; the number ended.
CREATE FUNCTION auth.replace_password(p_user_id bigint, p_new_hash text, p_keep bytea DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    UPDATE auth.users u
    SET password_hash = p_new_hash, password_imported = false, failed_logins = 0, locked_until = NULL,
        updated_at = now()
    WHERE u.id = p_user_id;
    DELETE FROM auth.account_tokens t
    WHERE t.user_id = p_user_id AND t.purpose = 'password_reset' AND t.used_at IS NULL;
    RETURN auth.end_sessions(p_user_id, p_keep);
END
$$;

-- auth_import_user (admin): a user with a hash from another system, checked against
-- the password as typed (then its NFKC form) and replaced at the first successful login.
CREATE FUNCTION auth.import_user(p_caller regrole, p_email text, p_password_hash text,
                                 p_full_name text, p_phone_number text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    format text;
    new_id bigint;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.check_profile(p_email, p_full_name, p_phone_number);
    format := auth.checked_import_hash(p_password_hash);
    new_id := auth.insert_user(p_email, p_password_hash, true, p_full_name, p_phone_number);
    PERFORM auth.audit(p_caller, 'user_imported', new_id, NULL, jsonb_build_object('format', format));
    RETURN new_id;
END
$$;

CREATE FUNCTION auth_import_user(email text, password_hash text, full_name text DEFAULT NULL,
                                 phone_number text DEFAULT NULL) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_import_user(text, text, text, text) IS
    'a user with a password hash from another system (Argon2, scrypt, bcrypt, sha-crypt, yescrypt), rehashed at the next login';
REVOKE ALL ON FUNCTION auth_import_user(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_import_user(text, text, text, text) TO auth_admin;

-- auth_verify_password (client): the user's id when the password is right and the user
-- may log in; no session. On a writable server a failure counts toward lockout and a
-- success resets the count and upgrades the hash. On a hot standby it only reads (no
-- failure is counted there). On a primary a READ ONLY transaction raises 25006, like
-- auth_login: any client can open one, and a check that counts nothing there would be
-- a guessing oracle without lockout.
CREATE FUNCTION auth.verify_password(p_caller regrole, p_email text, p_password text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    writable boolean := NOT pg_is_in_recovery();
    checked record;
BEGIN
    IF writable THEN
        PERFORM auth.require_writable('auth_verify_password');
    END IF;
    checked := auth.authenticate(p_caller, NULL, p_email, p_password, writable, true);
    IF writable THEN
        IF checked.failure IS NULL THEN
            UPDATE auth.users u SET failed_logins = 0 WHERE u.id = (checked.user_row).id AND u.failed_logins <> 0;
            PERFORM auth.audit(p_caller, 'password_verified', (checked.user_row).id, NULL);
        ELSE
            -- An unknown email is not recorded: people type passwords into the email field.
            PERFORM auth.audit(p_caller, 'password_verify_failed', (checked.user_row).id, NULL,
                               jsonb_build_object('reason', checked.failure));
        END IF;
    END IF;
    RETURN CASE WHEN checked.failure IS NULL THEN (checked.user_row).id END;
END
$$;

CREATE FUNCTION auth_verify_password(email text, password text) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_verify_password(text, text) IS
    'the user''s id when the password is right and the user may log in, else NULL; no session';
REVOKE ALL ON FUNCTION auth_verify_password(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_verify_password(text, text) TO auth_client, auth_admin;

-- auth_change_password (client): needs the old password (a wrong one counts toward
-- lockout, like a failed login); ends every session of the user but keep_session's.
CREATE FUNCTION auth.change_password(p_caller regrole, p_user_id bigint, p_old_password text,
                                     p_new_password text, p_keep_session text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    checked record;
    ended integer;
BEGIN
    PERFORM auth.require_writable('auth_change_password');
    PERFORM auth.require_user(p_user_id);
    -- The new password's policy first: a refused one costs no hash and counts nothing.
    PERFORM auth.check_new_password(p_new_password, 'new_password');
    checked := auth.authenticate(p_caller, p_user_id, NULL, p_old_password, true, false);
    IF checked.failure IS NOT NULL THEN
        PERFORM auth.audit(p_caller, 'password_change_failed', p_user_id, NULL,
                           jsonb_build_object('reason', checked.failure));
        RETURN false;
    END IF;
    ended := auth.replace_password(p_user_id, auth.hash_password(p_new_password, 'new_password'),
                                   auth.token_digest(p_keep_session));
    PERFORM auth.audit(p_caller, 'password_changed', p_user_id, NULL,
                       jsonb_build_object('sessions_ended', ended,
                                          'session_kept', p_keep_session IS NOT NULL));
    RETURN true;
END
$$;

CREATE FUNCTION auth_change_password(user_id bigint, old_password text, new_password text,
                                     keep_session text DEFAULT NULL) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_change_password(bigint, text, text, text) IS
    'changes a password given the old one (false when wrong); ends every other session';
REVOKE ALL ON FUNCTION auth_change_password(bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_change_password(bigint, text, text, text) TO auth_client, auth_admin;

-- auth_request_password_reset (client): a single-use reset token for the app to mail,
-- or NULL for an unknown email or an inactive user.
CREATE FUNCTION auth.request_password_reset(p_caller regrole, p_email text) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    found auth.users;
BEGIN
    PERFORM auth.require_writable('auth_request_password_reset');
    SELECT u.* INTO found FROM auth.users u
    WHERE lower(u.email) = lower(p_email) AND length(p_email) <= 254;
    IF found.id IS NULL OR NOT found.is_active THEN
        RETURN NULL;
    END IF;
    RETURN auth.issue_account_token(p_caller, found, 'password_reset');
END
$$;

CREATE FUNCTION auth_request_password_reset(email text) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_request_password_reset(text) IS
    'a single-use password reset token (43 URL-safe characters), or NULL for an unknown email';
REVOKE ALL ON FUNCTION auth_request_password_reset(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_request_password_reset(text) TO auth_client, auth_admin;

-- auth_reset_password (client): consumes the token, sets the password, ends all
-- sessions, clears lockout; false for a token that is unknown, used, expired, or of the
-- other purpose. A new password the policy refuses raises 22023 and leaves the token.
CREATE FUNCTION auth.reset_password(p_caller regrole, p_reset_token text, p_new_password text)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    found auth.account_tokens;
    ended integer;
BEGIN
    PERFORM auth.require_writable('auth_reset_password');
    PERFORM auth.check_new_password(p_new_password, 'new_password');
    found := auth.take_account_token(p_caller, p_reset_token, 'password_reset');
    IF found.id IS NULL THEN
        RETURN false;
    END IF;
    ended := auth.replace_password(found.user_id, auth.hash_password(p_new_password, 'new_password'));
    PERFORM auth.audit(p_caller, 'password_reset', found.user_id, NULL,
                       jsonb_build_object('token_id', found.id, 'sessions_ended', ended));
    RETURN true;
END
$$;

CREATE FUNCTION auth_reset_password(reset_token text, new_password text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_reset_password(text, text) IS
    'sets a new password with a reset token (single use); ends all sessions and clears lockout';
REVOKE ALL ON FUNCTION auth_reset_password(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_reset_password(text, text) TO auth_client, auth_admin;

-- auth_request_email_verification (client): a single-use token proving the user's
-- current address when it comes back through auth_verify_email.
CREATE FUNCTION auth.request_email_verification(p_caller regrole, p_user_id bigint) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    found auth.users;
BEGIN
    PERFORM auth.require_writable('auth_request_email_verification');
    PERFORM auth.require_user(p_user_id);
    SELECT u.* INTO found FROM auth.users u WHERE u.id = p_user_id;
    RETURN auth.issue_account_token(p_caller, found, 'email_verification');
END
$$;

CREATE FUNCTION auth_request_email_verification(user_id bigint) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_request_email_verification(bigint) IS
    'a single-use email verification token (43 URL-safe characters)';
REVOKE ALL ON FUNCTION auth_request_email_verification(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_request_email_verification(bigint) TO auth_client, auth_admin;

-- auth_verify_email (client): consumes a verification token and sets email_verified_at.
CREATE FUNCTION auth.verify_email(p_caller regrole, p_token text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    found auth.account_tokens;
BEGIN
    PERFORM auth.require_writable('auth_verify_email');
    found := auth.take_account_token(p_caller, p_token, 'email_verification');
    IF found.id IS NULL THEN
        RETURN false;
    END IF;
    UPDATE auth.users u SET email_verified_at = now(), updated_at = now() WHERE u.id = found.user_id;
    PERFORM auth.audit(p_caller, 'email_verified', found.user_id, NULL,
                       jsonb_build_object('token_id', found.id));
    RETURN true;
END
$$;

CREATE FUNCTION auth_verify_email(token text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_verify_email(text) IS
    'consumes an email verification token and marks the address verified; false for a bad token';
REVOKE ALL ON FUNCTION auth_verify_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_verify_email(text) TO auth_client, auth_admin;

-- auth_set_password (admin): an operator sets a password; ends all the user's sessions
-- and clears any lockout.
CREATE FUNCTION auth.set_password(p_caller regrole, p_user_id bigint, p_password text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    ended integer;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.require_user(p_user_id);
    ended := auth.replace_password(p_user_id, auth.hash_password(p_password, 'password'));
    PERFORM auth.audit(p_caller, 'password_set', p_user_id, NULL,
                       jsonb_build_object('sessions_ended', ended));
END
$$;

CREATE FUNCTION auth_set_password(user_id bigint, password text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_set_password(bigint, text) IS
    'an operator sets a user''s password; ends all the user''s sessions';
REVOKE ALL ON FUNCTION auth_set_password(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_set_password(bigint, text) TO auth_admin;

-- auth_set_active (admin): deactivation ends the user's sessions (and an inactive user
-- holds no role and cannot log in); activation gives nothing back but the ability to log in.
CREATE FUNCTION auth.set_active(p_caller regrole, p_user_id bigint, p_active boolean) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ended integer;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.require_user(p_user_id);
    IF p_active IS NULL THEN
        RAISE EXCEPTION 'active must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- Ended (and counted) before the update; the deactivation trigger of
    -- 62_session_rules.sql then finds none left.
    IF NOT p_active THEN
        ended := auth.end_sessions(p_user_id);
    END IF;
    UPDATE auth.users u SET is_active = p_active, updated_at = now() WHERE u.id = p_user_id;
    PERFORM auth.audit(p_caller, CASE WHEN p_active THEN 'user_activated' ELSE 'user_deactivated' END,
                       p_user_id, NULL, jsonb_build_object('sessions_ended', ended));
END
$$;

CREATE FUNCTION auth_set_active(user_id bigint, active boolean) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_set_active(bigint, boolean) IS
    'activates or deactivates a user; deactivation ends the user''s sessions';
REVOKE ALL ON FUNCTION auth_set_active(bigint, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_set_active(bigint, boolean) TO auth_admin;

-- auth_unlock_user (admin): clears a lockout and the failed-login count.
CREATE FUNCTION auth.unlock_user(p_caller regrole, p_user_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    was_locked boolean;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.require_user(p_user_id);
    SELECT coalesce(u.locked_until > clock_timestamp(), false) INTO was_locked FROM auth.users u WHERE u.id = p_user_id;
    UPDATE auth.users u SET failed_logins = 0, locked_until = NULL, updated_at = now() WHERE u.id = p_user_id;
    PERFORM auth.audit(p_caller, 'user_unlocked', p_user_id, NULL, jsonb_build_object('was_locked', was_locked));
END
$$;

CREATE FUNCTION auth_unlock_user(user_id bigint) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_unlock_user(bigint) IS 'clears a user''s lockout and failed-login count';
REVOKE ALL ON FUNCTION auth_unlock_user(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_unlock_user(bigint) TO auth_admin;
-- Products, roles, grants, and the role check apps ask on every request.

-- auth_create_product (admin): a product, optionally managed by members of admin_role.
CREATE FUNCTION auth.create_product(p_caller regrole, p_name text, p_description text,
                                    p_admin_role regrole) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.checked_name(p_name, 'name');
    -- A regrole can hold an OID no role has (999999::regrole, '-'): refuse it.
    IF p_admin_role IS NOT NULL AND NOT EXISTS (SELECT FROM pg_roles r WHERE r.oid = p_admin_role) THEN
        RAISE EXCEPTION 'admin_role % does not exist', p_admin_role::oid
            USING ERRCODE = 'undefined_object';
    END IF;
    INSERT INTO auth.products (name, description, admin_role, admin_role_oid)
    VALUES (p_name, p_description, pg_get_userbyid(p_admin_role), p_admin_role)
    ON CONFLICT (name) DO NOTHING
    RETURNING id INTO new_id;
    IF new_id IS NULL THEN
        RAISE EXCEPTION 'product % already exists', auth.shown(p_name) USING ERRCODE = 'unique_violation';
    END IF;
    PERFORM auth.audit(p_caller, 'product_created', NULL, new_id,
                       jsonb_build_object('name', p_name, 'admin_role', pg_get_userbyid(p_admin_role)));
    RETURN new_id;
END
$$;

CREATE FUNCTION auth_create_product(name text, description text DEFAULT NULL,
                                    admin_role regrole DEFAULT NULL) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_create_product(text, text, regrole) IS
    'creates a product; members of admin_role may then manage its roles and grants';
REVOKE ALL ON FUNCTION auth_create_product(text, text, regrole) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_create_product(text, text, regrole) TO auth_admin;

-- auth_create_role (product): a role within a product.
CREATE FUNCTION auth.create_role(p_caller regrole, p_product text, p_role text,
                                 p_description text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_product_id bigint := auth.managed_product_id(p_caller, p_product);
    new_id bigint;
BEGIN
    PERFORM auth.checked_name(p_role, 'role');
    INSERT INTO auth.roles (product_id, name, description)
    VALUES (v_product_id, p_role, p_description)
    ON CONFLICT (product_id, name) DO NOTHING
    RETURNING id INTO new_id;
    IF new_id IS NULL THEN
        RAISE EXCEPTION 'role % already exists in product %', auth.shown(p_role), auth.shown(p_product)
            USING ERRCODE = 'unique_violation';
    END IF;
    PERFORM auth.audit(p_caller, 'role_created', NULL, v_product_id, jsonb_build_object('role', p_role));
    RETURN new_id;
END
$$;

CREATE FUNCTION auth_create_role(product text, role text, description text DEFAULT NULL) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_create_role(text, text, text) IS 'creates a role within a product';
REVOKE ALL ON FUNCTION auth_create_role(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_create_role(text, text, text) TO auth_client, auth_admin;

-- What auth_grant and auth_revoke act on: the product the caller may manage, the user,
-- the role in that product and the tenant (NULL: product-wide), or the contract's error.
CREATE FUNCTION auth.grant_target(caller regrole, user_id bigint, product text, role text, tenant text,
                                  OUT product_id bigint, OUT role_id bigint, OUT tenant_id bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    product_id := auth.managed_product_id(caller, product);
    PERFORM auth.require_user(user_id);
    role_id := auth.role_id(product_id, product, role);
    tenant_id := auth.tenant_id(tenant);
END
$$;

-- auth_grant (product): gives a user a role, product-wide or within one tenant. The
-- membership becomes active if there was none; an existing one keeps its status.
CREATE FUNCTION auth.grant(p_caller regrole, p_user_id bigint, p_product text, p_role text,
                           p_tenant text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target record := auth.grant_target(p_caller, p_user_id, p_product, p_role, p_tenant);
    granted boolean;
BEGIN
    INSERT INTO auth.user_products (user_id, product_id, tenant_id, status)
    VALUES (p_user_id, target.product_id, target.tenant_id, 'active')
    ON CONFLICT ON CONSTRAINT user_products_key DO NOTHING;

    INSERT INTO auth.user_roles (user_id, role_id, tenant_id)
    VALUES (p_user_id, target.role_id, target.tenant_id)
    ON CONFLICT ON CONSTRAINT user_roles_key DO NOTHING
    RETURNING true INTO granted;

    IF granted THEN
        PERFORM auth.audit(p_caller, 'role_granted', p_user_id, target.product_id,
                           jsonb_build_object('role', p_role, 'tenant', p_tenant));
    END IF;
    RETURN coalesce(granted, false);
END
$$;

CREATE FUNCTION auth_grant(user_id bigint, product text, role text, tenant text DEFAULT NULL)
    RETURNS boolean LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_grant(bigint, text, text, text) IS
    'gives a user a role in a product (within one tenant when named); true when newly granted';
REVOKE ALL ON FUNCTION auth_grant(bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_grant(bigint, text, text, text) TO auth_client, auth_admin;

-- auth_revoke (product): takes a role back; the membership stays.
CREATE FUNCTION auth.revoke(p_caller regrole, p_user_id bigint, p_product text, p_role text,
                            p_tenant text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    target record := auth.grant_target(p_caller, p_user_id, p_product, p_role, p_tenant);
    revoked boolean;
BEGIN
    DELETE FROM auth.user_roles ur
    WHERE ur.user_id = p_user_id AND ur.role_id = target.role_id
      AND ur.tenant_id IS NOT DISTINCT FROM target.tenant_id
    RETURNING true INTO revoked;

    IF revoked THEN
        PERFORM auth.audit(p_caller, 'role_revoked', p_user_id, target.product_id,
                           jsonb_build_object('role', p_role, 'tenant', p_tenant));
    END IF;
    RETURN coalesce(revoked, false);
END
$$;

CREATE FUNCTION auth_revoke(user_id bigint, product text, role text, tenant text DEFAULT NULL)
    RETURNS boolean LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_revoke(bigint, text, text, text) IS
    'takes a role back from a user; true when something was revoked';
REVOKE ALL ON FUNCTION auth_revoke(bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_revoke(bigint, text, text, text) TO auth_client, auth_admin;

-- auth_has_role (client, read-only): true iff the user is active, the membership is
-- active, and the role is held directly or through inheritance, product-wide or in the
-- tenant named. Unknown names and NULLs answer false. In C (src/pg/check_functions.cpp):
-- a few index probes per call, without SQL, SECURITY DEFINER or a SET clause.
CREATE FUNCTION auth_has_role(user_id bigint, product text, role text, tenant text DEFAULT NULL)
    RETURNS boolean LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_has_role';
COMMENT ON FUNCTION auth_has_role(bigint, text, text, text) IS
    'true iff an active user, with an active membership, holds the role (or one including it)';
REVOKE ALL ON FUNCTION auth_has_role(bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_has_role(bigint, text, text, text) TO auth_client, auth_admin;

-- auth_has_permission (client, read-only): the same as auth_has_role, through any held
-- role that carries the permission (directly or by including a role that does).
CREATE FUNCTION auth_has_permission(user_id bigint, product text, permission text, tenant text DEFAULT NULL)
    RETURNS boolean LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_has_permission';
COMMENT ON FUNCTION auth_has_permission(bigint, text, text, text) IS
    'true iff an active user, with an active membership, holds a role carrying the permission';
REVOKE ALL ON FUNCTION auth_has_permission(bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_has_permission(bigint, text, text, text) TO auth_client, auth_admin;
-- The rest of the authorization model: tenants, composite roles, permissions and
-- memberships. Every call that changes something writes an audit row naming the caller.

-- auth_create_tenant (client): a tenant is only a name; creating one grants nothing.
CREATE FUNCTION auth.create_tenant(p_caller regrole, p_name text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM auth.checked_name(p_name, 'name');
    INSERT INTO auth.tenants (name) VALUES (p_name)
    ON CONFLICT (name) DO NOTHING
    RETURNING id INTO new_id;
    IF new_id IS NULL THEN
        RAISE EXCEPTION 'tenant % already exists', auth.shown(p_name) USING ERRCODE = 'unique_violation';
    END IF;
    PERFORM auth.audit(p_caller, 'tenant_created', NULL, NULL, jsonb_build_object('tenant', p_name));
    RETURN new_id;
END
$$;

CREATE FUNCTION auth_create_tenant(name text) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_create_tenant(text) IS 'creates a tenant (a name only; it grants nothing)';
REVOKE ALL ON FUNCTION auth_create_tenant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_create_tenant(text) TO auth_client, auth_admin;

-- Serialises changes to a product's role graph. The row is updated (to itself), not only
-- locked: a concurrent change waits for us, and one under REPEATABLE READ or SERIALIZABLE
-- whose snapshot predates our commit fails with 40001 instead of checking for cycles
-- against a graph without our edge.
CREATE FUNCTION auth.lock_role_graph(p_product_id bigint) RETURNS void
    LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    UPDATE auth.products p SET description = p.description WHERE p.id OPERATOR(pg_catalog.=) p_product_id
$$;

-- auth_role_inherit (product): holding p_role implies p_inherited_role. An edge that
-- would close a cycle, of any length, is refused with 22023; an existing edge is kept.
CREATE FUNCTION auth.role_inherit(p_caller regrole, p_product text, p_role text,
                                  p_inherited_role text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_product_id bigint := auth.managed_product_id(p_caller, p_product);
    v_role_id bigint;
    v_inherited_id bigint;
    added boolean;
BEGIN
    IF p_inherited_role IS NULL THEN
        RAISE EXCEPTION 'inherited_role must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    v_role_id := auth.role_id(v_product_id, p_product, p_role);
    v_inherited_id := auth.role_id(v_product_id, p_product, p_inherited_role);
    IF v_role_id = v_inherited_id THEN
        RAISE EXCEPTION 'role % cannot inherit itself', auth.shown(p_role)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM auth.lock_role_graph(v_product_id);
    -- A cycle would close if p_role is already included, at any depth, in p_inherited_role.
    IF EXISTS (WITH RECURSIVE included (role_id) AS (
                   SELECT v_inherited_id
                   UNION
                   SELECT ri.inherited_role_id FROM auth.role_inherits ri
                   JOIN included i ON ri.role_id = i.role_id)
               SELECT FROM included WHERE role_id = v_role_id) THEN
        RAISE EXCEPTION 'role % cannot inherit % in product %: % already includes %, which would make a cycle',
                        auth.shown(p_role), auth.shown(p_inherited_role), auth.shown(p_product),
                        auth.shown(p_inherited_role), auth.shown(p_role)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO auth.role_inherits (product_id, role_id, inherited_role_id)
    VALUES (v_product_id, v_role_id, v_inherited_id)
    ON CONFLICT DO NOTHING
    RETURNING true INTO added;
    IF added THEN
        PERFORM auth.audit(p_caller, 'role_inherited', NULL, v_product_id,
                           jsonb_build_object('role', p_role, 'inherited_role', p_inherited_role));
    END IF;
END
$$;

CREATE FUNCTION auth_role_inherit(product text, role text, inherited_role text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_role_inherit(text, text, text) IS
    'makes holding role imply inherited_role (composite roles); a cycle is refused';
REVOKE ALL ON FUNCTION auth_role_inherit(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_role_inherit(text, text, text) TO auth_client, auth_admin;

-- auth_grant_permission (product): the role carries the permission, which is created in
-- the product on first use. True when newly given, false when the role already had it.
CREATE FUNCTION auth.grant_permission(p_caller regrole, p_product text, p_role text,
                                      p_permission text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_product_id bigint := auth.managed_product_id(p_caller, p_product);
    v_role_id bigint := auth.role_id(v_product_id, p_product, p_role);
    v_permission_id bigint;
    granted boolean;
BEGIN
    PERFORM auth.checked_name(p_permission, 'permission');
    INSERT INTO auth.permissions (product_id, name) VALUES (v_product_id, p_permission)
    ON CONFLICT (product_id, name) DO NOTHING;
    SELECT p.id INTO STRICT v_permission_id FROM auth.permissions p
    WHERE p.product_id = v_product_id AND p.name = p_permission;
    INSERT INTO auth.role_permissions (product_id, role_id, permission_id)
    VALUES (v_product_id, v_role_id, v_permission_id)
    ON CONFLICT DO NOTHING
    RETURNING true INTO granted;
    IF granted THEN
        PERFORM auth.audit(p_caller, 'permission_granted', NULL, v_product_id,
                           jsonb_build_object('role', p_role, 'permission', p_permission));
    END IF;
    RETURN coalesce(granted, false);
END
$$;

CREATE FUNCTION auth_grant_permission(product text, role text, permission text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_grant_permission(text, text, text) IS
    'gives a role a permission of its product; true when newly given';
REVOKE ALL ON FUNCTION auth_grant_permission(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_grant_permission(text, text, text) TO auth_client, auth_admin;

-- auth_revoke_permission (product): the role no longer carries the permission. True when
-- something was taken; an unknown permission is refused with 42704 like an unknown role.
CREATE FUNCTION auth.revoke_permission(p_caller regrole, p_product text, p_role text,
                                       p_permission text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_product_id bigint := auth.managed_product_id(p_caller, p_product);
    v_role_id bigint := auth.role_id(v_product_id, p_product, p_role);
    v_permission_id bigint;
    revoked boolean;
BEGIN
    IF p_permission IS NULL THEN
        RAISE EXCEPTION 'permission must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT p.id INTO v_permission_id FROM auth.permissions p
    WHERE p.product_id = v_product_id AND p.name = p_permission;
    IF v_permission_id IS NULL THEN
        RAISE EXCEPTION 'permission % does not exist in product %', auth.shown(p_permission), auth.shown(p_product)
            USING ERRCODE = 'undefined_object';
    END IF;
    DELETE FROM auth.role_permissions rp
    WHERE rp.role_id = v_role_id AND rp.permission_id = v_permission_id
    RETURNING true INTO revoked;
    IF revoked THEN
        PERFORM auth.audit(p_caller, 'permission_revoked', NULL, v_product_id,
                           jsonb_build_object('role', p_role, 'permission', p_permission));
    END IF;
    RETURN coalesce(revoked, false);
END
$$;

CREATE FUNCTION auth_revoke_permission(product text, role text, permission text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_revoke_permission(text, text, text) IS
    'takes a permission back from a role; true when something was taken';
REVOKE ALL ON FUNCTION auth_revoke_permission(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_revoke_permission(text, text, text) TO auth_client, auth_admin;

-- auth_set_membership (product): sets a user's membership in a product, product-wide or
-- within one tenant, to invited, active or suspended, creating it when missing.
CREATE FUNCTION auth.set_membership(p_caller regrole, p_user_id bigint, p_product text,
                                    p_status text, p_tenant text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_product_id bigint := auth.managed_product_id(p_caller, p_product);
    v_tenant_id bigint;
    changed boolean;
BEGIN
    PERFORM auth.require_user(p_user_id);
    IF p_status IS NULL THEN
        RAISE EXCEPTION 'status must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_status NOT IN ('invited', 'active', 'suspended') THEN
        RAISE EXCEPTION 'status must be invited, active or suspended, not %', auth.shown(p_status)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_tenant_id := auth.tenant_id(p_tenant);
    INSERT INTO auth.user_products AS m (user_id, product_id, tenant_id, status)
    VALUES (p_user_id, v_product_id, v_tenant_id, p_status)
    ON CONFLICT ON CONSTRAINT user_products_key
        DO UPDATE SET status = excluded.status, updated_at = now()
        WHERE m.status <> excluded.status
    RETURNING true INTO changed;
    IF changed THEN
        PERFORM auth.audit(p_caller, 'membership_set', p_user_id, v_product_id,
                           jsonb_build_object('status', p_status, 'tenant', p_tenant));
    END IF;
END
$$;

CREATE FUNCTION auth_set_membership(user_id bigint, product text, status text, tenant text DEFAULT NULL)
    RETURNS void LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_set_membership(bigint, text, text, text) IS
    'sets a user''s membership in a product (within one tenant when named): invited, active or suspended';
REVOKE ALL ON FUNCTION auth_set_membership(bigint, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_set_membership(bigint, text, text, text) TO auth_client, auth_admin;
-- Effective roles: the one place that answers "which roles does this user hold in this
-- product, and where". auth_user_roles and the JWT claims read it.

-- Every (tenant, role) for which auth_has_role(user, product, role, tenant) is true: tenant
-- NULL for the product-wide answer, and each tenant the user has a membership or a grant
-- in. Inherited roles are included; an inactive user or a closed membership yields nothing.
-- One set-based query with the same rules as auth_has_role (test/effective_roles.sql
-- compares the two on every role and place).
-- PL/pgSQL, so that the query is planned once per session (a SQL function's would be
-- planned at every call).
CREATE FUNCTION auth.effective_roles(p_user_id bigint, p_product_id bigint)
    RETURNS TABLE (tenant text, role text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH RECURSIVE
        memberships AS (           -- the user's memberships in the product
            SELECT m.tenant_id, m.status FROM auth.user_products m
            WHERE m.user_id = p_user_id AND m.product_id = p_product_id),
        grants AS (                -- the user's grants of the product's roles
            SELECT ur.role_id, ur.tenant_id FROM auth.user_roles ur JOIN auth.roles r ON r.id = ur.role_id
            WHERE ur.user_id = p_user_id AND r.product_id = p_product_id),
        places (tenant_id) AS (    -- product-wide (NULL), and every tenant the user appears in
            SELECT NULL::bigint
            UNION SELECT g.tenant_id FROM grants g WHERE g.tenant_id IS NOT NULL
            UNION SELECT m.tenant_id FROM memberships m WHERE m.tenant_id IS NOT NULL),
        open_places AS (           -- where the user's roles count (auth_has_role's membership rule)
            SELECT pl.tenant_id FROM places pl
            WHERE EXISTS (SELECT FROM auth.users u WHERE u.id = p_user_id AND u.is_active)
              AND CASE (SELECT m.status FROM memberships m WHERE m.tenant_id IS NULL)
                      WHEN 'suspended' THEN false
                      WHEN 'active' THEN coalesce((SELECT m.status = 'active' FROM memberships m
                                                   WHERE m.tenant_id = pl.tenant_id), true)
                      ELSE coalesce((SELECT m.status = 'active' FROM memberships m
                                     WHERE m.tenant_id = pl.tenant_id), false)
                  END),
        held (tenant_id, role_id) AS (  -- roles held at each open place, and all they include
            SELECT o.tenant_id, g.role_id FROM open_places o
            JOIN grants g ON g.tenant_id IS NULL OR g.tenant_id = o.tenant_id
            UNION
            SELECT h.tenant_id, ri.inherited_role_id FROM held h
            JOIN auth.role_inherits ri ON ri.role_id = h.role_id)
    SELECT t.name, r.name
    FROM held h JOIN auth.roles r ON r.id = h.role_id
    LEFT JOIN auth.tenants t ON t.id = h.tenant_id;
END
$$;

-- auth_user_roles (client, read-only): the user's effective roles, inherited ones
-- included, in one product or (product NULL) in every product; NULL tenant: product-wide.
-- Unknown users and products give no rows.
CREATE FUNCTION auth_user_roles(user_id bigint, product text DEFAULT NULL)
    RETURNS TABLE (product text, tenant text, role text)
    LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT p.name, e.tenant, e.role
    FROM auth.products p CROSS JOIN LATERAL auth.effective_roles($1, p.id) e
    WHERE p.id IN (SELECT m.product_id FROM auth.user_products m WHERE m.user_id = $1)
      AND ($2 IS NULL OR p.name = $2)
    ORDER BY 1, 2 NULLS FIRST, 3
$$;
COMMENT ON FUNCTION auth_user_roles(bigint, text) IS
    'the user''s effective roles (inherited ones included) per product and tenant';
REVOKE ALL ON FUNCTION auth_user_roles(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_user_roles(bigint, text) TO auth_client, auth_admin;
-- Sessions: login, the check apps make with a token on every request, logout.

-- auth_login (client): a new session token, or NULL on any failure. A failure is
-- recorded (audit row, failed-login count) and never raised, so the record commits and
-- the password never reaches the server log through an error report.
-- Generic plans only (here and in every function below that holds a token, key or digest
-- in a variable): a custom plan puts the variable's value into the plan as a constant,
-- and auto_explain (log_nested_statements) would write it to the server log.
CREATE FUNCTION auth.login(p_caller regrole, p_email text, p_password text, p_product text,
                           p_device_info text, p_client_ip inet) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    checked record;
    found auth.users;
    v_product_id bigint;
    failure text;
    token text;
BEGIN
    -- A login writes (a session, or the record of a failure): say so before any work.
    PERFORM auth.require_writable('auth_login');
    IF p_product IS NOT NULL THEN
        SELECT p.id INTO v_product_id FROM auth.products p WHERE p.name = p_product;
    END IF;

    -- The password check shared with auth_verify_password (src/sql/45_passwords.sql):
    -- equal Argon2id work for every failure, lockout counting, rehash on success.
    checked := auth.authenticate(p_caller, NULL, p_email, p_password, true, true);
    found := checked.user_row;
    failure := coalesce(checked.failure, CASE
        WHEN p_product IS NOT NULL
             AND (v_product_id IS NULL OR NOT auth.member_of_product(found.id, v_product_id))
            THEN 'not_a_member'
    END);

    IF failure IS NULL THEN
        token := auth.new_token();
        -- Session times are statement times, as the checks read them (auth_session_user).
        INSERT INTO auth.user_sessions (user_id, token_hash, product_id, device_info, client_ip,
                                        created_at, last_used_at, expires_at)
        VALUES (found.id, auth.token_digest(token), v_product_id, left(p_device_info, 500), p_client_ip,
                statement_timestamp(), statement_timestamp(), statement_timestamp() + auth.session_ttl());
        UPDATE auth.users u SET failed_logins = 0, locked_until = NULL, last_login_at = now()
        WHERE u.id = found.id;
        PERFORM auth.audit(p_caller, 'login', found.id, v_product_id,
                           jsonb_build_object('client_ip', p_client_ip));
        RETURN token;
    END IF;

    -- An unknown email is not recorded: people type passwords into the email field.
    PERFORM auth.audit(p_caller, 'login_failed', found.id, v_product_id,
                       jsonb_build_object('reason', failure, 'client_ip', p_client_ip));
    RETURN NULL;
END
$$;

CREATE FUNCTION auth_login(email text, password text, product text DEFAULT NULL,
                           device_info text DEFAULT NULL, client_ip inet DEFAULT NULL) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_login(text, text, text, text, inet) IS
    'a new session token (43 URL-safe characters), or NULL when the login fails';
REVOKE ALL ON FUNCTION auth_login(text, text, text, text, inet) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login(text, text, text, text, inet) TO auth_client, auth_admin;

-- auth_session_user (client): the session's user while the session is valid. A C
-- function (src/pg/session_check.cpp) that reads the token-hash index directly; it is
-- neither SECURITY DEFINER nor SET, so it costs what a hand-written lookup costs. On a
-- writable server it has auth.touch_session refresh last_used_at, at most once a minute.
CREATE FUNCTION auth_session_user(token text) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_session_user';
COMMENT ON FUNCTION auth_session_user(text) IS
    'the user of a valid session (not expired, idle-timed-out or revoked, user active), or NULL';
REVOKE ALL ON FUNCTION auth_session_user(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_session_user(text) TO auth_client, auth_admin;

-- Moves a session's last_used_at to now, best effort: it skips the refresh rather than
-- wait for another transaction that holds the row, or fail on it under REPEATABLE READ,
-- because the check that calls it never raises.
CREATE FUNCTION auth.touch_session(p_session_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE auth.user_sessions s SET last_used_at = statement_timestamp()
    WHERE s.id = (SELECT l.id FROM auth.user_sessions l
                  WHERE l.id = p_session_id AND l.last_used_at < statement_timestamp() - interval '1 minute'
                  FOR UPDATE SKIP LOCKED);
EXCEPTION WHEN serialization_failure OR lock_not_available THEN
    NULL;
END
$$;

-- auth_logout (client): ends a session; true when a live session was ended (one that
-- auth_session_user would still have accepted). An expired or idle session is closed
-- too, and answers false.
CREATE FUNCTION auth.logout(p_caller regrole, p_token text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    ended auth.user_sessions;
BEGIN
    UPDATE auth.user_sessions s SET revoked_at = now()
    WHERE s.token_hash = auth.token_digest(p_token) AND s.revoked_at IS NULL
    RETURNING s.* INTO ended;
    IF ended.id IS NULL OR NOT auth.session_is_live(ended.expires_at, ended.last_used_at) THEN
        RETURN false;
    END IF;
    PERFORM auth.audit(p_caller, 'logout', ended.user_id, ended.product_id,
                       jsonb_build_object('session_id', ended.id));
    RETURN true;
END
$$;

CREATE FUNCTION auth_logout(token text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_logout(text) IS 'ends the session of this token; true when one was ended';
REVOKE ALL ON FUNCTION auth_logout(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_logout(text) TO auth_client, auth_admin;

-- auth_logout_all (client): ends every session of the user; the number of live sessions
-- ended (ones auth_session_user would still have accepted).
CREATE FUNCTION auth.logout_all(p_caller regrole, p_user_id bigint) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ended integer;
BEGIN
    PERFORM auth.require_user(p_user_id);
    ended := auth.end_sessions(p_user_id);
    PERFORM auth.audit(p_caller, 'logout_all', p_user_id, NULL, jsonb_build_object('sessions_ended', ended));
    RETURN ended;
END
$$;

CREATE FUNCTION auth_logout_all(user_id bigint) RETURNS integer
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_logout_all(bigint) IS 'ends every session of the user; how many live ones were ended';
REVOKE ALL ON FUNCTION auth_logout_all(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_logout_all(bigint) TO auth_client, auth_admin;

-- auth_sessions (client): the user's live sessions, the ones auth_session_user accepts
-- (a deactivated user has none), newest first. Never the token or its hash.
CREATE FUNCTION auth_sessions(user_id bigint)
    RETURNS TABLE (id bigint, device_info text, client_ip inet, created_at timestamptz,
                   last_used_at timestamptz, expires_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM auth.require_user(auth_sessions.user_id);
    RETURN QUERY
    SELECT s.id, s.device_info, s.client_ip, s.created_at, s.last_used_at, s.expires_at
    FROM auth.user_sessions s JOIN auth.users u ON u.id = s.user_id
    WHERE s.user_id = auth_sessions.user_id
      AND s.revoked_at IS NULL
      AND auth.session_is_live(s.expires_at, s.last_used_at)
      AND u.is_active
    ORDER BY s.created_at DESC, s.id DESC;
END
$$;
COMMENT ON FUNCTION auth_sessions(bigint) IS 'the user''s live sessions, newest first';
REVOKE ALL ON FUNCTION auth_sessions(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_sessions(bigint) TO auth_client, auth_admin;
-- An inactive user holds no live session: deactivation ends every session of the user at
-- once, however it is made (auth_set_active, or an UPDATE by the extension's owner). So
-- auth_session_user, which must be as cheap as one index lookup, need not read
-- auth.users, and a reactivated user logs in again rather than finding old sessions alive.
-- The trigger fires ALWAYS: under session_replication_role = replica too (as a logical
-- replication apply worker, or an owner's session, may set it). auth_issue_jwt and
-- auth_api_key_user still check is_active themselves.

-- Ends the sessions of a user whose is_active just became false.
CREATE FUNCTION auth.end_sessions_on_deactivation() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM auth.end_sessions(NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_deactivation_ends_sessions
    AFTER UPDATE OF is_active ON auth.users
    FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active)
    EXECUTE FUNCTION auth.end_sessions_on_deactivation();
ALTER TABLE auth.users ENABLE ALWAYS TRIGGER users_deactivation_ends_sessions;
-- JWTs for single sign-on: signed from a session, verified here or by any service with
-- the published keys (auth_jwks). Signing and verification are C++ (src/core/jwt.cpp);
-- this file keeps the keys and builds the claims.

-- Signing keys. Every key pair is made here, from libsodium's random source. The table
-- is NOT registered with pg_extension_config_dump: a dump carries no key that can mint
-- tokens, and a restore (CREATE EXTENSION) makes fresh keys, so tokens issued before the
-- restore stop verifying (they last at most auth.jwt_max_ttl()).
CREATE TABLE auth.signing_keys (
    kid        text PRIMARY KEY,
    algorithm  text NOT NULL CHECK (algorithm IN ('EdDSA', 'HS256')),
    public_key bytea CHECK (length(public_key) = 32),   -- Ed25519 public key; NULL for HS256
    secret_key bytea,                                   -- never leaves the database
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,                             -- no longer signs; verifies a while longer
    CHECK ((algorithm = 'EdDSA') = (public_key IS NOT NULL)),
    -- A retired EdDSA key verifies with its public key alone: its secret is dropped at
    -- retirement. An HS256 secret verifies too, so it stays until the row is deleted.
    CHECK (secret_key IS NOT NULL OR (algorithm = 'EdDSA' AND retired_at IS NOT NULL))
);
-- One current (signing) key per algorithm.
CREATE UNIQUE INDEX signing_keys_current_key ON auth.signing_keys (algorithm) WHERE retired_at IS NULL;
COMMENT ON TABLE auth.signing_keys IS
    'JWT signing keys; not dumped: a restored database signs with new keys';

CREATE FUNCTION auth.new_signing_secret(algorithm text) RETURNS bytea
    LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'auth_new_signing_secret';
CREATE FUNCTION auth.signing_public_key(algorithm text, secret bytea) RETURNS bytea
    LANGUAGE C IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'auth_signing_public_key';
CREATE FUNCTION auth.jwt_sign(algorithm text, kid text, claims text, secret bytea) RETURNS text
    LANGUAGE C IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'auth_jwt_sign';
CREATE FUNCTION auth.jwt_key_id(jwt text) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_jwt_key_id';
CREATE FUNCTION auth.jwt_verified_claims(jwt text, algorithm text, key bytea, now timestamptz) RETURNS text
    LANGUAGE C IMMUTABLE STRICT AS 'MODULE_PATHNAME', 'auth_jwt_verified_claims';
CREATE FUNCTION auth.public_jwk(kid text, public_key bytea) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_public_jwk';
-- The settings auth.jwt_algorithm, auth.jwt_issuer and auth.jwt_role_claim.
CREATE FUNCTION auth.jwt_algorithm() RETURNS text
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_jwt_algorithm';
CREATE FUNCTION auth.jwt_issuer() RETURNS text
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_jwt_issuer';
CREATE FUNCTION auth.jwt_role_claim() RETURNS text
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_jwt_role_claim';

-- The longest a JWT may live, and so how long a retired key keeps verifying: the verify
-- path and auth_jwks ignore a key retired longer ago, whether or not a later rotation
-- has deleted its row yet.
CREATE FUNCTION auth.jwt_max_ttl() RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    AS $$ SELECT interval '1 day' $$;

-- Adds a new key of each algorithm; the current keys are retired from signing. Returns
-- the new key id of the algorithm auth.jwt_algorithm names.
-- Generic plans only: a custom plan of the INSERT would carry the new secret as a
-- constant, which auto_explain (log_nested_statements, log_verbose) writes to the log.
CREATE FUNCTION auth.add_signing_keys() RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    algorithm text;
    secret bytea;
    new_kid text;
    signing_kid text;
BEGIN
    -- Rotations one at a time (readers are not blocked): a second one waits, then retires
    -- the keys the first made.
    LOCK TABLE auth.signing_keys IN SHARE ROW EXCLUSIVE MODE;
    UPDATE auth.signing_keys k
    SET retired_at = statement_timestamp(),
        secret_key = CASE WHEN k.algorithm = 'EdDSA' THEN NULL ELSE k.secret_key END
    WHERE k.retired_at IS NULL;
    FOREACH algorithm IN ARRAY ARRAY['EdDSA', 'HS256'] LOOP
        secret := auth.new_signing_secret(algorithm);
        new_kid := left(auth.new_token(), 22);   -- 128 random bits, URL-safe
        INSERT INTO auth.signing_keys (kid, algorithm, public_key, secret_key)
        VALUES (new_kid, algorithm, auth.signing_public_key(algorithm, secret), secret);
        IF algorithm = auth.jwt_algorithm() THEN
            signing_kid := new_kid;
        END IF;
    END LOOP;
    -- Keys retired longer ago than a token can live verify nothing any more.
    DELETE FROM auth.signing_keys k WHERE k.retired_at <= statement_timestamp() - auth.jwt_max_ttl();
    RETURN signing_kid;
END
$$;

-- The keys made at CREATE EXTENSION.
SELECT auth.add_signing_keys();

-- auth_issue_jwt (client): a signed JWT for the session's user in one product, or NULL
-- when the session is not valid or the user is not active, or not an active member of
-- the product. Times are the statement's (iat, exp), as auth_session_user reads them.
-- Generic plans only: the session token is a variable of its queries.
CREATE FUNCTION auth_issue_jwt(session_token text, product text, ttl interval DEFAULT '15 minutes')
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    session record;
    v_product_id bigint;
    signing_key auth.signing_keys;
    issued_at bigint := floor(extract(epoch FROM statement_timestamp()));
    lifetime bigint;
    claims jsonb;
    role_claim text := auth.jwt_role_claim();
BEGIN
    IF product IS NULL THEN
        RAISE EXCEPTION 'product must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF ttl IS NULL THEN
        RAISE EXCEPTION 'ttl must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF ttl < interval '1 second' OR ttl > auth.jwt_max_ttl() THEN
        RAISE EXCEPTION 'ttl must be between 1 second and 1 day'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    lifetime := floor(extract(epoch FROM ttl));

    -- The session, by the rules of auth_session_user (which also refreshes last_used_at).
    IF @extschema@.auth_session_user(session_token) IS NULL THEN
        RETURN NULL;
    END IF;
    -- The user must be active: auth_session_user relies on deactivation ending sessions
    -- (src/sql/62_session_rules.sql); a session that survived one signs nothing.
    SELECT s.id, s.user_id, u.email INTO session
    FROM auth.user_sessions s JOIN auth.users u ON u.id = s.user_id
    WHERE s.token_hash = auth.token_digest(session_token) AND s.revoked_at IS NULL AND u.is_active;
    IF session.id IS NULL THEN
        RETURN NULL;
    END IF;

    SELECT p.id INTO v_product_id FROM auth.products p WHERE p.name = product;
    IF v_product_id IS NULL OR NOT auth.member_of_product(session.user_id, v_product_id) THEN
        RETURN NULL;
    END IF;

    SELECT k.* INTO signing_key FROM auth.signing_keys k
    WHERE k.algorithm = auth.jwt_algorithm() AND k.retired_at IS NULL
    ORDER BY k.created_at DESC LIMIT 1;
    IF signing_key.kid IS NULL THEN
        RAISE EXCEPTION 'no % signing key: call auth_rotate_signing_key()', auth.jwt_algorithm()
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    WITH effective AS (SELECT e.tenant, e.role FROM auth.effective_roles(session.user_id, v_product_id) e)
    SELECT jsonb_build_object(
        'iss', auth.jwt_issuer(),
        'sub', session.user_id::text,
        'email', session.email,
        'product', product,
        'roles', coalesce((SELECT jsonb_agg(DISTINCT e.role) FROM effective e WHERE e.tenant IS NULL), '[]'),
        'tenant_roles', coalesce((SELECT jsonb_object_agg(t.tenant, t.roles)
                                  FROM (SELECT e.tenant, jsonb_agg(DISTINCT e.role) AS roles
                                        FROM effective e WHERE e.tenant IS NOT NULL
                                        GROUP BY e.tenant) t), '{}'),
        'sid', session.id::text,
        'iat', issued_at,
        'exp', issued_at + lifetime)
    INTO claims;
    IF role_claim <> '' THEN
        claims := claims || jsonb_build_object('role', role_claim);
    END IF;
    RETURN auth.jwt_sign(signing_key.algorithm, signing_key.kid, claims::text, signing_key.secret_key);
END
$$;
COMMENT ON FUNCTION auth_issue_jwt(text, text, interval) IS
    'a signed JWT for the session''s user in the product, or NULL when the session or membership is not valid';
REVOKE ALL ON FUNCTION auth_issue_jwt(text, text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_issue_jwt(text, text, interval) TO auth_client, auth_admin;

-- auth_verify_jwt (client): the claims of a token this database signed, while its
-- signature, algorithm, issuer and expiry check out; NULL for anything else, never an
-- error. Read-only.
-- Expiry and key retirement are judged at the statement's start. Generic plans only:
-- the token is a variable of its query.
CREATE FUNCTION auth_verify_jwt(jwt text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    signing_key auth.signing_keys;
    claims jsonb;
BEGIN
    SELECT k.* INTO signing_key FROM auth.signing_keys k
    WHERE k.kid = auth.jwt_key_id(jwt)
      AND (k.retired_at IS NULL OR k.retired_at > statement_timestamp() - auth.jwt_max_ttl());
    IF signing_key.kid IS NULL THEN
        RETURN NULL;
    END IF;
    -- The key's algorithm, never the token's: EdDSA keys verify with their public key.
    claims := auth.jwt_verified_claims(jwt, signing_key.algorithm,
                                       CASE signing_key.algorithm WHEN 'EdDSA' THEN signing_key.public_key
                                                                  ELSE signing_key.secret_key END,
                                       statement_timestamp())::jsonb;
    IF claims->>'iss' IS DISTINCT FROM auth.jwt_issuer() THEN
        RETURN NULL;
    END IF;
    RETURN claims;
END
$$;
COMMENT ON FUNCTION auth_verify_jwt(text) IS
    'the claims of a valid JWT signed here, or NULL';
REVOKE ALL ON FUNCTION auth_verify_jwt(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_verify_jwt(text) TO auth_client, auth_admin;

-- auth_jwks (client): the Ed25519 public keys that verify tokens issued now or still
-- alive, as an RFC 7517 JWK set: the current key first, then the retired ones, the most
-- recently retired first. HS256 secrets are never published.
CREATE FUNCTION auth_jwks() RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('keys', coalesce(jsonb_agg(auth.public_jwk(k.kid, k.public_key)::jsonb
                                                         ORDER BY k.retired_at DESC NULLS FIRST,
                                                                  k.created_at DESC, k.kid), '[]'))
    FROM auth.signing_keys k
    WHERE k.algorithm = 'EdDSA'
      AND (k.retired_at IS NULL OR k.retired_at > statement_timestamp() - auth.jwt_max_ttl())
$$;
COMMENT ON FUNCTION auth_jwks() IS 'the public keys that verify this database''s JWTs, as a JWK set';
REVOKE ALL ON FUNCTION auth_jwks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_jwks() TO auth_client, auth_admin;

-- auth_rotate_signing_key (admin): new keys sign from now on; the previous ones verify
-- the tokens they signed until those expire (auth.jwt_max_ttl() after the rotation),
-- then are deleted at a later rotation. Returns the new key id for auth.jwt_algorithm.
CREATE FUNCTION auth.rotate_signing_key(p_caller regrole) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_kid text;
BEGIN
    PERFORM auth.require_admin(p_caller);
    new_kid := auth.add_signing_keys();
    PERFORM auth.audit(p_caller, 'signing_key_rotated', NULL, NULL, jsonb_build_object('kid', new_kid));
    RETURN new_kid;
END
$$;

CREATE FUNCTION auth_rotate_signing_key() RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_rotate_signing_key() IS 'new JWT signing keys; the old ones verify until their tokens expire';
REVOKE ALL ON FUNCTION auth_rotate_signing_key() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_rotate_signing_key() TO auth_admin;
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

-- The stored form of a well-formed key: the SHA-256 of its token part; NULL for anything
-- that cannot be a key, so no lookup is made for it.
CREATE FUNCTION auth.api_key_digest(api_key text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN length(api_key) = 51 AND left(api_key, 8) = 'authkey_'
                THEN auth.token_digest(substr(api_key, 9)) END
$$;

-- auth_create_api_key (product): a new key for the user in the product, shown this once.
-- Generic plans only, in every function here that holds a key in a variable: a custom
-- plan carries the key's digest as a constant, which auto_explain would log.
CREATE FUNCTION auth.create_api_key(p_caller regrole, p_user_id bigint, p_product text, p_name text,
                                    p_expires_at timestamptz) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_product_id bigint := auth.managed_product_id(p_caller, p_product);
    new_key text;
    new_id bigint;
BEGIN
    PERFORM auth.require_user(p_user_id);
    PERFORM auth.checked_name(p_name, 'name');
    IF p_expires_at <= statement_timestamp() THEN
        RAISE EXCEPTION 'expires_at must be in the future' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    new_key := 'authkey_' || auth.new_token();
    INSERT INTO auth.api_keys (user_id, product_id, name, key_hash, expires_at)
    VALUES (p_user_id, v_product_id, p_name, auth.api_key_digest(new_key), p_expires_at)
    RETURNING id INTO new_id;
    PERFORM auth.audit(p_caller, 'api_key_created', p_user_id, v_product_id,
                       jsonb_build_object('api_key_id', new_id, 'name', p_name, 'expires_at', p_expires_at));
    RETURN new_key;
END
$$;

CREATE FUNCTION auth_create_api_key(user_id bigint, product text, name text, expires_at timestamptz DEFAULT NULL)
    RETURNS text LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_create_api_key(bigint, text, text, timestamptz) IS
    'a new API key for the user in the product (shown once; only its hash is kept)';
REVOKE ALL ON FUNCTION auth_create_api_key(bigint, text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_create_api_key(bigint, text, text, timestamptz) TO auth_client, auth_admin;

-- auth_api_key_user (client): the key's user while the key is valid for this product:
-- not revoked or expired, its user active and an active member of the product. NULL for
-- anything else, never an error. Read-only. Expiry is judged at the statement's start.
CREATE FUNCTION auth_api_key_user(api_key text, product text) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    -- PL/pgSQL keeps this query's plan for the session; a SQL function that cannot be
    -- inlined (SECURITY DEFINER) would be planned at every call.
    RETURN (SELECT k.user_id
            FROM auth.api_keys k
            JOIN auth.products p ON p.id = k.product_id
            JOIN auth.users u ON u.id = k.user_id
            WHERE k.key_hash = auth.api_key_digest(api_key)
              AND p.name = product
              AND k.revoked_at IS NULL
              AND (k.expires_at IS NULL OR k.expires_at > statement_timestamp())
              AND u.is_active
              AND auth.member_of_product(k.user_id, k.product_id));
END
$$;
COMMENT ON FUNCTION auth_api_key_user(text, text) IS
    'the user of a valid API key for this product, or NULL';
REVOKE ALL ON FUNCTION auth_api_key_user(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_api_key_user(text, text) TO auth_client, auth_admin;

-- auth_revoke_api_key (product): true when a key that was not yet revoked is revoked now.
-- A key of a product the caller may not manage is refused with 42501, and so is any key
-- when the caller manages no product at all; for a manager an unknown or malformed key
-- answers false. NULL is 22004.
CREATE FUNCTION auth.revoke_api_key(p_caller regrole, p_api_key text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    key_row auth.api_keys;
    product_name text;
BEGIN
    IF p_api_key IS NULL THEN
        RAISE EXCEPTION 'api_key must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT k.* INTO key_row FROM auth.api_keys k WHERE k.key_hash = auth.api_key_digest(p_api_key);
    IF key_row.id IS NULL THEN
        IF NOT auth.manages_any_product(p_caller) THEN
            RAISE EXCEPTION 'permission denied: role % may not revoke this api key', auth.shown(pg_get_userbyid(p_caller))
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN false;
    END IF;
    -- The same message whether the key is unknown or another product's: it names no product.
    SELECT p.name INTO product_name FROM auth.products p WHERE p.id = key_row.product_id;
    BEGIN
        PERFORM auth.managed_product_id(p_caller, product_name);
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'permission denied: role % may not revoke this api key', auth.shown(pg_get_userbyid(p_caller))
            USING ERRCODE = 'insufficient_privilege';
    END;
    UPDATE auth.api_keys k SET revoked_at = statement_timestamp() WHERE k.id = key_row.id AND k.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM auth.audit(p_caller, 'api_key_revoked', key_row.user_id, key_row.product_id,
                       jsonb_build_object('api_key_id', key_row.id, 'name', key_row.name));
    RETURN true;
END
$$;

CREATE FUNCTION auth_revoke_api_key(api_key text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_revoke_api_key(text) IS 'revokes an API key; true when it was live until now';
REVOKE ALL ON FUNCTION auth_revoke_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_revoke_api_key(text) TO auth_client, auth_admin;
-- Privileges, last. Whatever a file above forgot, and whatever the installing role's
-- default privileges (ALTER DEFAULT PRIVILEGES) granted on the new objects, is taken
-- back here. Afterwards, besides the owner's, only these hold:
--   EXECUTE on the public auth_* functions, for auth_client and auth_admin as granted
--     beside each function;
--   USAGE on schema auth and SELECT on auth.audit_log, for auth_admin.
DO $$
DECLARE
    keep oid[] := ARRAY(SELECT r.oid FROM pg_catalog.pg_roles r
                        WHERE r.rolname IN ('auth_admin', 'auth_client'));
    item record;
BEGIN
    FOR item IN
        -- Functions: internal ones (schema auth) for the owner alone; public ones for the
        -- owner, auth_admin and auth_client. A NULL ACL means PUBLIC may execute.
        SELECT 'FUNCTION ' || p.oid::pg_catalog.regprocedure AS object, a.grantee
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_proc p ON p.oid = d.objid,
        LATERAL pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
          AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
          AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'auth')
          AND d.deptype = 'e'
          AND a.grantee <> p.proowner
          AND (p.pronamespace = 'auth'::pg_catalog.regnamespace OR a.grantee <> ALL (keep))
        UNION ALL
        -- Tables and sequences of schema auth: the owner's alone.
        SELECT c.oid::pg_catalog.regclass::text, a.grantee
        FROM pg_catalog.pg_class c, LATERAL pg_catalog.aclexplode(c.relacl) a
        WHERE c.relnamespace = 'auth'::pg_catalog.regnamespace AND c.relkind IN ('r', 'S')
          AND a.grantee <> c.relowner
        UNION ALL
        -- The schema itself: the owner's alone (auth_admin's USAGE is granted below).
        SELECT 'SCHEMA auth', a.grantee
        FROM pg_catalog.pg_namespace n, LATERAL pg_catalog.aclexplode(n.nspacl) a
        WHERE n.oid = 'auth'::pg_catalog.regnamespace AND a.grantee <> n.nspowner
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s', item.object,
            CASE WHEN item.grantee = 0 THEN 'PUBLIC'
                 ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(item.grantee)) END);
    END LOOP;
END
$$;

-- Operators read the audit log; nothing else of schema auth is readable but by the owner.
GRANT USAGE ON SCHEMA auth TO auth_admin;
GRANT SELECT ON auth.audit_log TO auth_admin;
