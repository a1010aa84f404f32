-- The rest of the authorization model: tenants, composite roles, permissions and
-- memberships. Every call that changes something writes an audit row naming the caller.

-- auth_create_tenant (client): a tenant is only a name; creating one grants nothing.
CREATE FUNCTION auth.create_tenant(p_caller regrole, p_name text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM auth.require_client(p_caller);
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
    PERFORM auth.require_seen_user(auth.client_products(p_caller), p_user_id);
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
