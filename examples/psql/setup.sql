-- The setup every example of examples/ needs, run once per database by a superuser:
--     psql -X -v ON_ERROR_STOP=1 -f examples/psql/setup.sql
-- Re-runnable: whatever already exists is kept. It makes
--   the product "Example App" and its role "member";
--   example_app       NOLOGIN, a member of auth_client, bound to the product with auth_set_app_role
--   example_web       LOGIN, a member of example_app: what the app connects as
--   example_operator  LOGIN, a member of auth_admin: grants roles (an app may not)
--   example_mailer    LOGIN, a member of auth_mailer: claims account emails from the outbox
-- The login roles get no password: give them one (ALTER ROLE … PASSWORD) where the server
-- asks for one. See docs/examples.md.

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;   -- no NOTICE for what already exists

CREATE EXTENSION IF NOT EXISTS auth;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'example_app') THEN
        CREATE ROLE example_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'example_web') THEN
        CREATE ROLE example_web LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'example_operator') THEN
        CREATE ROLE example_operator LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'example_mailer') THEN
        CREATE ROLE example_mailer LOGIN;
    END IF;
END
$$;
-- GRANT of a membership already held changes nothing.
GRANT auth_client TO example_app;
GRANT example_app TO example_web;
GRANT auth_admin TO example_operator;
GRANT auth_mailer TO example_mailer;

-- The product, its app role and its role, as the operator.
SET ROLE example_operator;
DO $$
BEGIN
    BEGIN
        PERFORM auth_create_product('Example App', 'the programs of examples/');
    EXCEPTION WHEN unique_violation THEN   -- made by an earlier run
    END;
    -- Binding again is harmless, and mends a lost binding (a role dropped and made again).
    PERFORM auth_set_app_role('Example App', 'example_app');
    BEGIN
        PERFORM auth_create_role('Example App', 'member', 'a user of the example app');
    EXCEPTION WHEN unique_violation THEN
    END;
END
$$;
RESET ROLE;
\echo 'setup: product "Example App" with role "member"; app example_web (member of example_app), operator example_operator, mailer example_mailer'
