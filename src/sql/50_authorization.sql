-- Products, roles, grants, and the role check apps ask on every request.

-- Raises unless a role may bind a product (as its admin_role or app_role, the argument
-- named): 42704 for an OID no role has (a regrole can hold one: 999999::regrole, '-'),
-- 22023 for a role too wide to bind (auth.role_too_wide). NULL passes (no binding).
CREATE FUNCTION auth.check_binding_role(role regrole, argument text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF role IS NOT NULL AND NOT EXISTS (SELECT FROM pg_roles r WHERE r.oid = role) THEN
        RAISE EXCEPTION '% % does not exist', argument, role::oid USING ERRCODE = 'undefined_object';
    END IF;
    IF auth.role_too_wide(role) THEN
        RAISE EXCEPTION '% may not be %: a system role, or one the extension''s roles hold',
                        argument, auth.shown(pg_get_userbyid(role))
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Every client, sign-in service, mailer or operator would be bound to the product.',
                  HINT = 'Create a role of its own, such as CREATE ROLE payroll_app NOLOGIN IN ROLE auth_client.';
    END IF;
END
$$;

-- auth_create_product (admin): a product, optionally managed by members of admin_role.
CREATE FUNCTION auth.create_product(p_caller regrole, p_name text, p_description text,
                                    p_admin_role regrole) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.checked_name(p_name, 'name');
    PERFORM auth.check_binding_role(p_admin_role, 'admin_role');
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

-- auth_set_app_role (admin): members of app_role become the product's app, a client
-- confined to it (docs/clients.md); NULL unbinds. Kept by name and OID, like admin_role.
-- A role too wide to bind (auth.role_too_wide: a system role, or one the extension's own
-- roles hold) is refused: binding it would make every app an app of this product.
CREATE FUNCTION auth.set_app_role(p_caller regrole, p_product text, p_app_role regrole) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_product_id bigint;
    before name;
BEGIN
    PERFORM auth.require_admin(p_caller);
    IF p_product IS NULL THEN
        RAISE EXCEPTION 'product must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM auth.check_binding_role(p_app_role, 'app_role');
    SELECT p.id, p.app_role INTO v_product_id, before FROM auth.products p WHERE p.name = p_product FOR UPDATE;
    IF v_product_id IS NULL THEN
        RAISE EXCEPTION 'product % does not exist', auth.shown(p_product) USING ERRCODE = 'undefined_object';
    END IF;
    UPDATE auth.products p SET app_role = pg_get_userbyid(p_app_role), app_role_oid = p_app_role
    WHERE p.id = v_product_id;
    PERFORM auth.audit(p_caller, 'app_role_bound', NULL, v_product_id,
                       jsonb_build_object('app_role', pg_get_userbyid(p_app_role), 'previous', before));
END
$$;

CREATE FUNCTION auth_set_app_role(product text, app_role regrole) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_set_app_role(text, regrole) IS
    'binds a database role as the product''s app (a client confined to the product); NULL unbinds';
REVOKE ALL ON FUNCTION auth_set_app_role(text, regrole) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_set_app_role(text, regrole) TO auth_admin;

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
    PERFORM auth.require_seen_user(auth.client_products(caller), user_id);
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

    -- auth.max_grants_per_user bounds the grants a user holds within one product, so that
    -- no user's grants make that product's checks and tokens slow or large.
    IF NOT EXISTS (SELECT FROM auth.user_roles ur
                   WHERE ur.user_id = p_user_id AND ur.product_id = target.product_id
                     AND ur.role_id = target.role_id AND ur.tenant_id IS NOT DISTINCT FROM target.tenant_id)
       AND (SELECT count(*) FROM auth.user_roles ur
            WHERE ur.user_id = p_user_id AND ur.product_id = target.product_id)
           >= pg_catalog.current_setting('auth.max_grants_per_user')::integer THEN
        RAISE EXCEPTION 'user % already holds % grants in product %, the most auth.max_grants_per_user allows',
                        p_user_id, pg_catalog.current_setting('auth.max_grants_per_user'), p_product
            USING ERRCODE = 'program_limit_exceeded',
                  HINT = 'Revoke grants the user no longer needs, or grant a role that includes several.';
    END IF;

    INSERT INTO auth.user_roles (user_id, role_id, tenant_id, product_id)
    VALUES (p_user_id, target.role_id, target.tenant_id, target.product_id)
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
