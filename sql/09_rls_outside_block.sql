-- auth_begin outside a transaction block binds for that statement only, with a WARNING;
-- inside one, for the transaction, without. (pgTAP cannot see a WARNING: here it is in
-- the expected output.)
\pset footer off
SELECT auth_create_product('RLS Regress') \g /dev/null
SELECT auth_create_user('rls.regress@example.com', 'Amber orbit 71 slot', product => 'RLS Regress') AS rls_user \gset
SELECT auth_login('rls.regress@example.com', 'Amber orbit 71 slot', 'RLS Regress') AS token \gset

SELECT auth_begin(:'token', 'RLS Regress') = :rls_user AS bound, auth_uid() = :rls_user AS seen_in_the_statement;
SELECT auth_uid() IS NULL AS gone_at_the_next_statement;

BEGIN;
SELECT auth_begin(:'token', 'RLS Regress') = :rls_user AS bound_in_a_block;
SELECT auth_uid() = :rls_user AS seen_by_the_next_statement, auth_product();
COMMIT;
SELECT auth_uid() IS NULL AS gone_after_commit;
