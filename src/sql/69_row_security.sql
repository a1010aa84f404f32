-- The current user inside a transaction, for row-level security: auth_begin verifies a
-- session token, an API key or a JWT once, and binds its user, product, tenant and
-- assurance level to the transaction; policies and queries read them with auth_uid()
-- and friends, plain C readers of this backend's memory (src/pg/transaction_context.cpp).
-- No setting holds the binding, so SET and set_config cannot forge it; it ends with the
-- transaction, and a rolled-back savepoint gives back the binding from before it.

-- The pure rules (src/core/transaction_binding.h): which kind of credential a text is, and
-- whether a verified credential binds.
CREATE FUNCTION auth.credential_kind(credential text) RETURNS text
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_credential_kind';
CREATE FUNCTION auth.credential_binds(credential_product bigint, asked_product bigint, requires_mfa boolean,
                                      aal text, tenant_asked boolean, tenant_active boolean) RETURNS boolean
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_credential_binds';
-- Sets (user NULL: clears) the binding. Only auth.begin calls it, after verification; no
-- role but the owner may execute it (90_privileges.sql).
CREATE FUNCTION auth.bind_context(user_id bigint, product_id bigint, product text, tenant_id bigint,
                                  tenant text, aal text) RETURNS void
    LANGUAGE C VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'auth_bind_context';

-- The products a caller of auth_begin may bind: NULL for an unconfined client (an admin,
-- a sign-in service), its products for a confined one, and for a role that is only an
-- auth_user '{0}' (any product, named). A client of no product that is not also an
-- auth_user gets 42501 (auth.require_client).
CREATE FUNCTION auth.begin_products(p_caller regrole) RETURNS bigint[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    products bigint[];
    login regrole := session_user::regrole;
BEGIN
    -- A confined app stays confined when it switches (SET ROLE) to a role that is only an
    -- auth_user: the confinement of the login role applies as well.
    IF login <> p_caller AND NOT auth.is_admin(login) AND pg_has_role(login, 'auth_client', 'USAGE')
       AND auth.client_products(login) IS NOT NULL THEN
        RETURN auth.require_client(login);
    END IF;
    IF auth.is_admin(p_caller) OR pg_has_role(p_caller, 'auth_client', 'USAGE') THEN
        products := auth.client_products(p_caller);
        IF products IS NULL OR products <> '{}' OR NOT pg_has_role(p_caller, 'auth_user', 'USAGE') THEN
            RETURN auth.require_client(p_caller);
        END IF;
    END IF;
    RETURN '{0}';
END
$$;

-- auth_begin (client, auth_user): verifies the credential (by the rules of
-- auth_session_user, auth_api_key_user, or auth_verify_jwt with a live session sid) and
-- binds its user, product, tenant and aal to the transaction; NULL and nothing bound when
-- it is not valid here. Whatever was bound before is unbound first, so a failed call
-- leaves nothing bound. The credential's product must be the product named (NULL: a
-- confined client's only product; an unconfined caller then binds only a sign-in
-- service's own session, with no product). A confined client naming another product gets
-- 42501; a caller that is only an auth_user must name the product (22004). A product
-- that requires a second factor binds aal2 credentials only (an API key is aal1). A
-- tenant binds only where the user holds an active membership in the product. Read-only:
-- it runs on a hot standby. Generic plans only: the credential is a variable.
CREATE FUNCTION auth.begin(p_caller regrole, p_credential text, p_product text, p_tenant text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.begin_products(p_caller);
    v_product_id bigint;
    v_product_name text;
    v_kind text;
    v_user bigint;
    v_credential_product bigint;
    v_aal text;
    v_tenant_id bigint;
    v_tenant_active boolean := false;
    claims jsonb;
BEGIN
    PERFORM auth.bind_context(NULL, NULL, NULL, NULL, NULL, NULL);
    IF p_product IS NOT NULL THEN
        IF products = '{0}' THEN
            SELECT p.id INTO v_product_id FROM auth.products p WHERE p.name = p_product;
            IF v_product_id IS NULL THEN
                RETURN NULL;
            END IF;
        ELSE
            v_product_id := auth.client_product_id(p_caller, products, p_product);
            IF v_product_id IS NULL THEN
                RETURN NULL;
            END IF;
        END IF;
    ELSIF products IS NOT NULL THEN
        v_product_id := CASE WHEN products <> '{0}' THEN auth.only_product(products) END;
        IF v_product_id IS NULL THEN
            RAISE EXCEPTION 'product must not be null'
                USING ERRCODE = 'null_value_not_allowed',
                      HINT = 'Name the product: the caller is not the app of exactly one product.';
        END IF;
    END IF;
    SELECT p.name INTO v_product_name FROM auth.products p WHERE p.id = v_product_id;

    v_kind := auth.credential_kind(p_credential);
    IF v_kind = 'session' THEN
        -- auth_session_user's rules (run as the owner: the product is compared below).
        IF @extschema@.auth_session_user(p_credential) IS NULL THEN
            RETURN NULL;
        END IF;
        SELECT s.user_id, s.product_id, s.aal INTO v_user, v_credential_product, v_aal
        FROM auth.user_sessions s JOIN auth.users u ON u.id = s.user_id
        WHERE s.token_hash = auth.token_digest(p_credential) AND s.revoked_at IS NULL AND u.is_active;
    ELSIF v_kind = 'api_key' THEN
        IF v_product_id IS NULL THEN
            RETURN NULL;
        END IF;
        v_user := auth.api_key_user(current_user::regrole, p_credential, v_product_name);
        v_credential_product := v_product_id;
        v_aal := 'aal1';
    ELSIF v_kind = 'jwt' THEN
        claims := auth.verify_jwt(current_user::regrole, p_credential);
        IF claims IS NULL OR jsonb_typeof(claims->'aud') IS DISTINCT FROM 'string'
           OR coalesce(claims->>'sub', '') !~ '^[0-9]{1,18}$' OR coalesce(claims->>'sid', '') !~ '^[0-9]{1,18}$' THEN
            RETURN NULL;
        END IF;
        -- A JWT binds only while the session it was issued from is live.
        SELECT s.user_id INTO v_user
        FROM auth.user_sessions s JOIN auth.users u ON u.id = s.user_id
        WHERE s.id = (claims->>'sid')::bigint AND s.user_id = (claims->>'sub')::bigint
          AND s.revoked_at IS NULL AND auth.session_is_live(s.expires_at, s.last_used_at) AND u.is_active;
        SELECT p.id INTO v_credential_product FROM auth.products p WHERE p.name = claims->>'aud';
        v_aal := coalesce(claims->>'aal', 'aal1');
    END IF;
    IF v_user IS NULL OR (v_product_id IS NOT NULL AND NOT auth.member_of_product(v_user, v_product_id)) THEN
        RETURN NULL;
    END IF;
    IF p_tenant IS NOT NULL THEN
        SELECT t.id INTO v_tenant_id FROM auth.tenants t WHERE t.name = p_tenant;
        v_tenant_active := EXISTS (SELECT FROM auth.user_products m
                                   WHERE m.user_id = v_user AND m.product_id = v_product_id
                                     AND m.tenant_id = v_tenant_id AND m.status = 'active');
    END IF;
    IF NOT auth.credential_binds(v_credential_product, v_product_id, auth.product_requires_mfa(v_product_id),
                                 v_aal, p_tenant IS NOT NULL, v_tenant_active) THEN
        RETURN NULL;
    END IF;
    PERFORM auth.bind_context(v_user, v_product_id, v_product_name, v_tenant_id, p_tenant, v_aal);
    RETURN v_user;
END
$$;

CREATE FUNCTION auth_begin(credential text, product text DEFAULT NULL, tenant text DEFAULT NULL) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_begin(text, text, text) IS
    'verifies a session token, API key or JWT and binds its user, product, tenant and aal to the transaction; NULL and nothing bound when invalid';
REVOKE ALL ON FUNCTION auth_begin(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_begin(text, text, text) TO auth_client, auth_admin, auth_user;

-- auth_begin_from_headers (client, auth_user): for PostgREST's db-pre-request. Reads the
-- bearer JWT of the Authorization header from the request.headers setting PostgREST sets
-- for the transaction (a JSON object, keys lower-cased) and binds it as auth_begin does.
-- Missing, malformed or non-JWT: NULL and nothing bound, never an error (the header's
-- text never reaches a message).
CREATE FUNCTION auth.begin_from_headers(p_caller regrole, p_product text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    headers jsonb;
    bearer text;
BEGIN
    BEGIN
        headers := nullif(current_setting('request.headers', true), '')::jsonb;
    EXCEPTION WHEN OTHERS THEN
        headers := NULL;
    END;
    IF jsonb_typeof(headers) = 'object' AND jsonb_typeof(headers->'authorization') = 'string'
       AND lower(left(headers->>'authorization', 7)) = 'bearer ' THEN
        bearer := btrim(substr(headers->>'authorization', 8));
    END IF;
    -- Anything but a JWT binds nothing, as a credential that does not verify.
    IF auth.credential_kind(bearer) IS DISTINCT FROM 'jwt' THEN
        bearer := NULL;
    END IF;
    RETURN auth.begin(p_caller, bearer, p_product, NULL);
END
$$;

CREATE FUNCTION auth_begin_from_headers(product text) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_begin_from_headers(text) IS
    'for PostgREST''s db-pre-request: binds the bearer JWT of request.headers as auth_begin does';
REVOKE ALL ON FUNCTION auth_begin_from_headers(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_begin_from_headers(text) TO auth_client, auth_admin, auth_user;

-- The readers (PUBLIC: the one exception to "no function for PUBLIC"): what auth_begin
-- bound, else NULL/false. STABLE, so `owner_id = auth_uid()` can use an index; PARALLEL
-- RESTRICTED, as the binding lives in the leader's memory only.
CREATE FUNCTION auth_uid() RETURNS bigint
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'auth_uid';
COMMENT ON FUNCTION auth_uid() IS 'the user auth_begin bound to this transaction, else NULL';
CREATE FUNCTION auth_product() RETURNS text
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'auth_product';
COMMENT ON FUNCTION auth_product() IS 'the product auth_begin bound to this transaction, else NULL';
CREATE FUNCTION auth_tenant() RETURNS text
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'auth_tenant';
COMMENT ON FUNCTION auth_tenant() IS 'the tenant auth_begin bound to this transaction, else NULL';
CREATE FUNCTION auth_aal() RETURNS text
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'auth_aal';
COMMENT ON FUNCTION auth_aal() IS 'the assurance level (aal1, aal2) of the credential bound to this transaction, else NULL';
CREATE FUNCTION auth_current_has_role(role text, tenant text DEFAULT NULL) RETURNS boolean
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'auth_current_has_role';
COMMENT ON FUNCTION auth_current_has_role(text, text) IS
    'auth_has_role for the bound user and product (tenant: the bound one unless named); false when nothing is bound';
CREATE FUNCTION auth_current_has_permission(permission text, tenant text DEFAULT NULL) RETURNS boolean
    LANGUAGE C STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'auth_current_has_permission';
COMMENT ON FUNCTION auth_current_has_permission(text, text) IS
    'auth_has_permission for the bound user and product (tenant: the bound one unless named); false when nothing is bound';
GRANT EXECUTE ON FUNCTION auth_uid(), auth_product(), auth_tenant(), auth_aal(),
    auth_current_has_role(text, text), auth_current_has_permission(text, text) TO PUBLIC;
