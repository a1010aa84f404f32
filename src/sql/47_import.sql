-- Moving in from other systems: auth_import_users, many users per call with their
-- memberships and roles, each element imported or refused on its own (docs/migration.md).

-- The text of one field of an import element: NULL when absent or JSON null, else 22023
-- unless it is a JSON string. Names the field, never its value.
CREATE FUNCTION auth.import_text(p_element jsonb, p_field text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    value jsonb := p_element -> p_field;
BEGIN
    IF value IS NULL OR jsonb_typeof(value) = 'null' THEN
        RETURN NULL;
    ELSIF jsonb_typeof(value) <> 'string' THEN
        RAISE EXCEPTION '% must be a JSON string', p_field USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN value #>> '{}';
END
$$;

-- One element's memberships and roles for a new user: products and roles must exist
-- (42704); a tenant is only a name and is created when missing; status defaults to
-- active. Returns the number of memberships.
CREATE FUNCTION auth.import_memberships(p_user_id bigint, p_memberships jsonb) RETURNS integer
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m jsonb;
    v_product text;
    v_tenant text;
    v_status text;
    v_product_id bigint;
    v_tenant_id bigint;
    v_role text;
    v_role_id bigint;
    n integer := 0;
    granted boolean := false;
BEGIN
    IF p_memberships IS NULL OR jsonb_typeof(p_memberships) = 'null' THEN
        RETURN 0;
    ELSIF jsonb_typeof(p_memberships) <> 'array' THEN
        RAISE EXCEPTION 'memberships must be a JSON array' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR m IN SELECT e FROM jsonb_array_elements(p_memberships) e LOOP
        IF jsonb_typeof(m) <> 'object' THEN
            RAISE EXCEPTION 'each membership must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF EXISTS (SELECT FROM jsonb_object_keys(m) k WHERE k <> ALL (ARRAY['product', 'tenant', 'status', 'roles'])) THEN
            RAISE EXCEPTION 'a membership has a key other than product, tenant, status and roles'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_product := auth.import_text(m, 'product');
        v_tenant := auth.import_text(m, 'tenant');
        v_status := coalesce(auth.import_text(m, 'status'), 'active');
        IF v_product IS NULL THEN
            RAISE EXCEPTION 'product must not be null' USING ERRCODE = 'null_value_not_allowed';
        END IF;
        IF v_status NOT IN ('invited', 'active', 'suspended') THEN
            RAISE EXCEPTION 'status must be invited, active or suspended' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT p.id INTO v_product_id FROM auth.products p WHERE p.name = v_product;
        IF v_product_id IS NULL THEN
            RAISE EXCEPTION 'product % does not exist', auth.shown(v_product) USING ERRCODE = 'undefined_object';
        END IF;
        v_tenant_id := NULL;
        IF v_tenant IS NOT NULL THEN
            PERFORM auth.checked_name(v_tenant, 'tenant');
            SELECT t.id INTO v_tenant_id FROM auth.tenants t WHERE t.name = v_tenant;
            IF v_tenant_id IS NULL THEN
                INSERT INTO auth.tenants (name) VALUES (v_tenant) ON CONFLICT (name) DO NOTHING RETURNING id INTO v_tenant_id;
                IF v_tenant_id IS NULL THEN
                    SELECT t.id INTO v_tenant_id FROM auth.tenants t WHERE t.name = v_tenant;
                END IF;
            END IF;
        END IF;
        INSERT INTO auth.user_products (user_id, product_id, tenant_id, status)
        VALUES (p_user_id, v_product_id, v_tenant_id, v_status)
        ON CONFLICT ON CONSTRAINT user_products_key DO NOTHING;
        IF m ? 'roles' AND jsonb_typeof(m -> 'roles') <> 'null' THEN
            IF jsonb_typeof(m -> 'roles') <> 'array' THEN
                RAISE EXCEPTION 'roles must be a JSON array' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            FOR v_role IN SELECT auth.import_text(jsonb_build_object('role', r), 'role')
                          FROM jsonb_array_elements(m -> 'roles') r LOOP
                IF v_role IS NULL THEN
                    RAISE EXCEPTION 'role must not be null' USING ERRCODE = 'null_value_not_allowed';
                END IF;
                SELECT r.id INTO v_role_id FROM auth.roles r WHERE r.product_id = v_product_id AND r.name = v_role;
                IF v_role_id IS NULL THEN
                    RAISE EXCEPTION 'role % does not exist in product %', auth.shown(v_role), auth.shown(v_product)
                        USING ERRCODE = 'undefined_object';
                END IF;
                INSERT INTO auth.user_roles (user_id, role_id, tenant_id, product_id)
                VALUES (p_user_id, v_role_id, v_tenant_id, v_product_id)
                ON CONFLICT ON CONSTRAINT user_roles_key DO NOTHING;
                granted := true;
            END LOOP;
        END IF;
        n := n + 1;
    END LOOP;
    -- auth.max_grants_per_user, as auth_grant keeps it.
    IF granted AND EXISTS (SELECT FROM auth.user_roles ur WHERE ur.user_id = p_user_id GROUP BY ur.product_id
                           HAVING count(*) > pg_catalog.current_setting('auth.max_grants_per_user')::integer) THEN
        RAISE EXCEPTION 'roles: more grants in one product than auth.max_grants_per_user allows'
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    RETURN n;
END
$$;

-- One element of auth_import_users, checked (src/pg/import_functions.cpp): 22023 unless
-- it is an object with only the contract's keys of the right JSON types, a string email
-- (22004 when missing), text fields within their limits and a well-formed, bounded hash
-- or none. Returns the hash's format (NULL: no hash, an account that signs in once a
-- password is set).
CREATE FUNCTION auth.import_checked(element jsonb) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_import_checked';

-- auth_import_users (admin). Fast path: the whole array in one statement, in one
-- subtransaction. When anything in it is refused (or two addresses look alike, which one
-- statement cannot see), that is undone and each element is imported in a subtransaction
-- of its own, so a refused element (its SQLSTATE and message in its report row) leaves
-- the others imported. No hash reaches the report, the audit log or an error.
CREATE FUNCTION auth.import_users(p_caller regrole, p_users jsonb)
    RETURNS TABLE (ordinality bigint, email text, user_id bigint, error_code text, error text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
DECLARE
    element jsonb;
    position bigint;
    v_email text;
    v_format text;
    v_memberships integer;
    new_id bigint;
    code text;
    message text;
    positions bigint[];
    ids bigint[];
    emails text[];
    memberships jsonb[];
BEGIN
    PERFORM auth.require_admin(p_caller);
    IF p_users IS NULL THEN
        RAISE EXCEPTION 'users must not be null' USING ERRCODE = 'null_value_not_allowed';
    ELSIF jsonb_typeof(p_users) <> 'array' THEN
        RAISE EXCEPTION 'users must be a JSON array' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The look-alike locks every insert takes (auth.users_email_keys: the skeleton's hash
    -- folded into 1024 keys), taken here first, all at once and in ascending order: two
    -- imports at once then wait for each other instead of deadlocking over keys taken in
    -- the arrays' orders. The inserts below take them again, at no cost.
    PERFORM pg_advisory_xact_lock(1635087464, k.key)
    FROM (SELECT DISTINCT hashtext(auth.email_skeleton(e ->> 'email')) & 1023 AS key
          FROM jsonb_array_elements(p_users) e
          WHERE jsonb_typeof(e -> 'email') = 'string' AND auth.email_skeleton(e ->> 'email') IS NOT NULL
          ORDER BY 1) k;
    BEGIN
        IF EXISTS (SELECT FROM jsonb_array_elements(p_users) e
                   GROUP BY auth.email_skeleton(e ->> 'email') HAVING count(*) > 1) THEN
            RAISE EXCEPTION 'look-alike addresses in one array' USING ERRCODE = 'unique_violation';
        END IF;
        WITH elements AS (
            SELECT a.o, a.e, auth.import_checked(a.e) AS format
            FROM jsonb_array_elements(p_users) WITH ORDINALITY AS a(e, o)
        ), inserted AS (
            INSERT INTO auth.users (email, password_hash, password_imported, full_name, phone_number,
                                    is_active, email_verified_at)
            -- import_checked vouched for the JSON types: ->> reads each as it is.
            SELECT x.e ->> 'email', x.e ->> 'password_hash', x.format IS NOT NULL,
                   x.e ->> 'full_name', x.e ->> 'phone_number', coalesce((x.e ->> 'active')::boolean, true),
                   CASE WHEN (x.e ->> 'email_verified')::boolean THEN now() END
            FROM elements x ORDER BY x.o
            RETURNING id, users.email
        ), audited AS (
            INSERT INTO auth.audit_log (event, user_id, db_role, detail)
            SELECT 'user_imported', i.id, pg_get_userbyid(p_caller),
                   jsonb_strip_nulls(jsonb_build_object('format', x.format, 'bulk', true,
                                                        'memberships', nullif(jsonb_array_length(
                                                            coalesce(nullif(x.e -> 'memberships', 'null'), '[]')), 0)))
            FROM inserted i JOIN elements x ON x.e ->> 'email' = i.email
        )
        SELECT array_agg(x.o ORDER BY x.o), array_agg(i.id ORDER BY x.o), array_agg(i.email ORDER BY x.o),
               array_agg(x.e -> 'memberships' ORDER BY x.o)
        INTO positions, ids, emails, memberships
        FROM inserted i JOIN elements x ON x.e ->> 'email' = i.email;
        FOR element, new_id IN SELECT u.m, u.i FROM unnest(memberships, ids) AS u(m, i)
                               WHERE jsonb_typeof(u.m) = 'array' LOOP
            PERFORM auth.import_memberships(new_id, element);
        END LOOP;
        IF coalesce(cardinality(positions), 0) <> jsonb_array_length(p_users) THEN
            RAISE EXCEPTION 'not every element was imported' USING ERRCODE = 'internal_error';
        END IF;
        RETURN QUERY SELECT u.p, u.m, u.i, NULL::text, NULL::text FROM unnest(positions, emails, ids) AS u(p, m, i);
        RETURN;
    EXCEPTION WHEN OTHERS THEN
        NULL;  -- one element or more is refused: each on its own below
    END;
    FOR element, position IN SELECT e, o FROM jsonb_array_elements(p_users) WITH ORDINALITY AS a(e, o) LOOP
        v_email := CASE WHEN jsonb_typeof(element -> 'email') = 'string' THEN element ->> 'email' END;
        BEGIN
            v_format := auth.import_checked(element);
            INSERT INTO auth.users (email, password_hash, password_imported, full_name, phone_number,
                                    is_active, email_verified_at)
            VALUES (v_email, element ->> 'password_hash', v_format IS NOT NULL,
                    element ->> 'full_name', element ->> 'phone_number', coalesce((element ->> 'active')::boolean, true),
                    CASE WHEN (element ->> 'email_verified')::boolean THEN now() END)
            ON CONFLICT (email_key, email_twin) DO NOTHING
            RETURNING id INTO new_id;
            IF new_id IS NULL THEN
                RAISE EXCEPTION 'a user with this email already exists' USING ERRCODE = 'unique_violation';
            END IF;
            v_memberships := auth.import_memberships(new_id, element -> 'memberships');
            INSERT INTO auth.audit_log (event, user_id, db_role, detail)
            VALUES ('user_imported', new_id, pg_get_userbyid(p_caller),
                    jsonb_strip_nulls(jsonb_build_object('format', v_format, 'bulk', true,
                                                         'memberships', nullif(v_memberships, 0))));
            ordinality := position; email := v_email; user_id := new_id; error_code := NULL; error := NULL;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
            ordinality := position; email := v_email; user_id := NULL; error_code := code; error := message;
        END;
        RETURN NEXT;
    END LOOP;
END
$$;

CREATE FUNCTION auth_import_users(users jsonb)
    RETURNS TABLE (ordinality bigint, email text, user_id bigint, error_code text, error text)
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_import_users(jsonb) IS
    'many users with hashes from another system, their memberships and roles; a report row per element';
REVOKE ALL ON FUNCTION auth_import_users(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_import_users(jsonb) TO auth_admin;
