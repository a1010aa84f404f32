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

-- Raises unless the user exists: 22004 for NULL, 42704 for an unknown id. For the admin
-- functions, which see every user: auth.require_seen_user with no confinement.
CREATE FUNCTION auth.require_user(user_id bigint) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM auth.require_seen_user(NULL, user_id);
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

-- Who is a client of what (docs/clients.md). A client is confined to its products
-- unless it is a sign-in service (auth_signin), an admin (auth_admin) or a superuser.
-- Its products are those whose app_role or admin_role it holds the privileges of, each
-- role still the one bound (same name and OID), so a lost binding closes access.

-- Whether a role is too wide to bind a product to (as its app_role or admin_role): a
-- system role (pg_read_all_data, the bootstrap superuser), or one whose privileges one
-- of the extension's own roles holds, so that every app, sign-in service, mailer or
-- operator would become that product's app or admin. Refused when binding, and a binding
-- that became too wide later (a GRANT to auth_client, say) binds nothing: fail closed.
-- The C checks apply the same rule (src/pg/client_scope.cpp).
CREATE FUNCTION auth.role_too_wide(role oid) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT role < 16384   -- FirstNormalObjectId: roles made by initdb
        OR EXISTS (SELECT FROM pg_roles r
                   WHERE r.rolname IN ('auth_admin', 'auth_client', 'auth_signin', 'auth_mailer', 'auth_user')
                     AND pg_has_role(r.oid, role, 'USAGE'))
$$;

-- The products the caller may act for, sorted; NULL when it is not confined. An empty
-- array: a client of no product.
CREATE FUNCTION auth.client_products(caller regrole) RETURNS bigint[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN auth.is_admin(caller) OR pg_has_role(caller, 'auth_signin', 'USAGE') THEN NULL
        ELSE coalesce((
            SELECT array_agg(DISTINCT p.id ORDER BY p.id)
            FROM auth.products p
            CROSS JOIN LATERAL (VALUES (p.app_role_oid, p.app_role),
                                       (p.admin_role_oid, p.admin_role)) AS bound(oid, name)
            JOIN pg_roles r ON r.oid = bound.oid AND r.rolname = bound.name
            WHERE pg_has_role(caller, r.oid, 'USAGE') AND NOT auth.role_too_wide(r.oid)), '{}')
    END
$$;

-- The caller's products as auth.client_products gives them; 42501 for a client of no
-- product, which may call no client function.
CREATE FUNCTION auth.require_client(caller regrole) RETURNS bigint[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    products bigint[] := auth.client_products(caller);
BEGIN
    IF products = '{}' THEN
        RAISE EXCEPTION 'permission denied: role % is neither a sign-in service nor the app of a product',
                        auth.shown(pg_get_userbyid(caller))
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Grant it auth_signin, or bind it to its product with auth_set_app_role.';
    END IF;
    RETURN products;
END
$$;

-- Whether a client of these products (NULL: not confined) sees the user: one with a
-- membership of any status in one of them. To it, any other user does not exist.
CREATE FUNCTION auth.sees_user(products bigint[], user_id bigint) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT products IS NULL
        OR EXISTS (SELECT FROM auth.user_products m
                   WHERE m.user_id = $2 AND m.product_id = ANY (products))
$$;

-- Raises unless the user exists and the client sees it (auth.sees_user): 22004 for NULL,
-- 42704 for an unknown id and, with the very same message, for a user it may not see.
CREATE FUNCTION auth.require_seen_user(products bigint[], user_id bigint) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF user_id IS NULL THEN
        RAISE EXCEPTION 'user_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- One test, one RAISE: even the error's context lines cannot tell the two apart.
    IF NOT EXISTS (SELECT FROM auth.users u WHERE u.id = require_seen_user.user_id)
       OR NOT auth.sees_user(products, user_id) THEN
        RAISE EXCEPTION 'user % does not exist', user_id USING ERRCODE = 'undefined_object';
    END IF;
END
$$;

-- The one product a confined client acts for when it names none: its only product. NULL
-- for a client of several products (and for an unconfined caller, which then acts for
-- no product).
CREATE FUNCTION auth.only_product(products bigint[]) RETURNS bigint
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
    AS $$ SELECT CASE WHEN cardinality(products) = 1 THEN products[1] END $$;

-- The id of a product a client names, or NULL when no product has that name. A confined
-- client naming a product not its own (existing or not) gets 42501: a configuration
-- error, not an answer.
CREATE FUNCTION auth.client_product_id(caller regrole, products bigint[], product text) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found bigint;
BEGIN
    SELECT p.id INTO found FROM auth.products p WHERE p.name = product;
    IF products IS NOT NULL AND (found IS NULL OR NOT found = ANY (products)) THEN
        RAISE EXCEPTION 'permission denied: role % may not act for product %',
                        auth.shown(pg_get_userbyid(caller)), auth.shown(product)
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN found;
END
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

-- Ends a session and every session made from it, down the parent_id links (single
-- logout); returns how many live sessions ended (ones auth_session_user would still have
-- accepted). A descendant is reached even through a session already ended, so ending a
-- session never leaves one of its children alive.
-- One level at a time, each a statement of its own: revoking a level waits for an
-- auth_sso_exchange that is making a child of one of its sessions (it updates the parent
-- row), and the next statement's snapshot then sees that child. Under REPEATABLE READ
-- the wait ends in a serialization failure instead, so no child is ever missed.
CREATE FUNCTION auth.end_session_tree(p_session_id bigint) RETURNS integer
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    level bigint[] := ARRAY[p_session_id];
    seen bigint[] := '{}';
    ended_here integer;
    ended integer := 0;
BEGIN
    IF p_session_id IS NULL THEN
        RETURN 0;
    END IF;
    WHILE level IS NOT NULL LOOP
        WITH revoked AS (
            UPDATE auth.user_sessions s SET revoked_at = now()
            WHERE s.id = ANY (level) AND s.revoked_at IS NULL
            RETURNING s.expires_at, s.last_used_at)
        SELECT count(*)::integer INTO ended_here FROM revoked r
        WHERE auth.session_is_live(r.expires_at, r.last_used_at);
        ended := ended + ended_here;
        seen := seen || level;
        SELECT array_agg(s.id) INTO level FROM auth.user_sessions s
        WHERE s.parent_id = ANY (level) AND s.id <> ALL (seen);
    END LOOP;
    RETURN ended;
END
$$;

-- Ends a user's sessions (password change or reset, deactivation, logout everywhere),
-- all but the one whose token hash is p_keep, and (p_products not NULL) only those bound
-- to one of these products. Returns how many live sessions ended: ones
-- auth_session_user would still have accepted.
CREATE FUNCTION auth.end_sessions(p_user_id bigint, p_keep bytea DEFAULT NULL,
                                  p_products bigint[] DEFAULT NULL) RETURNS integer
    LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    WITH ended AS (
        UPDATE auth.user_sessions s SET revoked_at = now()
        WHERE s.user_id = p_user_id AND s.revoked_at IS NULL
          AND s.token_hash IS DISTINCT FROM p_keep
          AND (p_products IS NULL OR s.product_id = ANY (p_products))
        RETURNING s.expires_at, s.last_used_at)
    SELECT count(*)::integer FROM ended WHERE auth.session_is_live(expires_at, last_used_at)
$$;
