-- An example product schema protected by row-level security with auth's transaction
-- context: the invoices of the Accounting App. Run it as a superuser (or the owner of
-- the database) in a database where the auth extension is installed. It makes, when
-- missing, the product, its roles and the permission the policies name.
--
-- Who sees and changes what:
--   * every user sees the invoices they own, in any tenant;
--   * a holder of the role `admin` in a tenant (or product-wide) sees every invoice of
--     that tenant, and may delete them;
--   * a holder of the permission `invoices.write` in the invoice's tenant may create
--     invoices of their own there, and change the ones they see.
-- The requests that read these tables call auth_begin (or auth_begin_from_headers) once
-- per transaction; the policies then read the bound user with auth_uid() and ask about
-- roles with auth_current_has_role/permission, with no round trip.

-- The product, its roles and the permission (auth_create_* raise 23505 when they exist).
DO $$
BEGIN
    BEGIN PERFORM auth_create_product('Accounting App'); EXCEPTION WHEN unique_violation THEN NULL; END;
    BEGIN PERFORM auth_create_role('Accounting App', 'admin'); EXCEPTION WHEN unique_violation THEN NULL; END;
    BEGIN PERFORM auth_create_role('Accounting App', 'clerk'); EXCEPTION WHEN unique_violation THEN NULL; END;
    PERFORM auth_grant_permission('Accounting App', 'admin', 'invoices.write');
    PERFORM auth_grant_permission('Accounting App', 'clerk', 'invoices.write');
END
$$;

CREATE SCHEMA accounting;

CREATE TABLE accounting.invoices (
    id         bigserial PRIMARY KEY,
    tenant     text NOT NULL,                        -- the tenant (customer company) it belongs to
    owner_id   bigint NOT NULL DEFAULT auth_uid(),   -- the auth user who made it
    customer   text NOT NULL,
    amount     numeric(12, 2) NOT NULL CHECK (amount >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_owner_idx ON accounting.invoices (owner_id);
CREATE INDEX invoices_tenant_idx ON accounting.invoices (tenant);

-- Row security applies to every role but the table's owner and superusers.
ALTER TABLE accounting.invoices ENABLE ROW LEVEL SECURITY;

-- Every policy first asks that the binding be Accounting's: the readers answer for the
-- bound product, and the table is granted to auth_user, which the end users' roles of
-- every product share. A Payroll credential bound by Payroll's PostgREST sees nothing
-- here, and a role it holds in Payroll grants nothing here.
-- Read: one's own invoices, and a tenant's invoices for that tenant's admins.
CREATE POLICY invoices_read ON accounting.invoices FOR SELECT
    USING (auth_product() = 'Accounting App'
           AND (owner_id = auth_uid() OR auth_current_has_role('admin', tenant)));
-- Create: only as oneself, only with the permission in that tenant.
CREATE POLICY invoices_create ON accounting.invoices FOR INSERT
    WITH CHECK (auth_product() = 'Accounting App'
                AND owner_id = auth_uid() AND auth_current_has_permission('invoices.write', tenant));
-- Change: an invoice one sees, with the permission in its tenant, before and after; and
-- after the change still one's own or one's tenant's as its admin (no giving rows away).
CREATE POLICY invoices_change ON accounting.invoices FOR UPDATE
    USING (auth_product() = 'Accounting App'
           AND (owner_id = auth_uid() OR auth_current_has_role('admin', tenant))
           AND auth_current_has_permission('invoices.write', tenant))
    WITH CHECK (auth_product() = 'Accounting App'
                AND (owner_id = auth_uid() OR auth_current_has_role('admin', tenant))
                AND auth_current_has_permission('invoices.write', tenant));
-- Delete: the tenant's admins only.
CREATE POLICY invoices_delete ON accounting.invoices FOR DELETE
    USING (auth_product() = 'Accounting App' AND auth_current_has_role('admin', tenant));

-- The roles that run end users' queries (members of auth_user: PostgREST's
-- `authenticated`, say) may use the table; the policies decide which rows.
GRANT USAGE ON SCHEMA accounting TO auth_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON accounting.invoices TO auth_user;
GRANT USAGE ON SEQUENCE accounting.invoices_id_seq TO auth_user;
