-- The benchmark's data set, generated in SQL (psql variables: users, products_per_user).
-- 10 products of 12 roles each in three 4-level chains ("role 1" includes "role 2",
-- which includes "role 3", which includes "role 4"; likewise 5-8 and 9-12), 30
-- permissions per product, 20 tenants. Each user is a member of products_per_user
-- products, product-wide and in one tenant, with one product-wide and one tenant grant
-- in each. One user in 50 is inactive; one product-wide membership in 20 is suspended
-- and one in 20 invited. Every user shares one precomputed password hash.
\set ON_ERROR_STOP 1
SET synchronous_commit = off;
SELECT auth_create_product('Product ' || p) FROM generate_series(1, 10) p \g /dev/null
SELECT auth_create_role('Product ' || p, 'role ' || r) FROM generate_series(1, 10) p, generate_series(1, 12) r \g /dev/null
SELECT auth_role_inherit('Product ' || p, 'role ' || r, 'role ' || (r + 1))
FROM generate_series(1, 10) p, generate_series(1, 12) r WHERE r % 4 <> 0 \g /dev/null
SELECT auth_grant_permission('Product ' || p, 'role ' || ((k - 1) % 12 + 1), 'perm ' || k)
FROM generate_series(1, 10) p, generate_series(1, 30) k \g /dev/null
SELECT auth_create_tenant('Tenant ' || t) FROM generate_series(1, 20) t \g /dev/null

CREATE TEMP TABLE role_ids AS
SELECT p.id AS product_id, substr(p.name, 9)::int AS p, substr(r.name, 6)::int AS r, r.id AS role_id
FROM auth.products p JOIN auth.roles r ON r.product_id = p.id;
CREATE TEMP TABLE tenant_ids AS SELECT substr(name, 8)::int AS t, id AS tenant_id FROM auth.tenants;

SELECT auth.hash_password('one password for every benchmark user') AS hash \gset
INSERT INTO auth.users (id, email, password_hash, is_active)
SELECT i, 'user' || i || '@example.com', :'hash', i % 50 <> 0 FROM generate_series(1, :users) i;
SELECT setval('auth.users_id_seq', :users);

-- (user, product slot k): product, tenant and two random roles.
CREATE TEMP TABLE slots AS
SELECT u, ((u + k) % 10) + 1 AS p, ((u * 7 + k) % 20) + 1 AS t,
       1 + floor(random() * 12)::int AS r_wide, 1 + floor(random() * 12)::int AS r_tenant
FROM generate_series(1, :users) u, generate_series(0, :products_per_user - 1) k;

INSERT INTO auth.user_products (user_id, product_id, tenant_id, status)
SELECT s.u, ri.product_id, NULL,
       CASE s.u % 20 WHEN 0 THEN 'suspended' WHEN 1 THEN 'invited' ELSE 'active' END
FROM slots s JOIN role_ids ri ON ri.p = s.p AND ri.r = 1;
INSERT INTO auth.user_products (user_id, product_id, tenant_id, status)
SELECT s.u, ri.product_id, ti.tenant_id, 'active'
FROM slots s JOIN role_ids ri ON ri.p = s.p AND ri.r = 1 JOIN tenant_ids ti ON ti.t = s.t;
INSERT INTO auth.user_roles (user_id, role_id, tenant_id)
SELECT s.u, ri.role_id, NULL FROM slots s JOIN role_ids ri ON ri.p = s.p AND ri.r = s.r_wide;
INSERT INTO auth.user_roles (user_id, role_id, tenant_id)
SELECT s.u, ri.role_id, ti.tenant_id
FROM slots s JOIN role_ids ri ON ri.p = s.p AND ri.r = s.r_tenant JOIN tenant_ids ti ON ti.t = s.t;
VACUUM ANALYZE auth.users, auth.user_products, auth.user_roles, auth.roles, auth.role_inherits,
    auth.permissions, auth.role_permissions, auth.products, auth.tenants;
-- Written out now, so that no timed round pays for writing the load's dirty pages.
CHECKPOINT;
