-- Row-level security with the transaction's context (auth_begin and its readers), over
-- the example schema examples/rls/invoices.sql: three users in two tenants, as an app,
-- as PostgREST's `authenticated` role, across commits, rollbacks, errors and savepoints.
-- Unlike most files this one commits (its database is its own, scripts/pgtap_file): what
-- a transaction's end does is the point. So each result read inside a transaction is
-- kept in a psql variable and asserted after it ended (pgTAP's own bookkeeping would be
-- rolled back with it).
\set ON_ERROR_STOP 1
\ir helpers.psql
SET client_min_messages = error;
SELECT plan(65);

-- Roles: the Accounting App, the Payroll app, and the role PostgREST switches to for
-- signed-in users (a member of auth_user). Roles belong to the cluster: made afresh.
DROP ROLE IF EXISTS tap_rls_accounting, tap_rls_payroll, tap_rls_authenticated, tap_rls_two;
CREATE ROLE tap_rls_accounting NOLOGIN IN ROLE auth_client, auth_user;   -- the app also runs its users' queries
CREATE ROLE tap_rls_payroll NOLOGIN IN ROLE auth_client;
CREATE ROLE tap_rls_two NOLOGIN IN ROLE tap_rls_accounting, tap_rls_payroll;
CREATE ROLE tap_rls_authenticated NOLOGIN IN ROLE auth_user;

\ir ../examples/rls/invoices.sql
SELECT auth_create_product('Payroll') \g /dev/null
SELECT auth_set_app_role('Accounting App', 'tap_rls_accounting');
SELECT auth_set_app_role('Payroll', 'tap_rls_payroll');
SELECT auth_create_tenant('Acme') \g /dev/null
SELECT auth_create_tenant('Globex') \g /dev/null
-- Ann: a clerk in Acme. Bob: a member of Acme and Globex with no role. Cat: Globex's admin.
SELECT auth_create_user('ann@example.com', 'Amber orbit 71 slot', product => 'Accounting App') AS ann \gset
SELECT auth_create_user('bob@example.com', 'Amber orbit 71 slot', product => 'Accounting App') AS bob \gset
SELECT auth_create_user('cat@example.com', 'Amber orbit 71 slot', product => 'Accounting App') AS cat \gset
SELECT auth_set_membership(:ann, 'Accounting App', 'active', 'Acme');
SELECT auth_grant(:ann, 'Accounting App', 'clerk', 'Acme');
SELECT auth_set_membership(:bob, 'Accounting App', 'active', 'Acme');
SELECT auth_set_membership(:bob, 'Accounting App', 'active', 'Globex');
SELECT auth_set_membership(:cat, 'Accounting App', 'active', 'Globex');
SELECT auth_grant(:cat, 'Accounting App', 'admin', 'Globex');
SELECT auth_create_role('Payroll', 'clerk') \g /dev/null
SELECT auth_set_membership(:ann, 'Payroll', 'active') \g /dev/null
SELECT auth_grant(:ann, 'Payroll', 'clerk') \g /dev/null
-- Invoices (made as the superuser, whom row security does not restrict).
INSERT INTO accounting.invoices (tenant, owner_id, customer, amount) VALUES
    ('Acme', :ann, 'ann acme 1', 10), ('Acme', :ann, 'ann acme 2', 20), ('Acme', :bob, 'bob acme', 30),
    ('Globex', :bob, 'bob globex', 40), ('Globex', :cat, 'cat globex', 50);
-- Credentials.
SELECT auth_login('ann@example.com', 'Amber orbit 71 slot', 'Accounting App') AS ann_session \gset
SELECT auth_login('bob@example.com', 'Amber orbit 71 slot', 'Accounting App') AS bob_session \gset
SELECT auth_login('cat@example.com', 'Amber orbit 71 slot', 'Accounting App') AS cat_session \gset
SELECT auth_login('ann@example.com', 'Amber orbit 71 slot') AS ann_signin \gset
SELECT auth_login('ann@example.com', 'Amber orbit 71 slot', 'Payroll') AS ann_payroll_session \gset
SELECT auth_issue_jwt(:'ann_session', 'Accounting App') AS ann_jwt \gset
SELECT auth_issue_jwt(:'ann_payroll_session', 'Payroll') AS ann_payroll_jwt \gset
SELECT auth_create_api_key(:ann, 'Accounting App', 'script') AS ann_key \gset
SELECT auth_create_api_key(:ann, 'Payroll', 'script') AS ann_payroll_key \gset

-- A value as text, '' for NULL (psql's \gset unsets a variable for NULL).
CREATE FUNCTION pg_temp.s(value anyelement) RETURNS text LANGUAGE sql AS $$ SELECT coalesce(value::text, '') $$;
GRANT EXECUTE ON FUNCTION pg_temp.s(anyelement) TO PUBLIC;

-- What a user sees and changes, as a list: run as the app, in one transaction.
CREATE FUNCTION pg_temp.visible() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(customer, ', ' ORDER BY customer), '') FROM accounting.invoices
$$;
GRANT EXECUTE ON FUNCTION pg_temp.visible() TO PUBLIC;

-- ---------------------------------------------------------------------------------
-- The readers: STABLE and PARALLEL RESTRICTED, for PUBLIC; auth_begin is not.
SELECT is((SELECT string_agg(proname || ':' || provolatile::text || proparallel::text, ' ' ORDER BY proname) FROM pg_proc
           WHERE proname IN ('auth_uid', 'auth_product', 'auth_tenant', 'auth_aal',
                             'auth_current_has_role', 'auth_current_has_permission')),
          'auth_aal:sr auth_current_has_permission:sr auth_current_has_role:sr auth_product:sr auth_tenant:sr auth_uid:sr',
          'the readers are STABLE and PARALLEL RESTRICTED');
SELECT ok(has_function_privilege('public', 'auth_uid()', 'EXECUTE')
          AND NOT has_function_privilege('public', 'auth_begin(text,text,text)', 'EXECUTE'),
          'PUBLIC may read the context but not bind it');
SELECT is(auth_uid(), NULL, 'nothing is bound at first');
SELECT is(auth_current_has_role('admin'), false, 'auth_current_has_role is false when nothing is bound');

-- ---------------------------------------------------------------------------------
-- Three users in two tenants, through the app.
SET ROLE tap_rls_accounting;
BEGIN;
SELECT pg_temp.s(auth_begin(:'ann_session', 'Accounting App', 'Acme')) AS bound \gset
SELECT pg_temp.s(auth_uid()) AS uid, pg_temp.s(auth_product()) AS product, pg_temp.s(auth_tenant()) AS tenant, pg_temp.s(auth_aal()) AS aal,
       pg_temp.visible() AS seen,
       auth_current_has_role('clerk') AS clerk_here, auth_current_has_role('clerk', 'Globex') AS clerk_globex,
       auth_current_has_permission('invoices.write') AS may_write \gset
INSERT INTO accounting.invoices (tenant, customer, amount) VALUES ('Acme', 'ann acme 3', 5);
SELECT pg_temp.error_of($$INSERT INTO accounting.invoices (tenant, owner_id, customer, amount)
                          VALUES ('Acme', $$ || :bob || $$, 'forged owner', 1)$$) AS insert_for_bob,
       pg_temp.error_of($$INSERT INTO accounting.invoices (tenant, customer, amount)
                          VALUES ('Globex', 'no permission there', 1)$$) AS insert_globex \gset
WITH changed AS (UPDATE accounting.invoices SET amount = amount + 1 RETURNING customer)
SELECT string_agg(customer, ', ' ORDER BY customer) AS ann_updated FROM changed \gset
WITH gone AS (DELETE FROM accounting.invoices RETURNING customer)
SELECT count(*) AS ann_deleted FROM gone \gset
COMMIT;
SELECT pg_temp.s(auth_uid()) AS after_commit \gset
RESET ROLE;
SELECT is(:'bound'::bigint, :ann::bigint, 'auth_begin returns the user it bound');
SELECT is(:'uid'::bigint, :ann::bigint, 'auth_uid() is the bound user');
SELECT is(text :'product' || ' / ' || :'tenant' || ' / ' || :'aal', 'Accounting App / Acme / aal1',
          'auth_product(), auth_tenant() and auth_aal() are what was bound');
SELECT is(text :'seen', 'ann acme 1, ann acme 2', 'Ann sees exactly her invoices');
SELECT is(text :'clerk_here' || ' ' || :'clerk_globex' || ' ' || :'may_write', 't f t',
          'auth_current_has_role/permission answer for the bound user in the bound tenant, or the tenant named');
SELECT is(text :'insert_for_bob', '42501: new row violates row-level security policy for table "invoices"',
          'Ann cannot make an invoice owned by Bob');
SELECT is(text :'insert_globex', '42501: new row violates row-level security policy for table "invoices"',
          'nor one in a tenant where she lacks the permission');
SELECT is(text :'ann_updated', 'ann acme 1, ann acme 2, ann acme 3', 'Ann changes exactly her invoices');
SELECT is(:ann_deleted::int, 0, 'a clerk deletes nothing');
SELECT is(text :'after_commit', '', 'after COMMIT nothing is bound');

SET ROLE tap_rls_accounting;
BEGIN;
SELECT auth_begin(:'bob_session', 'Accounting App', 'Acme') IS NOT NULL AS bob_bound, pg_temp.visible() AS bob_seen,
       pg_temp.error_of($$INSERT INTO accounting.invoices (tenant, customer, amount) VALUES ('Acme', 'bob new', 1)$$)
           AS bob_insert \gset
WITH changed AS (UPDATE accounting.invoices SET amount = 0 RETURNING 1) SELECT count(*) AS bob_updated FROM changed \gset
ROLLBACK;
SELECT pg_temp.s(auth_uid()) AS after_rollback \gset
RESET ROLE;
SELECT is(text :'bob_bound' || ' ' || :'bob_seen', 't bob acme, bob globex', 'Bob sees exactly his invoices, in both tenants');
SELECT is(text :'bob_insert', '42501: new row violates row-level security policy for table "invoices"',
          'Bob, without invoices.write, makes no invoice');
SELECT is(:bob_updated::int, 0, 'and changes none');
SELECT is(text :'after_rollback', '', 'after ROLLBACK nothing is bound');

SET ROLE tap_rls_accounting;
BEGIN;
SELECT auth_begin(:'cat_session', 'Accounting App', 'Globex') IS NOT NULL AS cat_bound, pg_temp.visible() AS cat_seen \gset
WITH gone AS (DELETE FROM accounting.invoices WHERE customer = 'bob globex' RETURNING 1)
SELECT count(*) AS cat_deleted FROM gone \gset
WITH gone AS (DELETE FROM accounting.invoices WHERE tenant = 'Acme' RETURNING 1)
SELECT count(*) AS cat_deleted_acme FROM gone \gset
SELECT pg_temp.visible() AS cat_seen_after \gset
ROLLBACK;
RESET ROLE;
SELECT is(text :'cat_bound' || ' ' || :'cat_seen', 't bob globex, cat globex', 'Globex''s admin sees every invoice of Globex, and no other');
SELECT is(:cat_deleted::int || ' ' || :cat_deleted_acme, '1 0', 'she deletes Globex''s invoices, not Acme''s');
SELECT is(text :'cat_seen_after', 'cat globex', 'the deletion is seen in her transaction');
SELECT is((SELECT count(*)::int FROM accounting.invoices WHERE customer = 'bob globex'), 1, 'and was rolled back');
SELECT is((SELECT count(*)::int FROM accounting.invoices WHERE customer = 'ann acme 3' AND amount = 6), 1,
          'Ann''s committed invoice and change are there');

-- ---------------------------------------------------------------------------------
-- Nothing but auth_begin binds: no setting forges a user.
SET ROLE tap_rls_authenticated;
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :ann::text)::text, true),
       set_config('request.jwt.claim.sub', :ann::text, true), set_config('app.uid', :ann::text, true),
       set_config('app.user_id', :ann::text, true), set_config('request.headers', '{}', true) \g /dev/null
SET LOCAL app.current_user_id = 1;
SELECT pg_temp.s(auth_uid()) AS forged_uid, pg_temp.visible() AS forged_seen,
       pg_temp.error_of($$SELECT auth.bind_context(1, NULL, NULL, NULL, NULL, NULL)$$) AS direct_bind,
       pg_temp.error_of($$SELECT set_config('auth.uid', '1', true)$$) AS reserved \gset
ROLLBACK;
RESET ROLE;
SELECT is(text :'forged_uid' || '|' || :'forged_seen', '|', 'set_config and SET of any setting bind no user and show no row');
SELECT is(text :'reserved', '42602: invalid configuration parameter name "auth.uid"', 'no setting of the auth. prefix can be made up');
SELECT alike(text :'direct_bind', '42501:%', 'the internal binding function is for the extension''s owner only');

-- A second auth_begin replaces the first; one that fails leaves nothing bound.
SET ROLE tap_rls_accounting;
BEGIN;
SELECT auth_begin(:'ann_session', 'Accounting App') \g /dev/null
SELECT auth_begin(:'bob_session', 'Accounting App') \g /dev/null
SELECT pg_temp.s(auth_uid()) AS second_uid, pg_temp.s(auth_tenant()) AS second_tenant \gset
SELECT pg_temp.s(auth_begin('not a credential', 'Accounting App')) AS failed_bind \gset
SELECT pg_temp.s(auth_uid()) AS after_failed \gset
ROLLBACK;
RESET ROLE;
SELECT is(:'second_uid'::bigint, :bob::bigint, 'a second auth_begin replaces the first');
SELECT is(text :'second_tenant', '', 'and its tenant (none named) too');
SELECT is(text :'failed_bind' || '|' || :'after_failed', '|', 'an auth_begin that fails unbinds: nothing is bound');

-- An error ends the binding with its transaction (psql prints the two errors: they are meant).
SET ROLE tap_rls_accounting;
BEGIN;
SELECT auth_begin(:'ann_session', 'Accounting App') \g /dev/null
\set ON_ERROR_STOP 0
SELECT 1 / 0;
\set ON_ERROR_STOP 1
ROLLBACK;
SELECT pg_temp.s(auth_uid()) AS after_error \gset
-- In an implicit transaction too: the statement fails, the binding goes with it.
\set ON_ERROR_STOP 0
SELECT auth_begin(:'ann_session', 'Accounting App'), 1 / 0;
\set ON_ERROR_STOP 1
SELECT pg_temp.s(auth_uid()) AS after_statement_error \gset
RESET ROLE;
SELECT is(text :'after_error' || '|' || :'after_statement_error', '|', 'after an error nothing is bound');

-- Savepoints: rolling back to one gives back the binding from before it.
SET ROLE tap_rls_accounting;
BEGIN;
SELECT auth_begin(:'ann_session', 'Accounting App') \g /dev/null
SAVEPOINT a;
SELECT auth_begin(:'bob_session', 'Accounting App') \g /dev/null
ROLLBACK TO SAVEPOINT a;
SELECT pg_temp.s(auth_uid()) AS after_rollback_to \gset
SAVEPOINT b;
SELECT auth_begin(:'bob_session', 'Accounting App') \g /dev/null
RELEASE SAVEPOINT b;
SELECT pg_temp.s(auth_uid()) AS after_release \gset
SAVEPOINT c;
SAVEPOINT d;
SELECT auth_begin(:'cat_session', 'Accounting App') \g /dev/null
RELEASE SAVEPOINT d;
ROLLBACK TO SAVEPOINT c;
SELECT pg_temp.s(auth_uid()) AS after_nested \gset
ROLLBACK;
BEGIN;
SAVEPOINT e;
SELECT auth_begin(:'ann_session', 'Accounting App') \g /dev/null
ROLLBACK TO SAVEPOINT e;
SELECT pg_temp.s(auth_uid()) AS after_first_rolled_back \gset
ROLLBACK;
RESET ROLE;
SELECT is(:'after_rollback_to'::bigint, :ann::bigint, 'ROLLBACK TO SAVEPOINT gives back the binding from before it');
SELECT is(:'after_release'::bigint, :bob::bigint, 'RELEASE SAVEPOINT keeps the binding made in it');
SELECT is(:'after_nested'::bigint, :bob::bigint, 'a binding released into a savepoint goes when that one is rolled back');
SELECT is(text :'after_first_rolled_back', '', 'a first binding rolled back leaves nothing bound');

-- ---------------------------------------------------------------------------------
-- Credentials: each kind binds, and each kind that is expired, revoked or another
-- product's binds nothing.
SET ROLE tap_rls_accounting;
BEGIN;
SELECT pg_temp.s(auth_begin(:'ann_jwt', 'Accounting App')) AS by_jwt, pg_temp.s(auth_aal()) AS jwt_aal \gset
SELECT pg_temp.s(auth_begin(:'ann_key', 'Accounting App')) AS by_key, pg_temp.s(auth_aal()) AS key_aal \gset
SELECT pg_temp.s(auth_begin(:'ann_session')) AS by_only_product \gset
SELECT pg_temp.s(auth_begin(:'ann_payroll_session', 'Accounting App')) AS other_session,
       pg_temp.s(auth_begin(:'ann_payroll_jwt', 'Accounting App')) AS other_jwt,
       pg_temp.s(auth_begin(:'ann_payroll_key', 'Accounting App')) AS other_key,
       pg_temp.s(auth_begin(:'ann_signin', 'Accounting App')) AS signin_session,
       pg_temp.s(auth_begin(:'ann_session', 'Accounting App', 'Globex')) AS not_member_tenant,
       pg_temp.s(auth_begin(:'ann_session', 'Accounting App', 'No Such Tenant')) AS unknown_tenant \gset
SELECT pg_temp.error_of($$SELECT auth_begin('$$ || :'ann_payroll_session' || $$', 'Payroll')$$) AS confined \gset
ROLLBACK;
RESET ROLE;
SELECT is(:'by_jwt'::bigint, :ann::bigint, 'a JWT binds');
SELECT is(:'by_key'::bigint, :ann::bigint, 'an API key binds');
SELECT is(text :'jwt_aal' || ' ' || :'key_aal', 'aal1 aal1', 'with their assurance level');
SELECT is(:'by_only_product'::bigint, :ann::bigint, 'an app of one product need not name it');
SELECT is(text :'other_session' || '|' || :'other_jwt' || '|' || :'other_key', '||',
          'another product''s session, JWT or API key binds nothing');
SELECT is(text :'signin_session', '', 'a sign-in service''s own session binds in no product');
SELECT is(text :'not_member_tenant' || '|' || :'unknown_tenant', '|', 'a tenant binds only where the user is an active member');
SELECT is(text :'confined', '42501: permission denied: role "tap_rls_accounting" may not act for product "Payroll"',
          'a confined app binds only its products'' credentials');
SET ROLE tap_rls_two;
SELECT pg_temp.error_of($$SELECT auth_begin('x')$$) AS two_products \gset
RESET ROLE;
SET ROLE tap_rls_authenticated;
SELECT pg_temp.error_of($$SELECT auth_begin('x')$$) AS end_user_no_product,
       pg_temp.error_of($$SELECT auth_user_id('ann@example.com')$$) AS end_user_other \gset
RESET ROLE;
SELECT is(text :'two_products', '22004: product must not be null', 'an app of two products must name one');
SELECT is(text :'end_user_no_product', '22004: product must not be null', 'an auth_user must name the product');
SELECT alike(text :'end_user_other', '42501:%', 'and may call nothing else of the extension');
-- A sign-in service (here: the superuser, unconfined) binds its own session with no product.
BEGIN;
SELECT pg_temp.s(auth_begin(:'ann_signin')) AS signin_bound, pg_temp.s(auth_product()) AS signin_product,
       auth_current_has_role('clerk', 'Acme') AS signin_role \gset
ROLLBACK;
SELECT is(text :'signin_bound' || ' ' || :'signin_product' || ' ' || :'signin_role', :ann || '  f',
          'an unconfined caller binds a sign-in session with no product, and no role answers true');

-- Expired and revoked credentials.
SELECT auth_issue_jwt(:'ann_session', 'Accounting App', '1 second') AS short_jwt \gset
SELECT auth_login('ann@example.com', 'Amber orbit 71 slot', 'Accounting App') AS doomed_session \gset
SELECT auth_issue_jwt(:'doomed_session', 'Accounting App') AS doomed_jwt \gset
SELECT auth_create_api_key(:ann, 'Accounting App', 'doomed') AS doomed_key \gset
SELECT auth_login('ann@example.com', 'Amber orbit 71 slot', 'Accounting App') AS old_session \gset
UPDATE auth.user_sessions SET expires_at = now() - interval '1 second'
WHERE token_hash = auth.token_digest(:'old_session');
SELECT pg_temp.s(auth_begin(:'doomed_jwt', 'Accounting App')) AS doomed_jwt_before \gset
SELECT auth_logout(:'doomed_session') \g /dev/null
SELECT auth_revoke_api_key(:'doomed_key') \g /dev/null
SELECT pg_sleep(1.1);
SET ROLE tap_rls_accounting;
SELECT pg_temp.s(auth_begin(:'short_jwt', 'Accounting App')) AS expired_jwt, pg_temp.s(auth_begin(:'old_session', 'Accounting App')) AS expired_session,
       pg_temp.s(auth_begin(:'doomed_session', 'Accounting App')) AS revoked_session,
       pg_temp.s(auth_begin(:'doomed_jwt', 'Accounting App')) AS logged_out_jwt,
       pg_temp.s(auth_begin(:'doomed_key', 'Accounting App')) AS revoked_key \gset
RESET ROLE;
SELECT is(:'doomed_jwt_before'::bigint, :ann::bigint, 'a JWT binds while its session is live');
SELECT is(text :'logged_out_jwt', '', 'and nothing once its session was logged out');
SELECT is(text :'expired_jwt' || '|' || :'expired_session', '|', 'an expired JWT or session binds nothing');
SELECT is(text :'revoked_session' || '|' || :'revoked_key', '|', 'a revoked session or API key binds nothing');

-- A product that requires a second factor binds aal2 credentials only.
SELECT auth_login('ann@example.com', 'Amber orbit 71 slot', 'Accounting App') AS strong_session \gset
SELECT auth_issue_jwt(:'strong_session', 'Accounting App') AS weak_jwt \gset
SELECT auth_set_product_mfa('Accounting App', true);
UPDATE auth.user_sessions SET aal = 'aal2', amr = ARRAY['pwd', 'otp']
WHERE token_hash = auth.token_digest(:'strong_session');   -- as auth_mfa_verify leaves it
SELECT auth_issue_jwt(:'strong_session', 'Accounting App') AS strong_jwt \gset
SET ROLE tap_rls_accounting;
BEGIN;
SELECT pg_temp.s(auth_begin(:'ann_session', 'Accounting App')) AS mfa_aal1_session, pg_temp.s(auth_begin(:'weak_jwt', 'Accounting App')) AS mfa_aal1_jwt,
       pg_temp.s(auth_begin(:'ann_key', 'Accounting App')) AS mfa_key \gset
SELECT pg_temp.s(auth_begin(:'strong_session', 'Accounting App')) AS mfa_aal2_session, pg_temp.s(auth_aal()) AS mfa_aal \gset
SELECT pg_temp.s(auth_begin(:'strong_jwt', 'Accounting App')) AS mfa_aal2_jwt \gset
ROLLBACK;
RESET ROLE;
SELECT auth_set_product_mfa('Accounting App', false);
SELECT is(text :'mfa_aal1_session' || '|' || :'mfa_aal1_jwt' || '|' || :'mfa_key', '||',
          'an MFA-required product binds no aal1 session, aal1 JWT or API key');
SELECT is(text :'mfa_aal2_session' || ' ' || :'mfa_aal2_jwt' || ' ' || :'mfa_aal', :ann || ' ' || :ann || ' aal2',
          'and binds aal2 sessions and JWTs');

-- ---------------------------------------------------------------------------------
-- PostgREST's request, as PostgREST makes it: the headers in a transaction-local
-- setting, the role switched to, then the pre-request function.
CREATE FUNCTION pg_temp.postgrest_request(header text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    answer text;
BEGIN
    PERFORM set_config('request.headers', json_build_object('authorization', header)::text, true);
    SET LOCAL ROLE tap_rls_authenticated;
    PERFORM auth_begin_from_headers('Accounting App');
    answer := coalesce(auth_uid()::text, '-') || ' ' || pg_temp.visible();
    RESET ROLE;
    RETURN answer;
END
$$;
SELECT auth_issue_jwt(:'ann_session', 'Accounting App', '1 second') AS soon_expired_jwt \gset
BEGIN;
SELECT pg_temp.postgrest_request('Bearer ' || :'ann_jwt') AS rest_ann \gset
ROLLBACK;
BEGIN;
SELECT pg_temp.postgrest_request('bearer ' || :'ann_jwt') AS rest_lower \gset
ROLLBACK;
SELECT pg_sleep(1.1);
BEGIN;
SELECT pg_temp.postgrest_request('Bearer ' || left(:'ann_jwt', -4) || 'AAAA') AS rest_forged,
       pg_temp.postgrest_request('Bearer ' || :'soon_expired_jwt') AS rest_expired,
       pg_temp.postgrest_request('Bearer ' || :'ann_payroll_jwt') AS rest_other_product,
       pg_temp.postgrest_request('Bearer ' || :'ann_session') AS rest_session_token,
       pg_temp.postgrest_request(NULL) AS rest_no_header \gset
ROLLBACK;
BEGIN;
SELECT set_config('request.headers', '{"authorization": "Bearer ' || :'ann_jwt' || '"', true) \g /dev/null
SET LOCAL ROLE tap_rls_authenticated;
SELECT pg_temp.s(auth_begin_from_headers('Accounting App')) AS rest_bad_json \gset
ROLLBACK;
SELECT is(text :'rest_ann', :ann || ' ann acme 1, ann acme 2, ann acme 3', 'PostgREST: a valid bearer JWT binds its user, the policies show her rows');
SELECT is(text :'rest_lower', :'rest_ann', 'the scheme is read regardless of case');
SELECT is(text :'rest_forged', '- ', 'a forged JWT binds nothing');
SELECT is(text :'rest_expired', '- ', 'an expired JWT binds nothing');
SELECT is(text :'rest_other_product', '- ', 'another product''s JWT binds nothing');
SELECT is(text :'rest_session_token' || '|' || :'rest_no_header', '- |- ', 'a bearer that is no JWT, or no header, binds nothing');
SELECT is(text :'rest_bad_json', '', 'malformed headers bind nothing, and raise nothing');

-- ---------------------------------------------------------------------------------
-- The planner uses an index for owner_id = auth_uid() (the readers are STABLE).
CREATE TABLE public.rls_notes (id bigserial PRIMARY KEY, owner_id bigint NOT NULL, body text);
INSERT INTO public.rls_notes (owner_id, body) SELECT g % 1000, 'note' FROM generate_series(1, 20000) g;
CREATE INDEX ON public.rls_notes (owner_id);
ANALYZE public.rls_notes;
ALTER TABLE public.rls_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON public.rls_notes USING (owner_id = auth_uid());
GRANT SELECT ON public.rls_notes TO tap_rls_authenticated;
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.plan_of(text) TO PUBLIC;
SET ROLE tap_rls_authenticated;
SELECT pg_temp.plan_of('SELECT * FROM public.rls_notes') AS notes_plan \gset
RESET ROLE;
SELECT alike(text :'notes_plan', '%Index%rls_notes_owner_id_idx%', 'the policy owner_id = auth_uid() is answered through the index on owner_id');

-- (Review findings.) A binding of another product sees none of Accounting's invoices: the
-- policies ask that the bound product be Accounting's.
SET ROLE tap_rls_authenticated;
BEGIN;
SELECT pg_temp.s(auth_begin(:'ann_payroll_session', 'Payroll')) AS bound_in_payroll \gset
SELECT count(*) AS payroll_sees FROM accounting.invoices \gset
ROLLBACK;
RESET ROLE;
SELECT is(:'bound_in_payroll'::bigint, :ann::bigint, 'Ann bound in Payroll by Payroll''s end-user role');
SELECT is(:'payroll_sees'::int, 0, 'a Payroll binding sees none of Accounting''s invoices, though Ann owns some');
-- An update may not give an invoice away: after it, the row must still be one's own (or
-- the tenant's, as its admin).
SET ROLE tap_rls_accounting;
BEGIN;
SELECT pg_temp.s(auth_begin(:'ann_session', 'Accounting App', 'Acme')) AS bound_acme \gset
SELECT pg_temp.error_of($$UPDATE accounting.invoices SET owner_id = $$ || :cat || $$ WHERE customer = 'ann acme 1'$$) AS give_away \gset
ROLLBACK;
RESET ROLE;
SELECT alike(text :'give_away', '42501:%', 'an update may not give an invoice away to another user');
-- A confined app stays confined when it switches to a role that is only an auth_user.
SET SESSION AUTHORIZATION tap_rls_accounting;
SET ROLE auth_user;
SELECT pg_temp.error_of($$SELECT auth_begin('$$ || :'ann_payroll_session' || $$', 'Payroll')$$) AS escaped \gset
RESET ROLE;
RESET SESSION AUTHORIZATION;
SELECT alike(text :'escaped', '42501: permission denied: %may not act for product "Payroll"',
             'a confined app stays confined after SET ROLE auth_user');
-- A reader called in a parallel worker (through a wrapper wrongly marked PARALLEL SAFE)
-- raises rather than answer NULL there.
CREATE FUNCTION public.tap_rls_mislabelled_uid() RETURNS bigint LANGUAGE plpgsql STABLE PARALLEL SAFE
    AS $f$ BEGIN RETURN auth_uid(); END $f$;
SET force_parallel_mode = on;
SELECT pg_temp.error_of($$SELECT public.tap_rls_mislabelled_uid()$$) AS in_worker \gset
RESET force_parallel_mode;
DROP FUNCTION public.tap_rls_mislabelled_uid();
SELECT is(text :'in_worker', '25000: the auth context cannot be read in a parallel worker',
          'a reader in a parallel worker raises');

SELECT * FROM finish();
DROP TABLE public.rls_notes;
DROP OWNED BY tap_rls_accounting, tap_rls_payroll, tap_rls_authenticated, tap_rls_two;
DROP ROLE tap_rls_accounting, tap_rls_payroll, tap_rls_authenticated, tap_rls_two;
