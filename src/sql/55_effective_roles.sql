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
            SELECT ur.role_id, ur.tenant_id FROM auth.user_roles ur
            WHERE ur.user_id = p_user_id AND ur.product_id = p_product_id),
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
-- Unknown users and products give no rows. A confined client gets rows of its products
-- only, and 42501 for naming another product.
CREATE FUNCTION auth.user_roles(p_caller regrole, p_user_id bigint, p_product text)
    RETURNS TABLE (product text, tenant text, role text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
BEGIN
    IF p_product IS NOT NULL THEN
        PERFORM auth.client_product_id(p_caller, products, p_product);
    END IF;
    RETURN QUERY
    SELECT p.name, e.tenant, e.role
    FROM auth.products p CROSS JOIN LATERAL auth.effective_roles(p_user_id, p.id) e
    WHERE p.id IN (SELECT m.product_id FROM auth.user_products m WHERE m.user_id = p_user_id)
      AND (p_product IS NULL OR p.name = p_product)
      AND (products IS NULL OR p.id = ANY (products))
    ORDER BY 1, 2 NULLS FIRST, 3;
END
$$;

CREATE FUNCTION auth_user_roles(user_id bigint, product text DEFAULT NULL)
    RETURNS TABLE (product text, tenant text, role text)
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_user_roles(bigint, text) IS
    'the user''s effective roles (inherited ones included) per product and tenant';
REVOKE ALL ON FUNCTION auth_user_roles(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_user_roles(bigint, text) TO auth_client, auth_admin;
