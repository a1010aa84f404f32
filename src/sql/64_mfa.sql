-- Multi-factor authentication: TOTP factors (RFC 6238, through liboath), single-use
-- recovery codes, and the session's authenticator assurance level (NIST SP 800-63B:
-- aal1 after a password, aal2 after a second factor) with its methods (amr, RFC 8176
-- names: pwd, otp, and recovery). A product may require aal2 (auth_set_product_mfa).
-- TOTP secrets are kept sealed under the server key (src/core/sealed.h), bound to their
-- factor's row; a session token, a code and a secret are only ever in variables of
-- generic plans (see the comment at auth.login in 60_sessions.sql).

-- C++ helpers (src/pg/mfa_functions.cpp over src/core/totp.h and recovery_code.h).

CREATE FUNCTION auth.max_failed_mfa() RETURNS integer
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_max_failed_mfa';
CREATE FUNCTION auth.mfa_issuer() RETURNS text
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_mfa_issuer';

CREATE FUNCTION auth.totp_enrollment(issuer text, account text, context text,
                                     OUT sealed_secret bytea, OUT secret text, OUT uri text)
    LANGUAGE C VOLATILE STRICT AS 'MODULE_PATHNAME', 'auth_totp_enrollment';
COMMENT ON FUNCTION auth.totp_enrollment(text, text, text) IS
    'a new TOTP secret (160 random bits): sealed under the server key for context, in base32, and as an otpauth:// key URI';

CREATE FUNCTION auth.totp_step(sealed_secret bytea, context text, code text) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_totp_step';
COMMENT ON FUNCTION auth.totp_step(bytea, text, text) IS
    'the time step (unix time / 30) of the current step or one either side whose code is code, else NULL (also for a malformed code); the same work whatever the code';

CREATE FUNCTION auth.new_recovery_code() RETURNS text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_new_recovery_code';
CREATE FUNCTION auth.recovery_code_digest(code text) RETURNS bytea
    LANGUAGE C IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_recovery_code_digest';
COMMENT ON FUNCTION auth.recovery_code_digest(text) IS
    'SHA-256 of a recovery code''s canonical form (case, hyphens and spaces ignored), or NULL for anything no code could be';

-- Where a factor's secret is sealed: its row, so a sealed secret copied to another row
-- does not open there.
CREATE FUNCTION auth.factor_context(p_factor_id bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT 'auth.mfa_factors:' || p_factor_id
$$;

-- The live session of a token the caller may use, or NULL: not revoked, not expired or
-- idle, its user active, and for a confined client bound to one of its products (a
-- sign-in service's own session, bound to none, only for an unconfined caller). Locked
-- when p_lock, for a function that raises its level.
CREATE FUNCTION auth.usable_session(p_token text, p_products bigint[], p_lock boolean)
    RETURNS auth.user_sessions
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    found auth.user_sessions;
BEGIN
    IF p_lock THEN
        SELECT s.* INTO found FROM auth.user_sessions s
        WHERE s.token_hash = auth.token_digest(p_token) FOR NO KEY UPDATE;
    ELSE
        SELECT s.* INTO found FROM auth.user_sessions s WHERE s.token_hash = auth.token_digest(p_token);
    END IF;
    IF found.id IS NULL
       OR found.revoked_at IS NOT NULL
       OR NOT auth.session_is_live(found.expires_at, found.last_used_at)
       OR NOT EXISTS (SELECT FROM auth.users u WHERE u.id = found.user_id AND u.is_active)
       OR (p_products IS NOT NULL AND (found.product_id IS NULL OR NOT found.product_id = ANY (p_products))) THEN
        RETURN NULL;
    END IF;
    RETURN found;
END
$$;

-- Raises 42501 unless the session is at aal2: the functions that add a second factor
-- for a user who has one, show recovery codes or remove a factor need it.
CREATE FUNCTION auth.require_aal2(p_session auth.user_sessions, p_function text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_session.aal IS DISTINCT FROM 'aal2' THEN
        RAISE EXCEPTION '% needs a session at aal2', p_function
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Verify a second factor with auth_mfa_verify first.';
    END IF;
END
$$;

-- The session a function that changes a user's factors acts from: writable, usable by
-- the caller (else NULL), and at aal2 (else 42501).
CREATE FUNCTION auth.aal2_session(p_token text, p_products bigint[], p_function text)
    RETURNS auth.user_sessions
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    session auth.user_sessions;
BEGIN
    PERFORM auth.require_writable(p_function);
    session := auth.usable_session(p_token, p_products, false);
    IF session.id IS NOT NULL THEN
        PERFORM auth.require_aal2(session, p_function);
    END IF;
    RETURN session;
END
$$;

-- Raises the session to aal2 and adds the method to its amr (once).
CREATE FUNCTION auth.raise_to_aal2(p_session_id bigint, p_method text) RETURNS void
    LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    UPDATE auth.user_sessions s
    SET aal = 'aal2', amr = CASE WHEN p_method = ANY (s.amr) THEN s.amr ELSE s.amr || p_method END
    WHERE s.id = p_session_id
$$;

-- Whether the product requires aal2 (auth_set_product_mfa); false for no product.
CREATE FUNCTION auth.product_requires_mfa(p_product_id bigint) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT p.mfa_required FROM auth.products p WHERE p.id = p_product_id), false)
$$;

-- auth_mfa_enroll_totp (client): a new unconfirmed TOTP factor for the session's user:
-- its id, its secret in base32 and the otpauth:// URI to show as a QR code. No row for an
-- invalid session. A user who already has a confirmed factor needs an aal2 session
-- (42501): a stolen password alone must not add an attacker's authenticator. A new
-- enrolment replaces the user's factors that were never confirmed.
CREATE FUNCTION auth.mfa_enroll_totp(p_caller regrole, p_session_token text, p_label text)
    RETURNS TABLE (factor_id bigint, secret text, uri text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    session auth.user_sessions;
    account text;
    new_id bigint;
    made record;
BEGIN
    PERFORM auth.require_writable('auth_mfa_enroll_totp');
    IF p_label IS NOT NULL AND length(p_label) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'label must be 1 to 200 characters' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    session := auth.usable_session(p_session_token, products, false);
    IF session.id IS NULL THEN
        RETURN;
    END IF;
    IF EXISTS (SELECT FROM auth.mfa_factors f WHERE f.user_id = session.user_id AND f.confirmed_at IS NOT NULL) THEN
        PERFORM auth.require_aal2(session, 'adding a factor for a user who has one');
    END IF;
    DELETE FROM auth.mfa_factors f WHERE f.user_id = session.user_id AND f.confirmed_at IS NULL;
    SELECT u.email INTO account FROM auth.users u WHERE u.id = session.user_id;
    new_id := nextval('auth.mfa_factors_id_seq');
    made := auth.totp_enrollment(auth.mfa_issuer(), account, auth.factor_context(new_id));
    INSERT INTO auth.mfa_factors (id, user_id, kind, label, sealed_secret)
    VALUES (new_id, session.user_id, 'totp', p_label, made.sealed_secret);
    PERFORM auth.audit(p_caller, 'mfa_enrolled', session.user_id, session.product_id,
                       jsonb_build_object('factor_id', new_id, 'kind', 'totp', 'session_id', session.id));
    factor_id := new_id;
    secret := made.secret;
    uri := made.uri;
    RETURN NEXT;
END
$$;

CREATE FUNCTION auth_mfa_enroll_totp(session_token text, label text DEFAULT NULL)
    RETURNS TABLE (factor_id bigint, secret text, uri text)
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_mfa_enroll_totp(text, text) IS
    'a new unconfirmed TOTP factor (RFC 6238, SHA-1, 6 digits, 30 s): its id, base32 secret (160 bits) and otpauth:// URI; no row for an invalid session; 42501 without aal2 when the user has a confirmed factor';
REVOKE ALL ON FUNCTION auth_mfa_enroll_totp(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_mfa_enroll_totp(text, text) TO auth_client, auth_admin;

-- The check of a code against the user's factors and unused recovery codes, with the
-- factors locked (two connections presenting one code are served one after the other,
-- so its step is accepted once): the factor and step of a TOTP match, or the recovery
-- code's id. The same work whatever the code: every factor's window is computed, and
-- the recovery digest looked up. p_only_factor limits the check to one factor (confirm).
CREATE FUNCTION auth.match_second_factor(p_user_id bigint, p_code text, p_only_factor bigint,
                                         OUT factor_id bigint, OUT step bigint, OUT replayed boolean,
                                         OUT recovery_code_id bigint)
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    f record;
    matched bigint;
BEGIN
    replayed := false;
    FOR f IN SELECT m.id, m.sealed_secret, m.last_step FROM auth.mfa_factors m
             WHERE m.user_id = p_user_id
               AND (CASE WHEN p_only_factor IS NULL THEN m.confirmed_at IS NOT NULL ELSE m.id = p_only_factor END)
             ORDER BY m.id FOR UPDATE LOOP
        matched := auth.totp_step(f.sealed_secret, auth.factor_context(f.id), p_code);
        IF matched IS NOT NULL AND factor_id IS NULL THEN
            IF matched > coalesce(f.last_step, -1) THEN
                factor_id := f.id;
                step := matched;
            ELSE
                replayed := true;
            END IF;
        END IF;
    END LOOP;
    IF p_only_factor IS NULL THEN
        SELECT r.id INTO recovery_code_id FROM auth.mfa_recovery_codes r
        WHERE r.user_id = p_user_id AND r.code_hash = auth.recovery_code_digest(p_code) AND r.used_at IS NULL
        FOR UPDATE;
    END IF;
END
$$;

-- Records a wrong code through the failure recorder (counted toward auth.max_failed_mfa,
-- outside the caller's transaction), or a refusal while locked (not counted).
CREATE FUNCTION auth.mfa_failure(p_caller regrole, p_session auth.user_sessions, p_counted boolean,
                                 p_reason text, p_factor_id bigint) RETURNS void
    LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT auth.record_failure(p_caller, p_session.user_id, 'mfa', p_counted, 'mfa_failed', p_session.product_id,
                               jsonb_build_object('reason', p_reason, 'factor_id', p_factor_id,
                                                  'session_id', p_session.id)::text)
$$;

-- auth_mfa_confirm (client): the first right code of an unconfirmed factor confirms it
-- and raises the session to aal2 (amr gains otp); its time step counts as used. False for
-- an invalid session, a factor of another user, one already confirmed, a wrong or
-- malformed code (counted toward auth.max_failed_mfa), or while the user's codes are
-- locked.
CREATE FUNCTION auth.mfa_confirm(p_caller regrole, p_session_token text, p_factor_id bigint, p_code text)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    session auth.user_sessions;
    factor auth.mfa_factors;
    checked record;
    locked boolean;
BEGIN
    PERFORM auth.require_preloaded('auth_mfa_confirm');
    PERFORM auth.require_writable('auth_mfa_confirm');
    session := auth.usable_session(p_session_token, products, true);
    IF session.id IS NULL OR p_factor_id IS NULL OR p_code IS NULL THEN
        RETURN false;
    END IF;
    SELECT f.* INTO factor FROM auth.mfa_factors f WHERE f.id = p_factor_id AND f.user_id = session.user_id;
    IF factor.id IS NULL OR factor.confirmed_at IS NOT NULL THEN
        PERFORM auth.audit(p_caller, 'mfa_confirm_refused', session.user_id, session.product_id,
                           jsonb_build_object('factor_id', p_factor_id,
                                              'reason', CASE WHEN factor.id IS NULL THEN 'unknown_factor'
                                                             ELSE 'already_confirmed' END));
        RETURN false;
    END IF;
    checked := auth.match_second_factor(session.user_id, p_code, factor.id);
    locked := auth.is_locked(session.user_id, 'mfa');
    IF locked OR checked.factor_id IS NULL THEN
        PERFORM auth.mfa_failure(p_caller, session, NOT locked,
                                 CASE WHEN locked THEN 'locked' WHEN checked.replayed THEN 'replayed' ELSE 'wrong_code' END,
                                 factor.id);
        RETURN false;
    END IF;
    UPDATE auth.mfa_factors f SET confirmed_at = now(), last_used_at = now(), last_step = checked.step
    WHERE f.id = factor.id;
    PERFORM auth.raise_to_aal2(session.id, 'otp');
    PERFORM auth.clear_failures(session.user_id, 'mfa');
    PERFORM auth.audit(p_caller, 'mfa_confirmed', session.user_id, session.product_id,
                       jsonb_build_object('factor_id', factor.id, 'session_id', session.id));
    PERFORM auth.queue_notice(p_caller, 'mfa_enrolled', session.user_id, session.product_id);
    RETURN true;
END
$$;

CREATE FUNCTION auth_mfa_confirm(session_token text, factor_id bigint, code text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_mfa_confirm(text, bigint, text) IS
    'confirms a TOTP factor with its first right code (6 digits) and raises the session to aal2; false otherwise (wrong codes count toward auth.max_failed_mfa)';
REVOKE ALL ON FUNCTION auth_mfa_confirm(text, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_mfa_confirm(text, bigint, text) TO auth_client, auth_admin;

-- auth_mfa_verify (client): a code of a confirmed factor for the current step or one
-- either side (each step accepted once per factor), or an unused recovery code (used up
-- now): the session becomes aal2 and its amr gains otp or recovery. Wrong, malformed or
-- replayed codes count toward auth.max_failed_mfa through the failure recorder; after
-- that many in a row every code and recovery code of the user is refused for
-- auth.lockout_duration, with the same work. It writes, so on a hot standby or in a read-only
-- transaction it answers false with a WARNING (like auth_login).
CREATE FUNCTION auth.mfa_verify(p_caller regrole, p_session_token text, p_code text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
    session auth.user_sessions;
    checked record;
    locked boolean;
    remaining integer;
BEGIN
    PERFORM auth.require_preloaded('auth_mfa_verify');
    IF current_setting('transaction_read_only') = 'on' THEN
        RAISE WARNING 'auth_mfa_verify needs a writable transaction'
            USING HINT = 'Call it on the primary, outside a READ ONLY transaction.';
        RETURN false;
    END IF;
    session := auth.usable_session(p_session_token, products, true);
    IF session.id IS NULL OR p_code IS NULL THEN
        RETURN false;
    END IF;
    checked := auth.match_second_factor(session.user_id, p_code, NULL);
    locked := auth.is_locked(session.user_id, 'mfa');
    IF locked OR (checked.factor_id IS NULL AND checked.recovery_code_id IS NULL) THEN
        PERFORM auth.mfa_failure(p_caller, session, NOT locked,
                                 CASE WHEN locked THEN 'locked' WHEN checked.replayed THEN 'replayed' ELSE 'wrong_code' END,
                                 NULL);
        RETURN false;
    END IF;
    IF checked.factor_id IS NOT NULL THEN
        UPDATE auth.mfa_factors f SET last_used_at = now(), last_step = checked.step WHERE f.id = checked.factor_id;
        PERFORM auth.raise_to_aal2(session.id, 'otp');
        PERFORM auth.audit(p_caller, 'mfa_verified', session.user_id, session.product_id,
                           jsonb_build_object('method', 'otp', 'factor_id', checked.factor_id, 'session_id', session.id));
    ELSE
        UPDATE auth.mfa_recovery_codes r SET used_at = now() WHERE r.id = checked.recovery_code_id;
        SELECT count(*) INTO remaining FROM auth.mfa_recovery_codes r
        WHERE r.user_id = session.user_id AND r.used_at IS NULL;
        PERFORM auth.raise_to_aal2(session.id, 'recovery');
        PERFORM auth.audit(p_caller, 'mfa_verified', session.user_id, session.product_id,
                           jsonb_build_object('method', 'recovery', 'recovery_codes_left', remaining,
                                              'session_id', session.id));
    END IF;
    IF (auth.failure_state(session.user_id, 'mfa')).failures > 0 THEN
        PERFORM auth.clear_failures(session.user_id, 'mfa');
    END IF;
    RETURN true;
END
$$;

CREATE FUNCTION auth_mfa_verify(session_token text, code text) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_mfa_verify(text, text) IS
    'a TOTP code (current step or one either side, each step once) or an unused recovery code raises the session to aal2; false otherwise (counted toward auth.max_failed_mfa)';
REVOKE ALL ON FUNCTION auth_mfa_verify(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_mfa_verify(text, text) TO auth_client, auth_admin;

-- auth_mfa_recovery_codes (client): ten new recovery codes for the session's user,
-- shown once and stored as SHA-256 digests, replacing any unused ones. Needs an aal2
-- session (42501); no rows for an invalid session.
CREATE FUNCTION auth.mfa_recovery_codes(p_caller regrole, p_session_token text) RETURNS SETOF text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    session auth.user_sessions := auth.aal2_session(p_session_token, auth.require_client(p_caller),
                                                    'auth_mfa_recovery_codes');
    code text;
BEGIN
    IF session.id IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM auth.mfa_recovery_codes r WHERE r.user_id = session.user_id AND r.used_at IS NULL;
    FOR i IN 1..10 LOOP
        code := auth.new_recovery_code();
        INSERT INTO auth.mfa_recovery_codes (user_id, code_hash) VALUES (session.user_id, auth.recovery_code_digest(code));
        RETURN NEXT code;
    END LOOP;
    PERFORM auth.audit(p_caller, 'mfa_recovery_codes_created', session.user_id, session.product_id,
                       jsonb_build_object('count', 10, 'session_id', session.id));
END
$$;

CREATE FUNCTION auth_mfa_recovery_codes(session_token text) RETURNS SETOF text
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_mfa_recovery_codes(text) IS
    'ten new single-use recovery codes (120 bits each, shown once, stored hashed), replacing unused ones; needs an aal2 session (42501)';
REVOKE ALL ON FUNCTION auth_mfa_recovery_codes(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_mfa_recovery_codes(text) TO auth_client, auth_admin;

-- auth_mfa_factors (client): a user's factors, never a secret; 42704 for a user the
-- caller may not see.
CREATE FUNCTION auth.mfa_factors(p_caller regrole, p_user_id bigint)
    RETURNS TABLE (id bigint, kind text, label text, created_at timestamptz, confirmed_at timestamptz,
                   last_used_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
BEGIN
    PERFORM auth.require_seen_user(products, p_user_id);
    RETURN QUERY
    SELECT f.id, f.kind, f.label, f.created_at, f.confirmed_at, f.last_used_at
    FROM auth.mfa_factors f WHERE f.user_id = p_user_id ORDER BY f.id;
END
$$;

CREATE FUNCTION auth_mfa_factors(user_id bigint)
    RETURNS TABLE (id bigint, kind text, label text, created_at timestamptz, confirmed_at timestamptz,
                   last_used_at timestamptz)
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_mfa_factors(bigint) IS 'a user''s second factors (never a secret)';
REVOKE ALL ON FUNCTION auth_mfa_factors(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_mfa_factors(bigint) TO auth_client, auth_admin;

-- auth_mfa_unenroll (client): removes a factor of the session's user; needs an aal2
-- session (42501). When the last confirmed factor goes, the recovery codes go too.
-- False for an invalid session or a factor that is not the user's.
CREATE FUNCTION auth.mfa_unenroll(p_caller regrole, p_session_token text, p_factor_id bigint) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    session auth.user_sessions := auth.aal2_session(p_session_token, auth.require_client(p_caller),
                                                    'auth_mfa_unenroll');
    removed bigint;
    was_confirmed boolean;
BEGIN
    IF session.id IS NULL THEN
        RETURN false;
    END IF;
    DELETE FROM auth.mfa_factors f WHERE f.id = p_factor_id AND f.user_id = session.user_id
    RETURNING f.id, f.confirmed_at IS NOT NULL INTO removed, was_confirmed;
    IF removed IS NULL THEN
        RETURN false;
    END IF;
    IF NOT EXISTS (SELECT FROM auth.mfa_factors f WHERE f.user_id = session.user_id AND f.confirmed_at IS NOT NULL) THEN
        DELETE FROM auth.mfa_recovery_codes r WHERE r.user_id = session.user_id;
    END IF;
    PERFORM auth.audit(p_caller, 'mfa_removed', session.user_id, session.product_id,
                       jsonb_build_object('factor_id', removed, 'session_id', session.id));
    -- A factor never confirmed was never enrolled: its removal is no news to the user.
    IF was_confirmed THEN
        PERFORM auth.queue_notice(p_caller, 'mfa_removed', session.user_id, session.product_id);
    END IF;
    RETURN true;
END
$$;

CREATE FUNCTION auth_mfa_unenroll(session_token text, factor_id bigint) RETURNS boolean
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_mfa_unenroll(text, bigint) IS
    'removes one of the session user''s factors; needs an aal2 session (42501)';
REVOKE ALL ON FUNCTION auth_mfa_unenroll(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_mfa_unenroll(text, bigint) TO auth_client, auth_admin;

-- auth_mfa_reset (admin): removes every factor and recovery code of a user, and clears a
-- lock of the user's codes (the operator's way back for a user who lost everything).
CREATE FUNCTION auth.mfa_reset(p_caller regrole, p_user_id bigint) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    factors integer;
    confirmed integer;
BEGIN
    PERFORM auth.require_admin(p_caller);
    PERFORM auth.require_user(p_user_id);
    WITH gone AS (DELETE FROM auth.mfa_factors f WHERE f.user_id = p_user_id RETURNING f.confirmed_at)
    SELECT count(*), count(confirmed_at) INTO factors, confirmed FROM gone;
    DELETE FROM auth.mfa_recovery_codes r WHERE r.user_id = p_user_id;
    PERFORM auth.clear_failures(p_user_id, 'mfa');
    PERFORM auth.audit(p_caller, 'mfa_reset', p_user_id, NULL, jsonb_build_object('factors_removed', factors));
    IF confirmed > 0 THEN   -- one notice for the reset, however many factors it removed
        PERFORM auth.queue_notice(p_caller, 'mfa_removed', p_user_id, NULL);
    END IF;
END
$$;

CREATE FUNCTION auth_mfa_reset(user_id bigint) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_mfa_reset(bigint) IS 'removes every second factor and recovery code of a user';
REVOKE ALL ON FUNCTION auth_mfa_reset(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_mfa_reset(bigint) TO auth_admin;

-- auth_session_aal (client): the session's assurance level, aal1 or aal2, or NULL for a
-- session the caller may not use or that is not valid. Read-only: runs on a standby.
CREATE FUNCTION auth.session_aal(p_caller regrole, p_session_token text) RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    products bigint[] := auth.require_client(p_caller);
BEGIN
    RETURN (auth.usable_session(p_session_token, products, false)).aal;
END
$$;

CREATE FUNCTION auth_session_aal(session_token text) RETURNS text
    LANGUAGE C STABLE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_session_aal(text) IS
    'the session''s authenticator assurance level (aal1 after a password, aal2 after a second factor), or NULL for an invalid session';
REVOKE ALL ON FUNCTION auth_session_aal(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_session_aal(text) TO auth_client, auth_admin;

-- auth_set_product_mfa (product): when required, a session bound to the product answers
-- auth_session_user only at aal2, and auth_issue_jwt, auth_sso_exchange and auth_begin
-- give tokens or bind only from aal2 sessions.
CREATE FUNCTION auth.set_product_mfa(p_caller regrole, p_product text, p_required boolean) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_product_id bigint := auth.managed_product_id(p_caller, p_product);
BEGIN
    IF p_required IS NULL THEN
        RAISE EXCEPTION 'required must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE auth.products p SET mfa_required = p_required WHERE p.id = v_product_id;
    PERFORM auth.audit(p_caller, 'product_mfa_set', NULL, v_product_id, jsonb_build_object('required', p_required));
END
$$;

CREATE FUNCTION auth_set_product_mfa(product text, required boolean) RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_set_product_mfa(text, boolean) IS
    'whether the product requires aal2 sessions (a second factor) for auth_session_user, auth_issue_jwt, auth_sso_exchange and auth_begin';
REVOKE ALL ON FUNCTION auth_set_product_mfa(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_set_product_mfa(text, boolean) TO auth_client, auth_admin;
