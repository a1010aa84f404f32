-- auth: install script, assembled by `make` from the numbered files in src/sql/.
\echo Use "CREATE EXTENSION auth" to load this file. \quit

-- Names, emails and passwords are counted in Unicode characters: the database must be UTF8.
DO $$
BEGIN
    IF pg_catalog.current_setting('server_encoding') <> 'UTF8' THEN
        RAISE EXCEPTION 'auth needs a database with UTF8 encoding'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = pg_catalog.format('This database uses %s.',
                                             pg_catalog.current_setting('server_encoding'));
    END IF;
END
$$;

-- The auth_* functions go into @extschema@. A role that may create objects there could
-- add an overload of auth_login (auth_login(varchar, varchar), say) that a client's call
-- resolves to, and read the passwords passed to it. So only superusers may hold CREATE
-- there: not PUBLIC, not a granted role, and not the database's owner through
-- pg_database_owner (which owns schema public in PostgreSQL 15) unless a superuser owns
-- the database.
DO $$
DECLARE
    creators text := (
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r.rolname), ', ' ORDER BY r.rolname)
        FROM pg_catalog.pg_roles r
        WHERE NOT r.rolsuper AND r.rolname <> 'pg_database_owner'
          AND pg_catalog.has_schema_privilege(r.oid, '@extschema@'::regnamespace, 'CREATE'));
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
               WHERE n.oid = '@extschema@'::regnamespace
                 AND a.grantee = 0 AND a.privilege_type = 'CREATE') THEN
        RAISE EXCEPTION 'every role may create objects in schema %, where auth would install its functions',
                        '@extschema@'::regnamespace
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Any role could then add functions that shadow auth_login and capture passwords.',
                  HINT = 'REVOKE CREATE ON SCHEMA ' || '@extschema@'::regnamespace || ' FROM PUBLIC, or install with CREATE EXTENSION auth SCHEMA some_trusted_schema.';
    END IF;
    IF creators IS NOT NULL THEN
        RAISE EXCEPTION 'roles that are not superusers may create objects in schema %, where auth would install its functions',
                        '@extschema@'::regnamespace
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'These roles could add functions that shadow auth_login and capture passwords: ' || creators || '.',
                  HINT = 'Install into a schema only superusers may create in: CREATE SCHEMA auth_api; CREATE EXTENSION auth SCHEMA auth_api; GRANT USAGE ON SCHEMA auth_api TO auth_client, auth_admin, auth_mailer, auth_user; and let clients call the functions schema-qualified, auth_api.auth_login(...): an overload in another schema on their search_path could still be chosen.';
    END IF;
END
$$;
