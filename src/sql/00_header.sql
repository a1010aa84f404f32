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

-- The auth_* functions go into @extschema@. If every role may create objects there, any
-- role could add an overload of auth_login that a client's call resolves to, and read
-- the passwords passed to it.
DO $$
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
END
$$;
