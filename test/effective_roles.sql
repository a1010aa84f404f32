-- auth.effective_roles keeps its contract: its rows are exactly the (tenant, role) for
-- which auth_has_role is true, tenant NULL for the product-wide answer plus every tenant
-- the user has a membership or a grant in. Checked on users covering every membership
-- status, inactive users, tenant and product-wide grants, and inheritance of depth 3.
BEGIN;
SELECT plan(6);

SELECT auth_create_product('TapEff P') AS p \gset
SELECT auth_create_product('TapEff Q') AS q \gset
SELECT auth_create_tenant('TapEff T' || i) FROM generate_series(1, 4) i \g /dev/null
SELECT auth_create_role(prod, 'role ' || i) FROM unnest(ARRAY['TapEff P', 'TapEff Q']) prod,
       generate_series(1, 6) i \g /dev/null
-- role 1 > role 2 > role 3 > role 4; role 5 > role 3; role 6 alone.
SELECT auth_role_inherit(prod, 'role ' || a, 'role ' || b)
FROM unnest(ARRAY['TapEff P', 'TapEff Q']) prod, (VALUES (1, 2), (2, 3), (3, 4), (5, 3)) e(a, b) \g /dev/null

-- 40 users, each with a pattern of grants and memberships derived from its number.
INSERT INTO auth.users (email, password_hash, is_active)
SELECT 'tap.eff.' || i || '@example.com', NULL, i % 9 <> 0 FROM generate_series(1, 40) i;
CREATE TEMP TABLE eff_users AS
SELECT id, row_number() OVER (ORDER BY id) AS n FROM auth.users WHERE email LIKE 'tap.eff.%';
SELECT auth_grant(u.id, prod, 'role ' || (1 + (u.n * k) % 6),
                  CASE WHEN (u.n + k) % 3 = 0 THEN NULL ELSE 'TapEff T' || (1 + (u.n + k) % 4) END)
FROM eff_users u, generate_series(1, 3) k, unnest(ARRAY['TapEff P', 'TapEff Q']) prod \g /dev/null
SELECT auth_set_membership(u.id, 'TapEff P', (ARRAY['invited', 'active', 'suspended'])[1 + u.n % 3],
                           CASE WHEN u.n % 4 = 0 THEN NULL ELSE 'TapEff T' || (1 + u.n % 4) END)
FROM eff_users u WHERE u.n % 5 <> 0 \g /dev/null
SELECT auth_set_membership(u.id, 'TapEff P', 'suspended') FROM eff_users u WHERE u.n % 11 = 0 \g /dev/null

-- What auth_has_role says, for every user, role and place effective_roles must cover.
CREATE TEMP TABLE eff_expected AS
SELECT u.id AS user_id, pr.id AS product_id, pl.tenant, r.name AS role
FROM eff_users u
JOIN auth.products pr ON pr.id IN (:p, :q)
JOIN auth.roles r ON r.product_id = pr.id
CROSS JOIN LATERAL (
    SELECT NULL::text AS tenant
    UNION SELECT t.name FROM auth.user_products m JOIN auth.tenants t ON t.id = m.tenant_id
          WHERE m.user_id = u.id AND m.product_id = pr.id
    UNION SELECT t.name FROM auth.user_roles ur JOIN auth.tenants t ON t.id = ur.tenant_id
          JOIN auth.roles rr ON rr.id = ur.role_id
          WHERE ur.user_id = u.id AND rr.product_id = pr.id) pl
WHERE auth_has_role(u.id, pr.name, r.name, pl.tenant);
CREATE TEMP TABLE eff_actual AS
SELECT u.id AS user_id, pr.id AS product_id, e.tenant, e.role
FROM eff_users u JOIN auth.products pr ON pr.id IN (:p, :q)
CROSS JOIN LATERAL auth.effective_roles(u.id, pr.id) e;

SELECT cmp_ok((SELECT count(*)::int FROM eff_expected), '>', 100,
              'auth_has_role is true for many (user, tenant, role) triples, so the comparison means something');
SELECT cmp_ok((SELECT count(*)::int FROM eff_users u WHERE NOT EXISTS
               (SELECT FROM eff_expected e WHERE e.user_id = u.id)), '>=', 3,
              'and some users hold nothing (inactive, suspended or invited)');
SELECT is_empty($$SELECT * FROM eff_expected EXCEPT ALL SELECT * FROM eff_actual$$,
                'effective_roles lists every (tenant, role) for which auth_has_role is true');
SELECT is_empty($$SELECT * FROM eff_actual EXCEPT ALL SELECT * FROM eff_expected$$,
                'and nothing else, each once');
SELECT is_empty($$SELECT a.* FROM eff_actual a JOIN auth.products pr ON pr.id = a.product_id
                  WHERE NOT auth_has_role(a.user_id, pr.name, a.role, a.tenant)$$,
                'auth_has_role is true for every row of effective_roles');
SELECT results_eq($$SELECT pr.name, e.tenant, e.role
                    FROM eff_users u JOIN auth.products pr ON pr.id IN (SELECT m.product_id FROM auth.user_products m
                                                                        WHERE m.user_id = u.id)
                    CROSS JOIN LATERAL auth.effective_roles(u.id, pr.id) e
                    WHERE u.n = 7 ORDER BY 1, 2 NULLS FIRST, 3$$,
                  $$SELECT product, tenant, role FROM auth_user_roles((SELECT id FROM eff_users WHERE n = 7))$$,
                  'auth_user_roles gives effective_roles for each product, ordered');

SELECT * FROM finish();
ROLLBACK;
