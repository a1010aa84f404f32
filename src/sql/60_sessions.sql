-- Sessions: login, the check apps make with a token on every request, logout.

-- auth_login (client): a new session token, or NULL on any failure. A failure is
-- recorded (audit row, failed-login count) and never raised, so the record commits and
-- the password never reaches the server log through an error report.
CREATE FUNCTION auth.login(p_caller regrole, p_email text, p_password text, p_product text,
                           p_device_info text, p_client_ip inet) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    checked record;
    found auth.users;
    v_product_id bigint;
    failure text;
    token text;
BEGIN
    -- A login writes (a session, or the record of a failure): say so before any work.
    PERFORM auth.require_writable('auth_login');
    IF p_product IS NOT NULL THEN
        SELECT p.id INTO v_product_id FROM auth.products p WHERE p.name = p_product;
    END IF;

    -- The password check shared with auth_verify_password (src/sql/45_passwords.sql):
    -- equal Argon2id work for every failure, lockout counting, rehash on success.
    checked := auth.authenticate(p_caller, NULL, p_email, p_password, true, true);
    found := checked.user_row;
    failure := coalesce(checked.failure, CASE
        WHEN p_product IS NOT NULL
             AND (v_product_id IS NULL OR NOT auth.member_of_product(found.id, v_product_id))
            THEN 'not_a_member'
    END);

    IF failure IS NULL THEN
        token := auth.new_token();
        INSERT INTO auth.user_sessions (user_id, token_hash, product_id, device_info, client_ip, expires_at)
        VALUES (found.id, auth.token_digest(token), v_product_id, left(p_device_info, 500),
                p_client_ip, now() + auth.session_ttl());
        UPDATE auth.users u SET failed_logins = 0, locked_until = NULL, last_login_at = now()
        WHERE u.id = found.id;
        PERFORM auth.audit(p_caller, 'login', found.id, v_product_id,
                           jsonb_build_object('client_ip', p_client_ip));
        RETURN token;
    END IF;

    -- An unknown email is not recorded: people type passwords into the email field.
    PERFORM auth.audit(p_caller, 'login_failed', found.id, v_product_id,
                       jsonb_build_object('reason', failure, 'client_ip', p_client_ip));
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

-- auth_session_user (client): the session's user while the session is valid. On a
-- writable server it refreshes last_used_at, at most once a minute per session.
CREATE FUNCTION auth_session_user(token text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    session auth.user_sessions;
BEGIN
    SELECT s.* INTO session
    FROM auth.user_sessions s JOIN auth.users u ON u.id = s.user_id
    WHERE s.token_hash = auth.token_digest(token)
      AND s.revoked_at IS NULL
      AND s.expires_at > now()
      AND s.last_used_at > now() - auth.session_idle_timeout()
      AND u.is_active;
    IF session.id IS NULL THEN
        RETURN NULL;
    END IF;
    IF session.last_used_at < now() - interval '1 minute'
       AND current_setting('transaction_read_only') = 'off' THEN
        -- Best effort: skip the refresh rather than wait for another transaction that
        -- holds the row, or fail on it under REPEATABLE READ. A check never raises.
        BEGIN
            UPDATE auth.user_sessions s SET last_used_at = now()
            WHERE s.id = (SELECT l.id FROM auth.user_sessions l
                          WHERE l.id = session.id FOR UPDATE SKIP LOCKED);
        EXCEPTION WHEN serialization_failure OR lock_not_available THEN
            NULL;
        END;
    END IF;
    RETURN session.user_id;
END
$$;
COMMENT ON FUNCTION auth_session_user(text) IS
    'the user of a valid session (not expired, idle-timed-out or revoked, user active), or NULL';
REVOKE ALL ON FUNCTION auth_session_user(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_session_user(text) TO auth_client, auth_admin;

-- auth_logout (client): ends a session; true when a live session was ended (one that
-- auth_session_user would still have accepted). An expired or idle session is closed
-- too, and answers false.
CREATE FUNCTION auth.logout(p_caller regrole, p_token text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ended auth.user_sessions;
BEGIN
    UPDATE auth.user_sessions s SET revoked_at = now()
    WHERE s.token_hash = auth.token_digest(p_token) AND s.revoked_at IS NULL
    RETURNING s.* INTO ended;
    IF ended.id IS NULL
       OR ended.expires_at <= now()
       OR ended.last_used_at <= now() - auth.session_idle_timeout() THEN
        RETURN false;
    END IF;
    PERFORM auth.audit(p_caller, 'logout', ended.user_id, ended.product_id,
                       jsonb_build_object('session_id', ended.id));
    RETURN true;
END
$$;

CREATE FUNCTION auth_logout(token text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_logout(text) IS 'ends the session of this token; true when one was ended';
REVOKE ALL ON FUNCTION auth_logout(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_logout(text) TO auth_client, auth_admin;
