-- Single sign-on between products: the OAuth 2.0 authorization-code exchange with PKCE
-- (RFC 7636, method S256), done in SQL. A sign-in service turns its own session (bound
-- to no product) into a one-time code for one product, bound to the browser's
-- code_challenge; the product's app turns the code and the browser's code_verifier into
-- a session of its own, a child of the sign-in session. Ending a session ends its
-- children (single logout).
-- Codes, verifiers and tokens are held in PL/pgSQL variables: generic plans only (see
-- the comment at auth.login in 60_sessions.sql).

-- C++ helpers (src/pg/setting_functions.cpp, src/pg/sso_functions.cpp over src/core/pkce).

CREATE FUNCTION auth.sso_code_ttl() RETURNS interval
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_sso_code_ttl';

CREATE FUNCTION auth.pkce_verifier_matches(verifier text, challenge text) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_pkce_verifier_matches';
COMMENT ON FUNCTION auth.pkce_verifier_matches(text, text) IS
    'true when the verifier is well formed (RFC 7636: 43 to 128 unreserved characters) and its S256 challenge equals the stored one (constant-time compare)';

-- auth_sso_code (sign-in service): a single-use code that hands the user of a sign-in
-- session on to a product, or NULL. Only a sign-in service (auth_signin) may ask, and a
-- superuser. Members of auth_admin are refused too, although they are never confined:
-- an operator's tool holds no user's browser session to hand on, and minting product
-- sessions from sign-in sessions stays with the one role made for it, so a leaked
-- operator credential does not add a way into every product.
-- Only a session bound to no product (a sign-in service's own) may hand its user on: a
-- session bound to a product is never used for another one.
CREATE FUNCTION auth.sso_code(p_caller regrole, p_session_token text, p_product text,
                              p_code_challenge text) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    parent auth.user_sessions;
    v_product_id bigint;
    refusal text;
    code text;
    issued timestamptz;
    code_id bigint;
BEGIN
    IF NOT pg_has_role(p_caller, 'auth_signin', 'USAGE') THEN
        RAISE EXCEPTION 'permission denied: role % is not a sign-in service', auth.shown(pg_get_userbyid(p_caller))
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only members of auth_signin hand users on to products.';
    END IF;
    PERFORM auth.require_writable('auth_sso_code');
    IF p_product IS NULL THEN
        RAISE EXCEPTION 'product must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_code_challenge IS NULL THEN
        RAISE EXCEPTION 'code_challenge must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- 32 bytes make 43 base64url characters, the last holding 4 bits and two zero bits:
    -- any other last character is no SHA-256, and no verifier could ever match it.
    IF length(p_code_challenge) <> 43 OR p_code_challenge !~ '^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$' THEN
        RAISE EXCEPTION 'code_challenge is not an S256 code challenge'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A code_challenge is the URL-safe base64 of the SHA-256 of the code_verifier: 43 characters of A-Z, a-z, 0-9, "-" and "_", without padding, the last one of AEIMQUYcgkosw048 (RFC 7636, S256).';
    END IF;
    IF p_session_token IS NULL THEN
        RETURN NULL;
    END IF;

    SELECT s.* INTO parent FROM auth.user_sessions s WHERE s.token_hash = auth.token_digest(p_session_token);
    IF parent.id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT p.id INTO v_product_id FROM auth.products p WHERE p.name = p_product;
    refusal := CASE
        WHEN parent.revoked_at IS NOT NULL OR NOT auth.session_is_live(parent.expires_at, parent.last_used_at)
            THEN 'session_ended'
        WHEN NOT EXISTS (SELECT FROM auth.users u WHERE u.id = parent.user_id AND u.is_active) THEN 'inactive'
        WHEN parent.product_id IS NOT NULL THEN 'session_of_a_product'
        WHEN v_product_id IS NULL THEN 'unknown_product'
        WHEN NOT auth.member_of_product(parent.user_id, v_product_id) THEN 'not_a_member'
    END;
    IF refusal IS NOT NULL THEN
        PERFORM auth.audit(p_caller, 'sso_code_not_issued', parent.user_id, v_product_id,
                           jsonb_build_object('session_id', parent.id, 'reason', refusal));
        RETURN NULL;
    END IF;

    code := auth.new_token();
    issued := clock_timestamp();
    INSERT INTO auth.sso_codes (code_hash, session_id, user_id, product_id, code_challenge, created_at, expires_at)
    VALUES (auth.token_digest(code), parent.id, parent.user_id, v_product_id, p_code_challenge,
            issued, issued + auth.sso_code_ttl())
    RETURNING id INTO code_id;
    PERFORM auth.audit(p_caller, 'sso_code_issued', parent.user_id, v_product_id,
                       jsonb_build_object('session_id', parent.id, 'code_id', code_id));
    RETURN code;
END
$$;

CREATE FUNCTION auth_sso_code(session_token text, product text, code_challenge text) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_sso_code(text, text, text) IS
    'single sign-on (OAuth 2.0 code with PKCE, RFC 7636 S256), for sign-in services only (else 42501): a single-use code (43 URL-safe characters) handing the user of a sign-in session on to the product, valid auth.sso_code_ttl and bound to code_challenge (43-character base64url SHA-256 of the verifier, else 22023; NULL product or challenge 22004); NULL when the session is not valid, is bound to a product, or its user is not an active member of the product';
REVOKE ALL ON FUNCTION auth_sso_code(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_sso_code(text, text, text) TO auth_client, auth_admin;

-- auth_sso_exchange (client; a confined one only for codes of its products): a new
-- session bound to the code's product, a child of the sign-in session, or NULL.
-- A code is used once. What each refusal does to it:
--   another product's code: left as it is, so a confined app cannot spoil (or, by a
--     replay, end the session of) a code meant for another product;
--   used already: a replayed code is a stolen code, so the session the first exchange
--     made is ended, with its children;
--   expired: left as it is;
--   wrong, missing or malformed verifier: the code is burnt, since a code presented
--     without its browser's verifier is in the wrong hands, and the right browser will
--     not get a second try at guessing either;
--   the sign-in session ended meanwhile, the user is inactive or no longer an active
--     member: left as it is (it expires within auth.sso_code_ttl).
CREATE FUNCTION auth.sso_exchange(p_caller regrole, p_code text, p_code_verifier text,
                                  p_device_info text, p_client_ip inet) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0 SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    found auth.sso_codes;
    parent auth.user_sessions;
    refusal text;
    token text;
    child_id bigint;
    ended integer;
BEGIN
    PERFORM auth.require_writable('auth_sso_exchange');
    SELECT c.* INTO found FROM auth.sso_codes c WHERE c.code_hash = auth.token_digest(p_code) FOR UPDATE;
    IF found.id IS NULL THEN
        RETURN NULL;
    END IF;
    IF products IS NOT NULL AND NOT found.product_id = ANY (products) THEN
        PERFORM auth.audit(p_caller, 'sso_code_refused', found.user_id, found.product_id,
                           jsonb_build_object('code_id', found.id, 'reason', 'other_product'));
        RETURN NULL;
    END IF;
    IF found.used_at IS NOT NULL THEN
        ended := auth.end_session_tree(found.child_session_id);
        PERFORM auth.audit(p_caller, 'sso_code_replayed', found.user_id, found.product_id,
                           jsonb_build_object('code_id', found.id, 'session_id', found.child_session_id,
                                              'sessions_ended', ended, 'client_ip', p_client_ip));
        RETURN NULL;
    END IF;
    IF found.expires_at <= clock_timestamp() THEN
        PERFORM auth.audit(p_caller, 'sso_code_refused', found.user_id, found.product_id,
                           jsonb_build_object('code_id', found.id, 'reason', 'expired'));
        RETURN NULL;
    END IF;
    IF NOT coalesce(auth.pkce_verifier_matches(p_code_verifier, found.code_challenge), false) THEN
        UPDATE auth.sso_codes c SET used_at = now() WHERE c.id = found.id;
        PERFORM auth.audit(p_caller, 'sso_code_refused', found.user_id, found.product_id,
                           jsonb_build_object('code_id', found.id, 'reason', 'wrong_verifier',
                                              'client_ip', p_client_ip));
        RETURN NULL;
    END IF;

    refusal := CASE
        WHEN NOT EXISTS (SELECT FROM auth.users u WHERE u.id = found.user_id AND u.is_active) THEN 'inactive'
        WHEN NOT auth.member_of_product(found.user_id, found.product_id) THEN 'not_a_member'
    END;
    -- The sign-in session is used: its row is updated (last_used_at), which also makes an
    -- auth.end_session_tree of it running now wait for this transaction and then see the
    -- child made here. A session ended or expired meanwhile is not updated.
    IF refusal IS NULL THEN
        UPDATE auth.user_sessions s SET last_used_at = greatest(s.last_used_at, statement_timestamp())
        WHERE s.id = found.session_id AND s.revoked_at IS NULL
          AND auth.session_is_live(s.expires_at, s.last_used_at)
        RETURNING s.* INTO parent;
        IF parent.id IS NULL THEN
            refusal := 'session_ended';
        -- A product that requires a second factor is reached from aal2 sessions only: the
        -- sign-in service verifies it before handing the user on.
        ELSIF parent.aal <> 'aal2' AND auth.product_requires_mfa(found.product_id) THEN
            refusal := 'mfa_required';
        END IF;
    END IF;
    IF refusal IS NOT NULL THEN
        PERFORM auth.audit(p_caller, 'sso_code_refused', found.user_id, found.product_id,
                           jsonb_build_object('code_id', found.id, 'reason', refusal));
        RETURN NULL;
    END IF;

    token := auth.new_token();
    -- Session times are statement times, as the checks read them (auth_session_user). A
    -- child never outlives its parent's absolute lifetime.
    INSERT INTO auth.user_sessions (user_id, token_hash, product_id, device_info, client_ip,
                                    created_at, last_used_at, expires_at, parent_id, aal, amr)
    VALUES (found.user_id, auth.token_digest(token), found.product_id, left(p_device_info, 500), p_client_ip,
            statement_timestamp(), statement_timestamp(),
            least(statement_timestamp() + auth.session_ttl(), parent.expires_at),
            parent.id, parent.aal, parent.amr)
    RETURNING id INTO child_id;
    UPDATE auth.sso_codes c SET used_at = now(), child_session_id = child_id WHERE c.id = found.id;
    PERFORM auth.audit(p_caller, 'sso_code_exchanged', found.user_id, found.product_id,
                       jsonb_build_object('code_id', found.id, 'session_id', child_id,
                                          'parent_session_id', parent.id, 'client_ip', p_client_ip));
    RETURN token;
END
$$;

CREATE FUNCTION auth_sso_exchange(code text, code_verifier text, device_info text DEFAULT NULL,
                                  client_ip inet DEFAULT NULL) RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_sso_exchange(text, text, text, inet) IS
    'single sign-on (OAuth 2.0 code with PKCE, RFC 7636 S256): a new session token bound to the code''s product, a child of the sign-in session at its assurance level, or NULL for an unknown, used or expired code, a wrong verifier (which burns the code), or a code of a product the caller may not act for; a code used a second time also ends the session the first exchange made';
REVOKE ALL ON FUNCTION auth_sso_exchange(text, text, text, inet) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_sso_exchange(text, text, text, inet) TO auth_client, auth_admin;
