-- Products, roles, grants and the role check, as an operator and a delegated admin.
\pset footer off
BEGIN;

CREATE ROLE regress_operator NOLOGIN IN ROLE auth_admin;
CREATE ROLE regress_shop_admins NOLOGIN;
CREATE ROLE regress_shop_app NOLOGIN IN ROLE auth_client, regress_shop_admins;
CREATE ROLE regress_other_app NOLOGIN IN ROLE auth_signin;

SELECT auth_create_user('gina@example.com', 'a long enough password') AS gina \gset

SET ROLE regress_operator;
SELECT auth_create_product('Shop', 'the web shop', 'regress_shop_admins') > 0 AS shop,
       auth_create_product('Blog') > 0 AS blog;
SELECT auth_create_role('Blog', 'editor') > 0 AS blog_editor;
-- Gina is a member of the shop, so the shop's own admins see her.
SELECT auth_set_membership(:gina, 'Shop', 'active');

-- The shop's own admins manage the shop, and only the shop.
SET ROLE regress_shop_app;
SELECT auth_create_role('Shop', 'clerk') > 0 AS clerk,
       auth_create_role('Shop', 'x''); DROP TABLE auth.users; --') > 0 AS odd_name;
SELECT auth_grant(:gina, 'Shop', 'clerk') AS granted,
       auth_grant(:gina, 'Shop', 'clerk') AS granted_again,
       auth_grant(:gina, 'Shop', 'x''); DROP TABLE auth.users; --') AS odd_granted;
-- (A check in the same statement as a grant would not see it: checks are STABLE.)
SELECT auth_has_role(:gina, 'Shop', 'clerk') AS has_clerk,
       auth_has_role(:gina, 'Shop', 'x''); DROP TABLE auth.users; --') AS has_odd,
       auth_has_role(:gina, 'Shop', 'x'') OR true; --') AS injection_matches_nothing;
SELECT regress_try(statement) AS outcome, statement FROM (VALUES
    ($$SELECT auth_create_role('Blog', 'author')$$),
    ($$SELECT auth_grant(1, 'Blog', 'editor')$$),
    ($$SELECT auth_create_product('Mine')$$)
) AS t(statement);

SET ROLE regress_other_app;
SELECT regress_try($$SELECT auth_create_role('Shop', 'manager')$$) AS plain_client;

SET ROLE regress_operator;
SELECT regress_try(replace(statement, ':gina', :'gina')) AS outcome, statement FROM (VALUES
    ($$SELECT auth_create_product('Shop')$$),
    ($$SELECT auth_create_product(NULL)$$),
    ($$SELECT auth_create_product('')$$),
    ($$SELECT auth_create_product(repeat('p', 201))$$),
    ($$SELECT auth_create_role('Nowhere', 'clerk')$$),
    ($$SELECT auth_create_role('Shop', 'clerk')$$),
    ($$SELECT auth_grant(NULL, 'Shop', 'clerk')$$),
    ($$SELECT auth_grant(-1, 'Shop', 'clerk')$$),
    ($$SELECT auth_grant(:gina, 'Shop', 'nobody')$$),
    ($$SELECT auth_grant(:gina, 'Shop', 'clerk', 'No Such Tenant')$$)
) AS t(statement);
SELECT auth_create_product(repeat('p', 200)) > 0 AS name_of_200_characters;

-- Checks never raise: unknown names and NULLs answer false.
SELECT auth_has_role(:gina, 'Shop', 'nobody') AS unknown_role,
       auth_has_role(:gina, 'Nowhere', 'clerk') AS unknown_product,
       auth_has_role(-1, 'Shop', 'clerk') AS unknown_user,
       auth_has_role(:gina, 'Shop', 'clerk', 'No Such Tenant') AS unknown_tenant,
       auth_has_role(NULL, NULL, NULL) AS all_null;

-- A revoked role is gone; revoking again finds nothing.
SELECT auth_revoke(:gina, 'Shop', 'clerk') AS revoked,
       auth_revoke(:gina, 'Shop', 'clerk') AS revoked_again;
SELECT auth_has_role(:gina, 'Shop', 'clerk') AS still_clerk;

-- Every change names the database role that asked for it.
RESET ROLE;
SELECT event, db_role, left(detail::text, 60) AS detail FROM auth.audit_log
WHERE event IN ('product_created', 'role_created', 'role_granted', 'role_revoked')
ORDER BY id;
ROLLBACK;
