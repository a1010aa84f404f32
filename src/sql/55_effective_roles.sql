-- Effective roles: the one place that answers "which roles does this user hold in this
-- product, and where". auth_user_roles and the JWT claims read it.

-- Every (tenant, role) for which auth_has_role(user, product, role, tenant) is true: tenant
-- NULL for the product-wide answer, and each tenant the user has a membership or a grant
-- in. Inherited roles are included; an inactive user or a closed membership yields nothing.
CREATE FUNCTION auth.effective_roles(p_user_id bigint, p_product_id bigint)
    RETURNS TABLE (tenant text, role text)
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE
        held (role_id) AS (        -- granted roles in the product and all they include
            SELECT ur.role_id FROM auth.user_roles ur JOIN auth.roles r ON r.id = ur.role_id
            WHERE ur.user_id = p_user_id AND r.product_id = p_product_id
            UNION
            SELECT ri.inherited_role_id FROM auth.role_inherits ri JOIN held h ON ri.role_id = h.role_id),
        places (tenant) AS (       -- product-wide, and every tenant the user appears in
            SELECT NULL::text
            UNION
            SELECT t.name FROM auth.user_products m JOIN auth.tenants t ON t.id = m.tenant_id
            WHERE m.user_id = p_user_id AND m.product_id = p_product_id
            UNION
            SELECT t.name FROM auth.user_roles ur JOIN auth.roles r ON r.id = ur.role_id
                JOIN auth.tenants t ON t.id = ur.tenant_id
            WHERE ur.user_id = p_user_id AND r.product_id = p_product_id)
    SELECT places.tenant, r.name
    FROM held JOIN auth.roles r ON r.id = held.role_id
         CROSS JOIN places
         CROSS JOIN auth.products p
    WHERE p.id = p_product_id
      AND @extschema@.auth_has_role(p_user_id, p.name, r.name, places.tenant)
$$;
