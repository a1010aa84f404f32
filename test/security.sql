-- Privileges and hardening: who may execute what, who may read what, pinned
-- search_paths, the two NOLOGIN roles, and pg_dump registration of the data.
BEGIN;
SELECT plan(94);

-- Roles of this file (rolled back at the end).
CREATE ROLE tap_sec_nobody NOLOGIN;                       -- granted nothing at all
CREATE ROLE tap_sec_app NOLOGIN IN ROLE auth_signin;      -- an app
CREATE ROLE tap_sec_operator NOLOGIN IN ROLE auth_admin;  -- an operator

-- Every function that belongs to the extension, wherever it lives.
CREATE TEMP VIEW tap_sec_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, p.proname, n.nspname, l.lanname,
       p.prosecdef, p.proconfig, p.proacl
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_proc p ON p.oid = d.objid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE d.classid = 'pg_catalog.pg_proc'::regclass
  AND d.refclassid = 'pg_catalog.pg_extension'::regclass
  AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'auth')
  AND d.deptype = 'e';
GRANT SELECT ON tap_sec_functions TO PUBLIC;

-- The relations of schema auth.
CREATE TEMP VIEW tap_sec_relations AS
SELECT c.oid, c.relname, c.relkind
FROM pg_catalog.pg_class c
WHERE c.relnamespace = 'auth'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S');
GRANT SELECT ON tap_sec_relations TO PUBLIC;

-- ---------------------------------------------------------------------------------
-- The public functions of the contract exist, with their signatures and result types.
SELECT function_returns('public', 'auth_create_user', ARRAY['text', 'text', 'text', 'text', 'text'], 'bigint',
                        'auth_create_user(email, password, full_name, phone_number, product) returns bigint');
SELECT function_returns('public', 'auth_user_id', ARRAY['text'], 'bigint',
                        'auth_user_id(email) returns bigint');
SELECT function_returns('public', 'auth_create_product', ARRAY['text', 'text', 'regrole'], 'bigint',
                        'auth_create_product(name, description, admin_role) returns bigint');
SELECT function_returns('public', 'auth_create_role', ARRAY['text', 'text', 'text'], 'bigint',
                        'auth_create_role(product, role, description) returns bigint');
SELECT function_returns('public', 'auth_grant', ARRAY['bigint', 'text', 'text', 'text'], 'boolean',
                        'auth_grant(user_id, product, role, tenant) returns boolean');
SELECT function_returns('public', 'auth_revoke', ARRAY['bigint', 'text', 'text', 'text'], 'boolean',
                        'auth_revoke(user_id, product, role, tenant) returns boolean');
SELECT function_returns('public', 'auth_has_role', ARRAY['bigint', 'text', 'text', 'text'], 'boolean',
                        'auth_has_role(user_id, product, role, tenant) returns boolean');
SELECT function_returns('public', 'auth_login', ARRAY['text', 'text', 'text', 'text', 'inet'], 'text',
                        'auth_login(email, password, product, device_info, client_ip) returns text');
SELECT function_returns('public', 'auth_session_user', ARRAY['text'], 'bigint',
                        'auth_session_user(token) returns bigint');
SELECT function_returns('public', 'auth_logout', ARRAY['text'], 'boolean',
                        'auth_logout(token) returns boolean');
SELECT function_returns('public', 'auth_logout_all', ARRAY['bigint'], 'integer',
                        'auth_logout_all(user_id) returns integer');
SELECT function_returns('public', 'auth_sessions', ARRAY['bigint'], 'setof record',
                        'auth_sessions(user_id) returns a table');
SELECT function_returns('public', 'auth_issue_jwt', ARRAY['text', 'text', 'interval'], 'text',
                        'auth_issue_jwt(session_token, product, ttl) returns text');
SELECT function_returns('public', 'auth_verify_jwt', ARRAY['text'], 'jsonb', 'auth_verify_jwt(jwt) returns jsonb');
SELECT function_returns('public', 'auth_jwks', ARRAY[]::text[], 'jsonb', 'auth_jwks() returns jsonb');
SELECT function_returns('public', 'auth_rotate_signing_key', ARRAY[]::text[], 'text',
                        'auth_rotate_signing_key() returns text');
SELECT function_returns('public', 'auth_create_api_key', ARRAY['bigint', 'text', 'text', 'timestamp with time zone'],
                        'text', 'auth_create_api_key(user_id, product, name, expires_at) returns text');
SELECT function_returns('public', 'auth_api_key_user', ARRAY['text', 'text'], 'bigint',
                        'auth_api_key_user(api_key, product) returns bigint');
SELECT function_returns('public', 'auth_revoke_api_key', ARRAY['text'], 'boolean',
                        'auth_revoke_api_key(api_key) returns boolean');

SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'auth'), false,
          'the extension is not relocatable');
SELECT has_schema('auth', 'schema auth exists');
SELECT is((SELECT e.extname FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
           WHERE d.classid = 'pg_namespace'::regclass AND d.objid = 'auth'::regnamespace
             AND d.deptype = 'e'),
          'auth', 'schema auth belongs to the extension');

-- ---------------------------------------------------------------------------------
-- EXECUTE: never for PUBLIC, but on the six readers of the transaction's context.
SELECT cmp_ok((SELECT count(*)::int FROM tap_sec_functions), '>=', 10,
              'the extension''s functions are found through pg_depend');
SELECT is(array_agg(signature::text ORDER BY signature::text),
          ARRAY['auth_aal()', 'auth_current_has_permission(text,text)', 'auth_current_has_role(text,text)',
                'auth_product()', 'auth_tenant()', 'auth_uid()'],
          'only the readers of the transaction''s context grant EXECUTE to PUBLIC')
FROM tap_sec_functions
WHERE proacl IS NULL   -- the default ACL grants EXECUTE to PUBLIC
   OR EXISTS (SELECT FROM aclexplode(proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE');
SELECT is_empty($$
    SELECT signature FROM tap_sec_functions WHERE has_function_privilege('public', oid, 'EXECUTE')
      AND signature::text NOT IN ('auth_aal()', 'auth_current_has_permission(text,text)', 'auth_current_has_role(text,text)',
                                  'auth_product()', 'auth_tenant()', 'auth_uid()')
$$, 'has_function_privilege(public) is false for every other function of the extension');
SELECT is_empty($$
    SELECT signature FROM tap_sec_functions WHERE has_function_privilege('tap_sec_nobody', oid, 'EXECUTE')
      AND signature::text NOT IN ('auth_aal()', 'auth_current_has_permission(text,text)', 'auth_current_has_role(text,text)',
                                  'auth_product()', 'auth_tenant()', 'auth_uid()')
$$, 'a fresh role may execute no other function of the extension');

-- Pinned search_path on every SECURITY DEFINER function and every SQL/plpgsql one.
SELECT cmp_ok((SELECT count(*)::int FROM tap_sec_functions WHERE prosecdef), '>', 0,
              'the extension has SECURITY DEFINER functions (so the next test checks something)');
SELECT is_empty($$
    SELECT signature FROM tap_sec_functions
    WHERE (prosecdef OR lanname IN ('sql', 'plpgsql'))
      AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (proconfig), false)
$$, 'every SECURITY DEFINER and every SQL/plpgsql function sets search_path=pg_catalog, pg_temp');
-- The C entry points read the caller with GetUserId(); as SECURITY DEFINER they would
-- see the owner (a superuser) instead, and every caller would pass every check.
SELECT is_empty($$
    SELECT signature FROM tap_sec_functions WHERE lanname = 'c' AND prosecdef
$$, 'no C function is SECURITY DEFINER');

-- The internal functions (schema auth) are for the extension's owner only.
SELECT cmp_ok((SELECT count(*)::int FROM tap_sec_functions WHERE nspname = 'auth'), '>', 0,
              'the extension has internal functions in schema auth');
SELECT is_empty($$
    SELECT signature FROM tap_sec_functions
    WHERE nspname = 'auth' AND has_function_privilege('auth_client', oid, 'EXECUTE')
$$, 'auth_client may execute no function of schema auth');
SELECT is_empty($$
    SELECT signature FROM tap_sec_functions
    WHERE nspname = 'auth' AND has_function_privilege('auth_admin', oid, 'EXECUTE')
      -- the two functions the view auth.hashes_over_bound calls: of a hash string given,
      -- its format's name and whether it is over the bound; they read nothing
      AND signature NOT IN ('auth.hash_format(text)', 'auth.hash_over_bound(text)')
$$, 'auth_admin may execute no function of schema auth but the two of auth.hashes_over_bound');

-- Who may call the public functions.
SELECT is_empty($$
    SELECT f FROM unnest(ARRAY[
        'auth_create_user(text,text,text,text,text)', 'auth_user_id(text)',
        'auth_create_role(text,text,text)', 'auth_grant(bigint,text,text,text)',
        'auth_revoke(bigint,text,text,text)', 'auth_has_role(bigint,text,text,text)',
        'auth_login(text,text,text,text,inet)', 'auth_session_user(text)', 'auth_logout(text)']) f
    WHERE NOT has_function_privilege('auth_client', f, 'EXECUTE')
       OR NOT has_function_privilege('auth_admin', f, 'EXECUTE')
$$, 'auth_client and auth_admin may execute the client and product functions');
SELECT ok(has_function_privilege('auth_admin', 'auth_create_product(text,text,regrole)', 'EXECUTE'),
          'auth_admin may execute auth_create_product');
SELECT ok(NOT has_function_privilege('auth_client', 'auth_create_product(text,text,regrole)', 'EXECUTE'),
          'auth_client may not execute auth_create_product');

-- ---------------------------------------------------------------------------------
-- The two roles.
SELECT has_role('auth_admin', 'role auth_admin exists');
SELECT has_role('auth_client', 'role auth_client exists');
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'auth_admin'), false, 'auth_admin is NOLOGIN');
SELECT is((SELECT rolcanlogin FROM pg_roles WHERE rolname = 'auth_client'), false, 'auth_client is NOLOGIN');
SELECT is((SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls FROM pg_roles
           WHERE rolname = 'auth_admin'), false, 'auth_admin has no special attribute');
SELECT is((SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls FROM pg_roles
           WHERE rolname = 'auth_client'), false, 'auth_client has no special attribute');

-- ---------------------------------------------------------------------------------
-- The tables of the contract, and nobody reads them but the owner.
SELECT has_table('auth', t, 'table auth.' || t || ' exists')
FROM unnest(ARRAY['users', 'products', 'tenants', 'user_products', 'roles', 'role_inherits',
                  'permissions', 'role_permissions', 'user_roles', 'user_sessions', 'audit_log']) t;

SELECT is_empty($$
    SELECT relname FROM tap_sec_relations
    WHERE relkind <> 'S'
      AND (has_table_privilege('auth_client', oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
           OR has_any_column_privilege('auth_client', oid, 'SELECT,INSERT,UPDATE,REFERENCES'))
$$, 'auth_client has no privilege on any table of schema auth');
SELECT is_empty($$
    SELECT relname FROM tap_sec_relations
    WHERE relkind <> 'S'
      AND (has_table_privilege('tap_sec_nobody', oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
           OR has_any_column_privilege('tap_sec_nobody', oid, 'SELECT,INSERT,UPDATE,REFERENCES'))
$$, 'a fresh role has no privilege on any table of schema auth');
SELECT is_empty($$
    SELECT relname FROM tap_sec_relations
    WHERE relkind <> 'S' AND relname NOT IN ('audit_log', 'hashes_over_bound', 'email_collisions')
      AND (has_table_privilege('auth_admin', oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
           OR has_any_column_privilege('auth_admin', oid, 'SELECT,INSERT,UPDATE,REFERENCES'))
$$, 'auth_admin has no privilege on any table of schema auth but audit_log and the views hashes_over_bound and email_collisions');
SELECT ok(has_table_privilege('auth_admin', 'auth.audit_log', 'SELECT'), 'auth_admin may SELECT auth.audit_log');
SELECT ok(NOT has_table_privilege('auth_admin', 'auth.audit_log', 'INSERT,UPDATE,DELETE,TRUNCATE'),
          'auth_admin may not change auth.audit_log');
SELECT is_empty($$
    SELECT relname FROM tap_sec_relations
    WHERE relkind = 'S'
      AND (has_sequence_privilege('auth_client', oid, 'USAGE,SELECT,UPDATE')
           OR has_sequence_privilege('auth_admin', oid, 'USAGE,SELECT,UPDATE')
           OR has_sequence_privilege('tap_sec_nobody', oid, 'USAGE,SELECT,UPDATE'))
$$, 'no sequence of schema auth is usable by auth_client, auth_admin or a fresh role');
SELECT ok(NOT has_schema_privilege('tap_sec_nobody', 'auth', 'USAGE,CREATE')
          AND NOT has_schema_privilege('auth_client', 'auth', 'USAGE,CREATE'),
          'neither a fresh role nor auth_client may use schema auth');

-- The same, tried for real under SET ROLE.
SET ROLE tap_sec_nobody;
SELECT throws_ok('SELECT count(*) FROM auth.users', '42501', NULL,
                 'a fresh role cannot read auth.users');
RESET ROLE;
SET ROLE tap_sec_app;
SELECT throws_ok('SELECT count(*) FROM auth.users', '42501', NULL,
                 'an auth_client member cannot read auth.users');
SELECT throws_ok('SELECT count(*) FROM auth.audit_log', '42501', NULL,
                 'an auth_client member cannot read auth.audit_log');
RESET ROLE;
SET ROLE tap_sec_operator;
SELECT lives_ok('SELECT count(*) FROM auth.audit_log', 'an auth_admin member can read auth.audit_log');
SELECT throws_ok('SELECT count(*) FROM auth.user_sessions', '42501', 'permission denied for table user_sessions',
                 'an auth_admin member cannot read auth.user_sessions');
-- Calling an implementation directly would let the caller name any role as "the caller".
SELECT throws_ok($$SELECT auth.create_product('postgres'::regrole, 'tap_sec spoofed', NULL, NULL)$$,
                 '42501', 'permission denied for function create_product',
                 'an auth_admin member cannot call an internal implementation directly');
SELECT throws_ok('SELECT auth.new_token()', '42501', 'permission denied for function new_token',
                 'an auth_admin member cannot call an internal C function directly');
RESET ROLE;

-- A role not granted auth_client may call nothing.
SET ROLE tap_sec_nobody;
SELECT throws_ok($$SELECT auth_login('tap.sec@example.com', 'password-of-tap-sec')$$,
                 '42501', 'permission denied for function auth_login',
                 'a role without auth_client gets 42501 from auth_login');
SELECT throws_ok($$SELECT auth_has_role(1, 'tap_sec product', 'viewer')$$,
                 '42501', 'permission denied for function auth_has_role',
                 'a role without auth_client gets 42501 from auth_has_role');
SELECT throws_ok($$SELECT auth_create_user('tap.sec@example.com', 'password-of-tap-sec')$$,
                 '42501', 'permission denied for function auth_create_user',
                 'a role without auth_client gets 42501 from auth_create_user');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- Every table and sequence of schema auth is dumped by pg_dump.
SELECT is_empty($$
    SELECT relname FROM tap_sec_relations
    WHERE relkind IN ('r', 'p', 'S')
      AND oid <> ALL (coalesce((SELECT extconfig FROM pg_extension WHERE extname = 'auth'), '{}'))
$$, 'every table and sequence of schema auth is registered with pg_extension_config_dump (signing keys sealed)');

-- ---------------------------------------------------------------------------------
-- The password functions: their signatures, and who may call them.
SELECT function_returns('public', f, a, r, f || ' returns ' || r)
FROM (VALUES ('auth_import_user', ARRAY['text', 'text', 'text', 'text'], 'bigint'),
             ('auth_verify_password', ARRAY['text', 'text'], 'bigint'),
             ('auth_change_password', ARRAY['bigint', 'text', 'text', 'text'], 'boolean'),
             ('auth_request_password_reset', ARRAY['text'], 'void'),
             ('auth_reset_password', ARRAY['text', 'text'], 'boolean'),
             ('auth_request_email_verification', ARRAY['bigint'], 'void'),
             ('auth_verify_email', ARRAY['text'], 'boolean'),
             ('auth_set_password', ARRAY['bigint', 'text'], 'void'),
             ('auth_set_active', ARRAY['bigint', 'boolean'], 'void'),
             ('auth_unlock_user', ARRAY['bigint'], 'void'),
             ('auth_add_breached_passwords', ARRAY['text[]'], 'bigint')) v(f, a, r);
SELECT is_empty($$
    SELECT f FROM unnest(ARRAY[
        'auth_verify_password(text,text)', 'auth_change_password(bigint,text,text,text)',
        'auth_request_password_reset(text)', 'auth_reset_password(text,text)',
        'auth_request_email_verification(bigint)', 'auth_verify_email(text)']) f
    WHERE NOT has_function_privilege('auth_client', f, 'EXECUTE')
       OR NOT has_function_privilege('auth_admin', f, 'EXECUTE')
$$, 'auth_client and auth_admin may execute the client password functions');
SELECT is_empty($$
    SELECT f FROM unnest(ARRAY[
        'auth_import_user(text,text,text,text)', 'auth_set_password(bigint,text)',
        'auth_set_active(bigint,boolean)', 'auth_unlock_user(bigint)', 'auth_add_breached_passwords(text[])']) f
    WHERE has_function_privilege('auth_client', f, 'EXECUTE')
       OR NOT has_function_privilege('auth_admin', f, 'EXECUTE')
$$, 'the admin password functions are auth_admin''s, not auth_client''s');
SET ROLE tap_sec_operator;
SELECT throws_ok('SELECT count(*) FROM auth.account_tokens', '42501', 'permission denied for table account_tokens',
                 'an auth_admin member cannot read the reset and verification tokens');
SELECT throws_ok($$SELECT auth.password_matches('x', NULL)$$, '42501', NULL,
                 'an auth_admin member cannot call the internal password check');
RESET ROLE;

-- ---------------------------------------------------------------------------------
-- No install into a schema where every role may create objects: anyone could shadow
-- auth_login there with an overload that captures passwords.
DROP EXTENSION auth CASCADE;  -- and the view above that reads its schema
CREATE SCHEMA tap_sec_open;
GRANT CREATE ON SCHEMA tap_sec_open TO PUBLIC;
SELECT throws_ok($$CREATE EXTENSION auth SCHEMA tap_sec_open$$, '55000',
                 'every role may create objects in schema tap_sec_open, where auth would install its functions',
                 'CREATE EXTENSION refuses a schema where PUBLIC has CREATE');
REVOKE CREATE ON SCHEMA tap_sec_open FROM PUBLIC;
SELECT lives_ok($$CREATE EXTENSION auth SCHEMA tap_sec_open$$,
                'the same schema is accepted once CREATE is revoked from PUBLIC');

-- ---------------------------------------------------------------------------------
-- What the installing role's default privileges would grant on the new objects is
-- taken back: the tables stay closed and the internal functions the owner's alone.
DROP EXTENSION auth;
CREATE ROLE tap_sec_defaults NOLOGIN;
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO tap_sec_defaults;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO tap_sec_defaults;
ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT ON SEQUENCES TO tap_sec_defaults;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO tap_sec_defaults;
ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO auth_client;
CREATE EXTENSION auth;
SELECT ok(NOT has_schema_privilege('tap_sec_defaults', 'auth', 'USAGE'),
          'a default USAGE grant on schemas does not reach schema auth');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = 'auth'::regnamespace AND c.relkind IN ('r', 'S')
      AND (has_table_privilege('tap_sec_defaults', c.oid, 'SELECT')
           OR (c.relkind = 'S' AND has_sequence_privilege('tap_sec_defaults', c.oid, 'USAGE')))
$$, 'default SELECT and USAGE grants do not reach the tables and sequences of schema auth');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
    JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'auth'
    WHERE has_function_privilege('tap_sec_defaults', p.oid, 'EXECUTE')
      AND NOT has_function_privilege('public', p.oid, 'EXECUTE')   -- the six readers
$$, 'a default EXECUTE grant does not reach any function of the extension');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'auth'::regnamespace
      AND has_function_privilege('auth_client', p.oid, 'EXECUTE')
$$, 'nor does a default EXECUTE grant to auth_client reach the internal functions');
SELECT ok(has_table_privilege('auth_admin', 'auth.audit_log', 'SELECT'),
          'auth_admin still reads the audit log');

-- The implementations of the functions that receive a secret keep the calling
-- statement's text and bind parameters out of the log when they raise, whatever a
-- non-superuser set (test/log/owner_settings.sh shows it on a server).
SELECT is(array_agg(f ORDER BY f), NULL,
          'every function that receives a secret runs with log_min_error_statement = panic and log_parameter_max_length_on_error = 0')
FROM unnest(ARRAY['auth.create_user', 'auth.import_user', 'auth.import_users', 'auth.login', 'auth.verify_password', 'auth.change_password',
                  'auth.reset_password', 'auth.verify_email', 'auth.set_password', 'auth.logout', 'auth.issue_jwt',
                  'auth.verify_jwt', 'auth.api_key_user', 'auth.revoke_api_key', 'auth.sso_code', 'auth.sso_exchange',
                  'auth.add_breached_passwords', 'auth.mfa_enroll_totp', 'auth.mfa_confirm', 'auth.mfa_verify',
                  'auth.mfa_recovery_codes', 'auth.mfa_unenroll', 'auth.session_aal', 'auth.begin',
                  'auth.begin_from_headers', 'auth.accept_invitation', 'auth.request_email_change',
                  'auth.confirm_email_change']) f
WHERE NOT EXISTS (SELECT FROM pg_proc p
                  WHERE p.oid::regprocedure::text LIKE f || '(%'
                    AND 'log_min_error_statement=panic' = ANY (p.proconfig)
                    AND 'log_parameter_max_length_on_error=0' = ANY (p.proconfig));
SELECT is((SELECT count(*)::int FROM pg_proc p
           WHERE p.pronamespace = 'auth'::regnamespace AND p.prosecdef
             AND 'log_min_error_statement=panic' = ANY (p.proconfig)), 28,
          'and they are the ones that do (28)');

SELECT * FROM finish();
ROLLBACK;
