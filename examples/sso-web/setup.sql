-- The single sign-on web demo's database: the extension, one login role per process, the
-- two products with their roles, and the two demo users. Run as a superuser in the demo's
-- database (scripts/sso-demo and test/browser do); re-runnable: a second run changes
-- nothing but setting the demo passwords back to the ones the sign-in page shows.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS auth;

-- The login roles, one per process. Trust authentication on the throwaway server's Unix
-- socket (scripts/lib.sh), so no passwords; a real deployment gives each its own secret.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES ('signin_web', 'auth_signin'),      -- the sign-in service
                                   ('accounting_web', 'auth_client'),  -- the Accounting App
                                   ('payroll_web', 'auth_client'),     -- the Payroll App
                                   ('mailer_web', 'auth_mailer'))      -- the mailer
                          AS t(login_role, granted)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r.login_role) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', r.login_role);
        END IF;
        EXECUTE format('GRANT %I TO %I', r.granted, r.login_role);
    END LOOP;
END
$$;

-- The products, each with its roles. Accounting's admin includes its user role (so an
-- admin sees everything a user sees); Payroll has one role, viewer.
DO $$
BEGIN
    PERFORM auth_create_product('Accounting', 'the Accounting App');
EXCEPTION WHEN unique_violation THEN NULL;
END
$$;
DO $$
BEGIN
    PERFORM auth_create_product('Payroll', 'the Payroll App');
EXCEPTION WHEN unique_violation THEN NULL;
END
$$;
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES ('Accounting', 'admin', 'closes the books, manages users'),
                                   ('Accounting', 'user', 'reads and writes invoices'),
                                   ('Payroll', 'viewer', 'reads payslips and the payroll calendar'))
                          AS t(product, role, description)
    LOOP
        BEGIN
            PERFORM auth_create_role(r.product, r.role, r.description);
        EXCEPTION WHEN unique_violation THEN NULL;
        END;
    END LOOP;
END
$$;
DO $$
BEGIN
    PERFORM auth_role_inherit('Accounting', 'admin', 'user');
    -- Each product app acts for its product only (confined): bound by name and OID.
    PERFORM auth_set_app_role('Accounting', 'accounting_web');
    PERFORM auth_set_app_role('Payroll', 'payroll_web');
END
$$;

-- The demo users, with the passwords the sign-in page shows (examples/sso-web/signin.mjs).
-- Alice: admin in Accounting, viewer in Payroll. Bob: user in Accounting, not in Payroll.
DO $$
DECLARE
    u record;
    id bigint;
BEGIN
    FOR u IN SELECT * FROM (VALUES ('alice@example.com', 'amber-demo-passphrase', 'Alice Adams'),
                                   ('bob@example.com', 'cobalt-demo-passphrase', 'Bob Brown'))
                          AS t(email, password, full_name)
    LOOP
        id := auth_user_id(u.email);
        IF id IS NULL THEN
            id := auth_create_user(u.email, u.password, u.full_name, product => 'Accounting');
        ELSE
            PERFORM auth_set_password(id, u.password);   -- back to the demo's password
            PERFORM auth_unlock_user(id);
        END IF;
    END LOOP;
END
$$;
DO $$
BEGIN
    PERFORM auth_grant(auth_user_id('alice@example.com'), 'Accounting', 'admin');
    PERFORM auth_grant(auth_user_id('alice@example.com'), 'Payroll', 'viewer');
    PERFORM auth_grant(auth_user_id('bob@example.com'), 'Accounting', 'user');
END
$$;
