-- Account life through the outbox (docs/account-mails.md): invitations into products and
-- tenants, email change confirmed on the new address with a notice to the old. Tokens
-- are held in PL/pgSQL variables: generic plans only (see auth.login in 60_sessions.sql).

-- How long an invitation stays valid: auth.invitation_ttl, in seconds as pg_settings
-- keeps it.
CREATE FUNCTION auth.invitation_ttl() RETURNS interval
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT make_interval(secs => s.setting::double precision) FROM pg_settings s WHERE s.name = 'auth.invitation_ttl'
$$;

-- An address as a function takes it to write to: 22004 NULL, 22023 malformed, with an
-- invisible character, or too long once normalized. Returns its key.
CREATE FUNCTION auth.checked_new_email(p_email text, p_argument text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    key text;
BEGIN
    IF p_email IS NULL THEN
        RAISE EXCEPTION '% must not be null', p_argument USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM auth.checked_email(p_email);
    key := auth.email_key(p_email);
    IF auth.email_has_invisible(p_email) OR key IS NULL THEN
        RAISE EXCEPTION '% is not a valid email address', p_argument USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN key;
END
$$;

-- auth_invite (product): queues an invitation into a product (a role, a tenant) to an
-- address, whether or not it has an account; a pending invitation of that product to
-- the same address key is replaced (its token stops working, its unsent mail goes).
CREATE FUNCTION auth.invite(p_caller regrole, p_product text, p_email text, p_role text, p_tenant text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_product bigint := auth.managed_product_id(p_caller, p_product);
    v_key text := auth.checked_new_email(p_email, 'email');
    v_role bigint := CASE WHEN p_role IS NOT NULL THEN auth.role_id(v_product, p_product, p_role) END;
    v_tenant bigint := auth.tenant_id(p_tenant);
    account auth.users := auth.user_by_email(p_email);
    token text := auth.new_token();
    ends timestamptz := clock_timestamp() + auth.invitation_ttl();
    invitation_id bigint;
    replaced boolean;
BEGIN
    PERFORM auth.require_writable('auth_invite');
    INSERT INTO auth.invitations AS i (product_id, email, email_key, role_id, tenant_id, token_hash,
                                       invited_by, created_at, expires_at)
    VALUES (v_product, p_email, v_key, v_role, v_tenant, auth.token_digest(token),
            pg_get_userbyid(p_caller), clock_timestamp(), ends)
    ON CONFLICT (product_id, email_key) WHERE accepted_at IS NULL DO UPDATE
    SET email = excluded.email, role_id = excluded.role_id, tenant_id = excluded.tenant_id,
        token_hash = excluded.token_hash, invited_by = excluded.invited_by,
        created_at = excluded.created_at, expires_at = excluded.expires_at
    RETURNING i.id, xmax <> 0 INTO invitation_id, replaced;
    -- The replaced invitation's mail, if no mailer has taken it yet, is void too.
    DELETE FROM auth.outbox o
    WHERE o.kind = 'invitation' AND o.product_id = v_product AND o.claimed_at IS NULL
      AND auth.email_key(o.email) = v_key;
    PERFORM auth.audit(p_caller, 'invitation_sent', account.id, v_product,
                       jsonb_build_object('invitation_id', invitation_id, 'role', p_role, 'tenant', p_tenant,
                                          'expires_at', ends, 'replaced', replaced));
    -- To the stored address when the key has an account, else to the address as typed.
    PERFORM auth.queue_mail(pg_get_userbyid(p_caller), 'invitation', account.id, coalesce(account.email, p_email),
                            v_product, token, ends);
END
$$;

CREATE FUNCTION auth_invite(product text, email text, role text DEFAULT NULL, tenant text DEFAULT NULL)
    RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_invite(text, text, text, text) IS
    'for a product''s admins: queues an invitation into the product (optionally a role, a tenant) to an address, whether or not it has an account; valid auth.invitation_ttl; replaces a pending invitation of the product to the same address';
REVOKE ALL ON FUNCTION auth_invite(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_invite(text, text, text, text) TO auth_client, auth_admin;

-- auth_accept_invitation (client): a session's user takes an invitation sent to its
-- address (the same email key): the membership becomes active, the role is granted.
-- False for a token unknown, of a product the client is not the app of, used, expired or
-- replaced, and for a session not usable or of another user. Single use.
CREATE FUNCTION auth.accept_invitation(p_caller regrole, p_token text, p_session_token text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    found auth.invitations;
    session auth.user_sessions;
    reason text;
BEGIN
    PERFORM auth.require_writable('auth_accept_invitation');
    SELECT i.* INTO found FROM auth.invitations i WHERE i.token_hash = auth.token_digest(p_token) FOR UPDATE;
    IF found.id IS NULL OR (products IS NOT NULL AND NOT found.product_id = ANY (products)) THEN
        RETURN false;
    END IF;
    session := auth.usable_session(p_session_token, products, false);
    reason := CASE
        WHEN found.accepted_at IS NOT NULL THEN 'used'
        WHEN found.expires_at <= clock_timestamp() THEN 'expired'
        WHEN session.id IS NULL THEN 'no_session'
        WHEN NOT EXISTS (SELECT FROM auth.users u WHERE u.id = session.user_id AND u.email_key = found.email_key)
            THEN 'other_user'
    END;
    IF reason IS NOT NULL THEN
        PERFORM auth.audit(p_caller, 'invitation_refused', session.user_id, found.product_id,
                           jsonb_build_object('invitation_id', found.id, 'reason', reason));
        RETURN false;
    END IF;
    INSERT INTO auth.user_products AS m (user_id, product_id, tenant_id, status)
    VALUES (session.user_id, found.product_id, found.tenant_id, 'active')
    ON CONFLICT ON CONSTRAINT user_products_key DO UPDATE SET status = 'active', updated_at = now()
    WHERE m.status <> 'active';
    IF found.role_id IS NOT NULL THEN
        -- The bound auth_grant keeps (auth.max_grants_per_user) holds here too.
        IF NOT EXISTS (SELECT FROM auth.user_roles ur
                       WHERE ur.user_id = session.user_id AND ur.role_id = found.role_id
                         AND ur.tenant_id IS NOT DISTINCT FROM found.tenant_id)
           AND (SELECT count(*) FROM auth.user_roles ur
                WHERE ur.user_id = session.user_id AND ur.product_id = found.product_id)
               >= pg_catalog.current_setting('auth.max_grants_per_user')::integer THEN
            RAISE EXCEPTION 'user % already holds % grants in this product, the most auth.max_grants_per_user allows',
                            session.user_id, pg_catalog.current_setting('auth.max_grants_per_user')
                USING ERRCODE = 'program_limit_exceeded';
        END IF;
        INSERT INTO auth.user_roles (user_id, role_id, tenant_id, product_id)
        VALUES (session.user_id, found.role_id, found.tenant_id, found.product_id)
        ON CONFLICT ON CONSTRAINT user_roles_key DO NOTHING;
    END IF;
    UPDATE auth.invitations i SET accepted_at = clock_timestamp(), accepted_by = session.user_id WHERE i.id = found.id;
    PERFORM auth.audit(p_caller, 'invitation_accepted', session.user_id, found.product_id,
                       jsonb_build_object('invitation_id', found.id,
                                          'role', (SELECT r.name FROM auth.roles r WHERE r.id = found.role_id),
                                          'tenant', (SELECT t.name FROM auth.tenants t WHERE t.id = found.tenant_id)));
    RETURN true;
END
$$;

CREATE FUNCTION auth_accept_invitation(token text, session_token text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_accept_invitation(text, text) IS
    'the session''s user accepts an invitation sent to its address: active membership, the role granted; single use; false for a bad, used, expired or replaced token or another user''s session';
REVOKE ALL ON FUNCTION auth_accept_invitation(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_accept_invitation(text, text) TO auth_client, auth_admin;

-- auth_request_email_change (client): the session's user asks for a new address. A
-- single-use token goes to the new address, a notice (no token) to the stored one. 23505
-- when the new address, by key or as a look-alike, has an account (the user's own
-- included: 22023 for the address it has); 42704 for a session not usable by the
-- caller; 42501 below aal2 for a user with a second factor. An earlier request's token
-- stops working.
CREATE FUNCTION auth.request_email_change(p_caller regrole, p_session_token text, p_new_email text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    session auth.user_sessions;
    key text;
    account auth.users;
    msg_product bigint;
    token text := auth.new_token();
    issued timestamptz := clock_timestamp();
    ends timestamptz := issued + auth.reset_token_ttl();
    new_id bigint;
BEGIN
    PERFORM auth.require_writable('auth_request_email_change');
    IF p_session_token IS NULL THEN
        RAISE EXCEPTION 'session_token must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    key := auth.checked_new_email(p_new_email, 'new_email');
    session := auth.usable_session(p_session_token, products, false);
    IF session.id IS NULL THEN
        RAISE EXCEPTION 'the session does not exist or has ended' USING ERRCODE = 'undefined_object';
    END IF;
    IF EXISTS (SELECT FROM auth.mfa_factors f WHERE f.user_id = session.user_id AND f.confirmed_at IS NOT NULL) THEN
        PERFORM auth.require_aal2(session, 'auth_request_email_change');
    END IF;
    SELECT u.* INTO account FROM auth.users u WHERE u.id = session.user_id;
    IF account.email_key = key THEN
        RAISE EXCEPTION 'new_email is the user''s address already' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM auth.users u WHERE u.email_key = key)
       OR auth.email_lookalike_taken(auth.email_skeleton(p_new_email),
                                     octet_length(p_new_email) = length(p_new_email), account.id) THEN
        RAISE EXCEPTION 'a user with this email already exists' USING ERRCODE = 'unique_violation';
    END IF;
    msg_product := CASE WHEN products IS NOT NULL THEN session.product_id END;
    -- One pending change a user: the earlier token and its unsent mail go.
    DELETE FROM auth.account_tokens t
    WHERE t.user_id = account.id AND (t.purpose = 'email_change' OR t.expires_at <= issued);
    DELETE FROM auth.outbox o WHERE o.user_id = account.id AND o.kind = 'email_change' AND o.claimed_at IS NULL;
    INSERT INTO auth.account_tokens (user_id, purpose, token_hash, email, created_at, expires_at, new_email)
    VALUES (account.id, 'email_change', auth.token_digest(token), account.email, issued, ends, p_new_email)
    RETURNING id INTO new_id;
    PERFORM auth.audit(p_caller, 'email_change_requested', account.id, msg_product,
                       jsonb_build_object('token_id', new_id, 'expires_at', ends, 'session_id', session.id));
    PERFORM auth.queue_mail(pg_get_userbyid(p_caller), 'email_change', account.id, p_new_email, msg_product, token, ends);
    PERFORM auth.queue_notice(p_caller, 'email_change_notice', account.id, msg_product);
END
$$;

CREATE FUNCTION auth_request_email_change(session_token text, new_email text) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_request_email_change(text, text) IS
    'the session''s user asks to change its address: a token to the new address, a notice to the old; 23505 when the new address has an account';
REVOKE ALL ON FUNCTION auth_request_email_change(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_request_email_change(text, text) TO auth_client, auth_admin;

-- auth_confirm_email_change (client): the token from the new address sets it as the
-- user's email, verified, and ends every session of the user (the link may be opened
-- anywhere: no session is known to keep). Pending reset and verification tokens, made
-- for the old address, are dropped with their unsent mails. False for a token unknown,
-- used, expired, replaced, of a user the client may not see, or made before another
-- change of address; false too (token used up, recorded) when the address was taken
-- since the request.
CREATE FUNCTION auth.confirm_email_change(p_caller regrole, p_token text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    found auth.account_tokens;
    ended integer;
BEGIN
    PERFORM auth.require_writable('auth_confirm_email_change');
    found := auth.take_account_token(p_caller, p_token, 'email_change', products);
    IF found.id IS NULL THEN
        RETURN false;
    END IF;
    -- The old address's tokens first: a reset in flight holds its token's row, so this
    -- waits for it (and the user row is then locked in the order a reset locks it).
    DELETE FROM auth.account_tokens t
    WHERE t.user_id = found.user_id AND t.purpose IN ('password_reset', 'email_verification') AND t.used_at IS NULL;
    DELETE FROM auth.outbox o
    WHERE o.user_id = found.user_id AND o.kind IN ('password_reset', 'email_verification') AND o.claimed_at IS NULL;
    BEGIN
        UPDATE auth.users u SET email = found.new_email, email_verified_at = now(), updated_at = now()
        WHERE u.id = found.user_id;
    EXCEPTION WHEN unique_violation THEN
        PERFORM auth.audit(p_caller, 'email_change_refused', found.user_id, NULL,
                           jsonb_build_object('token_id', found.id, 'reason', 'address_taken'));
        RETURN false;
    END;
    ended := auth.end_sessions(found.user_id);
    PERFORM auth.audit(p_caller, 'email_changed', found.user_id, NULL,
                       jsonb_build_object('token_id', found.id, 'sessions_ended', ended));
    RETURN true;
END
$$;

CREATE FUNCTION auth_confirm_email_change(token text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_confirm_email_change(text) IS
    'sets the new, verified address with the token mailed to it (single use) and ends every session of the user; false for a bad, used or expired token or an address taken meanwhile';
REVOKE ALL ON FUNCTION auth_confirm_email_change(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_confirm_email_change(text) TO auth_client, auth_admin;
