-- The two roles apps are granted (see "who may call" in the README). Roles belong to the
-- whole cluster, so an install in a second database reuses them; one that can log in
-- or is a superuser is not ours, and installing over it would hand it our functions.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['auth_admin', 'auth_client'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
        ELSIF EXISTS (SELECT FROM pg_catalog.pg_roles
                      WHERE rolname = role_name AND (rolcanlogin OR rolsuper)) THEN
            RAISE EXCEPTION 'role "%" already exists and can log in or is a superuser', role_name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'auth creates auth_admin and auth_client as NOLOGIN roles; rename the existing role.';
        END IF;
    END LOOP;
END
$$;
