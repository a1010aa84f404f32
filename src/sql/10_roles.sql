-- The roles apps are granted (see docs/clients.md): auth_admin (operators), auth_client
-- (apps; confined to their products unless also auth_signin), auth_signin (sign-in
-- services, members of auth_client), auth_mailer (the process that sends account mail)
-- and auth_user (roles that run end users' queries). Roles belong to the whole cluster,
-- so an install in a second database reuses them; one that can log in or is a superuser
-- is not ours, and installing over it would hand it our functions. Run again by every
-- upgrade, which so makes the roles a version adds.
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['auth_admin', 'auth_client', 'auth_signin', 'auth_mailer', 'auth_user'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
        ELSIF EXISTS (SELECT FROM pg_catalog.pg_roles
                      WHERE rolname = role_name AND (rolcanlogin OR rolsuper)) THEN
            RAISE EXCEPTION 'role "%" already exists and can log in or is a superuser', role_name
                USING ERRCODE = 'duplicate_object',
                      HINT = 'auth creates auth_admin, auth_client, auth_signin, auth_mailer and auth_user as NOLOGIN roles; rename the existing role.';
        END IF;
    END LOOP;
    -- A sign-in service is a client that no product confines.
    IF NOT pg_catalog.pg_has_role('auth_signin', 'auth_client', 'MEMBER') THEN
        GRANT auth_client TO auth_signin;
    END IF;
END
$$;
