-- The checks read a user's grants from the index alone when the visibility map says the
-- table page is all-visible (after VACUUM), and from the table otherwise: both give the
-- same answers, and a change after the VACUUM is seen.
\pset footer off
SELECT auth_create_product('Visible') > 0 AS product,
       auth_create_tenant('Visible Tenant') > 0 AS tenant,
       auth_create_role('Visible', 'lead') > 0 AS lead,
       auth_create_role('Visible', 'member') > 0 AS member;
SELECT auth_role_inherit('Visible', 'lead', 'member');
SELECT auth_grant_permission('Visible', 'member', 'see') AS see;
INSERT INTO auth.users (email) VALUES ('vera@example.com'), ('walt@example.com');
SELECT auth_grant(auth_user_id('vera@example.com'), 'Visible', 'lead') AS vera_lead,
       auth_grant(auth_user_id('walt@example.com'), 'Visible', 'member', 'Visible Tenant') AS walt_member_in_tenant;

-- The same questions before and after VACUUM, as one row each.
CREATE TEMP VIEW visible_answers AS
SELECT who, tenant, auth_has_role(auth_user_id(who || '@example.com'), 'Visible', 'member', tenant) AS member,
       auth_has_permission(auth_user_id(who || '@example.com'), 'Visible', 'see', tenant) AS see
FROM unnest(ARRAY['vera', 'walt']) who, unnest(ARRAY[NULL, 'Visible Tenant']) tenant
ORDER BY who, tenant NULLS FIRST;

SELECT * FROM visible_answers;
VACUUM auth.user_roles;
SELECT relallvisible > 0 AS some_page_all_visible FROM pg_class WHERE oid = 'auth.user_roles'::regclass;
SELECT * FROM visible_answers;
-- A revoke clears the page's all-visible bit; the next check must not see the grant.
SELECT auth_revoke(auth_user_id('vera@example.com'), 'Visible', 'lead') AS vera_revoked;
SELECT * FROM visible_answers;
