-- API keys: long-lived credentials a user gives a script or service, each for one
-- product. Shown once; only the SHA-256 of the key is stored.

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
    PERFORM auth.require_seen_user(auth.client_products(p_caller), p_user_id);
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
-- anything else; read-only. Expiry is judged at the statement's start. A confined client
-- naming a product not its own gets 42501 (a configuration error, as in the checks).
CREATE FUNCTION auth.api_key_user(p_caller regrole, api_key text, product text) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
BEGIN
    IF products IS NOT NULL AND product IS NOT NULL THEN
        PERFORM auth.client_product_id(p_caller, products, product);
    END IF;
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

CREATE FUNCTION auth_api_key_user(api_key text, product text) RETURNS bigint
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
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
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
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
