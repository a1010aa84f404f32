-- What CREATE EXTENSION auth makes (pg_regress loads the extension first).
\pset footer off
-- Load the library as preloading would, so the settings below exist on any server.
LOAD 'auth';

-- For the files after this one: shows an error as SQLSTATE and message, and the
-- statement's result otherwise.
CREATE FUNCTION regress_try(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
    EXECUTE statement INTO result;
    RETURN coalesce(result, '(null)');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
GRANT EXECUTE ON FUNCTION regress_try(text) TO PUBLIC;

-- The public functions, with who may call them.
SELECT p.proname AS function,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       has_function_privilege('auth_client', p.oid, 'EXECUTE') AS client,
       has_function_privilege('auth_admin', p.oid, 'EXECUTE') AS admin,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'auth\_%'
ORDER BY 1, 2;

-- The tables, none of them readable by the client role.
SELECT c.relname AS table,
       has_table_privilege('auth_client', c.oid, 'SELECT') AS client_reads,
       has_table_privilege('auth_admin', c.oid, 'SELECT') AS admin_reads
FROM pg_class c
WHERE c.relnamespace = 'auth'::regnamespace AND c.relkind = 'r'
ORDER BY 1;

-- The two roles cannot log in.
SELECT rolname, rolcanlogin, rolsuper FROM pg_roles
WHERE rolname IN ('auth_admin', 'auth_client') ORDER BY 1;

-- The settings (the test server preloads the library, as the README recommends):
-- every one superuser-only (auth.max_concurrent_hashes, server-wide, only in the server's
-- configuration), and a misspelt name under the reserved prefix is an error.
-- (auth.max_concurrent_hashes defaults to the machine's number of CPUs.)
SELECT name, CASE WHEN name = 'auth.max_concurrent_hashes' THEN '(CPUs)' ELSE setting END AS setting,
       unit, context
FROM pg_settings WHERE name LIKE 'auth.%' ORDER BY 1;
SET auth.sesion_ttl = '1h';
CREATE ROLE regress_settings_client;
SET ROLE regress_settings_client;
SET auth.password_min_length = 1;
RESET ROLE;
DROP ROLE regress_settings_client;
