-- Privileges of the authorization model's functions: the contract's signatures, who may
-- execute them, and that the direct-read checks are not SECURITY DEFINER. (The rules
-- for every function, old and new, are in test/security.sql.)
BEGIN;
SELECT plan(12);

CREATE ROLE tap_msec_nobody NOLOGIN;

SELECT function_returns('public', f, args, ret, f || ' has the contract''s signature and result')
FROM (VALUES ('auth_create_tenant', ARRAY['text'], 'bigint'),
             ('auth_role_inherit', ARRAY['text', 'text', 'text'], 'void'),
             ('auth_grant_permission', ARRAY['text', 'text', 'text'], 'boolean'),
             ('auth_revoke_permission', ARRAY['text', 'text', 'text'], 'boolean'),
             ('auth_set_membership', ARRAY['bigint', 'text', 'text', 'text'], 'void'),
             ('auth_has_permission', ARRAY['bigint', 'text', 'text', 'text'], 'boolean'),
             ('auth_user_roles', ARRAY['bigint', 'text'], 'setof record')) AS t(f, args, ret);

CREATE TEMP TABLE tap_msec_functions (signature text);
INSERT INTO tap_msec_functions VALUES
    ('auth_create_tenant(text)'), ('auth_role_inherit(text,text,text)'),
    ('auth_grant_permission(text,text,text)'), ('auth_revoke_permission(text,text,text)'),
    ('auth_set_membership(bigint,text,text,text)'), ('auth_has_permission(bigint,text,text,text)'),
    ('auth_user_roles(bigint,text)');
SELECT is_empty($$
    SELECT signature FROM tap_msec_functions
    WHERE NOT has_function_privilege('auth_client', signature, 'EXECUTE')
       OR NOT has_function_privilege('auth_admin', signature, 'EXECUTE')
$$, 'auth_client and auth_admin may execute the model''s client and product functions');
SELECT is_empty($$
    SELECT signature FROM tap_msec_functions
    WHERE has_function_privilege('public', signature, 'EXECUTE')
       OR has_function_privilege('tap_msec_nobody', signature, 'EXECUTE')
$$, 'neither PUBLIC nor a fresh role may execute them');
-- The checks read the tables below SQL, where no privilege is checked: they must not
-- run as the owner, so that EXECUTE on them is the only gate.
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
    WHERE p.proname IN ('auth_has_role', 'auth_has_permission')
      AND (l.lanname <> 'c' OR p.prosecdef OR p.proconfig IS NOT NULL)
$$, 'auth_has_role and auth_has_permission are C functions, not SECURITY DEFINER, without SET');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE proname IN ('auth_has_role', 'auth_has_permission')
           AND provolatile = 's'), 2, 'and STABLE: a check sees the statement''s snapshot');
SELECT ok(NOT has_function_privilege('auth_client', 'auth.lock_role_graph(bigint)', 'EXECUTE')
          AND NOT has_function_privilege('auth_admin', 'auth.lock_role_graph(bigint)', 'EXECUTE'),
          'the internal graph lock is the owner''s alone');

SELECT * FROM finish();
ROLLBACK;
