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

-- Stores a new user (sign-up or import) and returns the id; 23505 when the email's key
-- is taken, or (trigger users_email_keys) it looks like another user's. Generic plans,
-- so a logged plan shows the hash as $n (see "Keeping secrets out of the server log" in
-- the README).
CREATE FUNCTION auth.insert_user(p_email text, p_password_hash text, p_imported boolean,
                                 p_full_name text, p_phone_number text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO auth.users (email, password_hash, password_imported, full_name, phone_number)
    VALUES (p_email, p_password_hash, p_imported, p_full_name, p_phone_number)
    ON CONFLICT (email_key, email_twin) DO NOTHING
    RETURNING id INTO new_id;
    IF new_id IS NULL THEN
        RAISE EXCEPTION 'a user with this email already exists' USING ERRCODE = 'unique_violation';
    END IF;
    RETURN new_id;
END
$$;

-- auth_create_user (client): sign-up; the password is hashed with Argon2id, and the new
-- user becomes an active member (no role) of the product. A confined client signs users
-- up to one of its products (NULL: its only one, else 22004); a sign-in service or an
-- admin may name any product, or none. A taken email gives 23505 whoever asks: the one
-- place an app learns that an address has an account, as in every sign-up form. The
-- password must pass auth.check_password_policy (46_password_quality.sql).
CREATE FUNCTION auth.create_user(p_caller regrole, p_email text, p_password text,
                                 p_full_name text, p_phone_number text, p_product text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    v_product_id bigint;
    new_hash text;
    new_id bigint;
BEGIN
    IF p_product IS NOT NULL THEN
        v_product_id := auth.client_product_id(p_caller, products, p_product);
        IF v_product_id IS NULL THEN
            RAISE EXCEPTION 'product % does not exist', auth.shown(p_product)
                USING ERRCODE = 'undefined_object';
        END IF;
    ELSIF products IS NOT NULL THEN
        v_product_id := auth.only_product(products);
        IF v_product_id IS NULL THEN
            RAISE EXCEPTION 'product must not be null: role % is the app of several products',
                            auth.shown(pg_get_userbyid(p_caller))
                USING ERRCODE = 'null_value_not_allowed';
        END IF;
    END IF;
    PERFORM auth.check_profile(p_email, p_full_name, p_phone_number);
    PERFORM auth.check_password_policy(p_password, 'password', p_email, p_full_name);
    new_hash := auth.hash_password(p_password);
    new_id := auth.insert_user(p_email, new_hash, false, p_full_name, p_phone_number);
    PERFORM auth.remember_password(new_id, new_hash);
    IF v_product_id IS NOT NULL THEN
        INSERT INTO auth.user_products (user_id, product_id, status) VALUES (new_id, v_product_id, 'active');
    END IF;
    PERFORM auth.audit(p_caller, 'user_created', new_id, v_product_id);
    RETURN new_id;
END
$$;

CREATE FUNCTION auth_create_user(email text, password text, full_name text DEFAULT NULL,
                                 phone_number text DEFAULT NULL, product text DEFAULT NULL) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_create_user(text, text, text, text, text) IS
    'sign-up: creates a user with an Argon2id password hash, an active member of the product, and returns its id';
REVOKE ALL ON FUNCTION auth_create_user(text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_create_user(text, text, text, text, text) TO auth_client, auth_admin;

-- auth_user_id (client): the id of the user with this email (by its key: any case or
-- compatibility form, see auth.user_by_email), or NULL; NULL
-- too for a user the caller may not see. PL/pgSQL, so that its query is planned once
-- per session.
CREATE FUNCTION auth.user_id(p_caller regrole, p_email text) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    found bigint;
BEGIN
    found := (auth.user_by_email(p_email)).id;
    RETURN CASE WHEN auth.sees_user(products, found) THEN found END;
END
$$;

CREATE FUNCTION auth_user_id(email text) RETURNS bigint
    LANGUAGE C STABLE STRICT AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_user_id(text) IS 'the id of the user with this email (matched by its NFKC case fold), or NULL';
REVOKE ALL ON FUNCTION auth_user_id(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_user_id(text) TO auth_client, auth_admin;
