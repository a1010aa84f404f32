-- Hand-written auth_has_permission($1 user, $2 product, $3 permission, $4 tenant): the query a client
-- would send itself, with the same rules (recursive CTE for inheritance).
SELECT EXISTS (
    WITH RECURSIVE
        target AS (             -- the roles carrying the permission
            SELECT rp.role_id, pm.product_id
            FROM auth.products p JOIN auth.permissions pm ON pm.product_id = p.id
            JOIN auth.role_permissions rp ON rp.permission_id = pm.id
            WHERE p.name = $2 AND pm.name = $3),
        scope AS (
            SELECT t.id AS tenant_id FROM auth.tenants t WHERE t.name = $4
            UNION ALL
            SELECT NULL WHERE $4 IS NULL),
        implying (role_id) AS (
            SELECT target.role_id FROM target
            UNION
            SELECT ri.role_id FROM auth.role_inherits ri JOIN implying i ON ri.inherited_role_id = i.role_id)
    SELECT FROM target, scope, auth.users u
    WHERE u.id = $1 AND u.is_active
      AND CASE (SELECT m.status FROM auth.user_products m
                WHERE m.user_id = $1 AND m.product_id = target.product_id AND m.tenant_id IS NULL)
              WHEN 'suspended' THEN false
              WHEN 'active' THEN coalesce((SELECT m.status = 'active' FROM auth.user_products m
                                           WHERE m.user_id = $1 AND m.product_id = target.product_id
                                             AND m.tenant_id = scope.tenant_id), true)
              ELSE coalesce((SELECT m.status = 'active' FROM auth.user_products m
                             WHERE m.user_id = $1 AND m.product_id = target.product_id
                               AND m.tenant_id = scope.tenant_id), false)
          END
      AND EXISTS (SELECT FROM auth.user_roles ur JOIN implying i ON ur.role_id = i.role_id
                  WHERE ur.user_id = $1 AND (ur.tenant_id IS NULL OR ur.tenant_id = scope.tenant_id)))
