-- Privileges, last. Whatever a file above forgot, and whatever the installing role's
-- default privileges (ALTER DEFAULT PRIVILEGES) granted on the new objects, is taken
-- back here. Afterwards, besides the owner's, only these hold:
--   EXECUTE on the public auth_* functions, for auth_client, auth_admin, auth_mailer
--     and auth_user as granted beside each function (auth_signin has auth_client's);
--   EXECUTE for PUBLIC on the readers of the transaction's binding (auth_uid,
--     auth_product, auth_tenant, auth_aal, auth_current_has_role/permission), the one
--     exception: policies of every product's tables call them, as any role;
--   USAGE on schema auth, SELECT on auth.audit_log, auth.email_collisions and
--     auth.hashes_over_bound, and EXECUTE on the two functions that last view calls,
--     for auth_admin.
DO $$
DECLARE
    keep oid[] := ARRAY(SELECT r.oid FROM pg_catalog.pg_roles r
                        WHERE r.rolname IN ('auth_admin', 'auth_client', 'auth_mailer', 'auth_user'));
    item record;
BEGIN
    FOR item IN
        -- Functions: internal ones (schema auth) for the owner alone; public ones for the
        -- owner and the roles above. A NULL ACL means PUBLIC may execute.
        SELECT 'FUNCTION ' || p.oid::pg_catalog.regprocedure AS object, a.grantee
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_proc p ON p.oid = d.objid,
        LATERAL pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
          AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
          AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'auth')
          AND d.deptype = 'e'
          AND a.grantee <> p.proowner
          AND (p.pronamespace = 'auth'::pg_catalog.regnamespace OR a.grantee <> ALL (keep))
          AND NOT (a.grantee = 0 AND p.pronamespace <> 'auth'::pg_catalog.regnamespace
                   AND p.proname IN ('auth_uid', 'auth_product', 'auth_tenant', 'auth_aal',
                                     'auth_current_has_role', 'auth_current_has_permission'))
        UNION ALL
        -- Tables, views and sequences of schema auth: the owner's alone.
        SELECT c.oid::pg_catalog.regclass::text, a.grantee
        FROM pg_catalog.pg_class c, LATERAL pg_catalog.aclexplode(c.relacl) a
        WHERE c.relnamespace = 'auth'::pg_catalog.regnamespace AND c.relkind IN ('r', 'v', 'S')
          AND a.grantee <> c.relowner
        UNION ALL
        -- The schema itself: the owner's alone (auth_admin's USAGE is granted below).
        SELECT 'SCHEMA auth', a.grantee
        FROM pg_catalog.pg_namespace n, LATERAL pg_catalog.aclexplode(n.nspacl) a
        WHERE n.oid = 'auth'::pg_catalog.regnamespace AND a.grantee <> n.nspowner
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s', item.object,
            CASE WHEN item.grantee = 0 THEN 'PUBLIC'
                 ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(item.grantee)) END);
    END LOOP;
END
$$;

-- Operators read the audit log and the colliding addresses the upgrade kept; nothing else
-- of schema auth is readable but by the owner.
GRANT USAGE ON SCHEMA auth TO auth_admin;
GRANT SELECT ON auth.audit_log TO auth_admin;
-- Operators read the hashes over the bound; the view's two functions run as its reader.
GRANT SELECT ON auth.hashes_over_bound TO auth_admin;
GRANT EXECUTE ON FUNCTION auth.hash_format(text), auth.hash_over_bound(text) TO auth_admin;
GRANT SELECT ON auth.email_collisions TO auth_admin;
