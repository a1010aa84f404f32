-- The design's example, part 5: row-level security. Accounting keeps its invoices in the
-- same database; their policies read the user the app bound with auth_begin, once per
-- transaction. (examples/rls/invoices.sql is the full example, with every policy.)
--     psql -X -q -d demo < examples/demo/5-row-security.sql
\set ON_ERROR_STOP on
\set SHOW_CONTEXT never
\pset footer off
\pset null NULL
\set ECHO queries

\echo
\echo '== 25. A superuser makes Accounting''s invoices table: each user sees their own invoices,'
\echo '       and a tenant''s admins see the tenant''s'
RESET ROLE;
SELECT auth_user_id('alice@example.com') AS alice, auth_user_id('bob@example.com') AS bob \gset
CREATE TABLE invoices (id serial PRIMARY KEY, tenant text NOT NULL, owner_id bigint NOT NULL DEFAULT auth_uid(),
                       customer text NOT NULL, amount numeric(12, 2) NOT NULL);
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoices_read ON invoices FOR SELECT
    USING (owner_id = auth_uid() OR auth_current_has_role('admin', tenant));
GRANT SELECT ON invoices TO accounting_app;
INSERT INTO invoices (tenant, owner_id, customer, amount)
VALUES ('Acme Corp', :alice, 'Initech', 120), ('Acme Corp', :bob, 'Umbrella', 80), ('Globex', :bob, 'Hooli', 45);

\echo
\echo '== 26. A request of Bob''s at the Accounting app: it binds his session to the transaction,'
\echo '       then just queries. Bob is admin within Acme Corp only: he sees Acme Corp''s invoices'
\echo '       and his own elsewhere. After COMMIT nothing is bound, and no setting forges a user'
SET ROLE accounting_app;
SELECT set_config('bob.session', auth_login('bob@example.com', 'a new passphrase for Bob', 'Accounting'), false) IS NOT NULL AS "Bob logged in";
BEGIN;
SELECT auth_begin(current_setting('bob.session'), 'Accounting') AS "bound user", auth_product(), auth_aal();
SELECT tenant, customer, amount FROM invoices ORDER BY id;
COMMIT;
SELECT auth_uid() AS "bound after COMMIT", set_config('request.jwt.claim.sub', :'alice', false) AS "a forged claim",
       (SELECT count(*) FROM invoices) AS "invoices seen";
