-- Where CREATE EXTENSION auth may put its functions: only in a schema where no role but a
-- superuser may create objects, since such a role could shadow auth_login with an
-- overload and read the passwords passed to it.
BEGIN;
SELECT plan(7);
DROP EXTENSION IF EXISTS auth CASCADE;
CREATE ROLE tap_inst_app NOLOGIN;
CREATE ROLE tap_inst_member LOGIN IN ROLE tap_inst_app;

CREATE SCHEMA tap_inst_granted;
GRANT CREATE ON SCHEMA tap_inst_granted TO tap_inst_app;
SELECT throws_ok($$CREATE EXTENSION auth SCHEMA tap_inst_granted$$, '55000',
                 'roles that are not superusers may create objects in schema tap_inst_granted, where auth would install its functions',
                 'CREATE EXTENSION refuses a schema where a role that is not a superuser has CREATE');
SELECT throws_like($outer$DO $d$ BEGIN CREATE EXTENSION auth SCHEMA tap_inst_granted;
                     EXCEPTION WHEN OTHERS THEN
                       DECLARE detail text; BEGIN GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
                       RAISE EXCEPTION '%', detail; END; END $d$$outer$,
                   '%tap_inst_app, tap_inst_member%',
                   'the error names the roles, members of the granted role included');
REVOKE CREATE ON SCHEMA tap_inst_granted FROM tap_inst_app;
SELECT lives_ok($$CREATE EXTENSION auth SCHEMA tap_inst_granted$$,
                'the same schema is accepted once the grant is revoked');
DROP EXTENSION auth;

CREATE SCHEMA tap_inst_owned AUTHORIZATION tap_inst_app;
SELECT throws_ok($$CREATE EXTENSION auth SCHEMA tap_inst_owned$$, '55000', NULL,
                 'CREATE EXTENSION refuses a schema owned by a role that is not a superuser');

-- Schema public belongs to pg_database_owner: its CREATE is the database owner's.
SELECT lives_ok($$CREATE EXTENSION auth SCHEMA public$$,
                'public is accepted while a superuser owns the database');
DROP EXTENSION auth;
SELECT lives_ok(format('ALTER DATABASE %I OWNER TO tap_inst_app', current_database()),
                'the database is given to a role that is not a superuser');
SELECT throws_ok($$CREATE EXTENSION auth SCHEMA public$$, '55000', NULL,
                 'then public is refused: the database owner could shadow auth_login there');

SELECT * FROM finish();
ROLLBACK;
