-- Sessions: login, the check apps make with a token on every request, logout.

-- auth_login (client): a new session token, or NULL on any failure. A failure is
-- recorded (audit row, failed-login count) by the failure recorder before the answer,
-- where no rollback of the caller's reaches it, and never raised, so the password never
-- reaches the server log through an error report.
-- The session is bound to a product: the one named, or for a confined client its only
-- product. A sign-in service (or an admin) that names none gets its own session, bound to
-- no product, from which single sign-on hands the user on (auth_sso_code). A confined
-- client naming a product not its own, or none while it has several, gets NULL and a
-- WARNING (a configuration error, never a reason to raise with a password in hand).
-- Generic plans only (here and in every function below that holds a token, key or digest
-- in a variable): a custom plan puts the variable's value into the plan as a constant,
-- and auto_explain (log_nested_statements) would write it to the server log.
CREATE FUNCTION auth.login(p_caller regrole, p_email text, p_password text, p_product text,
                           p_device_info text, p_client_ip inet) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    checked record;
    found auth.users;
    v_product_id bigint;
    failure text;
    token text;
BEGIN
    PERFORM auth.require_preloaded('auth_login');
    -- A login writes (a session, or the record of a failure). In a read-only transaction
    -- (a state the client, or a database owner's default, controls) it answers NULL with a
    -- WARNING, before any work: a login never raises because of its caller's state.
    IF current_setting('transaction_read_only') = 'on' THEN
        RAISE WARNING 'auth_login needs a writable transaction'
            USING HINT = 'Call it on the primary, outside a READ ONLY transaction.';
        RETURN NULL;
    END IF;
    IF p_product IS NOT NULL THEN
        SELECT p.id INTO v_product_id FROM auth.products p WHERE p.name = p_product;
        IF products IS NOT NULL AND (v_product_id IS NULL OR NOT v_product_id = ANY (products)) THEN
            RAISE WARNING 'auth_login: role % may not log users in to product %',
                          auth.shown(pg_get_userbyid(p_caller)), auth.shown(p_product);
            PERFORM auth.audit(p_caller, 'login_refused', NULL, NULL,
                               jsonb_build_object('reason', 'product_not_allowed', 'product', p_product));
            RETURN NULL;
        END IF;
    ELSIF products IS NOT NULL THEN
        v_product_id := auth.only_product(products);
        IF v_product_id IS NULL THEN
            RAISE WARNING 'auth_login: role % is the app of several products: name one',
                          auth.shown(pg_get_userbyid(p_caller));
            PERFORM auth.audit(p_caller, 'login_refused', NULL, NULL,
                               jsonb_build_object('reason', 'product_not_named'));
            RETURN NULL;
        END IF;
    END IF;

    -- The password check shared with auth_verify_password (src/sql/45_passwords.sql):
    -- equal Argon2id work for every failure, lockout counting, rehash on success.
    checked := auth.authenticate(p_caller, NULL, p_email, p_password, true, true, products,
                                 'login_failed', v_product_id, jsonb_build_object('client_ip', p_client_ip));
    IF checked.failure IS NOT NULL THEN
        RETURN NULL;   -- recorded by the failure recorder, for good
    END IF;
    found := checked.user_row;
    failure := CASE
        WHEN (p_product IS NOT NULL OR products IS NOT NULL)
             AND (v_product_id IS NULL OR NOT auth.member_of_product(found.id, v_product_id))
            THEN 'not_a_member'
    END;

    IF failure IS NULL THEN
        token := auth.new_token();
        -- Session times are statement times, as the checks read them (auth_session_user).
        INSERT INTO auth.user_sessions (user_id, token_hash, product_id, device_info, client_ip,
                                        created_at, last_used_at, expires_at)
        VALUES (found.id, auth.token_digest(token), v_product_id, left(p_device_info, 500), p_client_ip,
                statement_timestamp(), statement_timestamp(), statement_timestamp() + auth.session_ttl());
        PERFORM auth.note_login(found.id);
        PERFORM auth.audit(p_caller, 'login', found.id, v_product_id,
                           jsonb_build_object('client_ip', p_client_ip));
        RETURN token;
    END IF;

    -- The password was right, but the user is not an active member of the product:
    -- recorded the same way (not counted), so the time is a wrong password's.
    PERFORM auth.record_failure(p_caller, found.id, 'password', false, 'login_failed', v_product_id,
                                jsonb_build_object('reason', failure, 'client_ip', p_client_ip)::text);
    RETURN NULL;
END
$$;

CREATE FUNCTION auth_login(email text, password text, product text DEFAULT NULL,
                           device_info text DEFAULT NULL, client_ip inet DEFAULT NULL) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_login(text, text, text, text, inet) IS
    'a new session token (43 URL-safe characters), or NULL when the login fails';
REVOKE ALL ON FUNCTION auth_login(text, text, text, text, inet) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login(text, text, text, text, inet) TO auth_client, auth_admin;

-- Notes a successful login on the user's row, best effort: skipped rather than wait for
-- another client's transaction that holds the row (a login never waits on one), or fail
-- on it under REPEATABLE READ. The audit row and the session tell the time anyway.
CREATE FUNCTION auth.note_login(p_user_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE auth.users u SET last_login_at = now()
    WHERE u.id = (SELECT l.id FROM auth.users l WHERE l.id = p_user_id FOR NO KEY UPDATE SKIP LOCKED);
EXCEPTION WHEN serialization_failure OR lock_not_available THEN
    NULL;
END
$$;

-- auth_session_user (client): the session's user while the session is valid. A C
-- function (src/pg/session_check.cpp) that reads the token-hash index directly; it is
-- neither SECURITY DEFINER nor SET, so it costs what a hand-written lookup costs. On a
-- writable server it has auth.touch_session refresh last_used_at, at most once a minute.
CREATE FUNCTION auth_session_user(token text) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_session_user';
COMMENT ON FUNCTION auth_session_user(text) IS
    'the user of a valid session (not expired, idle-timed-out or revoked, user active), or NULL';
REVOKE ALL ON FUNCTION auth_session_user(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_session_user(text) TO auth_client, auth_admin;

-- Moves a session's last_used_at to now, best effort: it skips the refresh rather than
-- wait for another transaction that holds the row, or fail on it under REPEATABLE READ,
-- because the check that calls it never raises.
CREATE FUNCTION auth.touch_session(p_session_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE auth.user_sessions s SET last_used_at = statement_timestamp()
    WHERE s.id = (SELECT l.id FROM auth.user_sessions l
                  WHERE l.id = p_session_id AND l.last_used_at < statement_timestamp() - interval '1 minute'
                  FOR UPDATE SKIP LOCKED);
EXCEPTION WHEN serialization_failure OR lock_not_available THEN
    NULL;
END
$$;

-- auth_logout (client): ends a session and every session made from it by single
-- sign-on (single logout); true when the session itself was live (one that
-- auth_session_user would still have accepted). An expired or idle session is closed
-- too, and answers false. A confined client ends only sessions of its products: any
-- other token is, to it, unknown (false).
CREATE FUNCTION auth.logout(p_caller regrole, p_token text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    found auth.user_sessions;
    live boolean;
    children integer;
BEGIN
    SELECT s.* INTO found FROM auth.user_sessions s
    WHERE s.token_hash = auth.token_digest(p_token) AND s.revoked_at IS NULL
      AND (products IS NULL OR s.product_id = ANY (products))
    FOR UPDATE;
    IF found.id IS NULL THEN
        RETURN false;
    END IF;
    live := auth.session_is_live(found.expires_at, found.last_used_at);
    children := auth.end_session_tree(found.id) - CASE WHEN live THEN 1 ELSE 0 END;
    IF NOT live THEN
        RETURN false;
    END IF;
    PERFORM auth.audit(p_caller, 'logout', found.user_id, found.product_id,
                       jsonb_build_object('session_id', found.id, 'child_sessions_ended', nullif(children, 0)));
    RETURN true;
END
$$;

CREATE FUNCTION auth_logout(token text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_logout(text) IS 'ends the session of this token; true when one was ended';
REVOKE ALL ON FUNCTION auth_logout(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_logout(text) TO auth_client, auth_admin;

-- auth_logout_all (client): ends every session of the user; the number of live sessions
-- ended (ones auth_session_user would still have accepted). A confined client ends the
-- user's sessions of its products only; 42704 for a user it may not see.
CREATE FUNCTION auth.logout_all(p_caller regrole, p_user_id bigint) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    ended integer;
BEGIN
    PERFORM auth.require_seen_user(products, p_user_id);
    ended := auth.end_sessions(p_user_id, NULL, products);
    PERFORM auth.audit(p_caller, 'logout_all', p_user_id, NULL, jsonb_build_object('sessions_ended', ended));
    RETURN ended;
END
$$;

CREATE FUNCTION auth_logout_all(user_id bigint) RETURNS integer
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_logout_all(bigint) IS 'ends every session of the user; how many live ones were ended';
REVOKE ALL ON FUNCTION auth_logout_all(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_logout_all(bigint) TO auth_client, auth_admin;

-- auth_sessions (client): the user's live sessions, the ones auth_session_user accepts
-- (a deactivated user has none), newest first, with the product each is bound to (NULL:
-- a sign-in service's own session) and its assurance level. Never the token or its
-- hash. A confined client sees the sessions of its products only; 42704 for a user it
-- may not see.
CREATE FUNCTION auth.sessions(p_caller regrole, p_user_id bigint)
    RETURNS TABLE (id bigint, product text, device_info text, client_ip inet, created_at timestamptz,
                   last_used_at timestamptz, expires_at timestamptz, aal text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
BEGIN
    PERFORM auth.require_seen_user(products, p_user_id);
    RETURN QUERY
    SELECT s.id, p.name, s.device_info, s.client_ip, s.created_at, s.last_used_at, s.expires_at, s.aal
    FROM auth.user_sessions s JOIN auth.users u ON u.id = s.user_id
    LEFT JOIN auth.products p ON p.id = s.product_id
    WHERE s.user_id = p_user_id
      AND s.revoked_at IS NULL
      AND auth.session_is_live(s.expires_at, s.last_used_at)
      AND u.is_active
      AND (products IS NULL OR s.product_id = ANY (products))
    ORDER BY s.created_at DESC, s.id DESC;
END
$$;

CREATE FUNCTION auth_sessions(user_id bigint)
    RETURNS TABLE (id bigint, product text, device_info text, client_ip inet, created_at timestamptz,
                   last_used_at timestamptz, expires_at timestamptz, aal text)
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_sessions(bigint) IS
    'the user''s live sessions, newest first, with their product and assurance level';
REVOKE ALL ON FUNCTION auth_sessions(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_sessions(bigint) TO auth_client, auth_admin;
