-- Password quality (docs/mfa.md, "Password quality"): what a new password must pass at
-- sign-up, change, reset and set, never at login or import. In order of cost: the length
-- policy, cracklib's dictionary and the user's names (auth.password_check), the breached
-- list (auth_add_breached_passwords), then the user's last auth.password_history
-- passwords, one Argon2id verification each.
-- Every function here that receives a password runs with generic plans (see the head of
-- 45_passwords.sql); the public functions calling them carry the SET clauses that keep
-- the statement out of the server log.

-- C++ helpers (src/pg/password_quality_functions.cpp).

CREATE FUNCTION auth.check_password_quality(password text, argument text, email text, full_name text)
    RETURNS void
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_check_password_quality';
COMMENT ON FUNCTION auth.check_password_quality(text, text, text, text) IS
    'auth.password_check = dictionary: 22023 for a password cracklib judges weak or holding the email''s local part or the full name';

-- STABLE, not IMMUTABLE: the planner must never fold a digest into a constant that a
-- logged plan would show.
CREATE FUNCTION auth.password_breach_digest(password text, normalized boolean) RETURNS bytea
    LANGUAGE C STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'auth_password_breach_digest';
COMMENT ON FUNCTION auth.password_breach_digest(text, boolean) IS
    'SHA-1 of a password as typed, or of its NFKC form, for auth.breached_passwords';

-- 22023 when the password, as typed or in its NFKC form, is on the breached list. The
-- digests are computed inside the query and compared there: they are never a value a
-- log line or a plan could show.
CREATE FUNCTION auth.check_not_breached(p_password text, p_argument text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF EXISTS (SELECT FROM auth.breached_passwords b
               WHERE b.sha1 IN (auth.password_breach_digest(p_password, false),
                                auth.password_breach_digest(p_password, true))) THEN
        RAISE EXCEPTION '% appeared in a data breach', p_argument
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Choose another password: passwords from breaches are the first ones attackers try.';
    END IF;
END
$$;

-- The rules a new password must pass before any hash is made (the user is not needed
-- beyond the names): length, dictionary and names, breached list.
CREATE FUNCTION auth.check_password_policy(p_password text, p_argument text, p_email text, p_full_name text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    PERFORM auth.check_new_password(p_password, p_argument);
    PERFORM auth.check_password_quality(p_password, p_argument, p_email, p_full_name);
    PERFORM auth.check_not_breached(p_password, p_argument);
END
$$;

-- 22023 when the password is one of the user's last auth.password_history passwords:
-- one Argon2id verification per remembered hash (about 55 ms each at the default cost),
-- so callers run it last, after every cheaper rule and after the caller proved the right
-- to set the password (else it would tell a stranger the user's old passwords).
CREATE FUNCTION auth.check_not_reused(p_user_id bigint, p_password text, p_argument text) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    remembered integer := current_setting('auth.password_history')::integer;
    earlier record;
BEGIN
    IF remembered = 0 THEN
        RETURN;
    END IF;
    FOR earlier IN
        SELECT h.password_hash FROM auth.password_history h
        WHERE h.user_id = p_user_id ORDER BY h.id DESC LIMIT remembered
    LOOP
        IF auth.password_matches(p_password, earlier.password_hash) THEN
            RAISE EXCEPTION '% was used recently: it is one of the user''s last % passwords', p_argument, remembered
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
END
$$;

-- Remembers the hash of a password just set (sign-up, change, reset, set) and keeps the
-- user's newest auth.password_history of them; with 0, the user's history is dropped.
-- A lowered setting is obeyed by the check at once and trims a user's rows at the
-- user's next new password.
CREATE FUNCTION auth.remember_password(p_user_id bigint, p_password_hash text) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    remembered integer := current_setting('auth.password_history')::integer;
BEGIN
    IF remembered > 0 THEN
        INSERT INTO auth.password_history (user_id, password_hash) VALUES (p_user_id, p_password_hash);
    END IF;
    DELETE FROM auth.password_history h
    WHERE h.user_id = p_user_id
      AND h.id NOT IN (SELECT k.id FROM auth.password_history k
                       WHERE k.user_id = p_user_id ORDER BY k.id DESC LIMIT remembered);
END
$$;

-- auth_add_breached_passwords (admin): loads SHA-1 digests (40 hex digits, any case) of
-- breached passwords; the number not listed before. A NULL array or element is 22004,
-- a malformed element 22023 naming its position (never its text); nothing is added then.
CREATE FUNCTION auth.add_breached_passwords(p_caller regrole, p_sha1_hex text[]) RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    SET log_min_error_statement = panic SET log_parameter_max_length_on_error = 0
    SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    null_at bigint;
    malformed_at bigint;
    added bigint;
BEGIN
    PERFORM auth.require_admin(p_caller);
    IF p_sha1_hex IS NULL THEN
        RAISE EXCEPTION 'sha1_hex must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT min(e.position) FILTER (WHERE e.digest IS NULL),
           min(e.position) FILTER (WHERE e.digest !~ '^[0-9A-Fa-f]{40}$')
    INTO null_at, malformed_at
    FROM unnest(p_sha1_hex) WITH ORDINALITY AS e(digest, position);
    IF null_at IS NOT NULL THEN
        RAISE EXCEPTION 'sha1_hex element % must not be null', null_at
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF malformed_at IS NOT NULL THEN
        RAISE EXCEPTION 'sha1_hex element % is not a SHA-1 digest', malformed_at
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Each element must be 40 hexadecimal digits, as breach corpora publish them.';
    END IF;
    INSERT INTO auth.breached_passwords (sha1)
    SELECT decode(e.digest, 'hex') FROM unnest(p_sha1_hex) AS e(digest)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    PERFORM auth.audit(p_caller, 'breached_passwords_added', NULL, NULL,
                       jsonb_build_object('given', cardinality(p_sha1_hex), 'added', added));
    RETURN added;
END
$$;

CREATE FUNCTION auth_add_breached_passwords(sha1_hex text[]) RETURNS bigint
    LANGUAGE C VOLATILE AS 'MODULE_PATHNAME', 'auth_call_with_caller';
COMMENT ON FUNCTION auth_add_breached_passwords(text[]) IS
    'adds SHA-1 digests (hex) of breached passwords, which new passwords may not be; returns how many were new';
REVOKE ALL ON FUNCTION auth_add_breached_passwords(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_add_breached_passwords(text[]) TO auth_admin;
